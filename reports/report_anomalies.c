// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_anomalies.c - the anomalies report: stored hits and rules, as one
 * statement built from the embedded files.
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
#include "anomaly_rules.h"
#include "embed.h"
#include "log.h"
#include "report_anomalies.h"
#include "report_fmt.h"

/* origin 0 (stored) sorts first, so the stored row of a pair is kept. */
static const char head[] =
	"SELECT ts, kind, subject, value, threshold, detail FROM (\n"
	"SELECT *, row_number() OVER (PARTITION BY ts, kind, subject ORDER BY origin) AS nth\n"
	"FROM (\n"
	"SELECT 0 AS origin, ts, kind, subject, value, threshold, detail FROM anomaly_log\n"
	"WHERE ts >= :since AND ts < :until\n";
static const char tail[] = "))\nWHERE nth = 1\nORDER BY ts, kind, subject";

static int build_sql(struct fmt_buf *sql)
{
	int err = fmt_buf_add(sql, head, sizeof(head) - 1);

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

int report_anomalies_prepare(sqlite3 *db, const struct report_opts *o, sqlite3_stmt **out)
{
	struct fmt_buf sql = { 0 };
	int err = build_sql(&sql);

	*out = NULL;
	if (err)
		return err;
	if (sqlite3_prepare_v2(db, sql.s, (int)sql.len, out, NULL) != SQLITE_OK) {
		pr_err("anomaly rules: %s", sqlite3_errmsg(db));
		err = -EIO;
	}
	if (!err)
		err = anomaly_bind(*out, "anomaly rules", &o->thresholds, o->since, o->until);
	if (err) {
		sqlite3_finalize(*out);
		*out = NULL;
	}
	fmt_buf_free(&sql);
	return err;
}
