-- top_services.sql: services by the bytes their processes passed through
-- their sockets (as top_processes.sql counts them), over the intervals that
-- start in [:since, :until). A service is what process_log's `service`
-- says: the systemd unit, the container (docker:ID, podman:ID, ...), the
-- login session's user (user:NAME) or else the cgroup path
-- (docs/schema.md). service NULL: processes whose cgroup was not recorded
-- (rows written before migration 0011, or without the socket programs'
-- cgroup id). sends and recvs: the socket calls that moved the bytes.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they
-- mean all of history and 10 rows (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _services.sql
SELECT s.name AS service,
       sum(w.bytes_sent) AS sent_bytes,
       sum(w.bytes_recv) AS received_bytes,
       sum(w.bytes_sent + w.bytes_recv) AS total_bytes,
       sum(w.sends) AS sends,
       sum(w.recvs) AS recvs
FROM window_services w LEFT JOIN services s ON s.id = w.service_id
GROUP BY w.service_id
ORDER BY total_bytes DESC, service IS NULL, service
LIMIT coalesce(:limit, 10);
