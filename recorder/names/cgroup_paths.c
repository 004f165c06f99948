// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup_paths.c - cgroup v2 ids to paths, by walking the hierarchy
 * (cgroup_paths.h). A cgroup's id is its kernfs node id, which is also the
 * inode number readdir() gives for its directory (kernfs_ino(), 64-bit
 * ino_t), so a walk needs no stat() per directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup_paths.h"

#define CACHE_MAX 16384	  /* directories remembered from a walk */
#define CACHE_SLOTS 32768 /* twice that: short probe runs */
#define WALK_DEPTH 64	  /* levels walked below the root */
#define WALK_MAX 262144	  /* directories looked at in one walk */
#define PATH_ROOM 4096	  /* PATH_MAX: a longer path is not named */

struct entry {
	uint64_t id; /* 0: free (no cgroup has id 0) */
	char *path;
};

struct cgroup_paths {
	int root_fd;
	char mount[PATH_ROOM];
	struct entry *slots; /* CACHE_SLOTS, open addressing */
	size_t n;
	int walked;   /* a walk this round */
	int complete; /* and it remembered every directory */
};

static size_t slot_of(uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 49) & (CACHE_SLOTS - 1);
}

static const char *lookup(const struct cgroup_paths *cp, uint64_t id)
{
	for (size_t i = slot_of(id);; i = (i + 1) & (CACHE_SLOTS - 1)) {
		if (cp->slots[i].id == id)
			return cp->slots[i].path;
		if (!cp->slots[i].id)
			return NULL;
	}
}

/* 0, or -ENOSPC when the cache is full (the walk is then incomplete). */
static int remember(struct cgroup_paths *cp, uint64_t id, const char *path)
{
	size_t i = slot_of(id);
	char *copy;

	if (cp->n >= CACHE_MAX)
		return -ENOSPC;
	while (cp->slots[i].id && cp->slots[i].id != id)
		i = (i + 1) & (CACHE_SLOTS - 1);
	if (cp->slots[i].id)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	cp->slots[i].id = id;
	cp->slots[i].path = copy;
	cp->n++;
	return 0;
}

static void forget_all(struct cgroup_paths *cp)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(cp->slots[i].path);
		cp->slots[i].id = 0;
		cp->slots[i].path = NULL;
	}
	cp->n = 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo (octal). */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/*
 * The mount point of one mountinfo line (proc(5)) if it is a cgroup2 mount
 * of the hierarchy's root, into mnt[PATH_ROOM]: 1, else 0. A mount of a
 * subtree (its root field not "/") would name paths from that subtree.
 */
static int cgroup2_root_mount(char *line, char *mnt)
{
	char *sep = strstr(line, " - "), *save = NULL, *root, *point;
	char *fstype;

	if (!sep)
		return 0;
	*sep = '\0';
	fstype = strtok_r(sep + 3, " \n", &save);
	if (!fstype || strcmp(fstype, "cgroup2"))
		return 0;
	save = NULL;
	for (int i = 0; i < 3; i++) /* mount id, parent id, major:minor */
		if (!strtok_r(i ? NULL : line, " ", &save))
			return 0;
	root = strtok_r(NULL, " ", &save);
	point = strtok_r(NULL, " ", &save);
	if (!root || !point || strcmp(root, "/") || strlen(point) >= PATH_ROOM)
		return 0;
	unescape(point);
	snprintf(mnt, PATH_ROOM, "%s", point);
	return 1;
}

/* The first cgroup2 mount of the whole hierarchy: 0, -ENODEV, -errno. */
static int find_mount(const char *mountinfo, char *mnt)
{
	FILE *f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -ENODEV;

	if (!f)
		return -errno;
	while (err && getline(&line, &cap, f) > 0)
		if (cgroup2_root_mount(line, mnt))
			err = 0;
	free(line);
	fclose(f);
	return err;
}

