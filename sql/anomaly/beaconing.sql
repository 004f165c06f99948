-- beaconing.sql: a host (and the process, when known) opening connections to
-- the same peer and port at regular intervals, like malware calling home.
-- One hit per series per interval in which it made contact again.
--
-- A contact is a TCP connection attempt: a flow that carried a SYN, at the
-- time of its first packet (millisecond resolution), grouped by source
-- address, destination address and destination port. Over the
-- :beacon_window seconds that end with the interval, a series is a beacon
-- when it has at least :beacon_contacts contacts whose gaps average at least
-- :beacon_min_period seconds and vary little: their standard deviation is at
-- most :beacon_jitter times their mean (the coefficient of variation, the
-- value of the hit). The process is the one whose socket had that local
-- port and peer in process_log, when per-process accounting was on.
-- UDP and ICMP are left out: a long-lived UDP or ping flow shows up once per
-- interval, which would look perfectly regular.
--
-- Defaults: :beacon_contacts 6 (five gaps: fewer could be a coincidence),
-- :beacon_jitter 0.1 (gaps within about 10% of each other: a timer, not a
-- person), :beacon_min_period 1 s (faster is a burst or a connection pool,
-- not a call home), :beacon_window 3600 s (catches periods up to 12 min).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :beacon_contacts, :beacon_jitter, :beacon_min_period,
-- :beacon_window.
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:beacon_contacts, 6) AS contacts,
	       coalesce(:beacon_jitter, 0.1) AS jitter,
	       coalesce(:beacon_min_period, 1) AS min_period,
	       coalesce(:beacon_window, 3600) AS win
),
contact AS (
	SELECT DISTINCT i.id AS interval_id, i.ts_start * 1000 + f.first_ms AS t_ms, c.src_id,
	       f.src_port, c.dst_id, f.dst_port
	FROM p CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since - p.win AND i.ts_start < p.until
	  AND c.protocol = 6 AND f.syn > 0
),
-- Each interval of the report's window, and the series that made contact in it.
active AS (
	SELECT DISTINCT i.id, i.ts_start, i.ts_end, c.src_id, c.dst_id, c.dst_port
	FROM intervals i JOIN contact c ON c.interval_id = i.id, p
	WHERE i.ts_start >= p.since
),
-- The series' contacts in the window ending with that interval, with gaps.
series AS (
	SELECT a.id, a.ts_start, a.src_id, a.dst_id, a.dst_port, c.interval_id, c.src_port,
	       c.t_ms - lag(c.t_ms) OVER (PARTITION BY a.id, a.src_id, a.dst_id, a.dst_port
	                                 ORDER BY c.t_ms) AS gap_ms
	FROM active a JOIN contact c
	  ON c.src_id = a.src_id AND c.dst_id = a.dst_id AND c.dst_port = a.dst_port, p
	WHERE c.t_ms >= (a.ts_end - p.win) * 1000 AND c.t_ms < a.ts_end * 1000
),
stats AS (
	SELECT id, ts_start, src_id, dst_id, dst_port, count(*) AS contacts,
	       avg(gap_ms) / 1000.0 AS mean_s,
	       max(avg(gap_ms * gap_ms) - avg(gap_ms) * avg(gap_ms), 0) / 1e6 AS var_s2
	FROM series
	GROUP BY id, src_id, dst_id, dst_port
)
SELECT s.ts_start AS ts, 'beaconing' AS kind,
       sa.text || ' > ' || iif(da.family = 6, '[' || da.text || ']', da.text) || ':' ||
       s.dst_port AS subject,
       round(sqrt(s.var_s2) / s.mean_s, 3) AS value,
       p.jitter AS threshold,
       printf('%d connections every %.2f s (sd %.2f s) in %d s%s', s.contacts, s.mean_s,
              sqrt(s.var_s2), p.win,
              coalesce(' by ' || (SELECT group_concat(DISTINCT n.name)
                                  FROM series c
                                  JOIN processes pr ON pr.interval_id = c.interval_id
                                   AND pr.protocol = 6 AND pr.remote_id = c.dst_id
                                   AND pr.remote_port = c.dst_port AND pr.local_port = c.src_port
                                  JOIN process_names n ON n.id = pr.comm_id
                                  WHERE c.id = s.id AND c.src_id = s.src_id
                                    AND c.dst_id = s.dst_id AND c.dst_port = s.dst_port), '')) AS detail
FROM stats s
JOIN addresses sa ON sa.id = s.src_id
JOIN addresses da ON da.id = s.dst_id, p
WHERE s.contacts >= p.contacts AND s.mean_s >= p.min_period
  AND s.var_s2 <= (p.jitter * s.mean_s) * (p.jitter * s.mean_s)
ORDER BY ts, subject;
