// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report.c - the report commands, each a list of sections, one query each.
 *
 * Queries are stepped into the writer generically: column names come from
 * sqlite3_column_name() and values keep their SQLite type, so a new report is
 * a new .sql file and a line in a table here, with no formatting code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "embed.h"
#include "log.h"
#include "report.h"
#include "report_anomalies.h"
#include "report_bars.h"
#include "report_html.h"
#include "report_trend.h"
#include "report_window.h"

/* Said wherever process bytes are shown: the socket tracepoints see no
 * interface, so they are the host's, not the recorded interfaces'
 * (docs/design.md, "Per-process bytes"). */
#define PROCESSES_TITLE                                                                  \
	"Top processes by bytes through their sockets, host-wide (all sockets, loopback " \
	"included, whatever interfaces were recorded)"

static const struct report_section summary_sections[] = {
	/* First, so that the text (and the daily .txt) says what it covers. */
	{WINDOW_QUERY, "window", NULL, SAYS_NOTHING, CHART_NONE, NULL},
	{"summary_traffic.sql", "traffic", "Traffic by interface, direction and protocol", 1,
	 CHART_NONE, NULL},
	{"summary_interfaces.sql", "interfaces", "Traffic by interface", 0, CHART_NONE, NULL},
	/* No rows when every packet was accounted for: shown only if not. */
	{"summary_collector.sql", "collector",
	 "Collector health: packets left out of flows (table_full) or of all totals, "
	 "socket bytes left out of processes",
	 0, CHART_NONE, "Every IP packet was recorded in its flow; no malformed or non-IP frames."},
	{"top_hosts.sql", "hosts", "Top hosts by bytes sent and received", 0, CHART_RANK, NULL},
	{"top_apps.sql", "apps", "Top applications by bytes (server port)", 0, CHART_RANK, NULL},
	{"top_ports.sql", "ports", "Top server ports by bytes", 0, CHART_RANK, NULL},
	/* The same query as top processes (no --pid/--comm: all, --limit rows). */
	{"top_processes.sql", "processes", PROCESSES_TITLE, 0, CHART_RANK,
	 "No process traffic recorded (netmon-record --no-process, or kernel < 6.3)."},
	{"top_protocols.sql", "protocols", "Protocol distribution", 0, CHART_SHARE, NULL},
	/* The query and title follow the bucket: report_trend.c. */
	{"trend.sql", "trend", NULL, 0, CHART_TREND, NULL},
	/* Shown in a table only when there are some. */
	{"summary_anomalies.sql", "anomalies", "Anomalies", SAYS_NOTHING, CHART_NONE,
	 "No anomalies in the window."},
};

static const struct report_section top_hosts_sections[] = {
	{"top_hosts.sql", "hosts", NULL, 1, CHART_RANK, NULL},
};

static const struct report_section top_flows_sections[] = {
	{"top_flows.sql", "flows", NULL, 1, CHART_RANK, NULL},
};

static const struct report_section top_ports_sections[] = {
	{"top_ports.sql", "ports", NULL, 1, CHART_RANK, NULL},
};

static const struct report_section top_processes_sections[] = {
	{"top_processes.sql", "processes", PROCESSES_TITLE, 1, CHART_RANK, NULL},
};

static const struct report_section top_interfaces_sections[] = {
	{"top_interfaces.sql", "interfaces", NULL, 1, CHART_RANK, NULL},
};

static const struct report_section top_protocols_sections[] = {
	{"top_protocols.sql", "protocols", NULL, 1, CHART_SHARE, NULL},
};

static const struct report_section top_apps_sections[] = {
	{"top_apps.sql", "apps", NULL, 1, CHART_RANK, NULL},
};

static const struct report_section trend_sections[] = {
	{"trend.sql", "trend", NULL, 1, CHART_TREND, NULL},
};

