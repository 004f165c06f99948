-- syn_flood.sql: SYNs to one TCP port that do not become connections, faster
-- than :syn_flood_rate per second. One hit per port per interval.
--
-- An incomplete attempt is a flow to the port that carried a SYN and no
-- ACK: the handshake was never completed from that side (spoofed or
-- forgotten sources, a flood tool). Its SYN packets count, so one source
-- port hammered again and again counts as often as it sent. Connections
-- that completed are counted for the detail but never raise the rate. The
-- rate is over the time the attempts spanned in the interval (first to last
-- packet), at least one second. A port seen on two interfaces (a gateway) is
-- one hit, at its higher rate.
--
-- Default :syn_flood_rate 100 per second: a real client retries a SYN after
-- 1, 3, 7 ... s, so even thousands of failing clients stay far below it,
-- while at 100/s a flood fills Debian's 4096-entry listen queue within a
-- minute (a half-open entry lives ~63 s while the server retries its
-- SYN-ACK).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :syn_flood_rate (SYNs per second, default 100).
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:syn_flood_rate, 100) AS rate
),
-- Per interval, interface and destination port, from the flows led by the
-- window's intervals (intervals_by_start); only the ports over the rate are
-- joined to their addresses.
target AS (
	SELECT i.ts_start, c.iface_id, c.dst_id, f.dst_port,
	       sum(f.syn) FILTER (WHERE (f.tcp_flags & 16) = 0) AS syns,
	       count(*) FILTER (WHERE (f.tcp_flags & 16) = 0) AS incomplete,
	       count(*) FILTER (WHERE (f.tcp_flags & 16) <> 0) AS completed,
	       count(DISTINCT c.src_id) FILTER (WHERE (f.tcp_flags & 16) = 0) AS sources,
	       max((max((f.first_ms + f.span_ms)) FILTER (WHERE (f.tcp_flags & 16) = 0) -
	            min(f.first_ms) FILTER (WHERE (f.tcp_flags & 16) = 0)) / 1000.0, 1.0) AS span_s
	FROM p
	CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since AND i.ts_start < p.until
	  AND c.protocol = 6 AND f.syn > 0
	GROUP BY i.id, c.iface_id, c.dst_id, f.dst_port
	HAVING syns > p.rate
)
SELECT ts_start AS ts, 'syn_flood' AS kind,
       iif(d.family = 6, '[' || d.text || ']', d.text) || ':' || dst_port AS subject,
       max(CAST(syns / span_s AS INTEGER)) AS value,
       p.rate AS threshold,
       printf('%d SYNs in %.1f s from %d source%s without a completed handshake; %d of %d connections completed',
              syns, span_s, sources, iif(sources = 1, '', 's'), completed,
              completed + incomplete) AS detail
FROM target JOIN addresses d ON d.id = target.dst_id, p
GROUP BY ts_start, dst_id, dst_port
HAVING value > p.rate
ORDER BY ts, subject;
