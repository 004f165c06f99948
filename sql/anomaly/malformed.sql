-- malformed.sql: bursts of malformed frames on an interface, one hit per
-- interface and direction per interval (subject "eth0 in").
--
-- A malformed frame has an IP ethertype but truncated or invalid headers
-- (traffic kind 1, collector_log.malformed). A healthy link carries none; a
-- single one can be a flipped bit, :malformed_packets in one interval is a
-- fault or someone crafting packets (fuzzing, evasion attempts).
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :malformed_packets (frames per interval, default 10).
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:malformed_packets, 10) AS packets
)
SELECT i.ts_start AS ts,
       'malformed' AS kind,
       n.name || iif(t.direction = 0, ' in', ' out') AS subject,
       sum(t.packets) AS value,
       p.packets AS threshold,
       printf('%d malformed frames (%d bytes) %s', sum(t.packets), sum(t.bytes),
              iif(t.direction = 0, 'received', 'sent')) AS detail
FROM traffic t
JOIN intervals i ON i.id = t.interval_id
JOIN interfaces n ON n.id = t.iface_id, p
WHERE t.kind = 1 AND i.ts_start >= p.since AND i.ts_start < p.until
GROUP BY i.id, n.name, t.direction
HAVING value >= p.packets
ORDER BY ts, subject, detail;
