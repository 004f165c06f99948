// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * anomaly_jobs.c - the anomalies report's parts run at once (see
 * anomaly_jobs.h).
 *
 * Why: SQLite runs one statement on one CPU, and the rules are independent
 * reads of the same history, the costliest of them seconds each over a busy
 * week (bench/RESULTS.md). Each thread has a connection of its own (a
 * connection is used by one thread at a time) and takes the next part not
 * yet taken, so a long rule on one CPU leaves the others to the rest. What
 * they found is merged by SQLite itself, with the same text the one
 * statement has, so the order and the choice between a hit's copies are
 * that statement's.
 *
 * Each connection reads its own snapshot: where the recorder commits an
 * interval meanwhile, one part may see it and another not. Every hit is
 * still what its rule finds in the rows it read, and a hit both stored and
 * found again is shown once, as with one statement.
 */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "anomaly_jobs.h"
#include "anomaly_rules.h"
#include "db.h"
#include "log.h"

/* Virtual machine instructions between two looks at the clock, as the
 * run's own limit (report_query.c). */
#define LIMIT_OPS 10000

/* One value as SQLite typed it; a text or blob's bytes in the part's arena
 * (16 bytes: a busy week's hits are ~180,000 rows of six). */
struct cell {
	union {
		sqlite3_int64 i;
		double r;
		struct {
			uint32_t off, len;
		} t;
	};
	int type;
};

/* What one part found: ANOMALY_PART_COLUMNS cells a row. */
struct found {
	struct cell *cells;
	size_t n_cells, cap_cells;
	char *bytes;
	size_t n_bytes, cap_bytes;
};

enum { GOING, STOP_FAILED, STOP_LIMIT };

struct pool {
	const struct anomaly_part *parts;
	struct found *found;
	int n;
	int next; /* the next part to take, under lock */
	int err;  /* the first part's error, under lock */
	pthread_mutex_t lock;
	const struct anomaly_settings *s;
	int64_t window_since, since, until;
	struct timespec deadline; /* none when zero: no query_limit_start() */
	atomic_int stop;	  /* GOING, or why every part gives up */
};

struct worker {
	struct pool *pool;
	sqlite3 *db;
	pthread_t thread;
	int started;
};

/* The progress handler: stop at the deadline, or when another part failed. */
static int give_up(void *arg)
{
	struct pool *p = arg;
	struct timespec now;
	int going = GOING;

	if (atomic_load_explicit(&p->stop, memory_order_relaxed) != GOING)
		return 1;
	if (!p->deadline.tv_sec && !p->deadline.tv_nsec)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < p->deadline.tv_sec ||
	    (now.tv_sec == p->deadline.tv_sec && now.tv_nsec < p->deadline.tv_nsec))
		return 0;
	atomic_compare_exchange_strong(&p->stop, &going, STOP_LIMIT);
	return 1;
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*v, c * elem);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = c;
	return 0;
}

/* The statement's row into f. */
static int keep_row(sqlite3_stmt *st, struct found *f)
{
	int err = grow((void **)&f->cells, &f->cap_cells, f->n_cells + ANOMALY_PART_COLUMNS,
		       sizeof(*f->cells));

	for (int c = 0; c < ANOMALY_PART_COLUMNS && !err; c++) {
		struct cell *x = &f->cells[f->n_cells++];
		const void *b;

		memset(x, 0, sizeof(*x));
		x->type = sqlite3_column_type(st, c);
		if (x->type == SQLITE_INTEGER) {
			x->i = sqlite3_column_int64(st, c);
		} else if (x->type == SQLITE_FLOAT) {
			x->r = sqlite3_column_double(st, c);
		} else if (x->type == SQLITE_TEXT || x->type == SQLITE_BLOB) {
			size_t len;

			b = x->type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, c)
						   : sqlite3_column_blob(st, c);
			len = (size_t)sqlite3_column_bytes(st, c);
			/* Offsets of 32 bits: a part's text past 4 GiB is refused. */
			if (f->n_bytes + len >= UINT32_MAX)
				return -EFBIG;
			err = grow((void **)&f->bytes, &f->cap_bytes, f->n_bytes + len + 1, 1);
			if (!err && len)
				memcpy(f->bytes + f->n_bytes, b, len);
			x->t.off = (uint32_t)f->n_bytes;
			x->t.len = (uint32_t)len;
			f->n_bytes += len;
		}
	}
	return err;
}

