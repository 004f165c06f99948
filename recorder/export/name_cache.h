/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * name_cache.h - the service and user names of the process records the
 * recorder exports from what it just committed (exporter.h): as the
 * process_log view reads them (0011_names.sql), from the cgroups, services
 * and user_names rows, which never change once written. Each is read once
 * and remembered in a bounded cache; a name evicted is read again.
 */
#ifndef NETMON_NAME_CACHE_H
#define NETMON_NAME_CACHE_H

#include <stdint.h>
#include <sqlite3.h>

struct name_cache;

/* Prepared on db (migrated). 0, -ENOMEM or -EIO (sqlite3_errmsg says why). */
int name_cache_open(struct name_cache **out, sqlite3 *db);
void name_cache_close(struct name_cache *nc); /* accepts NULL */

/*
 * The service of cgroups row id (0: none, *name NULL), or the user name of
 * uid (its number when user_names has no row, as process_log shows it),
 * into *name: valid until the next call of the same kind, the first
 * IPFIX_SERVICE_LEN + 1 (IPFIX_USER_LEN + 1) bytes of it at most, which is
 * all the export sends. 0 or -EIO (logged).
 */
int name_cache_service(struct name_cache *nc, int64_t id, const char **name);
int name_cache_user(struct name_cache *nc, uint32_t uid, const char **name);

#endif
