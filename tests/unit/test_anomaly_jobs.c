// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_anomaly_jobs.c - `netmon-report anomalies` with its rules run at once
 * on connections of their own (--jobs N, reports/anomaly_jobs.c) writes
 * exactly what the one statement writes (--jobs 1): the same rows in the
 * same order, a stored hit kept as stored, in every format, whatever the
 * number of jobs; a rule that fails fails the report; the time limit stops
 * the jobs and is said as the one statement's.
 *
 * The history: generated minutes written through the real store
 * (tests/support/history.c), with a few TCP flows turned into SYN probes,
 * judged with loose thresholds so that most rules find hits.
 */
#include <errno.h>
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
#include "history.h"
#include "log.h"
#include "report_cli.h"
#include "report_run.h"
#include "store/store.h"
#include "temp_db.h"

#define START 1738195200 /* 2025-01-30 00:00 UTC */
#define INTERVALS 60
#define STORED_DETAIL "as the recorder stored it"

static char dir[] = "/tmp/netmon-test-anomaly-jobs-XXXXXX";
static char path[128];

/* Loose thresholds: hits of most rules in the generated hour. */
static const char *const loose[] = {
	"fan_in_sources=8",	"fan_in_factor=1.5",	"beacon_contacts=3",  "beacon_jitter=5",
	"exfil_min_bytes=100000", "exfil_factor=1.5",	"fan_in_baseline=900", "exfil_baseline=900",
	"beacon_window=900",	"port_scan_ports=2",	"port_scan_hosts=3",  "udp_scan_hosts=3",
	"syn_flood_rate=0.001",
};

static void opts(struct report_opts *o, enum fmt_format format, int jobs, int thresholds)
{
	*o = (struct report_opts){ .db_path = path, .command = REPORT_ANOMALIES,
				   .format = format, .since = START, .until = START + 60 * INTERVALS,
				   .jobs = jobs, .time_limit = 600 };
	anomaly_settings_init(&o->thresholds);
	for (size_t i = 0; thresholds && i < sizeof(loose) / sizeof(loose[0]); i++)
		assert_int_equal(anomaly_settings_parse(&o->thresholds, loose[i]), 0);
}

/* What the report writes, and its result. */
static char *run(const struct report_opts *o, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	sqlite3 *db;

	assert_non_null(fp);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	*err = report_run(db, o, fp, &(size_t){ 0 });
	db_close(db);
	fclose(fp);
	return text;
}

static char *run_ok(const struct report_opts *o)
{
	int err;
	char *text = run(o, &err);

	assert_int_equal(err, 0);
	return text;
}

