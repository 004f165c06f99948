// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * retention.c - one batch per call, so the recorder can stop between two
 * batches when the next interval is due; the freed pages go back to the
 * file system through incremental vacuum (maintain.c).
 */
#include <errno.h>
#include <stddef.h>
#include "log.h"
#include "retention.h"
#include "rollup.h"
#include "sqlfile.h"
#include "test_hooks.h"

#define DAY 86400
#define BATCH_INTERVALS 16 /* a minute's flows of 16 intervals per transaction */

/* Older than days before now, but never past what the next level holds. */
static int64_t cutoff(unsigned int days, int64_t now, int64_t rolled)
{
	int64_t c = now - (int64_t)days * DAY;

	return c < rolled ? c : rolled;
}

/* Run one retention file in a transaction: rows deleted, or -errno. */
static int64_t run_batch(sqlite3 *db, const char *file, int64_t cut, int level)
{
	struct sql_param p[] = {
		{ ":cutoff", cut, 0 },
		{ ":batch", BATCH_INTERVALS, 0 },
		{ ":level", level, 0 },
	};
	int rc = sqlfile_exec(db, "BEGIN IMMEDIATE");
	int64_t changed;

	if (!rc)
		rc = sqlfile_run(db, file, p, 3);
	changed = sqlfile_changes();
	test_point("retention"); /* inside a retention batch's transaction */
	rc = sqlfile_finish(db, rc, file);
	return rc ? rc : changed;
}

int retention_step(sqlite3 *db, const struct retention *keep, int64_t now)
{
	int64_t hourly = rollup_watermark(db, ROLLUP_HOURLY);
	int64_t daily = rollup_watermark(db, ROLLUP_DAILY);
	int64_t monthly = rollup_watermark(db, ROLLUP_MONTHLY);
	const struct {
		unsigned int days;
		const char *file;
		int64_t rolled; /* the next level holds what is before this */
		int level;
	} steps[] = {
		{ keep->flows, "retention_flows.sql", hourly, 0 },
		{ keep->processes, "retention_processes.sql", hourly, 0 },
		{ keep->totals, "retention_intervals.sql", hourly, 0 },
		{ keep->hourly, "retention_rollups.sql", daily, ROLLUP_HOURLY },
		{ keep->daily, "retention_rollups.sql", monthly, ROLLUP_DAILY },
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int64_t n;

		if (!steps[i].days)
			continue;
		n = run_batch(db, steps[i].file, cutoff(steps[i].days, now, steps[i].rolled),
			      steps[i].level);
		if (n)
			return n < 0 ? (int)n : 1;
	}
	return 0;
}
