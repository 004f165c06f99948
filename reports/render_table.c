// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * render_table.c - lay out sections of rows as a table, CSV or JSON.
 *
 * CSV and JSON rows are written as they arrive, so a large --limit costs no
 * memory. A table must know every width before its first line, so its cells
 * are kept (already formatted) until the section ends.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fmt_escape.h"
#include "fmt_units.h"
#include "render_table.h"

enum col_kind { COL_PLAIN, COL_BYTES, COL_PROTOCOL, COL_PERCENT, COL_TIME };

struct fmt_writer {
	enum fmt_format format;
	FILE *fp;
	int multi;    /* several sections: a JSON object, one CSV table */
	int sections; /* sections begun so far */
	char *key;    /* this section's key: CSV's section column */
	int object;   /* JSON: this section is one object, not an array */
	int nall;     /* CSV of several sections: the columns of all of them */
	char **all;
	int *at; /* CSV: this section's column for each of all, or -1 */
	int ncols;
	char **names; /* this section's column names */
	enum col_kind *kinds;
	int *right; /* table: column right-aligned (numbers) */
	size_t nrows;
	char **cells; /* table: formatted cells, row-major */
	size_t capcells;
	int printed; /* table: a section was printed */
	char *title; /* table: this section's heading, or NULL */
	struct fmt_buf line;
};

int fmt_writer_new(struct fmt_writer **out, enum fmt_format format, FILE *fp, int sections)
{
	struct fmt_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->format = format;
	w->fp = fp;
	w->multi = sections > 1;
	if (format == FMT_JSON && w->multi)
		fputs("{\n", fp);
	*out = w;
	return 0;
}

/* Forget the current section's columns and cells. */
static void section_clear(struct fmt_writer *w)
{
	for (int c = 0; c < w->ncols; c++)
		free(w->names[c]);
	for (size_t i = 0; i < w->nrows * (size_t)w->ncols && w->cells; i++)
		free(w->cells[i]);
	free(w->names);
	free(w->kinds);
	free(w->right);
	free(w->cells);
	free(w->title);
	free(w->key);
	free(w->at);
	w->title = w->key = NULL;
	w->at = NULL;
	w->object = 0;
	w->names = NULL;
	w->kinds = NULL;
	w->right = NULL;
	w->cells = NULL;
	w->ncols = 0;
	w->nrows = w->capcells = 0;
}

void fmt_writer_free(struct fmt_writer *w)
{
	if (!w)
		return;
	section_clear(w);
	for (int j = 0; j < w->nall; j++)
		free(w->all[j]);
	free(w->all);
	fmt_buf_free(&w->line);
	free(w);
}

static enum col_kind kind_of(const char *name)
{
	size_t n = strlen(name);

	if (n >= 5 && !strcmp(name + n - 5, "bytes"))
		return COL_BYTES;
	if (!strcmp(name, "protocol"))
		return COL_PROTOCOL;
	if (n >= 4 && !strcmp(name + n - 4, "_pct"))
		return COL_PERCENT;
	if (!strcmp(name, "ts") || (n >= 5 && !strcmp(name + n - 5, "_seen")))
		return COL_TIME;
	return COL_PLAIN;
}

/* Write w->line if it was built, and empty it; err passes through. */
static int flush_line(struct fmt_writer *w, int err)
{
	if (!err)
		fwrite(w->line.s, 1, w->line.len, w->fp);
	w->line.len = 0;
	return err;
}

/* One CSV line of names: the header. */
static int csv_names(struct fmt_writer *w, const char *first, int n, char *const *names)
{
	int err = first ? fmt_csv_field(&w->line, first, strlen(first)) : 0;

	for (int c = 0; c < n && !err; c++) {
		if (c || first)
			err = fmt_buf_add(&w->line, ",", 1);
		if (!err)
			err = fmt_csv_field(&w->line, names[c], strlen(names[c]));
	}
	if (!err)
		err = fmt_buf_add(&w->line, "\n", 1);
	return flush_line(w, err);
}

