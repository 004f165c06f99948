-- _trend_traffic.sql: the window's traffic for trend.sql, trend_interface.sql
-- and trend_protocol.sql, after p (the bucket length) and _tiers.sql. It
-- reads the hourly rollup for whole rolled-up hours when every bucket is
-- made of whole hours (1h, and local days where local midnight is on the
-- hour), raw intervals otherwise (5m buckets); never the daily rollup, whose
-- UTC days are not the local days of a 1d bucket (docs/queries.md,
-- "Rollups"). The columns of traffic_log that a trend splits by.
trend_tiers AS ( -- the whole rolled-up hours [hs, he) of tiers, or none
	SELECT s, u, hs,
	       CASE WHEN bucket % 3600 = 0 AND (bucket <> 86400 OR
			 coalesce(unixepoch(s, 'unixepoch', 'localtime', 'start of day', 'utc') % 3600, 0) = 0)
		    THEN he ELSE hs END AS he
	FROM tiers, p
),
trend_traffic AS ( -- raw intervals, and the hourly rollup for whole hours
	SELECT ts_start, interface, family, protocol, direction, packets, bytes
	FROM traffic_log, trend_tiers
	WHERE ts_start >= s AND ts_start < u AND NOT (ts_start >= hs AND ts_start < he)
	UNION ALL
	SELECT ts_start, interface, family, protocol, direction, packets, bytes
	FROM traffic_hourly, trend_tiers
	WHERE ts_start >= hs AND ts_start < he
),
