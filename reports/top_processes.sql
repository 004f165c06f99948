-- top_processes.sql: processes by the bytes they passed through their
-- sockets (process_log: payload bytes the send/recv-family calls returned),
-- over the intervals that start in [:since, :until): the seed's "Top Traffic
-- by PID". The rate is the total over the time from the first interval the
-- process was seen in to the end of its last one.
--
-- Parameters: :since, :until, :limit as in top_hosts.sql; :pid and :comm
-- keep one process id or one name (NULL, or unset by hand: all).
SELECT pid, comm,
       sum(bytes_sent) AS sent_bytes,
       sum(bytes_recv) AS received_bytes,
       sum(bytes_sent + bytes_recv) AS total_bytes,
       sum(bytes_sent + bytes_recv) / max(1, max(ts_end) - min(ts_start)) AS avg_bytes_per_s,
       min(ts_start) AS first_seen,
       max(ts_end) AS last_seen
FROM process_log
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
  AND (:pid IS NULL OR pid = :pid)
  AND (:comm IS NULL OR comm = :comm)
GROUP BY pid, comm
ORDER BY total_bytes DESC, pid
LIMIT coalesce(:limit, 10);
