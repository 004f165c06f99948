// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_sqlfile.c - the statements sqlfile keeps per connection (sqlfile.h):
 * prepared once and found again, handed back reset with every parameter
 * NULL whatever the last use left, right after a schema change, prepared
 * again after an error or when other text sits at the same address, and
 * all finalized by sqlfile_close() so that the connection closes. A real
 * SQLite, in memory or with the current schema (temp_db.h).
 */
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "db.h"
#include "sqlfile.h"
#include "temp_db.h"

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
}

static int64_t one_int(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	int64_t v = -1;

	assert_int_equal(sqlfile_int(db, sql, a, b, -2, &v), SQLITE_OK);
	return v;
}

/* Statements the connection holds, prepared and not finalized. */
static int n_stmts(sqlite3 *db)
{
	int n = 0;

	for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s))
		n++;
	return n;
}

static sqlite3 *mem_db(void)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	return db;
}

static void close_db(sqlite3 *db)
{
	sqlfile_close(db);
	assert_null(sqlite3_next_stmt(db, NULL));
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* One statement per text, used again with new values, handed back reset. */
static void test_kept_rebound_and_reset(void **state)
{
	static const char is_null[] = "SELECT ?1 IS NULL, ?1";
	sqlite3 *db = mem_db();
	sqlite3_stmt *s1, *s2;

	assert_int_equal(one_int(db, "SELECT ?1 + ?2", 2, 3), 5);
	assert_int_equal(one_int(db, "SELECT ?1 + ?2", 40, 2), 42);
	assert_int_equal(n_stmts(db), 1);
	/* left on its row with a value bound, as a caller that stopped early would */
	assert_int_equal(sqlfile_prepared(db, is_null, &s1, NULL), SQLITE_OK);
	sqlite3_bind_int(s1, 1, 7);
	assert_int_equal(sqlite3_step(s1), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s1, 1), 7);
	assert_int_equal(sqlfile_prepared(db, is_null, &s2, NULL), SQLITE_OK);
	assert_ptr_equal(s1, s2);
	assert_int_equal(sqlite3_step(s2), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s2, 0), 1);
	sqlite3_reset(s2);
	/* a kept statement left on its row would hold a read open; none is */
	for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s))
		assert_false(sqlite3_stmt_busy(s));
	assert_int_equal(sqlfile_exec(db, "CREATE TABLE t (a INTEGER)"), SQLITE_OK);
	assert_int_equal(sqlfile_exec(db, "INSERT INTO t VALUES (1), (2)"), SQLITE_OK);
	assert_int_equal(sqlfile_exec(db, "INSERT INTO t VALUES (1), (2)"), SQLITE_OK);
	assert_int_equal(one_int(db, "SELECT count(*) FROM t", 0, 0), 4);
	assert_int_equal(n_stmts(db), 5);
	close_db(db);
}

/* A schema change re-prepares; an error forgets the statement, not the text. */
static void test_schema_change_and_error(void **state)
{
	static const char count[] = "SELECT count(*) FROM t WHERE a > ?1";
	sqlite3 *db = mem_db();
	int64_t v;

	exec(db, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2), (3)");
	assert_int_equal(one_int(db, count, 1, 0), 2);
	exec(db, "DROP TABLE t; CREATE TABLE t (b TEXT, a INTEGER); INSERT INTO t VALUES ('x', 9)");
	assert_int_equal(one_int(db, count, 1, 0), 1);
	exec(db, "DROP TABLE t");
	assert_int_equal(sqlfile_int(db, count, 1, 0, -2, &v), SQLITE_ERROR);
	assert_int_equal(v, -2);
	assert_int_equal(n_stmts(db), 0); /* forgotten */
	exec(db, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (5), (6)");
	assert_int_equal(one_int(db, count, 5, 0), 1);
	assert_int_equal(n_stmts(db), 1);
	close_db(db);
}

/* Kept by address, but never run for a text that is no longer there. */
static void test_other_text_same_address(void **state)
{
	sqlite3 *db = mem_db();
	char buf[32];

	snprintf(buf, sizeof(buf), "SELECT 1");
	assert_int_equal(one_int(db, buf, 0, 0), 1);
	snprintf(buf, sizeof(buf), "SELECT 22");
	assert_int_equal(one_int(db, buf, 0, 0), 22);
	assert_int_equal(n_stmts(db), 1);
	close_db(db);
}

static int64_t level_rows(sqlite3 *db, int level)
{
	return one_int(db, "SELECT count(*) FROM rollup_traffic WHERE level = ?1", level, 0);
}

/*
 * A file's parameter the caller leaves out is NULL, even when the last run
 * of the same kept statements bound it: rollup_up.sql with no :level
 * matches no row.
 */
static void test_file_parameter_left_out_is_null(void **state)
{
	struct temp_db t;
	char wal[80];
	struct sql_param all[] = { { ":level", 2, 0 },
				   { ":since", 0, 0 },
				   { ":until", 1 << 30, 0 } };

	assert_int_equal(temp_db_open(&t, "netmon-test-sqlfile"), 0);
	exec(t.db, "INSERT INTO interfaces (name) VALUES ('lo');"
		   "INSERT INTO rollup_traffic VALUES (1, 7200, 1, 0, 0, 4, 6, 3, 300)");
	assert_int_equal(sqlfile_run(t.db, "rollup_up.sql", all, 3), SQLITE_OK);
	assert_int_equal(sqlfile_changes(), 1);
	assert_int_equal(level_rows(t.db, 2), 1);
	/* the same run again adds to the same row: run, not skipped */
	assert_int_equal(sqlfile_run(t.db, "rollup_up.sql", all, 3), SQLITE_OK);
	assert_int_equal(sqlfile_changes(), 1);
	assert_int_equal(one_int(t.db, "SELECT bytes FROM rollup_traffic WHERE level = ?1", 2, 0),
			 600);
	assert_int_equal(sqlfile_run(t.db, "rollup_up.sql", all + 1, 2), SQLITE_OK);
	assert_int_equal(sqlfile_changes(), 0);
	assert_int_equal(sqlfile_run(t.db, "no_such.sql", all, 3), -ENOENT);
	/* db_close() finalizes them: the connection really closes, and being
	 * the file's last, checkpoints and removes the WAL */
	snprintf(wal, sizeof(wal), "%s-wal", t.path);
	assert_true(n_stmts(t.db) > 0);
	assert_int_equal(access(wal, F_OK), 0);
	db_close(t.db);
	t.db = NULL;
	assert_int_equal(access(wal, F_OK), -1);
	temp_db_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_rebound_and_reset),
		cmocka_unit_test(test_schema_change_and_error),
		cmocka_unit_test(test_other_text_same_address),
		cmocka_unit_test(test_file_parameter_left_out_is_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
