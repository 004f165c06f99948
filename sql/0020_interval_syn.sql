-- 0020_interval_syn.sql: the SYNs sql/anomaly/syn_flood.sql judges, kept per
-- interval so that the rule reads a row per port instead of joining every
-- raw flow row of its window to its conversation and grouping them again.
--
-- interval_syn: per interval, interface, destination address and port, the
-- TCP flows that carried a SYN (port 0 split by direction: the table-full
-- overflow row of each direction is its own group, as are port 0's flows to
-- a real address), when one of them counts as an attempt (no ACK, or port
-- 0); ports whose SYN flows all completed (ACK seen) never reach any rate
-- and have no row:
--   direction   the direction of the group's SYN flows, NULL when both;
--   syns        the SYN packets of its flows without an ACK (all of them on
--               port 0);
--   incomplete  its flows without an ACK; completed: with one;
--   sources     the distinct sources of the flows without an ACK;
--   first_ms, last_ms: the first packet and the last of the flows whose
--               SYNs count (ms after the interval's ts_start).
-- The recorder writes them in the transaction that writes the interval's
-- flows (recorder/store/anomaly_agg.c, the same grouping as below),
-- retention deletes them with the interval's flow rows
-- (sql/maintain/retention_flows.sql). Intervals stored before this
-- migration get theirs here, from their flows. Documented in docs/schema.md.

CREATE TABLE interval_syn (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	iface_id INTEGER NOT NULL REFERENCES interfaces (id),
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_port INTEGER NOT NULL,
	split INTEGER NOT NULL,         -- the direction on port 0, else -1
	direction INTEGER,              -- of the group's SYN flows, NULL when both
	syns INTEGER NOT NULL,
	incomplete INTEGER NOT NULL,
	completed INTEGER NOT NULL,
	sources INTEGER NOT NULL,
	first_ms INTEGER NOT NULL,
	last_ms INTEGER NOT NULL,
	PRIMARY KEY (interval_id, iface_id, dst_id, dst_port, split)
) STRICT, WITHOUT ROWID;

INSERT INTO interval_syn (interval_id, iface_id, dst_id, dst_port, split, direction, syns,
			  incomplete, completed, sources, first_ms, last_ms)
SELECT i.id, c.iface_id, c.dst_id, f.dst_port, iif(f.dst_port = 0, c.direction, -1),
       iif(min(c.direction) = max(c.direction), min(c.direction), NULL),
       sum(f.syn) FILTER (WHERE (f.tcp_flags & 16) = 0 OR f.dst_port = 0) AS syns,
       count(*) FILTER (WHERE (f.tcp_flags & 16) = 0),
       count(*) FILTER (WHERE (f.tcp_flags & 16) <> 0),
       count(DISTINCT c.src_id) FILTER (WHERE (f.tcp_flags & 16) = 0),
       min(f.first_ms) FILTER (WHERE (f.tcp_flags & 16) = 0 OR f.dst_port = 0),
       max(f.first_ms + f.span_ms) FILTER (WHERE (f.tcp_flags & 16) = 0 OR f.dst_port = 0)
FROM intervals i
CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
CROSS JOIN conversations c ON c.id = f.conversation_id
WHERE c.protocol = 6 AND f.syn > 0
GROUP BY i.id, c.iface_id, c.dst_id, f.dst_port, iif(f.dst_port = 0, c.direction, -1)
HAVING syns IS NOT NULL
ORDER BY 1, 2, 3, 4, 5;
