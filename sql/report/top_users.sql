-- top_users.sql: users by the bytes their processes passed through their
-- sockets (as top_processes.sql counts them), over the intervals that start
-- in [:since, :until). user: the uid's name when the recorder first saw it
-- (user_names), else the uid as text; uid and user NULL for processes whose
-- uid was not recorded (rows written before migration 0011). sends and
-- recvs: the socket calls that moved the bytes.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they
-- mean all of history and 10 rows (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _services.sql
SELECT CASE WHEN w.uid >= 0 THEN coalesce(n.name, CAST(w.uid AS TEXT)) END AS user,
       CASE WHEN w.uid >= 0 THEN w.uid END AS uid,
       sum(w.bytes_sent) AS sent_bytes,
       sum(w.bytes_recv) AS received_bytes,
       sum(w.bytes_sent + w.bytes_recv) AS total_bytes,
       sum(w.sends) AS sends,
       sum(w.recvs) AS recvs
FROM window_services w LEFT JOIN user_names n ON n.uid = w.uid
GROUP BY w.uid
ORDER BY total_bytes DESC, w.uid < 0, w.uid
LIMIT coalesce(:limit, 10);
