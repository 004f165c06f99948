/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sqlfile.h - run an embedded .sql file of several statements with named
 * integer parameters (:since, :level...), the way `sqlite3` would run it by
 * hand with .parameter set. Used for rollups and retention (sql/maintain/).
 *
 * Every statement run here is prepared once per connection and kept until
 * sqlfile_close() (db_close() calls it): the housekeeping after each
 * interval runs the same texts every time. A text is known by its address,
 * so it must not move or change while kept: a string literal or an
 * embedded file (one whose text changed at the same address is prepared
 * again).
 */
#ifndef NETMON_SQLFILE_H
#define NETMON_SQLFILE_H

#include <sqlite3.h>
#include <stdint.h>

struct sql_param {
	const char *name; /* with its prefix, e.g. ":since" */
	int64_t value;
	int is_null;
};

/*
 * Run every statement of the embedded file name (netmon_maintenance), binding
 * each parameter a statement uses; a parameter not in params stays NULL.
 * Returns 0, or the SQLite result code of the failing statement (its
 * message is sqlite3_errmsg(db)); -ENOENT when no such file is embedded.
 */
int sqlfile_run(sqlite3 *db, const char *name, const struct sql_param *params, int n_params);

/*
 * The statement kept for the first statement of sql on db, reset with its
 * parameters NULL, prepared on first use (*s NULL when sql holds only
 * comments and space); *tail, if tail is not NULL, is what follows it in
 * sql. Reset it after use; after an error, sqlfile_forget() it. Returns
 * SQLITE_OK or the SQLite error code of preparing it.
 */
int sqlfile_prepared(sqlite3 *db, const char *sql, sqlite3_stmt **s, const char **tail);

/* Finalize s, kept or not, and forget it: the next use prepares it again. */
void sqlfile_forget(sqlite3 *db, sqlite3_stmt *s);

/* Finalize every statement kept for db: before sqlite3_close(db). */
void sqlfile_close(sqlite3 *db);

/* Run the one statement sql (kept) to its end. SQLITE_OK or the error code. */
int sqlfile_exec(sqlite3 *db, const char *sql);

/*
 * One integer from sql, with ?1 = a and ?2 = b bound; no row or NULL reads
 * as dflt. Returns SQLITE_OK or the SQLite error code.
 */
int sqlfile_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t dflt, int64_t *out);

/*
 * End a transaction begun with BEGIN IMMEDIATE: COMMIT when rc is
 * SQLITE_OK, else ROLLBACK (what names the work in the debug log).
 * Returns 0, -ENOSPC when the disk is full, or -EIO.
 */
int sqlfile_finish(sqlite3 *db, int rc, const char *what);

/* The number of rows the last sqlfile_run changed, over all its statements. */
int64_t sqlfile_changes(void);

#endif
