-- top_hosts.sql: addresses by bytes sent (as source) plus received (as
-- destination) over the intervals that start in [:since, :until), each with
-- the name it had at the time of its traffic (_names.sql; NULL when the host
-- was told none). top_hosts_numeric.sql is the same without names.
--
-- Parameters: :since, :until (unix seconds), :limit (rows). Unset, they mean
-- all of history and 10 rows, so that `sqlite3 netmon.db < top_hosts.sql`
-- works as is (see docs/queries.md). A flow seen on two interfaces (a router,
-- or lo, where a packet goes out and comes back in) counts on each.
WITH
-- @include _tiers.sql
-- @include _hosts.sql
, -- the names of the ranked addresses
want (address_id, t) AS (SELECT address_id, t FROM ranked),
-- @include _names.sql
SELECT r.host, hn.name, r.sent_packets, r.sent_bytes, r.received_packets, r.received_bytes,
       r.total_packets, r.total_bytes
FROM ranked r LEFT JOIN host_name hn ON hn.address_id = r.address_id AND hn.t = r.t
ORDER BY r.total_bytes DESC, r.total_packets DESC, r.host;
