// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sqlfile.c - see sqlfile.h. */
#include <errno.h>
#include <string.h>
#include "embed.h"
#include "log.h"
#include "sqlfile.h"

static int64_t last_changes;

int64_t sqlfile_changes(void)
{
	return last_changes;
}

int sqlfile_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t dflt,
		int64_t *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	*out = dflt;
	if (rc != SQLITE_OK)
		return rc;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int sqlfile_finish(sqlite3 *db, int rc, const char *what)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	pr_debug("%s: %s", what, sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

static void bind_params(sqlite3_stmt *s, const struct sql_param *params, int n_params)
{
	for (int i = 0; i < n_params; i++) {
		int idx = sqlite3_bind_parameter_index(s, params[i].name);

		if (!idx)
			continue;
		if (params[i].is_null)
			sqlite3_bind_null(s, idx);
		else
			sqlite3_bind_int64(s, idx, params[i].value);
	}
}

int sqlfile_run(sqlite3 *db, const char *name, const struct sql_param *params, int n_params)
{
	const struct embedded_file *f = embed_find(netmon_maintenance, name);
	const char *sql, *tail;
	int rc = SQLITE_OK;

	last_changes = 0;
	if (!f)
		return -ENOENT;
	for (sql = f->text; rc == SQLITE_OK && *sql; sql = tail) {
		sqlite3_stmt *s = NULL;

		rc = sqlite3_prepare_v2(db, sql, -1, &s, &tail);
		if (rc != SQLITE_OK || !s) /* error, or only comments/space left */
			break;
		bind_params(s, params, n_params);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
			last_changes += sqlite3_changes64(db);
		} else {
			pr_debug("%s: %s", name, sqlite3_errmsg(db));
		}
		sqlite3_finalize(s);
	}
	return rc;
}
