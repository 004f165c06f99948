// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * render_html.c - a report as one self-contained HTML document.
 *
 * Each section is a heading, a chart where it has one (render.h's
 * enum report_chart) and the table of its rows, cells shown as the table
 * format shows them (fmt_cell) and then made inert for HTML. The document
 * is built in memory and written at once: a failed query writes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fmt_escape.h"
#include "log.h"
#include "render_html.h"
#include "render_svg.h"
#include "render_table.h"

/* Append a string literal. */
#define ADD(b, lit) fmt_buf_add((b), (lit), sizeof(lit) - 1)

static const char style[] =
	"body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}"
	"h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px}"
	".window{color:#555;margin-top:0}"
	"table{border-collapse:collapse;font-size:13px;margin:8px 0}"
	"th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left;"
	"white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	"th{background:#f3f3f3}.empty{color:#555;font-style:italic}"
	"section{overflow-x:auto}svg.chart{display:block;margin:6px 0}"
	"svg text{font-size:11px;fill:#333}"
	"rect.in{fill:#1f77b4}rect.out{fill:#ff7f0e}rect.bar{fill:#4c78a8}"
	"line.axis{stroke:#999;stroke-width:1}.legend span{display:inline-block;width:10px;"
	"height:10px;margin:0 4px 0 12px}.legend .in{background:#1f77b4}"
	".legend .out{background:#ff7f0e}polygon.gap{fill:#d0d0d0}polygon.partial{fill:#ececec}"
	".legend .gap{background:#d0d0d0}.legend .partial{background:#ececec}";

int render_html_begin(struct fmt_buf *b, const char *command, const char *window)
{
	int err = fmt_buf_addf(
		b,
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
		"'none'; style-src 'unsafe-inline'\">\n"
		"<title>netmon %s</title>\n<style>%s</style>\n</head>\n<body>\n"
		"<h1>netmon %s</h1>\n<p class=\"window\">",
		command, style, command);

	if (!err)
		err = fmt_html_text(b, window, strlen(window));
	return err ? err : ADD(b, "</p>\n");
}

/* The cell of row i, column c, as visible text (a bucket start as a time). */
static int cell(struct fmt_buf *b, const struct report_rows *r, size_t i, int c, int *right)
{
	const struct fmt_value *v = report_rows_at(r, i, c);

	if (!strcmp(r->names[c], "bucket_start") && v->type == FMT_INT) {
		char when[32];
		time_t t = (time_t)v->i;
		struct tm tm;

		*right = 0;
		if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm))
			return fmt_buf_addf(b, "%lld", v->i);
		return fmt_buf_add(b, when, strlen(when));
	}
	return fmt_cell(b, r->names[c], v, right);
}

static int table(struct fmt_buf *b, const struct report_rows *r)
{
	struct fmt_buf s = { 0 };
	int right, err = ADD(b, "<table>\n<thead><tr>");

	for (int c = 0; c < r->ncols && !err; c++) {
		err = ADD(b, "<th>");
		if (!err)
			err = fmt_html_text(b, r->names[c], strlen(r->names[c]));
		if (!err)
			err = ADD(b, "</th>");
	}
	if (!err)
		err = ADD(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n && !err; i++) {
		err = ADD(b, "<tr>");
		for (int c = 0; c < r->ncols && !err; c++) {
			s.len = 0;
			err = cell(&s, r, i, c, &right);
			if (!err)
				err = right ? ADD(b, "<td class=\"num\">") : ADD(b, "<td>");
			if (!err)
				err = fmt_html_refs(b, s.s, s.len);
			if (!err)
				err = ADD(b, "</td>");
		}
		if (!err)
			err = ADD(b, "</tr>\n");
	}
	fmt_buf_free(&s);
	return err ? err : ADD(b, "</tbody>\n</table>\n");
}

/* Columns that name a row: from first up to the first count of packets or bytes. */
static int label_end(const struct report_rows *r, int first)
{
	int c = first;

	for (; c < r->ncols; c++) {
		size_t n = strlen(r->names[c]);

		if ((n >= 7 && !strcmp(r->names[c] + n - 7, "packets")) ||
		    (n >= 5 && !strcmp(r->names[c] + n - 5, "bytes")))
			break;
	}
	return c;
}

/* Row i's label: the cells of columns [first, end) joined by blanks. */
static int row_label(struct fmt_buf *b, const struct report_rows *r, size_t i, int first, int end)
{
	int right, err = ADD(b, "");

	for (int c = first; c < end && !err; c++) {
		if (c > first)
			err = ADD(b, " ");
		if (!err)
			err = cell(b, r, i, c, &right);
	}
	return err;
}

