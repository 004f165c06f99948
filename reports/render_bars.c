// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* render_bars.c - bar charts in the table format (see render_bars.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "render_bars.h"

#define FULL "\u2588"		      /* full block: in, and the share */
#define LIGHT "\u2591"		      /* light shade: out */
#define THIN "\u258f"		      /* left one eighth block: a value too small for a column */
#define NOT_RECORDED "(not recorded)" /* a trend bucket no recorder covered */

int bars_unicode(FILE *fp)
{
	const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");

	/* NO_COLOR (no-color.org): set and not empty. */
	if (no_color && *no_color)
		return 0;
	return isatty(fileno(fp)) && !(term && !strcmp(term, "dumb"));
}

static int repeat(struct fmt_buf *b, const char *s, long n)
{
	int err = 0;

	for (long i = 0; i < n && !err; i++)
		err = fmt_buf_add(b, s, strlen(s));
	return err;
}

int bars_stacked(struct fmt_buf *b, long long in, long long out, long long max, int width,
		 int unicode)
{
	long total_cols, in_cols;
	int err;

	if (max <= 0 || in + out <= 0)
		return fmt_buf_add(b, "", 0);
	total_cols = (long)((double)(in + out) * width / (double)max + 0.5);
	in_cols = (long)((double)in * width / (double)max + 0.5);
	if (total_cols == 0)
		return fmt_buf_add(b, unicode ? THIN : ".", unicode ? strlen(THIN) : 1);
	err = repeat(b, unicode ? FULL : "#", in_cols);
	return err ? err : repeat(b, unicode ? LIGHT : "=", total_cols - in_cols);
}

int bars_share(struct fmt_buf *b, double pct, int width, int unicode)
{
	/* U+2589 ... U+258F: seven to one eighths of a block. */
	static const char *const eighths[] = { "",	 "\u258f", "\u258e", "\u258d",
					       "\u258c", "\u258b", "\u258a", "\u2589" };
	long n;
	int err;

	if (!isfinite(pct) || pct <= 0)
		return fmt_buf_add(b, "", 0);
	if (pct > 100)
		pct = 100;
	if (!unicode) {
		n = (long)(pct * width / 100 + 0.5);
		return n ? repeat(b, "#", n) : fmt_buf_add(b, ".", 1);
	}
	n = (long)(pct * width * 8 / 100 + 0.5);
	if (n == 0)
		n = 1;
	err = repeat(b, FULL, n / 8);
	return err ? err : fmt_buf_add(b, eighths[n % 8], strlen(eighths[n % 8]));
}

/* The local time of a bucket start, to the minute. */
static void bucket_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "%lld", t);
}

/*
 * The columns a section's table shows: for a trend, the time, the series
 * and the bytes (packets stay in CSV and JSON); else all of them.
 */
static int shown_columns(const struct report_rows *r, enum report_chart chart, int *cols)
{
	int n = 0;

	for (int c = 0; c < r->ncols; c++) {
		const char *name = r->names[c];

		if (chart == CHART_TREND &&
		    (!strcmp(name, "in_packets") || !strcmp(name, "out_packets")))
			continue;
		cols[n++] = c;
	}
	return n;
}

/* Row i as the table shows it: shown columns, then the bar. */
static int write_row(const struct report_rows *r, size_t i, const int *cols, int n,
		     enum report_chart chart, long long max, int unicode, struct fmt_writer *w)
{
	struct fmt_value *v = calloc(n + 1, sizeof(*v));
	struct fmt_buf bar = { 0 };
	char when[32];
	int err, in;

	if (!v)
		return -ENOMEM;
	for (int k = 0; k < n; k++)
		v[k] = *report_rows_at(r, i, cols[k]);
	if (chart == CHART_TREND) {
		bucket_time(report_rows_int(r, i, cols[0]), when, sizeof(when));
		v[0] = (struct fmt_value){ .type = FMT_TEXT, .s = when, .n = strlen(when) };
		in = report_rows_col(r, "in_bytes");
		if (report_rows_at(r, i, in)->type == FMT_NULL) /* a gap, not a zero */
			err = fmt_buf_add(&bar, NOT_RECORDED, strlen(NOT_RECORDED));
		else
			err = bars_stacked(&bar, report_rows_int(r, i, in),
					   report_rows_int(r, i, report_rows_col(r, "out_bytes")),
					   max, BARS_TREND_WIDTH, unicode);
	} else {
		const struct fmt_value *pct = report_rows_at(r, i, report_rows_col(r, "bytes_pct"));

		err = bars_share(&bar, pct->type == FMT_REAL ? pct->r : 0, BARS_SHARE_WIDTH,
				 unicode);
	}
	v[n] = (struct fmt_value){ .type = FMT_TEXT, .s = bar.s ? bar.s : "", .n = bar.len };
	if (!err)
		err = fmt_row(w, v);
	fmt_buf_free(&bar);
	free(v);
	return err;
}

int render_bars_section(struct fmt_writer *w, const struct render_section *sec,
			const struct report_rows *r, int unicode)
{
	const char **names = NULL;
	int *cols = NULL, n, err = 0;
	long long max;

	cols = calloc(r->ncols + 1, sizeof(*cols));
	names = calloc(r->ncols + 1, sizeof(*names));
	if (!cols || !names) {
		err = -ENOMEM;
		goto out;
	}
	n = shown_columns(r, sec->chart, cols);
	for (int k = 0; k < n; k++)
		names[k] = r->names[cols[k]];
	if (sec->chart == CHART_TREND)
		names[0] = "time";
	/* The bar column's heading is its legend. */
	names[n] = sec->chart == CHART_SHARE ? "share"
		   : unicode		     ? FULL " in  " LIGHT " out"
					     : "# in  = out";
	max = sec->chart == CHART_TREND ? report_rows_max_sum(r, report_rows_col(r, "in_bytes"),
							      report_rows_col(r, "out_bytes"))
					: 100;
	err = fmt_section_begin(w, sec->key, sec->title, n + 1, names);
	for (size_t i = 0; i < r->n && !err; i++)
		err = write_row(r, i, cols, n, sec->chart, max, unicode, w);
	if (!err)
		err = fmt_section_end(w, sec->empty_table);
out:
	free(cols);
	free(names);
	return err;
}
