-- top_protocols.sql: IP protocols per address family by bytes over the
-- intervals that start in [:since, :until), both directions and all
-- interfaces, with each one's share of all the window's bytes in percent
-- (one decimal). The share is of the whole window, not of the rows shown:
-- the window function runs before LIMIT.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
-- Reads the coarsest level that answers exactly: whole UTC days already
-- rolled up from the daily level, other whole hours from the hourly level,
-- the rest from the raw intervals (docs/queries.md, "Rollups").
WITH win AS (
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
window_traffic AS ( -- raw intervals at the edges, rollups in between
	SELECT interface, direction, protocol, family, packets, bytes
	FROM traffic_log, tiers WHERE ts_start >= s AND ts_start < u AND NOT (ts_start >= hs AND ts_start < he)
	UNION ALL
	SELECT interface, direction, protocol, family, packets, bytes
	FROM traffic_hourly, tiers WHERE ((ts_start >= hs AND ts_start < min(ds, he)) OR (ts_start >= max(de, hs) AND ts_start < he))
	UNION ALL
	SELECT interface, direction, protocol, family, packets, bytes
	FROM traffic_daily, tiers WHERE ts_start >= ds AND ts_start < de
)
SELECT family, protocol,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       round(100.0 * sum(bytes) / sum(sum(bytes)) OVER (), 1) AS bytes_pct
FROM window_traffic
GROUP BY family, protocol
ORDER BY bytes DESC, packets DESC, family, protocol
LIMIT coalesce(:limit, 10);
