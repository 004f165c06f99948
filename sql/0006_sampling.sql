-- 0006_sampling.sql: packet sampling (--sample N --pcap FILE) in the
-- collector's health.
--
-- The rate is a property of the interval: 1 in sample_rate packets went to
-- the pcapng file, 0 when sampling was off. What the kernel sampled is in
-- traffic rows of two new kinds, counted per map generation like every other
-- total, so they belong to their interval exactly (docs/design.md,
-- "Exactness"): kind 4, packets put in the ring buffer for the file, and
-- kind 5, packets due for sampling that found the ring full (dropped). Bytes
-- are frame bytes for both. Documented in docs/schema.md (collector_log).

ALTER TABLE intervals ADD COLUMN sample_rate INTEGER NOT NULL DEFAULT 0;

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
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 5), 0) AS sample_drops
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
