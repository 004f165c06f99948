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
bounds AS ( -- each bucket's part of the window, [lo, hi)
	SELECT b, max(b, coalesce(:since, -9223372036854775808)) AS lo,
	       min(CASE WHEN bucket = 86400
			THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
			ELSE b + bucket END,
		   coalesce(:until, 9223372036854775807)) AS hi
	FROM buckets, p
),
sweep AS ( -- the intervals that meet the buckets; a mark (e NULL) at each bucket's lo, and the last hi
	SELECT NULL AS b, NULL AS len, ts_start AS t, ts_end AS e, id
	FROM intervals, (SELECT min(lo) AS l, max(hi) AS h FROM bounds)
	WHERE ts_start >= l - (SELECT coalesce(max(ts_end - ts_start), 0) FROM intervals)
	  AND ts_start < h AND ts_end > l
	UNION ALL
	SELECT b, hi - lo, lo, NULL, NULL FROM bounds
	UNION ALL
	SELECT NULL, NULL, max(hi), NULL, NULL FROM bounds HAVING count(*) > 0
),
reached AS ( -- by start: how far the intervals before each row reach (NULL: none before)
	SELECT *, max(e) OVER (ORDER BY t, e IS NOT NULL, id
			       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
	FROM sweep
),
upto AS ( -- at each mark t: the seconds before t that the union of the intervals covers
	SELECT b, len, t,
	       sum(iif(e IS NULL, 0, max(0, e - max(t, coalesce(reach, t)))))
		   OVER (ORDER BY t, e IS NOT NULL, id ROWS UNBOUNDED PRECEDING)
	       - max(0, coalesce(reach, t) - t) AS secs,
	       e
	FROM reached
),
covered AS ( -- per bucket: seconds of it (in the window) that an interval covered, once
	SELECT b, len, secs, EXISTS (SELECT 1 FROM per_bucket x WHERE x.b = m.b) AS seen
	FROM (SELECT b, len, lead(secs) OVER (ORDER BY t) - secs AS secs
	      FROM upto WHERE e IS NULL) m
	WHERE b IS NOT NULL
)
