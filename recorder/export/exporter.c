// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "export/exporter.h"
#include "db.h"
#include "ipfix_send.h"
#include "log.h"

/*
 * What the export did with interval ?1 (collector_log, 0010_ipfix_export.sql),
 * and the watermark: meta 'ipfix_exported', the last interval id exported.
 * In one transaction, after the interval's messages were sent.
 */
static const char counts_sql[] =
	"UPDATE intervals SET ipfix_records = ?2, ipfix_send_errors = ?3 WHERE id = ?1";
static const char mark_sql[] = "INSERT INTO meta (key, value) VALUES ('ipfix_exported', ?1) "
			       "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

struct exporter {
	struct ipfix_send *send;
	int64_t exported;	      /* the last interval id exported (or there before us) */
	const unsigned int *interval; /* seconds, as a SIGHUP may change it */
	sqlite3_stmt *counts, *mark;  /* prepared once */
};

/* The last interval id, and the watermark (-1: none) when mark is not NULL. */
static int read_ids(sqlite3 *db, int64_t *last, int64_t *mark)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT coalesce(max(id), 0), (SELECT value FROM meta "
				    "WHERE key = 'ipfix_exported') FROM intervals",
				    -1, &q, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		*last = sqlite3_column_int64(q, 0);
		if (mark)
			*mark = sqlite3_column_type(q, 1) == SQLITE_INTEGER
					? sqlite3_column_int64(q, 1)
					: -1;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW) {
		pr_err("ipfix: reading the intervals: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK)
		return 0;
	pr_err("ipfix: %s", sqlite3_errmsg(db));
	return -EIO;
}

/* Step a statement that returns nothing; 0 or -EIO. */
static int step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* The watermark and interval id's counts, together or not at all. */
static int store_progress(struct exporter *x, sqlite3 *db, int64_t id, uint64_t records,
			  uint64_t errors)
{
	int err = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ? -EIO : 0;

	sqlite3_bind_int64(x->counts, 1, id);
	sqlite3_bind_int64(x->counts, 2, (int64_t)records);
	sqlite3_bind_int64(x->counts, 3, (int64_t)errors);
	sqlite3_bind_int64(x->mark, 1, id);
	if (!err)
		err = step(x->counts);
	if (!err)
		err = step(x->mark);
	if (!err && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
		err = -EIO;
	if (err)
		pr_debug("ipfix: interval %lld's export not stored: %s", (long long)id,
			 sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/*
 * Where the export starts: after the watermark an earlier run left, so that
 * what it committed but did not export (a crash between the two, a
 * --keep-attached gap written now) goes out once. Without one, the export
 * starts with the intervals committed from now on, and says so in meta at
 * once, so that a crash before the first export keeps that start.
 */
static int open_watermark(struct exporter *x, sqlite3 *db)
{
	int64_t last, mark;
	int err = read_ids(db, &last, &mark);

	if (err)
		return err;
	x->exported = mark >= 0 && mark < last ? mark : last;
	if (x->exported < last)
		pr_info("ipfix: %lld intervals committed by an earlier run but not exported: "
			"exported now",
			(long long)(last - x->exported));
	if (mark >= 0)
		return 0;
	sqlite3_bind_int64(x->mark, 1, last);
	if (step(x->mark)) {
		pr_err("ipfix: storing where the export starts: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

int exporter_forget(sqlite3 *db)
{
	return db_exec(db, "DELETE FROM meta WHERE key = 'ipfix_exported'");
}

int exporter_open(struct exporter **out, const struct exporter_opts *o, sqlite3 *db)
{
	struct ipfix_send_opts so = { .collectors = o->collectors,
				      .n_collectors = o->n_collectors,
				      .mtu = o->mtu,
				      .domain = o->domain,
				      .rate = o->rate };
	struct exporter *x = calloc(1, sizeof(*x));
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->interval = o->interval;
	err = prepare(db, counts_sql, &x->counts);
	if (!err)
		err = prepare(db, mark_sql, &x->mark);
	if (!err)
		err = open_watermark(x, db);
	if (!err)
		err = ipfix_send_open(&x->send, &so, db);
	if (err) {
		exporter_close(x);
		return err;
	}
	*out = x;
	return 0;
}

void exporter_close(struct exporter *x)
{
	if (!x)
		return;
	ipfix_send_close(x->send);
	sqlite3_finalize(x->counts);
	sqlite3_finalize(x->mark);
	free(x);
}

int exporter_run(struct exporter *x, sqlite3 *db)
{
	uint64_t errors0, records, total, messages;
	int64_t last;
	int err;

	if (!x)
		return 0;
	err = read_ids(db, &last, NULL);
	if (err || last <= x->exported)
		return err;
	/* Pausing ends half an interval after the start: the next
	 * interval's snapshot must not wait for it. */
	ipfix_send_begin(x->send, x->interval ? (int64_t)*x->interval * 500 : 0);
	/* The templates' failures count with the first interval. */
	errors0 = ipfix_send_errors(x->send);
	/* Not again on an error: what was sent of an interval would be sent twice. */
	for (; x->exported < last; x->exported++) {
		if (ipfix_send_interval(x->send, db, x->exported + 1, &records))
			err = -EIO;
		/* Not stored (a full disk): the export goes on all the same, and a
		 * restart before the next stored watermark sends these again. */
		store_progress(x, db, x->exported + 1, records,
			       ipfix_send_errors(x->send) - errors0);
		errors0 = ipfix_send_errors(x->send);
	}
	ipfix_send_end(x->send);
	ipfix_send_totals(x->send, &total, &messages);
	pr_debug("ipfix: up to interval %lld exported: %llu records, %llu messages so far",
		 (long long)last, (unsigned long long)total, (unsigned long long)messages);
	return err;
}
