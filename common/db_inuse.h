/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * db_inuse.h - which database files this process has connections to.
 *
 * POSIX record locks belong to a process and a file, and close() of any
 * descriptor of the file drops all of them (fcntl(2), "Advisory record
 * locking"), SQLite's own included. SQLite keeps its descriptors of a file
 * open for as long as any connection to it lives, but it cannot know about
 * ours: db_open() must not open and close the database, its -wal or its
 * -shm with open()/close() while this process has a connection to them.
 * Losing the shared lock on -shm's "DMS" byte tells the next process that
 * the WAL index is unused: it truncates -shm under the writer's mapping
 * (SIGBUS in the writer) and rebuilds the index while the writer writes.
 */
#ifndef NETMON_DB_INUSE_H
#define NETMON_DB_INUSE_H

#include <sqlite3.h>

/* Remember db as a connection to the file at path; 0 or -errno. */
int db_inuse_add(sqlite3 *db, const char *path);
/* Forget db (before sqlite3_close); a db never added is ignored. */
void db_inuse_remove(sqlite3 *db);
/* Has this process a connection to the file at path (same device and inode)? */
int db_inuse(const char *path);

#endif
