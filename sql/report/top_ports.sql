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
WITH
-- @include _tiers.sql
-- @include _ports.sql
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
