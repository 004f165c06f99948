-- retention_intervals.sql: delete the oldest intervals that start before
-- :cutoff, with their per-interval totals (traffic) and collector health,
-- :batch at a time, once no flow or process row refers to them.
CREATE TEMP TABLE IF NOT EXISTS retention_done (id INTEGER PRIMARY KEY);
DELETE FROM temp.retention_done;
INSERT INTO temp.retention_done
SELECT i.id FROM intervals i
WHERE i.ts_start < :cutoff AND i.last_flow_id < i.first_flow_id
  AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.interval_id = i.id)
ORDER BY i.ts_start LIMIT :batch;
DELETE FROM traffic WHERE interval_id IN (SELECT id FROM temp.retention_done);
DELETE FROM intervals WHERE id IN (SELECT id FROM temp.retention_done);
