/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_rows.h - a query's whole result in memory, for the charts.
 *
 * A table streams its rows; a chart must see them all first (the largest
 * value sets the scale), so the chart sections read their query into this.
 */
#ifndef NETMON_REPORT_ROWS_H
#define NETMON_REPORT_ROWS_H

#include <sqlite3.h>
#include "report.h"

struct report_rows {
	int ncols;
	char **names;	     /* column names, owned */
	size_t n;	     /* rows */
	struct fmt_value *v; /* n * ncols values, row-major; text owned */
};

/* Prepare the embedded query, bind it from o and read every row into r. */
int report_rows_query(sqlite3 *db, const char *query, const struct report_opts *o,
		      struct report_rows *r);
void report_rows_free(struct report_rows *r);

/* The index of the column named name, or -1. */
int report_rows_col(const struct report_rows *r, const char *name);

/* Row i, column c (c may be -1: a NULL value). */
const struct fmt_value *report_rows_at(const struct report_rows *r, size_t i, int c);

/* Row i, column c as an integer (0 for NULL, text or c == -1). */
long long report_rows_int(const struct report_rows *r, size_t i, int c);

/* The largest sum of columns a and b over the rows (0 for none): a chart's scale. */
long long report_rows_max_sum(const struct report_rows *r, int a, int b);

#endif
