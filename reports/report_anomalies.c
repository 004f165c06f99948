// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_anomalies.c - the anomalies report: stored hits and rules, as one
 * statement built from the embedded files, or (with more than one job,
 * --jobs) as parts run at once on connections of their own and merged by
 * the same text (anomaly_jobs.c).
 *
 * Both sources, because each covers what the other cannot: the rules give
 * answers for any window, also for history recorded before they existed or
 * with the recorder's evaluation off, and with the thresholds given here;
 * the stored hits stay when retention has removed the raw rows the rules
 * read. Only embedded text goes into the statement; every value is bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "anomaly_jobs.h"
#include "anomaly_rules.h"
#include "embed.h"
#include "log.h"
#include "report_anomalies.h"
#include "fmt_buf.h"

/*
 * The statement is: every hit, with its origin, deduplicated. origin 0
 * (stored) sorts first, so the stored row of a pair is kept.
 */
static const char dedupe_head[] =
	"SELECT ts, kind, subject, value, threshold, detail FROM (\n"
	"SELECT *, row_number() OVER (PARTITION BY ts, kind, subject ORDER BY origin) AS nth\n"
	"FROM (\n";
static const char tail[] = "))\nWHERE nth = 1\nORDER BY ts, kind, subject";
static const char stored_sql[] =
	"SELECT ts, kind, subject, value, threshold, detail FROM anomaly_log\n"
	"WHERE ts >= :window_since AND ts < :until";

/* The one statement: the stored hits, then every rule. */
static int build_sql(struct fmt_buf *sql)
{
	int err = fmt_buf_add(sql, dedupe_head, sizeof(dedupe_head) - 1);

	if (!err)
		err = fmt_buf_addf(sql, "SELECT 0 AS origin, * FROM (\n%s\n)\n", stored_sql);
	for (const struct embedded_file *f = netmon_anomaly_rules; f->name && !err; f++) {
		/* The rule's own comments end at a newline, never in its text. */
		err = fmt_buf_addf(sql, "UNION ALL SELECT 1, * FROM ( -- %s\n", f->name);
		if (!err)
			err = fmt_buf_add(sql, f->text, anomaly_rule_body_len(f->text, f->len));
		if (!err)
			err = fmt_buf_add(sql, "\n)\n", 3);
	}
	return err ? err : fmt_buf_add(sql, tail, sizeof(tail) - 1);
}

/*
 * The recorder's judged range (meta 'anomaly_evaluated_from' ..
 * 'anomaly_evaluated_through', interval ids, with the thresholds in
 * 'anomaly_thresholds'): whether it matches these thresholds, the last
 * start time in it, and how many intervals of the window come before it.
 */
static const char judged_sql[] =
	"SELECT (SELECT value FROM meta WHERE key = 'anomaly_thresholds') = ?1,\n"
	"       (SELECT max(ts_start) FROM intervals WHERE id BETWEEN f.v AND t.v),\n"
	"       (SELECT count(*) FROM intervals WHERE id < f.v AND ts_start >= ?2\n"
	"                                        AND ts_start < ?3)\n"
	"FROM (SELECT value AS v FROM meta WHERE key = 'anomaly_evaluated_from') f,\n"
	"     (SELECT value AS v FROM meta WHERE key = 'anomaly_evaluated_through') t";

/*
 * Where the rules start judging: after the intervals the recorder already
 * judged with the same thresholds, whose stored hits are what the rules
 * would find again (the recorder judges each interval as the rules judge a
 * window: looking back, never forward). Intervals ids and start times grow
 * together, so the judged range is one span of start times. Anything less
 * certain (other thresholds, unjudged intervals before the range, no range
 * recorded): the rules judge the whole window, as before.
 */
