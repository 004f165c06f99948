-- top_flows_numeric.sql: top_flows.sql without names (netmon-report
-- --numeric): flows by bytes over the intervals that start in
-- [:since, :until). No name is looked up.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
WITH
-- @include _flows.sql
SELECT interface, direction, protocol, src, src_port, dst, dst_port, packets, bytes
FROM ranked
ORDER BY bytes DESC, packets DESC, interface, direction, protocol, src, src_port, dst, dst_port;
