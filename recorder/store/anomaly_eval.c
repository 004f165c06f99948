// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * anomaly_eval.c - evaluate the embedded rules after each write and store
 * their hits. One BEGIN IMMEDIATE per round, one SAVEPOINT per rule, so a
 * rule that fails takes only its own hits with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "anomaly_eval.h"
#include "db.h"
#include "embed.h"
#include "log.h"
#include "test_hooks.h"

#define MAX_RULES 32
#define PROGRESS_STEPS 10000 /* VM instructions between deadline checks */
#define WALL_FACTOR 4	     /* wall-clock time a rule may take, in budgets */

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_PENDING,
	ST_KIND,
	ST_SUBJECT,
	ST_HIT,
	ST_PROGRESS,
	ST_STATE,
	ST_SET_META,
	ST_SKIP_KIND,
	ST_SKIPPED,
	ST_COUNT,
};

#define PROGRESS_KEY "'anomaly_evaluated_through'"
#define NOT_JUDGED "not_judged" /* the kind of the rows that say a rule was skipped */

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT rule",
	[ST_RELEASE] = "RELEASE rule",
	[ST_ROLLBACK_TO] = "ROLLBACK TO rule",
	/* The intervals written since the last round: their span and last id. */
	[ST_PENDING] = "SELECT min(ts_start), max(ts_start), max(id) FROM intervals WHERE id > ?1",
	[ST_KIND] = "INSERT INTO anomaly_kinds (name) VALUES (?1) "
		    "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
	[ST_SUBJECT] = "INSERT INTO anomaly_subjects (text) VALUES (?1) "
		       "ON CONFLICT (text) DO UPDATE SET text = excluded.text RETURNING id",
	/* A hit already stored for this interval, kind and subject stays as it was. */
	[ST_HIT] = "INSERT INTO anomalies (ts, kind_id, subject_id, value, threshold, detail) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
	[ST_PROGRESS] = "INSERT INTO meta (key, value) VALUES (" PROGRESS_KEY ", ?1) "
			"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	/* What the report may take as judged: docs/anomalies.md, "Who evaluates". */
	[ST_STATE] = "SELECT (SELECT value FROM meta WHERE key = 'anomaly_evaluated_from'), "
		     "(SELECT value FROM meta WHERE key = 'anomaly_thresholds'), "
		     "(SELECT value FROM meta WHERE key = " PROGRESS_KEY ")",
	[ST_SET_META] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
			"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_SKIP_KIND] = "INSERT INTO anomaly_kinds (name) VALUES ('" NOT_JUDGED "') "
			 "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
	/*
	 * What a rule did not judge: one row per interval of the round (kind
	 * not_judged, subject the rule), so that anomaly_log, the anomalies
	 * report and the summary say so. value: the interval's flows;
	 * threshold: the rule's budget in ms (docs/anomalies.md).
	 */
	[ST_SKIPPED] = "INSERT INTO anomalies (ts, kind_id, subject_id, value, threshold, detail) "
		       "SELECT ts_start, ?1, ?2, flows, ?3, ?4 FROM intervals "
		       "WHERE id > ?5 AND id <= ?6 ON CONFLICT DO NOTHING",
};

struct rule {
	const char *name; /* file name, e.g. "port_scan.sql" */
	sqlite3_stmt *st; /* NULL: did not prepare, left out */
	int failing;	  /* the last run failed (logged once) */
	int round;	  /* hits of the round in progress */
	char why[192];	  /* why the last run failed, for its not_judged rows */
	uint64_t stored;  /* hits committed since open (anomaly_eval_stored) */
};

struct anomaly_eval {
	sqlite3 *db;
	struct anomaly_settings settings;
	sqlite3_stmt *st[ST_COUNT];
	struct rule rules[MAX_RULES];
	int n_rules;
	int64_t done_id;	/* the last interval evaluated */
	unsigned int budget_ms; /* per rule, CPU time (past_deadline) */
	int64_t cpu_start;	/* the running rule's start: thread CPU, ns */
	int64_t wall_start;	/* and CLOCK_MONOTONIC, ns */
};

