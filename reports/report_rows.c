// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report_rows.c - values and rows in memory (see report_rows.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report_rows.h"

void report_rows_free(struct report_rows *r)
{
	for (int c = 0; r->names && c < r->ncols; c++)
		free(r->names[c]);
	for (size_t i = 0; r->v && i < r->n * (size_t)r->ncols; i++)
		if (r->v[i].type == FMT_TEXT)
			free((char *)r->v[i].s);
	free(r->names);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int report_rows_init(struct report_rows *r, int ncols, const char *const *names)
{
	memset(r, 0, sizeof(*r));
	r->ncols = ncols;
	r->names = calloc(ncols ? ncols : 1, sizeof(*r->names));
	if (!r->names)
		return -ENOMEM;
	for (int c = 0; c < ncols; c++) {
		r->names[c] = strdup(names[c]);
		if (!r->names[c])
			return -ENOMEM; /* report_rows_free() frees the names up to here */
	}
	return 0;
}

int report_rows_add(struct report_rows *r, const struct fmt_value *from)
{
	struct fmt_value *row;

	if (r->n == r->cap) {
		size_t want = r->cap ? r->cap * 2 : 64;
		struct fmt_value *p = realloc(r->v, want * r->ncols * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->v = p;
		r->cap = want;
	}
	row = &r->v[r->n * r->ncols];
	for (int c = 0; c < r->ncols; c++) {
		row[c] = from[c];
		if (row[c].type != FMT_TEXT)
			continue;
		char *copy = malloc(row[c].n + 1);

		if (copy) {
			memcpy(copy, row[c].s, row[c].n);
			copy[row[c].n] = '\0';
		}
		row[c].s = copy;
		if (!copy) {
			/* Keep the row whole (and freeable) up to here. */
			for (int k = c; k < r->ncols; k++)
				row[k] = (struct fmt_value){ .type = FMT_NULL };
			r->n++;
			return -ENOMEM;
		}
	}
	r->n++;
	return 0;
}

int report_rows_col(const struct report_rows *r, const char *name)
{
	for (int c = 0; c < r->ncols; c++)
		if (!strcmp(r->names[c], name))
			return c;
	return -1;
}

const struct fmt_value *report_rows_at(const struct report_rows *r, size_t i, int c)
{
	static const struct fmt_value null = { .type = FMT_NULL };

	return c < 0 ? &null : &r->v[i * r->ncols + c];
}

long long report_rows_int(const struct report_rows *r, size_t i, int c)
{
	const struct fmt_value *v = report_rows_at(r, i, c);

	return v->type == FMT_INT ? v->i : v->type == FMT_REAL ? (long long)v->r : 0;
}

long long report_rows_max_sum(const struct report_rows *r, int a, int b)
{
	long long max = 0;

	for (size_t i = 0; i < r->n; i++) {
		long long t = report_rows_int(r, i, a) + report_rows_int(r, i, b);

		max = t > max ? t : max;
	}
	return max;
}
