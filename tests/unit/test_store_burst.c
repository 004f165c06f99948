// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_store_burst.c - a burst of new hosts written by the store (store.c:
 * its addresses and conversations looked up in batches, sorted, given ids in
 * their index's order): every flow reads back with its own addresses,
 * ports and counts; each address and conversation is one row; a burst's
 * new rows have ids in their index's order, a few new rows ids in the
 * flows' order; rows the cache forgot are found again, not duplicated.
 * And store_sort_rows() against qsort().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "db.h"
#include "store/store.h"
#include "store/store_sort.h"
#include "temp_db.h"

static char dir[] = "/tmp/netmon-test-burst-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

/*
 * Flow i of a burst: from a new source (IPv4 10.x.y.z, or IPv6
 * 2001:db8::x:y for every third), to one of two servers per family; every
 * fifth flow a second port of the conversation before it (same addresses).
 */
static void burst_flow(struct flow_record *r, uint32_t i, uint32_t base)
{
	uint32_t host = base + (i % 5 == 4 ? i - 1 : i);
	int v6 = host % 3 == 0;

	memset(r, 0, sizeof(*r));
	r->key.ifindex = 1;
	r->key.family = v6 ? NETMON_FAMILY_V6 : NETMON_FAMILY_V4;
	r->key.protocol = i % 2 ? 17 : 6;
	if (i % 5 == 4) /* the same conversation as flow i - 1 */
		r->key.protocol = (i - 1) % 2 ? 17 : 6;
	r->key.direction = (uint8_t)(host % 2);
	r->key.src_port = (uint16_t)(1024 + i % 60000);
	r->key.dst_port = (uint16_t)(i % 5 == 4 ? 8443 : 443);
	if (v6) {
		r->key.src[0] = 0x20, r->key.src[1] = 0x01, r->key.src[2] = 0x0d;
		r->key.src[3] = 0xb8;
		r->key.src[12] = (uint8_t)(host >> 24), r->key.src[13] = (uint8_t)(host >> 16);
		r->key.src[14] = (uint8_t)(host >> 8), r->key.src[15] = (uint8_t)host;
		memcpy(r->key.dst, r->key.src, 4);
		r->key.dst[15] = (uint8_t)(1 + host % 2);
	} else {
		r->key.src[0] = 10, r->key.src[1] = (uint8_t)(host >> 16);
		r->key.src[2] = (uint8_t)(host >> 8), r->key.src[3] = (uint8_t)host;
		r->key.dst[0] = 192, r->key.dst[1] = 0, r->key.dst[2] = 2;
		r->key.dst[3] = (uint8_t)(1 + host % 2);
	}
	r->c.packets = 1 + i % 7;
	r->c.bytes = 60 + i;
}

/* One integer from a query, asserting it returns a row. */
static long long q_int(sqlite3 *db, const char *sql)
{
	long long v = 0;

	assert_int_equal(temp_db_int(db, sql, &v), 0);
	return v;
}

