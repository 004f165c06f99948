/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_html.h - a report as one self-contained HTML document.
 *
 * Inline CSS and inline SVG charts (svg_chart.c): no script, no fetch (a
 * Content-Security-Policy says so to the browser too), readable offline and
 * as an e-mail attachment. Every string from the database is escaped.
 */
#ifndef NETMON_REPORT_HTML_H
#define NETMON_REPORT_HTML_H

#include <sqlite3.h>
#include <stdio.h>
#include "report.h"

/*
 * Run o->command's sections on db and write the document to fp. empty_text
 * is what a section without rows says. Returns 0, -EIO (query or output
 * failed, logged) or -ENOMEM.
 */
int report_html_run(sqlite3 *db, const struct report_opts *o, FILE *fp, const char *empty_text);

#endif
