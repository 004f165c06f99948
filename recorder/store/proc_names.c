// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_names.c - cgroups, services and users of process rows (proc_names.h).
 * The path, the service and the user's name come from names/cgroup_namer.c,
 * each asked once per id and run: the ids of their rows are remembered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "idcache.h"
#include "log.h"
#include "names/cgroup_namer.h"
#include "proc_names.h"

enum pn_stmt {
	PN_SERVICE,
	PN_CGROUP,
	PN_CGROUP_KNOWN,
	PN_USER,
	PN_COUNT,
};

static const char *const pn_sql[PN_COUNT] = {
	/* DO UPDATE (a no-op) so that RETURNING yields the id of an existing row */
	[PN_SERVICE] = "INSERT INTO services (name) VALUES (?1) "
		       "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
	/* A row already there keeps its service: the name at first sight. */
	[PN_CGROUP] = "INSERT INTO cgroups (kernel_id, path, service_id, first_seen) "
		      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kernel_id, path) "
		      "DO UPDATE SET kernel_id = excluded.kernel_id RETURNING id",
	/* Ids are unique only within a boot: rows from this one. */
	[PN_CGROUP_KNOWN] = "SELECT id FROM cgroups WHERE kernel_id = ?1 AND first_seen >= ?2 "
			    "ORDER BY id DESC LIMIT 1",
	[PN_USER] = "INSERT INTO user_names (uid, name) VALUES (?1, ?2) "
		    "ON CONFLICT (uid) DO NOTHING",
};

#define PN_CACHE_ENTRIES 65536 /* cgroups and uids remembered, each */

struct proc_names {
	sqlite3 *db;
	sqlite3_stmt *st[PN_COUNT];
	struct idcache *cgroups; /* kernel id -> cgroups.id */
	struct idcache *users;	 /* uid -> 1: in user_names */
	int64_t boot;		 /* unix seconds of this boot */
	struct cgroup_namer namer;
};

static int64_t boot_time(void)
{
	struct timespec real, up;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &up);
	return (int64_t)real.tv_sec - (int64_t)up.tv_sec - (real.tv_nsec < up.tv_nsec);
}

int proc_names_open(struct proc_names **out, sqlite3 *db)
{
	struct proc_names *pn = calloc(1, sizeof(*pn));
	int err = -ENOMEM;

	*out = NULL;
	if (!pn)
		return -ENOMEM;
	pn->db = db;
	pn->boot = boot_time();
	pn->cgroups = idcache_new(PN_CACHE_ENTRIES);
	pn->users = idcache_new(PN_CACHE_ENTRIES);
	if (!pn->cgroups || !pn->users)
		goto fail;
	for (int i = 0; i < PN_COUNT; i++) {
		if (sqlite3_prepare_v3(db, pn_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &pn->st[i],
				       NULL) != SQLITE_OK) {
			err = -EIO;
			goto fail;
		}
	}
	*out = pn;
	return 0;
fail:
	proc_names_close(pn);
	return err;
}

void proc_names_close(struct proc_names *pn)
{
	if (!pn)
		return;
	for (int i = 0; i < PN_COUNT; i++)
		sqlite3_finalize(pn->st[i]);
	idcache_free(pn->cgroups);
	idcache_free(pn->users);
	cgroup_namer_free(&pn->namer);
	free(pn);
}

void proc_names_start(struct proc_names *pn)
{
	cgroup_namer_next_round(&pn->namer);
}

void proc_names_forget(struct proc_names *pn)
{
	idcache_clear(pn->cgroups);
	idcache_clear(pn->users);
}

/* Step s; its id (RETURNING or SELECT) into *id, 0 when it gave no row. */
static int step(sqlite3_stmt *s, int64_t *id)
{
	int rc = sqlite3_step(s);

	if (id)
		*id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

int proc_names_user(struct proc_names *pn, uint32_t uid)
{
	sqlite3_stmt *s = pn->st[PN_USER];
	char num[16];
	int err;

	if (idcache_get(pn->users, &uid, sizeof(uid)))
		return 0;
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_text(s, 2, cgroup_namer_user(&pn->namer, uid, num, sizeof(num)), -1,
			  SQLITE_TRANSIENT);
	err = step(s, NULL);
	if (!err)
		idcache_put(pn->users, &uid, sizeof(uid), 1);
	return err;
}

int proc_names_cgroup(struct proc_names *pn, uint64_t id, int64_t ts, int gone, int64_t *row)
{
	sqlite3_stmt *known = pn->st[PN_CGROUP_KNOWN], *s = pn->st[PN_CGROUP];
	int64_t service;
	int err = 0;

	*row = idcache_get(pn->cgroups, &id, sizeof(id));
	if (*row)
		return 0;
	if (!cgroup_namer_describe(&pn->namer, id, gone)) {
		/* Gone: named when this boot's earlier run saw it (a restart)? */
		sqlite3_bind_int64(known, 1, (int64_t)id);
		sqlite3_bind_int64(known, 2, pn->boot);
		err = step(known, row);
	}
	if (!err && !*row) {
		sqlite3_bind_text(pn->st[PN_SERVICE], 1, pn->namer.service, -1, SQLITE_STATIC);
		err = step(pn->st[PN_SERVICE], &service);
	}
	if (!err && !*row) {
		sqlite3_bind_int64(s, 1, (int64_t)id);
		sqlite3_bind_text(s, 2, pn->namer.path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, service);
		sqlite3_bind_int64(s, 4, ts);
		err = step(s, row);
	}
	if (!err && *row)
		idcache_put(pn->cgroups, &id, sizeof(id), *row);
	return err;
}
