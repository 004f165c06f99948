/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * db_lock.h - one live recorder a database: an exclusive flock() on the
 * database file itself, held for the recorder's life.
 *
 * Two recorders writing one file would each write every interval: the same
 * start twice (docs/schema.md: intervals never share a start), the host's
 * per-process bytes counted twice and the trend's recorded share doubled.
 * SQLite's own locks serialize the two writers but cannot tell them apart.
 * flock() locks are not SQLite's (POSIX byte-range locks on the same file):
 * the two never meet, readers are not held up, and the kernel drops the
 * lock with the process, a crash included. An import (--read) takes none:
 * its intervals are the capture's, under an interface name of its own.
 */
#ifndef NETMON_DB_LOCK_H
#define NETMON_DB_LOCK_H

/*
 * Lock path (an existing database) for this process: the descriptor to keep
 * open, or a negative errno (logged: -EWOULDBLOCK names the recorder that
 * holds it, by pid where /proc/locks tells).
 */
int db_lock(const char *path);

#endif
