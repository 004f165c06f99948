-- rollup_up.sql: fold complete buckets of one level into the next coarser one.
--
-- Parameters:
--   :level   the level to fill: 2 daily (from hourly), 3 monthly (from daily;
--            interface totals only)
--   :since, :until  the source buckets that start in [:since, :until)
-- The recorder runs it once per complete UTC day (level 2) and month
-- (level 3), after every hour of it is in the hourly level.

INSERT INTO rollup_traffic (level, bucket, iface_id, direction, kind, family, protocol,
			    packets, bytes)
SELECT :level,
       CASE :level WHEN 2 THEN bucket / 86400 * 86400
		   ELSE unixepoch(bucket, 'unixepoch', 'start of month') END,
       iface_id, direction, kind, family, protocol, sum(packets), sum(bytes)
FROM rollup_traffic
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until
GROUP BY 2, 3, 4, 5, 6, 7
ON CONFLICT DO UPDATE SET packets = packets + excluded.packets, bytes = bytes + excluded.bytes;

INSERT INTO rollup_hosts (level, bucket, address_id, direction, sent_packets, sent_bytes,
			  received_packets, received_bytes)
SELECT :level, bucket / 86400 * 86400, address_id, direction, sum(sent_packets),
       sum(sent_bytes), sum(received_packets), sum(received_bytes)
FROM rollup_hosts
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until AND :level = 2
GROUP BY 2, 3, 4
ON CONFLICT DO UPDATE SET sent_packets = sent_packets + excluded.sent_packets,
	sent_bytes = sent_bytes + excluded.sent_bytes,
	received_packets = received_packets + excluded.received_packets,
	received_bytes = received_bytes + excluded.received_bytes;

INSERT INTO rollup_ports (level, bucket, protocol, port, direction, packets, bytes, flows)
SELECT :level, bucket / 86400 * 86400, protocol, port, direction, sum(packets), sum(bytes),
       sum(flows)
FROM rollup_ports
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until AND :level = 2
GROUP BY 2, 3, 4, 5
ON CONFLICT DO UPDATE SET packets = packets + excluded.packets,
	bytes = bytes + excluded.bytes, flows = flows + excluded.flows;

INSERT OR IGNORE INTO rollup_port_peers (level, bucket, protocol, port, address_id)
SELECT DISTINCT :level, bucket / 86400 * 86400, protocol, port, address_id
FROM rollup_port_peers
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until AND :level = 2;

INSERT INTO rollup_conversations (level, bucket, conversation_id, port, packets, bytes, flows, syn)
SELECT :level, bucket / 86400 * 86400, conversation_id, port, sum(packets), sum(bytes),
       sum(flows), sum(syn)
FROM rollup_conversations
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until AND :level = 2
GROUP BY 2, 3, 4
ON CONFLICT DO UPDATE SET packets = packets + excluded.packets,
	bytes = bytes + excluded.bytes, flows = flows + excluded.flows, syn = syn + excluded.syn;

INSERT INTO rollup_processes (level, bucket, pid, comm_id, protocol, family, bytes_sent,
			      bytes_recv, sends, recvs, first_ts, last_ts)
SELECT :level, bucket / 86400 * 86400, pid, comm_id, protocol, family, sum(bytes_sent),
       sum(bytes_recv), sum(sends), sum(recvs), min(first_ts), max(last_ts)
FROM rollup_processes
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until AND :level = 2
GROUP BY 2, 3, 4, 5, 6
ON CONFLICT DO UPDATE SET bytes_sent = bytes_sent + excluded.bytes_sent,
	bytes_recv = bytes_recv + excluded.bytes_recv, sends = sends + excluded.sends,
	recvs = recvs + excluded.recvs, first_ts = min(first_ts, excluded.first_ts),
	last_ts = max(last_ts, excluded.last_ts);

INSERT INTO rollup_services (level, bucket, service_id, uid, protocol, family, bytes_sent,
			     bytes_recv, sends, recvs, first_ts, last_ts)
SELECT :level, bucket / 86400 * 86400, service_id, uid, protocol, family, sum(bytes_sent),
       sum(bytes_recv), sum(sends), sum(recvs), min(first_ts), max(last_ts)
FROM rollup_services
WHERE level = :level - 1 AND bucket >= :since AND bucket < :until AND :level = 2
GROUP BY 2, 3, 4, 5, 6
ON CONFLICT DO UPDATE SET bytes_sent = bytes_sent + excluded.bytes_sent,
	bytes_recv = bytes_recv + excluded.bytes_recv, sends = sends + excluded.sends,
	recvs = recvs + excluded.recvs, first_ts = min(first_ts, excluded.first_ts),
	last_ts = max(last_ts, excluded.last_ts);
