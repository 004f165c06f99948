/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_trend.h - the trend sections: which query, which bucket, which title.
 *
 * trend runs reports/trend.sql, or trend_BY.sql for --by; summary runs
 * trend.sql with hourly buckets, or daily ones for a window longer than a
 * week, so that its chart stays readable.
 */
#ifndef NETMON_REPORT_TREND_H
#define NETMON_REPORT_TREND_H

#include <sqlite3.h>
#include "report.h"

/* No more buckets than this in one report (a year of 5 minutes is 105120). */
#define REPORT_MAX_BUCKETS 110000

/* The query file of a section: the trend's follows --by. */
const char *report_section_query(const struct report_section *sec, const struct report_opts *o);

/* The heading of a section in a table (NULL: none). */
const char *report_section_title(const struct report_section *sec, const struct report_opts *o);

/* "5 minutes", "hour" or "day": what one bucket of o is. */
const char *report_trend_unit(const struct report_opts *o);

/*
 * For summary and trend: set o->bucket (summary: 1h, or 1d past a week) and
 * refuse (-E2BIG, logged) a window of more than REPORT_MAX_BUCKETS buckets.
 * Other commands: nothing. Returns 0 or a negative errno.
 */
int report_trend_plan(sqlite3 *db, struct report_opts *o);

#endif
