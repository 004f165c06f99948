// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rollup.c - walks each level's watermark forward one bucket per step.
 *
 * An hour is complete once an interval that starts after it has been
 * written: intervals are written in order, and one written late anyway goes
 * through rollup_late_interval(). A day is complete once all its hours are
 * in the hourly level, a month once all its days are in the daily level.
 */
#include <errno.h>
#include <stddef.h>
#include "log.h"
#include "rollup.h"
#include "sqlfile.h"
#include "test_hooks.h"

#define HOUR 3600
#define DAY 86400

int64_t rollup_watermark(sqlite3 *db, enum rollup_level level)
{
	int64_t w = 0;

	sqlfile_int(db, "SELECT value FROM meta WHERE key = 'rolled_until_' || ?1", level, 0, 0,
		    &w);
	return w;
}

static int set_watermark(sqlite3 *db, enum rollup_level level, int64_t until)
{
	int64_t ignored;

	return sqlfile_int(db,
			   "INSERT INTO meta (key, value) VALUES ('rolled_until_' || ?1, ?2) "
			   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			   level, until, 0, &ignored);
}

/* Start of the bucket of level that holds t, and of the one after it. */
static int bucket_of(sqlite3 *db, enum rollup_level level, int64_t t, int64_t *start, int64_t *next)
{
	if (level == ROLLUP_HOURLY || level == ROLLUP_DAILY) {
		int64_t len = level == ROLLUP_HOURLY ? HOUR : DAY;

		*start = t / len * len;
		*next = *start + len;
		return SQLITE_OK;
	}
	int rc = sqlfile_int(db, "SELECT unixepoch(?1, 'unixepoch', 'start of month')", t, 0, 0,
			     start);

	return rc ? rc
		  : sqlfile_int(db, "SELECT unixepoch(?1, 'unixepoch', '+1 month')", *start, 0, 0,
				next);
}

/*
 * What level rolls from: the first source time at or after from (raw
 * intervals for hourly, the finer level's buckets otherwise), and how far
 * the source is complete.
 */
static int source_bounds(sqlite3 *db, enum rollup_level level, int64_t from, int64_t *first,
			 int64_t *complete)
{
	int64_t ignored;
	int rc;

	if (level == ROLLUP_HOURLY) {
		rc = sqlfile_int(db, "SELECT min(ts_start) FROM intervals WHERE ts_start >= ?1",
				 from, 0, INT64_MAX, first);
		if (!rc)
			rc = sqlfile_int(db, "SELECT max(ts_start) FROM intervals", 0, 0, 0,
					 complete);
		return rc ? rc : bucket_of(db, level, *complete, complete, &ignored);
	}
	/* hosts and ports come from the same flows as conversations */
	rc = sqlfile_int(
		db,
		"SELECT min(b) FROM ("
		" SELECT min(bucket) AS b FROM rollup_traffic WHERE level = ?1 AND bucket >= ?2"
		" UNION ALL SELECT min(bucket) FROM rollup_conversations"
		"  WHERE level = ?1 AND bucket >= ?2"
		" UNION ALL SELECT min(bucket) FROM rollup_processes"
		"  WHERE level = ?1 AND bucket >= ?2)",
		level - 1, from, INT64_MAX, first);
	if (rc)
		return rc;
	*complete = rollup_watermark(db, level - 1);
	return rc ? rc : bucket_of(db, level, *complete, complete, &ignored);
}

/* Roll the next bucket of level, if one is complete: 1 done, 0 none, or rc. */
static int step_level(sqlite3 *db, enum rollup_level level)
{
	int64_t w = rollup_watermark(db, level), first, complete, from, to;
	int rc = source_bounds(db, level, w, &first, &complete);

	if (rc || w >= complete)
		return rc ? -rc : 0;
	if (first >= complete) /* nothing recorded up to there */
		return set_watermark(db, level, complete) ? -1 : 1;
	rc = bucket_of(db, level, first > w ? first : w, &from, &to);
	if (!rc) {
		struct sql_param p[] = {
			{ ":level", level, 0 },
			{ ":since", from, 0 },
			{ ":until", to, 0 },
			{ ":interval", 0, 1 },
		};

		rc = sqlfile_run(
			db, level == ROLLUP_HOURLY ? "rollup_from_raw.sql" : "rollup_up.sql", p, 4);
	}
	if (!rc)
		rc = set_watermark(db, level, to);
	return rc ? -rc : 1;
}

int rollup_step(sqlite3 *db)
{
	int rc = sqlfile_exec(db, "BEGIN IMMEDIATE"), done = 0;

	for (int level = ROLLUP_HOURLY; !rc && !done && level <= ROLLUP_MONTHLY; level++) {
		done = step_level(db, (enum rollup_level)level);
		if (done < 0)
			rc = -done;
	}
	test_point("rollup"); /* inside the rollup's transaction */
	rc = sqlfile_finish(db, rc, "rollup");
	return rc ? rc : done;
}

int rollup_late_interval(sqlite3 *db, int64_t interval_id, int64_t ts_start)
{
	int rc = SQLITE_OK;

	/* Watermarks never rise from one level to the next: stop at the first past. */
	for (int level = ROLLUP_HOURLY; !rc && level <= ROLLUP_MONTHLY; level++) {
		struct sql_param p[] = {
			{ ":level", level, 0 },
			{ ":since", ts_start, 0 },
			{ ":until", ts_start + 1, 0 },
			{ ":interval", interval_id, 0 },
		};

		if (ts_start >= rollup_watermark(db, (enum rollup_level)level))
			break;
		rc = sqlfile_run(db, "rollup_from_raw.sql", p, 4);
	}
	return rc;
}
