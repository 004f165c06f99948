-- 0012_filters.sql: packets left out of the flows by the capture filters
-- (netmon-record --include / --exclude), in the collector's health.
--
-- They are traffic rows of kind 7 (L3 bytes, per interface, direction,
-- family and protocol), counted in the kernel per map generation like every
-- total, so they belong to their interval exactly. Like kind 3 (table
-- full), kind 7 packets are already in kind 0, the interface totals
-- (traffic_log): per interval, interface, direction and protocol,
--     traffic_log = flow_log + excluded,
-- to the packet and the byte, where flow_log includes its overflow rows
-- (docs/design.md, "Capture filters"). Nothing else changes: the view
-- below is 0011's collector_log with two columns more.

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
       coalesce(sum(t.bytes) FILTER (WHERE t.kind = 7), 0) AS excluded_bytes
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
