-- _trend_series.sql: the buckets of the trend queries and what each holds,
-- after p (the bucket length) and src: ts_start, the series key k1 and k2
-- (k2 NULL where one column names a series; both NULL in trend.sql, one
-- series of all traffic), direction, packets, bytes. span: the first bucket
-- start and the end (none when nothing was recorded in the window); starts:
-- every bucket start, listed in SQL; series: the :limit busiest series;
-- per_bucket: each series' packets and bytes per bucket; buckets: every
-- bucket (b, its start) with len, its seconds in the window, secs, those of
-- them that recorded intervals covered (each second once, however many
-- intervals cover it), and seen, whether it holds traffic.
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
-- The seconds covered are those of the union of the intervals: two that
-- overlap (a capture imported under another interface name over a live
-- recording, netmon-record --read FILE -i NAME) count their shared seconds
-- once. By start (intervals_by_start's order, so no sort), each interval
-- counts its seconds past the furthest end of the intervals before it
-- (reach): none of one inside another, the rest of one that overlaps
-- those before it; these new seconds are disjoint and their sum, the
-- union. A bucket's share is the new seconds of the intervals that start
-- in it, plus what the intervals before it reach into it over its lo,
-- minus what reaches out of it over its hi (into the next buckets, which
-- count it as reaching in).
bounds AS ( -- each bucket's part of the window, [lo, hi)
	SELECT b, max(b, coalesce(:since, -9223372036854775808)) AS lo,
	       min(CASE WHEN bucket = 86400
			THEN unixepoch(b, 'unixepoch', 'localtime', '+1 day', 'utc')
			ELSE b + bucket END,
		   coalesce(:until, 9223372036854775807)) AS hi
	FROM starts, p
),
longest AS (SELECT coalesce(max(ts_end - ts_start), 0) AS secs FROM intervals),
reached AS ( -- the intervals that may meet the window, by start: the reach before each
	SELECT ts_start AS s, ts_end AS e,
	       max(ts_end) OVER (ORDER BY ts_start, id
				 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
	FROM intervals
	WHERE ts_start >= (SELECT min(lo) FROM bounds) - (SELECT secs FROM longest)
	  AND ts_start < (SELECT max(hi) FROM bounds)
),
fresh AS ( -- per bucket: the new seconds of the window's intervals that start in it
	SELECT CASE WHEN bucket = 86400
		    THEN unixepoch(s, 'unixepoch', 'localtime', 'start of day', 'utc')
		    ELSE s - s % bucket END AS b,
	       sum(max(0, e - max(s, coalesce(reach, s)))) AS secs
	FROM reached, p
	WHERE s >= (SELECT min(lo) FROM bounds)
	GROUP BY b
),
edges AS ( -- per bucket: how far the intervals that start before its lo, and its hi, reach
	SELECT b, lo, hi,
	       coalesce((SELECT max(ts_end) FROM intervals
			 WHERE ts_start < lo AND ts_start >= lo - (SELECT secs FROM longest)),
			lo) AS at_lo,
	       coalesce((SELECT max(ts_end) FROM intervals
			 WHERE ts_start < hi AND ts_start >= hi - (SELECT secs FROM longest)),
			hi) AS at_hi
	FROM bounds
),
buckets AS MATERIALIZED (
	SELECT k.b, k.hi - k.lo AS len,
	       coalesce(f.secs, 0) + max(0, at_lo - k.lo) - max(0, at_hi - k.hi) AS secs,
	       k.b IN (SELECT b FROM per_bucket) AS seen
	FROM edges k
	LEFT JOIN fresh f ON f.b = k.b
)
