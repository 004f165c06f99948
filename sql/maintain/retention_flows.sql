-- retention_flows.sql: delete the flow rows of the oldest intervals that
-- start before :cutoff, :batch intervals at a time. The intervals stay (their
-- totals and health may be kept longer) with an empty flow range, and
-- without the anomaly rules' aggregates of those flows (0018_*.sql,
-- 0019_*.sql, 0020_*.sql, 0022_*.sql, 0023_*.sql).
CREATE TEMP TABLE IF NOT EXISTS retention_batch (
	id INTEGER PRIMARY KEY,
	first_flow_id INTEGER NOT NULL,
	last_flow_id INTEGER NOT NULL
);
DELETE FROM temp.retention_batch;
INSERT INTO temp.retention_batch
SELECT id, first_flow_id, last_flow_id FROM intervals
WHERE ts_start < :cutoff AND last_flow_id >= first_flow_id
ORDER BY ts_start LIMIT :batch;
DELETE FROM flows WHERE id IN (
	SELECT f.id FROM temp.retention_batch b
	JOIN flows f ON f.id BETWEEN b.first_flow_id AND b.last_flow_id);
DELETE FROM interval_dst WHERE interval_id IN (SELECT id FROM temp.retention_batch);
DELETE FROM interval_out WHERE interval_id IN (SELECT id FROM temp.retention_batch);
DELETE FROM interval_udp_probes WHERE interval_id IN (SELECT id FROM temp.retention_batch);
DELETE FROM probe_prev_unknown WHERE interval_id IN (SELECT id FROM temp.retention_batch);
DELETE FROM interval_contacts WHERE interval_id IN (SELECT id FROM temp.retention_batch);
DELETE FROM interval_syn WHERE interval_id IN (SELECT id FROM temp.retention_batch);
DELETE FROM contact_runs WHERE interval_id IN (SELECT id FROM temp.retention_batch);
UPDATE intervals SET last_flow_id = first_flow_id - 1
WHERE id IN (SELECT id FROM temp.retention_batch);
