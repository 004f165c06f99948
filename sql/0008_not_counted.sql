-- 0008_not_counted.sql: frames of an imported capture that could not be
-- counted, in the collector's health.
--
-- netmon-record --read replays every frame of a capture through the TC
-- program (recorder/replay.c). A frame it cannot hand to the program (one
-- shorter than its own link header, or one the kernel's BPF_PROG_TEST_RUN
-- refuses) is stored as a traffic row of kind 6 for its interval, interface
-- and direction, with the frame bytes the capture records for it (tshark's
-- frame.len), and the import exits 1. Live recording never writes kind 6.
-- Documented in docs/schema.md (collector_log).

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
       coalesce(sum(t.bytes) FILTER (WHERE t.kind = 6), 0) AS not_counted_bytes
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
