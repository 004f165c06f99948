-- _names.sql: host_name, the rows of want with the name each address had
-- at the time of its traffic (column `name`), for the queries that show
-- names (top_hosts.sql, top_flows.sql). Needs a CTE before it, want: the
-- rows shown, after their LIMIT (a name is looked up for those only), with
-- address_id and t, the end of the last interval or rollup bucket of the
-- window that holds the address's traffic. The last CTE of the queries that
-- include it; a query reads want once, through host_name, so that SQLite
-- keeps the ranking a co-routine rather than a table it writes.
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
	SELECT w.*, (
		SELECT n.name
		FROM address_names an JOIN dns_names n ON n.id = an.name_id
		WHERE an.address_id = w.address_id AND an.first_seen <= w.t
		ORDER BY an.last_seen DESC, n.name
		LIMIT 1) AS name
	FROM want w
)
