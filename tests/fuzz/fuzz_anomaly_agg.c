// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_anomaly_agg.c - the anomaly aggregates the recorder groups in memory
 * as it writes an interval (recorder/store/anomaly_agg.c, with agg_map.c,
 * agg_sort.c, contact_gaps.c, probe_seen.c and series_set.c) across random
 * sequences of intervals, built with AddressSanitizer and
 * UndefinedBehaviorSanitizer: an overrun of one of its arrays, a use after
 * free, undefined arithmetic or a leak (LeakSanitizer at exit) ends the run
 * with an error; a hang trips the alarm.
 *
 *   fuzz_anomaly_agg [INTERVALS [SEED]]   (default 200, seed 1: reproducible)
 *
 * Its arrays grow, swap halves in its sorts and are given back past a size
 * from one interval to the next, so what breaks them is an order of
 * interval sizes: an interval of a few flows, then one of many addresses
 * (the heap overflow of d6fd200 needed exactly that), a burst of new hosts
 * past the tables' bounds, then small ones again. Each interval here is of a
 * random size class (empty to a burst of 600,000 flows from new hosts), over
 * a random mix of few or many addresses (or a fan-in to a few destinations),
 * UDP answered or not, TCP SYNs and
 * the table-full row, in a random order; with restarts (the aggregates
 * closed and opened again, reading their state back from the database),
 * gaps, intervals that start a new stretch, and writes rolled back and done
 * again (a failed commit, as the store retries it).
 *
 * That the rows are right is test_anomaly_agg's job (row for row against
 * the migrations' SQL); this one checks that every write succeeds and that
 * nothing is touched outside what was allocated. The schema is every
 * migration in sql/, read from the source tree: run from the repository's
 * top, as tests/run-all.sh does. Prints TAP (one test).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "fuzz_rng.h"
#include "store/anomaly_agg.h"

#define MAX_FLOWS 600000
#define SCHEMA_DIR "sql"

static struct anomaly_agg_flow flows[MAX_FLOWS];

static int fail(const char *what, sqlite3 *db)
{
	printf("not ok 1 - anomaly aggregates fuzz: %s%s%s\n", what, db ? ": " : "",
	       db ? sqlite3_errmsg(db) : "");
	return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every migration of sql/, in order (0001_... 0023_...), as the recorder applies them. */
static int apply_schema(sqlite3 *db)
{
	struct dirent **e;
	int n = scandir(SCHEMA_DIR, &e, NULL, by_name), err = n <= 0;

	for (int i = 0; i < n; i++) {
		const char *name = e[i]->d_name;
		size_t len = strlen(name);
		char path[512], *sql = NULL;
		FILE *f;
		long size;

		if (!err && len > 9 && name[0] >= '0' && name[0] <= '9' &&
		    !strcmp(name + len - 4, ".sql")) {
			snprintf(path, sizeof(path), "%s/%s", SCHEMA_DIR, name);
			err = !(f = fopen(path, "r"));
			if (!err) {
				fseek(f, 0, SEEK_END);
				size = ftell(f);
				rewind(f);
				err = size < 0 || !(sql = calloc(1, (size_t)size + 1)) ||
				      fread(sql, 1, (size_t)size, f) != (size_t)size ||
				      sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
				fclose(f);
				free(sql);
			}
		}
		free(e[i]);
	}
	free(e);
	return err;
}

/* A number in [0, n). */
static uint64_t below(uint64_t n)
{
	return n ? ((uint64_t)rnd() << 32 | rnd()) % n : 0;
}

/*
 * The flows of one interval: n of them, between hosts drawn from a pool of
 * pool addresses starting at base (a burst's are all new), len_ms long. A
 * conversation's id is made from its two addresses, so that the same pair
 * is the same conversation in every interval, as in the store.
 */
static size_t make_flows(size_t n, uint64_t base, uint64_t pool, int64_t len_ms)
{
	unsigned int ports = rnd() % 3 ? 4 : 2000; /* a service's few, or a scan's many */
	/* destinations from the whole pool, or a fan-in to one, two or three */
	uint64_t dsts = rnd() % 4 ? pool : 1 + rnd() % 3;

	for (size_t i = 0; i < n; i++) {
		struct anomaly_agg_flow *f = &flows[i];
		uint64_t a = base + below(pool), b = base + below(dsts);
		unsigned int kind = rnd() % 10;
		int answer = i && kind < 3; /* the reverse of the flow before */

		if (answer) {
			*f = flows[i - 1];
			f->src_id = flows[i - 1].dst_id;
			f->dst_id = flows[i - 1].src_id;
			f->src_port = flows[i - 1].dst_port;
			f->dst_port = flows[i - 1].src_port;
			f->direction ^= 1;
			f->syn = 0;
			f->syns = 0;
		} else {
			/* drawn one statement each: the order of the calls in one
			 * initializer is not fixed, and a seed must give the same flows
			 * with any compiler and flags */
			uint16_t sport = (uint16_t)(rnd() % 4 ? 1024 + rnd() % 60000 : rnd());
			uint16_t dport = (uint16_t)(rnd() % 8 ? 1 + rnd() % ports : 33434 + rnd() % 101);
			uint8_t direction = (uint8_t)(rnd() % 2);

			*f = (struct anomaly_agg_flow){
				.src_id = (int64_t)a + 1,
				.dst_id = (int64_t)b + 1,
				.src_port = sport,
				.dst_port = dport,
				.direction = direction,
				.protocol = kind < 7 ? 17 : kind < 9 ? 6 : 1,
			};
			if (f->protocol == 6 && rnd() % 2) {
				f->syn = 1;
				f->syns = 1 + rnd() % 3;
				f->tcp_flags = 0x02 | (rnd() % 2 ? 0x10 : 0);
				f->iface_id = 1 + rnd() % 2;
			}
		}
		/* one conversation a pair, the same both ways */
		f->conversation_id = f->src_id < f->dst_id ? f->src_id << 32 | f->dst_id
							   : f->dst_id << 32 | f->src_id;
		f->packets = 1 + rnd() % 100;
		f->bytes = f->packets * (40 + rnd() % 1400);
		f->first_ms = (int64_t)below((uint64_t)len_ms);
		f->span_ms = (int64_t)below((uint64_t)(len_ms - f->first_ms));
	}
	/* the table-full row: an unspecified source */
	if (n && !(rnd() % 8)) {
		flows[n - 1].src_unspecified = 1;
		flows[n - 1].protocol = 6;
		flows[n - 1].syn = 1;
		flows[n - 1].syns = 1000;
		flows[n - 1].iface_id = 1;
	}
	return n;
}

/* How many flows: mostly few, sometimes many, now and then a burst. */
static size_t size_class(uint64_t *pool, uint64_t *base, uint64_t *next_new)
{
	size_t n;

	switch (rnd() % 16) {
	case 0:
		n = 0;
		break;
	case 1:
	case 2:
	case 3:
		n = 1 + rnd() % 3;
		break;
	case 4:
		n = 5000 + rnd() % 40000; /* many */
		break;
	case 5:
		/* a burst of new hosts; one in four past every table's bound */
		n = rnd() % 4 ? 20000 + rnd() % 40000 : MAX_FLOWS - rnd() % 1000;
		*base = *next_new;
		*pool = 2 * (uint64_t)n;
		*next_new += *pool;
		return n;
	default:
		n = 1 + rnd() % (rnd() % 2 ? 300 : 5000);
	}
	*base = 0;
	*pool = rnd() % 2 ? 8 + rnd() % 32 : 1 + 2 * n;
	return n;
}

static int insert_interval(sqlite3 *db, int64_t id, int64_t start, int64_t end)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us) "
		 "VALUES (%lld, %lld, %lld, 0, 0, 0)",
		 (long long)id, (long long)start, (long long)end);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
}

