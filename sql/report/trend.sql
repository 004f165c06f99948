-- trend.sql: IP packets and L3 bytes received (in) and sent (out) on all
-- interfaces per time bucket, over the intervals that start in
-- [:since, :until). One row per bucket, oldest first; a bucket without
-- traffic is a row of zeros (the recursive CTE "starts" lists every bucket
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
-- @include _tiers.sql
-- @include _trend_traffic.sql
src AS (SELECT ts_start, NULL AS k1, NULL AS k2, direction, packets, bytes FROM trend_traffic),
-- @include _trend_series.sql
SELECT buckets.b AS bucket_start,
-- @include _trend_values.sql
FROM buckets
LEFT JOIN per_bucket USING (b)
ORDER BY bucket_start;
