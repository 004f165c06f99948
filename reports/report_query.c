// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_query.c - prepare, bind and step the report's queries (see
 * report_query.h).
 *
 * Queries are read generically: column names come from
 * sqlite3_column_name() and values keep their SQLite type, so a new report
 * is a new .sql file and a line in the section table, with no code here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "embed.h"
#include "log.h"
#include "report_anomalies.h"
#include "report_query.h"

/*
 * The run's time limit (--time-limit). A view is the database's own text, so
 * a crafted one (a recursive CTE without end) would run for ever and hang
 * the daily timer with it. SQLite calls the progress handler every LIMIT_OPS
 * virtual machine instructions of a running statement; past the deadline it
 * says stop and sqlite3_step() returns SQLITE_INTERRUPT. A clock read per
 * 10000 instructions costs nothing measurable. One report runs at a time in
 * a process, so the state is this file's; the anomalies' jobs, on
 * connections of their own in threads, are given the deadline to watch
 * with their own handler (anomaly_jobs.c).
 */
#define LIMIT_OPS 10000

static struct {
	struct timespec deadline;
	const char *query;   /* the query prepared last: the one being stepped */
	const char *stopped; /* the query the limit stopped, or NULL */
} limit;

static int limit_passed(void *unused)
{
	struct timespec now;

	(void)unused;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < limit.deadline.tv_sec ||
	    (now.tv_sec == limit.deadline.tv_sec && now.tv_nsec < limit.deadline.tv_nsec))
		return 0;
	if (!limit.stopped)
		limit.stopped = limit.query ? limit.query : "a query";
	return 1;
}

void query_limit_start(sqlite3 *db, int64_t seconds)
{
	clock_gettime(CLOCK_MONOTONIC, &limit.deadline);
	limit.deadline.tv_sec += (time_t)seconds;
	limit.query = limit.stopped = NULL;
	sqlite3_progress_handler(db, LIMIT_OPS, limit_passed, NULL);
}

const char *query_limit_end(sqlite3 *db)
{
	sqlite3_progress_handler(db, 0, NULL, NULL);
	return limit.stopped;
}

/* A statement stopped by the limit is said once, by the run (query_limit_end()). */
static void step_failed(sqlite3 *db, const char *name, int rc)
{
	if (rc != SQLITE_INTERRUPT || !limit.stopped)
		pr_err("%s: %s", name, sqlite3_errmsg(db));
}

int query_prepare(sqlite3 *db, const char *name, sqlite3_stmt **out)
{
	const struct embedded_file *f = embed_find(netmon_report_queries, name);
	sqlite3_stmt *extra = NULL;
	const char *tail = NULL;
	int rc;

	*out = NULL;
	limit.query = name;
	if (!f) {
		pr_err("query %s is not built into this netmon-report", name);
		return -ENOENT;
	}
	rc = sqlite3_prepare_v2(db, f->text, (int)f->len, out, &tail);
	if (rc != SQLITE_OK || !*out) {
		/* A failed prepare leaves *out NULL: its reason is the error message. */
		pr_err("%s: %s", name, rc != SQLITE_OK ? sqlite3_errmsg(db) : "no statement");
		sqlite3_finalize(*out);
		*out = NULL;
		return -EIO;
	}
	/* A second statement would be ignored without a word: refuse it.
	 * Only white space and comments leave no statement to prepare. */
	if (sqlite3_prepare_v2(db, tail, -1, &extra, NULL) != SQLITE_OK || extra) {
		pr_err("%s: more than one statement", name);
		sqlite3_finalize(extra);
		sqlite3_finalize(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The value of a text filter parameter (:comm, :service, :user), or NULL. */
static const char *text_filter(const char *p, const struct report_opts *o)
{
	if (!p)
		return NULL;
	if (!strcmp(p, ":comm"))
		return o->comm;
	if (!strcmp(p, ":service"))
		return o->service;
	return strcmp(p, ":user") ? NULL : o->user;
}

int query_bind(sqlite3_stmt *st, const char *name, const struct report_opts *o)
{
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *p = sqlite3_bind_parameter_name(st, i);
		sqlite3_int64 v;

		const char *text = text_filter(p, o);

		/* The filters: NULL when not given, which the queries read as "all". */
		if (text ||
		    (p && (!strcmp(p, ":comm") || !strcmp(p, ":service") || !strcmp(p, ":user")))) {
			if (text ? sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC)
				 : sqlite3_bind_null(st, i))
				return -EIO;
			continue;
		}
		if (p && !strcmp(p, ":pid")) {
			if (o->pid >= 0 ? sqlite3_bind_int64(st, i, o->pid)
					: sqlite3_bind_null(st, i))
				return -EIO;
			continue;
		}
		if (p && !strcmp(p, ":since"))
			v = o->since;
		else if (p && !strcmp(p, ":until"))
			v = o->until;
		else if (p && !strcmp(p, ":limit"))
			v = o->limit;
		else if (p && !strcmp(p, ":bucket"))
			v = o->bucket ? o->bucket : REPORT_DEFAULT_BUCKET;
		else {
			pr_err("%s: unknown parameter %s (only :since, :until, :limit, :bucket, "
			       ":pid, :comm, :service, :user)",
			       name, p ? p : "?");
			return -EINVAL;
		}
		if (sqlite3_bind_int64(st, i, v) != SQLITE_OK) {
			pr_err("%s: binding %s: %s", name, p,
			       sqlite3_errmsg(sqlite3_db_handle(st)));
			return -EIO;
		}
	}
	return 0;
}

static void column_value(sqlite3_stmt *st, int c, struct fmt_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER:
		v->type = FMT_INT;
		v->i = sqlite3_column_int64(st, c);
		break;
	case SQLITE_FLOAT:
		v->type = FMT_REAL;
		v->r = sqlite3_column_double(st, c);
		break;
	case SQLITE_NULL:
		v->type = FMT_NULL;
		break;
	case SQLITE_BLOB:
		/* Shown by its bytes, escaped like any text. */
		v->type = FMT_TEXT;
		v->s = sqlite3_column_blob(st, c);
		v->n = sqlite3_column_bytes(st, c);
		break;
	default:
		v->type = FMT_TEXT;
		v->s = (const char *)sqlite3_column_text(st, c);
		v->n = sqlite3_column_bytes(st, c);
		break;
	}
	if (!v->s && v->type == FMT_TEXT)
		v->s = "";
}

