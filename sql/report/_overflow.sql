-- _overflow.sql: the flow table's overflow rows in the window. When the
-- kernel's flow table was full, the packets that did not fit are in one flow
-- row per interface, direction and protocol whose source and destination are
-- both the unspecified address (0.0.0.0 or ::) and whose ports are 0 (no
-- wire packet has that pair: docs/schema.md, flow_log). No host is known for
-- them, so a ranking of hosts leaves them out (_hosts.sql, trend_host.sql)
-- and the report says how much that was (top_hosts_overflow.sql). Read from
-- the tiers of _tiers.sql (included before it).
--
-- overflow_conversations: the conversations of those rows (a seek on
-- conversations' unique key per unspecified address). overflow_raw: the
-- packets and bytes of the overflow rows of the raw intervals at the edges,
-- read only from the intervals whose table was full (a traffic row of kind
-- 3). overflow_rollup: address_id (the unspecified address) and the packets
-- and bytes of their rollup_conversations rows in between, one seek on its
-- key per bucket (overflow_buckets lists them).
unspecified AS (
	SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16))
),
overflow_conversations AS (
	SELECT c.id, c.src_id AS address_id
	FROM unspecified u CROSS JOIN conversations c
	WHERE c.src_id = u.id AND c.dst_id = u.id
),
overflow_raw AS (
	SELECT f.packets, f.bytes
	FROM tiers, intervals i
	JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN overflow_conversations o ON o.id = f.conversation_id
	WHERE i.ts_start >= s AND i.ts_start < u AND NOT (i.ts_start >= hs AND i.ts_start < he)
	  AND EXISTS (SELECT 1 FROM traffic t WHERE t.interval_id = i.id AND t.kind = 3)
	  AND f.src_port = 0 AND f.dst_port = 0
),
overflow_buckets (level, bucket, hi) AS ( -- the buckets of levels that a rollup holds
	SELECT level,
	       max(lo, (SELECT min(bucket) FROM rollup_conversations r WHERE r.level = l.level)),
	       min(hi, (SELECT max(bucket) + 1 FROM rollup_conversations r WHERE r.level = l.level))
	FROM levels l
	UNION ALL
	SELECT level, bucket + CASE level WHEN 1 THEN 3600 ELSE 86400 END, hi
	FROM overflow_buckets
	WHERE bucket + CASE level WHEN 1 THEN 3600 ELSE 86400 END < hi
),
overflow_rollup AS (
	SELECT o.address_id, r.packets, r.bytes
	FROM overflow_buckets b CROSS JOIN overflow_conversations o
	CROSS JOIN rollup_conversations r
	WHERE b.bucket < b.hi AND r.level = b.level AND r.bucket = b.bucket
	  AND r.conversation_id = o.id AND r.port = 0
),
