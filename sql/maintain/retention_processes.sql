-- retention_processes.sql: delete the process rows of the oldest intervals
-- that start before :cutoff and still have some, :batch intervals at a time.
DELETE FROM processes WHERE interval_id IN (
	SELECT i.id FROM intervals i
	WHERE i.ts_start < :cutoff
	  AND EXISTS (SELECT 1 FROM processes p WHERE p.interval_id = i.id)
	ORDER BY i.ts_start LIMIT :batch);
