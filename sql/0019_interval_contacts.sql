-- 0019_interval_contacts.sql: the contacts sql/anomaly/beaconing.sql judges,
-- kept per interval so that the rule reads a row per contact instead of
-- grouping every raw flow row of its window and lookback again.
--
-- interval_contacts: per interval, each connection attempt or UDP opener,
-- once per addresses and ports (a flow seen on two interfaces is one):
--   - TCP: the flows that carried a SYN, first_ms their earliest first
--     packet (ms after the interval's ts_start);
--   - UDP: the flows whose end sent first in their exchange of the interval
--     (the two ends of an exchange ordered by first packet, then source
--     address and port; a host's flows to itself are each their own
--     exchange) and whose addresses and ports sent nothing in the interval
--     just before: the interval stored before it (the greatest smaller id)
--     when that one ended at this one's ts_start. With a gap in between (the
--     recorder stopped), or no interval before, every opener is a contact.
-- The recorder writes them in the transaction that writes the interval's
-- flows (recorder/store/anomaly_agg.c, the same grouping as below; the
-- previous interval's UDP flows kept in memory from its write), retention
-- deletes them with the interval's flow rows
-- (sql/maintain/retention_flows.sql). Intervals stored before this
-- migration get theirs here, from their flows and those of the interval
-- before. Documented in docs/schema.md.

CREATE TABLE interval_contacts (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	src_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	protocol INTEGER NOT NULL,      -- 6 or 17
	dst_port INTEGER NOT NULL,
	src_port INTEGER NOT NULL,
	first_ms INTEGER NOT NULL,      -- first packet, ms after the interval's ts_start
	PRIMARY KEY (interval_id, src_id, dst_id, protocol, dst_port, src_port)
) STRICT, WITHOUT ROWID;

INSERT INTO interval_contacts (interval_id, src_id, dst_id, protocol, dst_port, src_port,
			       first_ms)
WITH iv AS (
	SELECT id, first_flow_id, last_flow_id,
	       iif(lag(ts_end) OVER w = ts_start, lag(id) OVER w, NULL) AS prev_id
	FROM intervals
	WINDOW w AS (ORDER BY id)
),
flow AS MATERIALIZED (
	SELECT i.id AS interval_id, i.prev_id, c.protocol, c.src_id, f.src_port, c.dst_id,
	       f.dst_port, min(f.first_ms) AS first_ms
	FROM iv i
	CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
	CROSS JOIN conversations c ON c.id = f.conversation_id
	WHERE (c.protocol = 6 AND f.syn > 0) OR c.protocol = 17
	GROUP BY i.id, c.protocol, c.src_id, f.src_port, c.dst_id, f.dst_port
),
udp AS (
	SELECT f.*,
	       first_value(f.src_id) OVER x = f.src_id AND
	       first_value(f.src_port) OVER x = f.src_port AS opener
	FROM flow f
	WHERE f.protocol = 17
	WINDOW x AS (PARTITION BY f.interval_id, min(f.src_id, f.dst_id), max(f.src_id, f.dst_id),
	             iif(f.src_id < f.dst_id, f.src_port, f.dst_port),
	             iif(f.src_id < f.dst_id, f.dst_port, f.src_port)
	             ORDER BY f.first_ms, f.src_id, f.src_port)
)
SELECT interval_id, src_id, dst_id, protocol, dst_port, src_port, first_ms
FROM flow WHERE protocol = 6
UNION ALL
SELECT u.interval_id, u.src_id, u.dst_id, u.protocol, u.dst_port, u.src_port, u.first_ms
FROM udp u
WHERE u.opener
  AND NOT EXISTS (SELECT 1 FROM flow b
		  WHERE b.interval_id = u.prev_id AND b.protocol = 17 AND b.src_id = u.src_id
		    AND b.src_port = u.src_port AND b.dst_id = u.dst_id
		    AND b.dst_port = u.dst_port)
ORDER BY 1, 2, 3, 4, 5, 6;