static const struct report_section anomalies_sections[] = {
	{ANOMALIES_QUERY, "anomalies", NULL, SAYS_NO_ANOMALIES, CHART_NONE, "No anomalies."},
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
	const struct report_section *sections;
	int n;
} reports[] = {
	[REPORT_SUMMARY] = {summary_sections, N(summary_sections)},
	[REPORT_TOP_APPS] = {top_apps_sections, 1},
	[REPORT_TREND] = {trend_sections, 1},
	[REPORT_TOP_HOSTS] = {top_hosts_sections, 1},
	[REPORT_TOP_FLOWS] = {top_flows_sections, 1},
	[REPORT_TOP_PORTS] = {top_ports_sections, 1},
	[REPORT_TOP_PROCESSES] = {top_processes_sections, 1},
	[REPORT_TOP_INTERFACES] = {top_interfaces_sections, 1},
	[REPORT_TOP_PROTOCOLS] = {top_protocols_sections, 1},
	[REPORT_ANOMALIES] = {anomalies_sections, 1},
};

/*
 * The run's time limit (--time-limit). A view is the database's own text, so
 * a crafted one (a recursive CTE without end) would run for ever and hang
 * the daily timer with it. SQLite calls the progress handler every LIMIT_OPS
 * virtual machine instructions of a running statement; past the deadline it
 * says stop and sqlite3_step() returns SQLITE_INTERRUPT. A clock read per
 * 10000 instructions costs nothing measurable. One report runs at a time in
 * a process, so the state is this file's.
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

static void limit_start(sqlite3 *db, int64_t seconds)
{
	clock_gettime(CLOCK_MONOTONIC, &limit.deadline);
	limit.deadline.tv_sec += (time_t)seconds;
	limit.query = limit.stopped = NULL;
	sqlite3_progress_handler(db, LIMIT_OPS, limit_passed, NULL);
}

/* A statement stopped by the limit is said once, by report_run_rows(). */
static void step_failed(sqlite3 *db, const char *name, int rc)
{
	if (rc != SQLITE_INTERRUPT || !limit.stopped)
		pr_err("%s: %s", name, sqlite3_errmsg(db));
}

void report_step_failed(sqlite3_stmt *st, const char *name, int rc)
{
	step_failed(sqlite3_db_handle(st), name, rc);
}

const struct report_section *report_sections(enum report_command command, int *n)
{
	*n = reports[command].n;
	return reports[command].sections;
}

int report_prepare(sqlite3 *db, const char *name, sqlite3_stmt **out)
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

