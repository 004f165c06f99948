// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report_trend.c - the trend sections: which query, which bucket, which title. */
#include <errno.h>
#include "log.h"
#include "report_trend.h"
#include "report_window.h"

/* Summary's chart: hours up to a week (168 bars), days beyond. */
#define SUMMARY_HOURLY_MAX_BUCKETS (7 * 24)

const char *report_section_query(const struct report_section *sec, const struct report_opts *o)
{
	static const char *const by_query[] = {
		[REPORT_BY_NONE] = "trend.sql",
		[REPORT_BY_INTERFACE] = "trend_interface.sql",
		[REPORT_BY_PROTOCOL] = "trend_protocol.sql",
		[REPORT_BY_HOST] = "trend_host.sql",
	};

	if (sec->chart != CHART_TREND)
		return sec->query;
	/* summary's trend is always of all traffic (--by is trend's only). */
	return by_query[o->command == REPORT_TREND ? o->by : REPORT_BY_NONE];
}

const char *report_trend_unit(const struct report_opts *o)
{
	if (o->bucket == 300)
		return "5 minutes";
	return o->bucket == 86400 ? "day" : "hour";
}

const char *report_section_title(const struct report_section *sec, const struct report_opts *o)
{
	if (sec->chart != CHART_TREND || o->command != REPORT_SUMMARY)
		return sec->title;
	return o->bucket == 86400 ? "Traffic per day, all interfaces"
				  : "Traffic per hour, all interfaces";
}

/* What recorded_span.sql says of the window: first start and last end. */
static int recorded_span(sqlite3 *db, const struct report_opts *o, int64_t *first, int64_t *last,
			 int *any)
{
	sqlite3_stmt *st;
	int err = report_prepare(db, "recorded_span.sql", &st);

	*any = 0;
	if (!err)
		err = report_bind(st, "recorded_span.sql", o);
	if (!err && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
		*any = 1;
		*first = sqlite3_column_int64(st, 1);
		*last = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return err;
}

int report_trend_plan(sqlite3 *db, struct report_opts *o)
{
	int64_t first, last, buckets;
	int any, err;

	if (o->command != REPORT_SUMMARY && o->command != REPORT_TREND)
		return 0;
	if (!o->bucket || o->command == REPORT_SUMMARY)
		o->bucket = REPORT_DEFAULT_BUCKET;
	err = recorded_span(db, o, &first, &last, &any);
	if (err || !any)
		return err; /* nothing recorded: the query returns no rows */
	/* The buckets run over the window as given, or as recorded where open. */
	if (o->since != WINDOW_START)
		first = o->since;
	if (o->until != WINDOW_END)
		last = o->until;
	/* 86400 for a local day is near enough to count buckets. */
	buckets = (last - first) / o->bucket + 1;
	if (o->command == REPORT_SUMMARY && buckets > SUMMARY_HOURLY_MAX_BUCKETS) {
		o->bucket = 86400;
		buckets = (last - first) / o->bucket + 1;
	}
	if (buckets <= REPORT_MAX_BUCKETS)
		return 0;
	pr_err("trend: the window holds %lld buckets of %s (at most %d): use a larger --bucket "
	       "or a shorter window",
	       (long long)buckets, report_trend_unit(o), REPORT_MAX_BUCKETS);
	return -E2BIG;
}
