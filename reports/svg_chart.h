/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * svg_chart.h - inline SVG bar charts for the HTML report.
 *
 * Static pictures: no script, no external reference. Labels are visible text
 * (as fmt_cell or fmt_table_escape make it) and are written as inert SVG text.
 * Each bar is one <rect> with a <title> (the exact value, shown on hover);
 * nothing else in a chart is a <rect>, so a test counts the bars by counting
 * the rects of a chart (by its id).
 */
#ifndef NETMON_SVG_CHART_H
#define NETMON_SVG_CHART_H

#include "report_fmt.h"

/* One bucket of a trend: its start (unix seconds) and bytes in and out. */
struct svg_bucket {
	long long start, in, out;
};

/*
 * A column chart over time: per bucket, a rect of class "in" with a rect
 * of class "out" stacked on it (2 * n rects, zero-high ones included, so
 * the count does not depend on the data). The scale is max bytes (at least
 * the largest in + out); label names the series (NULL: none).
 */
int svg_trend(struct fmt_buf *b, const char *id, const char *label,
	      const struct svg_bucket *buckets, size_t n, long long max);

/* One horizontal bar: its label (visible text), value, and the value shown. */
struct svg_hbar {
	const char *label;
	size_t label_len;
	double value;
	const char *shown; /* e.g. "2.4 MiB" or "99.8 %" */
};

/* Horizontal bars, one rect of class "bar" each, scaled to max. */
int svg_hbars(struct fmt_buf *b, const char *id, const struct svg_hbar *bars, size_t n, double max);

#endif
