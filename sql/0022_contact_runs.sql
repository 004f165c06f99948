-- 0022_contact_runs.sql: where beaconing's candidate contacts are, so that
-- sql/anomaly/beaconing.sql reads them through the contacts' key instead of
-- scanning every contact of its window (interval_contacts,
-- sql/0019_interval_contacts.sql; gaps from sql/0021_contact_gaps.sql).
--
-- contact_runs: per interval, each series (protocol, source, destination,
-- destination port) that has a contact in it of a run: six consecutive
-- contacts in place of the series (in the order of 0021's gaps, within a
-- stretch) less than an hour from first to last, i.e. a contact whose
-- gap5_ms is 0 to 3,599,999 and the five before it. Every window of up to
-- an hour that holds six contacts or more of a series holds only contacts
-- of such runs (its sixth contact on ends one, the five before it start
-- it), so beaconing's default of six contacts finds all it judges here.
-- unknown = 1 marks an interval that has a contact not in place (0 <=
-- first_ms < the interval's length fails: no gaps) or whose gaps the
-- recorder did not know (gap5_ms = -1): the gaps cannot tell its runs, and
-- the rule scans every contact of a window that reads such an interval. One
-- mark an interval is enough for that: on the row of the least such series
-- (by source, destination, protocol, destination port; a burst of a million
-- new hosts would write a million rows otherwise).
-- The recorder writes them in the transaction that writes the interval's
-- contacts (recorder/store/anomaly_agg.c: with each contact's gaps it keeps
-- the intervals of the last five; a run's earlier contacts add rows to
-- earlier intervals, the same definition as below), retention deletes them
-- with the interval's flow rows (sql/maintain/retention_flows.sql). The
-- stored intervals get theirs here. Documented in docs/schema.md; how the
-- rule uses them in docs/anomalies.md.

CREATE TABLE contact_runs (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	src_id INTEGER NOT NULL REFERENCES addresses (id),
	dst_id INTEGER NOT NULL REFERENCES addresses (id),
	protocol INTEGER NOT NULL,
	dst_port INTEGER NOT NULL,
	unknown INTEGER NOT NULL, -- 1: a contact not in place or of unknown gaps
	PRIMARY KEY (interval_id, src_id, dst_id, protocol, dst_port)
) STRICT, WITHOUT ROWID;

INSERT INTO contact_runs (interval_id, src_id, dst_id, protocol, dst_port, unknown)
WITH iv AS (
	SELECT id, ts_start, ts_end, sum(starts) OVER (ORDER BY id) AS stretch
	FROM (SELECT id, ts_start, ts_end,
		     coalesce(lag(ts_end) OVER (ORDER BY id) > ts_start, 1) AS starts
	      FROM intervals)
),
contact AS (
	SELECT c.interval_id, c.src_id, c.dst_id, c.protocol, c.dst_port, c.src_port, c.gap5_ms,
	       i.stretch, i.ts_start * 1000 + c.first_ms AS t,
	       c.first_ms >= 0 AND c.first_ms < (i.ts_end - i.ts_start) * 1000 AS placed
	FROM iv i
	CROSS JOIN interval_contacts c ON c.interval_id = i.id
),
-- a contact in place is in a run when it or one of the five after it ends one
run AS (
	SELECT interval_id, src_id, dst_id, protocol, dst_port
	FROM (SELECT interval_id, src_id, dst_id, protocol, dst_port,
		     gap5_ms BETWEEN 0 AND 3599999 OR
		     lead(gap5_ms, 1) OVER w BETWEEN 0 AND 3599999 OR
		     lead(gap5_ms, 2) OVER w BETWEEN 0 AND 3599999 OR
		     lead(gap5_ms, 3) OVER w BETWEEN 0 AND 3599999 OR
		     lead(gap5_ms, 4) OVER w BETWEEN 0 AND 3599999 OR
		     lead(gap5_ms, 5) OVER w BETWEEN 0 AND 3599999 AS in_run
	      FROM contact
	      WHERE placed
	      WINDOW w AS (PARTITION BY stretch, protocol, src_id, dst_id, dst_port
			   ORDER BY interval_id, t, src_port))
	WHERE in_run
)
SELECT interval_id, src_id, dst_id, protocol, dst_port, max(unknown)
FROM (SELECT interval_id, src_id, dst_id, protocol, dst_port, 0 AS unknown FROM run
      UNION ALL
      SELECT interval_id, src_id, dst_id, protocol, dst_port, 1
      FROM (SELECT interval_id, src_id, dst_id, protocol, dst_port,
		   row_number() OVER (PARTITION BY interval_id
				      ORDER BY src_id, dst_id, protocol, dst_port) AS k
	    FROM contact
	    WHERE NOT placed OR gap5_ms = -1)
      WHERE k = 1)
GROUP BY interval_id, src_id, dst_id, protocol, dst_port
ORDER BY 1, 2, 3, 4, 5;