int report_bind(sqlite3_stmt *st, const char *name, const struct report_opts *o)
{
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *p = sqlite3_bind_parameter_name(st, i);
		sqlite3_int64 v;

		/* The filters: NULL when not given, which the queries read as "all". */
		if (p && !strcmp(p, ":comm")) {
			if (o->comm ? sqlite3_bind_text(st, i, o->comm, -1, SQLITE_STATIC)
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
			       ":pid, "
			       ":comm)",
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

void report_column_value(sqlite3_stmt *st, int c, struct fmt_value *v)
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

/* Step st to the end, one fmt_row() per result row. */
static int step_rows(sqlite3_stmt *st, const char *name, struct fmt_writer *w, size_t *rows)
{
	int ncols = sqlite3_column_count(st), rc, err = 0;
	struct fmt_value *v = calloc(ncols ? ncols : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*rows = 0;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncols; c++)
			report_column_value(st, c, &v[c]);
		err = fmt_row(w, v);
		++*rows;
	}
	if (!err && rc != SQLITE_DONE) {
		report_step_failed(st, name, rc);
		err = -EIO;
	}
	free(v);
	return err;
}

int report_statement(sqlite3 *db, const char *query, const struct report_opts *o,
		     sqlite3_stmt **out)
{
	int err;

	limit.query = query;
	if (!strcmp(query, ANOMALIES_QUERY))
		return report_anomalies_prepare(db, o, out);
	err = report_prepare(db, query, out);
	if (!err && (err = report_bind(*out, query, o))) {
		sqlite3_finalize(*out);
		*out = NULL;
	}
	return err;
}

/* Add the rows query returns to *rows (only anomalies count for --alert). */
static int count_rows(sqlite3 *db, const char *query, const struct report_opts *o, size_t *rows)
{
	sqlite3_stmt *st;
	int err, rc;

	if (o->command != REPORT_ANOMALIES)
		return 0;
	err = report_statement(db, query, o, &st);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		++*rows;
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	sqlite3_finalize(st);
	return err;
}

static int run_section(sqlite3 *db, const struct report_section *sec, const struct report_opts *o,
		       struct fmt_writer *w, const char *const *empty_texts, size_t *rows_out)
{
	const char **names = NULL;
	sqlite3_stmt *st = NULL;
	size_t rows = 0;
	char *sql;
	int ncols, err;

	const char *query = report_section_query(sec, o);

	err = report_statement(db, query, o, &st);
	if (err)
		goto out;
	if (log_max_level() >= LOG_DEBUG && (sql = sqlite3_expanded_sql(st))) {
		pr_debug("%s:\n%s", query, sql);
		sqlite3_free(sql);
	}
	ncols = sqlite3_column_count(st);
	names = calloc(ncols ? ncols : 1, sizeof(*names));
	err = names ? 0 : -ENOMEM;
	for (int c = 0; c < ncols && !err; c++)
		names[c] = sqlite3_column_name(st, c);
	if (!err)
		err = fmt_section_begin(w, sec->key, report_section_title(sec, o), ncols, names);
	if (!err && !strcmp(sec->query, WINDOW_QUERY))
		err = fmt_section_object(w); /* one row: JSON's "window": {...} */
	if (!err)
		err = step_rows(st, query, w, &rows);
	if (!err)
		err = fmt_section_end(w, empty_texts[sec->says_empty]);
	pr_info("%s: %zu row%s", query, rows, rows == 1 ? "" : "s");
	*rows_out += rows;
out:
	free(names);
	sqlite3_finalize(st);
	return err;
}

/*
 * What an empty table says: the intervals recorded in the window, or that
 * nothing was recorded at all (the recorder did not run then).
 */
static int empty_message(sqlite3 *db, const struct report_opts *o, const char *no_what, char *buf,
			 size_t len)
{
	char since[64], until[64];
	sqlite3_stmt *st;
	int rc, err = report_prepare(db, "recorded_span.sql", &st);
	long long n = 0;

	if (!err)
		err = report_bind(st, "recorded_span.sql", o);
	if (!err && (rc = sqlite3_step(st)) != SQLITE_ROW) {
		step_failed(db, "recorded_span.sql", rc);
		err = -EIO;
	}
	if (!err && (n = sqlite3_column_int64(st, 0)) > 0) {
		window_format_time(sqlite3_column_int64(st, 1), since, sizeof(since));
		window_format_time(sqlite3_column_int64(st, 2), until, sizeof(until));
		snprintf(buf, len, "no %s in the %lld interval%s recorded from %s to %s", no_what, n,
			 n == 1 ? "" : "s", since, until);
	} else if (!err) {
		window_format_time(o->since, since, sizeof(since));
		window_format_time(o->until, until, sizeof(until));
		snprintf(buf, len, "nothing recorded between %s and %s", since, until);
	}
	sqlite3_finalize(st);
	return err;
}

int report_window_span(sqlite3 *db, const struct report_opts *o, struct report_span *span)
{
	sqlite3_stmt *st;
	int rc, err = report_statement(db, WINDOW_QUERY, o, &st);

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

void report_span_text(const struct report_span *span, char *buf, size_t len)
{
	char since[64], until[64];

	window_format_time(span->since, since, sizeof(since));
	window_format_time(span->until, until, sizeof(until));
	if (span->intervals)
		snprintf(buf, len, "%s to %s, %lld interval%s recorded", since, until,
			 span->intervals, span->intervals == 1 ? "" : "s");
	else
		snprintf(buf, len, "%s to %s, nothing recorded", since, until);
}

/* A table's window line; none when nothing was recorded (the empty line says it). */
static int window_note(sqlite3 *db, const struct report_opts *o, struct fmt_writer *w)
{
	struct report_span span;
	char text[200], line[220];
	int err = report_window_span(db, o, &span);

	if (err || !span.intervals)
		return err;
	report_span_text(&span, text, sizeof(text));
	snprintf(line, sizeof(line), "Window: %s", text);
	return fmt_note(w, line);
}

/* CSV of several sections: every section's columns, before the first row. */
static int csv_columns(sqlite3 *db, const struct report_section *sections, int n,
		       const struct report_opts *o, struct fmt_writer *w)
{
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		const char *query = report_section_query(&sections[i], o);
		int ncols;
		const char **names;
		sqlite3_stmt *st;

		err = report_statement(db, query, o, &st);
		if (err)
			break;
		ncols = sqlite3_column_count(st);
		names = calloc(ncols ? ncols : 1, sizeof(*names));
		err = names ? 0 : -ENOMEM;
		for (int c = 0; c < ncols && !err; c++)
			names[c] = sqlite3_column_name(st, c);
		if (!err)
			err = fmt_csv_columns(w, ncols, names);
		free(names);
		sqlite3_finalize(st);
	}
	return err;
}

int report_run(sqlite3 *db, const struct report_opts *o, FILE *fp)
{
	size_t rows;

	return report_run_rows(db, o, fp, &rows);
}

static int run_rows(sqlite3 *db, const struct report_opts *opts, FILE *fp, size_t *rows)
{
	const struct report_section *sections = reports[opts->command].sections;
	int n = reports[opts->command].n, err;
	char since[64], until[64], empty[256], no_anomalies[256];
	const char *empty_texts[] = {[SAYS_NOTHING] = NULL,
				     [SAYS_NO_TRAFFIC] = empty,
				     [SAYS_NO_ANOMALIES] = no_anomalies};
	struct report_opts plan = *opts, *o = &plan;
	struct fmt_writer *w;

	*rows = 0;
	window_format_time(o->since, since, sizeof(since));
	window_format_time(o->until, until, sizeof(until));
	pr_info("window: %s to %s", since, until);
	err = empty_message(db, o, "IP traffic", empty, sizeof(empty));
	if (!err)
		err = empty_message(db, o, "anomalies", no_anomalies, sizeof(no_anomalies));
	/* The trend's bucket: checked for trend, chosen for summary. */
	if (!err)
		err = report_trend_plan(db, o);
	if (!err && o->format == FMT_HTML) {
		err = report_html_run(db, o, fp, empty);
		/* the rows --alert needs, counted apart: the HTML writer keeps none */
		for (int i = 0; i < n && !err; i++)
			err = count_rows(db, report_section_query(&sections[i], o), o, rows);
		return err;
	}
	if (err)
		return err;
	err = fmt_writer_new(&w, o->format, fp, n);
	if (!err && o->format == FMT_CSV && n > 1)
		err = csv_columns(db, sections, n, o, w);
	for (int i = 0; i < n && !err; i++) {
		if (o->format == FMT_TABLE && !strcmp(sections[i].query, WINDOW_QUERY))
			err = window_note(db, o, w);
		else if (o->format == FMT_TABLE && sections[i].chart >= CHART_SHARE)
			err = report_bars_section(db, &sections[i], o, w, fp, empty);
		else
			err = run_section(db, &sections[i], o, w, empty_texts, rows);
	}
	if (!err) {
		err = fmt_document_end(w);
		if (err)
			pr_err("cannot write the report: %s", strerror(errno));
	}
	fmt_writer_free(w);
	return err;
}

int report_run_rows(sqlite3 *db, const struct report_opts *o, FILE *fp, size_t *rows)
{
	int64_t seconds = o->time_limit ? o->time_limit : REPORT_DEFAULT_TIME_LIMIT;
	int err;

	limit_start(db, seconds);
	err = run_rows(db, o, fp, rows);
	sqlite3_progress_handler(db, 0, NULL, NULL);
	/* Stopped: an error even where a caller took the failed step for "none". */
	if (limit.stopped) {
		pr_err("%s: stopped: the report ran past its time limit of %lld s (--time-limit)",
		       limit.stopped, (long long)seconds);
		err = -ETIME;
	}
	return err;
}
