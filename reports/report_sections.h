/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_sections.h - the report commands as lists of sections: which query
 * each runs, which title it has, how it is charted and what it says when
 * empty. Tables only: no query runs here, nothing is written.
 *
 * trend runs sql/report/trend.sql, or trend_BY.sql for --by; summary runs
 * trend.sql with hourly buckets, or daily ones for a window longer than a
 * week, so that its chart stays readable.
 */
#ifndef NETMON_REPORT_SECTIONS_H
#define NETMON_REPORT_SECTIONS_H

#include "render.h"
#include "report_cli.h"
#include "report_query.h"

/* No more buckets than this in one report (a year of 5 minutes is 105120). */
#define REPORT_MAX_BUCKETS 110000

/* What an empty section says in a table (what was recorded in the window);
 * SAYS_NO_PROCESS: that no process matched --pid, --comm, --service or
 * --user when one was given, else that no process traffic was recorded. */
enum { SAYS_NOTHING, SAYS_NO_TRAFFIC, SAYS_NO_ANOMALIES, SAYS_NO_PROCESS };

struct report_section {
	const char *query; /* file name under reports/, WINDOW_QUERY or ANOMALIES_QUERY */
	const char *key;   /* JSON member name when a report has several sections */
	const char *title; /* table heading, or NULL */
	int says_empty;	   /* table: SAYS_*, what an empty section says */
	enum report_chart chart;
	const char *none; /* html: what no rows means, when says_empty is 0 */
};

/* The sections of a command, *n of them. */
const struct report_section *report_sections(enum report_command command, int *n);

/* The query file of a section: the trend's follows --by; with --numeric,
 * top hosts and top flows run their query without host names. */
const char *report_section_query(const struct report_section *sec, const struct report_opts *o);

/* What empty sections say, from what was recorded in the window (and the
 * process filters of o). */
struct section_texts {
	char no_traffic[256], no_anomalies[256], no_hosts[256], no_process[512];
};

void section_texts_make(const struct recorded_span *rec, const struct report_opts *o,
			struct section_texts *t);

/* The section as a renderer shows it (t: what empty sections say). */
void report_section_view(const struct report_section *sec, const struct report_opts *o,
			 const struct section_texts *t, struct render_section *out);

/*
 * For summary and trend: set o->bucket (summary: 1h, or 1d past a week) and
 * refuse (-E2BIG, logged) a window of more than REPORT_MAX_BUCKETS buckets;
 * rec is what was recorded in the window. Other commands: nothing. Returns
 * 0 or a negative errno.
 */
int report_trend_plan(struct report_opts *o, const struct recorded_span *rec);

/*
 * The query whose one row (packets, bytes) makes the line under a section,
 * or NULL: top_hosts_overflow.sql under a ranking of hosts (top hosts,
 * summary's hosts, trend --by host), the flow table's overflow rows that
 * it leaves out, addresses unknown (sql/report/_overflow.sql).
 */
const char *report_section_note_query(const struct report_section *sec,
				      const struct report_opts *o);

/*
 * From that query's row (ncols values): out->note says what the ranking
 * left out, and an empty ranking that no host was recorded rather than no
 * traffic; nothing when nothing was left out.
 */
void report_section_note(const struct fmt_value *row, int ncols, const struct section_texts *t,
			 struct render_section *out);

#endif
