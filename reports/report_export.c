// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_export.c - netmon-report export (report_export.h).
 *
 * The same sender as the recorder's export (export/ipfix_send.c), on the
 * read-only connection: the SQLite file is the collectors' buffer. The
 * interval ids are read first, each interval's rows then in a statement of
 * their own, so that the recorder is never held up by a long read.
 */
#include <errno.h>
#include <stdlib.h>
#include "ipfix_send.h"
#include "log.h"
#include "report_export.h"

/* The window's intervals, as every report selects them (window.sql). */
static const char ids_sql[] = "SELECT id FROM intervals WHERE ts_start >= ?1 AND ts_start < ?2 "
			      "ORDER BY id";

/* The ids of the window's intervals into *ids (malloc'd), their count into *n. */
static int window_ids(sqlite3 *db, const struct report_opts *o, int64_t **ids, size_t *n)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc = sqlite3_prepare_v2(db, ids_sql, -1, &q, NULL);

	*ids = NULL;
	*n = 0;
	sqlite3_bind_int64(q, 1, o->since);
	sqlite3_bind_int64(q, 2, o->until);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			int64_t *more = realloc(*ids, (cap = cap ? cap * 2 : 256) * sizeof(**ids));

			if (!more) {
				rc = SQLITE_NOMEM;
				break;
			}
			*ids = more;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(q, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	pr_err("export: reading the intervals: %s", sqlite3_errstr(rc));
	free(*ids);
	*ids = NULL;
	return -EIO;
}

int report_export(sqlite3 *db, const struct report_opts *o, FILE *fp)
{
	struct ipfix_send_opts so = { .collectors = o->ipfix,
				      .n_collectors = o->n_ipfix,
				      .mtu = (unsigned int)o->ipfix_mtu,
				      .domain = (unsigned int)o->ipfix_domain,
				      .rate = (unsigned int)o->ipfix_rate };
	struct ipfix_send *s = NULL;
	uint64_t records, total = 0, messages, errors;
	int64_t *ids = NULL;
	size_t n = 0;
	int err = window_ids(db, o, &ids, &n);

	if (!err)
		err = ipfix_send_open(&s, &so, db);
	if (err)
		goto out;
	ipfix_send_begin(s, 0); /* no interval waits: paced throughout */
	for (size_t i = 0; i < n; i++) {
		if (ipfix_send_interval(s, db, ids[i], &records))
			err = -EIO;
		total += records;
	}
	ipfix_send_end(s);
	ipfix_send_totals(s, &records, &messages);
	errors = ipfix_send_errors(s);
	fprintf(fp,
		"%zu intervals, %llu records in %llu messages to %d collector%s; %llu not taken\n",
		n, (unsigned long long)total, (unsigned long long)messages, o->n_ipfix,
		o->n_ipfix > 1 ? "s" : "", (unsigned long long)errors);
	if (errors) {
		pr_err("export: %llu messages were not taken by a collector (see above)",
		       (unsigned long long)errors);
		err = -EIO;
	}
out:
	ipfix_send_close(s);
	free(ids);
	return err;
}
