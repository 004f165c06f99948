-- top_apps.sql: applications by bytes over the intervals that start in
-- [:since, :until). A flow counts for the application of its server port (as
-- in top_ports.sql: view flow_server_ports; names from app_ports: the
-- user's, else netmon's); a port without a name is its own application,
-- "tcp/8000". ports lists the application's server ports seen, busiest
-- first; peers are the distinct remote addresses, as in top_ports.sql.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
-- Reads the coarsest level that answers exactly: whole UTC days and hours
-- already rolled up from the port rollups (bytes, and the set of peers), the
-- rest from raw rows (docs/queries.md, "Rollups").
WITH win AS (
	SELECT coalesce(:since, -9223372036854775808) AS s,
	       coalesce(:until, 9223372036854775807) AS u,
	       coalesce((SELECT value FROM meta WHERE key = 'rolled_until_1'), 0) AS r1,
	       coalesce((SELECT value FROM meta WHERE key = 'rolled_until_2'), 0) AS r2
),
tiers AS ( -- whole hours [hs, he) and whole days [ds, de) already rolled up
	SELECT s, u, (s + 3599) / 3600 * 3600 AS hs,
	       max((s + 3599) / 3600 * 3600, min(u / 3600 * 3600, r1)) AS he,
	       (s + 86399) / 86400 * 86400 AS ds,
	       max((s + 86399) / 86400 * 86400, min(u / 86400 * 86400, r2)) AS de
	FROM win
),
raw_ports AS MATERIALIZED ( -- raw intervals: the edges, and the hours not rolled up
	-- the bounds of tiers, written with the parameters alone so that SQLite
	-- bounds the view before judging its flows (sql/0009_server_ports.sql)
	SELECT protocol, server_port AS port, direction, packets, bytes,
	       CASE direction WHEN 0 THEN src_id ELSE dst_id END AS remote_id
	FROM flow_server_ports
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	  AND (ts_start < (coalesce(:since, -9223372036854775808) + 3599) / 3600 * 3600
	       OR ts_start >= coalesce(:until, 9223372036854775807) / 3600 * 3600
	       OR NOT hour_rolled_up)
	  AND protocol IN (6, 17)
),
window_ports AS ( -- bytes per port and direction: raw edges, port rollups between
	SELECT protocol, port, direction, packets, bytes FROM raw_ports
	UNION ALL
	SELECT protocol, port, direction, packets, bytes
	FROM rollup_ports, tiers
	WHERE level = 1 AND ((bucket >= hs AND bucket < min(ds, he)) OR (bucket >= max(de, hs) AND bucket < he))
	UNION ALL
	SELECT protocol, port, direction, packets, bytes
	FROM rollup_ports, tiers
	WHERE level = 2 AND bucket >= ds AND bucket < de
),
window_peers AS ( -- the remote addresses of each port, the same way
	SELECT protocol, port, remote_id FROM raw_ports
	UNION ALL
	SELECT protocol, port, address_id
	FROM rollup_port_peers, tiers
	WHERE level = 1 AND ((bucket >= hs AND bucket < min(ds, he)) OR (bucket >= max(de, hs) AND bucket < he))
	UNION ALL
	SELECT protocol, port, address_id
	FROM rollup_port_peers, tiers
	WHERE level = 2 AND bucket >= ds AND bucket < de
),
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
