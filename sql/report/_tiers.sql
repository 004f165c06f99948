-- _tiers.sql: the window and the rollup level that answers each part of it,
-- for the queries that say `-- @include _tiers.sql` right after WITH (the
-- build puts these lines there: scripts/compose-sql.sh). A query reads the
-- coarsest level that answers exactly: whole UTC days already rolled up from
-- the daily level, other whole hours from the hourly level, the rest from
-- the raw intervals (docs/queries.md, "Rollups"). win holds :since and
-- :until with their defaults, and the rollup watermarks; levels says which
-- buckets of which rollup level to read, for a query to join a rollup with
-- (`levels l CROSS JOIN rollup r`: CROSS JOIN keeps levels the outer loop,
-- so that each range is a seek on the rollup's key, level and bucket).
win AS (
	SELECT coalesce(:since, -9223372036854775808) AS s,
	       coalesce(:until, 9223372036854775807) AS u,
	       coalesce((SELECT value FROM meta WHERE key = 'rolled_until_1'), 0) AS r1,
	       coalesce((SELECT value FROM meta WHERE key = 'rolled_until_2'), 0) AS r2
),
tiers AS ( -- whole hours [hs, he) and whole days [ds, de) already rolled up
	SELECT s, u, (s + 3599) / 3600 * 3600 AS hs,
	       max((s + 3599) / 3600 * 3600, min(u / 3600 * 3600, r1)) AS he,
	       (s + 86399) / 86400 * 86400 AS ds,
	       max((s + 86399) / 86400 * 86400, min(u / 86400 * 86400, r2)) AS de
	FROM win
),
levels (level, lo, hi) AS ( -- rollup buckets [lo, hi): the hours beside the days, the days
	SELECT 1, hs, min(ds, he) FROM tiers
	UNION ALL
	SELECT 1, max(de, hs), he FROM tiers
	UNION ALL
	SELECT 2, ds, de FROM tiers
),
