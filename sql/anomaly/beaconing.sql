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
-- interval is a contact). "The interval just before" is the one stored
-- before it, when it ended where this one starts, whether or not it is in
-- the rule's range: an exchange going on from before the range is no new
-- contact in the range's first interval (until migration 0019 the rule
-- looked back only within its range, and counted it). The recorder finds
-- the contacts when it writes each interval (interval_contacts,
-- sql/0019_interval_contacts.sql, which defines them). A beacon that sends
-- more often than the recorder's interval from one socket is therefore one
-- contact: it is found when it uses a new source port each time. Contacts
-- are grouped by protocol, source address, destination address and
-- destination port. Over the
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
-- The contacts of the window and its lookback, as the recorder found them
-- when it wrote each interval (interval_contacts,
-- sql/0019_interval_contacts.sql): the window's intervals by start time
-- (intervals_by_start), then each one's contacts (the table's key starts
-- with interval_id), in that order (CROSS JOIN). "placed": its first packet
-- inside its interval.
contact AS NOT MATERIALIZED (
	SELECT c.interval_id, i.ts_start, i.ts_end, i.ts_start * 1000 + c.first_ms AS t_ms,
	       c.protocol, c.src_id,
	       c.src_port, c.dst_id, c.dst_port, c.gap_ms, c.gap5_ms,
	       c.first_ms >= 0 AND c.first_ms < (i.ts_end - i.ts_start) * 1000 AS placed
	FROM p CROSS JOIN intervals i
	CROSS JOIN interval_contacts c ON c.interval_id = i.id
	WHERE i.ts_start >= p.since - p.win AND i.ts_start < p.until
),
-- Only a series with :beacon_contacts contacts less than the window apart
-- can be a beacon (most series of a busy history: a server's answer to a
-- client's port is one contact, a client's calls are hours apart). The
-- recorder stored with each contact the ms since its series' contact before,
-- and since the fifth before (gap_ms, gap5_ms: sql/0021_contact_gaps.sql,
-- NULL beyond an hour, -1 not known): of such a run, the last contact (x)
-- has a gap_ms shorter than the window, and with 6 contacts or more a gap5_ms
-- as short. A plain scan finds those (cand), and every window that holds
-- enough contacts has such an x (its last contact), its contacts all less
-- than the window before x: in x's slice of time (t_ms / window, b) or the
-- one before. Only the contacts of those series and slices (near) are
-- picked and sorted below. That holds when the stored "before" is the one
-- before in time: the window at most an hour, the intervals read in one
-- stretch in which time went forward (none of the ids from the first read to
-- the last starts before the one stored before it ended), and the series'
-- contacts all placed (a series with one that is not is picked whole).
-- Otherwise (fast false) every contact is picked, as before 0021.
fast AS (
	SELECT p.win <= 3600 AND NOT EXISTS (
		SELECT 1
		FROM (SELECT j.ts_start, lag(j.ts_end) OVER (ORDER BY j.id) AS ended
		      FROM (SELECT min(i.id) AS lo, max(i.id) AS hi FROM intervals i
			    WHERE i.ts_start >= p.since - p.win AND i.ts_start < p.until) r
		      CROSS JOIN intervals j
		      WHERE j.id BETWEEN r.lo AND r.hi)
		WHERE ended > ts_start) AS ok
	FROM p
),
cand AS MATERIALIZED (
	SELECT DISTINCT c.protocol, c.src_id, c.dst_id, c.dst_port,
	       iif(c.placed, c.t_ms / (p.win * 1000), NULL) AS b
	FROM contact c, p
	WHERE iif(p.contacts >= 6, c.gap5_ms, c.gap_ms) < p.win * 1000 OR NOT c.placed
),
near AS (
	SELECT protocol, src_id, dst_id, dst_port, b FROM cand WHERE b IS NOT NULL
	UNION ALL
	SELECT protocol, src_id, dst_id, dst_port, b - 1 FROM cand WHERE b IS NOT NULL
),
-- With :beacon_contacts 6 or more, no scan (runs true): a window that holds
-- six contacts or more holds only contacts of runs of six within the hour
-- (its sixth contact on has a gap5_ms that short, the five before start its
-- run), and the recorder stored, per interval, the series with a contact of
-- such a run (contact_runs, sql/0022_contact_runs.sql): their contacts of
-- those intervals are read through the contacts' key. Not when the stored
-- gaps cannot say (fast false), nor when an interval read has a contact not
-- in place or of gaps not known (marked unknown): those are scanned above.
runs AS (
	SELECT (SELECT ok FROM fast) AND p.contacts >= 6 AND NOT EXISTS (
		SELECT 1 FROM intervals i CROSS JOIN contact_runs r ON r.interval_id = i.id
		WHERE i.ts_start >= p.since - p.win AND i.ts_start < p.until AND r.unknown) AS ok
	FROM p
),
picked AS (
	SELECT i.id AS interval_id, i.ts_start, i.ts_end, i.ts_start * 1000 + c.first_ms AS t_ms,
	       c.protocol, c.src_id, c.src_port, c.dst_id, c.dst_port
	FROM p CROSS JOIN intervals i
	CROSS JOIN contact_runs r ON r.interval_id = i.id
	CROSS JOIN interval_contacts c ON c.interval_id = r.interval_id AND c.src_id = r.src_id
	 AND c.dst_id = r.dst_id AND c.protocol = r.protocol AND c.dst_port = r.dst_port
	WHERE (SELECT ok FROM runs) AND i.ts_start >= p.since - p.win AND i.ts_start < p.until
	UNION ALL
	SELECT c.interval_id, c.ts_start, c.ts_end, c.t_ms, c.protocol, c.src_id, c.src_port,
	       c.dst_id, c.dst_port
	FROM contact c, p
	WHERE NOT (SELECT ok FROM runs) AND (
	      NOT (SELECT ok FROM fast)
	   OR (c.protocol, c.src_id, c.dst_id, c.dst_port, c.t_ms / (p.win * 1000)) IN near
	   OR (c.protocol, c.src_id, c.dst_id, c.dst_port) IN (SELECT protocol, src_id, dst_id,
							      dst_port
							      FROM cand WHERE b IS NULL))
),
-- Each picked contact with its gap to the series' contact before (NULL for
-- the first), and whether it ends a run of :beacon_contacts consecutive
-- contacts that spans less than the window in ms (the window is [end - win,
-- end)): only a series with such a run somewhere can have as many in the
-- window of one interval. The others are left out before the windows are
-- judged. One sort of the picked contacts (the series, then time); the few
-- series with such a run are then kept whole. last_in: no contact of the
-- series after it in its interval (in time order).
run AS MATERIALIZED (
	SELECT *, t_ms - lagc < (SELECT win FROM p) * 1000 AS close
	FROM (SELECT c.*, coalesce(lag(c.t_ms) OVER s, c.t_ms) AS prev,
	             lag(c.t_ms, (SELECT contacts FROM p) - 1) OVER s AS lagc,
	             lead(c.interval_id) OVER s IS NOT c.interval_id AS last_in
	      FROM picked c
	      WINDOW s AS (PARTITION BY c.protocol, c.src_id, c.dst_id, c.dst_port
	                   ORDER BY c.t_ms))
),
close AS (
	SELECT DISTINCT protocol, src_id, dst_id, dst_port FROM run WHERE close
),
kept AS MATERIALIZED (
	SELECT * FROM run WHERE (protocol, src_id, dst_id, dst_port) IN close
),
-- Each interval of the report's window, and the series that made contact in
-- it (a row per last_in contact: the same interval twice only when another
-- interval's contact came in between, judged below made distinct), when its
-- window [end - win, end) can hold :beacon_contacts contacts: the last
-- contact before the end (x) and the contacts - 1 before it are in it, so x
-- ends a close run and its lagc is at least end - win. When the contacts
-- were read through contact_runs (runs), x is the last_in contact itself
-- (every contact lies in its interval and time went forward). Otherwise, in
-- one pass over each series in time order, the interval ends (at 2 ts_end -
-- 1, between two ms) among its contacts (at 2 t_ms): the greatest t_ms and
-- lagc before an end are those of x (both grow with t_ms; of contacts with
-- the same t_ms, the one of the greatest lagc is as good a witness).
active AS (
	SELECT interval_id AS id, ts_end, protocol, src_id, dst_id, dst_port, lagc
	FROM kept, p
	WHERE last_in AND ts_start >= p.since
),
ends AS (
	SELECT id, ts_end, protocol, src_id, dst_id, dst_port, 2 * ts_end * 1000 - 1 AS k,
	       NULL AS t_ms, NULL AS lagc
	FROM active
	UNION ALL
	SELECT NULL, NULL, protocol, src_id, dst_id, dst_port, 2 * t_ms, t_ms, lagc FROM kept
),
judged AS (
	SELECT id, ts_end, protocol, src_id, dst_id, dst_port
	FROM active, p
	WHERE (SELECT ok FROM runs) AND ts_end * 1000 <= lagc + p.win * 1000
	UNION ALL
	SELECT DISTINCT id, ts_end, protocol, src_id, dst_id, dst_port
	FROM (SELECT id, ts_end, protocol, src_id, dst_id, dst_port,
		     max(t_ms) OVER u AS x_ms, max(lagc) OVER u AS x_lagc
	      FROM ends
	      WHERE NOT (SELECT ok FROM runs)
	      WINDOW u AS (PARTITION BY protocol, src_id, dst_id, dst_port ORDER BY k
			   ROWS UNBOUNDED PRECEDING)), p
	WHERE id IS NOT NULL AND x_ms - x_lagc < p.win * 1000
	  AND ts_end * 1000 <= x_lagc + p.win * 1000
),
-- The series' contacts in each such window, in one pass over each series in
-- time order: its contacts (at t_ms) and the window's end (at end - 1 ms,
-- its last ms), over the frame of the win * 1000 ms that end there. The
-- window's gaps are those of its contacts but the first (whose gap, to the
-- contact before it, prev, goes back before the window): their sum is the
-- last minus the first, their squares the sum of the contacts' gaps squared
-- less the first one's.
win AS (
	SELECT w.id, w.protocol, w.src_id, w.dst_id, w.dst_port, w.contacts, w.span, w.sq
	FROM (SELECT id, protocol, src_id, dst_id, dst_port, count(t_ms) OVER u AS contacts,
		     max(t_ms) OVER u - min(t_ms) OVER u AS span,
		     sum((t_ms - prev) * (t_ms - prev)) OVER u -
		     (min(t_ms) OVER u - min(prev) OVER u) * (min(t_ms) OVER u - min(prev) OVER u)
		     AS sq
	      FROM (SELECT NULL AS id, protocol, src_id, dst_id, dst_port, t_ms AS k, t_ms, prev
		    FROM kept
		    UNION ALL
		    SELECT id, protocol, src_id, dst_id, dst_port, ts_end * 1000 - 1, NULL, NULL
		    FROM judged)
	      WINDOW u AS (PARTITION BY protocol, src_id, dst_id, dst_port ORDER BY k
			   RANGE BETWEEN (CASE WHEN :beacon_window IS NULL THEN 3600
						      ELSE :beacon_window END) * 1000 - 1 PRECEDING
			   AND CURRENT ROW)) w, p
	WHERE w.id IS NOT NULL AND w.contacts >= p.contacts
),
stats AS (
	SELECT w.id, i.ts_start, i.ts_end, w.protocol, w.src_id, w.dst_id, w.dst_port, w.contacts,
	       w.span * 1.0 / (w.contacts - 1) / 1000.0 AS mean_s,
	       max(w.sq * 1.0 / (w.contacts - 1) -
	           (w.span * 1.0 / (w.contacts - 1)) * (w.span * 1.0 / (w.contacts - 1)), 0) / 1e6
	       AS var_s2
	FROM win w CROSS JOIN intervals i ON i.id = w.id
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
                                  FROM kept c
                                  JOIN processes pr ON pr.interval_id = c.interval_id
                                   AND pr.protocol = c.protocol AND pr.remote_id = c.dst_id
                                   AND pr.remote_port = c.dst_port AND pr.local_port = c.src_port
                                  JOIN process_names n ON n.id = pr.comm_id
                                  WHERE c.protocol = s.protocol AND c.src_id = s.src_id
                                    AND c.dst_id = s.dst_id AND c.dst_port = s.dst_port
                                    AND c.t_ms >= (s.ts_end - p.win) * 1000
                                    AND c.t_ms < s.ts_end * 1000), '')) AS detail
FROM stats s
JOIN addresses sa ON sa.id = s.src_id
JOIN addresses da ON da.id = s.dst_id, p
WHERE s.mean_s >= p.min_period
  AND s.var_s2 <= (p.jitter * s.mean_s) * (p.jitter * s.mean_s)
ORDER BY ts, subject;
