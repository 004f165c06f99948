-- retention_rollups.sql: delete the buckets of rollup :level that start
-- before :cutoff, one day of buckets per table at a time.
DELETE FROM rollup_traffic WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_traffic WHERE level = :level) + 86400);
DELETE FROM rollup_hosts WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_hosts WHERE level = :level) + 86400);
DELETE FROM rollup_ports WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_ports WHERE level = :level) + 86400);
DELETE FROM rollup_processes WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_processes WHERE level = :level) + 86400);
DELETE FROM rollup_services WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_services WHERE level = :level) + 86400);
DELETE FROM rollup_conversations WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_conversations WHERE level = :level) + 86400);
DELETE FROM rollup_port_peers WHERE level = :level AND bucket < min(:cutoff,
	(SELECT min(bucket) FROM rollup_port_peers WHERE level = :level) + 86400);
