// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_run.c - the run layer: one pass over a command's sections, each
 * query's rows to the renderer of the format (see report_run.h).
 */
#include <errno.h>
#include <string.h>
#include "log.h"
#include "render_bars.h"
#include "render_html.h"
#include "render_table.h"
#include "report_query.h"
#include "report_run.h"
#include "report_sections.h"
#include "report_window.h"

struct run {
	sqlite3 *db;
	const struct report_opts *o;
	FILE *fp;
	struct fmt_writer *w; /* table, CSV, JSON */
	struct fmt_buf html;  /* HTML: the document so far */
	int unicode;	      /* table: bars of Unicode blocks */
	struct section_texts texts;
	size_t rows;
};

/* The window in words: a table's window line, the HTML's subtitle. */
static int span_text(struct run *run, char *buf, size_t len, long long *intervals)
{
	struct report_span span;
	int err = query_window_span(run->db, run->o, &span);

	if (!err)
		window_span_text(&span, buf, len);
	*intervals = span.intervals;
	return err;
}

/* A table's window line; none when nothing was recorded (the empty line says it). */
static int window_note(struct run *run)
{
	char text[200], line[220];
	long long intervals;
	int err = span_text(run, text, sizeof(text), &intervals);

	if (err || !intervals)
		return err;
	snprintf(line, sizeof(line), "Window: %s", text);
	return fmt_note(run->w, line);
}

/* Table, CSV or JSON: rows written as they are stepped. */
static int stream_section(struct run *run, const struct render_section *view, struct query *q)
{
	int err = fmt_section_begin(run->w, view->key, view->title, q->ncols, q->names), rc = 0;

	if (!err && view->object)
		err = fmt_section_object(run->w);
	while (!err && (rc = query_next(q)) > 0)
		err = fmt_row(run->w, q->v);
	if (!err && rc < 0)
		err = rc;
	return err ? err : fmt_section_end(run->w, view->empty_table);
}

/* HTML and the table's bars: the rows read whole first (a chart's scale). */
static int whole_section(struct run *run, const struct render_section *view, struct query *q)
{
	struct report_rows r;
	int err = query_read(q, &r);

	if (!err && run->o->format == FMT_HTML)
		err = render_html_section(&run->html, view, &r);
	else if (!err)
		err = render_bars_section(run->w, view, &r, run->unicode);
	report_rows_free(&r);
	return err;
}

/* The note under a section (table, HTML), from its note query's one row. */
static int section_note(struct run *run, const struct report_section *sec,
			struct render_section *view)
{
	const char *name = report_section_note_query(sec, run->o);
	struct query q;
	int err, rc = 0;

	if (!name || run->o->format == FMT_CSV || run->o->format == FMT_JSON)
		return 0;
	err = query_open(run->db, name, run->o, &q);
	if (!err)
		rc = query_next(&q);
	if (!err && rc < 0)
		err = rc;
	else if (!err && rc > 0)
		report_section_note(q.v, q.ncols, &run->texts, view);
	query_close(&q);
	return err;
}

static int run_section(struct run *run, const struct report_section *sec)
{
	enum fmt_format format = run->o->format;
	struct render_section view;
	struct query q;
	int err;

	/* The window: the HTML's head says it, a table a line of its own. */
	if (!strcmp(sec->query, WINDOW_QUERY) && format == FMT_HTML)
		return 0;
	if (!strcmp(sec->query, WINDOW_QUERY) && format == FMT_TABLE)
		return window_note(run);
	report_section_view(sec, run->o, &run->texts, &view);
	err = section_note(run, sec, &view);
	if (err)
		return err;
	err = query_open(run->db, report_section_query(sec, run->o), run->o, &q);
	if (!err && (format == FMT_HTML || (format == FMT_TABLE && view.chart >= CHART_SHARE)))
		err = whole_section(run, &view, &q);
	else if (!err)
		err = stream_section(run, &view, &q);
	run->rows += q.rows;
	query_close(&q);
	if (!err && format == FMT_TABLE && view.note[0])
		err = fmt_note(run->w, view.note);
	return err;
}

/* CSV of several sections: every section's columns, before the first row. */
static int csv_columns(struct run *run, const struct report_section *sections, int n)
{
	struct query q;
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		err = query_open(run->db, report_section_query(&sections[i], run->o), run->o, &q);
		if (!err)
			err = fmt_csv_columns(run->w, q.ncols, q.names);
		query_close(&q);
	}
	return err;
}

/* The document's start: the HTML's head, or the writer. */
static int begin(struct run *run, int n)
{
	char text[200], cmd[32];
	long long intervals;
	int err;

	if (run->o->format == FMT_HTML) {
		err = span_text(run, text, sizeof(text), &intervals);
		report_cli_command_name(run->o->command, cmd, sizeof(cmd));
		return err ? err : render_html_begin(&run->html, cmd, text);
	}
	run->unicode = run->o->format == FMT_TABLE && bars_unicode(run->fp);
	return fmt_writer_new(&run->w, run->o->format, run->fp, n);
}

static int end(struct run *run)
{
	int err;

	if (run->o->format == FMT_HTML)
		return render_html_end(&run->html, run->fp);
	err = fmt_document_end(run->w);
	if (err)
		pr_err("cannot write the report: %s", strerror(errno));
	return err;
}

static int run_sections(struct run *run, struct report_opts *o)
{
	char since[64], until[64];
	struct recorded_span rec;
	int n, err;
	const struct report_section *sections = report_sections(o->command, &n);

	window_format_time(o->since, since, sizeof(since));
	window_format_time(o->until, until, sizeof(until));
	pr_info("window: %s to %s", since, until);
	/* Once per run: what empty sections say, and the trend's buckets. */
	err = query_recorded_span(run->db, o, &rec);
	if (err)
		return err;
	section_texts_make(&rec, o, &run->texts);
	/* The trend's bucket: checked for trend, chosen for summary. */
	err = report_trend_plan(o, &rec);
	if (!err)
		err = begin(run, n);
	if (!err && o->format == FMT_CSV && n > 1)
		err = csv_columns(run, sections, n);
	for (int i = 0; i < n && !err; i++)
		err = run_section(run, &sections[i]);
	return err ? err : end(run);
}

int report_run(sqlite3 *db, const struct report_opts *opts, FILE *fp, size_t *rows)
{
	int64_t seconds = opts->time_limit ? opts->time_limit : REPORT_DEFAULT_TIME_LIMIT;
	struct report_opts plan = *opts;
	struct run run = { .db = db, .o = &plan, .fp = fp };
	const char *stopped;
	int err;

	query_limit_start(db, seconds);
	err = run_sections(&run, &plan);
	stopped = query_limit_end(db);
	/* Stopped: an error even where a caller took the failed step for "none". */
	if (stopped) {
		pr_err("%s: stopped: the report ran past its time limit of %lld s (--time-limit)",
		       stopped, (long long)seconds);
		err = -ETIME;
	}
	fmt_writer_free(run.w);
	fmt_buf_free(&run.html);
	*rows = run.rows;
	return err;
}
