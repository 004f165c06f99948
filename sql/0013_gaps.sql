-- 0013_gaps.sql: windows the recorder knows it could not read, and which
-- intervals were recorded live.
--
-- A start that finds the pins of another netmon BPF ABI (an upgrade whose
-- kernel/user contract changed, stopped with --keep-attached) cannot read
-- what those programs counted: it removes them, attaches its own, and stores
-- the window from the end of the last interval recorded live to its own
-- start as one row of gaps (docs/design.md, "Upgrades that change the BPF
-- ABI"). Unlike a window no recorder covered, the kernel did count there:
-- the traffic happened and is lost, and the reports say so.
--
-- intervals.live tells a recorded interval (1) from an imported one (0,
-- netmon-record --read), so that the end of the recording is not taken from
-- a capture dated later. Rows from before this migration are NULL: unknown.
-- Documented in docs/schema.md (gap_log, collector_log).

ALTER TABLE intervals ADD COLUMN live INTEGER;

CREATE TABLE gaps (
	id INTEGER PRIMARY KEY,
	ts_start INTEGER NOT NULL,       -- unix seconds: the last live interval's end
	ts_end INTEGER NOT NULL,         -- unix seconds: the recorder's start (> ts_start)
	reason INTEGER NOT NULL,         -- 1: pins of another netmon BPF ABI replaced
	old_abi INTEGER,                 -- the ABI of the pins replaced
	new_abi INTEGER,                 -- the ABI of the recorder that replaced them
	interfaces TEXT NOT NULL         -- "eth0, eth1": the interfaces of the pins
) STRICT;
CREATE INDEX gaps_by_end ON gaps (ts_end);

CREATE VIEW gap_log AS
SELECT ts_start, ts_end, ts_end - ts_start AS seconds,
       CASE reason WHEN 1 THEN 'abi upgrade' ELSE 'other' END AS reason,
       old_abi, new_abi, interfaces
FROM gaps;

DROP VIEW collector_log;
CREATE VIEW collector_log AS
SELECT i.ts_start, i.ts_end, i.flows AS active_flows,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 3), 0) AS table_full,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 1), 0) AS malformed,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 2), 0) AS non_ip,
       i.snapshot_us / 1000.0 AS snapshot_ms,
       i.write_us / 1000.0 AS write_ms,
       i.sample_rate,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 4), 0) AS samples,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 5), 0) AS sample_drops,
       i.process_table_full_calls,
       i.process_table_full_bytes,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 6), 0) AS not_counted,
       coalesce(sum(t.bytes) FILTER (WHERE t.kind = 6), 0) AS not_counted_bytes,
       i.ipfix_records,
       i.ipfix_send_errors,
       i.dns_messages,
       i.dns_dropped,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 7), 0) AS excluded,
       coalesce(sum(t.bytes) FILTER (WHERE t.kind = 7), 0) AS excluded_bytes,
       coalesce((SELECT max(g.ts_end - g.ts_start) FROM gaps g WHERE g.ts_end = i.ts_start),
                0) AS gap_before
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
