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
-- one hit, at its higher rate, with that interface's detail (chosen by the
-- exact rate: two whose whole numbers tie gave either detail before).
--
-- SYNs whose flow found the kernel's table full (a spoofed-source flood
-- fills it) are in the overflow row of their interface, direction and
-- protocol, whose destinations and sources are not kept (nor which of its
-- SYNs carried an ACK): they count for the one port of that interface whose
-- attempts came that direction over the rate in the interval, the detail
-- says how many, and the sources become a range (those seen in flows, to
-- those plus one per overflow SYN). With no such port, or several, they are
-- judged as a subject of their own, 0.0.0.0:0 (or [::]:0) as flow_log shows
-- the row (docs/anomalies.md).
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
unspecified AS (
	SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16))
),
-- Per interval, interface and destination port, from the flows led by the
-- window's intervals (intervals_by_start); only the ports over the rate are
-- joined to their addresses. The overflow rows are the groups of the
-- unspecified address and port 0, one per direction: all their SYNs count
-- (port 0 is one group per direction, ACKs or not: no real port is 0).
-- dir: the direction of a port's SYN flows (NULL when both).
target AS MATERIALIZED (
	SELECT i.ts_start, c.iface_id, c.dst_id, f.dst_port,
	       f.dst_port = 0 AND c.dst_id IN unspecified AS overflow,
	       iif(min(c.direction) = max(c.direction), min(c.direction), NULL) AS dir,
	       sum(f.syn) FILTER (WHERE (f.tcp_flags & 16) = 0 OR f.dst_port = 0) AS syns,
	       count(*) FILTER (WHERE (f.tcp_flags & 16) = 0) AS incomplete,
	       count(*) FILTER (WHERE (f.tcp_flags & 16) <> 0) AS completed,
	       count(DISTINCT c.src_id) FILTER (WHERE (f.tcp_flags & 16) = 0) AS sources,
	       min(f.first_ms) FILTER (WHERE (f.tcp_flags & 16) = 0 OR f.dst_port = 0) AS first_ms,
	       max(f.first_ms + f.span_ms) FILTER (WHERE (f.tcp_flags & 16) = 0 OR f.dst_port = 0)
		       AS last_ms
	FROM p
	CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since AND i.ts_start < p.until
	  AND c.protocol = 6 AND f.syn > 0
	GROUP BY i.id, c.iface_id, c.dst_id, f.dst_port, iif(f.dst_port = 0, c.direction, -1)
	HAVING syns > p.rate OR overflow
),
-- The real ports, and whether each is over the rate on its own.
ports AS (
	SELECT t.*, t.syns / max((t.last_ms - t.first_ms) / 1000.0, 1.0) > p.rate AS over_rate
	FROM target t, p WHERE NOT t.overflow
),
-- The overflow rows, and how many ports of their interval, interface and
-- direction are over the rate.
over AS (
	SELECT o.*, (SELECT count(*) FROM ports q WHERE q.ts_start = o.ts_start
		     AND q.iface_id = o.iface_id AND q.dir = o.dir AND q.over_rate) AS n_ports
	FROM target o WHERE o.overflow
),
judged AS (
	SELECT q.ts_start, q.dst_id, q.dst_port, q.completed, q.incomplete, q.sources,
	       q.syns + coalesce(o.syns, 0) AS syns, coalesce(o.syns, 0) AS o_syns,
	       max((max(q.last_ms, coalesce(o.last_ms, q.last_ms)) -
		    min(q.first_ms, coalesce(o.first_ms, q.first_ms))) / 1000.0, 1.0) AS span_s
	FROM ports q
	LEFT JOIN over o ON o.ts_start = q.ts_start AND o.iface_id = q.iface_id
		AND o.dir = q.dir AND o.n_ports = 1 AND q.over_rate
	UNION ALL
	SELECT ts_start, dst_id, dst_port, 0, 0, 0, syns, syns,
	       max((last_ms - first_ms) / 1000.0, 1.0)
	FROM over WHERE n_ports <> 1
)
SELECT ts_start AS ts, 'syn_flood' AS kind,
       iif(d.family = 6, '[' || d.text || ']', d.text) || ':' || dst_port AS subject,
       CAST(max(syns / span_s) AS INTEGER) AS value,
       p.rate AS threshold,
       iif(sources = 0 AND o_syns = syns,
           printf('%d SYNs in %.1f s in the overflow row: flows the table had no room for, destinations and sources not kept',
                  syns, span_s),
           printf('%d SYNs in %.1f s from %s without a completed handshake; %d of %d connections completed%s',
                  syns, span_s,
                  iif(o_syns = 0, sources || iif(sources = 1, ' source', ' sources'),
                      sources || ' to ' || (sources + o_syns) || ' sources'),
                  completed, completed + incomplete,
                  iif(o_syns = 0, '',
                      printf(' (%d of the SYNs in the overflow row, whose destinations and sources were not kept: this is the one port over the rate on the interface)',
                             o_syns)))) AS detail
FROM judged JOIN addresses d ON d.id = judged.dst_id, p
GROUP BY ts_start, dst_id, dst_port
HAVING value > p.rate
ORDER BY ts, subject;
