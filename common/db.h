/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* db.h - opening a netmon database: checks, pragmas and schema migrations. */
#ifndef NETMON_DB_H
#define NETMON_DB_H

#include <sqlite3.h>

/* PRAGMA application_id of every netmon database: "nmon". */
#define NETMON_APPLICATION_ID 0x6e6d6f6e

/* The default database, for the recorder and the report alike. */
#define NETMON_DEFAULT_DB "/var/lib/netmon/netmon.db"

enum db_mode {
	DB_READ_ONLY,  /* reports and tests: never writes, refuses other versions */
	DB_READ_WRITE, /* the recorder: creates the file and migrates it */
};

/*
 * Open path. A new or empty file gets the current schema; an older netmon
 * database is migrated in place (read-write only). A file that is not a
 * SQLite database, a SQLite database of another application, or a schema
 * newer than this build is refused untouched. Errors are logged as one line
 * naming the file; returns 0 or a negative errno.
 */
int db_open(const char *path, enum db_mode mode, sqlite3 **out);
void db_close(sqlite3 *db);

/* The schema version this build writes: the number of migrations. */
int db_schema_version(void);

/* Run a statement list; logs and returns -EIO on failure. */
int db_exec(sqlite3 *db, const char *sql);

#endif
