// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_probe_seen.c - the previous occurrences of udp_scan's probes the
 * recorder keeps (recorder/store/probe_seen.c) across a burst of new hosts
 * that makes it forget its table: probe_seen_apply() on a real database of
 * the current schema, each interval's rows stored with the values it gave,
 * then compared row for row with sql/0023_probe_prev.sql's UPDATE over the
 * same rows (read from the source tree: the tests run from the repository's
 * top). A row's values are the migration's, or NULL in an interval marked
 * in probe_prev_unknown; only the intervals that cannot be known are marked:
 * - the burst's own interval is looked up before the table is forgotten;
 * - after it, keys new since are NULL, not marked; a key forgotten marks;
 * - the same after a restart (the table read back from the rows);
 * - past the forgotten keys' bound, every key not in the table marks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "db.h"
#include "log.h"
#include "store/probe_seen.h"
#include "temp_db.h"

#define PREV_MIGRATION "sql/0023_probe_prev.sql"
#define T0 1738202400 /* 2025-01-30 02:00 UTC */
#define OLD 70000     /* keys of the first minute, beside the mix */
#define BURST 70000   /* new keys of the burst: with OLD's, past the 262,144 kept */
#define HUGE 131073   /* new keys of an interval that alone is past them */

/* An interval's keys: (source, destination, port) and probe_seen's word. */
struct keys {
	uint64_t *k;
	size_t n, cap;
};

static void key_add(struct keys *ks, uint64_t src, uint64_t dst, uint64_t port)
{
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 1024;
		ks->k = realloc(ks->k, ks->cap * 4 * sizeof(*ks->k));
		assert_non_null(ks->k);
	}
	memcpy(ks->k + 4 * ks->n++, (uint64_t[]){ src, dst, port, 0 }, 4 * sizeof(*ks->k));
}

static int key_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	for (int w = 0; w < 3; w++)
		if (x[w] != y[w])
			return x[w] < y[w] ? -1 : 1;
	return 0;
}

/* Sorted and unique, as probe_seen_apply() takes them. */
static void keys_sort(struct keys *ks)
{
	size_t m = 0;

	qsort(ks->k, ks->n, 4 * sizeof(*ks->k), key_cmp);
	for (size_t i = 0; i < ks->n; i++)
		if (!m || key_cmp(ks->k + 4 * (m - 1), ks->k + 4 * i))
			memmove(ks->k + 4 * m++, ks->k + 4 * i, 4 * sizeof(*ks->k));
	ks->n = m;
}

/* Sources 2-4 to hosts 10-15 on ports 1-5, a mix that seed picks. */
static void add_mix(struct keys *ks, unsigned int seed)
{
	for (unsigned int i = 0; i < 20; i++) {
		unsigned int r = (seed * 2654435761u) ^ (i * 40503u);

		r = (r ^ r >> 13) * 0x5bd1e995u;
		r ^= r >> 15;
		key_add(ks, 2 + r % 3, 10 + (r >> 3) % 6, 1 + (r >> 6) % 5);
	}
}

/* n new sources from base, each to port of host dst. */
static void add_sources(struct keys *ks, uint64_t base, size_t n, uint64_t dst, uint64_t port)
{
	for (size_t i = 0; i < n; i++)
		key_add(ks, base + i, dst, port);
}

/*
 * Interval id [ts, ts + 60) and its keys through probe_seen_apply(); its
 * rows stored with the values it gave (only the first `stored` of the
 * sorted keys, SIZE_MAX: all). The keys emptied for the next interval.
 */
static void interval(sqlite3 *db, struct probe_seen *ps, int64_t id, int64_t ts, struct keys *ks,
		     size_t stored)
{
	sqlite3_stmt *s;
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us) "
		 "VALUES (%lld, %lld, %lld, %zu, 0, 0)",
		 (long long)id, (long long)ts, (long long)(ts + 60), ks->n);
	assert_int_equal(db_exec(db, sql), 0);
	keys_sort(ks);
	assert_int_equal(probe_seen_apply(ps, id, ks->k, 4, ks->n), 0);
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "INSERT INTO interval_udp_probes (interval_id, src_id, "
				   "dst_id, dst_port, prev_ts, host_prev_ts) VALUES (?1, ?2, "
				   "?3, ?4, ?5, ?6)",
				   -1, &s, NULL),
		SQLITE_OK);
	for (size_t i = 0; i < ks->n && i < stored; i++) {
		const uint64_t *k = ks->k + 4 * i;

		sqlite3_bind_int64(s, 1, id);
		for (int w = 0; w < 3; w++)
			sqlite3_bind_int64(s, 2 + w, (int64_t)k[w]);
		for (int c = 0; c < 2; c++) {
			int64_t v = probe_seen_value(ps, k[3], c);

			if (v == PROBE_SEEN_NONE)
				sqlite3_bind_null(s, 5 + c);
			else
				sqlite3_bind_int64(s, 5 + c, v);
		}
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	assert_int_equal(db_exec(db, "COMMIT"), 0);
	ks->n = 0;
}

