/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.h - run a report: its queries (reports/NAME.sql, embedded) into a writer.
 *
 * Every query takes its window and size only from the named parameters
 * :since, :until and :limit; a query may use any of them and no others.
 */
#ifndef NETMON_REPORT_H
#define NETMON_REPORT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include "report_cli.h"

#include "report_fmt.h"

/* How a section is drawn beyond its table (report_bars.c, report_html.c). */
enum report_chart {
	CHART_NONE,
	CHART_RANK,  /* html: a bar per row, of its total_bytes (or bytes) */
	CHART_SHARE, /* table and html: a bar per row, of its bytes_pct */
	CHART_TREND, /* table and html: bars over time; query chosen by --by */
};

/* What an empty section says in a table (what was recorded in the window). */
enum { SAYS_NOTHING, SAYS_NO_TRAFFIC, SAYS_NO_ANOMALIES };

/* Not a file: the statement report_anomalies_prepare() builds and binds. */
#define ANOMALIES_QUERY "anomalies"

struct report_section {
	const char *query; /* file name under reports/ */
	const char *key;   /* JSON member name when a report has several sections */
	const char *title; /* table heading, or NULL */
	int says_empty;	   /* table: SAYS_*, what an empty section says */
	enum report_chart chart;
	const char *none; /* html: what no rows means, when says_empty is 0 */
};

/* The window's section (summary): a line in a table, the HTML's subtitle. */
#define WINDOW_QUERY "window.sql"

/* What window.sql says: the window as a report states it. */
struct report_span {
	int64_t since, until; /* WINDOW_START, WINDOW_END: open, nothing recorded */
	long long intervals;  /* recorded in the window */
};

/* Run window.sql for o's window. 0 or a negative errno (logged). */
int report_window_span(sqlite3 *db, const struct report_opts *o, struct report_span *span);

/*
 * The span as text: "2024-01-01 00:00:00 UTC to 2024-01-02 00:00:00 UTC,
 * 1440 intervals recorded" (local time, as the window is given).
 */
void report_span_text(const struct report_span *span, char *buf, size_t len);

/* The sections of a command, *n of them. */
const struct report_section *report_sections(enum report_command command, int *n);

/*
 * Bind every parameter of st by name from o (:since, :until, :limit,
 * :bucket, :pid, :comm); name is the query's file, for messages.
 */
int report_bind(sqlite3_stmt *st, const char *name, const struct report_opts *o);

/*
 * sqlite3_step() of st (query name) returned rc, an error: log it, unless the
 * report's time limit stopped it (report_run_rows() says that once).
 */
void report_step_failed(sqlite3_stmt *st, const char *name, int rc);

/* Column c of the current row of st, as a value (text points into st). */
void report_column_value(sqlite3_stmt *st, int c, struct fmt_value *v);

/*
 * Run o->command on db and write it to fp in o->format, its queries stopped
 * once they ran o->time_limit seconds in all. Returns 0, -EIO when a query
 * or the output fails (logged), -ETIME when the limit stopped a query
 * (logged, naming it), or -ENOMEM.
 */
int report_run(sqlite3 *db, const struct report_opts *o, FILE *fp);

/* report_run() that also counts the rows of every section into *rows. */
int report_run_rows(sqlite3 *db, const struct report_opts *o, FILE *fp, size_t *rows);

/*
 * Prepare the embedded query name (e.g. "top_hosts.sql"). A file must hold
 * exactly one statement. Returns 0 or a negative errno (logged).
 */
int report_prepare(sqlite3 *db, const char *name, sqlite3_stmt **out);

/*
 * The statement of a section's query, bound from o: an embedded file, or
 * ANOMALIES_QUERY (report_anomalies.h). 0 or a negative errno (logged).
 */
int report_statement(sqlite3 *db, const char *query, const struct report_opts *o,
		     sqlite3_stmt **out);

#endif
