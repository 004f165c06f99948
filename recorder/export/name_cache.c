// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * name_cache.c - service and user names of exported process records
 * (name_cache.h): a direct-mapped cache per kind, filled from the database.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "ipfix.h"
#include "log.h"
#include "name_cache.h"

#define NC_BITS 10 /* 1024 names of each kind: an interval's, as a rule */
#define NC_SLOTS (1u << NC_BITS)

/* One kind of name: its query (?1 the key; no row: none) and its slots. */
struct nc_kind {
	sqlite3_stmt *q;
	size_t room;  /* bytes a slot keeps: what the export sends, 1 more, NUL */
	int numbered; /* no row: the key as text (a uid of no user), else empty */
	int64_t key[NC_SLOTS];
	uint8_t used[NC_SLOTS];
	char *names; /* NC_SLOTS * room */
};

struct name_cache {
	sqlite3 *db;
	struct nc_kind services, users;
};

static int kind_open(struct nc_kind *k, sqlite3 *db, const char *sql, size_t max, int numbered)
{
	k->room = max + 2;
	k->numbered = numbered;
	k->names = malloc(NC_SLOTS * k->room);
	if (!k->names)
		return -ENOMEM;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &k->q, NULL) != SQLITE_OK)
		return -EIO;
	return 0;
}

int name_cache_open(struct name_cache **out, sqlite3 *db)
{
	struct name_cache *nc = calloc(1, sizeof(*nc));
	int err;

	*out = NULL;
	if (!nc)
		return -ENOMEM;
	nc->db = db;
	err = kind_open(&nc->services, db,
			"SELECT s.name FROM cgroups c JOIN services s ON s.id = c.service_id "
			"WHERE c.id = ?1",
			IPFIX_SERVICE_LEN, 0);
	if (!err)
		err = kind_open(&nc->users, db, "SELECT name FROM user_names WHERE uid = ?1",
				IPFIX_USER_LEN, 1);
	if (err) {
		if (err == -EIO)
			pr_err("ipfix: %s", sqlite3_errmsg(db));
		name_cache_close(nc);
		return err;
	}
	*out = nc;
	return 0;
}

void name_cache_close(struct name_cache *nc)
{
	if (!nc)
		return;
	sqlite3_finalize(nc->services.q);
	sqlite3_finalize(nc->users.q);
	free(nc->services.names);
	free(nc->users.names);
	free(nc);
}

/* The name of key in k, from its slot or else read into it. */
static int lookup(struct name_cache *nc, struct nc_kind *k, int64_t key, const char **name)
{
	uint32_t i = (uint32_t)((uint64_t)key * 0x9e3779b97f4a7c15ull >> (64 - NC_BITS));
	char *slot = k->names + i * k->room;
	const unsigned char *t;
	int rc;

	*name = slot;
	if (k->used[i] && k->key[i] == key)
		return 0;
	k->used[i] = 0;
	sqlite3_bind_int64(k->q, 1, key);
	rc = sqlite3_step(k->q);
	t = rc == SQLITE_ROW ? sqlite3_column_text(k->q, 0) : NULL;
	if (t) /* a longer name is cut by the encoder: room - 1 bytes decide where */
		snprintf(slot, k->room, "%s", (const char *)t);
	else if (k->numbered)
		snprintf(slot, k->room, "%" PRId64, key);
	else
		slot[0] = '\0';
	sqlite3_reset(k->q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		pr_err("ipfix: reading a process's names: %s", sqlite3_errmsg(nc->db));
		return -EIO;
	}
	k->key[i] = key;
	k->used[i] = 1;
	return 0;
}

int name_cache_service(struct name_cache *nc, int64_t id, const char **name)
{
	if (!id) {
		*name = NULL;
		return 0;
	}
	return lookup(nc, &nc->services, id, name);
}

int name_cache_user(struct name_cache *nc, uint32_t uid, const char **name)
{
	return lookup(nc, &nc->users, uid, name);
}
