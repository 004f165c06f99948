-- summary_interfaces.sql: IP packets and L3 bytes per interface, received
-- (in), sent (out) and both, over the intervals that start in
-- [:since, :until). Busiest interface first.
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
SELECT interface,
       coalesce(sum(packets) FILTER (WHERE direction = 'in'), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'in'), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 'out'), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'out'), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes
FROM traffic_log
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
GROUP BY interface
ORDER BY total_bytes DESC, interface;
