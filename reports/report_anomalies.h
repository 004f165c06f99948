/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_anomalies.h - the anomalies of a window: the hits the recorder
 * stored (anomaly_log) together with every rule (sql/anomaly/NAME.sql)
 * evaluated over the window with the report's thresholds.
 */
#ifndef NETMON_REPORT_ANOMALIES_H
#define NETMON_REPORT_ANOMALIES_H

#include <sqlite3.h>
#include <time.h>
#include "report_cli.h"

/*
 * One statement for o's window, bound: columns ts, kind, subject, value,
 * threshold, detail, ordered by ts, kind and subject. A hit both stored and
 * found again is shown once, as stored (with the thresholds of the time).
 * With o->jobs above 1 the rules have already run when it returns, at
 * once on their own connections to o->db_path, and the statement reads
 * what they found, each stopped at deadline (CLOCK_MONOTONIC; none when
 * NULL or zero): then -ETIME, not logged (the run says it). Returns 0 or a
 * negative errno (logged).
 */
int report_anomalies_prepare(sqlite3 *db, const struct report_opts *o,
			     const struct timespec *deadline, sqlite3_stmt **out);

#endif
