-- _traffic.sql: window_traffic, the rows of traffic_log in the window, read
-- from the tiers of _tiers.sql (included before it): raw intervals at the
-- edges, the hourly and daily rollups in between (levels). The same columns as
-- traffic_log; the last CTE of the queries that include it.
window_traffic AS ( -- raw intervals at the edges, rollups in between
	SELECT interface, direction, protocol, family, packets, bytes
	FROM traffic_log, tiers WHERE ts_start >= s AND ts_start < u AND NOT (ts_start >= hs AND ts_start < he)
	UNION ALL
	SELECT interface, direction, protocol, family, packets, bytes
	FROM levels l CROSS JOIN traffic_rollup_log r
	WHERE r.level = l.level AND r.ts_start >= l.lo AND r.ts_start < l.hi
)
