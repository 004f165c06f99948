-- 0018_anomaly_aggregates.sql: per-interval aggregates the anomaly rules
-- read instead of grouping every raw flow row of their window again.
--
-- interval_dst: per interval and destination address, the distinct source
-- addresses of its flows (any protocol, the unspecified addresses 0.0.0.0
-- and :: left out as sources) and their packets and bytes; what
-- sql/anomaly/fan_in.sql judges. interval_out: per interval and source
-- address, the bytes of its outbound flows (direction 1, unspecified source
-- left out) and their distinct destination addresses; what
-- sql/anomaly/exfiltration.sql judges. interval_udp_probes: per interval,
-- each (source, destination, destination port) of a UDP flow that got no UDP
-- answer in the interval (no flow with the same addresses and ports
-- reversed; source and destination differ; traceroute's ports 33434-33534
-- left out), once; what sql/anomaly/udp_scan.sql counts over its window.
-- The recorder writes all three in the transaction that writes the
-- interval's flows (recorder/store/anomaly_agg.c, the same groupings as
-- below over the interval's flow range), retention deletes them with the
-- interval's flow rows (sql/maintain/retention_flows.sql).
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

CREATE TABLE interval_udp_probes (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	src_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_port INTEGER NOT NULL,
	PRIMARY KEY (interval_id, src_id, dst_id, dst_port)
) STRICT, WITHOUT ROWID;

INSERT INTO interval_dst (interval_id, dst_id, sources, packets, bytes)
SELECT i.id, c.dst_id, count(DISTINCT c.src_id), sum(f.packets), sum(f.bytes)
FROM intervals i
CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
CROSS JOIN conversations c ON c.id = f.conversation_id
WHERE c.src_id NOT IN (SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16)))
GROUP BY i.id, c.dst_id;

INSERT INTO interval_out (interval_id, src_id, bytes, peers)
SELECT i.id, c.src_id, sum(f.bytes), count(DISTINCT c.dst_id)
FROM intervals i
CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
CROSS JOIN conversations c ON c.id = f.conversation_id
WHERE c.direction = 1
  AND c.src_id NOT IN (SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16)))
GROUP BY i.id, c.src_id;

-- Each exchange of the interval is one partition (its two ends in a fixed
-- order), one-way when only one end sent.
INSERT INTO interval_udp_probes (interval_id, src_id, dst_id, dst_port)
SELECT DISTINCT interval_id, src_id, dst_id, dst_port
FROM (SELECT i.id AS interval_id, c.src_id, c.dst_id, f.dst_port,
             min(c.src_id) OVER w = max(c.src_id) OVER w AND
             min(f.src_port) OVER w = max(f.src_port) OVER w AS one_way
      FROM intervals i
      CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
      CROSS JOIN conversations c ON c.id = f.conversation_id
      WHERE c.protocol = 17 AND c.src_id <> c.dst_id
      WINDOW w AS (PARTITION BY i.id, min(c.src_id, c.dst_id), max(c.src_id, c.dst_id),
                   iif(c.src_id < c.dst_id, f.src_port, f.dst_port),
                   iif(c.src_id < c.dst_id, f.dst_port, f.src_port)))
WHERE one_way AND dst_port NOT BETWEEN 33434 AND 33534
ORDER BY interval_id, src_id, dst_id, dst_port;