/* A clock's reading in nanoseconds. */
static int64_t clock_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * SQLite's progress callback: non-zero interrupts the running statement.
 * The budget is CPU time of this thread, so that a machine busy with other
 * work does not make a rule skip what it judges in time on a quiet one (how
 * late that makes the interval is the recorder's late_ms); wall-clock time
 * is capped too, at WALL_FACTOR budgets, for a rule that waits on the disk.
 */
static int past_deadline(void *arg)
{
	const struct anomaly_eval *a = arg;
	int64_t budget = (int64_t)a->budget_ms * 1000000;

	return clock_ns(CLOCK_THREAD_CPUTIME_ID) - a->cpu_start > budget ||
	       clock_ns(CLOCK_MONOTONIC) - a->wall_start > budget * WALL_FACTOR;
}

static void start_clock(struct anomaly_eval *a)
{
	a->cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	a->wall_start = clock_ns(CLOCK_MONOTONIC);
}

static int step_done(struct anomaly_eval *a, enum stmt_id id)
{
	int rc = sqlite3_step(a->st[id]);

	sqlite3_reset(a->st[id]);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

/* Step a statement that returns one integer (RETURNING id). */
static int step_id(struct anomaly_eval *a, enum stmt_id id, int64_t *out)
{
	int rc = sqlite3_step(a->st[id]);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(a->st[id], 0);
	sqlite3_reset(a->st[id]);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* Where the previous run stopped; a database without it starts from now. */
static int load_progress(struct anomaly_eval *a)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(
		a->db,
		"SELECT coalesce((SELECT value FROM meta WHERE key = " PROGRESS_KEY
		"), (SELECT max(id) FROM intervals), 0)",
		-1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		a->done_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		pr_err("anomaly rules: %s", sqlite3_errmsg(a->db));
		return -EIO;
	}
	return 0;
}

static void prepare_rules(struct anomaly_eval *a)
{
	for (const struct embedded_file *f = netmon_anomaly_rules; f->name; f++) {
		struct rule *r;

		if (a->n_rules == MAX_RULES) {
			pr_warn("anomaly rules: more than %d, %s and later left out", MAX_RULES,
				f->name);
			return;
		}
		r = &a->rules[a->n_rules++];
		r->name = f->name;
		if (sqlite3_prepare_v3(a->db, f->text, (int)f->len, SQLITE_PREPARE_PERSISTENT,
				       &r->st, NULL) != SQLITE_OK) {
			pr_warn("anomaly rule %s left out: %s", f->name, sqlite3_errmsg(a->db));
			r->st = NULL;
		}
	}
}

int anomaly_eval_open(struct anomaly_eval **out, const char *path,
		      const struct anomaly_settings *settings, unsigned int budget_ms)
{
	struct anomaly_eval *a = calloc(1, sizeof(*a));
	int err;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->settings = *settings;
	a->budget_ms = budget_ms;
	err = db_open(path, DB_READ_WRITE, &a->db);
	/* SQLite sorts in memory up to the page cache's size, per sorter: with
	 * db.c's 64 MiB two of a rule's sorts took 128 MB of the recorder's RSS
	 * at 1M flows an interval; past 8 MiB they merge runs from temp files
	 * (bench/RESULTS.md, "RSS at 1M flows"). */
	if (!err)
		err = db_exec(a->db, "PRAGMA cache_size = -8192;");
	if (err)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(a->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &a->st[i],
				       NULL) != SQLITE_OK) {
			pr_err("%s: anomaly rules: %s", path, sqlite3_errmsg(a->db));
			err = -EIO;
			goto fail;
		}
	}
	err = load_progress(a);
	if (err)
		goto fail;
	prepare_rules(a);
	*out = a;
	return 0;
fail:
	anomaly_eval_close(a);
	return err;
}

void anomaly_eval_close(struct anomaly_eval *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n_rules; i++)
		sqlite3_finalize(a->rules[i].st);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(a->st[i]);
	db_close(a->db);
	free(a);
}

/* Bind a result column to an insert parameter, keeping its SQLite type. */
static int bind_column(sqlite3_stmt *to, int idx, sqlite3_stmt *from, int col)
{
	return sqlite3_bind_value(to, idx, sqlite3_column_value(from, col));
}

