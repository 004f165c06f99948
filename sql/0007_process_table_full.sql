-- 0007_process_table_full.sql: per-process bytes that found no room, in the
-- collector's health.
--
-- When the kernel's per-process table (NETMON_MAX_PROC_KEYS keys per map
-- generation) is full, a send or receive call of a key not already in it is
-- attributed to no process. The kernel counts those calls and their bytes per
-- map generation, like the table itself, so they belong to their interval
-- exactly (docs/design.md, "Exactness"): per interval, process_log's bytes
-- plus process_table_full_bytes are every byte the tracepoints saw. 0 when
-- nothing was lost or per-process accounting was off. Documented in
-- docs/schema.md (collector_log).

ALTER TABLE intervals ADD COLUMN process_table_full_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intervals ADD COLUMN process_table_full_bytes INTEGER NOT NULL DEFAULT 0;

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
       i.process_table_full_bytes
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
