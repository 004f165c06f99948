-- top_ports.sql: TCP and UDP server ports by bytes over the intervals that
-- start in [:since, :until). A flow counts for its server port (view
-- flow_server_ports: the port a connection request went to, as the flows of
-- its connection show it; else the one port with a name in app_ports; else
-- the lower port), so a request to 443 and its reply from 443 both count for
-- 443, not for the client's port; in the direction it was seen (in:
-- received, out: sent). Hours already rolled up keep the port decided when
-- they were (rollup_ports). Peers are the distinct remote addresses: the
-- source of a received flow, the destination of a sent one. Server port 0
-- (no port seen, or an overflow row) is left out. app is the port's
-- application name (view app_ports), or NULL.
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
peers AS (
	SELECT protocol, port, count(DISTINCT remote_id) AS peers
	FROM window_peers WHERE port <> 0 GROUP BY protocol, port
),
per_port AS (
	SELECT protocol, port,
	       coalesce(sum(packets) FILTER (WHERE direction = 0), 0) AS in_packets,
	       coalesce(sum(bytes) FILTER (WHERE direction = 0), 0) AS in_bytes,
	       coalesce(sum(packets) FILTER (WHERE direction = 1), 0) AS out_packets,
	       coalesce(sum(bytes) FILTER (WHERE direction = 1), 0) AS out_bytes,
	       sum(packets) AS total_packets,
	       sum(bytes) AS total_bytes
	FROM window_ports
	WHERE port <> 0
	GROUP BY protocol, port
)
SELECT p.protocol, p.port, a.name AS app, in_packets, in_bytes, out_packets, out_bytes,
       total_packets, total_bytes, coalesce(n.peers, 0) AS peers
FROM per_port p
LEFT JOIN peers n ON n.protocol = p.protocol AND n.port = p.port
LEFT JOIN app_ports a ON a.protocol = p.protocol AND a.port = p.port
ORDER BY total_bytes DESC, total_packets DESC, p.protocol, p.port
LIMIT coalesce(:limit, 10);
