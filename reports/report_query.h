/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_query.h - the query layer: prepare, bind and step the report's
 * queries (reports/NAME.sql, embedded; the anomalies statement of
 * report_anomalies.h), under one time limit per run.
 *
 * Every query takes its window and size only from the named parameters
 * :since, :until, :limit, :bucket, :pid and :comm (report_opts); a query may
 * use any of them and no others. Values come out as struct fmt_value
 * (report_rows.h) keeping their SQLite type. Called by the run layer
 * (report_run.c); calls nothing above it.
 */
#ifndef NETMON_REPORT_QUERY_H
#define NETMON_REPORT_QUERY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "report_cli.h"
#include "report_rows.h"
#include "report_window.h"

/* Not a file: the statement report_anomalies_prepare() builds and binds. */
#define ANOMALIES_QUERY "anomalies"

/*
 * The run's time limit (--time-limit): from query_limit_start() on, a
 * statement stepped past the deadline stops (sqlite3_step() fails).
 * query_limit_end() removes it and returns the query it stopped (logged by
 * the caller, once), or NULL.
 */
void query_limit_start(sqlite3 *db, int64_t seconds);
const char *query_limit_end(sqlite3 *db);

/*
 * Prepare the embedded query name (e.g. "top_hosts.sql"). A file must hold
 * exactly one statement. Returns 0 or a negative errno (logged).
 */
int query_prepare(sqlite3 *db, const char *name, sqlite3_stmt **out);

/*
 * Bind every parameter of st by name from o (see above); name is the
 * query's file, for messages. 0 or a negative errno (logged).
 */
int query_bind(sqlite3_stmt *st, const char *name, const struct report_opts *o);

/* A query being read: the columns, then row after row. */
struct query {
	const char *name;
	sqlite3_stmt *st;
	int ncols;
	const char **names;  /* ncols column names, valid until query_close() */
	struct fmt_value *v; /* query_next(): the row, valid until the next step */
	size_t rows;	     /* rows read so far */
	int stepped;
};

/*
 * Open query name (an embedded file or ANOMALIES_QUERY) bound from o, its
 * columns known. 0 or a negative errno (logged); q needs query_close() in
 * any case.
 */
int query_open(sqlite3 *db, const char *name, const struct report_opts *o, struct query *q);

/* Step to the next row, into q->v: 1, 0 past the last, or -EIO (logged). */
int query_next(struct query *q);

/* Read the rest of the rows into r (report_rows_free() it in any case). */
int query_read(struct query *q, struct report_rows *r);

/* Finalize; says with -v how many rows were read, if any were stepped. */
void query_close(struct query *q);

/* What recorded_span.sql says of the window: intervals, first start, last end. */
struct recorded_span {
	long long intervals;
	int64_t first, last; /* meaningful when intervals > 0 */
};

/* Run recorded_span.sql for o's window: once per run. 0 or -errno (logged). */
int query_recorded_span(sqlite3 *db, const struct report_opts *o, struct recorded_span *span);

/* The window's section (summary): a line in a table, the HTML's subtitle. */
#define WINDOW_QUERY "window.sql"

/* Run window.sql for o's window. 0 or a negative errno (logged). */
int query_window_span(sqlite3 *db, const struct report_opts *o, struct report_span *span);

#endif