/* The statement of query, bound from o: an embedded file or ANOMALIES_QUERY. */
static int statement(sqlite3 *db, const char *query, const struct report_opts *o,
		     sqlite3_stmt **out)
{
	int err;

	limit.query = query;
	if (!strcmp(query, ANOMALIES_QUERY)) {
		err = report_anomalies_prepare(db, o, &limit.deadline, out);
		/* Stopped by the limit in its jobs: said by the run, once. */
		if (err == -ETIME && !limit.stopped)
			limit.stopped = query;
		return err;
	}
	err = query_prepare(db, query, out);
	if (!err && (err = query_bind(*out, query, o))) {
		sqlite3_finalize(*out);
		*out = NULL;
	}
	return err;
}

int query_open(sqlite3 *db, const char *name, const struct report_opts *o, struct query *q)
{
	int err;

	memset(q, 0, sizeof(*q));
	q->name = name;
	err = statement(db, name, o, &q->st);
	if (err)
		return err;
	q->ncols = sqlite3_column_count(q->st);
	q->names = calloc(q->ncols ? q->ncols : 1, sizeof(*q->names));
	q->v = calloc(q->ncols ? q->ncols : 1, sizeof(*q->v));
	if (!q->names || !q->v)
		return -ENOMEM;
	for (int c = 0; c < q->ncols; c++)
		q->names[c] = sqlite3_column_name(q->st, c);
	return 0;
}

int query_next(struct query *q)
{
	char *sql;
	int rc;

	/* -vv: the SQL of what runs (not of a statement only asked its columns). */
	if (!q->stepped && log_max_level() >= LOGLVL_DEBUG && (sql = sqlite3_expanded_sql(q->st))) {
		pr_debug("%s:\n%s", q->name, sql);
		sqlite3_free(sql);
	}
	q->stepped = 1;
	rc = sqlite3_step(q->st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		step_failed(sqlite3_db_handle(q->st), q->name, rc);
		return -EIO;
	}
	for (int c = 0; c < q->ncols; c++)
		column_value(q->st, c, &q->v[c]);
	q->rows++;
	return 1;
}

int query_read(struct query *q, struct report_rows *r)
{
	int err = report_rows_init(r, q->ncols, q->names), rc = 0;

	while (!err && (rc = query_next(q)) > 0)
		err = report_rows_add(r, q->v);
	return err ? err : rc;
}

void query_close(struct query *q)
{
	if (q->stepped)
		pr_info("%s: %zu row%s", q->name, q->rows, q->rows == 1 ? "" : "s");
	free(q->names);
	free(q->v);
	sqlite3_finalize(q->st);
	memset(q, 0, sizeof(*q));
}

int query_recorded_span(sqlite3 *db, const struct report_opts *o, struct recorded_span *span)
{
	sqlite3_stmt *st;
	int rc, err = query_prepare(db, "recorded_span.sql", &st);

	*span = (struct recorded_span){ 0 };
	if (!err)
		err = query_bind(st, "recorded_span.sql", o);
	if (!err && (rc = sqlite3_step(st)) != SQLITE_ROW) {
		step_failed(db, "recorded_span.sql", rc);
		err = -EIO;
	}
	if (!err && (span->intervals = sqlite3_column_int64(st, 0)) > 0) {
		span->first = sqlite3_column_int64(st, 1);
		span->last = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return err;
}

int query_window_span(sqlite3 *db, const struct report_opts *o, struct report_span *span)
{
	sqlite3_stmt *st;
	int rc, err = statement(db, WINDOW_QUERY, o, &st);

	*span = (struct report_span){ WINDOW_START, WINDOW_END, 0 };
	if (!err && (rc = sqlite3_step(st)) != SQLITE_ROW) {
		step_failed(db, WINDOW_QUERY, rc);
		err = -EIO;
	}
	if (!err && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		span->since = sqlite3_column_int64(st, 0);
	if (!err && sqlite3_column_type(st, 1) == SQLITE_INTEGER)
		span->until = sqlite3_column_int64(st, 1);
	if (!err)
		span->intervals = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	return err;
}
