-- top_apps.sql: applications by bytes over the intervals that start in
-- [:since, :until). A flow counts for the application of its server port
-- (view flow_app_log; names from app_ports: the user's, else netmon's); a
-- port without a name is its own application, "tcp/8000". ports lists the
-- application's server ports seen, busiest first; peers are the distinct
-- remote addresses, as in top_ports.sql.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
WITH window_flows AS MATERIALIZED (
	SELECT CASE protocol WHEN 6 THEN 'tcp/' ELSE 'udp/' END || server_port AS port,
	       app, direction, packets, bytes,
	       CASE direction WHEN 'in' THEN src ELSE dst END AS remote
	FROM flow_app_log
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	  AND server_port <> 0
),
per_port AS MATERIALIZED (
	SELECT coalesce(app, port) AS app, port, sum(bytes) AS bytes
	FROM window_flows
	GROUP BY port
)
SELECT coalesce(app, port) AS app,
       (SELECT group_concat(port, ' ')
	FROM (SELECT port FROM per_port p
	      WHERE p.app = coalesce(w.app, w.port)
	      ORDER BY bytes DESC, port)) AS ports,
       coalesce(sum(packets) FILTER (WHERE direction = 'in'), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'in'), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 'out'), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'out'), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes,
       count(DISTINCT remote) AS peers
FROM window_flows w
GROUP BY 1
ORDER BY total_bytes DESC, total_packets DESC, app
LIMIT coalesce(:limit, 10);
