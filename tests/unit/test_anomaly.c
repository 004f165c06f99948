// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_anomaly.c - the anomaly rules and the recorder's evaluator against a
 * real temporary database: every embedded rule prepares against the schema
 * with the documented columns and parameters, the defaults written in the
 * rules are the defaults of --threshold, the report's statement built from
 * them prepares, and the evaluator stores each hit once, resumes where it
 * stopped, and uses the thresholds it was given.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "store/anomaly_eval.h"
#include "anomaly_rules.h"
#include "db.h"
#include "embed.h"
#include "log.h"
#include "temp_db.h"
#include "report_anomalies.h"

static const char *const columns[] = { "ts", "kind", "subject", "value", "threshold", "detail" };

static int setup(void **state)
{
	struct temp_db *f = calloc(1, sizeof(*f));

	log_init("test_anomaly", LOGLVL_ERR);
	if (!f || temp_db_open(f, "test_anomaly") ||
	    db_exec(f->db, "INSERT INTO interfaces VALUES (1, 'eth0');"))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct temp_db *f = *state;

	temp_db_remove(f);
	free(f);
	return 0;
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int threshold_index(const char *param)
{
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		if (param[0] == ':' && !strcmp(anomaly_thresholds[i].name, param + 1))
			return i;
	return -1;
}

/* The default a rule writes for :name, from its "coalesce(:name, DEFAULT)". */
static int rule_default(const char *text, const char *name, double *out)
{
	char pattern[64];
	const char *at;

	snprintf(pattern, sizeof(pattern), "coalesce(:%s, ", name);
	at = strstr(text, pattern);
	if (!at)
		return -1;
	*out = strtod(at + strlen(pattern), NULL);
	return 0;
}

static void test_rules_prepare(void **state)
{
	struct temp_db *f = *state;
	int used[ANOMALY_N_THRESHOLDS] = { 0 }, n = 0;

	for (const struct embedded_file *r = netmon_anomaly_rules; r->name; r++, n++) {
		sqlite3_stmt *st;
		const char *tail;
		double def;

		if (sqlite3_prepare_v2(f->db, r->text, (int)r->len, &st, &tail) != SQLITE_OK)
			fail_msg("%s: %s", r->name, sqlite3_errmsg(f->db));
		assert_true(sqlite3_stmt_readonly(st));
		assert_int_equal(sqlite3_column_count(st), 6);
		for (int c = 0; c < 6; c++)
			assert_string_equal(sqlite3_column_name(st, c), columns[c]);
		for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
			const char *p = sqlite3_bind_parameter_name(st, i);
			int t = p ? threshold_index(p) : -1;

			if (p && (!strcmp(p, ":since") || !strcmp(p, ":until")))
				continue;
			if (t < 0)
				fail_msg("%s: unknown parameter %s", r->name, p ? p : "?");
			used[t]++;
			if (rule_default(r->text, anomaly_thresholds[t].name, &def) ||
			    def != anomaly_thresholds[t].def)
				fail_msg("%s: default of %s differs from --threshold's %g", r->name,
					 p, anomaly_thresholds[t].def);
		}
		/* Nothing after the statement but blanks (the report appends to it). */
		assert_int_equal(strspn(tail, " \t\n"), strlen(tail));
		assert_int_equal(anomaly_rule_body_len(r->text, r->len),
				 (size_t)(strrchr(r->text, ';') - r->text));
		sqlite3_finalize(st);
	}
	assert_int_equal(n, 8);
	for (int t = 0; t < ANOMALY_N_THRESHOLDS; t++)
		if (!used[t])
			fail_msg("threshold %s is used by no rule", anomaly_thresholds[t].name);
}

