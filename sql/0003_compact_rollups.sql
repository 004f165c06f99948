-- 0003_compact_rollups.sql: compact flow rows, and the rollup levels.
--
-- Flow rows shrink from ~58 to ~36 bytes on disk (docs/schema.md, "Disk"):
--   * what stays the same for a conversation (interface, direction, protocol,
--     source and destination address) is interned once in `conversations`;
--   * a flow row no longer names its interval: the store gives the rows of
--     one interval consecutive ids and the interval records the range
--     (first_flow_id, last_flow_id), so no per-row interval column and no
--     index on it are needed;
--   * the last packet's time is kept as a span after the first.
-- flow_log shows exactly the columns it showed before.
--
-- Rollups: hourly (level 1), daily (level 2) and monthly (level 3, interface
-- totals only) buckets, in UTC, filled by the recorder once a bucket is
-- complete (sql/maintain/rollup_*.sql; why not in the interval's own
-- transaction: docs/design.md, "Rollups"). meta 'rolled_until_<level>' is
-- the watermark: buckets starting before it are in the level, complete.

CREATE TABLE conversations (
	id INTEGER PRIMARY KEY,
	iface_id INTEGER NOT NULL REFERENCES interfaces (id),
	direction INTEGER NOT NULL,     -- 0 in (received), 1 out (sent)
	protocol INTEGER NOT NULL,
	src_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	UNIQUE (src_id, dst_id, protocol, direction, iface_id)
) STRICT;

CREATE TABLE flows_v3 (
	id INTEGER PRIMARY KEY,         -- consecutive within an interval (intervals.first_flow_id)
	conversation_id INTEGER NOT NULL REFERENCES conversations (id),
	src_port INTEGER NOT NULL,      -- ICMP/ICMPv6: type
	dst_port INTEGER NOT NULL,      -- ICMP/ICMPv6: code
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,         -- L3 bytes (IPFIX octets, tshark ip.len)
	tcp_flags INTEGER NOT NULL,
	syn INTEGER NOT NULL,
	fin INTEGER NOT NULL,
	rst INTEGER NOT NULL,
	first_ms INTEGER NOT NULL,      -- first packet, ms after the interval's ts_start
	span_ms INTEGER NOT NULL        -- last packet, ms after the first
) STRICT;

ALTER TABLE intervals ADD COLUMN first_flow_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE intervals ADD COLUMN last_flow_id INTEGER NOT NULL DEFAULT 0; -- < first: no flows

INSERT INTO conversations (iface_id, direction, protocol, src_id, dst_id)
SELECT DISTINCT iface_id, direction, protocol, src_id, dst_id FROM flows;

INSERT INTO flows_v3 (id, conversation_id, src_port, dst_port, packets, bytes, tcp_flags,
		      syn, fin, rst, first_ms, span_ms)
SELECT row_number() OVER (ORDER BY f.interval_id, f.rowid), c.id, f.src_port, f.dst_port,
       f.packets, f.bytes, f.tcp_flags, f.syn, f.fin, f.rst, f.first_ms,
       f.last_ms - f.first_ms
FROM flows f
JOIN conversations c ON c.src_id = f.src_id AND c.dst_id = f.dst_id
	AND c.protocol = f.protocol AND c.direction = f.direction AND c.iface_id = f.iface_id;

-- Each interval's range of ids, in the order just given (empty: first > last).
WITH per_interval AS (
	SELECT i.id, count(f.interval_id) AS n
	FROM intervals i LEFT JOIN flows f ON f.interval_id = i.id
	GROUP BY i.id
), running AS (
	SELECT id, n, sum(n) OVER (ORDER BY id) AS upto FROM per_interval
)
UPDATE intervals SET first_flow_id = running.upto - running.n + 1, last_flow_id = running.upto
FROM running WHERE running.id = intervals.id;

DROP VIEW flow_log;
DROP TABLE flows;
ALTER TABLE flows_v3 RENAME TO flows;

CREATE VIEW flow_log AS
SELECT i.ts_start, i.ts_end, n.name AS interface,
       CASE c.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       s.family, c.protocol, s.text AS src, f.src_port, d.text AS dst, f.dst_port,
       f.packets, f.bytes, f.tcp_flags, f.syn, f.fin, f.rst,
       (i.ts_start * 1000 + f.first_ms) / 1000.0 AS first_seen,
       (i.ts_start * 1000 + f.first_ms + f.span_ms) / 1000.0 AS last_seen
FROM intervals i
JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
JOIN conversations c ON c.id = f.conversation_id
JOIN interfaces n ON n.id = c.iface_id
JOIN addresses s ON s.id = c.src_id
JOIN addresses d ON d.id = c.dst_id;

-- ---- rollups -----------------------------------------------------------------
-- level: 1 hourly, 2 daily, 3 monthly; bucket: its start, unix seconds UTC.

CREATE TABLE rollup_traffic (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	iface_id INTEGER NOT NULL REFERENCES interfaces (id),
	direction INTEGER NOT NULL,
	kind INTEGER NOT NULL,          -- as traffic.kind
	family INTEGER NOT NULL,
	protocol INTEGER NOT NULL,
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	PRIMARY KEY (level, bucket, iface_id, direction, kind, family, protocol)
) STRICT, WITHOUT ROWID;

-- Per address: bytes it sent (as a flow's source) and received (as its
-- destination), per direction seen on the interface.
CREATE TABLE rollup_hosts (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	address_id INTEGER NOT NULL REFERENCES addresses (id),
	direction INTEGER NOT NULL,
	sent_packets INTEGER NOT NULL,
	sent_bytes INTEGER NOT NULL,
	received_packets INTEGER NOT NULL,
	received_bytes INTEGER NOT NULL,
	PRIMARY KEY (level, bucket, address_id, direction)
) STRICT, WITHOUT ROWID;

