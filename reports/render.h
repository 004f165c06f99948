/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * render.h - what every renderer is given: the output formats, and a section
 * as it is shown (its key, headings, chart and what it says when empty).
 *
 * The renderers (render_table.c: table, CSV, JSON; render_bars.c: bars in a
 * table; render_html.c with render_svg.c: HTML) turn rows of values
 * (report_rows.h) into text. They know nothing above them: no SQLite, no
 * query, no command, no section table. report_run.c alone calls them.
 */
#ifndef NETMON_RENDER_H
#define NETMON_RENDER_H

enum fmt_format {
	FMT_TABLE, /* aligned columns for people, strings made inert */
	FMT_CSV,   /* RFC 4180, exact numbers, strings made inert */
	FMT_JSON,  /* RFC 8259, exact integers */
	FMT_HTML,  /* one self-contained document (render_html.c), not a fmt_writer */
};

/* How a section is drawn beyond its table (render_bars.c, render_html.c). */
enum report_chart {
	CHART_NONE,
	CHART_RANK,  /* html: a bar per row, of its total_bytes (or bytes) */
	CHART_SHARE, /* table and html: a bar per row, of its bytes_pct */
	CHART_TREND, /* table and html: bars over time, a chart per series */
};

/* A section as a renderer shows it (report_sections.c makes it). */
struct render_section {
	const char *key;   /* JSON member, CSV's section column, HTML ids */
	const char *title; /* table heading, or NULL */
	char heading[256]; /* HTML heading: the title, or one made for HTML */
	enum report_chart chart;
	int object;		 /* JSON: the section's one row as an object */
	const char *empty_table; /* table: what no rows says, or NULL: nothing */
	const char *empty_html;	 /* HTML: what no rows says */
	char note[256];		 /* table, HTML: a line under the section, or "" */
};

#endif
