// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup_namer.c - a cgroup id's service, a uid's name (cgroup_namer.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cgroup_namer.h"
#include "cgroup_paths.h"
#include "cgroup_service.h"
#include "log.h"
#include "netmon_user.h"

void cgroup_namer_free(struct cgroup_namer *cn)
{
	cgroup_paths_close(cn->paths);
	cn->paths = NULL;
	cn->paths_tried = 0;
}

void cgroup_namer_next_round(struct cgroup_namer *cn)
{
	if (cn->paths)
		cgroup_paths_next_round(cn->paths);
}

static const char *passwd_name(struct cgroup_namer *cn, uint32_t uid)
{
	struct passwd pwd, *found = NULL;

	if (!getpwuid_r(uid, &pwd, cn->pw, sizeof(cn->pw), &found) && found && found->pw_name[0])
		return found->pw_name;
	return NULL;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *cgroup_namer_user(struct cgroup_namer *cn, uint32_t uid, char *num, size_t size)
{
	/* Fibonacci hashing: uids 0, 1000, 1001... spread over the slots. */
	struct cgroup_namer_user *u = &cn->users[(uint32_t)(uid * 2654435761u) >> 27];
	uint64_t now = (cn->clock_ns ? cn->clock_ns : monotonic_ns)() | 1; /* never 0 */
	const char *name;

	_Static_assert(CGROUP_NAMER_USERS == 1 << (32 - 27), "the hash's shift fits the slots");
	if (u->at_ns && u->uid == uid && now - u->at_ns < CGROUP_NAMER_USER_TTL_NS)
		return u->name;
	name = (cn->lookup ? cn->lookup : passwd_name)(cn, uid);
	if (!name) {
		snprintf(num, size, "%" PRIu32, uid);
		name = num;
	}
	u->at_ns = 0;
	if (strlen(name) < sizeof(u->name)) {
		strcpy(u->name, name);
		u->uid = uid;
		u->at_ns = now;
	}
	return name;
}

/* The hierarchy, opened at first need; NULL (said once why) without one. */
static struct cgroup_paths *hierarchy(struct cgroup_namer *cn)
{
	int err;

	if (cn->paths_tried)
		return cn->paths;
	cn->paths_tried = 1;
	err = cgroup_paths_open(&cn->paths, NULL);
	if (err)
		pr_warn("cgroups are named by their id: %s (%s)",
			err == -ENODEV ? "no cgroup v2 hierarchy is mounted"
				       : "the cgroup v2 hierarchy cannot be read",
			strerror(-err));
	else
		pr_debug("cgroup v2 hierarchy at %s", cgroup_paths_mount(cn->paths));
	return cn->paths;
}

int cgroup_namer_describe(struct cgroup_namer *cn, uint64_t id, int gone)
{
	struct cgroup_paths *cp = hierarchy(cn);
	struct cgroup_gone g;
	int err = -ENOENT;
	uint32_t uid;
	char num[16];

	if (gone > 0 && !bpf_map_lookup_elem(gone, &id, &g)) {
		g.path[sizeof(g.path) - 1] = '\0';
		snprintf(cn->path, sizeof(cn->path), "%s", g.path);
		err = 0;
	} else if (cp) {
		err = cgroup_paths_find(cp, id, cn->path, sizeof(cn->path));
	}
	if (err) {
		if (err != -ENOENT && err != -ENODEV)
			pr_debug("cgroup %" PRIu64 ": %s", id, strerror(-err));
		snprintf(cn->path, sizeof(cn->path), "cgroup:%" PRIu64, id);
		snprintf(cn->service, sizeof(cn->service), "%s", cn->path);
		return 0;
	}
	/* A user's slice names the user, not the caller's uid (su, sudo). */
	if (cgroup_service(cn->path, cn->service, sizeof(cn->service), &uid) == CGROUP_USER)
		snprintf(cn->service, sizeof(cn->service), "user:%s",
			 cgroup_namer_user(cn, uid, num, sizeof(num)));
	return 1;
}