static void test_report_statement(void **state)
{
	struct temp_db *f = *state;
	struct report_opts o = { .since = 0, .until = 1 };
	sqlite3_stmt *st;

	anomaly_settings_init(&o.thresholds);
	assert_int_equal(report_anomalies_prepare(f->db, &o, NULL, &st), 0);
	assert_true(sqlite3_stmt_readonly(st));
	assert_int_equal(sqlite3_column_count(st), 6);
	for (int c = 0; c < 6; c++)
		assert_string_equal(sqlite3_column_name(st, c), columns[c]);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void test_settings(void **state)
{
	static const char *const bad[] = { "malformed_packets",
					   "malformed_packets=",
					   "=5",
					   "nope=5",
					   "malformed_packets=0",
					   "malformed_packets=1.5",
					   "malformed_packets=x",
					   "malformed_packets=-3",
					   "malformed_packets=1e3",
					   "beacon_jitter=nan",
					   "beacon_jitter=.",
					   "beacon_jitter=1.2.3",
					   "beacon_jitter=101",
					   "malformed_packets= 5" };
	struct anomaly_settings s;
	int i = threshold_index(":beacon_jitter"), m = threshold_index(":malformed_packets");

	log_init("test_anomaly", LOGLVL_SILENT);
	anomaly_settings_init(&s);
	assert_true(s.value[m] == 10);
	assert_int_equal(anomaly_settings_parse(&s, "malformed_packets=25"), 0);
	assert_true(s.value[m] == 25);
	assert_int_equal(anomaly_settings_parse(&s, "beacon_jitter=0.25"), 0);
	assert_true(s.value[i] == 0.25);
	assert_int_equal(anomaly_settings_parse(&s, "beacon_jitter=0"), 0);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		if (anomaly_settings_parse(&s, bad[k]) != -EINVAL)
			fail_msg("'%s' was accepted", bad[k]);
	assert_true(s.value[m] == 25);
	log_init("test_anomaly", LOGLVL_ERR);
}

/* An interval with n malformed frames received on eth0. */
static void add_interval(sqlite3 *db, int id, int packets)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us) "
		 "VALUES (%d, %d, %d, 0, 1, 1);"
		 "INSERT INTO traffic (interval_id, iface_id, direction, kind, family, "
		 "protocol, packets, bytes) VALUES (%d, 1, 0, 1, 0, 0, %d, %d);",
		 id, 1000 + 60 * id, 1060 + 60 * id, id, packets, 60 * packets);
	assert_int_equal(db_exec(db, sql), 0);
}

static void test_eval_once_and_resume(void **state)
{
	struct temp_db *f = *state;
	struct anomaly_settings s;
	struct anomaly_eval *a;

	anomaly_settings_init(&s);
	add_interval(f->db, 1, 12);
	/* A database recorded before: its history is the report's to evaluate. */
	assert_int_equal(anomaly_eval_open(&a, f->path, &s, 5000), 0);
	assert_int_equal(anomaly_eval_run(a), 0);
	add_interval(f->db, 2, 15);
	add_interval(f->db, 3, 9);
	assert_int_equal(anomaly_eval_run(a), 1);
	assert_int_equal(anomaly_eval_run(a), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM anomaly_log WHERE ts = 1120 AND "
				      "kind = 'malformed' AND subject = 'eth0 in' AND value = 15 "
				      "AND threshold = 10"),
			 1);
	assert_int_equal(q_int(f->db, "SELECT value FROM meta WHERE key = "
				      "'anomaly_evaluated_through'"),
			 3);
	anomaly_eval_close(a);

	/* A restart resumes after the last interval evaluated. */
	assert_int_equal(anomaly_eval_open(&a, f->path, &s, 5000), 0);
	assert_int_equal(anomaly_eval_run(a), 0);
	add_interval(f->db, 4, 10);
	assert_int_equal(anomaly_eval_run(a), 1);
	anomaly_eval_close(a);

	/* Evaluated again from the start: no stored hit is stored twice. */
	assert_int_equal(db_exec(f->db, "UPDATE meta SET value = 0 WHERE key = "
					"'anomaly_evaluated_through'"),
			 0);
	assert_int_equal(anomaly_eval_open(&a, f->path, &s, 5000), 0);
	assert_int_equal(anomaly_eval_run(a), 1);
	/* Intervals 1 (found now), 2 and 4 (found before), each once. */
	assert_int_equal(q_int(f->db, "SELECT count(*) * 10000 + sum(ts) FROM anomalies"),
			 3 * 10000 + 1060 + 1120 + 1240);
	anomaly_eval_close(a);
	anomaly_eval_run(NULL); /* evaluation off: nothing to do */
	anomaly_eval_close(NULL);
}

static void test_eval_thresholds(void **state)
{
	struct temp_db *f = *state;
	struct anomaly_settings s;
	struct anomaly_eval *a;

	anomaly_settings_init(&s);
	assert_int_equal(anomaly_settings_parse(&s, "malformed_packets=13"), 0);
	assert_int_equal(anomaly_eval_open(&a, f->path, &s, 5000), 0);
	add_interval(f->db, 1, 12);
	add_interval(f->db, 2, 13);
	assert_int_equal(anomaly_eval_run(a), 1);
	assert_int_equal(q_int(f->db, "SELECT ts * 100 + threshold FROM anomaly_log"),
			 1120 * 100 + 13);
	anomaly_eval_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rules_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_statement, setup, teardown),
		cmocka_unit_test(test_settings),
		cmocka_unit_test_setup_teardown(test_eval_once_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eval_thresholds, setup, teardown),
	};

	return cmocka_run_group_tests_name("anomaly", tests, NULL, NULL);
}
