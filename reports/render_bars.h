/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * render_bars.h - bar charts in the table format: the protocol share and the
 * trend, drawn in a last column of the section's table.
 *
 * On a terminal the bars are Unicode blocks (eighths for the share); when the
 * output is not a terminal, TERM is dumb or NO_COLOR is set, they are ASCII
 * ('#' in, '=' out). No escape sequence is ever written: the bars are text
 * cells, escaped like any other.
 */
#ifndef NETMON_RENDER_BARS_H
#define NETMON_RENDER_BARS_H

#include <stdio.h>
#include "fmt_buf.h"
#include "render.h"
#include "render_table.h"
#include "report_rows.h"

/* Bars of at most this many columns. */
#define BARS_TREND_WIDTH 40
#define BARS_SHARE_WIDTH 25

/* Whether bars to fp may use Unicode blocks (see above). */
int bars_unicode(FILE *fp);

/*
 * A bar of value/max of width columns, in and out stacked (out may be 0):
 * appended to b. A value above 0 never draws as nothing.
 */
int bars_stacked(struct fmt_buf *b, long long in, long long out, long long max, int width,
		 int unicode);
/* A bar of pct percent of width columns, in eighths of a column in Unicode. */
int bars_share(struct fmt_buf *b, double pct, int width, int unicode);

/*
 * A CHART_SHARE or CHART_TREND section of rows r into w, a bar in a last
 * column; unicode as bars_unicode() says. 0 or a negative errno.
 */
int render_bars_section(struct fmt_writer *w, const struct render_section *sec,
			const struct report_rows *r, int unicode);

#endif
