/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.h - run a report: its queries (reports/NAME.sql, embedded) into a writer.
 *
 * Every query takes its window and size only from the named parameters
 * :since, :until and :limit; a query may use any of them and no others.
 */
#ifndef NETMON_REPORT_H
#define NETMON_REPORT_H

#include <sqlite3.h>
#include <stdio.h>
#include "report_cli.h"

/*
 * Run o->command on db and write it to fp in o->format. Returns 0, -EIO when
 * a query or the output fails (logged), or -ENOMEM.
 */
int report_run(sqlite3 *db, const struct report_opts *o, FILE *fp);

/* report_run() that also counts the rows of every section into *rows. */
int report_run_rows(sqlite3 *db, const struct report_opts *o, FILE *fp, size_t *rows);

/*
 * Prepare the embedded query name (e.g. "top_hosts.sql"). A file must hold
 * exactly one statement. Returns 0 or a negative errno (logged).
 */
int report_prepare(sqlite3 *db, const char *name, sqlite3_stmt **out);

#endif
