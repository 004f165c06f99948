-- _names.sql: host_name, the name each address had at the time of its
-- traffic, for the queries that show names (top_hosts.sql, top_flows.sql).
-- Needs a CTE before it, want (address_id, t): the addresses of the rows
-- shown, after their LIMIT (a name is looked up for those only), and t, the
-- end of the last interval or rollup bucket of the window that holds the
-- address's traffic. The last CTE of the queries that include it.
--
-- The rule (docs/queries.md, "Host names"): of the names the host was told
-- for the address (address_names: DNS answers and TLS server names alike)
-- at or before t (first_seen <= t), the one told last (the greatest
-- last_seen), ties by name; NULL when it was told none by then. A name is
-- kept past its TTL (connections outlive it), so an address that changed
-- hands shows the name it had then, and one told later does not rename
-- traffic that went before it. One lookup per row shown: a seek on
-- address_names' primary key.
host_name AS (
	SELECT w.address_id, w.t, (
		SELECT n.name
		FROM address_names an JOIN dns_names n ON n.id = an.name_id
		WHERE an.address_id = w.address_id AND an.first_seen <= w.t
		ORDER BY an.last_seen DESC, n.name
		LIMIT 1) AS name
	FROM (SELECT DISTINCT address_id, t FROM want) w
)
