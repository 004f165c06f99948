/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_rows.h - values and rows: what the query layer (report_query.h)
 * yields and the renderers (render.h) take. No SQLite here.
 *
 * A table streams its rows one by one (a struct fmt_value per column); a
 * chart must see them all first (the largest value sets the scale), so the
 * chart sections are read whole into a struct report_rows.
 */
#ifndef NETMON_REPORT_ROWS_H
#define NETMON_REPORT_ROWS_H

#include <stddef.h>

enum fmt_type { FMT_NULL, FMT_INT, FMT_REAL, FMT_TEXT };

struct fmt_value {
	enum fmt_type type;
	long long i;   /* FMT_INT */
	double r;      /* FMT_REAL */
	const char *s; /* FMT_TEXT: n bytes, not necessarily NUL-terminated */
	size_t n;
};

struct report_rows {
	int ncols;
	char **names;	     /* column names, owned */
	size_t n;	     /* rows */
	struct fmt_value *v; /* n * ncols values, row-major; text owned */
	size_t cap;	     /* rows v has room for */
};

/* Start r empty, with copies of the ncols names. 0 or -ENOMEM. */
int report_rows_init(struct report_rows *r, int ncols, const char *const *names);

/* Append a row of ncols values, its text copied. 0 or -ENOMEM. */
int report_rows_add(struct report_rows *r, const struct fmt_value *row);

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
