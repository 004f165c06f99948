/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * render_svg.h - inline SVG bar charts for the HTML report.
 *
 * Static pictures: no script, no external reference. Labels are visible text
 * (as fmt_cell or fmt_table_escape make it) and are written as inert SVG text.
 * Each bar is one <rect> with a <title> (the exact value, shown on hover);
 * nothing else in a chart is a <rect>, so a test counts the bars by counting
 * the rects of a chart (by its id).
 */
#ifndef NETMON_RENDER_SVG_H
#define NETMON_RENDER_SVG_H

#include <stddef.h>
#include "fmt_buf.h"

/*
 * One bucket of a trend: its start (unix seconds), bytes in and out, and
 * the share of it no recorder covered, in percent (0, the default: all
 * recorded, or not known; 100: not recorded, a gap, whose in and out are 0).
 */
struct svg_bucket {
	long long start, in, out;
	double missing;
};

/*
 * A column chart over time: per bucket, a rect of class "in" with a rect
 * of class "out" stacked on it (2 * n rects, zero-high ones included, so
 * the count does not depend on the data). A bucket not recorded is a grey
 * band of class "gap" the height of the plot, one recorded in part a light
 * one of class "partial" behind its bars, each a <polygon> with its
 * <title> (not a rect: the rects stay the bars). The scale is max bytes (at
 * least the largest in + out); label names the series (NULL: none).
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
