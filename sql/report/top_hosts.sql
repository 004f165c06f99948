-- top_hosts.sql: addresses by bytes sent (as source) plus received (as
-- destination) over the intervals that start in [:since, :until).
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows, so that `sqlite3 netmon.db < top_hosts.sql`
-- works as is (see docs/queries.md). A flow seen on two interfaces (a router,
-- or lo, where a packet goes out and comes back in) counts on each.
WITH
-- @include _tiers.sql
raw_flows AS (
	SELECT c.src_id, c.dst_id, f.packets, f.bytes
	FROM tiers, intervals i
	JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= s AND i.ts_start < u AND NOT (i.ts_start >= hs AND i.ts_start < he)
),
per_host AS (
	SELECT src_id AS address_id, packets AS sent_packets, bytes AS sent_bytes,
	       0 AS received_packets, 0 AS received_bytes
	FROM raw_flows
	UNION ALL
	SELECT dst_id, 0, 0, packets, bytes
	FROM raw_flows
	UNION ALL
	SELECT address_id, sent_packets, sent_bytes, received_packets, received_bytes
	FROM levels l CROSS JOIN rollup_hosts r
	WHERE r.level = l.level AND r.bucket >= l.lo AND r.bucket < l.hi
),
totals AS (
	SELECT address_id,
	       sum(sent_packets) AS sent_packets,
	       sum(sent_bytes) AS sent_bytes,
	       sum(received_packets) AS received_packets,
	       sum(received_bytes) AS received_bytes,
	       sum(sent_packets + received_packets) AS total_packets,
	       sum(sent_bytes + received_bytes) AS total_bytes
	FROM per_host
	GROUP BY address_id
)
SELECT a.text AS host, sent_packets, sent_bytes, received_packets, received_bytes,
       total_packets, total_bytes
FROM totals JOIN addresses a ON a.id = totals.address_id
ORDER BY total_bytes DESC, total_packets DESC, host
LIMIT coalesce(:limit, 10);
