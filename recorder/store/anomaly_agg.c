// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * anomaly_agg.c - the per-interval aggregates of sql/0018_anomaly_aggregates.sql,
 * grouped once from the interval's flow rows when they are written, so that
 * fan_in.sql, exfiltration.sql and udp_scan.sql read a row per address (or
 * probe) and interval instead of grouping every flow row of their window
 * and lookback again on every evaluation and report. The groupings are the
 * rules' former ones (tests/unit/anomaly_reference/) restricted to one
 * interval's flow range: the rules' results stay the same row for row
 * (tests/unit/test_anomaly_fast.c).
 */
#include <errno.h>
#include <stdlib.h>
#include "anomaly_agg.h"

enum { AG_FILL, AG_DST, AG_OUT, AG_UDP_PROBES, AG_CLEAR, AG_COUNT };

/*
 * The interval's flows [?2, ?3] with their conversations' columns, joined
 * once into a table in memory (the store's temp_store) that the three
 * groupings read: each joining every flow to its conversation again made
 * the write ~10 % slower at 200,000 flows (random lookups that miss the
 * page cache when the conversations are many; bench/RESULTS.md).
 */
static const char agg_table[] =
	"CREATE TEMP TABLE IF NOT EXISTS anomaly_agg_flows (src_id INTEGER, dst_id INTEGER, "
	"direction INTEGER, protocol INTEGER, src_port INTEGER, dst_port INTEGER, "
	"packets INTEGER, bytes INTEGER)";

/* ?1 the interval. Unspecified sources (0.0.0.0, ::: the table-full
 * overflow row) are nobody's source. */
static const char *const agg_sql[AG_COUNT] = {
	[AG_FILL] = "INSERT INTO temp.anomaly_agg_flows SELECT c.src_id, c.dst_id, c.direction, "
		    "c.protocol, f.src_port, f.dst_port, f.packets, f.bytes "
		    "FROM flows f CROSS JOIN conversations c ON c.id = f.conversation_id "
		    "WHERE f.id BETWEEN ?2 AND ?3",
	[AG_DST] = "INSERT INTO interval_dst (interval_id, dst_id, sources, packets, bytes) "
		   "SELECT ?1, f.dst_id, count(DISTINCT f.src_id), sum(f.packets), sum(f.bytes) "
		   "FROM temp.anomaly_agg_flows f WHERE f.src_id NOT IN "
		   "(SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16))) "
		   "GROUP BY f.dst_id",
	[AG_OUT] = "INSERT INTO interval_out (interval_id, src_id, bytes, peers) "
		   "SELECT ?1, f.src_id, sum(f.bytes), count(DISTINCT f.dst_id) "
		   "FROM temp.anomaly_agg_flows f WHERE f.direction = 1 AND f.src_id NOT IN "
		   "(SELECT id FROM addresses WHERE bin IN (zeroblob(4), zeroblob(16))) "
		   "GROUP BY f.src_id",
	/* Each exchange one partition (its two ends in a fixed order), one-way
	 * when only one end sent: udp_scan.sql's probes. In the key's order:
	 * rows inserted at random places of a large interval's part of the
	 * table spill the page cache into the WAL (10x the interval's write
	 * at 200,000 flows); the groupings above come out in that order. */
	[AG_UDP_PROBES] =
		"INSERT INTO interval_udp_probes (interval_id, src_id, dst_id, dst_port) "
		"SELECT DISTINCT ?1, src_id, dst_id, dst_port FROM (SELECT f.src_id, f.dst_id, "
		"f.dst_port, min(f.src_id) OVER w = max(f.src_id) OVER w AND "
		"min(f.src_port) OVER w = max(f.src_port) OVER w AS one_way "
		"FROM temp.anomaly_agg_flows f WHERE f.protocol = 17 AND f.src_id <> f.dst_id "
		"WINDOW w AS (PARTITION BY min(f.src_id, f.dst_id), max(f.src_id, f.dst_id), "
		"iif(f.src_id < f.dst_id, f.src_port, f.dst_port), "
		"iif(f.src_id < f.dst_id, f.dst_port, f.src_port))) "
		"WHERE one_way AND dst_port NOT BETWEEN 33434 AND 33534 "
		"ORDER BY src_id, dst_id, dst_port",
	[AG_CLEAR] = "DELETE FROM temp.anomaly_agg_flows",
};

struct anomaly_agg {
	sqlite3_stmt *st[AG_COUNT];
};

int anomaly_agg_open(struct anomaly_agg **out, sqlite3 *db)
{
	struct anomaly_agg *ag = calloc(1, sizeof(*ag));

	*out = NULL;
	if (!ag)
		return -ENOMEM;
	if (sqlite3_exec(db, agg_table, NULL, NULL, NULL) != SQLITE_OK) {
		free(ag);
		return -EIO;
	}
	for (int i = 0; i < AG_COUNT; i++) {
		if (sqlite3_prepare_v3(db, agg_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ag->st[i],
				       NULL) != SQLITE_OK) {
			anomaly_agg_close(ag);
			return -EIO;
		}
	}
	*out = ag;
	return 0;
}

void anomaly_agg_close(struct anomaly_agg *ag)
{
	if (!ag)
		return;
	for (int i = 0; i < AG_COUNT; i++)
		sqlite3_finalize(ag->st[i]);
	free(ag);
}

int anomaly_agg_write(struct anomaly_agg *ag, int64_t id, int64_t first, int64_t last)
{
	for (int i = 0; i < AG_COUNT; i++) {
		sqlite3_stmt *s = ag->st[i];
		int rc;

		/* each binds the parameters it has (SQLITE_RANGE for the others) */
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, first);
		sqlite3_bind_int64(s, 3, last);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return -EIO;
	}
	return 0;
}
