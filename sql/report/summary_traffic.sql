-- summary_traffic.sql: IP packets and L3 bytes per interface, direction and
-- protocol over the intervals that start in [:since, :until). These totals
-- include the packets whose flow did not fit the flow table.
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _traffic.sql
SELECT interface, direction, protocol,
       sum(packets) AS packets,
       sum(bytes) AS bytes
FROM window_traffic
GROUP BY interface, direction, protocol
ORDER BY interface, direction, bytes DESC, protocol;
