/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_run.h - the run layer: run a report command into its format.
 *
 * The top of reports/, and the only caller of the renderers. One run reads
 * what was recorded in the window once (report_query.h), plans the trend's
 * bucket and the sections (report_sections.h), then goes over the section
 * list once: each section's query, its rows to the renderer of the format
 * (render_table.h, render_bars.h, render_html.h). The layers below never
 * call back up:
 *
 *   main.c -> report_run -> report_sections -> report_query -> report_rows
 *                        -> render_{table,bars,html,svg}    -> report_rows
 */
#ifndef NETMON_REPORT_RUN_H
#define NETMON_REPORT_RUN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include "report_cli.h"

/*
 * Run o->command on db and write it to fp in o->format, its queries stopped
 * once they ran o->time_limit seconds in all; *rows counts the rows of every
 * section (anomalies --alert). Returns 0, -EIO when a query or the output
 * fails (logged), -ETIME when the limit stopped a query (logged, naming it),
 * -E2BIG for a trend of too many buckets (logged), or -ENOMEM.
 */
int report_run(sqlite3 *db, const struct report_opts *o, FILE *fp, size_t *rows);

#endif
