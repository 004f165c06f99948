// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_cgroup_paths.c - cgroup v2 ids to paths (cgroup_paths.h): the mount
 * found in a mountinfo as the kernel writes it (hybrid and pure v2 hosts,
 * escaped mount points, subtree mounts skipped), ids found by a walk of a
 * real directory tree on tmpfs (where, as on cgroupfs, readdir's inode
 * number is the directory's), one walk per round, hostile names as they are.
 * The e2e suite does the same on the real hierarchy (tests/e2e/cgroups.bats).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "names/cgroup_paths.h"

struct fixture {
	char dir[256];	     /* the tree: "hier dir" below it is the hierarchy */
	char hier[300];	     /* its root */
	char mountinfo[300]; /* a mountinfo naming it */
};

static void remove_tree(const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A hybrid host's mountinfo, the hierarchy's mount point with a space. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char text[2048];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/nm-cgpaths-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->hier, sizeof(fx->hier), "%s/hier dir", fx->dir);
	assert_int_equal(mkdir(fx->hier, 0755), 0);
	snprintf(fx->mountinfo, sizeof(fx->mountinfo), "%s/mountinfo", fx->dir);
	snprintf(text, sizeof(text),
		 "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		 "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		 "39 30 0:36 / /sys/fs/cgroup/systemd rw shared:9 - cgroup cgroup rw,name=systemd\n"
		 "40 30 0:37 /sub /elsewhere rw,relatime shared:10 - cgroup2 cgroup2 rw\n"
		 "41 30 0:37 / %s/hier\\040dir rw,relatime shared:11 - cgroup2 cgroup2 rw\n"
		 "42 30 0:37 / /later rw,relatime - cgroup2 cgroup2 rw\n",
		 fx->dir);
	write_file(fx->mountinfo, text);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	remove_tree(fx->dir);
	free(fx);
	return 0;
}

static uint64_t id_of(const struct fixture *fx, const char *rel)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", fx->hier, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void make_dir(const struct fixture *fx, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s", fx->hier, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void expect_path(struct cgroup_paths *cp, uint64_t id, const char *want)
{
	char buf[4096];

	assert_int_equal(cgroup_paths_find(cp, id, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_mount_from_mountinfo(void **state)
{
	struct fixture *fx = *state;
	struct cgroup_paths *cp;
	char want[400];

	assert_int_equal(cgroup_paths_open(&cp, fx->mountinfo), 0);
	snprintf(want, sizeof(want), "%s", fx->hier);
	assert_string_equal(cgroup_paths_mount(cp), want);
	cgroup_paths_close(cp);
	/* cgroup v1 only: no v2 hierarchy */
	write_file(fx->mountinfo, "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
				  "40 30 0:37 /sub /x rw - cgroup2 cgroup2 rw\n");
	assert_int_equal(cgroup_paths_open(&cp, fx->mountinfo), -ENODEV);
	assert_null(cp);
}

static void test_ids_to_paths(void **state)
{
	struct fixture *fx = *state;
	struct cgroup_paths *cp;
	char small[8];

	make_dir(fx, "/system.slice");
	make_dir(fx, "/system.slice/nginx.service");
	make_dir(fx, "/a b");
	make_dir(fx, "/a b/<i>\n\x1b[31m");
	assert_int_equal(cgroup_paths_open(&cp, fx->mountinfo), 0);
	expect_path(cp, id_of(fx, ""), "/");
	expect_path(cp, id_of(fx, "/system.slice/nginx.service"), "/system.slice/nginx.service");
	expect_path(cp, id_of(fx, "/system.slice"), "/system.slice");
	expect_path(cp, id_of(fx, "/a b/<i>\n\x1b[31m"), "/a b/<i>\n\x1b[31m");
	assert_int_equal(cgroup_paths_find(cp, id_of(fx, "/system.slice/nginx.service"), small,
					   sizeof(small)),
			 -ENAMETOOLONG);
	cgroup_paths_close(cp);
}

/* One walk a round: an id not found is not looked for again until the next
 * round; a directory removed keeps the path the walk saw until the next. */
static void test_one_walk_a_round(void **state)
{
	struct fixture *fx = *state;
	struct cgroup_paths *cp;
	uint64_t gone, late;
	char buf[400];

	make_dir(fx, "/gone.scope");
	gone = id_of(fx, "/gone.scope");
	assert_int_equal(cgroup_paths_open(&cp, fx->mountinfo), 0);
	expect_path(cp, gone, "/gone.scope");
	make_dir(fx, "/late.service");
	late = id_of(fx, "/late.service");
	assert_int_equal(cgroup_paths_find(cp, late, buf, sizeof(buf)), -ENOENT);
	snprintf(buf, sizeof(buf), "%s/gone.scope", fx->hier);
	assert_int_equal(rmdir(buf), 0);
	expect_path(cp, gone, "/gone.scope");
	cgroup_paths_next_round(cp);
	expect_path(cp, late, "/late.service");
	assert_int_equal(cgroup_paths_find(cp, gone, buf, sizeof(buf)), -ENOENT);
	cgroup_paths_close(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mount_from_mountinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_to_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_walk_a_round, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
