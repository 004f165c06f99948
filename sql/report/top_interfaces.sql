-- top_interfaces.sql: interfaces by IP bytes received (in) plus sent (out)
-- over the intervals that start in [:since, :until). The rows of
-- summary_interfaces.sql, ranked and cut to :limit; from traffic_log, so the
-- packets whose flow did not fit the flow table count too.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _traffic.sql
-- @include _interfaces.sql
ORDER BY total_bytes DESC, total_packets DESC, interface
LIMIT coalesce(:limit, 10);
