-- top_protocols.sql: IP protocols per address family by bytes over the
-- intervals that start in [:since, :until), both directions and all
-- interfaces, with each one's share of all the window's bytes in percent
-- (one decimal). The share is of the whole window, not of the rows shown:
-- the window function runs before LIMIT.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _traffic.sql
SELECT family, protocol,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       round(100.0 * sum(bytes) / sum(sum(bytes)) OVER (), 1) AS bytes_pct
FROM window_traffic
GROUP BY family, protocol
ORDER BY bytes DESC, packets DESC, family, protocol
LIMIT coalesce(:limit, 10);
