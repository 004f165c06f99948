-- 0014_dns_tcp_split.sql: DNS messages over TCP that the recorder could not
-- read because they were not whole in one segment, per interval.
--
-- The recorder reads a TCP segment from port 53 when it holds whole
-- messages (each behind its 2-byte length, RFC 1035 4.2.2). A message that
-- goes on in a later segment (split) or never ends (the connection closed
-- first: truncated) is not read: its names are missing from host_names,
-- and the segments that carry its rest are skipped, never read as the
-- start of a message. Until now such messages were only counted in the
-- recorder's exit log line; they are counted here in the interval in which
-- the recorder read the segment that starts them (docs/design.md, "Host
-- names"). Rows from before this migration: 0. Nothing else changes: the
-- view below is 0013's collector_log with one column more.
-- Documented in docs/schema.md (collector_log, intervals).

ALTER TABLE intervals ADD COLUMN dns_tcp_split INTEGER NOT NULL DEFAULT 0;

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
       i.dns_tcp_split
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
