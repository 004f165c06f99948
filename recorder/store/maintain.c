// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * maintain.c - bounded housekeeping. Each step is its own short transaction
 * so that the next interval's write never waits behind a long delete, and a
 * reader never sees a half-rolled bucket.
 */
#include <errno.h>
#include <time.h>
#include "log.h"
#include "maintain.h"
#include "rollup.h"
#include "sqlfile.h"

#define VACUUM_PAGES 1024   /* pages given back per step (4 MiB at 4 KiB pages) */
#define OPTIMIZE_EVERY 3600 /* seconds between PRAGMA optimize */
#define STR_(x) #x
#define STR(x) STR_(x)

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Give free pages back to the file system: the file stops growing. */
static int vacuum_step(sqlite3 *db)
{
	int64_t free_pages;

	if (sqlfile_int(db, "PRAGMA freelist_count", 0, 0, 0, &free_pages) ||
	    free_pages < VACUUM_PAGES / 4)
		return 0;
	/* a literal, so that sqlfile keeps it prepared */
	return sqlfile_exec(db, "PRAGMA incremental_vacuum(" STR(VACUUM_PAGES) ")") ? -EIO : 1;
}

/* One unit of work: 1 done, 0 nothing left, -errno. */
static int one_step(struct maintain *m, sqlite3 *db, int64_t now)
{
	int r = rollup_step(db);

	if (!r && !m->no_retention)
		r = retention_step(db, &m->keep, now);
	if (!r)
		r = vacuum_step(db);
	return r;
}

int maintain_run(struct maintain *m, sqlite3 *db, int64_t now, unsigned int budget_ms)
{
	int64_t start = mono_ms();
	int r;

	while ((r = one_step(m, db, now)) == 1)
		if (budget_ms && mono_ms() - start >= budget_ms)
			break;
	if (r < 0 && !m->failing)
		pr_warn("database maintenance (rollups, retention) failed: %s; retrying later",
			sqlite3_errmsg(db));
	else if (r >= 0 && m->failing)
		pr_info("database maintenance works again");
	m->failing = r < 0;
	if (r >= 0 && start / 1000 - m->last_optimize >= OPTIMIZE_EVERY) {
		/* statistics for the planner, only where the data changed much */
		sqlite3_exec(db, "PRAGMA optimize", NULL, NULL, NULL);
		m->last_optimize = start / 1000;
	}
	return r;
}
