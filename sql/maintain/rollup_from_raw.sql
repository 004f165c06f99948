-- rollup_from_raw.sql: add raw interval rows to one rollup level.
--
-- Parameters:
--   :level     1 hourly, 2 daily, 3 monthly (monthly keeps interface totals only)
--   :since, :until  the intervals whose ts_start is in [:since, :until)
--   :interval  NULL, or only this interval id (one written after its bucket
--              was already rolled up: an import of an old capture)
-- The recorder runs it once per complete hour (level 1), and for a late
-- interval at every level already past it; rows are added (upserts), so a
-- bucket is the exact sum of the intervals that start in it.

CREATE TEMP TABLE IF NOT EXISTS rollup_batch (
	bucket INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	port INTEGER NOT NULL,
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	flows INTEGER NOT NULL,
	syn INTEGER NOT NULL
);
DELETE FROM temp.rollup_batch;

-- The flows of the batch, by bucket, conversation and server port (view
-- flow_server_ports, sql/0009_server_ports.sql: what the connection's flows
-- say, then names, then the lower port; 0 without TCP/UDP ports). The port
-- is decided once, here: a rolled-up bucket keeps it.
INSERT INTO temp.rollup_batch
SELECT CASE :level WHEN 1 THEN ts_start / 3600 * 3600
		   WHEN 2 THEN ts_start / 86400 * 86400
		   ELSE unixepoch(ts_start, 'unixepoch', 'start of month') END,
       conversation_id, server_port AS port,
       sum(packets), sum(bytes), count(*), sum(syn)
FROM flow_server_ports
WHERE ts_start >= :since AND ts_start < :until
  AND (:interval IS NULL OR interval_id = :interval)
  AND :level < 3
GROUP BY 1, 2, 3;

INSERT INTO rollup_conversations (level, bucket, conversation_id, port, packets, bytes, flows, syn)
SELECT :level, bucket, conversation_id, port, packets, bytes, flows, syn
FROM temp.rollup_batch WHERE true
ON CONFLICT DO UPDATE SET packets = packets + excluded.packets,
	bytes = bytes + excluded.bytes, flows = flows + excluded.flows, syn = syn + excluded.syn;

INSERT INTO rollup_hosts (level, bucket, address_id, direction, sent_packets, sent_bytes,
			  received_packets, received_bytes)
SELECT :level, bucket, address_id, direction, sum(sp), sum(sb), sum(rp), sum(rb)
FROM (
	SELECT b.bucket, c.src_id AS address_id, c.direction,
	       b.packets AS sp, b.bytes AS sb, 0 AS rp, 0 AS rb
	FROM temp.rollup_batch b JOIN conversations c ON c.id = b.conversation_id
	UNION ALL
	SELECT b.bucket, c.dst_id, c.direction, 0, 0, b.packets, b.bytes
	FROM temp.rollup_batch b JOIN conversations c ON c.id = b.conversation_id
)
WHERE true
GROUP BY bucket, address_id, direction
ON CONFLICT DO UPDATE SET sent_packets = sent_packets + excluded.sent_packets,
	sent_bytes = sent_bytes + excluded.sent_bytes,
	received_packets = received_packets + excluded.received_packets,
	received_bytes = received_bytes + excluded.received_bytes;

INSERT INTO rollup_ports (level, bucket, protocol, port, direction, packets, bytes, flows)
SELECT :level, b.bucket, c.protocol, b.port, c.direction, sum(b.packets), sum(b.bytes),
       sum(b.flows)
FROM temp.rollup_batch b JOIN conversations c ON c.id = b.conversation_id
WHERE b.port <> 0
GROUP BY b.bucket, c.protocol, b.port, c.direction
ON CONFLICT DO UPDATE SET packets = packets + excluded.packets,
	bytes = bytes + excluded.bytes, flows = flows + excluded.flows;

INSERT OR IGNORE INTO rollup_port_peers (level, bucket, protocol, port, address_id)
SELECT DISTINCT :level, b.bucket, c.protocol, b.port,
       CASE c.direction WHEN 0 THEN c.src_id ELSE c.dst_id END
FROM temp.rollup_batch b JOIN conversations c ON c.id = b.conversation_id
WHERE b.port <> 0;

INSERT INTO rollup_traffic (level, bucket, iface_id, direction, kind, family, protocol,
			    packets, bytes)
SELECT :level,
       CASE :level WHEN 1 THEN i.ts_start / 3600 * 3600
		   WHEN 2 THEN i.ts_start / 86400 * 86400
		   ELSE unixepoch(i.ts_start, 'unixepoch', 'start of month') END,
       t.iface_id, t.direction, t.kind, t.family, t.protocol, sum(t.packets), sum(t.bytes)
FROM intervals i JOIN traffic t ON t.interval_id = i.id
WHERE i.ts_start >= :since AND i.ts_start < :until
  AND (:interval IS NULL OR i.id = :interval)
GROUP BY 2, 3, 4, 5, 6, 7
ON CONFLICT DO UPDATE SET packets = packets + excluded.packets, bytes = bytes + excluded.bytes;

INSERT INTO rollup_processes (level, bucket, pid, comm_id, protocol, family, bytes_sent,
			      bytes_recv, sends, recvs, first_ts, last_ts)
SELECT :level,
       CASE :level WHEN 1 THEN i.ts_start / 3600 * 3600 ELSE i.ts_start / 86400 * 86400 END,
       p.pid, coalesce(p.comm_id, 0), p.protocol, p.family, sum(p.bytes_sent),
       sum(p.bytes_recv), sum(p.sends), sum(p.recvs), min(i.ts_start), max(i.ts_end)
FROM intervals i JOIN processes p ON p.interval_id = i.id
WHERE i.ts_start >= :since AND i.ts_start < :until
  AND (:interval IS NULL OR i.id = :interval)
  AND :level < 3
GROUP BY 2, 3, 4, 5, 6
ON CONFLICT DO UPDATE SET bytes_sent = bytes_sent + excluded.bytes_sent,
	bytes_recv = bytes_recv + excluded.bytes_recv, sends = sends + excluded.sends,
	recvs = recvs + excluded.recvs, first_ts = min(first_ts, excluded.first_ts),
	last_ts = max(last_ts, excluded.last_ts);

-- Per service and user (top services, top users): the process rows by
-- their cgroup's service (0: no cgroup known) and uid (-1: none known).
INSERT INTO rollup_services (level, bucket, service_id, uid, protocol, family, bytes_sent,
			     bytes_recv, sends, recvs, first_ts, last_ts)
SELECT :level,
       CASE :level WHEN 1 THEN i.ts_start / 3600 * 3600 ELSE i.ts_start / 86400 * 86400 END,
       coalesce(c.service_id, 0), coalesce(p.uid, -1), p.protocol, p.family,
       sum(p.bytes_sent), sum(p.bytes_recv), sum(p.sends), sum(p.recvs), min(i.ts_start),
       max(i.ts_end)
FROM intervals i JOIN processes p ON p.interval_id = i.id
LEFT JOIN cgroups c ON c.id = p.cgroup_ref
WHERE i.ts_start >= :since AND i.ts_start < :until
  AND (:interval IS NULL OR i.id = :interval)
  AND :level < 3
GROUP BY 2, 3, 4, 5, 6
ON CONFLICT DO UPDATE SET bytes_sent = bytes_sent + excluded.bytes_sent,
	bytes_recv = bytes_recv + excluded.bytes_recv, sends = sends + excluded.sends,
	recvs = recvs + excluded.recvs, first_ts = min(first_ts, excluded.first_ts),
	last_ts = max(last_ts, excluded.last_ts);
