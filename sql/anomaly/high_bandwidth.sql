-- high_bandwidth.sql: flows that moved more than :high_bandwidth_rate bytes
-- per second, one hit per flow per interval.
--
-- A flow is one direction of a connection (flow_log). Its rate is its bytes
-- over the time it was active in the interval (first to last packet), at
-- least one second, so a 50 MB transfer that took 2 s of a 60 s interval
-- reads 25 MB/s, not 0.8 MB/s, and a burst shorter than a second is judged
-- over a whole second. A flow seen on two interfaces (a gateway) is one hit,
-- at its higher rate.
--
-- Parameters: :since, :until (unix seconds; intervals that start in
-- [:since, :until)); :high_bandwidth_rate (bytes per second, default
-- 10000000: the "10 MB/s per connection" of the seed analyzer). Unset, they
-- mean all of history and the default (docs/queries.md, docs/anomalies.md).
WITH p AS (
	SELECT coalesce(:since, -9223372036854775808) AS since,
	       coalesce(:until, 9223372036854775807) AS until,
	       coalesce(:high_bandwidth_rate, 10000000) AS rate
),
-- The flows over the rate, from the flows led by the window's intervals
-- (intervals_by_start): the rate is judged on the bare rows first, so only
-- the few hits are joined to their names and addresses.
fast AS (
	SELECT i.ts_start, c.iface_id, c.direction, c.protocol, c.src_id, f.src_port, c.dst_id,
	       f.dst_port, f.bytes, max(((f.first_ms + f.span_ms) - f.first_ms) / 1000.0, 1.0) AS active_s
	FROM p
	CROSS JOIN intervals i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	JOIN conversations c ON c.id = f.conversation_id
	WHERE i.ts_start >= p.since AND i.ts_start < p.until
	  AND f.bytes > p.rate
	  AND f.bytes / max(((f.first_ms + f.span_ms) - f.first_ms) / 1000.0, 1.0) > p.rate
),
f AS (
	SELECT f.ts_start, n.name AS interface, iif(f.direction = 0, 'in', 'out') AS direction,
	       s.family, f.protocol, s.text AS src, f.src_port, d.text AS dst, f.dst_port, f.bytes,
	       f.active_s
	FROM fast f
	JOIN interfaces n ON n.id = f.iface_id
	JOIN addresses s ON s.id = f.src_id
	JOIN addresses d ON d.id = f.dst_id
	WHERE NOT (s.bin IN (zeroblob(4), zeroblob(16)) AND d.bin IN (zeroblob(4), zeroblob(16)))
)
SELECT ts_start AS ts,
       'high_bandwidth' AS kind,
       CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp'
                     WHEN 58 THEN 'ipv6-icmp' ELSE 'ip proto ' || protocol END || ' ' ||
       iif(family = 6, '[' || src || ']', src) || ':' || src_port || ' > ' ||
       iif(family = 6, '[' || dst || ']', dst) || ':' || dst_port AS subject,
       max(CAST(bytes / active_s AS INTEGER)) AS value,
       p.rate AS threshold,
       printf('%d bytes in %.1f s on %s (%s)', bytes, active_s, interface, direction) AS detail
FROM f, p
GROUP BY ts_start, protocol, family, src, src_port, dst, dst_port
HAVING value > p.rate
ORDER BY ts, subject;
