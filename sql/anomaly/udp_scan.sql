-- udp_scan.sql: one source sending UDP to many ports of a host, or to many
-- hosts, without answers, within :port_scan_window seconds. One hit per
-- interval in which the source probed, counting its probes of the window
-- that ends with that interval (as port_scan.sql does for TCP).
--
-- A UDP probe and a UDP request look alike, so a probe is judged by what
-- came back: a UDP flow whose destination sent no UDP back to it (same
-- addresses and ports, reversed) in the same interval. A closed port answers
-- with ICMP port unreachable and a filtered one not at all; a DNS or NTP
-- server answers its clients, and its answers are not probes either (the
-- request came first, in the same exchange). A client that sends many
-- unanswered queries from new source ports still goes to one port: one
-- port, no scan.
--
-- Destination ports 33434-33534 are left out: UDP traceroute probes walk
-- them, one per hop and try, and reach the target address too.
--
-- Two hits for one scan can come out, kind udp_scan: "SRC > DST" when SRC
-- probed at least :udp_scan_ports distinct ports of DST, and "SRC" when it
-- probed at least :udp_scan_hosts distinct hosts.
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :udp_scan_ports (default 15), :udp_scan_hosts (default
-- 25) and :port_scan_window (seconds, default 300): Zeek's scan policy
-- defaults (policy/misc/scan.zeek), as for TCP.
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:udp_scan_ports, 15) AS ports,
	       coalesce(:udp_scan_hosts, 25) AS hosts,
	       coalesce(:port_scan_window, 300) AS win
),
-- Each interval of the report's window, and whether its probes' previous
-- occurrences (prev_ts, host_prev_ts: sql/0023_probe_prev.sql) count its
-- window exactly: the window an hour long or less (the recorder looks an
-- hour back), its intervals all of one stretch (0023's, in id order), each
-- with its flow rows (retention deleted none of its probes), a length, and
-- previous occurrences the recorder knew (no probe_prev_unknown row). One
-- stretch: exactly one of the window's intervals (its least id) starts a
-- stretch or follows (by id) an interval outside the window; the others
-- follow one of the window in time order. Only the window's intervals are
-- read, a lookup each. Not materialized: active (below) finds each of its
-- intervals by primary key (SQLite scanned a materialized one for each
-- source).
iv AS NOT MATERIALIZED (
	SELECT i.id, i.ts_start, i.ts_end,
	       p.win <= 3600 AND
	       (SELECT sum(w.last_flow_id < w.first_flow_id OR w.ts_end <= w.ts_start OR
			   w.id IN (SELECT interval_id FROM probe_prev_unknown)) = 0 AND
		       sum(b.id IS NULL OR b.ts_end > w.ts_start OR
			   b.ts_start < i.ts_end - p.win OR b.ts_start > i.ts_start) = 1
		FROM intervals w
		LEFT JOIN intervals b ON b.id = (SELECT max(id) FROM intervals WHERE id < w.id)
		WHERE w.ts_start >= i.ts_end - p.win AND w.ts_start <= i.ts_start) AS clean
	FROM p CROSS JOIN intervals i
	WHERE i.ts_start >= p.since AND i.ts_start < p.until
),
-- The sources that probed in each interval of the report's window and of
-- the window before its first: the UDP flows that got no UDP answer in
-- their interval, as the recorder found them when it wrote the interval
-- (interval_udp_probes, sql/0018_anomaly_aggregates.sql: each exchange of
-- the interval one-way when only one end sent, traceroute's ports left
-- out), once per source, destination and port; n of them. The bounds are
-- scalar subqueries: with p in the join, SQLite sorted every probe for the
-- GROUP BY, which the key's order makes needless.
probed AS MATERIALIZED (
	SELECT i.id, i.ts_start, pr.src_id, count(*) AS n
	FROM intervals i CROSS JOIN interval_udp_probes pr ON pr.interval_id = i.id
	WHERE i.ts_start >= (SELECT since - win FROM p) AND i.ts_start < (SELECT until FROM p)
	GROUP BY i.ts_start, i.id, pr.src_id
),
-- Each interval of the report's window and the sources that probed in it,
-- only those that can make a hit: a source has no more hosts, and a host no
-- more ports, than it has probe rows in the window, so one with fewer than
-- :udp_scan_ports and :udp_scan_hosts rows in it makes none (most sources
-- probe two or three keys an interval). Its rows are summed over a frame
-- that holds the window and a little more (every interval that starts
-- within 301/300 of :port_scan_window before this one starts: a window
-- ends where its interval ends, and the scaled times of a frame may round;
-- a larger sum only lets a source through to be counted exactly below).
-- On the generated history's day, 23,030 of 300,824 (interval, source)
-- pairs are left (bench/RESULTS.md).
bound AS (
	SELECT id, src_id
	FROM (SELECT pb.id, pb.src_id,
		     sum(pb.n) OVER (PARTITION BY pb.src_id
				     ORDER BY pb.ts_start * 300.0 / (SELECT max(win, 1) FROM p)
				     RANGE BETWEEN 301 PRECEDING AND CURRENT ROW) AS most
	      FROM probed pb)
	WHERE most >= (SELECT min(ports, hosts) FROM p)
),
active AS (
	SELECT i.id, i.ts_start, i.ts_end, i.clean, b.src_id
	FROM iv i JOIN bound b ON b.id = i.id
),
-- What each of them probed in the window ending with that interval: the
-- window's intervals by start time (intervals_by_start), then the source's
-- probes in each (the aggregate's key starts with (interval_id, src_id)),
-- counted as they are read. Both counts in one number: hosts * 2^32 +
-- pairs (a window holds fewer than 2^31 pairs of one source). Where the
-- window is clean (above), a (host, port) pair is new in the window on its
-- row whose previous occurrence is NULL (none in the hour before) or
-- before the window, and a host on its row whose host_prev_ts is: a sum,
-- no DISTINCT and no sort.
fast AS MATERIALIZED (
	SELECT a.id, a.ts_start, a.ts_end, a.src_id,
	       iif(a.clean,
		   (SELECT coalesce(sum(iif(pr.host_prev_ts >= a.ts_end - p.win, 0, 4294967296) +
					iif(pr.prev_ts >= a.ts_end - p.win, 0, 1)), 0)
		    FROM intervals w
		    CROSS JOIN interval_udp_probes pr ON pr.interval_id = w.id AND pr.src_id = a.src_id
		    WHERE w.ts_start >= a.ts_end - p.win AND w.ts_start <= a.ts_start),
		   NULL) AS c
	FROM active a CROSS JOIN p
),
-- Elsewhere the distinct hosts and the distinct (host, port) pairs, one
-- subquery a source and interval. A pair is host id * 65536 + port, or a
-- text for host ids past +-2^47 (where that would overflow): no two pairs
-- meet.
counted AS MATERIALIZED (
	SELECT a.id, a.ts_start, a.ts_end, a.src_id,
	       coalesce(a.c,
			(SELECT count(DISTINCT pr.dst_id) * 4294967296 +
				count(DISTINCT iif(pr.dst_id BETWEEN -140737488355328 AND 140737488355327,
						   pr.dst_id * 65536 + pr.dst_port,
						   pr.dst_id || ':' || pr.dst_port))
			 FROM p CROSS JOIN intervals w
			 CROSS JOIN interval_udp_probes pr ON pr.interval_id = w.id AND pr.src_id = a.src_id
			 WHERE w.ts_start >= a.ts_end - p.win AND w.ts_start <= a.ts_start)) AS c
	FROM fast a
),
-- The ports of each host, only where a host can have :udp_scan_ports of
-- them: pairs - hosts + 1 or more (every other host one port at least).
seen AS (
	SELECT a.id, a.ts_start, a.src_id, pr.dst_id, count(DISTINCT pr.dst_port) AS ports
	FROM counted a CROSS JOIN p
	CROSS JOIN intervals w ON w.ts_start >= a.ts_end - p.win AND w.ts_start <= a.ts_start
	CROSS JOIN interval_udp_probes pr ON pr.interval_id = w.id AND pr.src_id = a.src_id
	WHERE a.c % 4294967296 - a.c / 4294967296 + 1 >= p.ports
	GROUP BY a.id, a.src_id, pr.dst_id
)
SELECT s.ts_start AS ts, 'udp_scan' AS kind,
       sa.text || ' > ' || da.text AS subject,
       s.ports AS value, p.ports AS threshold,
       printf('%d UDP ports sent to without a UDP answer in %d s', s.ports, p.win) AS detail
FROM seen s
JOIN addresses sa ON sa.id = s.src_id
JOIN addresses da ON da.id = s.dst_id, p
WHERE s.ports >= p.ports
UNION ALL
SELECT c.ts_start, 'udp_scan', sa.text,
       c.c / 4294967296, p.hosts,
       printf('%d hosts sent to (%d ports in all) without a UDP answer in %d s',
              c.c / 4294967296, c.c % 4294967296, p.win)
FROM counted c
JOIN addresses sa ON sa.id = c.src_id, p
WHERE c.c / 4294967296 >= p.hosts AND c.c >= 4294967296
ORDER BY ts, subject;
