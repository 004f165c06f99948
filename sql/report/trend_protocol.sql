-- trend_protocol.sql: trend.sql per address family and IP protocol: packets and L3
-- bytes received (in) and sent (out) on all interfaces per time bucket.
--
-- Buckets, window and parameters as in trend.sql; one row per series and
-- bucket, every bucket of every series (zeros where it had no traffic),
-- series by their bytes in the window, busiest first, then oldest bucket
-- first. Only the :limit busiest series (unset: 10) are kept.
WITH RECURSIVE
p AS (SELECT coalesce(:bucket, 3600) AS bucket),
-- @include _tiers.sql
-- @include _trend_traffic.sql
src AS (SELECT ts_start, family AS k1, protocol AS k2, direction, packets, bytes FROM trend_traffic),
-- @include _trend_series.sql
SELECT buckets.b AS bucket_start, s.k1 AS family, s.k2 AS protocol,
-- @include _trend_values.sql
-- @include _trend_by.sql
