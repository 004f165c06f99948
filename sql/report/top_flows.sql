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
, -- both ends of the ranked flows, to be named (each address and time once)
want (address_id, t) AS (SELECT src_id, t FROM ranked UNION SELECT dst_id, t FROM ranked),
-- @include _names.sql
SELECT r.interface, r.direction, r.protocol, r.src, sn.name AS src_name, r.src_port, r.dst,
       dn.name AS dst_name, r.dst_port, r.packets, r.bytes
FROM ranked r
LEFT JOIN host_name sn ON sn.address_id = r.src_id AND sn.t = r.t
LEFT JOIN host_name dn ON dn.address_id = r.dst_id AND dn.t = r.t
ORDER BY r.bytes DESC, r.packets DESC, r.interface, r.direction, r.protocol, r.src, r.src_port,
	 r.dst, r.dst_port;
