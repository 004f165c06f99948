// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * netmon-report - report on the traffic netmon-record has stored.
 *
 * Reads the database only: it never creates, migrates or writes it, so it can
 * run at any time beside the recorder (WAL readers do not block the writer).
 */
#include <stdio.h>
#include <time.h>
#include "db.h"
#include "log.h"
#include "report_export.h"
#include "report_run.h"

#ifndef NETMON_VERSION
#define NETMON_VERSION "0.1.0"
#endif

#define EXIT_USAGE 64 /* EX_USAGE of sysexits.h */
#define EXIT_ALERT 2  /* anomalies --alert: there are some (vnStat's --alert) */

/* Quiet by default; -v says what was read, -vv also the SQL it ran. */
static enum log_level log_level_for(int verbose)
{
	if (verbose >= 2)
		return LOGLVL_DEBUG;
	return verbose ? LOGLVL_INFO : LOGLVL_WARN;
}

int main(int argc, char **argv)
{
	struct report_opts opts;
	sqlite3 *db = NULL;
	size_t rows = 0;
	int err;

	/* Command line first: a usage error exits 64 before any file is opened. */
	log_init("netmon-report", LOGLVL_WARN);
	if (report_cli_parse(&opts, argc, argv, time(NULL)))
		return EXIT_USAGE;
	if (opts.help) {
		report_cli_usage(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if (opts.version) {
		printf("netmon-report %s (database schema %d)\n", NETMON_VERSION,
		       db_schema_version());
		return fflush(stdout) ? 1 : 0;
	}
	log_init("netmon-report", log_level_for(opts.verbose));

	/* Open read-only; db_open() logs why a file is refused. */
	if (db_open(opts.db_path, DB_READ_ONLY, &db))
		return 1;

	/* Run the command's queries into the chosen format (export: send them). */
	if (opts.command == REPORT_EXPORT)
		err = report_export(db, &opts, stdout);
	else
		err = report_run(db, &opts, stdout, &rows);
	db_close(db);
	if (err)
		return 1;
	return opts.alert && rows ? EXIT_ALERT : 0;
}
