-- 0023_probe_prev.sql: with each of udp_scan's probes (interval_udp_probes,
-- sql/0018_anomaly_aggregates.sql), when its source last probed the same
-- destination and port before, and the same destination at all, so that
-- sql/anomaly/udp_scan.sql counts a window's distinct (host, port) pairs and
-- hosts as its rows whose previous occurrence is older than the window (a
-- sum, no DISTINCT, no sort), where it put every probe of every window into
-- two ephemeral indexes.
--
--   prev_ts       ts_start of the last interval before (below) that held the
--                 same source, destination and destination port;
--   host_prev_ts  on the row of the least port of its (interval, source,
--                 destination): ts_start of the last interval before that
--                 held the same source and destination; on the other rows
--                 of the three, the row's own interval's ts_start (the host
--                 is in the interval already);
-- each NULL when there is none, or it started more than an hour (3,600 s)
-- before the row's interval.
--
-- "Before" as for the contacts' gaps (sql/0021_contact_gaps.sql): in id
-- order, within a stretch of intervals in which time went forward (an
-- interval that starts before the one stored before it ended starts a new
-- stretch, whose probes look back no further). The recorder keeps, per key,
-- the ts_start of its last interval of the last hour in memory
-- (recorder/store/probe_seen.c, the same definition as below; reloaded from
-- interval_udp_probes when it starts). When it has more than 262,144 keys
-- of the last hour to keep (a scan of new hosts), it forgets them, and each
-- interval of the next hour with a key it found nowhere gets a row in
-- probe_prev_unknown: its values may miss an occurrence, and the rule
-- counts a window that holds it with its full text, as a window that holds
-- an interval without flow rows (retention deleted its probes and left the
-- later rows' values). The stored intervals get theirs here. Documented in
-- docs/schema.md; how the rule uses them in docs/anomalies.md.

ALTER TABLE interval_udp_probes ADD COLUMN prev_ts INTEGER;
ALTER TABLE interval_udp_probes ADD COLUMN host_prev_ts INTEGER;

CREATE TABLE probe_prev_unknown (
	interval_id INTEGER PRIMARY KEY REFERENCES intervals (id)
) STRICT;

CREATE TEMP TABLE probe_prev AS
WITH iv AS (
	SELECT id, ts_start, sum(starts) OVER (ORDER BY id) AS stretch
	FROM (SELECT id, ts_start,
		     coalesce(lag(ts_end) OVER (ORDER BY id) > ts_start, 1) AS starts
	      FROM intervals)
),
pr AS (
	SELECT p.interval_id, p.src_id, p.dst_id, p.dst_port, i.ts_start, i.stretch,
	       lag(i.ts_start) OVER (PARTITION BY i.stretch, p.src_id, p.dst_id, p.dst_port
				     ORDER BY p.interval_id) AS prev,
	       p.dst_port = min(p.dst_port) OVER (PARTITION BY p.interval_id, p.src_id,
						    p.dst_id) AS first
	FROM iv i CROSS JOIN interval_udp_probes p ON p.interval_id = i.id
)
-- The host's previous interval: the first rows' lag among the first rows.
SELECT interval_id, src_id, dst_id, dst_port,
       iif(ts_start - prev <= 3600, prev, NULL) AS prev_ts,
       iif(first, iif(ts_start - host_prev <= 3600, host_prev, NULL), ts_start) AS host_prev_ts
FROM (SELECT *, lag(ts_start) OVER (PARTITION BY stretch, src_id, dst_id, first
				    ORDER BY interval_id) AS host_prev
      FROM pr);

UPDATE interval_udp_probes AS p
SET prev_ts = n.prev_ts, host_prev_ts = n.host_prev_ts
FROM temp.probe_prev n
WHERE n.interval_id = p.interval_id AND n.src_id = p.src_id AND n.dst_id = p.dst_id
  AND n.dst_port = p.dst_port AND (n.prev_ts IS NOT NULL OR n.host_prev_ts IS NOT NULL);

DROP TABLE temp.probe_prev;
