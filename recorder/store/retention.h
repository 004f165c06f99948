/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * retention.h - deleting old rows per level, a small batch at a time
 * (sql/maintain/retention_*.sql; defaults and their disk cost in
 * docs/schema.md, "Retention").
 */
#ifndef NETMON_RETENTION_H
#define NETMON_RETENTION_H

#include <sqlite3.h>
#include <stdint.h>

/* Days to keep each level; 0 keeps it forever. */
struct retention {
	unsigned int flows;     /* raw flow rows (flow_log) */
	unsigned int processes; /* raw process rows (process_log) */
	unsigned int totals;    /* intervals: traffic_log, collector_log */
	unsigned int hourly;    /* hourly rollups */
	unsigned int daily;     /* daily rollups (monthly ones are always kept) */
};

#define RETENTION_DEFAULT_FLOWS 7
#define RETENTION_DEFAULT_PROCESSES 31
#define RETENTION_DEFAULT_TOTALS 31
#define RETENTION_DEFAULT_HOURLY 400
#define RETENTION_DEFAULT_DAILY 0

#define RETENTION_DEFAULTS                                                                   \
	{ RETENTION_DEFAULT_FLOWS, RETENTION_DEFAULT_PROCESSES, RETENTION_DEFAULT_TOTALS,    \
	  RETENTION_DEFAULT_HOURLY, RETENTION_DEFAULT_DAILY }

/*
 * Delete one batch of rows older than their level's window (relative to now,
 * unix seconds) in its own transaction. Rows not yet rolled up to the next
 * level are never deleted. Returns 1 when it deleted something, 0 when
 * nothing is due, or -EIO/-ENOSPC.
 */
int retention_step(sqlite3 *db, const struct retention *keep, int64_t now);

#endif