int fmt_csv_columns(struct fmt_writer *w, int ncols, const char *const *names)
{
	if (w->format != FMT_CSV || !w->multi)
		return 0;
	for (int c = 0; c < ncols; c++) {
		int j = 0;

		while (j < w->nall && strcmp(w->all[j], names[c]))
			j++;
		if (j < w->nall)
			continue;
		char **p = realloc(w->all, (w->nall + 1) * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->all = p;
		w->all[w->nall] = strdup(names[c]);
		if (!w->all[w->nall])
			return -ENOMEM;
		w->nall++;
	}
	return 0;
}

/*
 * A section of a CSV of several: its columns placed among all of them. The
 * header goes out with the first section, so fmt_csv_columns() must have
 * named every column by then.
 */
static int csv_section(struct fmt_writer *w)
{
	w->at = malloc((w->nall ? w->nall : 1) * sizeof(*w->at));
	if (!w->at)
		return -ENOMEM;
	for (int j = 0; j < w->nall; j++)
		w->at[j] = -1;
	for (int c = 0; c < w->ncols; c++) {
		int j = 0;

		while (j < w->nall && strcmp(w->all[j], w->names[c]))
			j++;
		if (j == w->nall)
			return -EINVAL; /* not declared with fmt_csv_columns() */
		w->at[j] = c;
	}
	return w->sections == 1 ? csv_names(w, "section", w->nall, w->all) : 0;
}

int fmt_section_begin(struct fmt_writer *w, const char *key, const char *title, int ncols,
		      const char *const *names)
{
	int err = 0;

	section_clear(w);
	w->sections++;
	w->names = calloc(ncols, sizeof(*w->names));
	w->kinds = calloc(ncols, sizeof(*w->kinds));
	w->right = calloc(ncols, sizeof(*w->right));
	w->title = title ? strdup(title) : NULL;
	w->key = strdup(key ? key : "");
	if (!w->names || !w->kinds || !w->right || (title && !w->title) || !w->key)
		return -ENOMEM;
	w->ncols = ncols;
	for (int c = 0; c < ncols; c++) {
		w->names[c] = strdup(names[c]);
		if (!w->names[c])
			return -ENOMEM;
		w->kinds[c] = kind_of(names[c]);
	}
	if (w->format == FMT_CSV && w->multi)
		return csv_section(w);
	if (w->format == FMT_CSV)
		return csv_names(w, NULL, w->ncols, w->names);
	if (w->format == FMT_JSON && w->multi) {
		err = fmt_buf_addf(&w->line, "%s  ", w->sections > 1 ? ",\n" : "");
		if (!err)
			err = fmt_json_string(&w->line, key, strlen(key));
		if (!err)
			err = fmt_buf_add(&w->line, ": ", 2);
		return flush_line(w, err);
	}
	return 0;
}

/*
 * The shortest of 15, 16 or 17 significant digits that reads back as the same
 * double: 99.8 stays "99.8" (17 digits would say 99.799999999999997), and
 * nothing is lost. An integral value keeps ".0" so that it still reads as a
 * real, as the sqlite3 shell shows it.
 */
static int real_exact(struct fmt_buf *b, double r)
{
	char s[40];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, r);
		if (strtod(s, NULL) == r)
			break;
	}
	if (strspn(s, "-0123456789") == strlen(s))
		strcat(s, ".0");
	return fmt_buf_add(b, s, strlen(s));
}

/* exact: every digit that matters (CSV, JSON); else 6 significant (tables). */
static int number(struct fmt_buf *b, const struct fmt_value *v, int exact)
{
	if (v->type == FMT_INT)
		return fmt_buf_addf(b, "%lld", v->i);
	if (!isfinite(v->r))
		return fmt_buf_add(b, "null", 4);
	return exact ? real_exact(b, v->r) : fmt_buf_addf(b, "%g", v->r);
}

/* One CSV value: empty for NULL and for a real that has no digits. */
static int csv_value(struct fmt_buf *b, const struct fmt_value *v)
{
	if (v->type == FMT_NULL || (v->type == FMT_REAL && !isfinite(v->r)))
		return 0;
	if (v->type == FMT_TEXT)
		return fmt_csv_field(b, v->s, v->n);
	return number(b, v, 1);
}

