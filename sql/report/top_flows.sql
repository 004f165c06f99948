-- top_flows.sql: flows by bytes over the intervals that start in
-- [:since, :until). A flow is one direction on one interface: interface,
-- direction, protocol, source address and port, destination address and
-- port (for ICMP and ICMPv6 the "ports" are type and code). src_name and
-- dst_name: the names the addresses had at the time of the flow
-- (_names.sql; NULL when the host was told none). top_flows_numeric.sql is
-- the same without names.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
WITH
-- @include _flows.sql
, -- each ranked flow twice: its source (end 0) and its destination (end 1), to be named
want AS (
	SELECT r.*, e.side, CASE e.side WHEN 0 THEN r.src_id ELSE r.dst_id END AS address_id
	FROM ranked r CROSS JOIN (SELECT 0 AS side UNION ALL SELECT 1) e
),
-- @include _names.sql
SELECT interface, direction, protocol, src, max(name) FILTER (WHERE side = 0) AS src_name,
       src_port, dst, max(name) FILTER (WHERE side = 1) AS dst_name, dst_port, packets, bytes
FROM host_name
GROUP BY conversation_id, src_port, dst_port
ORDER BY bytes DESC, packets DESC, interface, direction, protocol, src, src_port, dst, dst_port;
