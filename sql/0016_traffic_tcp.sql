-- 0016_traffic_tcp.sql: the TCP flags of the per-interval totals.
--
-- A spoofed-source SYN flood fills the kernel's flow table, and the SYNs
-- that do not fit are counted in the traffic row of kind 3 (table full) and
-- in the overflow row of flow_log. Those counts now carry what a flow row
-- does: SYN, FIN and RST packets and the OR of the TCP flag byte, so that
-- no SYN the kernel saw is missing from the history (docs/design.md, "Flow
-- tables"). Kinds 3 and 7 (excluded by a capture filter) are the kernel's
-- counts of packets in no flow; kind 0, the interface totals, is those plus
-- the interval's flows of the same interface, direction, family and
-- protocol, as the recorder sums them: every TCP packet of the row. Other
-- kinds count no flags: NULL, as is every row written before this
-- migration (unknown, not zero). The rollups keep packets and bytes only.
-- Documented in docs/schema.md (traffic_log).

ALTER TABLE traffic ADD COLUMN syn INTEGER;
ALTER TABLE traffic ADD COLUMN fin INTEGER;
ALTER TABLE traffic ADD COLUMN rst INTEGER;
ALTER TABLE traffic ADD COLUMN tcp_flags INTEGER;

DROP VIEW traffic_log;
CREATE VIEW traffic_log AS
SELECT i.ts_start, i.ts_end, n.name AS interface,
       CASE t.direction WHEN 0 THEN 'in' ELSE 'out' END AS direction,
       t.protocol, t.packets, t.bytes, t.family, t.syn, t.fin, t.rst, t.tcp_flags
FROM traffic t
JOIN intervals i ON i.id = t.interval_id
JOIN interfaces n ON n.id = t.iface_id
WHERE t.kind = 0;
