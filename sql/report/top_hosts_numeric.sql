-- top_hosts_numeric.sql: top_hosts.sql without names (netmon-report
-- --numeric): addresses by bytes sent (as source) plus received (as
-- destination) over the intervals that start in [:since, :until). No
-- name is looked up.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows, so that `sqlite3 netmon.db < top_hosts_numeric.sql`
-- works as is (see docs/queries.md). A flow seen on two interfaces (a router,
-- or lo, where a packet goes out and comes back in) counts on each. The flow
-- table's overflow rows (packets whose flow did not fit, addresses unknown)
-- are no host's: left out here, top_hosts_overflow.sql sums them.
WITH
-- @include _tiers.sql
-- @include _overflow.sql
-- @include _hosts.sql
SELECT host, sent_packets, sent_bytes, received_packets, received_bytes,
       total_packets, total_bytes
FROM ranked
ORDER BY total_bytes DESC, total_packets DESC, host;
