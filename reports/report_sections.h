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

/* What an empty section says in a table (what was recorded in the window). */
enum { SAYS_NOTHING, SAYS_NO_TRAFFIC, SAYS_NO_ANOMALIES };

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

/* What empty sections say, from what was recorded in the window. */
struct section_texts {
	char no_traffic[256], no_anomalies[256];
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

#endif
