-- 0010_ipfix_export.sql: what the IPFIX export did with each interval, in the
-- collector's health.
--
-- After an interval's commit, netmon-record --ipfix reads its flow rows back
-- and sends each as one data record (docs/ipfix.md); then it stores, in its
-- own statement, how many records the interval's messages carried and how
-- many of those messages a collector's socket did not take (summed over the
-- collectors; such a message is dropped, never retried). 0 and 0 when the
-- export was off, or when the interval was in the database before the
-- export started. Documented in docs/schema.md (collector_log).

ALTER TABLE intervals ADD COLUMN ipfix_records INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intervals ADD COLUMN ipfix_send_errors INTEGER NOT NULL DEFAULT 0;

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
       i.ipfix_send_errors
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
