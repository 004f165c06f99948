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

#define CGROUP_NAMER_ROOM 4096 /* a path or a service name: PATH_MAX */

struct cgroup_namer {
	struct cgroup_paths *paths; /* the hierarchy, opened at first need */
	int paths_tried;	    /* opened or said why not, once */
	char path[CGROUP_NAMER_ROOM], service[CGROUP_NAMER_ROOM];
	char pw[16384]; /* getpwuid_r's buffer */
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

/* uid's name in the passwd database, else its number written into num. */
const char *cgroup_namer_user(struct cgroup_namer *cn, uint32_t uid, char *num, size_t size);

#endif
