-- 0018_anomaly_aggregates.sql: per-interval aggregates the anomaly rules
-- read instead of grouping every raw flow row of their window again.
--
-- interval_dst: per interval and destination address, the distinct source
-- addresses of its flows (any protocol, the unspecified addresses 0.0.0.0
-- and :: left out as sources) and their packets and bytes; what
-- sql/anomaly/fan_in.sql judges. interval_out: per interval and source
-- address, the bytes of its outbound flows (direction 1, unspecified source
-- left out) and their distinct destination addresses; what
-- sql/anomaly/exfiltration.sql judges. The recorder writes both in the
-- transaction that writes the interval's flows (recorder/store/anomaly_agg.c,
-- the same groupings as below over the interval's flow range), retention
-- deletes them with the interval's flow rows (sql/maintain/retention_flows.sql).
-- Intervals stored before this migration get theirs here, from their flows.
-- Documented in docs/schema.md.

CREATE TABLE interval_dst (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	sources INTEGER NOT NULL,
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	PRIMARY KEY (interval_id, dst_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE interval_out (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	src_id INTEGER NOT NULL REFERENCES addresses (id),
	bytes INTEGER NOT NULL,
	peers INTEGER NOT NULL,
	PRIMARY KEY (interval_id, src_id)
) STRICT, WITHOUT ROWID;

INSERT INTO interval_dst (interval_id, dst_id, sources, packets, bytes)
SELECT i.id, c.dst_id, count(DISTINCT c.src_id), sum(f.packets), sum(f.bytes)
FROM intervals i
CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
JOIN conversations c ON c.id = f.conversation_id
WHERE c.src_id NOT IN (SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16)))
GROUP BY i.id, c.dst_id;

INSERT INTO interval_out (interval_id, src_id, bytes, peers)
SELECT i.id, c.src_id, sum(f.bytes), count(DISTINCT c.dst_id)
FROM intervals i
CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
JOIN conversations c ON c.id = f.conversation_id
WHERE c.direction = 1
  AND c.src_id NOT IN (SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16)))
GROUP BY i.id, c.src_id;
