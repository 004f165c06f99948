/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_bars.h - bar charts in the table format: the protocol share and the
 * trend, drawn in a last column of the section's table.
 *
 * On a terminal the bars are Unicode blocks (eighths for the share); when the
 * output is not a terminal, TERM is dumb or NO_COLOR is set, they are ASCII
 * ('#' in, '=' out). No escape sequence is ever written: the bars are text
 * cells, escaped like any other.
 */
#ifndef NETMON_REPORT_BARS_H
#define NETMON_REPORT_BARS_H

#include <sqlite3.h>
#include <stdio.h>
#include "report.h"

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

/* Run a CHART_SHARE or CHART_TREND section into w, with its bars. */
int report_bars_section(sqlite3 *db, const struct report_section *sec, const struct report_opts *o,
			struct fmt_writer *w, FILE *fp, const char *empty_text);

#endif