/* Run part i on db: 0, or a negative errno (logged, unless the run stopped it). */
static int run_part(sqlite3 *db, struct pool *p, int i)
{
	const struct anomaly_part *part = &p->parts[i];
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc = SQLITE_DONE, err;

	if (sqlite3_prepare_v2(db, part->sql, (int)part->len, &st, NULL) != SQLITE_OK || !st) {
		pr_err("anomaly rules: %s: %s", part->name, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -EIO;
	}
	if (sqlite3_column_count(st) != ANOMALY_PART_COLUMNS) {
		pr_err("anomaly rules: %s: %d columns, not %d", part->name, sqlite3_column_count(st),
		       ANOMALY_PART_COLUMNS);
		sqlite3_finalize(st);
		return -EINVAL;
	}
	err = anomaly_bind_window(st, part->name, p->s, p->window_since, p->since,
				  p->until);
	if (!err && log_max_level() >= LOGLVL_DEBUG && (sql = sqlite3_expanded_sql(st))) {
		pr_debug("anomalies, %s:\n%s", part->name, sql);
		sqlite3_free(sql);
	}
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = keep_row(st, &p->found[i]);
	if (!err && rc != SQLITE_DONE) {
		if (rc == SQLITE_INTERRUPT && atomic_load(&p->stop) != GOING)
			err = atomic_load(&p->stop) == STOP_LIMIT ? -ETIME : -ECANCELED;
		else
			pr_err("anomaly rules: %s: %s", part->name, sqlite3_errmsg(db));
		if (!err)
			err = -EIO;
	}
	if (err == -ENOMEM || err == -EFBIG)
		pr_err("anomaly rules: %s: %s", part->name,
		       err == -ENOMEM ? "out of memory" : "more than 4 GiB of text found");
	sqlite3_finalize(st);
	return err;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	int i, err, going = GOING;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = atomic_load(&p->stop) == GOING && p->next < p->n ? p->next++ : -1;
		pthread_mutex_unlock(&p->lock);
		if (i < 0)
			return NULL;
		err = run_part(w->db, p, i);
		if (!err)
			continue;
		/* The first real error is the call's; the others only followed it. */
		pthread_mutex_lock(&p->lock);
		if (!p->err || p->err == -ECANCELED)
			p->err = err;
		pthread_mutex_unlock(&p->lock);
		atomic_compare_exchange_strong(&p->stop, &going, STOP_FAILED);
	}
}

static int bind_cell(sqlite3_stmt *st, int idx, const struct cell *x, const struct found *f)
{
	switch (x->type) {
	case SQLITE_INTEGER:
		return sqlite3_bind_int64(st, idx, x->i);
	case SQLITE_FLOAT:
		return sqlite3_bind_double(st, idx, x->r);
	case SQLITE_TEXT:
		return sqlite3_bind_text(st, idx, f->bytes + x->t.off, (int)x->t.len, SQLITE_STATIC);
	case SQLITE_BLOB:
		return sqlite3_bind_blob(st, idx, f->bytes + x->t.off, (int)x->t.len, SQLITE_STATIC);
	default:
		return sqlite3_bind_null(st, idx);
	}
}

static void found_free(struct found *f)
{
	free(f->cells);
	free(f->bytes);
	memset(f, 0, sizeof(*f));
}

/* Every part's rows into hits, in part order, each part's memory given back
 * once it is in; then merge_sql prepared. */
