-- top_apps.sql: applications by bytes over the intervals that start in
-- [:since, :until). A flow counts for the application of its server port (as
-- in top_ports.sql: view flow_server_ports; names from app_ports: the
-- user's, else netmon's); a port without a name is its own application,
-- "tcp/8000". ports lists the application's server ports seen, busiest
-- first; peers are the distinct remote addresses, as in top_ports.sql.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _ports.sql
named AS MATERIALIZED (
	SELECT CASE w.protocol WHEN 6 THEN 'tcp/' ELSE 'udp/' END || w.port AS port_name,
	       coalesce(a.name, CASE w.protocol WHEN 6 THEN 'tcp/' ELSE 'udp/' END || w.port) AS app,
	       w.direction, w.packets, w.bytes
	FROM window_ports w
	LEFT JOIN app_ports a ON a.protocol = w.protocol AND a.port = w.port
	WHERE w.port <> 0
),
app_peers AS ( -- distinct remote addresses over all the application's ports
	SELECT coalesce(a.name, CASE w.protocol WHEN 6 THEN 'tcp/' ELSE 'udp/' END || w.port) AS app,
	       count(DISTINCT w.remote_id) AS peers
	FROM window_peers w
	LEFT JOIN app_ports a ON a.protocol = w.protocol AND a.port = w.port
	WHERE w.port <> 0
	GROUP BY 1
),
per_port AS MATERIALIZED (
	SELECT app, port_name, sum(bytes) AS bytes
	FROM named
	GROUP BY port_name
)
SELECT app,
       (SELECT group_concat(port_name, ' ')
	FROM (SELECT port_name FROM per_port p
	      WHERE p.app = n.app
	      ORDER BY bytes DESC, port_name)) AS ports,
       coalesce(sum(packets) FILTER (WHERE direction = 0), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 0), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 1), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 1), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes,
       coalesce((SELECT peers FROM app_peers p WHERE p.app = n.app), 0) AS peers
FROM named n
GROUP BY app
ORDER BY total_bytes DESC, total_packets DESC, app
LIMIT coalesce(:limit, 10);
