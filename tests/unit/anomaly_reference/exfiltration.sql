-- exfiltration.sql: a host sending far more than it usually does. One hit
-- per source address per interval.
--
-- Outbound is what the watched interfaces sent (direction out), per source
-- address: on a host, its own addresses; on a gateway, watch the uplink.
-- The baseline is the address's bytes sent per second over the recorded
-- intervals of the :exfil_baseline seconds before the interval (intervals in
-- which it sent nothing count as 0). A hit needs at least :exfil_min_bytes
-- in the interval AND :exfil_factor times the baseline rate over the
-- interval's length; with no interval recorded in the baseline period there
-- is no baseline and no hit.
--
-- Defaults: :exfil_min_bytes 10000000 (10 MB in one interval: less is an
-- ordinary upload even after a quiet hour), :exfil_factor 10 (an order of
-- magnitude above the host's own normal), :exfil_baseline 3600 s (as
-- fan_in.sql).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :exfil_min_bytes, :exfil_factor, :exfil_baseline.
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:exfil_min_bytes, 10000000) AS min_bytes,
	       coalesce(:exfil_factor, 10) AS factor,
	       coalesce(:exfil_baseline, 3600) AS base
),
unspecified AS (
	SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16))
),
agg AS (
	SELECT i.id AS interval_id, i.ts_start, i.ts_start / p.base AS bucket,
	       max(i.ts_end - i.ts_start, 1) AS len, c.src_id,
	       sum(f.bytes) AS bytes, count(DISTINCT c.dst_id) AS peers
	FROM p CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since - p.base AND i.ts_start < p.until
	  AND c.direction = 1 AND c.src_id NOT IN unspecified
	GROUP BY i.id, c.src_id
),
-- Each source of the report's window with its bytes sent in the baseline
-- period before the interval, and the seconds recorded in that period.
judged AS MATERIALIZED (
	SELECT a.*,
	       (SELECT sum(i.ts_end - i.ts_start) FROM intervals i
	        WHERE i.ts_start >= a.ts_start - p.base AND i.ts_start < a.ts_start) AS base_s,
	       -- Two lookups by (src_id, bucket), the baseline period spans at most
	       -- two buckets of its length: SQLite's automatic index takes equalities.
	       (SELECT coalesce(sum(b.bytes), 0) FROM agg b
	        WHERE b.src_id = a.src_id AND b.bucket = a.bucket - 1
	          AND b.ts_start >= a.ts_start - p.base) +
	       (SELECT coalesce(sum(b.bytes), 0) FROM agg b
	        WHERE b.src_id = a.src_id AND b.bucket = a.bucket
	          AND b.ts_start < a.ts_start) AS base_bytes
	FROM agg a, p
	-- Only a source that sent enough can be a hit: the baseline's lookups
	-- are made for those few, not for every source.
	WHERE a.ts_start >= p.since AND a.bytes >= p.min_bytes
)
SELECT j.ts_start AS ts, 'exfiltration' AS kind, a.text AS subject,
       j.bytes AS value,
       max(p.min_bytes, CAST(p.factor * j.base_bytes * j.len / j.base_s AS INTEGER)) AS threshold,
       printf('%d bytes sent to %d peer%s in %d s; baseline %.0f bytes/s over %d s',
              j.bytes, j.peers, iif(j.peers = 1, '', 's'), j.len, 1.0 * j.base_bytes / j.base_s,
              p.base) AS detail
FROM judged j JOIN addresses a ON a.id = j.src_id, p
WHERE j.base_s > 0
  AND j.bytes >= max(p.min_bytes, p.factor * j.base_bytes * j.len / j.base_s)
ORDER BY ts, subject;