static int merge(struct pool *p, const char *merge_sql, sqlite3_stmt **out)
{
	static const char insert[] = "INSERT INTO hits VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3 *mem = NULL;
	sqlite3_stmt *ins = NULL;
	int rc = sqlite3_open_v2(":memory:", &mem,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(mem,
				  "CREATE TABLE hits(origin, ts, kind, subject, value, threshold, "
				  "detail); BEGIN;",
				  NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(mem, insert, -1, &ins, NULL);
	for (int i = 0; i < p->n && rc == SQLITE_OK; i++) {
		struct found *f = &p->found[i];

		for (size_t r = 0; r < f->n_cells && rc == SQLITE_OK; r += ANOMALY_PART_COLUMNS) {
			rc = sqlite3_bind_int(ins, 1, p->parts[i].origin);
			for (int c = 0; c < ANOMALY_PART_COLUMNS && rc == SQLITE_OK; c++)
				rc = bind_cell(ins, c + 2, &f->cells[r + (size_t)c], f);
			if (rc == SQLITE_OK && (rc = sqlite3_step(ins)) == SQLITE_DONE)
				rc = sqlite3_reset(ins);
		}
		sqlite3_clear_bindings(ins);
		found_free(f);
	}
	sqlite3_finalize(ins);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(mem, "COMMIT;", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(mem, merge_sql, -1, out, NULL);
	if (rc != SQLITE_OK)
		pr_err("anomaly rules: merging what the rules found: %s",
		       mem ? sqlite3_errmsg(mem) : sqlite3_errstr(rc));
	/* With the statement open the connection stays until it is finalized. */
	sqlite3_close_v2(mem);
	return rc == SQLITE_OK ? 0 : -EIO;
}

int anomaly_jobs_run(const struct anomaly_part *parts, int n, int jobs, const char *db_path,
		     const struct anomaly_settings *s, int64_t window_since, int64_t since,
		     int64_t until, const struct timespec *deadline, const char *merge_sql,
		     sqlite3_stmt **out)
{
	struct pool p = { .parts = parts, .n = n, .s = s, .window_since = window_since,
			  .since = since, .until = until };
	struct worker *w;
	int err = 0;

	*out = NULL;
	if (jobs > n)
		jobs = n;
	if (jobs < 1)
		jobs = 1;
	p.found = calloc((size_t)n, sizeof(*p.found));
	w = calloc((size_t)jobs, sizeof(*w));
	if (!p.found || !w) {
		free(p.found);
		free(w);
		pr_err("anomaly rules: out of memory");
		return -ENOMEM;
	}
	if (deadline)
		p.deadline = *deadline;
	pthread_mutex_init(&p.lock, NULL);
	atomic_init(&p.stop, GOING);
	/* Opened here, not in the threads: db_open() keeps a list of the open
	 * files (db_inuse.h) that is this thread's to change. */
	for (int j = 0; j < jobs && !err; j++) {
		w[j].pool = &p;
		err = db_open(db_path, DB_READ_ONLY, &w[j].db);
		if (!err)
			sqlite3_progress_handler(w[j].db, LIMIT_OPS, give_up, &p);
	}
	for (int j = 0; j < jobs && !err; j++) {
		err = -pthread_create(&w[j].thread, NULL, work, &w[j]);
		if (err)
			pr_err("anomaly rules: cannot start a thread: %s", strerror(-err));
		else
			w[j].started = 1;
	}
	if (err)
		atomic_store(&p.stop, STOP_FAILED);
	for (int j = 0; j < jobs; j++) {
		if (w[j].started)
			pthread_join(w[j].thread, NULL);
		db_close(w[j].db);
	}
	if (!err)
		err = p.err;
	if (!err)
		err = merge(&p, merge_sql, out);
	for (int i = 0; i < n; i++)
		found_free(&p.found[i]);
	free(p.found);
	free(w);
	pthread_mutex_destroy(&p.lock);
	return err;
}
