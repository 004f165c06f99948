-- top_flows.sql: flows by bytes over the intervals that start in
-- [:since, :until). A flow is one direction on one interface: interface,
-- direction, protocol, source address and port, destination address and
-- port (for ICMP and ICMPv6 the "ports" are type and code).
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
SELECT interface, direction, protocol, src, src_port, dst, dst_port,
       sum(packets) AS packets,
       sum(bytes) AS bytes
FROM flow_log
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
GROUP BY interface, direction, protocol, src, src_port, dst, dst_port
ORDER BY bytes DESC, packets DESC, interface, direction, protocol, src, src_port, dst, dst_port
LIMIT coalesce(:limit, 10);
