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
unspecified AS (
	SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16))
),
agg AS (
	SELECT i.id AS interval_id, i.ts_start, i.ts_start / p.base AS bucket, c.dst_id,
	       count(DISTINCT c.src_id) AS sources,
	       sum(f.packets) AS packets, sum(f.bytes) AS bytes
	FROM p CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since - p.base AND i.ts_start < p.until
	  AND c.src_id NOT IN unspecified
	GROUP BY i.id, c.dst_id
),
-- Each destination of the report's window with enough sources, the sum of its source counts
-- and the number of intervals recorded in the baseline period before it.
judged AS MATERIALIZED (
	SELECT a.*,
	       (SELECT count(*) FROM intervals i
	        WHERE i.ts_start >= a.ts_start - p.base AND i.ts_start < a.ts_start) AS n,
	       -- Two lookups by (dst_id, bucket), the baseline period spans at most
	       -- two buckets of its length: SQLite's automatic index takes equalities.
	       (SELECT coalesce(sum(b.sources), 0) FROM agg b
	        WHERE b.dst_id = a.dst_id AND b.bucket = a.bucket - 1
	          AND b.ts_start >= a.ts_start - p.base) +
	       (SELECT coalesce(sum(b.sources), 0) FROM agg b
	        WHERE b.dst_id = a.dst_id AND b.bucket = a.bucket
	          AND b.ts_start < a.ts_start) AS base_sum
	FROM agg a, p
	-- Only a destination with enough sources can be a hit: the baseline's
	-- lookups are made for those few, not for every destination.
	WHERE a.ts_start >= p.since AND a.sources >= p.sources
)
SELECT j.ts_start AS ts, 'fan_in' AS kind, a.text AS subject,
       j.sources AS value, max(p.sources, round(p.factor * j.base_sum / j.n, 1)) AS threshold,
       printf('%d sources sent %d packets (%d bytes); baseline %.1f sources per interval over %d s',
              j.sources, j.packets, j.bytes, 1.0 * j.base_sum / j.n, p.base) AS detail
FROM judged j JOIN addresses a ON a.id = j.dst_id, p
WHERE j.n > 0 AND j.sources >= max(p.sources, p.factor * j.base_sum / j.n)
ORDER BY ts, subject;
