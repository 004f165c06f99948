-- _services.sql: window_services, the socket bytes of the window per
-- service and user, read from the tiers of _tiers.sql (included before
-- it): raw process rows at the edges, rollup_services in between (levels).
-- Columns: service_id (0: no cgroup known), uid (-1: none known), bytes
-- sent and received, calls. The last CTE of the queries that include it.
window_services AS (
	SELECT coalesce(c.service_id, 0) AS service_id, coalesce(p.uid, -1) AS uid,
	       p.bytes_sent, p.bytes_recv, p.sends, p.recvs
	FROM tiers, intervals i
	JOIN processes p ON p.interval_id = i.id
	LEFT JOIN cgroups c ON c.id = p.cgroup_ref
	WHERE i.ts_start >= s AND i.ts_start < u AND NOT (i.ts_start >= hs AND i.ts_start < he)
	UNION ALL
	SELECT service_id, uid, bytes_sent, bytes_recv, sends, recvs
	FROM levels l CROSS JOIN rollup_services r
	WHERE r.level = l.level AND r.bucket >= l.lo AND r.bucket < l.hi
)
