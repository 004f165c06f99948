/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_names.h - the cgroup, service and user of process rows (0011_names.sql):
 * a kernel cgroup id becomes a cgroups row with its path and service name,
 * a uid a user_names row with its name, each at first sight, so that the
 * names outlive the cgroup and the user (docs/design.md, "Services and
 * users"). Inside the store's transaction; ids remembered across intervals.
 */
#ifndef NETMON_PROC_NAMES_H
#define NETMON_PROC_NAMES_H

#include <stdint.h>
#include <sqlite3.h>

struct proc_names;

/* Prepare on db (migrated). 0, -ENOMEM, or -EIO (sqlite3_errmsg says why). */
int proc_names_open(struct proc_names **out, sqlite3 *db);
void proc_names_close(struct proc_names *pn);

/* A new interval's rows: a cgroup not found is worth one more walk. */
void proc_names_start(struct proc_names *pn);

/* The transaction rolled back: the ids it handed out are gone with it. */
void proc_names_forget(struct proc_names *pn);

/*
 * The cgroups row of kernel cgroup id (not 0), made when first seen, in the
 * interval starting at ts (unix seconds). gone: the kernel's map of removed
 * cgroups' paths (snapshot_records.h), 0 for none. A cgroup removed before
 * it could be named and not in that map is named by its id ("cgroup:<id>"),
 * unless this boot's earlier rows know it. 0, -ENOMEM, or -EIO
 * (sqlite3_errmsg says why).
 */
int proc_names_cgroup(struct proc_names *pn, uint64_t id, int64_t ts, int gone, int64_t *row);

/* A user_names row for uid, with its name at first sight. As above. */
int proc_names_user(struct proc_names *pn, uint32_t uid);

#endif
