-- 0001_initial.sql: the first netmon schema.
--
-- Applied by the recorder in one transaction; the migration runner then sets
-- PRAGMA user_version = 1. Append-only once landed: later changes are new
-- files (0002_*.sql, ...). Documented in docs/schema.md.
--
-- Facts are stored compactly (integers, interned addresses and names); the
-- views at the end present them as text for people and for reports.

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value ANY
) STRICT;

-- Interfaces by name (ifindex changes across reboots, names are what people use).
CREATE TABLE interfaces (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

-- Every address seen, once: the 4- or 16-byte form and its usual text.
CREATE TABLE addresses (
	id INTEGER PRIMARY KEY,
	family INTEGER NOT NULL CHECK (family IN (4, 6)),
	bin BLOB NOT NULL UNIQUE,
	text TEXT NOT NULL
) STRICT;

-- One row per recorded interval (one map generation), with collector health.
CREATE TABLE intervals (
	id INTEGER PRIMARY KEY,
	ts_start INTEGER NOT NULL,      -- unix seconds, UTC
	ts_end INTEGER NOT NULL,        -- unix seconds, UTC (>= ts_start)
	flows INTEGER NOT NULL,         -- flow entries drained from the kernel
	snapshot_us INTEGER NOT NULL,   -- time to flip and drain the maps
	write_us INTEGER NOT NULL       -- time to insert this interval's rows (before COMMIT)
) STRICT;
CREATE INDEX intervals_by_start ON intervals (ts_start);

-- One row per unidirectional flow per interval.
CREATE TABLE flows (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	iface_id INTEGER NOT NULL REFERENCES interfaces (id),
	direction INTEGER NOT NULL,     -- 0 in (received), 1 out (sent)
	protocol INTEGER NOT NULL,      -- IP protocol number
	src_id INTEGER NOT NULL REFERENCES addresses (id),
	src_port INTEGER NOT NULL,      -- ICMP/ICMPv6: type
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_port INTEGER NOT NULL,      -- ICMP/ICMPv6: code
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,         -- L3 bytes (IPFIX octets, tshark ip.len)
	tcp_flags INTEGER NOT NULL,     -- OR of the TCP flag byte
	syn INTEGER NOT NULL,
	fin INTEGER NOT NULL,
	rst INTEGER NOT NULL,
	first_ms INTEGER NOT NULL,      -- first packet, ms after ts_start
	last_ms INTEGER NOT NULL        -- last packet, ms after ts_start
) STRICT;
CREATE INDEX flows_by_interval ON flows (interval_id);

-- Per-interval totals per interface, direction, family and protocol.
-- kind: 0 IP packets (L3 bytes), 1 malformed frames (frame bytes),
--       2 non-IP frames (frame bytes), 3 IP packets whose flow did not fit
--       the flow table (L3 bytes; already included in kind 0).
CREATE TABLE traffic (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	iface_id INTEGER NOT NULL REFERENCES interfaces (id),
	direction INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	family INTEGER NOT NULL,        -- 4, 6, or 0 for kinds 1 and 2
	protocol INTEGER NOT NULL,      -- 0 for kinds 1 and 2
	packets INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	PRIMARY KEY (interval_id, iface_id, direction, kind, family, protocol)
) STRICT, WITHOUT ROWID;

CREATE VIEW flow_log AS
SELECT i.ts_start, i.ts_end, n.name AS interface,
       CASE f.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       s.family, f.protocol, s.text AS src, f.src_port, d.text AS dst, f.dst_port,
       f.packets, f.bytes, f.tcp_flags, f.syn, f.fin, f.rst,
       (i.ts_start * 1000 + f.first_ms) / 1000.0 AS first_seen,
       (i.ts_start * 1000 + f.last_ms) / 1000.0 AS last_seen
FROM flows f
JOIN intervals i ON i.id = f.interval_id
JOIN interfaces n ON n.id = f.iface_id
JOIN addresses s ON s.id = f.src_id
JOIN addresses d ON d.id = f.dst_id;

CREATE VIEW traffic_log AS
SELECT i.ts_start, i.ts_end, n.name AS interface,
       CASE t.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       t.protocol, t.packets, t.bytes, t.family
FROM traffic t
JOIN intervals i ON i.id = t.interval_id
JOIN interfaces n ON n.id = t.iface_id
WHERE t.kind = 0;

CREATE VIEW collector_log AS
SELECT i.ts_start, i.ts_end, i.flows AS active_flows,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 3), 0) AS table_full,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 1), 0) AS malformed,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 2), 0) AS non_ip,
       i.snapshot_us / 1000.0 AS snapshot_ms,
       i.write_us / 1000.0 AS write_ms
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
