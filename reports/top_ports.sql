-- top_ports.sql: TCP and UDP server ports by bytes over the intervals that
-- start in [:since, :until). A flow counts for its destination port, in the
-- direction it was seen (in: received, out: sent); peers are the distinct
-- remote addresses: the source of a received flow, the destination of a sent
-- one. Port 0 (no port seen, or an overflow row) is left out.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
SELECT protocol, dst_port AS port,
       coalesce(sum(packets) FILTER (WHERE direction = 'in'), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'in'), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 'out'), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'out'), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes,
       count(DISTINCT CASE direction WHEN 'in' THEN src ELSE dst END) AS peers
FROM flow_log
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
  AND protocol IN (6, 17)
  AND dst_port <> 0
GROUP BY protocol, dst_port
ORDER BY total_bytes DESC, total_packets DESC, protocol, port
LIMIT coalesce(:limit, 10);
