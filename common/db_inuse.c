// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * db_inuse.c - which database files this process has connections to (see
 * db_inuse.h for why db_open() must know). Files are told apart by device
 * and inode, as SQLite's unix VFS does, so another name for the same file
 * counts as the same file. A handful of connections at most: a list.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "db_inuse.h"

struct conn {
	sqlite3 *db;
	dev_t dev;
	ino_t ino;
	struct conn *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *conns;

int db_inuse_add(sqlite3 *db, const char *path)
{
	struct conn *c;
	struct stat st;

	if (stat(path, &st))
		return -errno;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct conn){ .db = db, .dev = st.st_dev, .ino = st.st_ino };
	pthread_mutex_lock(&lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&lock);
	return 0;
}

void db_inuse_remove(sqlite3 *db)
{
	pthread_mutex_lock(&lock);
	for (struct conn **p = &conns; *p; p = &(*p)->next) {
		if ((*p)->db == db) {
			struct conn *gone = *p;

			*p = gone->next;
			free(gone);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

int db_inuse(const char *path)
{
	struct stat st;
	int found = 0;

	if (stat(path, &st))
		return 0;
	pthread_mutex_lock(&lock);
	for (const struct conn *c = conns; c && !found; c = c->next)
		found = c->dev == st.st_dev && c->ino == st.st_ino;
	pthread_mutex_unlock(&lock);
	return found;
}
