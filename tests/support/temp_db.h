/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * temp_db.h - a database of the current schema in a fresh file under /tmp,
 * for unit tests that need a real one, and its removal with its WAL files;
 * and the schema's own texts read from the source tree.
 */
#ifndef NETMON_TEST_TEMP_DB_H
#define NETMON_TEST_TEMP_DB_H

#include <sqlite3.h>

struct temp_db {
	char path[64];
	sqlite3 *db;
};

/* Create /tmp/NAME.XXXXXX and open it read-write (migrations applied).
 * 0, or -1 with nothing left behind. A file its test does not remove (a
 * failed assertion leaves the test at once) is removed at exit. */
int temp_db_open(struct temp_db *t, const char *name);

/* Close the connection and remove the file, its -wal and its -shm. */
void temp_db_remove(struct temp_db *t);

/* Remove a test's mkdtemp() directory and everything in it: a cmocka
 * group teardown's result (0 when removed). */
int temp_dir_remove(const char *dir);

/* The first column of the one row a query returns into *v: 0, or -1 when
 * it fails or returns no row. */
int temp_db_int(sqlite3 *db, const char *sql, long long *v);

/* A file of the source tree (a migration, a rule: the tests run from the
 * repository's top) read whole, NUL-terminated, for free(). A file that
 * cannot be read ends the test program with a message (exit 1): the test
 * cannot run without it. */
char *source_text(const char *path);

#endif
