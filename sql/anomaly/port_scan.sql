-- port_scan.sql: one source probing many TCP ports of a host, or many hosts,
-- within :port_scan_window seconds. One hit per interval in which the source
-- probed, counting its probes of the window that ends with that interval.
--
-- A probe is a connection attempt that never completed: a flow that carried
-- a SYN and no ACK (a SYN scan's probe, answered or not, is SYN or SYN+RST;
-- a connect() to a closed port is SYN alone). Completed connections are not
-- probes, so a busy client or a server answering many clients is no scan.
-- UDP scans are not seen (a UDP probe and a UDP request look alike).
--
-- Two hits for one scan can come out: "SRC > DST" when SRC probed at least
-- :port_scan_ports distinct ports of DST (vertical scan), and "SRC" when it
-- probed at least :port_scan_hosts distinct hosts (horizontal scan).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :port_scan_ports (default 15), :port_scan_hosts
-- (default 25), :port_scan_window (seconds, default 300): Zeek's scan
-- policy defaults (policy/misc/scan.zeek).
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:port_scan_ports, 15) AS ports,
	       coalesce(:port_scan_hosts, 25) AS hosts,
	       coalesce(:port_scan_window, 300) AS win
),
probes AS (
	SELECT i.id AS interval_id, i.ts_start, c.src_id, c.dst_id, f.dst_port
	FROM p CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since - p.win AND i.ts_start < p.until
	  AND c.protocol = 6 AND f.syn > 0 AND (f.tcp_flags & 16) = 0
),
-- Each interval of the report's window, and the sources that probed in it.
active AS (
	SELECT DISTINCT i.id, i.ts_start, i.ts_end, pr.src_id
	FROM intervals i JOIN probes pr ON pr.interval_id = i.id, p
	WHERE i.ts_start >= p.since
),
-- What each of them probed in the window ending with that interval: the
-- window's intervals by start time (intervals_by_start), then the source's
-- probes in each (SQLite's automatic index on (interval_id, src_id)), in
-- that order (CROSS JOIN), counted where they are read: the distinct hosts
-- and the distinct (host, port) pairs, one subquery a source and interval
-- (no sort of every probe of every window, as a GROUP BY over them needs).
-- Both counts in one number, pairs as in udp_scan.sql.
counted AS MATERIALIZED (
	SELECT a.id, a.ts_start, a.ts_end, a.src_id,
	       (SELECT count(DISTINCT pr.dst_id) * 4294967296 +
	               count(DISTINCT iif(pr.dst_id BETWEEN -140737488355328 AND 140737488355327,
	                                  pr.dst_id * 65536 + pr.dst_port,
	                                  pr.dst_id || ':' || pr.dst_port))
	        FROM p CROSS JOIN intervals w
	        CROSS JOIN probes pr ON pr.interval_id = w.id AND pr.src_id = a.src_id
	        WHERE w.ts_start >= a.ts_end - p.win AND w.ts_start <= a.ts_start) AS c
	FROM active a
),
-- The ports of each host, only where a host can have :port_scan_ports of
-- them: pairs - hosts + 1 or more (every other host one port at least).
seen AS (
	SELECT a.id, a.ts_start, a.src_id, pr.dst_id, count(DISTINCT pr.dst_port) AS ports
	FROM counted a CROSS JOIN p
	CROSS JOIN intervals w ON w.ts_start >= a.ts_end - p.win AND w.ts_start <= a.ts_start
	CROSS JOIN probes pr ON pr.interval_id = w.id AND pr.src_id = a.src_id
	WHERE a.c % 4294967296 - a.c / 4294967296 + 1 >= p.ports
	GROUP BY a.id, a.src_id, pr.dst_id
)
SELECT s.ts_start AS ts, 'port_scan' AS kind,
       sa.text || ' > ' || da.text AS subject,
       s.ports AS value, p.ports AS threshold,
       printf('%d TCP ports probed without a completed handshake in %d s', s.ports,
              p.win) AS detail
FROM seen s
JOIN addresses sa ON sa.id = s.src_id
JOIN addresses da ON da.id = s.dst_id, p
WHERE s.ports >= p.ports
UNION ALL
SELECT c.ts_start, 'port_scan', sa.text,
       c.c / 4294967296, p.hosts,
       printf('%d hosts probed (%d ports in all) without a completed handshake in %d s',
              c.c / 4294967296, c.c % 4294967296, p.win)
FROM counted c
JOIN addresses sa ON sa.id = c.src_id, p
WHERE c.c / 4294967296 >= p.hosts AND c.c >= 4294967296
ORDER BY ts, subject;