/*
 * temp.ref: the stored rows with the values sql/0023_probe_prev.sql's
 * UPDATE gives them (its text from the CREATE TEMP TABLE on, over temp.ref).
 */
static void migration_values(sqlite3 *db)
{
	char *text = source_text(PREV_MIGRATION), *at = strstr(text, "CREATE TEMP TABLE probe_prev");
	sqlite3_str *sql = sqlite3_str_new(db);
	char *rewritten;

	assert_non_null(at);
	sqlite3_str_appendall(sql, "CREATE TEMP TABLE ref AS SELECT * FROM interval_udp_probes;\n"
				   "UPDATE temp.ref SET prev_ts = NULL, host_prev_ts = NULL;\n");
	for (char *next; (next = strstr(at, "interval_udp_probes"));
	     at = next + strlen("interval_udp_probes")) {
		sqlite3_str_append(sql, at, (int)(next - at));
		sqlite3_str_appendall(sql, "temp.ref");
	}
	sqlite3_str_appendall(sql, at);
	free(text);
	rewritten = sqlite3_str_finish(sql);
	assert_int_equal(db_exec(db, rewritten), 0);
	sqlite3_free(rewritten);
}

static long long q_int(sqlite3 *db, const char *sql)
{
	long long v = -1;

	assert_int_equal(temp_db_int(db, sql, &v), 0);
	return v;
}

/* The text sql's one row gives is expected. */
static void text_equal(sqlite3 *db, const char *sql, const char *expected)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	print_message("# %s\n", (const char *)sqlite3_column_text(s, 0));
	assert_string_equal((const char *)sqlite3_column_text(s, 0), expected);
	sqlite3_finalize(s);
}

/*
 * The rows compared with the migration's (migration_values()): as many, and
 * each equal, or NULL (never another value) in a marked interval; the
 * intervals marked are marked; and the rows of intervals ids differ from
 * the migration's as expected ("id:rows differing", space separated).
 */
static void check_values(sqlite3 *db, const char *marked, const char *differ)
{
	migration_values(db);
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_udp_probes"),
			 q_int(db, "SELECT count(*) FROM temp.ref"));
	assert_int_equal(
		q_int(db,
		      "SELECT count(*) FROM interval_udp_probes p JOIN temp.ref r USING "
		      "(interval_id, src_id, dst_id, dst_port) WHERE (p.prev_ts IS NOT r.prev_ts "
		      "OR p.host_prev_ts IS NOT r.host_prev_ts) AND (p.interval_id NOT IN "
		      "probe_prev_unknown OR p.prev_ts IS NOT NULL AND p.prev_ts IS NOT "
		      "r.prev_ts OR p.host_prev_ts IS NOT NULL AND p.host_prev_ts IS NOT "
		      "r.host_prev_ts)"),
		0);
	text_equal(db,
		   "SELECT coalesce(group_concat(interval_id, ' '), '') FROM (SELECT "
		   "interval_id FROM probe_prev_unknown ORDER BY interval_id)",
		   marked);
	text_equal(db,
		   "SELECT coalesce(group_concat(interval_id || ':' || n, ' '), '') FROM (SELECT "
		   "p.interval_id, count(*) AS n FROM interval_udp_probes p JOIN temp.ref r USING "
		   "(interval_id, src_id, dst_id, dst_port) WHERE p.prev_ts IS NOT r.prev_ts OR "
		   "p.host_prev_ts IS NOT r.host_prev_ts GROUP BY p.interval_id ORDER BY "
		   "p.interval_id)",
		   differ);
}

/*
 * The burst's history, a minute apart: (1) OLD sources to host 1 and a mix;
 * (2) a mix; (3) BURST new sources, a mix, and ten of OLD's again: past the
 * keys kept beside the last hour's, but not alone; (4) keys new since (to
 * host 20), (3)'s mix and some of the burst again; (5) a source of OLD's
 * that (3) did not hold (forgotten: in neither table) and (4)'s new keys
 * again; (6) (3)'s mix; (7) an hour and more after what was forgotten: a
 * source of OLD's (over the hour: NULL) and a mix. The probes' table is
 * closed and opened again before each interval in restarts (bit i: before
 * interval i + 1). The bytes held after (6) and after (7) into bytes.
 */