static int64_t rules_since(sqlite3 *db, const struct report_opts *o)
{
	char text[ANOMALY_SETTINGS_TEXT_MAX];
	sqlite3_stmt *st;
	int64_t since = o->since;

	if (anomaly_settings_text(&o->thresholds, text, sizeof(text)) ||
	    sqlite3_prepare_v2(db, judged_sql, -1, &st, NULL) != SQLITE_OK)
		return since;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o->since);
	sqlite3_bind_int64(st, 3, o->until);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 &&
	    sqlite3_column_type(st, 1) == SQLITE_INTEGER && sqlite3_column_int64(st, 2) == 0 &&
	    sqlite3_column_int64(st, 1) >= since)
		since = sqlite3_column_int64(st, 1) + 1;
	sqlite3_finalize(st);
	return since;
}

/*
 * The rules that take longest, started first so that no CPU is left with
 * one of them at the end: over the generated busy week udp_scan and
 * beaconing are each ~40 % of the rules' time (bench/RESULTS.md). The
 * stored hits and the other rules follow in file order.
 */
static const char *const slow_first[] = { "udp_scan.sql", "beaconing.sql" };

static int is_slow(const char *name)
{
	for (size_t i = 0; i < sizeof(slow_first) / sizeof(slow_first[0]); i++)
		if (!strcmp(name, slow_first[i]))
			return 1;
	return 0;
}

static void add_rule(struct anomaly_part *parts, int *n, const struct embedded_file *f)
{
	parts[(*n)++] = (struct anomaly_part){ .name = f->name, .sql = f->text,
					       .len = anomaly_rule_body_len(f->text, f->len),
					       .origin = 1 };
}

/* The stored hits and each rule run at once (anomaly_jobs.h), then merged by
 * the same text as the one statement's. */
static int prepare_jobs(const struct report_opts *o, int64_t since, int jobs,
			const struct timespec *deadline, sqlite3_stmt **out)
{
	struct anomaly_part *parts;
	struct fmt_buf merge = { 0 };
	const struct embedded_file *f;
	int n = 0, rules = 0, err;

	for (f = netmon_anomaly_rules; f->name; f++)
		rules++;
	parts = calloc((size_t)rules + 1, sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(slow_first) / sizeof(slow_first[0]); i++)
		if ((f = embed_find(netmon_anomaly_rules, slow_first[i])))
			add_rule(parts, &n, f);
	parts[n++] = (struct anomaly_part){ .name = "stored hits", .sql = stored_sql,
					    .len = sizeof(stored_sql) - 1, .origin = 0 };
	for (f = netmon_anomaly_rules; f->name; f++)
		if (!is_slow(f->name))
			add_rule(parts, &n, f);
	err = fmt_buf_add(&merge, dedupe_head, sizeof(dedupe_head) - 1);
	if (!err)
		err = fmt_buf_addf(&merge, "SELECT * FROM hits%s", tail);
	if (!err)
		err = anomaly_jobs_run(parts, n, jobs, o->db_path, &o->thresholds, o->since, since,
				       o->until, deadline, merge.s, out);
	fmt_buf_free(&merge);
	free(parts);
	return err;
}

int report_anomalies_prepare(sqlite3 *db, const struct report_opts *o,
			     const struct timespec *deadline, sqlite3_stmt **out)
{
	struct fmt_buf sql = { 0 };
	int64_t since = rules_since(db, o);
	int err;

	*out = NULL;
	if (o->jobs > 1)
		return prepare_jobs(o, since, o->jobs, deadline, out);
	err = build_sql(&sql);
	if (err)
		return err;
	if (sqlite3_prepare_v2(db, sql.s, (int)sql.len, out, NULL) != SQLITE_OK) {
		pr_err("anomaly rules: %s", sqlite3_errmsg(db));
		err = -EIO;
	}
	if (!err)
		err = anomaly_bind_window(*out, "anomaly rules", &o->thresholds, o->since, since,
					  o->until);
	if (err) {
		sqlite3_finalize(*out);
		*out = NULL;
	}
	fmt_buf_free(&sql);
	return err;
}
