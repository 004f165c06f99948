-- _trend_series.sql: the buckets of the trend queries and what each holds,
-- after p (the bucket length) and src: ts_start, the series key k1 and k2
-- (k2 NULL where one column names a series; both NULL in trend.sql, one
-- series of all traffic), direction, packets, bytes. span: the first bucket
-- start and the end (none when nothing was recorded in the window); buckets:
-- every bucket start, listed in SQL; series: the :limit busiest series;
-- per_bucket: each series' packets and bytes per bucket; covered: the
-- seconds of each bucket (in the window) that a recorded interval covered.
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
series AS (
	SELECT k1, k2, row_number() OVER (ORDER BY sum(bytes) DESC, k1, k2) AS rank
	FROM src
	GROUP BY k1, k2
	ORDER BY rank
	LIMIT coalesce(:limit, 10)
),
per_bucket AS (
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(ts_start, 'unixepoch', 'localtime', 'start of day', 'utc')
		    ELSE ts_start - ts_start % bucket END AS b,
	       k1, k2,
	       sum(packets) FILTER (WHERE direction = 'in') AS in_packets,
	       sum(bytes) FILTER (WHERE direction = 'in') AS in_bytes,
	       sum(packets) FILTER (WHERE direction = 'out') AS out_packets,
	       sum(bytes) FILTER (WHERE direction = 'out') AS out_bytes
	FROM src, p
	GROUP BY b, k1, k2
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