int cgroup_paths_open(struct cgroup_paths **out, const char *mountinfo)
{
	struct cgroup_paths *cp = calloc(1, sizeof(*cp));
	int err;

	*out = NULL;
	if (!cp)
		return -ENOMEM;
	cp->root_fd = -1;
	cp->slots = calloc(CACHE_SLOTS, sizeof(*cp->slots));
	err = cp->slots ? find_mount(mountinfo, cp->mount) : -ENOMEM;
	if (err)
		goto fail;
	cp->root_fd = open(cp->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cp->root_fd < 0) {
		err = -errno;
		goto fail;
	}
	*out = cp;
	return 0;
fail:
	cgroup_paths_close(cp);
	return err;
}

void cgroup_paths_close(struct cgroup_paths *cp)
{
	if (!cp)
		return;
	if (cp->slots)
		forget_all(cp);
	free(cp->slots);
	if (cp->root_fd >= 0)
		close(cp->root_fd);
	free(cp);
}

const char *cgroup_paths_mount(const struct cgroup_paths *cp)
{
	return cp->mount;
}

void cgroup_paths_next_round(struct cgroup_paths *cp)
{
	cp->walked = 0;
}

static int copy_path(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path);

	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	return 0;
}

/* A directory of the walk, open, and where its path ends. */
struct level {
	DIR *dir;
	size_t len;
};

/* Open directory name of level l as level l + 1: 1, or 0 (removed since). */
static int descend(struct level *l, const char *name, size_t len)
{
	int fd = openat(dirfd(l->dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;
	l[1].dir = fdopendir(fd);
	if (!l[1].dir) {
		close(fd);
		return 0;
	}
	l[1].len = len;
	return 1;
}

/*
 * The next directory of the walk below levels[0..*depth]: its id and path
 * (in path), entered as a new level when the depth allows. 1, or 0 when the
 * walk is over. Directories whose path would not fit are not named.
 */
static int next_dir(struct cgroup_paths *cp, struct level *lv, int *depth, char *path, uint64_t *id)
{
	struct dirent *de;
	int n;

	while (*depth >= 0) {
		struct level *l = &lv[*depth];

		de = readdir(l->dir);
		if (!de) {
			closedir(l->dir);
			(*depth)--;
			continue;
		}
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = snprintf(path + l->len, PATH_ROOM - l->len, "/%s", de->d_name);
		if (n < 0 || (size_t)n >= PATH_ROOM - l->len)
			continue;
		*id = de->d_ino;
		if (*depth + 1 < WALK_DEPTH && descend(l, de->d_name, l->len + (size_t)n))
			(*depth)++;
		else if (*depth + 1 >= WALK_DEPTH)
			cp->complete = 0;
		return 1;
	}
	return 0;
}

/*
 * Walk the whole hierarchy afresh, remembering every directory (up to the
 * cache's bound) and putting id's path in buf when met.
 */
static int walk(struct cgroup_paths *cp, uint64_t id, char *buf, size_t size)
{
	struct level lv[WALK_DEPTH];
	char path[PATH_ROOM];
	int depth = 0, found = -ENOENT, fd;
	uint64_t dir_id;
	struct stat st;

	forget_all(cp);
	cp->walked = cp->complete = 1;
	fd = openat(cp->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !(lv[0].dir = fdopendir(fd))) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		cp->walked = 0;
		return err;
	}
	lv[0].len = 0;
	remember(cp, st.st_ino, "/");
	if (st.st_ino == id)
		found = copy_path("/", buf, size);
	for (size_t seen = 0; next_dir(cp, lv, &depth, path, &dir_id); seen++) {
		if (remember(cp, dir_id, path))
			cp->complete = 0;
		if (dir_id == id)
			found = copy_path(path, buf, size);
		if (seen + 1 >= WALK_MAX) {
			cp->complete = 0;
			break;
		}
	}
	while (depth >= 0)
		closedir(lv[depth--].dir);
	return found;
}

int cgroup_paths_find(struct cgroup_paths *cp, uint64_t id, char *buf, size_t size)
{
	const char *path = lookup(cp, id);

	if (path)
		return copy_path(path, buf, size);
	if (cp->walked && cp->complete)
		return -ENOENT;
	return walk(cp, id, buf, size);
}
