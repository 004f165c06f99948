/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cgroup_paths.h - the path of a cgroup v2 id (bpf_get_current_cgroup_id(),
 * the cgroup directory's inode number) under the v2 hierarchy, wherever it
 * is mounted: /sys/fs/cgroup on a pure v2 host, /sys/fs/cgroup/unified on a
 * hybrid one (read from mountinfo, not guessed).
 *
 * Ids are found by walking the hierarchy, which needs no capability (where
 * open_by_handle_at() would need CAP_DAC_READ_SEARCH, which the recorder
 * drops). One walk remembers every directory it sees, up to a bound, so a
 * snapshot's many new ids cost one walk; an id not found is a cgroup already
 * removed (ids are never reused while the system runs), and is looked for
 * again only after cgroup_paths_next_round().
 */
#ifndef NETMON_CGROUP_PATHS_H
#define NETMON_CGROUP_PATHS_H

#include <stddef.h>
#include <stdint.h>

struct cgroup_paths;

/*
 * Find the cgroup v2 mount in mountinfo (NULL: /proc/self/mountinfo) and
 * open it. 0, -ENODEV when no cgroup2 file system is mounted, or -errno.
 */
int cgroup_paths_open(struct cgroup_paths **out, const char *mountinfo);
void cgroup_paths_close(struct cgroup_paths *cp);

/* Where the hierarchy was found, e.g. "/sys/fs/cgroup/unified". */
const char *cgroup_paths_mount(const struct cgroup_paths *cp);

/*
 * The path of cgroup id into buf (as /proc/PID/cgroup writes it: "/" for
 * the root, "/system.slice/x.service" below). 0; -ENOENT when no cgroup has
 * that id (removed since); -ENAMETOOLONG when the path does not fit size;
 * -errno when the hierarchy cannot be read.
 */
int cgroup_paths_find(struct cgroup_paths *cp, uint64_t id, char *buf, size_t size);

/* A new round (an interval): an id missing is worth one more walk. */
void cgroup_paths_next_round(struct cgroup_paths *cp);

#endif
