-- 0005_anomalies.sql: what the anomaly rules (sql/anomaly/*.sql) found.
--
-- The recorder evaluates every rule after each interval it writes and keeps
-- the hits here; netmon-report anomalies shows them together with the rules
-- evaluated over its window. Documented in docs/schema.md (anomaly_log) and
-- docs/anomalies.md.
--
-- A hit names the interval by its start time, not its row id, so it outlives
-- the raw rows when retention removes them. One hit per interval, kind and
-- subject: evaluating an interval twice stores nothing twice.

-- Flow rows with their interval id and their conversation's columns, the
-- shape the rules join on (0003 stores them compactly).
CREATE VIEW flow_rows AS
SELECT i.id AS interval_id, c.iface_id, c.direction, c.protocol, c.src_id, f.src_port,
       c.dst_id, f.dst_port, f.packets, f.bytes, f.tcp_flags, f.syn, f.fin, f.rst,
       f.first_ms, f.first_ms + f.span_ms AS last_ms
FROM intervals i
JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
JOIN conversations c ON c.id = f.conversation_id;

-- Rule kinds ('port_scan', ...) and subjects (an address, a flow, an
-- interface) by name, so a hit is three small integers and its numbers.
CREATE TABLE anomaly_kinds (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE anomaly_subjects (
	id INTEGER PRIMARY KEY,
	text TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE anomalies (
	ts INTEGER NOT NULL,            -- start of the interval the hit is for, unix seconds
	kind_id INTEGER NOT NULL REFERENCES anomaly_kinds (id),
	subject_id INTEGER NOT NULL REFERENCES anomaly_subjects (id),
	value ANY NOT NULL,             -- what the rule measured (integer or real, as it said)
	threshold ANY NOT NULL,         -- what it was compared with
	detail TEXT,                    -- the rule's explanation
	PRIMARY KEY (ts, kind_id, subject_id)
) STRICT, WITHOUT ROWID;

CREATE VIEW anomaly_log AS
SELECT a.ts, k.name AS kind, s.text AS subject, a.value, a.threshold, a.detail
FROM anomalies a
JOIN anomaly_kinds k ON k.id = a.kind_id
JOIN anomaly_subjects s ON s.id = a.subject_id;
