// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* temp_db.c - see temp_db.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "temp_db.h"

static void unlink_with_sides(const char *path)
{
	char side[PATH_MAX + 8];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/*
 * The files of the databases not removed yet. A failed cmocka assertion
 * leaves its test at once (longjmp), past the test's own temp_db_remove():
 * the files it left are removed when the test program exits.
 */
#define TEMP_DB_MAX 64
static char left[TEMP_DB_MAX][sizeof(((struct temp_db *)0)->path)];

static void remove_left(void)
{
	for (int i = 0; i < TEMP_DB_MAX; i++)
		if (left[i][0])
			unlink_with_sides(left[i]);
}

static void note_left(const char *path, int keep)
{
	static int registered;
	int i;

	if (!registered)
		registered = !atexit(remove_left);
	for (i = 0; i < TEMP_DB_MAX; i++) {
		if (keep && !left[i][0]) {
			snprintf(left[i], sizeof(left[i]), "%s", path);
			return;
		}
		if (!keep && !strcmp(left[i], path)) {
			left[i][0] = 0;
			return;
		}
	}
}

int temp_db_open(struct temp_db *t, const char *name)
{
	int fd;

	t->db = NULL;
	snprintf(t->path, sizeof(t->path), "/tmp/%s.XXXXXX", name);
	fd = mkstemp(t->path);
	if (fd < 0)
		return -1;
	close(fd);
	if (db_open(t->path, DB_READ_WRITE, &t->db)) {
		unlink_with_sides(t->path);
		return -1;
	}
	note_left(t->path, 1);
	return 0;
}

void temp_db_remove(struct temp_db *t)
{
	db_close(t->db);
	t->db = NULL;
	unlink_with_sides(t->path);
	note_left(t->path, 0);
}

int temp_dir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int temp_db_int(sqlite3 *db, const char *sql, long long *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

char *source_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long size = -1;

	if (f && !fseek(f, 0, SEEK_END) && (size = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (text = calloc(1, (size_t)size + 1)) && fread(text, 1, (size_t)size, f) != (size_t)size) {
		free(text);
		text = NULL;
	}
	if (f)
		fclose(f);
	if (!text) {
		fprintf(stderr, "cannot read %s (run from the repository's top)\n", path);
		exit(1);
	}
	return text;
}
