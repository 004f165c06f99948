-- trend.sql: IP packets and L3 bytes received (in) and sent (out) on all
-- interfaces per time bucket, over the intervals that start in
-- [:since, :until). One row per bucket, oldest first; a bucket without
-- traffic is a row of zeros (the recursive CTE "buckets" lists every bucket
-- start), so a chart shows the gaps.
--
-- Buckets: :bucket seconds (300, 3600), aligned to multiples of :bucket since
-- the epoch (UTC); :bucket 86400 means local calendar days instead, midnight
-- to midnight (23 or 25 hours across a DST change). An interval counts in
-- the bucket its ts_start falls in. The buckets run from the one holding
-- :since (unset: the first recorded interval in the window) to the last one
-- starting before :until (unset: the one holding the last recorded interval);
-- no rows when nothing was recorded in the window.
--
-- Parameters: :since, :until (unix seconds), :bucket (seconds). Unset, they
-- mean all of history and 3600 (see docs/queries.md). The source is the
-- "src" CTE: traffic_log, or a rollup with the same columns when the bucket
-- is a whole multiple of its period.
WITH RECURSIVE
p AS (SELECT coalesce(:bucket, 3600) AS bucket),
win AS (
	SELECT coalesce(:since, -9223372036854775808) AS s,
	       coalesce(:until, 9223372036854775807) AS u,
	       coalesce((SELECT value FROM meta WHERE key = 'rolled_until_1'), 0) AS r1
),
tiers AS ( -- whole rolled-up hours [hs, he), when every bucket is made of whole hours
	SELECT s, u, (s + 3599) / 3600 * 3600 AS hs,
	       CASE WHEN bucket % 3600 = 0 AND (bucket <> 86400 OR
			 coalesce(unixepoch(s, 'unixepoch', 'localtime', 'start of day', 'utc') % 3600, 0) = 0)
		    THEN max((s + 3599) / 3600 * 3600, min(u / 3600 * 3600, r1))
		    ELSE (s + 3599) / 3600 * 3600 END AS he
	FROM win, p
),
src AS ( -- raw intervals, and the hourly rollup for whole hours (docs/queries.md)
	SELECT ts_start, direction, packets, bytes
	FROM traffic_log, tiers
	WHERE ts_start >= s AND ts_start < u AND NOT (ts_start >= hs AND ts_start < he)
	UNION ALL
	SELECT ts_start, direction, packets, bytes
	FROM traffic_hourly, tiers
	WHERE ts_start >= hs AND ts_start < he
),
span AS (
	SELECT coalesce(nullif(:since, -9223372036854775808), min(ts_start)) AS first,
	       coalesce(nullif(:until, 9223372036854775807), max(ts_start) + 1) AS stop
	FROM intervals
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	HAVING count(*) > 0
),
buckets (b) AS (
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(first, 'unixepoch', 'localtime', 'start of day', 'utc')
		    ELSE first - first % bucket END
	FROM span, p
	UNION ALL
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
		    ELSE b + bucket END
	FROM buckets, span, p
	WHERE CASE WHEN bucket = 86400
		   THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
		   ELSE b + bucket END < stop
),
per_bucket AS (
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(ts_start, 'unixepoch', 'localtime', 'start of day', 'utc')
		    ELSE ts_start - ts_start % bucket END AS b,
	       sum(packets) FILTER (WHERE direction = 'in') AS in_packets,
	       sum(bytes) FILTER (WHERE direction = 'in') AS in_bytes,
	       sum(packets) FILTER (WHERE direction = 'out') AS out_packets,
	       sum(bytes) FILTER (WHERE direction = 'out') AS out_bytes
	FROM src, p
	GROUP BY b
),
covered AS ( -- per bucket: seconds of it (in the window) that an interval covered
	SELECT k.b, k.hi - k.lo AS len,
	       coalesce(sum(min(i.ts_end, k.hi) - max(i.ts_start, k.lo)), 0) AS secs,
	       EXISTS (SELECT 1 FROM per_bucket x WHERE x.b = k.b) AS seen
	FROM (SELECT b, max(b, coalesce(:since, -9223372036854775808)) AS lo,
		     min(CASE WHEN bucket = 86400
			      THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
			      ELSE b + bucket END,
			 coalesce(:until, 9223372036854775807)) AS hi
	      FROM buckets, p) k
	LEFT JOIN intervals i
	       ON i.ts_start < k.hi AND i.ts_end > k.lo
	      AND i.ts_start >= k.lo - (SELECT coalesce(max(ts_end - ts_start), 0) FROM intervals)
	GROUP BY k.b
)
SELECT buckets.b AS bucket_start,
       iif(c.secs > 0 OR c.seen, coalesce(in_packets, 0), NULL) AS in_packets,
       iif(c.secs > 0 OR c.seen, coalesce(in_bytes, 0), NULL) AS in_bytes,
       iif(c.secs > 0 OR c.seen, coalesce(out_packets, 0), NULL) AS out_packets,
       iif(c.secs > 0 OR c.seen, coalesce(out_bytes, 0), NULL) AS out_bytes,
       CASE WHEN c.secs > 0 THEN round(min(100.0, 100.0 * c.secs / c.len), 1)
	    WHEN c.seen THEN NULL ELSE 0.0 END AS recorded_pct
FROM buckets
LEFT JOIN per_bucket USING (b)
JOIN covered c ON c.b = buckets.b
ORDER BY bucket_start;
