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
-- keep one process id or one name, :service and :user one service or user
-- as process_log names them (NULL, or unset by hand: all). rollup_processes
-- keeps no service or user, so with :service or :user the whole window is
-- read from raw process rows: as far back as --keep-processes (31 days by
-- default).
WITH
-- @include _tiers.sql
window_processes AS (
	SELECT pid, comm, bytes_sent, bytes_recv, ts_start AS first_seen, ts_end AS last_seen,
	       service, user
	FROM process_log, tiers WHERE ts_start >= s AND ts_start < u
	  AND (NOT (ts_start >= hs AND ts_start < he) OR :service IS NOT NULL OR :user IS NOT NULL)
	UNION ALL
	SELECT pid, comm, bytes_sent, bytes_recv, first_seen, last_seen, NULL, NULL
	FROM levels l CROSS JOIN process_rollup_log r
	WHERE r.level = l.level AND r.ts_start >= l.lo AND r.ts_start < l.hi
	  AND :service IS NULL AND :user IS NULL
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
  AND (:service IS NULL OR service = :service)
  AND (:user IS NULL OR user = :user)
GROUP BY pid, comm
ORDER BY total_bytes DESC, pid
LIMIT coalesce(:limit, 10);
