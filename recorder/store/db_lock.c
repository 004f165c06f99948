// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * db_lock.c - one live recorder a database (see db_lock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "db_lock.h"
#include "log.h"

/*
 * The pid /proc/locks gives for the flock() on st's file, or 0. A line:
 * "1: FLOCK  ADVISORY  WRITE 1234 08:01:131 0 EOF" (major and minor in hex).
 */
static long lock_holder(const struct stat *st)
{
	FILE *fp = fopen("/proc/locks", "re");
	char line[256], kind[16];
	unsigned int maj, min;
	unsigned long ino;
	long pid, found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%*[^:]: %15s %*s %*s %ld %x:%x:%lu", kind, &pid, &maj, &min,
			   &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && maj == major(st->st_dev) &&
		    min == minor(st->st_dev) && ino == (unsigned long)st->st_ino)
			found = pid;
	fclose(fp);
	return found;
}

int db_lock(const char *path)
{
	struct stat st;
	long pid;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		pr_err("%s: cannot open to lock: %s", path, strerror(-err));
		return err;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	err = -errno;
	if (err != -EWOULDBLOCK) {
		pr_err("%s: cannot lock: %s", path, strerror(-err));
	} else if (!fstat(fd, &st) && (pid = lock_holder(&st)) > 0) {
		pr_err("%s: another netmon-record (pid %ld) is recording into this database: one "
		       "recorder a database (its intervals would be written twice)",
		       path, pid);
	} else {
		pr_err("%s: another netmon-record is recording into this database: one recorder a "
		       "database (its intervals would be written twice)",
		       path);
	}
	close(fd);
	return err;
}
