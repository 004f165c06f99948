-- 0015_tls_names.sql: host names from the TLS connections the host opens.
--
-- The egress program passes the first segment of each TLS ClientHello sent
-- to TCP port 443 to the recorder (bpf/tls.bpf.h), which stores its server
-- name (SNI) for the address it was sent to, as address_names rows of source
-- 2 ('sni' in host_names, migration 0011). The kernel counts the hellos it
-- passed, and those lost because the ring to the recorder was full, per
-- interval, as it counts DNS responses. Rows from before this migration: 0.
-- Documented in docs/schema.md (collector_log) and docs/design.md
-- ("Host names").

ALTER TABLE intervals ADD COLUMN tls_hellos INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intervals ADD COLUMN tls_dropped INTEGER NOT NULL DEFAULT 0;

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
       i.tls_dropped
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
