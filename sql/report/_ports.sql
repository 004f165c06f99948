-- _ports.sql: the server ports of the window, for top_ports.sql and
-- top_apps.sql (after _tiers.sql). raw_ports: the raw rows of the edges and
-- of the hours not rolled up; window_ports: bytes per port and direction,
-- raw edges and port rollups between; window_peers: the remote addresses of
-- each port, the same way, so that distinct peers stay exact.
raw_ports AS MATERIALIZED ( -- raw intervals: the edges, and the hours not rolled up
	-- the bounds of tiers, written with the parameters alone so that SQLite
	-- bounds the view before judging its flows (sql/0009_server_ports.sql)
	SELECT protocol, server_port AS port, direction, packets, bytes,
	       CASE direction WHEN 0 THEN src_id ELSE dst_id END AS remote_id
	FROM flow_server_ports
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
	  AND (ts_start < (coalesce(:since, -9223372036854775808) + 3599) / 3600 * 3600
	       OR ts_start >= coalesce(:until, 9223372036854775807) / 3600 * 3600
	       OR NOT hour_rolled_up)
	  AND protocol IN (6, 17)
),
window_ports AS ( -- bytes per port and direction: raw edges, port rollups between
	SELECT protocol, port, direction, packets, bytes FROM raw_ports
	UNION ALL
	SELECT protocol, port, direction, packets, bytes
	FROM levels l CROSS JOIN rollup_ports r
	WHERE r.level = l.level AND r.bucket >= l.lo AND r.bucket < l.hi
),
window_peers AS ( -- the remote addresses of each port, the same way
	SELECT protocol, port, remote_id FROM raw_ports
	UNION ALL
	SELECT protocol, port, address_id
	FROM levels l CROSS JOIN rollup_port_peers r
	WHERE r.level = l.level AND r.bucket >= l.lo AND r.bucket < l.hi
),
