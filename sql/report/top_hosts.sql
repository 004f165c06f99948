-- top_hosts.sql: addresses by bytes sent (as source) plus received (as
-- destination) over the intervals that start in [:since, :until), each with
-- the name it had at the time of its traffic (_names.sql; NULL when the host
-- was told none). top_hosts_numeric.sql is the same without names.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows, so that `sqlite3 netmon.db < top_hosts.sql`
-- works as is (see docs/queries.md). A flow seen on two interfaces (a router,
-- or lo, where a packet goes out and comes back in) counts on each. The flow
-- table's overflow rows (packets whose flow did not fit, addresses unknown)
-- are no host's: left out here, top_hosts_overflow.sql sums them.
WITH
-- @include _tiers.sql
-- @include _overflow.sql
-- @include _hosts.sql
, -- the ranked addresses, to be named
want AS (SELECT * FROM ranked),
-- @include _names.sql
SELECT host, name, sent_packets, sent_bytes, received_packets, received_bytes,
       total_packets, total_bytes
FROM host_name
ORDER BY total_bytes DESC, total_packets DESC, host;