/* Every flow of r[0..n) is one row of flow_log in interval ts_start, as it was. */
static void assert_flows(sqlite3 *db, const struct flow_record *r, size_t n, int64_t ts_start)
{
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(
				 db,
				 "SELECT count(*) FROM flow_log WHERE ts_start = ?1 AND src = ?2 "
				 "AND dst = ?3 AND src_port = ?4 AND dst_port = ?5 AND "
				 "protocol = ?6 AND packets = ?7 AND bytes = ?8 AND direction = ?9",
				 -1, &q, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		int af = r[i].key.family == NETMON_FAMILY_V4 ? AF_INET : AF_INET6;
		char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

		inet_ntop(af, r[i].key.src, src, sizeof(src));
		inet_ntop(af, r[i].key.dst, dst, sizeof(dst));
		sqlite3_bind_int64(q, 1, ts_start);
		sqlite3_bind_text(q, 2, src, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, dst, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, r[i].key.src_port);
		sqlite3_bind_int(q, 5, r[i].key.dst_port);
		sqlite3_bind_int(q, 6, r[i].key.protocol);
		sqlite3_bind_int64(q, 7, (int64_t)r[i].c.packets);
		sqlite3_bind_int64(q, 8, (int64_t)r[i].c.bytes);
		sqlite3_bind_text(q, 9, r[i].key.direction ? "out" : "in", -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		if (sqlite3_column_int64(q, 0) != 1)
			fail_msg("flow %zu (%s -> %s) stored %lld times", i, src, dst,
				 sqlite3_column_int64(q, 0));
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
}

/* Pairs of rows whose ids and keys are in opposite orders (0: ids in key order). */
#define ADDRESS_ID_INVERSIONS                                                                      \
	"SELECT count(*) FROM addresses a JOIN addresses b ON a.id < b.id AND a.bin > b.bin "      \
	"WHERE a.id > %lld AND b.id > %lld"
#define CONVERSATION_ID_INVERSIONS                                                                 \
	"SELECT count(*) FROM conversations a JOIN conversations b ON a.id < b.id AND "            \
	"(a.src_id, a.dst_id, a.protocol, a.direction) > (b.src_id, b.dst_id, b.protocol, "        \
	"b.direction) WHERE a.id > %lld AND b.id > %lld"

static long long inversions(sqlite3 *db, int conversations, long long above)
{
	char sql[512];

	if (conversations)
		snprintf(sql, sizeof(sql), CONVERSATION_ID_INVERSIONS, above, above);
	else
		snprintf(sql, sizeof(sql), ADDRESS_ID_INVERSIONS, above, above);
	return q_int(db, sql);
}

static void write_burst(struct store *st, struct flow_record *r, size_t n, int64_t ts)
{
	struct snapshot snap = { .flows = r, .n_flows = n };

	clock_gettime(CLOCK_REALTIME, &snap.wall);
	assert_int_equal(store_write_interval(st, &snap, ts, ts + 60), 0);
}

/*
 * A burst of 6,000 flows (4,800 conversations, IPv4 and IPv6, 4,804 new
 * addresses): stored exactly, a row per address and conversation, ids in
 * their indexes' order. Then 500 new hosts (fewer than the store sorts):
 * ids in the flows' order. Then the first burst again after the store
 * forgot its ids: no new row, every flow on its old conversation.
 */
static void test_burst_exact(void **state)
{
	const size_t n = 6000, few = 500;
	struct flow_record *r = calloc(n, sizeof(*r));
	struct store *st;
	sqlite3 *db;
	char path[256];
	long long addrs, convs;

	assert_non_null(r);
	snprintf(path, sizeof(path), "%s/burst.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	for (uint32_t i = 0; i < n; i++)
		burst_flow(&r[i], i, 0);
	for (size_t i = n - 1; i > 0; i--) { /* in a hash's order, as a snapshot's */
		size_t j = (i * 2654435761u) % (i + 1);
		struct flow_record t = r[i];

		r[i] = r[j];
		r[j] = t;
	}
	write_burst(st, r, n, 6000);
	db = store_db(st);
	assert_flows(db, r, n, 6000);
	addrs = q_int(db, "SELECT count(*) FROM addresses");
	convs = q_int(db, "SELECT count(*) FROM conversations");
	assert_int_equal(addrs, q_int(db, "SELECT count(DISTINCT bin) FROM addresses"));
	assert_int_equal(addrs, 4800 + 4);
	assert_int_equal(convs, 4800);
	assert_int_equal(inversions(db, 0, 0), 0);
	assert_int_equal(inversions(db, 1, 0), 0);
	/* the aggregates got every flow's addresses: a destination's sources */
	assert_int_equal(q_int(db, "SELECT sum(sources) FROM interval_dst"), 4800);

	/* a few new hosts: in the order of their flows */
	for (uint32_t i = 0; i < few; i++)
		burst_flow(&r[i], (uint32_t)(few - 1 - i) * 5, 2000000);
	write_burst(st, r, few, 6060);
	assert_flows(db, r, few, 6060);
	assert_true(inversions(db, 0, addrs) > 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM addresses"), addrs + few);

	/* the first burst again, its ids forgotten: found in the tables */
	for (uint32_t i = 0; i < n; i++)
		burst_flow(&r[i], i, 0);
	store_forget_ids(st);
	write_burst(st, r, n, 6120);
	assert_flows(db, r, n, 6120);
	assert_int_equal(q_int(db, "SELECT count(*) FROM addresses"), addrs + few);
	assert_int_equal(q_int(db, "SELECT count(*) FROM conversations"), convs + few);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT conversation_id) FROM flows f JOIN "
				   "intervals i ON f.id BETWEEN i.first_flow_id AND "
				   "i.last_flow_id WHERE i.ts_start = 6120"),
			 4800);
	store_close(st);
	free(r);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct store_row *x = a, *y = b;

	for (int w = 0; w < 4; w++) /* w[3]: the row's first place, for stability */
		if (x->w[w] != y->w[w])
			return x->w[w] < y->w[w] ? -1 : 1;
	return 0;
}

/* The radix sort equals qsort() on words [0, 3), stable (w[3] kept in order). */
static void test_sort_rows(void **state)
{
	const size_t n = 50000;
	struct store_row *rows = calloc(n, sizeof(*rows)), *tmp = calloc(n, sizeof(*tmp));
	struct store_row *want = calloc(n, sizeof(*want)), *got;
	uint64_t x = 88172645463325252ull;

	assert_true(rows && tmp && want);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* few values in some bytes, many in others, equal keys often */
		rows[i].w[0] = x % 97 << 40 | (x >> 20) % 3;
		rows[i].w[1] = i % 7 ? 5 : x >> 3;
		rows[i].w[2] = x >> 60;
		rows[i].w[3] = i;
	}
	memcpy(want, rows, n * sizeof(*rows));
	qsort(want, n, sizeof(*want), cmp_rows);
	got = store_sort_rows(rows, tmp, n, 0, 3);
	assert_non_null(got);
	assert_memory_equal(got, want, n * sizeof(*want));
	/* and on one word alone: back in the rows' first order */
	got = store_sort_rows(got, got == rows ? tmp : rows, n, 3, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i].w[3], i);
	free(rows);
	free(tmp);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_exact),
		cmocka_unit_test(test_sort_rows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
