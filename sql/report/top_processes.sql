-- top_processes.sql: processes by the bytes they passed through their
-- sockets (process_log: payload bytes the send/recv-family calls returned),
-- over the intervals that start in [:since, :until): the seed's "Top Traffic
-- by PID". first_seen and last_seen are the start of the first interval and
-- the end of the last one in which the process moved bytes: the recorder
-- counts a process per interval, not when in it. There is no rate column
-- for that reason: bytes over that span made a 10 ms download look 6000
-- times slower than it was (docs/queries.md).
--
-- Parameters: :since, :until, :limit as in top_hosts.sql; :pid and :comm
-- keep one process id or one name (NULL, or unset by hand: all).
WITH
-- @include _tiers.sql
window_processes AS (
	SELECT pid, comm, bytes_sent, bytes_recv, ts_start AS first_seen, ts_end AS last_seen
	FROM process_log, tiers WHERE ts_start >= s AND ts_start < u AND NOT (ts_start >= hs AND ts_start < he)
	UNION ALL
	SELECT pid, comm, bytes_sent, bytes_recv, first_seen, last_seen
	FROM levels l CROSS JOIN process_rollup_log r
	WHERE r.level = l.level AND r.ts_start >= l.lo AND r.ts_start < l.hi
)
SELECT pid, comm,
       sum(bytes_sent) AS sent_bytes,
       sum(bytes_recv) AS received_bytes,
       sum(bytes_sent + bytes_recv) AS total_bytes,
       min(first_seen) AS first_seen,
       max(last_seen) AS last_seen
FROM window_processes
WHERE (:pid IS NULL OR pid = :pid)
  AND (:comm IS NULL OR comm = :comm)
GROUP BY pid, comm
ORDER BY total_bytes DESC, pid
LIMIT coalesce(:limit, 10);
