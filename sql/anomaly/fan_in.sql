-- fan_in.sql: many sources sending to one destination, far above that
-- destination's own baseline (a DDoS, or a botnet's check-in). One hit per
-- destination per interval.
--
-- Sources are the distinct source addresses of the flows to the address in
-- the interval, any protocol. The baseline is the destination's average of
-- that count per recorded interval over the :fan_in_baseline seconds before
-- the interval (an interval in which nobody sent to it counts as 0). A hit
-- needs at least :fan_in_sources sources AND :fan_in_factor times the
-- baseline; with no interval recorded in the baseline period there is no
-- baseline and no hit (a recorder that just started knows nothing normal).
--
-- Defaults: :fan_in_sources 50 (a workstation or internal server hears from
-- a handful of peers per interval, fifty at once is a crowd), :fan_in_factor
-- 10 (an order of magnitude, so a public server with many clients is judged
-- against its own busy normal), :fan_in_baseline 3600 s (an hour: long
-- enough to smooth a quiet minute, short enough to evaluate after every
-- interval; rollups could carry longer baselines).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :fan_in_sources, :fan_in_factor, :fan_in_baseline.
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:fan_in_sources, 50) AS sources,
	       coalesce(:fan_in_factor, 10) AS factor,
	       coalesce(:fan_in_baseline, 3600) AS base
),
-- The interval's destinations and their sources, as the recorder grouped
-- them from the interval's flows when it wrote them (interval_dst,
-- sql/0018_anomaly_aggregates.sql; unspecified sources left out).
-- Only a destination with enough sources can be a hit: the baseline is
-- summed for those few, not for every destination.
agg AS MATERIALIZED (
	SELECT i.id AS interval_id, i.ts_start, d.dst_id, d.sources, d.packets, d.bytes
	FROM p CROSS JOIN intervals i
	CROSS JOIN interval_dst d ON d.interval_id = i.id
	WHERE i.ts_start >= p.since AND i.ts_start < p.until AND d.sources >= p.sources
),
-- Each of them with the sum of its source counts and the number of
-- intervals recorded in the baseline period before it (the period's
-- intervals by start time). The sums, one of two ways, whichever reads
-- fewer rows (sweep): the destination's row in each interval of the
-- period, looked up for each of them (their number times the period's
-- intervals); or every row of those destinations in the window and its
-- baseline, in one pass over each destination in time order, each summing
-- the frame of the :fan_in_baseline seconds before it (their destinations'
-- number times the intervals read). At the defaults the generated day has
-- 16,583 such rows of 16 destinations: the pass.
way AS (
	SELECT (SELECT count(DISTINCT dst_id) FROM agg) * (1.0 * p.until - p.since + p.base) <
	       (SELECT count(*) FROM agg) * 1.0 * p.base AS sweep
	FROM p
),
judged AS MATERIALIZED (
	SELECT a.*,
	       (SELECT coalesce(sum(b.sources), 0) FROM intervals i
	        CROSS JOIN interval_dst b ON b.interval_id = i.id AND b.dst_id = a.dst_id
	        WHERE i.ts_start >= a.ts_start - p.base AND i.ts_start < a.ts_start) AS base_sum
	FROM agg a, p
	WHERE NOT (SELECT sweep FROM way)
	UNION ALL
	SELECT w.interval_id, w.ts_start, w.dst_id, w.sources, w.packets, w.bytes, w.base_sum
	FROM (SELECT h.*, coalesce(sum(h.sources) OVER (
			PARTITION BY h.dst_id ORDER BY h.ts_start
			RANGE BETWEEN (CASE WHEN :fan_in_baseline IS NULL THEN 3600
				       ELSE :fan_in_baseline END) PRECEDING AND 1 PRECEDING), 0)
		     AS base_sum
	      FROM (SELECT i.id AS interval_id, i.ts_start, b.dst_id, b.sources, b.packets,
			   b.bytes
		    FROM p CROSS JOIN intervals i
		    CROSS JOIN interval_dst b ON b.interval_id = i.id
		    WHERE (SELECT sweep FROM way) AND i.ts_start >= p.since - p.base
		      AND i.ts_start < p.until AND b.dst_id IN (SELECT dst_id FROM agg)) h) w, p
	WHERE w.ts_start >= p.since AND w.sources >= p.sources
),
counted AS MATERIALIZED (
	SELECT j.*,
	       (SELECT count(*) FROM intervals i
	        WHERE i.ts_start >= j.ts_start - p.base AND i.ts_start < j.ts_start) AS n
	FROM judged j, p
)
SELECT j.ts_start AS ts, 'fan_in' AS kind, a.text AS subject,
       j.sources AS value, max(p.sources, round(p.factor * j.base_sum / j.n, 1)) AS threshold,
       printf('%d sources sent %d packets (%d bytes); baseline %.1f sources per interval over %d s',
              j.sources, j.packets, j.bytes, 1.0 * j.base_sum / j.n, p.base) AS detail
FROM counted j CROSS JOIN addresses a ON a.id = j.dst_id, p
WHERE j.n > 0 AND j.sources >= max(p.sources, p.factor * j.base_sum / j.n)
ORDER BY ts, subject;
