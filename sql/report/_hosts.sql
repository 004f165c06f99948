-- _hosts.sql: ranked, the :limit addresses of the window with the most bytes
-- sent (as a flow's source) plus received (as its destination), read from
-- the tiers of _tiers.sql and without the flow table's overflow rows of
-- _overflow.sql (both included before it, in that order): raw flows at the
-- edges, rollup_hosts in between, less what an overflow row added there to
-- its unspecified address (as sent and as received). An address of 0.0.0.0
-- or :: that sent real packets (a DHCP client's first) keeps them. Columns: address_id, host (its text), the
-- packets and bytes, and t: the end of the last interval (raw rows) or
-- rollup bucket holding its traffic, the time _names.sql names it at. The
-- last CTE of top_hosts_numeric.sql; top_hosts.sql goes on to the names.
raw_flows AS (
	SELECT c.src_id, c.dst_id, f.packets, f.bytes, i.ts_end AS t
	FROM tiers, intervals i
	JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= s AND i.ts_start < u AND NOT (i.ts_start >= hs AND i.ts_start < he)
	  AND NOT (f.src_port = 0 AND f.dst_port = 0
		   AND f.conversation_id IN (SELECT id FROM overflow_conversations))
),
per_host AS (
	SELECT src_id AS address_id, packets AS sent_packets, bytes AS sent_bytes,
	       0 AS received_packets, 0 AS received_bytes, t
	FROM raw_flows
	UNION ALL
	SELECT dst_id, 0, 0, packets, bytes, t
	FROM raw_flows
	UNION ALL
	SELECT address_id, sent_packets, sent_bytes, received_packets, received_bytes,
	       r.bucket + CASE r.level WHEN 1 THEN 3600 ELSE 86400 END
	FROM levels l CROSS JOIN rollup_hosts r
	WHERE r.level = l.level AND r.bucket >= l.lo AND r.bucket < l.hi
	UNION ALL -- the overflow rows' part of the rollup_hosts rows above
	SELECT address_id, -packets, -bytes, -packets, -bytes, NULL
	FROM overflow_rollup
),
totals AS (
	SELECT address_id,
	       sum(sent_packets) AS sent_packets,
	       sum(sent_bytes) AS sent_bytes,
	       sum(received_packets) AS received_packets,
	       sum(received_bytes) AS received_bytes,
	       sum(sent_packets + received_packets) AS total_packets,
	       sum(sent_bytes + received_bytes) AS total_bytes,
	       max(t) AS t
	FROM per_host
	GROUP BY address_id
	HAVING address_id NOT IN (SELECT id FROM unspecified)
	    OR sum(sent_packets + received_packets) > 0
),
ranked AS (
	SELECT address_id, a.text AS host, sent_packets, sent_bytes, received_packets,
	       received_bytes, total_packets, total_bytes, t
	FROM totals JOIN addresses a ON a.id = totals.address_id
	ORDER BY total_bytes DESC, total_packets DESC, host
	LIMIT coalesce(:limit, 10)
)