static void burst_history(sqlite3 *db, unsigned int restarts, size_t *bytes)
{
	static const int64_t at[] = { 0, 60, 120, 180, 240, 300, 3780 };
	struct probe_seen *ps;
	struct keys ks = { 0 };

	assert_int_equal(probe_seen_open(&ps, db), 0);
	for (int64_t i = 0; i < 7; i++) {
		if (restarts & 1u << i) {
			probe_seen_close(ps);
			assert_int_equal(probe_seen_open(&ps, db), 0);
		}
		if (i == 0)
			add_sources(&ks, 1000000, OLD, 1, 1);
		if (i == 0 || i == 1 || i == 2 || i == 6)
			add_mix(&ks, (unsigned int)i + 1);
		if (i == 2) {
			add_sources(&ks, 2000000, BURST, 1, 7);
			add_sources(&ks, 1000000, 10, 1, 1);
		}
		if (i == 3 || i == 4)
			add_sources(&ks, 3000000, 5, 20, 9);
		if (i == 3 || i == 5) {
			add_mix(&ks, 3);
			add_sources(&ks, 2000000, 3, 1, 7);
		}
		if (i == 4)
			add_sources(&ks, 1000020, 1, 1, 1);
		if (i == 6)
			add_sources(&ks, 1000030, 1, 1, 1);
		interval(db, ps, i + 1, T0 + at[i], &ks, SIZE_MAX);
		if (i >= 5)
			bytes[i - 5] = probe_seen_bytes(ps);
	}
	probe_seen_close(ps);
	free(ks.k);
}

/*
 * (a) The burst's interval (3): its rows' values as the migration's, not
 * marked (its mix and OLD's ten found in the table before it was
 * forgotten); (b) the minute after it (4) not marked, its new keys NULL;
 * the forgotten key's (5) marked, its one row NULL where the migration has
 * (1)'s start; (7) not marked; the forgotten keys given back by then.
 */
static void test_burst_exact_after_forgetting(void **state)
{
	struct temp_db t;
	size_t bytes[2];

	assert_int_equal(temp_db_open(&t, "netmon-test-probe-seen"), 0);
	burst_history(t.db, 0, bytes);
	check_values(t.db, "5", "5:1");
	assert_true(q_int(t.db, "SELECT count(*) FROM interval_udp_probes WHERE interval_id = 3 "
				"AND prev_ts IS NOT NULL") >= 10);
	assert_int_equal(q_int(t.db, "SELECT count(*) FROM interval_udp_probes WHERE "
				     "interval_id = 4 AND dst_id = 20 AND prev_ts IS NULL AND "
				     "host_prev_ts IS NULL"),
			 5);
	assert_true(q_int(t.db, "SELECT count(*) FROM interval_udp_probes WHERE interval_id = 4 "
				"AND prev_ts IS NOT NULL") > 3);
	print_message("# bytes held an hour after the burst: %zu, then %zu\n", bytes[0], bytes[1]);
	assert_true(bytes[1] + (2u << 20) < bytes[0]);
	temp_db_remove(&t);
}

/*
 * (c) The same history with the recorder restarted before the minute after
 * the burst (the table read back from the rows, forgotten into the
 * fingerprints as the burst's write forgot it), and again before the
 * forgotten key's minute: the same values, the same one interval marked.
 */
static void test_burst_restarted(void **state)
{
	struct temp_db t;
	size_t bytes[2];

	assert_int_equal(temp_db_open(&t, "netmon-test-probe-seen"), 0);
	burst_history(t.db, 1u << 3 | 1u << 4, bytes);
	check_values(t.db, "5", "5:1");
	assert_int_equal(q_int(t.db, "SELECT count(*) FROM interval_udp_probes WHERE "
				     "interval_id = 4 AND dst_id = 20 AND prev_ts IS NULL"),
			 5);
	temp_db_remove(&t);
}

/*
 * Past the forgotten keys' bound (1,048,576): four minutes of HUGE new
 * sources each (each alone past the table: only looked up, then
 * fingerprinted), the fourth past the bound, after a mix. Each of the four
 * is judged (not marked); the minute after, with keys new since and a
 * source of the fourth minute (forgotten, and its fingerprint too), is
 * marked: its values NULL, never another (that source's would be NULL,
 * unmarked, were the fingerprints of the first three kept without the
 * fourth's). Only the first ten keys of each huge minute are stored (the
 * others are no row's previous).
 */
static void test_forgotten_past_bound(void **state)
{
	struct probe_seen *ps;
	struct keys ks = { 0 };
	struct temp_db t;

	assert_int_equal(temp_db_open(&t, "netmon-test-probe-seen"), 0);
	assert_int_equal(probe_seen_open(&ps, t.db), 0);
	add_mix(&ks, 1);
	interval(t.db, ps, 1, T0, &ks, SIZE_MAX);
	for (int64_t i = 0; i < 4; i++) {
		add_sources(&ks, 10000000 * (uint64_t)(i + 1), HUGE, 1, 7);
		interval(t.db, ps, i + 2, T0 + 60 * (i + 1), &ks, 10);
	}
	add_sources(&ks, 90000000, 5, 20, 9);
	add_sources(&ks, 40000000, 1, 1, 7);
	interval(t.db, ps, 6, T0 + 300, &ks, SIZE_MAX);
	probe_seen_close(ps);
	check_values(t.db, "6", "6:1");
	temp_db_remove(&t);
}

static int setup(void **state)
{
	log_init("test_probe_seen", LOGLVL_ERR);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_exact_after_forgetting),
		cmocka_unit_test(test_burst_restarted),
		cmocka_unit_test(test_forgotten_past_bound),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
