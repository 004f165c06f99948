-- _trend_series.sql: the buckets of the trend queries and what each holds,
-- after p (the bucket length) and src: ts_start, the series key k1 and k2
-- (k2 NULL where one column names a series; both NULL in trend.sql, one
-- series of all traffic), direction, packets, bytes. span: the first bucket
-- start and the end (none when nothing was recorded in the window); starts:
-- every bucket start, listed in SQL; series: the :limit busiest series;
-- per_bucket: each series' packets and bytes per bucket; buckets: every
-- bucket (b, its start) with len, its seconds in the window, secs, those of
-- them that recorded intervals covered (their union: seconds that two
-- intervals cover, as a capture imported under another interface name over
-- a live recording, count once), and seen, whether it holds traffic.
span AS (
	SELECT coalesce(nullif(:since, -9223372036854775808), min(ts_start)) AS first,
	       coalesce(nullif(:until, 9223372036854775807), max(ts_start) + 1) AS stop
	FROM intervals
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	HAVING count(*) > 0
),
starts (b) AS (
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(first, 'unixepoch', 'localtime', 'start of day', 'utc')
		    ELSE first - first % bucket END
	FROM span, p
	UNION ALL
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
		    ELSE b + bucket END
	FROM starts, span, p
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
clipped AS ( -- each bucket's intervals, clipped to it; reach: the furthest end of those before
	SELECT k.b, k.lo, k.hi, max(i.ts_start, k.lo) AS s, min(i.ts_end, k.hi) AS e,
	       max(min(i.ts_end, k.hi)) OVER (PARTITION BY k.b ORDER BY i.ts_start, i.id
					      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
	FROM (SELECT b, max(b, coalesce(:since, -9223372036854775808)) AS lo,
		     min(CASE WHEN bucket = 86400
			      THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
			      ELSE b + bucket END,
			 coalesce(:until, 9223372036854775807)) AS hi
	      FROM starts, p) k
	LEFT JOIN intervals i
	       ON i.ts_start < k.hi AND i.ts_end > k.lo
	      AND i.ts_start >= k.lo - (SELECT coalesce(max(ts_end - ts_start), 0) FROM intervals)
),
buckets AS ( -- each interval counts past the reach of those before it in its bucket
	SELECT b, hi - lo AS len,
	       coalesce(sum(max(0, e - max(s, coalesce(reach, s)))), 0) AS secs,
	       b IN (SELECT b FROM per_bucket) AS seen
	FROM clipped c
	GROUP BY b, lo, hi
)
