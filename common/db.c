// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * db.c - open, check and migrate a netmon database.
 *
 * Checks follow vnStat's dbsql.c: the file must be ours (application_id) and
 * of a version we know; WAL is read back; a busy timeout keeps ad-hoc readers
 * from failing the writer. Migrations are sql/NNNN_*.sql, embedded at build
 * time, each applied in its own BEGIN IMMEDIATE transaction together with the
 * user_version bump, so a crash leaves the database at a whole version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "embed.h"
#include "log.h"

#define BUSY_TIMEOUT_MS 5000

int db_schema_version(void)
{
	int n = 0;

	while (netmon_migrations[n].name)
		n++;
	return n;
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pr_err("%s: %s", sqlite3_db_filename(db, "main"), msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/* One integer from a pragma or query; -1 when it fails (e.g. not a database). */
static long long query_int(sqlite3 *db, const char *sql, int *rc_out)
{
	sqlite3_stmt *st;
	long long v = -1;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
	}
	if (rc_out)
		*rc_out = rc;
	return v;
}

static int migrate(sqlite3 *db, const char *path, int from)
{
	char bump[64];
	int to = db_schema_version();

	for (int v = from + 1; v <= to; v++) {
		const struct embedded_file *m = &netmon_migrations[v - 1];

		if (atoi(m->name) != v) {
			pr_err("migration %s is out of sequence (expected %04d)", m->name, v);
			return -EINVAL;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d;", v);
		if (db_exec(db, "BEGIN IMMEDIATE;"))
			return -EIO;
		if (db_exec(db, m->text) || db_exec(db, bump) || db_exec(db, "COMMIT;")) {
			sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
			pr_err("%s: migration %s failed; the database is unchanged at version %d",
			       path, m->name, v - 1);
			return -EIO;
		}
		if (from > 0)
			pr_info("%s: upgraded schema to version %d (%s)", path, v, m->name);
	}
	return 0;
}

/* Is this file ours, and of a version we can use? Sets *version. */
static int check_identity(sqlite3 *db, const char *path, enum db_mode mode, int *version)
{
	long long app_id, tables;
	int rc;

	app_id = query_int(db, "PRAGMA application_id;", &rc);
	if (rc != SQLITE_OK) {
		pr_err("%s: not a netmon database: %s", path, sqlite3_errstr(rc));
		return -EINVAL;
	}
	*version = (int)query_int(db, "PRAGMA user_version;", NULL);
	tables = query_int(db, "SELECT count(*) FROM sqlite_schema;", NULL);
	if (app_id != NETMON_APPLICATION_ID && (tables > 0 || *version != 0 || app_id != 0)) {
		pr_err("%s: not a netmon database (another application's SQLite file); not touching it",
		       path);
		return -EINVAL;
	}
	if (*version > db_schema_version()) {
		pr_err("%s: schema version %d is newer than version %d of this netmon; upgrade netmon",
		       path, *version, db_schema_version());
		return -EPROTO;
	}
	if (mode == DB_READ_ONLY && *version < db_schema_version()) {
		if (*version == 0)
			pr_err("%s: empty database: nothing recorded yet (run netmon-record)", path);
		else
			pr_err("%s: schema version %d is older than version %d; netmon-record upgrades it",
			       path, *version, db_schema_version());
		return -EPROTO;
	}
	return 0;
}

/* Settings of the writer; see ../shared/NOTES-bpf.md for the measurements. */
static int configure_writer(sqlite3 *db, const char *path, int is_new)
{
	sqlite3_stmt *st;
	int wal = 0;

	/* auto_vacuum must be chosen before the first table exists. */
	if (is_new && db_exec(db, "PRAGMA auto_vacuum = INCREMENTAL;"))
		return -EIO;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL;", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			wal = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
	}
	if (!wal) {
		pr_err("%s: cannot switch to WAL journal mode: %s", path, sqlite3_errmsg(db));
		return -EIO;
	}
	/* Debian builds SQLite with FULL sync in WAL and SECURE_DELETE on:
	 * NORMAL is durable across application crashes, and FAST secure
	 * delete clears freed rows only where it costs no extra I/O. */
	return db_exec(db, "PRAGMA synchronous = NORMAL;"
			   "PRAGMA secure_delete = FAST;"
			   "PRAGMA cache_size = -65536;");
}

int db_open(const char *path, enum db_mode mode, sqlite3 **out)
{
	int flags = mode == DB_READ_ONLY ? SQLITE_OPEN_READONLY
					 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	int err, version = 0;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		pr_err("%s: cannot open database: %s", path,
		       db ? sqlite3_errmsg(db) : "out of memory");
		err = -EACCES;
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	err = check_identity(db, path, mode, &version);
	if (err)
		goto fail;
	if (mode == DB_READ_WRITE) {
		err = configure_writer(db, path, version == 0);
		if (err)
			goto fail;
		if (version == 0 && (err = db_exec(db, "PRAGMA application_id = 1852665710;")))
			goto fail;
		err = migrate(db, path, version);
		if (err)
			goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return err;
}

void db_close(sqlite3 *db)
{
	if (!db)
		return;
	sqlite3_exec(db, "PRAGMA optimize;", NULL, NULL, NULL);
	sqlite3_close(db);
}
