-- summary_interfaces.sql: IP packets and L3 bytes per interface, received
-- (in), sent (out) and both, over the intervals that start in
-- [:since, :until). Busiest interface first.
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _traffic.sql
-- @include _interfaces.sql
ORDER BY total_bytes DESC, interface;
