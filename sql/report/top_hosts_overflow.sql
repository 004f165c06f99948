-- top_hosts_overflow.sql: what the host rankings leave out, over the
-- intervals that start in [:since, :until): the packets and L3 bytes of the
-- flow table's overflow rows (_overflow.sql), the flows the kernel's table
-- had no room for (--max-flows, --max-flows6), whose addresses were not
-- recorded. One row, zeros when the table never filled. netmon-report says
-- it in a line under top hosts, summary's hosts and trend --by host. With
-- the hosts' sent bytes (each flow counts once as sent) it adds up to the
-- window's flows, as summary_traffic.sql totals them.
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
WITH
-- @include _tiers.sql
-- @include _overflow.sql
overflow AS (
	SELECT packets, bytes FROM overflow_raw
	UNION ALL
	SELECT packets, bytes FROM overflow_rollup
)
SELECT coalesce(sum(packets), 0) AS packets, coalesce(sum(bytes), 0) AS bytes
FROM overflow;
