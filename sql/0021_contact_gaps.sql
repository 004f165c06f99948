-- 0021_contact_gaps.sql: with each of beaconing's contacts
-- (interval_contacts, sql/0019_interval_contacts.sql), how long before it its
-- series made contact, so that sql/anomaly/beaconing.sql finds the few
-- contacts that can be in a beacon's window with a plain scan and sorts only
-- those, where it sorted every contact of its window (a series: protocol,
-- source, destination, destination port).
--
--   gap_ms   ms since the series' contact before it;
--   gap5_ms  ms since the fifth contact before it (6 contacts, beaconing's
--            default beacon_contacts, span that long);
-- each NULL when there is none, or it was more than an hour (3,600,000 ms)
-- before; -1 when the recorder did not know (below).
--
-- "Before" counts only contacts whose first packet lies inside their own
-- interval (0 <= first_ms < its length in ms: "in place"; others get NULL and
-- are nobody's contact before), in the order they were stored (interval id,
-- then first_ms, then src_port), within a stretch of intervals in which time
-- went forward: an interval that starts before the one stored before it
-- ended (an older capture imported after a newer one) starts a new stretch,
-- whose contacts look back no further. Inside a stretch, contacts in place
-- are stored in time order, so the recorder keeps, per series, the times of
-- its last five contacts of the last hour in memory (recorder/store/
-- anomaly_agg.c, the same definition as below; reloaded from the table when
-- it starts). When it has more than 262,144 series of the last hour to keep
-- (a scan of new hosts), it forgets them and writes -1 ("not known") where a
-- contact of the next hour finds none: the rule takes -1 for a short gap.
-- The stored intervals get theirs here. Documented in docs/schema.md; how the
-- rule uses them in docs/anomalies.md.

ALTER TABLE interval_contacts ADD COLUMN gap_ms INTEGER;
ALTER TABLE interval_contacts ADD COLUMN gap5_ms INTEGER;

WITH iv AS (
	SELECT id, ts_start, ts_end, sum(starts) OVER (ORDER BY id) AS stretch
	FROM (SELECT id, ts_start, ts_end,
		     coalesce(lag(ts_end) OVER (ORDER BY id) > ts_start, 1) AS starts
	      FROM intervals)
),
placed AS (
	SELECT c.interval_id, c.src_id, c.dst_id, c.protocol, c.dst_port, c.src_port,
	       i.stretch, i.ts_start * 1000 + c.first_ms AS t
	FROM iv i
	CROSS JOIN interval_contacts c ON c.interval_id = i.id
	WHERE c.first_ms >= 0 AND c.first_ms < (i.ts_end - i.ts_start) * 1000
),
gap AS (
	SELECT interval_id, src_id, dst_id, protocol, dst_port, src_port,
	       t - lag(t) OVER w AS gap, t - lag(t, 5) OVER w AS gap5
	FROM placed
	WINDOW w AS (PARTITION BY stretch, protocol, src_id, dst_id, dst_port
		     ORDER BY interval_id, t, src_port)
)
UPDATE interval_contacts AS c
SET gap_ms = iif(g.gap <= 3600000, g.gap, NULL),
    gap5_ms = iif(g.gap5 <= 3600000, g.gap5, NULL)
FROM gap g
WHERE g.gap <= 3600000 AND c.interval_id = g.interval_id AND c.src_id = g.src_id
  AND c.dst_id = g.dst_id AND c.protocol = g.protocol AND c.dst_port = g.dst_port
  AND c.src_port = g.src_port;
