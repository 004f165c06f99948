/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * anomaly_jobs.h - the anomalies report's parts (the stored hits, each rule)
 * run at once, each on a read-only connection of its own in a thread, then
 * read back as one statement (report_anomalies.c).
 */
#ifndef NETMON_ANOMALY_JOBS_H
#define NETMON_ANOMALY_JOBS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "anomaly_rules.h"

/* Columns of every part, in this order: ts, kind, subject, value, threshold, detail. */
#define ANOMALY_PART_COLUMNS 6

/* One part of the report: one statement, bound as anomaly_bind_window() binds. */
struct anomaly_part {
	const char *name; /* for messages: the rule's file, or "stored hits" */
	const char *sql;
	size_t len;
	int origin; /* the column origin of its rows in the table hits (below) */
};

/*
 * Run parts[0..n) on at most jobs threads, each part once, each thread with
 * its own read-only connection to db_path, bound from s, window_since, since
 * and until. Their rows go, in part order, into a table hits(origin, ts,
 * kind, subject, value, threshold, detail) of an in-memory database; *out
 * is merge_sql prepared there (the database goes with the statement's
 * sqlite3_finalize()). Every part stops at deadline (CLOCK_MONOTONIC; none
 * when NULL or zero): then -ETIME, not logged. Otherwise 0 or a negative
 * errno (logged).
 */
int anomaly_jobs_run(const struct anomaly_part *parts, int n, int jobs, const char *db_path,
		     const struct anomaly_settings *s, int64_t window_since, int64_t since,
		     int64_t until, const struct timespec *deadline, const char *merge_sql,
		     sqlite3_stmt **out);

#endif
