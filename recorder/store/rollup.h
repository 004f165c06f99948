/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rollup.h - hourly, daily and monthly levels, filled from the raw rows once
 * a bucket is complete (sql/maintain/rollup_*.sql; docs/design.md, "Rollups").
 */
#ifndef NETMON_ROLLUP_H
#define NETMON_ROLLUP_H

#include <sqlite3.h>
#include <stdint.h>

enum rollup_level {
	ROLLUP_HOURLY = 1,
	ROLLUP_DAILY = 2,
	ROLLUP_MONTHLY = 3,
};

/*
 * Roll up the oldest complete bucket of one level, in its own transaction.
 * Returns 1 when it did, 0 when every level is up to date, or -EIO/-ENOSPC.
 */
int rollup_step(sqlite3 *db);

/*
 * An interval just written (inside the caller's transaction) whose bucket is
 * already rolled up at some level (an import of an old capture, a clock set
 * back): add it to those levels now, so that every level stays the exact sum
 * of the raw rows. 0 or the SQLite error code.
 */
int rollup_late_interval(sqlite3 *db, int64_t interval_id, int64_t ts_start);

/* Buckets of level starting before this are in it (meta rolled_until_N). */
int64_t rollup_watermark(sqlite3 *db, enum rollup_level level);

#endif
