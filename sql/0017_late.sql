-- 0017_late.sql: how late each interval's counts were taken from the kernel.
--
-- The timer ends an interval on a multiple of --interval, but the recorder
-- flips the map generations only once it is done writing the interval
-- before: when a write takes longer than an interval (a burst of new hosts),
-- the flip comes after the boundary, and the interval's counts run that far
-- past its ts_end. intervals.late_ms records it: milliseconds from ts_end to
-- the flip (0 when on time, as for every import), NULL for rows written
-- before this migration. An interval that several boundaries passed during
-- such a write ends at the last of them (ts_end - ts_start says how many
-- nominal intervals it covers); the next one is on the grid again
-- (docs/design.md, "Falling behind").
-- Documented in docs/schema.md (collector_log, intervals).

ALTER TABLE intervals ADD COLUMN late_ms INTEGER;

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
                0) AS gap_before,
       i.dns_tcp_split,
       i.tls_hellos,
       i.tls_dropped,
       i.late_ms
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