static int csv_row(struct fmt_writer *w, const struct fmt_value *v)
{
	int n = w->multi ? w->nall : w->ncols, err = 0;

	if (w->multi)
		err = fmt_csv_field(&w->line, w->key, strlen(w->key));
	for (int j = 0; j < n && !err; j++) {
		int c = w->multi ? w->at[j] : j;

		if (j || w->multi)
			err = fmt_buf_add(&w->line, ",", 1);
		if (!err && c >= 0)
			err = csv_value(&w->line, &v[c]);
	}
	if (!err)
		err = fmt_buf_add(&w->line, "\n", 1);
	return flush_line(w, err);
}

static int json_row(struct fmt_writer *w, const struct fmt_value *v)
{
	const char *indent = w->multi ? "    " : "  ";
	int err;

	if (w->object && w->nrows)
		return -EINVAL; /* one object holds one row */
	if (w->object)
		err = fmt_buf_add(&w->line, "{", 1);
	else
		err = fmt_buf_addf(&w->line, "%s%s{", w->nrows ? ",\n" : "[\n", indent);
	for (int c = 0; c < w->ncols && !err; c++) {
		if (c)
			err = fmt_buf_add(&w->line, ", ", 2);
		if (!err)
			err = fmt_json_string(&w->line, w->names[c], strlen(w->names[c]));
		if (!err)
			err = fmt_buf_add(&w->line, ": ", 2);
		if (err)
			break;
		if (v[c].type == FMT_TEXT)
			err = fmt_json_string(&w->line, v[c].s, v[c].n);
		else if (v[c].type == FMT_NULL)
			err = fmt_buf_add(&w->line, "null", 4);
		else
			err = number(&w->line, &v[c], 1);
	}
	if (!err)
		err = fmt_buf_add(&w->line, "}", 1);
	return flush_line(w, err);
}

/* One table cell into b; *right says whether it reads as a number. */
static int cell_of_kind(struct fmt_buf *b, enum col_kind kind, const struct fmt_value *v,
			int *right)
{
	const char *name;

	*right = v->type == FMT_INT || v->type == FMT_REAL;
	if (v->type == FMT_TEXT)
		return fmt_table_escape(b, v->s, v->n);
	if (v->type == FMT_NULL)
		return fmt_buf_add(b, "", 0);
	if (v->type == FMT_INT && kind == COL_BYTES)
		return fmt_iec(b, v->i);
	/* A percentage always with one decimal, so that the column lines up. */
	if (v->type == FMT_REAL && kind == COL_PERCENT && isfinite(v->r))
		return fmt_buf_addf(b, "%.1f", v->r);
	if (v->type == FMT_INT && kind == COL_TIME) {
		*right = 0;
		return fmt_time(b, v->i);
	}
	if (v->type == FMT_INT && kind == COL_PROTOCOL) {
		name = fmt_proto_name(v->i);
		*right = 0;
		return name ? fmt_buf_add(b, name, strlen(name)) : number(b, v, 0);
	}
	return number(b, v, 0);
}

int fmt_cell(struct fmt_buf *b, const char *column, const struct fmt_value *v, int *right)
{
	return cell_of_kind(b, kind_of(column), v, right);
}

static int table_cell(struct fmt_writer *w, int c, const struct fmt_value *v, int *right)
{
	return cell_of_kind(&w->line, w->kinds[c], v, right);
}

