-- top_ports.sql: TCP and UDP server ports by bytes over the intervals that
-- start in [:since, :until). A flow counts for its server port (view
-- flow_app_log: the named port, else the lower one), so a request to 443 and
-- its reply from 443 both count for 443, not for the client's ephemeral
-- port; in the direction it was seen (in: received, out: sent). Peers are
-- the distinct remote addresses: the source of a received flow, the
-- destination of a sent one. Server port 0 (no port seen, or an overflow
-- row) is left out. app is the port's application name, or NULL.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
SELECT protocol, server_port AS port, app,
       coalesce(sum(packets) FILTER (WHERE direction = 'in'), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'in'), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 'out'), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'out'), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes,
       count(DISTINCT CASE direction WHEN 'in' THEN src ELSE dst END) AS peers
FROM flow_app_log
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
  AND server_port <> 0
GROUP BY protocol, server_port
ORDER BY total_bytes DESC, total_packets DESC, protocol, port
LIMIT coalesce(:limit, 10);
