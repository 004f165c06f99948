// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_anomaly_history.c - the anomaly rules judged interval by interval (as
 * the recorder does after each write) and over a whole window at once (as
 * the report does) find exactly the same hits, on a synthetic history
 * written through the real store; and the report, which takes the stored
 * hits for the intervals the recorder judged with its thresholds, shows
 * exactly those.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "anomaly_rules.h"
#include "db.h"
#include "embed.h"
#include "history.h"
#include "log.h"
#include "report_anomalies.h"
#include "report_cli.h"
#include "store/anomaly_eval.h"
#include "store/store.h"
#include "temp_db.h"

#define START 1738195200 /* 2025-01-30 00:00 UTC */
#define INTERVALS 90     /* an hour and a half of one-minute intervals */

static char dir[] = "/tmp/netmon-test-anomaly-history-XXXXXX";

/* Loose thresholds, so that the random history has hits of several rules. */
static const char *const loose[] = {
	"fan_in_sources=8", "fan_in_factor=1.5", "beacon_contacts=3", "beacon_jitter=5",
	"exfil_min_bytes=100000", "exfil_factor=1.5", "high_bandwidth_rate=2000000",
	"fan_in_baseline=900", "exfil_baseline=900", "beacon_window=900",
};

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sqlite3_errmsg(db), sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every rule over [since, until) at once, its rows into temp table judged. */
static void judge_window(sqlite3 *db, const struct anomaly_settings *s, int64_t since,
			 int64_t until)
{
	sqlite3_stmt *ins, *st;

	assert_int_equal(db_exec(db, "CREATE TEMP TABLE judged (ts, kind, subject, value, "
				     "threshold, detail)"),
			 0);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO judged VALUES (?, ?, ?, ?, ?, ?)",
					    -1, &ins, NULL),
			 SQLITE_OK);
	for (const struct embedded_file *f = netmon_anomaly_rules; f->name; f++) {
		assert_int_equal(sqlite3_prepare_v2(db, f->text, (int)f->len, &st, NULL), SQLITE_OK);
		assert_int_equal(anomaly_bind(st, f->name, s, since, until), 0);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < 6; c++)
				sqlite3_bind_value(ins, c + 1, sqlite3_column_value(st, c));
			assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
			sqlite3_reset(ins);
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(ins);
}

/* The rows of the anomalies report over [since, until). */
static long long report_rows(sqlite3 *db, const struct anomaly_settings *s, int64_t since,
			     int64_t until)
{
	struct report_opts o = { .since = since, .until = until, .thresholds = *s };
	sqlite3_stmt *st;
	long long n = 0;
	int rc;

	assert_int_equal(report_anomalies_prepare(db, &o, NULL, &st), 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n++;
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	return n;
}

static void test_per_interval_equals_window(void **state)
{
	struct history_opts h = { .interval = 60, .n_intervals = 1, .flows = 400, .clients = 60 };
	struct anomaly_settings s;
	struct anomaly_eval *a;
	char path[128];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/h.db", dir);
	anomaly_settings_init(&s);
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++)
		assert_int_equal(anomaly_settings_parse(&s, loose[i]), 0);
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(anomaly_eval_open(&a, path, &s, 60000), 0);
	/* Interval by interval, as the recorder: write, then judge what is new. */
	for (unsigned int n = 0; n < INTERVALS; n++) {
		h.start = START + 60 * (int64_t)n;
		h.seed = n + 1;
		assert_int_equal(history_write(st, &h), 0);
		assert_true(anomaly_eval_run(a) >= 0);
	}
	anomaly_eval_close(a);
	store_close(st);

	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	judge_window(db, &s, START, START + 60 * INTERVALS);
	print_message("# %lld hits stored interval by interval, %lld kinds; %lld judged at once\n",
		      q_int(db, "SELECT count(*) FROM anomaly_log"),
		      q_int(db, "SELECT count(DISTINCT kind) FROM anomaly_log"),
		      q_int(db, "SELECT count(*) FROM judged"));
	assert_true(q_int(db, "SELECT count(DISTINCT kind) FROM anomaly_log") >= 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM (SELECT * FROM anomaly_log EXCEPT "
				   "SELECT * FROM judged)"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM (SELECT * FROM judged EXCEPT "
				   "SELECT * FROM anomaly_log)"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM judged"),
			 q_int(db, "SELECT count(*) FROM anomaly_log"));
	/* The recorder judged every interval with these thresholds. */
	assert_int_equal(q_int(db, "SELECT value FROM meta WHERE key = 'anomaly_evaluated_from'"),
			 1);
	assert_int_equal(q_int(db, "SELECT value FROM meta WHERE key = "
				   "'anomaly_evaluated_through'"),
			 INTERVALS);

	/* The report: the stored hits (the rules judge nothing again) ... */
	assert_int_equal(report_rows(db, &s, START, START + 60 * INTERVALS),
			 q_int(db, "SELECT count(*) FROM judged"));
	/* ... and the same when it must judge every interval itself. */
	assert_int_equal(db_exec(db, "DELETE FROM anomalies; DELETE FROM meta WHERE key = "
				     "'anomaly_evaluated_from'"),
			 0);
	assert_int_equal(report_rows(db, &s, START, START + 60 * INTERVALS),
			 q_int(db, "SELECT count(*) FROM judged"));
	/* A sub-window from raw rows: the hits of the intervals that start in it. */
	assert_int_equal(report_rows(db, &s, START + 1800, START + 3600),
			 q_int(db, "SELECT count(*) FROM judged WHERE ts >= 1738197000 AND "
				   "ts < 1738198800"));
	db_close(db);
}

static int setup(void **state)
{
	log_init("test_anomaly_history", LOGLVL_ERR);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_interval_equals_window),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
