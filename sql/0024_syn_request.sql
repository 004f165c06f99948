-- 0024_syn_request.sql: each flow says whether it sent a connection request,
-- a TCP SYN without ACK (flows.syn_request, 1 or 0), and the server port of
-- a connection (flow_server_ports, sql/0009_server_ports.sql) takes its
-- client from it.
--
-- Why: 0009 saw a request only in a flow whose flags (their OR over the
-- interval) held SYN and never ACK, a scanner's; a client that completes its
-- handshake sends ACKs in the same flow, and then only the order of the two
-- sides' first SYNs told, in milliseconds, where the recorder's clock moves
-- by ticks (1-10 ms): on a LAN, a veth or loopback the SYN and its SYN-ACK
-- fall in one tick, and the port fell back to a name or the lower one (a
-- client on port 33000 calling port 40000 made 33000 the server). The
-- programs now mark the flow of a SYN without ACK (bpf/netmon.h,
-- NETMON_SYN_REQUEST; BPF ABI 10).
--
-- Rows written before this migration have syn_request 0 and are judged as
-- before. The column costs a row one byte of its record header (0 and 1
-- take no bytes of their own in SQLite's record format).
ALTER TABLE flows ADD COLUMN syn_request INTEGER NOT NULL DEFAULT 0;

-- The view of 0009 with its rule 1 reading the mark too, and the mark among
-- its columns; otherwise the same.
DROP VIEW flow_server_ports;
CREATE VIEW flow_server_ports AS
SELECT interval_id, ts_start, ts_end, hour_rolled_up, flow_id, conversation_id, iface_id,
       direction, protocol, src_id, src_port, dst_id, dst_port, packets, bytes, tcp_flags, syn,
       fin, rst, first_ms, span_ms, syn_request,
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
		       max(iif(from_lo, tcp_flags & 18 = 2 OR syn_request,
			       tcp_flags & 18 = 18 AND syn = packets)) OVER w AS lo_asked,
		       max(iif(from_lo, tcp_flags & 18 = 18 AND syn = packets,
			       tcp_flags & 18 = 2 OR syn_request)) OVER w AS hi_asked,
		       min(iif(from_lo AND syn > 0, first_ms, NULL)) OVER w AS lo_syn_ms,
		       min(iif(NOT from_lo AND syn > 0, first_ms, NULL)) OVER w AS hi_syn_ms
		FROM (
			SELECT i.id AS interval_id, i.ts_start, i.ts_end, f.id AS flow_id,
			       f.conversation_id, c.iface_id, c.direction, c.protocol, c.src_id,
			       f.src_port, c.dst_id, f.dst_port, f.packets, f.bytes, f.tcp_flags,
			       f.syn, f.fin, f.rst, f.first_ms, f.span_ms, f.syn_request,
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
