-- _flows.sql: ranked, the :limit flows of the window with the most bytes. A
-- flow is one direction on one interface: interface, direction, protocol,
-- source address and port, destination address and port (for ICMP and
-- ICMPv6 the "ports" are type and code); a conversation and its two ports.
-- Read from raw rows (a flow is not kept in the rollups). Columns: those of
-- the report, and conversation_id (with the ports, the flow's key), src_id,
-- dst_id and t (the end of the last interval that
-- holds the flow: the time _names.sql names its addresses at). The last
-- CTE of top_flows_numeric.sql; top_flows.sql goes on to the names.
window_flows AS (
	SELECT f.conversation_id, f.src_port, f.dst_port, sum(f.packets) AS packets,
	       sum(f.bytes) AS bytes, max(i.ts_end) AS t
	FROM intervals i
	JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	WHERE i.ts_start >= coalesce(:since, -9223372036854775808)
	  AND i.ts_start < coalesce(:until, 9223372036854775807)
	GROUP BY f.conversation_id, f.src_port, f.dst_port
),
ranked AS (
	SELECT n.name AS interface, CASE c.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
	       c.protocol, s.text AS src, w.src_port, d.text AS dst, w.dst_port, w.packets,
	       w.bytes, w.conversation_id, c.src_id, c.dst_id, w.t
	FROM window_flows w
	JOIN conversations c ON c.id = w.conversation_id
	JOIN interfaces n ON n.id = c.iface_id
	JOIN addresses s ON s.id = c.src_id
	JOIN addresses d ON d.id = c.dst_id
	ORDER BY bytes DESC, packets DESC, interface, direction, protocol, src, src_port, dst,
		 dst_port
	LIMIT coalesce(:limit, 10)
)
