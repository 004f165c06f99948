-- trend_host.sql: trend.sql per address: packets and L3 bytes each address received
-- (in: as the destination of a flow) and sent (out: as its source) per time
-- bucket, from flow_log.
--
-- Buckets, window and parameters as in trend.sql; one row per series and
-- bucket, every bucket of every series (zeros where it had no traffic),
-- series by their bytes in the window, busiest first, then oldest bucket
-- first. Only the :limit busiest series (unset: 10) are kept.
-- A flow seen on two interfaces counts on each, as in top_hosts.sql. The flow
-- table's overflow rows (source and destination both 0.0.0.0 or ::, ports 0:
-- packets whose flow did not fit, addresses unknown) are no host's series:
-- left out, as in top_hosts.sql (top_hosts_overflow.sql sums them).
WITH RECURSIVE
p AS (SELECT coalesce(:bucket, 3600) AS bucket),
src AS ( -- each flow for its source (out) and for its destination (in)
	SELECT ts_start, src AS k1, NULL AS k2, 'out' AS direction, packets, bytes
	FROM flow_log
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	  AND (src_port <> 0 OR dst_port <> 0 OR src <> dst OR src NOT IN ('0.0.0.0', '::'))
	UNION ALL
	SELECT ts_start, dst, NULL, 'in', packets, bytes
	FROM flow_log
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	  AND (src_port <> 0 OR dst_port <> 0 OR src <> dst OR src NOT IN ('0.0.0.0', '::'))
),
-- @include _trend_series.sql
SELECT buckets.b AS bucket_start, s.k1 AS host,
-- @include _trend_values.sql
-- @include _trend_by.sql
