// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* render_svg.c - inline SVG bar charts for the HTML report (see render_svg.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fmt_escape.h"
#include "fmt_units.h"
#include "render_svg.h"

/* Append a string literal. */
#define ADD(b, lit) fmt_buf_add((b), (lit), sizeof(lit) - 1)

/* The trend's frame: plot area inside margins for the axis labels. */
#define T_WIDTH 760
#define T_HEIGHT 210
#define T_LEFT 72
#define T_RIGHT 12
#define T_TOP 24
#define T_BOTTOM 36
#define T_PLOT_W (T_WIDTH - T_LEFT - T_RIGHT)
#define T_PLOT_H (T_HEIGHT - T_TOP - T_BOTTOM)

/* The horizontal bars: label column, bar column, value after the bar. */
#define H_LABEL 260
#define H_BAR 380
#define H_ROW 22
/* Code points of a label before it is cut: 34 of the 11 px font fit the
 * label column (H_LABEL less its margin) even in wide letters, so that an
 * address with its host name is cut with an ellipsis, not clipped. */
#define H_LABEL_MAX 34

static void local_minute(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "%lld", t);
}

/* A text element; s is visible text (fmt_cell, fmt_table_escape) made inert here. */
static int text(struct fmt_buf *b, double x, double y, const char *anchor, const char *s, size_t n)
{
	int err = fmt_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);

	if (!err)
		err = fmt_html_refs(b, s, n);
	return err ? err : ADD(b, "</text>");
}

static int iec_text(struct fmt_buf *b, double x, double y, const char *anchor, long long v)
{
	struct fmt_buf s = { 0 };
	int err = fmt_iec(&s, v);

	if (!err)
		err = text(b, x, y, anchor, s.s, s.len);
	fmt_buf_free(&s);
	return err;
}

/* The opening tag of a chart of class cls ("chart cls") and size w x h. */
static int svg_open(struct fmt_buf *b, const char *cls, const char *id, int w, int h)
{
	return fmt_buf_addf(
		b,
		"<svg class=\"chart %s\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
		cls, id, w, h, w, h);
}

/* One bar: a rect with its tooltip. */
static int rect(struct fmt_buf *b, const char *cls, double x, double y, double w, double h,
		const char *tip)
{
	int err = fmt_buf_addf(b,
			       "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			       "height=\"%.2f\"><title>",
			       cls, x, y, w, h);

	if (!err)
		err = fmt_html_refs(b, tip, strlen(tip));
	return err ? err : ADD(b, "</title></rect>");
}

/* "2024-01-01 10:00: in 1.0 KiB, out 20 B" */
static int bucket_tip(struct fmt_buf *tip, const struct svg_bucket *k)
{
	char when[32];
	int err;

	local_minute(k->start, when, sizeof(when));
	tip->len = 0;
	err = fmt_buf_addf(tip, "%s: in ", when);
	if (!err)
		err = fmt_iec(tip, k->in);
	if (!err)
		err = ADD(tip, ", out ");
	return err ? err : fmt_iec(tip, k->out);
}

/*
 * Behind a bucket's bars, unless the recorder covered all of it: a band
 * over the whole plot height, "gap" (not recorded) or "partial", a
 * polygon with its title (tip is scratch).
 */
static int coverage(struct fmt_buf *b, struct fmt_buf *tip, const struct svg_bucket *k, double x,
		    double slot)
{
	char when[32];
	int err;

	if (k->missing <= 0)
		return 0;
	local_minute(k->start, when, sizeof(when));
	tip->len = 0;
	if (k->missing >= 100)
		err = fmt_buf_addf(tip, "%s: not recorded (no recorder ran)", when);
	else
		err = fmt_buf_addf(tip, "%s: recorded %.1f %% of the bucket", when,
				   100 - k->missing);
	if (!err)
		err = fmt_buf_addf(
			b,
			"<polygon class=\"%s\" points=\"%.2f,%d %.2f,%d %.2f,%d %.2f,%d\">"
			"<title>",
			k->missing >= 100 ? "gap" : "partial", x, T_TOP, x + slot, T_TOP, x + slot,
			T_TOP + T_PLOT_H, x, T_TOP + T_PLOT_H);
	if (!err)
		err = fmt_html_refs(b, tip->s, tip->len);
	return err ? err : ADD(b, "</title></polygon>");
}

