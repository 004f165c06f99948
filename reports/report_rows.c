// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report_rows.c - a query's whole result in memory, for the charts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
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

/* Append the current row of st; text is copied, so st may step on. */
static int add_row(struct report_rows *r, sqlite3_stmt *st, size_t *cap)
{
	struct fmt_value *row;

	if (r->n == *cap) {
		size_t want = *cap ? *cap * 2 : 64;
		struct fmt_value *p = realloc(r->v, want * r->ncols * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->v = p;
		*cap = want;
	}
	row = &r->v[r->n * r->ncols];
	for (int c = 0; c < r->ncols; c++) {
		report_column_value(st, c, &row[c]);
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

int report_rows_query(sqlite3 *db, const char *query, const struct report_opts *o,
		      struct report_rows *r)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int err, rc;

	memset(r, 0, sizeof(*r));
	err = report_statement(db, query, o, &st);
	if (err)
		goto out;
	r->ncols = sqlite3_column_count(st);
	r->names = calloc(r->ncols ? r->ncols : 1, sizeof(*r->names));
	err = r->names ? 0 : -ENOMEM;
	for (int c = 0; c < r->ncols && !err; c++) {
		r->names[c] = strdup(sqlite3_column_name(st, c));
		err = r->names[c] ? 0 : -ENOMEM;
	}
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = add_row(r, st, &cap);
	if (!err && rc != SQLITE_DONE) {
		report_step_failed(st, query, rc);
		err = -EIO;
	}
	pr_info("%s: %zu row%s", query, r->n, r->n == 1 ? "" : "s");
out:
	sqlite3_finalize(st);
	if (err)
		report_rows_free(r);
	return err;
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