/* One row of a rule (ts, kind, subject, value, threshold, detail) -> anomalies. */
static int store_hit(struct anomaly_eval *a, sqlite3_stmt *row, int *added)
{
	sqlite3_stmt *hit = a->st[ST_HIT];
	int64_t kind, subject;
	int err;

	sqlite3_bind_value(a->st[ST_KIND], 1, sqlite3_column_value(row, 1));
	err = step_id(a, ST_KIND, &kind);
	if (!err) {
		sqlite3_bind_value(a->st[ST_SUBJECT], 1, sqlite3_column_value(row, 2));
		err = step_id(a, ST_SUBJECT, &subject);
	}
	if (err)
		return err;
	bind_column(hit, 1, row, 0);
	sqlite3_bind_int64(hit, 2, kind);
	sqlite3_bind_int64(hit, 3, subject);
	bind_column(hit, 4, row, 3);
	bind_column(hit, 5, row, 4);
	bind_column(hit, 6, row, 5);
	err = step_done(a, ST_HIT);
	if (!err)
		*added += sqlite3_changes(a->db);
	return err;
}

/* Run one rule over [since, until) inside its savepoint. 0 or -errno. */
static int run_rule(struct anomaly_eval *a, struct rule *r, int64_t since, int64_t until,
		    int *added)
{
	int rc, err, n = 0;

	err = anomaly_bind(r->st, r->name, &a->settings, since, until);
	if (err)
		return err;
	if (sqlite3_column_count(r->st) != 6) {
		pr_err("anomaly rule %s: %d columns, expected 6", r->name,
		       sqlite3_column_count(r->st));
		return -EINVAL;
	}
	start_clock(a);
	sqlite3_progress_handler(a->db, PROGRESS_STEPS, past_deadline, a);
	while (!err && (rc = sqlite3_step(r->st)) == SQLITE_ROW)
		err = store_hit(a, r->st, &n);
	sqlite3_progress_handler(a->db, 0, NULL, NULL);
	if (!err && rc != SQLITE_DONE)
		err = rc == SQLITE_INTERRUPT ? -ETIMEDOUT : -EIO;
	if (err == -ETIMEDOUT)
		snprintf(r->why, sizeof(r->why), "ran past its time budget of %u ms", a->budget_ms);
	else if (err)
		snprintf(r->why, sizeof(r->why), "failed: %s", sqlite3_errmsg(a->db));
	if (err && !r->failing)
		pr_warn("anomaly rule %s failed, its hits are skipped: %s", r->name, r->why);
	else if (!err && r->failing)
		pr_info("anomaly rule %s works again", r->name);
	r->failing = !!err;
	sqlite3_reset(r->st);
	sqlite3_clear_bindings(r->st);
	if (!err)
		*added += n;
	return err;
}

/*
 * A rule that did not judge the round's intervals (ids after done_id up to
 * last) says so in anomalies: kind not_judged, the rule as subject, one row
 * per interval, so that a reader of anomaly_log, the report or the summary
 * knows its silence there means nothing. 0 or -EIO.
 */
static int note_not_judged(struct anomaly_eval *a, const struct rule *r, int64_t last)
{
	sqlite3_stmt *st = a->st[ST_SKIPPED];
	char detail[320];
	int64_t kind, subject;
	int err;

	snprintf(detail, sizeof(detail),
		 "rule %.*s did not judge this interval: %s (netmon-report anomalies judges it "
		 "from the raw rows while they are kept)",
		 (int)(strlen(r->name) - 4), r->name, r->st ? r->why : "it did not prepare");
	sqlite3_bind_text(a->st[ST_SUBJECT], 1, r->name, (int)strlen(r->name) - 4, SQLITE_STATIC);
	err = step_id(a, ST_SKIP_KIND, &kind);
	if (!err)
		err = step_id(a, ST_SUBJECT, &subject);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, kind);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_int64(st, 3, a->budget_ms);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, a->done_id);
	sqlite3_bind_int64(st, 6, last);
	return step_done(a, ST_SKIPPED);
}

/*
 * Every rule, each in its own savepoint: a failure undoes only its own hits
 * and leaves a not_judged note instead. Returns how many rules did not run
 * or failed.
 */
