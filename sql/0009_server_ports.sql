-- 0009_server_ports.sql: the server port of a TCP or UDP flow, decided from
-- what the flows of its connection say before falling back on the lower
-- port (docs/schema.md, "flow_server_ports"; why: docs/design.md, "Server
-- ports"). The one place the rule lives: flow_app_log, the reports' raw
-- rows, the hourly rollup and so the daily one read it from this view.
--
-- A connection is the flows of one interval with the same protocol and the
-- same two endpoints (address and port), both directions, any interface.
-- Its client is, in this order:
--   1. the side that sent a connection request, a TCP flow with SYN and no
--      ACK (a SYN, a scanner's SYN then RST), or whose peer's flow held
--      only SYN-ACKs (the listening side answering), when only one side did;
--   2. else the side whose first SYN came first, when both sent one and the
--      times differ (a SYN-ACK cannot precede its SYN; times are in ms);
-- and the server port is the other side's port. Otherwise (UDP, or a TCP
-- connection whose handshake is in an earlier interval):
--   3. the port that has a name in app_ports when the other has none;
--   4. the lower port (clients take ephemeral ports, 32768-60999 on Linux).
-- server_port 0: no port seen (an overflow row, a non-first fragment) or not
-- TCP/UDP. server_rule says which step decided: 'request', 'syn order',
-- 'name', 'lower', or NULL with server_port 0.
--
-- hour_rolled_up is 1 when the interval's hour is in the hourly rollups
-- (meta rolled_until_1): a report reads raw rows only where it is 0 or at
-- the ragged edges of its window. Bound the view with terms on ts_start and
-- hour_rolled_up and parameters only (not columns of another table, not
-- subqueries): SQLite then pushes them inside, before the window functions
-- run, which is why both are PARTITION BY terms; otherwise it would judge
-- every flow of history first.
CREATE VIEW flow_server_ports AS
SELECT interval_id, ts_start, ts_end, hour_rolled_up, flow_id, conversation_id, iface_id,
       direction, protocol, src_id, src_port, dst_id, dst_port, packets, bytes, tcp_flags, syn,
       fin, rst, first_ms, span_ms,
       CASE WHEN protocol NOT IN (6, 17) OR min(src_port, dst_port) = 0 THEN 0
	    WHEN client_lo IS NOT NULL THEN iif(client_lo = from_lo, dst_port, src_port)
	    WHEN named = 1 THEN src_port
	    WHEN named = 2 THEN dst_port
	    ELSE min(src_port, dst_port) END AS server_port,
       CASE WHEN protocol NOT IN (6, 17) OR min(src_port, dst_port) = 0 THEN NULL
	    WHEN client_lo IS NOT NULL THEN by_request
	    WHEN named IN (1, 2) THEN 'name'
	    ELSE 'lower' END AS server_rule
FROM (
	SELECT *,
	       CASE WHEN lo_asked AND NOT hi_asked THEN 1
		    WHEN hi_asked AND NOT lo_asked THEN 0
		    WHEN lo_syn_ms < hi_syn_ms THEN 1
		    WHEN hi_syn_ms < lo_syn_ms THEN 0 END AS client_lo,
	       iif(lo_asked <> hi_asked, 'request', 'syn order') AS by_request,
	       -- 1: only the source port has a name, 2: only the destination's
	       EXISTS (SELECT 1 FROM app_ports a WHERE a.protocol = e.protocol
						 AND a.port = e.src_port)
	       + 2 * EXISTS (SELECT 1 FROM app_ports a WHERE a.protocol = e.protocol
						     AND a.port = e.dst_port) AS named
	FROM (
		SELECT *,
		       -- lo sent a request, or hi answered with SYN-ACKs only
		       max(iif(from_lo, tcp_flags & 18 = 2,
			       tcp_flags & 18 = 18 AND syn = packets)) OVER w AS lo_asked,
		       max(iif(from_lo, tcp_flags & 18 = 18 AND syn = packets,
			       tcp_flags & 18 = 2)) OVER w AS hi_asked,
		       min(iif(from_lo AND syn > 0, first_ms, NULL)) OVER w AS lo_syn_ms,
		       min(iif(NOT from_lo AND syn > 0, first_ms, NULL)) OVER w AS hi_syn_ms
		FROM (
			SELECT i.id AS interval_id, i.ts_start, i.ts_end, f.id AS flow_id,
			       f.conversation_id, c.iface_id, c.direction, c.protocol, c.src_id,
			       f.src_port, c.dst_id, f.dst_port, f.packets, f.bytes, f.tcp_flags,
			       f.syn, f.fin, f.rst, f.first_ms, f.span_ms,
			       i.ts_start < coalesce((SELECT value FROM meta
						      WHERE key = 'rolled_until_1'), 0) AS hour_rolled_up,
			       -- the flow's source is the lower endpoint of the two
			       (c.src_id, f.src_port) <= (c.dst_id, f.dst_port) AS from_lo
			FROM intervals i
			JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
			JOIN conversations c ON c.id = f.conversation_id
		)
		WINDOW w AS (PARTITION BY ts_start, hour_rolled_up, interval_id, protocol,
				 iif(from_lo, (src_id << 16) + src_port, (dst_id << 16) + dst_port),
				 iif(from_lo, (dst_id << 16) + dst_port, (src_id << 16) + src_port))
	) e
);

-- flow_app_log as before, its server_port (and so app) from the view above.
DROP VIEW flow_app_log;
CREATE VIEW flow_app_log AS
SELECT *,
       CASE server_port WHEN 0 THEN NULL WHEN src_port THEN src_app ELSE dst_app END AS app
FROM (
	SELECT f.ts_start, f.ts_end, n.name AS interface,
	       CASE f.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
	       s.family, f.protocol, s.text AS src, f.src_port, d.text AS dst, f.dst_port,
	       f.packets, f.bytes, f.tcp_flags, f.syn, f.fin, f.rst,
	       (f.ts_start * 1000 + f.first_ms) / 1000.0 AS first_seen,
	       (f.ts_start * 1000 + f.first_ms + f.span_ms) / 1000.0 AS last_seen,
	       coalesce((SELECT name FROM app_ports_user u
			 WHERE u.protocol = f.protocol AND u.port = f.src_port),
			(SELECT name FROM app_ports_shipped a
			 WHERE a.protocol = f.protocol AND a.port = f.src_port)) AS src_app,
	       coalesce((SELECT name FROM app_ports_user u
			 WHERE u.protocol = f.protocol AND u.port = f.dst_port),
			(SELECT name FROM app_ports_shipped a
			 WHERE a.protocol = f.protocol AND a.port = f.dst_port)) AS dst_app,
	       f.server_port, f.server_rule
	FROM flow_server_ports f
	JOIN interfaces n ON n.id = f.iface_id
	JOIN addresses s ON s.id = f.src_id
	JOIN addresses d ON d.id = f.dst_id
	WHERE f.protocol IN (6, 17)
);
