-- beaconing.sql: a host (and the process, when known) opening connections
-- or sending datagrams to the same peer and port at regular intervals, like
-- malware calling home.
-- One hit per series per interval in which it made contact again.
--
-- A TCP contact is a connection attempt: a flow that carried a SYN, at the
-- time of its first packet (millisecond resolution). A UDP contact is a UDP
-- flow that opens an exchange after a silence: its first datagram came
-- before any answer in the interval (an answer is no contact: a server
-- answering a timer is not the timer), and the same addresses and ports
-- sent nothing in the interval just before (a long-lived flow shows up
-- once per interval, which would look perfectly regular; only its first
-- interval is a contact). A beacon that sends more often than the
-- recorder's interval from one socket is therefore one contact: it is
-- found when it uses a new source port each time. Contacts are grouped by
-- protocol, source address, destination address and destination port. Over the
-- :beacon_window seconds that end with the interval, a series is a beacon
-- when it has at least :beacon_contacts contacts whose gaps average at least
-- :beacon_min_period seconds and vary little: their standard deviation is at
-- most :beacon_jitter times their mean (the coefficient of variation, the
-- value of the hit). The process is the one whose socket had that local
-- port and peer in process_log, when per-process accounting was on.
-- ICMP is left out: a ping flow shows up once per interval, a series of
-- pings has no ports to tell a timer from a person.
--
-- Defaults: :beacon_contacts 6 (five gaps: fewer could be a coincidence),
-- :beacon_jitter 0.1 (gaps within about 10% of each other: a timer, not a
-- person), :beacon_min_period 1 s (faster is a burst or a connection pool,
-- not a call home), :beacon_window 3600 s (catches periods up to 12 min).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :beacon_contacts, :beacon_jitter, :beacon_min_period,
-- :beacon_window. Subject "SRC > DST:PORT", "/udp" after a UDP port (TCP
-- subjects stay what they were, so stored hits are not found twice).
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:beacon_contacts, 6) AS contacts,
	       coalesce(:beacon_jitter, 0.1) AS jitter,
	       coalesce(:beacon_min_period, 1) AS min_period,
	       coalesce(:beacon_window, 3600) AS win
),
-- TCP and UDP flows of the window and its lookback, one row per interval
-- and addresses and ports (a flow seen on two interfaces is one).
flow AS (
	SELECT i.id AS interval_id, i.ts_start, i.ts_end, c.protocol, c.src_id, f.src_port,
	       c.dst_id, f.dst_port, min(f.first_ms) AS first_ms, max(f.syn) AS syn
	FROM p CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since - p.win AND i.ts_start < p.until
	  AND ((c.protocol = 6 AND f.syn > 0) OR c.protocol = 17)
	GROUP BY i.id, c.protocol, c.src_id, f.src_port, c.dst_id, f.dst_port
),
-- Each UDP flow: did it open its exchange in the interval (its end sent
-- first; the two ends of an exchange in a fixed order make its partition),
-- and when did the interval before the last one it was seen in end.
udp AS (
	SELECT f.*,
	       first_value(f.src_id) OVER x = f.src_id AND
	       first_value(f.src_port) OVER x = f.src_port AS opener,
	       lag(f.ts_end) OVER (PARTITION BY f.src_id, f.src_port, f.dst_id, f.dst_port
	                           ORDER BY f.ts_start) AS prev_end
	FROM flow f
	WHERE f.protocol = 17
	WINDOW x AS (PARTITION BY f.interval_id, min(f.src_id, f.dst_id), max(f.src_id, f.dst_id),
	             iif(f.src_id < f.dst_id, f.src_port, f.dst_port),
	             iif(f.src_id < f.dst_id, f.dst_port, f.src_port)
	             ORDER BY f.first_ms, f.src_id, f.src_port)
),
contact AS (
	SELECT interval_id, ts_start * 1000 + first_ms AS t_ms, protocol, src_id, src_port,
	       dst_id, dst_port
	FROM flow WHERE protocol = 6
	UNION ALL
	SELECT interval_id, ts_start * 1000 + first_ms, protocol, src_id, src_port, dst_id,
	       dst_port
	FROM udp WHERE opener AND prev_end IS NOT ts_start
),
-- Only a series that has :beacon_contacts contacts within :beacon_window
-- seconds somewhere can have as many in the window of one interval: the
-- others (most series of a busy history: a server's answer to a client's
-- port is one flow, a client's calls are hours apart) are left out before
-- the per-window join. A run of that many consecutive contacts spans less
-- than the window in ms (the window is [end - win, end)). Only the series
-- that made contact in the report's window are looked at (after each
-- interval the recorder's window is one interval, its lookback an hour).
touched AS (
	SELECT DISTINCT c.protocol, c.src_id, c.dst_id, c.dst_port
	FROM contact c JOIN intervals i ON i.id = c.interval_id, p
	WHERE i.ts_start >= p.since
),
run AS (
	SELECT c.*,
	       c.t_ms - lag(c.t_ms, (SELECT contacts FROM p) - 1) OVER s <
	       (SELECT win FROM p) * 1000 AS close
	FROM touched t JOIN contact c
	  ON c.protocol = t.protocol AND c.src_id = t.src_id AND c.dst_id = t.dst_id
	 AND c.dst_port = t.dst_port
	WINDOW s AS (PARTITION BY c.protocol, c.src_id, c.dst_id, c.dst_port ORDER BY c.t_ms)
),
kept AS (
	SELECT * FROM (SELECT r.*, max(r.close) OVER (PARTITION BY r.protocol, r.src_id, r.dst_id,
	                                                            r.dst_port) AS any_close
	               FROM run r)
	WHERE any_close
),
-- Each interval of the report's window, and the series that made contact in it.
active AS (
	SELECT DISTINCT i.id, i.ts_start, i.ts_end, c.protocol, c.src_id, c.dst_id, c.dst_port
	FROM intervals i JOIN kept c ON c.interval_id = i.id, p
	WHERE i.ts_start >= p.since
),
-- The series' contacts in the window ending with that interval, with gaps.
series AS (
	SELECT a.id, a.ts_start, a.protocol, a.src_id, a.dst_id, a.dst_port, c.interval_id,
	       c.src_port,
	       c.t_ms - lag(c.t_ms) OVER (PARTITION BY a.id, a.protocol, a.src_id, a.dst_id,
	                                      a.dst_port ORDER BY c.t_ms) AS gap_ms
	FROM active a JOIN kept c
	  ON c.protocol = a.protocol AND c.src_id = a.src_id AND c.dst_id = a.dst_id
	 AND c.dst_port = a.dst_port, p
	WHERE c.t_ms >= (a.ts_end - p.win) * 1000 AND c.t_ms < a.ts_end * 1000
),
stats AS (
	SELECT id, ts_start, protocol, src_id, dst_id, dst_port, count(*) AS contacts,
	       avg(gap_ms) / 1000.0 AS mean_s,
	       max(avg(gap_ms * gap_ms) - avg(gap_ms) * avg(gap_ms), 0) / 1e6 AS var_s2
	FROM series
	GROUP BY id, protocol, src_id, dst_id, dst_port
)
SELECT s.ts_start AS ts, 'beaconing' AS kind,
       sa.text || ' > ' || iif(da.family = 6, '[' || da.text || ']', da.text) || ':' ||
       s.dst_port || iif(s.protocol = 17, '/udp', '') AS subject,
       round(sqrt(s.var_s2) / s.mean_s, 3) AS value,
       p.jitter AS threshold,
       printf('%d %s every %.2f s (sd %.2f s) in %d s%s', s.contacts,
              iif(s.protocol = 17, 'UDP contacts', 'connections'), s.mean_s,
              sqrt(s.var_s2), p.win,
              coalesce(' by ' || (SELECT group_concat(DISTINCT n.name)
                                  FROM series c
                                  JOIN processes pr ON pr.interval_id = c.interval_id
                                   AND pr.protocol = c.protocol AND pr.remote_id = c.dst_id
                                   AND pr.remote_port = c.dst_port AND pr.local_port = c.src_port
                                  JOIN process_names n ON n.id = pr.comm_id
                                  WHERE c.id = s.id AND c.protocol = s.protocol AND c.src_id = s.src_id
                                    AND c.dst_id = s.dst_id AND c.dst_port = s.dst_port), '')) AS detail
FROM stats s
JOIN addresses sa ON sa.id = s.src_id
JOIN addresses da ON da.id = s.dst_id, p
WHERE s.contacts >= p.contacts AND s.mean_s >= p.min_period
  AND s.var_s2 <= (p.jitter * s.mean_s) * (p.jitter * s.mean_s)
ORDER BY ts, subject;
