/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cgroup_namer.h - the service of a cgroup id and the name of a uid, as
 * people call them: the cgroup's path (cgroup_paths.h, or the kernel's map
 * of removed cgroups), its service (cgroup_service.h, a user's slice named
 * by its user) and the passwd database (NSS). Used by the store for process
 * rows (recorder/store/proc_names.c) and by the live view for its process
 * list; neither keeps a database here.
 */
#ifndef NETMON_CGROUP_NAMER_H
#define NETMON_CGROUP_NAMER_H

#include <stddef.h>
#include <stdint.h>

#define CGROUP_NAMER_ROOM 4096	   /* a path or a service name: PATH_MAX */
#define CGROUP_NAMER_USERS 32	   /* uids whose names are kept */
#define CGROUP_NAMER_USER_ROOM 256 /* LOGIN_NAME_MAX; a longer name is not kept */
#define CGROUP_NAMER_USER_TTL_NS (60ull * 1000000000ull) /* a renamed user shows within */

/*
 * A uid's name as last looked up. The live view names every process row it
 * ranks once a second, from a handful of uids: the passwd database (a read
 * of /etc/passwd with NSS "files", a query with LDAP) is asked once a
 * minute per uid instead.
 */
struct cgroup_namer_user {
	uint64_t at_ns; /* when looked up; 0: the entry is empty */
	uint32_t uid;
	char name[CGROUP_NAMER_USER_ROOM];
};

struct cgroup_namer {
	struct cgroup_paths *paths; /* the hierarchy, opened at first need */
	int paths_tried;	    /* opened or said why not, once */
	char path[CGROUP_NAMER_ROOM], service[CGROUP_NAMER_ROOM];
	char pw[16384]; /* getpwuid_r's buffer */
	struct cgroup_namer_user users[CGROUP_NAMER_USERS];
	/* For tests; NULL: getpwuid_r and CLOCK_MONOTONIC. The lookup returns
	 * the name, or NULL when the uid has none. */
	const char *(*lookup)(struct cgroup_namer *cn, uint32_t uid);
	uint64_t (*clock_ns)(void);
};

/* A zeroed namer is ready; this closes what it opened. */
void cgroup_namer_free(struct cgroup_namer *cn);

/* A new round (an interval): a cgroup not found is worth one more walk. */
void cgroup_namer_next_round(struct cgroup_namer *cn);

/*
 * Cgroup id's path and service into cn->path and cn->service: 1, or 0 when
 * it is no longer there to be found (both are then "cgroup:<id>"). gone:
 * the kernel's map of removed cgroups' paths (snapshot_records.h), 0 for
 * none; a cgroup removed while the recorder ran is found there, no walk.
 */
int cgroup_namer_describe(struct cgroup_namer *cn, uint64_t id, int gone);

/*
 * uid's name in the passwd database, else its number written into num. Kept
 * for CGROUP_NAMER_USER_TTL_NS (both answers); the pointer is good until the
 * next call.
 */
const char *cgroup_namer_user(struct cgroup_namer *cn, uint32_t uid, char *num, size_t size);

#endif
