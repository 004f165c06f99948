-- top_hosts.sql: addresses by bytes sent (as source) plus received (as
-- destination) over the intervals that start in [:since, :until).
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows, so that `sqlite3 netmon.db < top_hosts.sql`
-- works as is (see docs/queries.md). A flow seen on two interfaces (a router,
-- or lo, where a packet goes out and comes back in) counts on each.
WITH window_flows AS (
	SELECT src, dst, packets, bytes
	FROM flow_log
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
),
per_host AS (
	SELECT src AS host, packets AS sent_packets, bytes AS sent_bytes,
	       0 AS received_packets, 0 AS received_bytes
	FROM window_flows
	UNION ALL
	SELECT dst, 0, 0, packets, bytes
	FROM window_flows
)
SELECT host,
       sum(sent_packets) AS sent_packets,
       sum(sent_bytes) AS sent_bytes,
       sum(received_packets) AS received_packets,
       sum(received_bytes) AS received_bytes,
       sum(sent_packets + received_packets) AS total_packets,
       sum(sent_bytes + received_bytes) AS total_bytes
FROM per_host
GROUP BY host
ORDER BY total_bytes DESC, total_packets DESC, host
LIMIT coalesce(:limit, 10);