static int count_of(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void exec(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int setup(void **state)
{
	struct history_opts h = {
		.interval = 60, .n_intervals = 1, .flows = 300, .clients = 40, .with_procs = 1
	};
	struct store *st;

	(void)state;
	setenv("TZ", "UTC0", 1);
	log_init("test_anomaly_jobs", LOGLVL_SILENT);
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/h.db", dir);
	if (store_open(&st, path))
		return -1;
	for (unsigned int n = 0; n < INTERVALS; n++) {
		h.start = START + 60 * (int64_t)n;
		h.seed = n + 1;
		if (history_write(st, &h))
			return -1;
	}
	store_close(st);
	/* Some SYNs without an answer: port_scan's and syn_flood's probes. */
	exec("UPDATE flows SET tcp_flags = 2, syn = 1 WHERE id % 7 = 0 AND conversation_id IN "
	     "(SELECT id FROM conversations WHERE protocol = 6)");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return temp_dir_remove(dir);
}

/* Every format, jobs 2, 3 and more jobs than parts, against one statement. */
static void test_same_as_one_statement(void **state)
{
	static const enum fmt_format formats[] = { FMT_CSV, FMT_TABLE, FMT_JSON, FMT_HTML };
	static const int jobs[] = { 2, 3, 64 };
	struct report_opts o;

	(void)state;
	for (int t = 0; t < 2; t++) {
		for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
			char *one;

			opts(&o, formats[f], 1, t);
			one = run_ok(&o);
			for (size_t j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
				char *got;

				opts(&o, formats[f], jobs[j], t);
				got = run_ok(&o);
				if (strcmp(got, one))
					fail_msg("--jobs %d, format %zu, thresholds %d:\n%s\n--jobs 1:\n%s",
						 jobs[j], f, t, got, one);
				free(got);
			}
			if (formats[f] == FMT_CSV && t) {
				/* Not an empty comparison: hits of several rules. */
				int kinds = 0;

				for (const char *k = "beaconing,fan_in,exfiltration,port_scan,"
						     "udp_scan,syn_flood,";
				     *k; k = strchr(k, ',') + 1) {
					char kind[32];

					snprintf(kind, sizeof(kind), ",%.*s,",
						 (int)(strchr(k, ',') - k), k);
					kinds += count_of(one, kind) > 0;
				}
				if (kinds < 4 || count_of(one, "\n") < 100)
					fail_msg("%d kinds, %d lines: too few to compare", kinds,
						 count_of(one, "\n"));
			}
			free(one);
		}
	}
}

/* subject in anomaly_subjects. */
static int anomaly_subject(sqlite3 *db, const char *subject)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO anomaly_subjects (text) VALUES (?)",
				    -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, subject, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Store n of the beaconing hits in csv (the rules' own) with another detail. */
static void store_copies(const char *csv, int n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int stored = 0;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT OR IGNORE INTO anomaly_kinds (name) VALUES "
				      "('beaconing')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "INSERT INTO anomalies (ts, kind_id, subject_id, value, threshold, "
				   "detail) SELECT ?1, (SELECT id FROM anomaly_kinds WHERE name = ?2), "
				   "(SELECT id FROM anomaly_subjects WHERE text = ?3), 1, 1, "
				   "'" STORED_DETAIL "'",
				   -1, &st, NULL),
		SQLITE_OK);
	/* Lines ts,kind,subject,...: no beaconing subject holds a comma. */
	for (const char *line = csv; line && stored < n; line = strchr(line, '\n')) {
		char kind[32], subject[128];
		long long ts;

		line += *line == '\n';
		if (sscanf(line, "%lld,%31[^,],%127[^,]", &ts, kind, subject) != 3 ||
		    strcmp(kind, "beaconing"))
			continue;
		assert_int_equal(anomaly_subject(db, subject), 0);
		sqlite3_bind_int64(st, 1, ts);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, subject, -1, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		stored++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(stored, n);
}

/* A hit stored and found again is shown once, as stored, by both. */
static void test_stored_kept(void **state)
{
	struct report_opts o;
	char *one, *got;

	(void)state;
	opts(&o, FMT_CSV, 1, 1);
	one = run_ok(&o);
	assert_int_equal(count_of(one, STORED_DETAIL), 0);
	store_copies(one, 10);
	free(one);
	one = run_ok(&o);
	assert_int_equal(count_of(one, STORED_DETAIL), 10);
	for (int jobs = 2; jobs <= 4; jobs++) {
		opts(&o, FMT_CSV, jobs, 1);
		got = run_ok(&o);
		if (strcmp(got, one))
			fail_msg("--jobs %d:\n%s\n--jobs 1:\n%s", jobs, got, one);
		free(got);
	}
	free(one);
	exec("DELETE FROM anomalies WHERE detail = '" STORED_DETAIL "'");
}

/* A rule that fails fails the report, with jobs as without. */
static void test_rule_fails(void **state)
{
	struct report_opts o;
	int err;

	(void)state;
	exec("ALTER TABLE interval_udp_probes RENAME TO gone");
	for (int jobs = 1; jobs <= 3; jobs++) {
		opts(&o, FMT_CSV, jobs, 1);
		free(run(&o, &err));
		assert_int_equal(err, -EIO);
	}
	exec("ALTER TABLE gone RENAME TO interval_udp_probes");
}

/* Past the time limit every job stops, and the run says so (-ETIME). */
static void test_time_limit(void **state)
{
	struct report_opts o;
	int err;

	(void)state;
	exec("ALTER TABLE anomalies RENAME TO anomalies_kept; DROP VIEW anomaly_log;"
	     "CREATE VIEW anomaly_log AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL "
	     "SELECT n + 1 FROM r) SELECT n AS ts, n AS kind, n AS subject, n AS value, "
	     "n AS threshold, n AS detail FROM r WHERE n < 0");
	for (int jobs = 1; jobs <= 3; jobs++) {
		opts(&o, FMT_CSV, jobs, 1);
		o.time_limit = 1;
		free(run(&o, &err));
		assert_int_equal(err, -ETIME);
	}
	exec("DROP VIEW anomaly_log; ALTER TABLE anomalies_kept RENAME TO anomalies;"
	     "CREATE VIEW anomaly_log AS SELECT a.ts, k.name AS kind, s.text AS subject, a.value, "
	     "a.threshold, a.detail FROM anomalies a JOIN anomaly_kinds k ON k.id = a.kind_id "
	     "JOIN anomaly_subjects s ON s.id = a.subject_id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_one_statement),
		cmocka_unit_test(test_stored_kept),
		cmocka_unit_test(test_rule_fails),
		cmocka_unit_test(test_time_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
