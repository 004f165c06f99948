/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * render_html.h - a report as one self-contained HTML document.
 *
 * Inline CSS and inline SVG charts (render_svg.c): no script, no fetch (a
 * Content-Security-Policy says so to the browser too), readable offline and
 * as an e-mail attachment. Every string from the database is escaped.
 *
 * The document is built in memory (b) and written at once by
 * render_html_end(): a failed query writes nothing. Each function returns 0
 * or a negative errno.
 */
#ifndef NETMON_RENDER_HTML_H
#define NETMON_RENDER_HTML_H

#include <stdio.h>
#include "fmt_buf.h"
#include "render.h"
#include "report_rows.h"

/* The head: title "netmon COMMAND", and under it the window (text). */
int render_html_begin(struct fmt_buf *b, const char *command, const char *window);

/* A section: its heading, its chart (sec->chart) and the table of rows r. */
int render_html_section(struct fmt_buf *b, const struct render_section *sec,
			const struct report_rows *r);

/* Close the document and write it to fp: -EIO (logged) when that fails. */
int render_html_end(struct fmt_buf *b, FILE *fp);

#endif
