// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_proc_names.c - cgroups and users of process rows (proc_names.h) in a
 * real database against this host's real cgroup v2 hierarchy and passwd
 * database: the root cgroup named "/", a cgroup gone before it was named
 * named by its id unless this boot's rows know it, user names at first
 * sight. tests/e2e/cgroups.bats covers cgroups made for the purpose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "names/cgroup_paths.h"
#include "store/proc_names.h"
#include "temp_db.h"

#define NO_SUCH_CGROUP (1ull << 60) /* an id no cgroup has */

static int setup(void **state)
{
	static struct temp_db t;

	if (temp_db_open(&t, "netmon-test-proc-names"))
		return -1;
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	temp_db_remove(*state);
	return 0;
}

static void q_text(sqlite3 *db, const char *sql, int64_t arg, char *out, size_t size)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, arg);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void exec(sqlite3 *db, const char *sql)
{
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

#define CGROUP_OF                                                                                  \
	"SELECT path || '|' || s.name FROM cgroups c "                                             \
	"JOIN services s ON s.id = c.service_id WHERE c.id = ?1"

static void test_root_and_gone_cgroups(void **state)
{
	struct temp_db *t = *state;
	struct cgroup_paths *cp;
	struct proc_names *pn;
	int64_t row, again;
	struct stat st;
	char text[256], want[64];

	if (cgroup_paths_open(&cp, NULL))
		skip(); /* no cgroup v2 hierarchy on this host */
	assert_int_equal(stat(cgroup_paths_mount(cp), &st), 0);
	cgroup_paths_close(cp);
	assert_int_equal(proc_names_open(&pn, t->db), 0);
	assert_int_equal(proc_names_cgroup(pn, st.st_ino, 1000, 0, &row), 0);
	q_text(t->db, CGROUP_OF, row, text, sizeof(text));
	assert_string_equal(text, "/|/");
	assert_int_equal(proc_names_cgroup(pn, NO_SUCH_CGROUP, 1000, 0, &row), 0);
	q_text(t->db, CGROUP_OF, row, text, sizeof(text));
	snprintf(want, sizeof(want), "cgroup:%llu|cgroup:%llu", NO_SUCH_CGROUP, NO_SUCH_CGROUP);
	assert_string_equal(text, want);
	assert_int_equal(proc_names_cgroup(pn, NO_SUCH_CGROUP, 2000, 0, &again), 0);
	assert_int_equal(again, row);
	proc_names_close(pn);
}

/* A restarted recorder meets a cgroup gone since an earlier run of this boot
 * named it: that name. One named before this boot is another cgroup. */
static void test_gone_cgroup_named_by_this_boots_rows(void **state)
{
	struct temp_db *t = *state;
	struct proc_names *pn;
	int64_t row;
	char text[256];

	exec(t->db, "INSERT INTO services (id, name) VALUES (7, 'was.service');"
		    "INSERT INTO cgroups (kernel_id, path, service_id, first_seen) VALUES "
		    "(1152921504606846977, '/old.slice/was.service', 7, 86400),"
		    "(1152921504606846978, '/now.slice/was.service', 7, unixepoch() - 1)");
	assert_int_equal(proc_names_open(&pn, t->db), 0);
	assert_int_equal(proc_names_cgroup(pn, NO_SUCH_CGROUP + 2, 1000, 0, &row), 0);
	q_text(t->db, CGROUP_OF, row, text, sizeof(text));
	assert_string_equal(text, "/now.slice/was.service|was.service");
	assert_int_equal(proc_names_cgroup(pn, NO_SUCH_CGROUP + 1, 1000, 0, &row), 0);
	q_text(t->db, CGROUP_OF, row, text, sizeof(text));
	assert_string_equal(text, "cgroup:1152921504606846977|cgroup:1152921504606846977");
	proc_names_close(pn);
}

static void test_user_names_at_first_sight(void **state)
{
	struct temp_db *t = *state;
	struct proc_names *pn;
	char text[64];

	exec(t->db, "INSERT INTO user_names (uid, name) VALUES (1, 'before')");
	assert_int_equal(proc_names_open(&pn, t->db), 0);
	assert_int_equal(proc_names_user(pn, 0), 0);
	assert_int_equal(proc_names_user(pn, 1), 0);
	assert_int_equal(proc_names_user(pn, 4000000000u), 0);
	q_text(t->db, "SELECT name FROM user_names WHERE uid = ?1", 0, text, sizeof(text));
	assert_string_equal(text, "root");
	q_text(t->db, "SELECT name FROM user_names WHERE uid = ?1", 1, text, sizeof(text));
	assert_string_equal(text, "before");
	q_text(t->db, "SELECT name FROM user_names WHERE uid = ?1", 4000000000ll, text,
	       sizeof(text));
	assert_string_equal(text, "4000000000");
	proc_names_close(pn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_and_gone_cgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_cgroup_named_by_this_boots_rows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_user_names_at_first_sight, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