/* Horizontal bars of column col (bytes, or a share in percent) of every row. */
static int hbars(struct fmt_buf *b, const char *id, const struct report_rows *r, int col,
		 int percent)
{
	struct svg_hbar *bars = calloc(r->n ? r->n : 1, sizeof(*bars));
	struct fmt_buf *labels = calloc(r->n ? r->n : 1, sizeof(*labels));
	struct fmt_buf *shown = calloc(r->n ? r->n : 1, sizeof(*shown));
	int end = label_end(r, 0), right, err = bars && labels && shown ? 0 : -ENOMEM;
	double max = percent ? 100 : 0;

	for (size_t i = 0; i < r->n && !err; i++) {
		const struct fmt_value *v = report_rows_at(r, i, col);

		bars[i].value = v->type == FMT_REAL ? v->r : (double)report_rows_int(r, i, col);
		max = bars[i].value > max ? bars[i].value : max;
		err = row_label(&labels[i], r, i, 0, end);
		if (!err)
			err = fmt_cell(&shown[i], r->names[col], v, &right);
		if (!err && percent)
			err = ADD(&shown[i], " %");
		bars[i].label = labels[i].s;
		bars[i].label_len = labels[i].len;
		bars[i].shown = shown[i].s;
	}
	if (!err)
		err = svg_hbars(b, id, bars, r->n, max);
	for (size_t i = 0; i < r->n && labels && shown; i++) {
		fmt_buf_free(&labels[i]);
		fmt_buf_free(&shown[i]);
	}
	free(bars);
	free(labels);
	free(shown);
	return err;
}

/* The share of a trend row's bucket not recorded: 100 - recorded_pct (0 when NULL). */
static double missing_pct(const struct report_rows *r, size_t i)
{
	int c = report_rows_col(r, "recorded_pct");
	const struct fmt_value *v = c < 0 ? NULL : report_rows_at(r, i, c);

	return !v ? 0 : v->type == FMT_REAL ? 100 - v->r : v->type == FMT_INT ? 100.0 - v->i : 0;
}

/*
 * One chart per series (the rows come series by series, oldest bucket
 * first): ids chart-trend, or chart-trend-1, -2 ... with --by.
 */
static int trend_charts(struct fmt_buf *b, const struct report_rows *r)
{
	int in = report_rows_col(r, "in_bytes"), out = report_rows_col(r, "out_bytes");
	int send = label_end(r, 1), series = 0, err = 0;
	struct svg_bucket *k = calloc(r->n ? r->n : 1, sizeof(*k));
	struct fmt_buf label = { 0 }, next = { 0 };
	long long max = report_rows_max_sum(r, in, out); /* one scale for all series */
	char id[32];

	err = k ? ADD(b, "<p class=\"legend\"><span class=\"in\"></span>in (received)"
			 "<span class=\"out\"></span>out (sent)<span class=\"gap\"></span>not "
			 "recorded<span class=\"partial\"></span>recorded in part</p>\n")
		: -ENOMEM;
	for (size_t i = 0, first = 0; i < r->n && !err; first = i) {
		label.len = 0;
		err = row_label(&label, r, i, 1, send);
		for (; i < r->n && !err; i++) {
			next.len = 0;
			err = row_label(&next, r, i, 1, send);
			if (err || strcmp(next.s, label.s))
				break;
			k[i - first] = (struct svg_bucket){ report_rows_int(r, i, 0),
							    report_rows_int(r, i, in),
							    report_rows_int(r, i, out),
							    missing_pct(r, i) };
		}
		series++;
		if (send > 1)
			snprintf(id, sizeof(id), "chart-trend-%d", series);
		else
			snprintf(id, sizeof(id), "chart-trend");
		if (!err)
			err = svg_trend(b, id, send > 1 ? label.s : NULL, k, i - first, max);
	}
	fmt_buf_free(&label);
	fmt_buf_free(&next);
	free(k);
	return err;
}

int render_html_section(struct fmt_buf *b, const struct render_section *sec,
			const struct report_rows *r)
{
	char id[48];
	int col, err;

	snprintf(id, sizeof(id), "chart-%s", sec->key);
	err = fmt_buf_addf(b, "<section id=\"section-%s\">\n<h2>%s</h2>\n", sec->key, sec->heading);
	if (!err && !r->n) {
		err = ADD(b, "<p class=\"empty\">");
		if (!err)
			err = fmt_html_text(b, sec->empty_html, strlen(sec->empty_html));
		if (!err)
			err = ADD(b, "</p>\n");
	} else if (!err) {
		col = report_rows_col(r, "total_bytes");
		if (col < 0)
			col = report_rows_col(r, "bytes");
		if (sec->chart == CHART_TREND)
			err = trend_charts(b, r);
		else if (sec->chart == CHART_SHARE)
			err = hbars(b, id, r, report_rows_col(r, "bytes_pct"), 1);
		else if (sec->chart == CHART_RANK && col >= 0)
			err = hbars(b, id, r, col, 0);
		if (!err && sec->chart == CHART_TREND)
			err = ADD(b, "<details><summary>Rows</summary>\n");
		if (!err)
			err = table(b, r);
		if (!err && sec->chart == CHART_TREND)
			err = ADD(b, "</details>\n");
	}
	if (!err && sec->note[0]) {
		err = ADD(b, "<p class=\"note\">");
		if (!err)
			err = fmt_html_text(b, sec->note, strlen(sec->note));
		if (!err)
			err = ADD(b, "</p>\n");
	}
	return err ? err : ADD(b, "</section>\n");
}

int render_html_end(struct fmt_buf *b, FILE *fp)
{
	int err = ADD(b, "</body>\n</html>\n");

	if (!err) {
		fwrite(b->s, 1, b->len, fp);
		if (fflush(fp) || ferror(fp)) {
			pr_err("cannot write the report: %s", strerror(errno));
			err = -EIO;
		}
	}
	return err;
}