static int run_rules(struct anomaly_eval *a, int64_t since, int64_t until, int64_t last, int *added)
{
	int failed = 0;

	for (int i = 0; i < a->n_rules; i++) {
		struct rule *r = &a->rules[i];
		int before = *added;

		r->round = 0;
		if (step_done(a, ST_SAVEPOINT)) {
			failed++;
			continue;
		}
		if (!r->st || run_rule(a, r, since, until, added)) {
			step_done(a, ST_ROLLBACK_TO);
			*added = before;
			failed++;
			if (note_not_judged(a, r, last))
				pr_warn("anomaly rule %s: cannot note what it did not judge: %s",
					r->name, sqlite3_errmsg(a->db));
		}
		step_done(a, ST_RELEASE);
		r->round = *added - before;
		if (*added > before)
			pr_info("anomaly: %d new %.*s hit%s", *added - before,
				(int)(strlen(r->name) - 4), r->name,
				*added - before == 1 ? "" : "s");
	}
	return failed;
}

/* meta[key] = text, or v when text is NULL. */
static int set_meta(struct anomaly_eval *a, const char *key, int64_t v, const char *text)
{
	sqlite3_stmt *st = a->st[ST_SET_META];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 2, v);
	return step_done(a, ST_SET_META);
}

/*
 * Keep meta 'anomaly_evaluated_from' .. 'anomaly_evaluated_through' the
 * intervals every rule judged with the thresholds in 'anomaly_thresholds',
 * so that the report can take the stored hits for them instead of judging
 * again. A round that continues that range with the same thresholds and no
 * failure extends it; any other round starts it again after the interval
 * that broke it (a failed rule: after this round). Called before the round's
 * progress is written.
 */
static int mark_judged(struct anomaly_eval *a, int64_t last, int failed)
{
	sqlite3_stmt *st = a->st[ST_STATE];
	char text[ANOMALY_SETTINGS_TEXT_MAX];
	int keep, err;

	err = anomaly_settings_text(&a->settings, text, sizeof(text));
	if (err)
		return err;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -EIO;
	}
	keep = !failed && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	       sqlite3_column_type(st, 1) == SQLITE_TEXT &&
	       !strcmp((const char *)sqlite3_column_text(st, 1), text) &&
	       sqlite3_column_type(st, 2) != SQLITE_NULL &&
	       sqlite3_column_int64(st, 2) == a->done_id;
	sqlite3_reset(st);
	if (keep)
		return 0;
	err = set_meta(a, "anomaly_evaluated_from", failed ? last + 1 : a->done_id + 1, NULL);
	return err ? err : set_meta(a, "anomaly_thresholds", 0, text);
}

int anomaly_eval_run(struct anomaly_eval *a)
{
	sqlite3_stmt *q;
	int64_t since, until, last;
	int added = 0, failed, err;

	if (!a)
		return 0; /* evaluation is off: the database could not be opened twice */
	q = a->st[ST_PENDING];
	sqlite3_bind_int64(q, 1, a->done_id);
	if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_type(q, 2) == SQLITE_NULL) {
		sqlite3_reset(q);
		return 0; /* nothing new */
	}
	since = sqlite3_column_int64(q, 0);
	until = sqlite3_column_int64(q, 1) + 1;
	last = sqlite3_column_int64(q, 2);
	sqlite3_reset(q);

	if (step_done(a, ST_BEGIN)) {
		pr_warn("anomaly rules: cannot start a transaction: %s", sqlite3_errmsg(a->db));
		return -EIO;
	}
	failed = run_rules(a, since, until, last, &added);
	test_point("anomaly"); /* the hits inserted, not committed */
	err = mark_judged(a, last, failed);
	if (!err) {
		sqlite3_bind_int64(a->st[ST_PROGRESS], 1, last);
		err = step_done(a, ST_PROGRESS);
	}
	if (!err)
		err = step_done(a, ST_COMMIT);
	if (err) {
		pr_warn("anomaly rules: cannot store the hits (tried again next interval): %s",
			sqlite3_errmsg(a->db));
		if (!sqlite3_get_autocommit(a->db))
			step_done(a, ST_ROLLBACK);
		return err;
	}
	a->done_id = last;
	for (int i = 0; i < a->n_rules; i++)
		a->rules[i].stored += (uint64_t)a->rules[i].round;
	return added;
}

uint64_t anomaly_eval_stored(const struct anomaly_eval *a, const char *rule)
{
	for (int i = 0; a && i < a->n_rules; i++)
		if (!strcmp(a->rules[i].name, rule))
			return a->rules[i].stored;
	return 0;
}

void anomaly_eval_set(struct anomaly_eval *a, const struct anomaly_settings *settings)
{
	if (a)
		a->settings = *settings;
}