static int table_row(struct fmt_writer *w, const struct fmt_value *v)
{
	size_t need = (w->nrows + 1) * w->ncols;
	int right, err;

	if (need > w->capcells) {
		size_t cap = w->capcells ? w->capcells * 2 : (size_t)w->ncols * 16;
		char **p;

		while (cap < need)
			cap *= 2;
		p = realloc(w->cells, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		w->cells = p;
		w->capcells = cap;
	}
	for (int c = 0; c < w->ncols; c++) {
		w->line.len = 0;
		err = table_cell(w, c, &v[c], &right);
		/* The first row decides a column's alignment (and its header's). */
		if (!w->nrows)
			w->right[c] = right;
		w->cells[w->nrows * w->ncols + c] = err ? NULL : strdup(w->line.s);
		if (!w->cells[w->nrows * w->ncols + c]) {
			/* Keep the row whole so that section_clear() frees it. */
			while (++c < w->ncols)
				w->cells[w->nrows * w->ncols + c] = NULL;
			w->nrows++;
			return err ? err : -ENOMEM;
		}
	}
	w->line.len = 0;
	return 0;
}

int fmt_row(struct fmt_writer *w, const struct fmt_value *values)
{
	int err;

	if (w->format == FMT_CSV)
		err = csv_row(w, values);
	else if (w->format == FMT_JSON)
		err = json_row(w, values);
	else
		err = table_row(w, values);
	if (!err)
		w->nrows++;
	return err;
}

/* Columns on screen: UTF-8 continuation bytes take no column of their own. */
static size_t width_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void table_line(struct fmt_writer *w, char **cells, const size_t *widths)
{
	for (int c = 0; c < w->ncols; c++) {
		const char *s = cells[c] ? cells[c] : "";
		int pad = (int)(widths[c] - width_of(s));
		int last = c == w->ncols - 1;

		/* No trailing blanks: a left-aligned last column is not padded. */
		if (last && !w->right[c] && !*s)
			break;
		fprintf(w->fp, "%s%*s%s%*s", c ? "  " : "", w->right[c] ? pad : 0, "", s,
			w->right[c] || last ? 0 : pad, "");
	}
	fputc('\n', w->fp);
}

static int table_print(struct fmt_writer *w, const char *title)
{
	size_t *widths = calloc(w->ncols, sizeof(*widths));
	char **header = calloc(w->ncols, sizeof(*header));
	int err = 0;

	for (int c = 0; c < w->ncols && widths && header && !err; c++) {
		w->line.len = 0;
		err = fmt_table_escape(&w->line, w->names[c], strlen(w->names[c]));
		header[c] = err ? NULL : strdup(w->line.s);
		widths[c] = header[c] ? width_of(header[c]) : 0;
		for (size_t r = 0; r < w->nrows; r++) {
			const char *s = w->cells[r * w->ncols + c];
			size_t n = s ? width_of(s) : 0;

			widths[c] = n > widths[c] ? n : widths[c];
		}
	}
	w->line.len = 0;
	if (!widths || !header)
		err = -ENOMEM;
	if (!err) {
		if (w->printed)
			fputc('\n', w->fp);
		if (title)
			fprintf(w->fp, "%s\n", title);
		table_line(w, header, widths);
		for (size_t r = 0; r < w->nrows; r++)
			table_line(w, &w->cells[r * w->ncols], widths);
		w->printed = 1;
	}
	for (int c = 0; header && c < w->ncols; c++)
		free(header[c]);
	free(header);
	free(widths);
	return err;
}

static int table_end(struct fmt_writer *w, const char *empty_text)
{
	if (w->nrows)
		return table_print(w, w->title);
	if (empty_text) {
		fprintf(w->fp, "%s%s\n", w->printed ? "\n" : "", empty_text);
		w->printed = 1;
	}
	return 0;
}

int fmt_section_end(struct fmt_writer *w, const char *empty_text)
{
	if (w->format == FMT_TABLE)
		return table_end(w, empty_text);
	if (w->format == FMT_JSON && w->object)
		fputs(w->nrows ? "" : "null", w->fp);
	else if (w->format == FMT_JSON && !w->nrows)
		fputs(w->multi ? "[]" : "[]\n", w->fp);
	else if (w->format == FMT_JSON)
		fputs(w->multi ? "\n  ]" : "\n]\n", w->fp);
	return 0;
}

int fmt_section_object(struct fmt_writer *w)
{
	w->object = 1;
	return 0;
}

int fmt_note(struct fmt_writer *w, const char *text)
{
	if (w->format != FMT_TABLE)
		return 0;
	fprintf(w->fp, "%s%s\n", w->printed ? "\n" : "", text);
	w->printed = 1;
	return 0;
}

int fmt_document_end(struct fmt_writer *w)
{
	if (w->format == FMT_JSON && w->multi)
		fputs(w->sections ? "\n}\n" : "}\n", w->fp);
	if (fflush(w->fp) || ferror(w->fp))
		return -EIO;
	return 0;
}