/* Interval id's flows (n) added and written in one transaction; rolled back when !commit. */
static int write_interval(sqlite3 *db, struct anomaly_agg *ag, int64_t id, int64_t start,
			  int64_t end, size_t n, int commit)
{
	int err = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
		  insert_interval(db, id, start, end);

	anomaly_agg_start(ag);
	for (size_t i = 0; !err && i < n; i++) {
		struct anomaly_agg_flow f = flows[i];

		/* the store looks a conversation's addresses up only once an interval */
		if (anomaly_agg_known(ag, f.conversation_id))
			f.src_id = f.dst_id = 0;
		err = anomaly_agg_add(ag, &f);
	}
	if (!err)
		err = anomaly_agg_write(ag, id, start);
	if (err)
		return err;
	return sqlite3_exec(db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK;
}

int main(int argc, char **argv)
{
	unsigned long intervals = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	uint64_t pool = 1, base = 0, next_new = 1u << 20, flows_in_all = 0;
	int64_t ts = 1738195200, len = 60;
	struct anomaly_agg *ag = NULL;
	sqlite3 *db = NULL;
	char what[160];

	rng_state = seed | 1;
	alarm(FUZZ_SECONDS); /* a hang dies of SIGALRM: no TAP line, a failure */
	printf("1..1\n");
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || apply_schema(db))
		return fail("the schema (sql/*.sql, from the repository's top)", db);
	if (anomaly_agg_open(&ag, db))
		return fail("anomaly_agg_open", db);
	for (unsigned long i = 1; i <= intervals; i++) {
		size_t n = make_flows(size_class(&pool, &base, &next_new), base, pool, len * 1000);
		int err;

		switch (rnd() % 32) {
		case 0: /* a restart: the state read back from the database */
			anomaly_agg_close(ag);
			if (anomaly_agg_open(&ag, db))
				return fail("anomaly_agg_open again", db);
			break;
		case 1: /* a gap */
			ts += 3600 * (1 + rnd() % 3);
			break;
		case 2: /* a new stretch: the clock went back */
			ts -= 90;
			break;
		case 3: /* another interval length */
			len = rnd() % 2 ? 10 : 60;
			break;
		}
		/* a failed commit, done again as the store retries it */
		if (!(rnd() % 16) && write_interval(db, ag, (int64_t)i, ts, ts + len, n, 0)) {
			snprintf(what, sizeof(what), "interval %lu of %zu flows, rolled back (seed %llu)",
				 i, n, seed);
			return fail(what, db);
		}
		if ((err = write_interval(db, ag, (int64_t)i, ts, ts + len, n, 1))) {
			snprintf(what, sizeof(what), "interval %lu of %zu flows: error %d (seed %llu)", i,
				 n, err, seed);
			return fail(what, db);
		}
		flows_in_all += n;
		ts += len;
	}
	anomaly_agg_close(ag);
	sqlite3_close(db);
	printf("ok 1 - anomaly aggregates fuzz: %lu intervals, %llu flows (seed %llu), no overrun, "
	       "error, hang or leak\n",
	       intervals, (unsigned long long)flows_in_all, seed);
	return 0;
}
