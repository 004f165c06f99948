-- top_interfaces.sql: interfaces by IP bytes received (in) plus sent (out)
-- over the intervals that start in [:since, :until). The rows of
-- summary_interfaces.sql, ranked and cut to :limit; from traffic_log, so the
-- packets whose flow did not fit the flow table count too.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
SELECT interface,
       coalesce(sum(packets) FILTER (WHERE direction = 'in'), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'in'), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 'out'), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'out'), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes
FROM traffic_log
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
GROUP BY interface
ORDER BY total_bytes DESC, total_packets DESC, interface
LIMIT coalesce(:limit, 10);