/* Axes, the scale and the first, middle and last bucket's time. */
static int trend_axes(struct fmt_buf *b, const char *label, const struct svg_bucket *k, size_t n,
		      long long max)
{
	size_t at[3] = { 0, n / 2, n - 1 };
	const char *anchor[3] = { "start", "middle", "end" };
	double x[3] = { T_LEFT, T_LEFT + T_PLOT_W / 2.0, T_LEFT + T_PLOT_W };
	char when[32];
	int err;

	err = fmt_buf_addf(b,
			   "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			   "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
			   T_LEFT, T_TOP, T_LEFT, T_TOP + T_PLOT_H, T_LEFT, T_TOP + T_PLOT_H,
			   T_LEFT + T_PLOT_W, T_TOP + T_PLOT_H);
	if (!err)
		err = iec_text(b, T_LEFT - 6, T_TOP + 4, "end", max);
	if (!err)
		err = text(b, T_LEFT - 6, T_TOP + T_PLOT_H, "end", "0", 1);
	if (!err && label)
		err = text(b, T_LEFT, 14, "start", label, strlen(label));
	for (int i = 0; i < 3 && !err; i++) {
		if (i && at[i] == at[i - 1])
			continue;
		local_minute(k[at[i]].start, when, sizeof(when));
		err = text(b, x[i], T_HEIGHT - 12, anchor[i], when, strlen(when));
	}
	return err;
}

int svg_trend(struct fmt_buf *b, const char *id, const char *label, const struct svg_bucket *k,
	      size_t n, long long max)
{
	double slot = n ? (double)T_PLOT_W / n : 0, w = slot >= 4 ? slot * 0.8 : slot;
	struct fmt_buf tip = { 0 };
	int err;

	for (size_t i = 0; i < n; i++)
		max = k[i].in + k[i].out > max ? k[i].in + k[i].out : max;
	if (max <= 0)
		max = 1;
	err = svg_open(b, "trend", id, T_WIDTH, T_HEIGHT);
	if (!err && n)
		err = trend_axes(b, label, k, n, max);
	for (size_t i = 0; i < n && !err; i++) {
		double x = T_LEFT + i * slot + (slot - w) / 2;
		double hin = (double)k[i].in * T_PLOT_H / max;
		double hout = (double)k[i].out * T_PLOT_H / max;
		double base = T_TOP + T_PLOT_H;

		err = coverage(b, &tip, &k[i], T_LEFT + i * slot, slot);
		if (!err)
			err = bucket_tip(&tip, &k[i]);
		if (!err)
			err = rect(b, "in", x, base - hin, w, hin, tip.s);
		if (!err)
			err = rect(b, "out", x, base - hin - hout, w, hout, tip.s);
	}
	fmt_buf_free(&tip);
	return err ? err : ADD(b, "</svg>\n");
}

/* label cut to H_LABEL_MAX code points, with an ellipsis when cut. */
static int short_label(struct fmt_buf *b, const char *s, size_t n)
{
	size_t cps = 0, i;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cps++ == H_LABEL_MAX)
			break;
	}
	if (i == n)
		return fmt_buf_add(b, s, n);
	return fmt_buf_addf(b, "%.*s\u2026", (int)i, s);
}

int svg_hbars(struct fmt_buf *b, const char *id, const struct svg_hbar *bars, size_t n, double max)
{
	int height = (int)n * H_ROW + 4, width = H_LABEL + H_BAR + 90, err;
	struct fmt_buf label = { 0 };

	if (max <= 0)
		max = 1;
	err = svg_open(b, "bars", id, width, height);
	for (size_t i = 0; i < n && !err; i++) {
		double y = 2 + (double)i * H_ROW, w = bars[i].value / max * H_BAR;

		label.len = 0;
		err = short_label(&label, bars[i].label, bars[i].label_len);
		if (!err)
			err = text(b, H_LABEL - 8, y + 15, "end", label.s, label.len);
		if (!err)
			err = rect(b, "bar", H_LABEL, y + 3, w > 0 ? w : 0, H_ROW - 6,
				   bars[i].shown);
		if (!err)
			err = text(b, H_LABEL + (w > 0 ? w : 0) + 6, y + 15, "start", bars[i].shown,
				   strlen(bars[i].shown));
	}
	fmt_buf_free(&label);
	return err ? err : ADD(b, "</svg>\n");
}