-- Per TCP/UDP server port: the lower of a flow's two ports (a client's
-- ephemeral port is the higher one, whichever way the packet goes).
CREATE TABLE rollup_ports (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	protocol INTEGER NOT NULL,
	port INTEGER NOT NULL,
	direction INTEGER NOT NULL,
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	flows INTEGER NOT NULL,         -- flow rows (one per flow per interval)
	PRIMARY KEY (level, bucket, protocol, port, direction)
) STRICT, WITHOUT ROWID;

-- The distinct remote addresses of each server port per bucket (peers are
-- not additive; a set is): the source of a received flow, the destination
-- of a sent one.
CREATE TABLE rollup_port_peers (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	protocol INTEGER NOT NULL,
	port INTEGER NOT NULL,
	address_id INTEGER NOT NULL REFERENCES addresses (id),
	PRIMARY KEY (level, bucket, protocol, port, address_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE rollup_processes (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	pid INTEGER NOT NULL,
	comm_id INTEGER NOT NULL,       -- 0: no name known
	protocol INTEGER NOT NULL,
	family INTEGER NOT NULL,
	bytes_sent INTEGER NOT NULL,
	bytes_recv INTEGER NOT NULL,
	sends INTEGER NOT NULL,
	recvs INTEGER NOT NULL,
	first_ts INTEGER NOT NULL,      -- start of the first interval it was seen in
	last_ts INTEGER NOT NULL,       -- end of the last one
	PRIMARY KEY (level, bucket, pid, comm_id, protocol, family)
) STRICT, WITHOUT ROWID;

-- The coarse flow level: a conversation and its server port.
CREATE TABLE rollup_conversations (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id),
	port INTEGER NOT NULL,          -- server port as in rollup_ports; 0 without ports
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	flows INTEGER NOT NULL,
	syn INTEGER NOT NULL,
	PRIMARY KEY (level, bucket, conversation_id, port)
) STRICT, WITHOUT ROWID;

CREATE VIEW rollup_levels (level, name, seconds) AS
VALUES (1, 'hourly', 3600), (2, 'daily', 86400), (3, 'monthly', NULL);

-- bucket end: an hour or a day later; a month: the next month's start.
CREATE VIEW traffic_rollup_log AS
SELECT r.level, r.bucket AS ts_start,
       CASE r.level WHEN 1 THEN r.bucket + 3600 WHEN 2 THEN r.bucket + 86400
            ELSE unixepoch(r.bucket, 'unixepoch', '+1 month') END AS ts_end,
       n.name AS interface, CASE r.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       r.protocol, r.packets, r.bytes, r.family
FROM rollup_traffic r JOIN interfaces n ON n.id = r.iface_id
WHERE r.kind = 0;

CREATE VIEW traffic_hourly AS
SELECT ts_start, ts_end, interface, direction, protocol, packets, bytes, family
FROM traffic_rollup_log WHERE level = 1;
CREATE VIEW traffic_daily AS
SELECT ts_start, ts_end, interface, direction, protocol, packets, bytes, family
FROM traffic_rollup_log WHERE level = 2;
CREATE VIEW traffic_monthly AS
SELECT ts_start, ts_end, interface, direction, protocol, packets, bytes, family
FROM traffic_rollup_log WHERE level = 3;

CREATE VIEW host_rollup_log AS
SELECT r.level, r.bucket AS ts_start,
       r.bucket + CASE r.level WHEN 1 THEN 3600 ELSE 86400 END AS ts_end,
       a.text AS host, a.family, CASE r.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       r.sent_packets, r.sent_bytes, r.received_packets, r.received_bytes
FROM rollup_hosts r JOIN addresses a ON a.id = r.address_id;

CREATE VIEW port_rollup_log AS
SELECT r.level, r.bucket AS ts_start,
       r.bucket + CASE r.level WHEN 1 THEN 3600 ELSE 86400 END AS ts_end,
       r.protocol, r.port, CASE r.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       r.packets, r.bytes, r.flows
FROM rollup_ports r;

CREATE VIEW process_rollup_log AS
SELECT r.level, r.bucket AS ts_start,
       r.bucket + CASE r.level WHEN 1 THEN 3600 ELSE 86400 END AS ts_end,
       r.pid, n.name AS comm, r.protocol, r.family, r.bytes_sent, r.bytes_recv,
       r.sends, r.recvs, r.first_ts AS first_seen, r.last_ts AS last_seen
FROM rollup_processes r LEFT JOIN process_names n ON n.id = r.comm_id;

CREATE VIEW conversation_rollup_log AS
SELECT r.level, r.bucket AS ts_start,
       r.bucket + CASE r.level WHEN 1 THEN 3600 ELSE 86400 END AS ts_end,
       n.name AS interface, CASE c.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       s.family, c.protocol, s.text AS src, d.text AS dst, r.port,
       r.packets, r.bytes, r.flows, r.syn
FROM rollup_conversations r
JOIN conversations c ON c.id = r.conversation_id
JOIN interfaces n ON n.id = c.iface_id
JOIN addresses s ON s.id = c.src_id
JOIN addresses d ON d.id = c.dst_id;

-- Nothing is rolled up yet: the recorder starts at the oldest interval.
INSERT INTO meta (key, value) VALUES ('rolled_until_1', 0), ('rolled_until_2', 0),
	('rolled_until_3', 0)
ON CONFLICT (key) DO NOTHING;
