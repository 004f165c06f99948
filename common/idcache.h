/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * idcache.h - a bounded map from a short byte key to a database row id.
 *
 * The store interns addresses and conversations; asking SQLite for an id it
 * handed out a minute ago costs as much as writing the flow row itself, so
 * the ids are remembered here. The cache never grows past its limit: when
 * full it forgets everything and fills again, which only costs lookups.
 * Ids given out inside a transaction that rolls back are gone from the
 * database too, so the store clears the cache on rollback.
 */
#ifndef NETMON_IDCACHE_H
#define NETMON_IDCACHE_H

#include <stddef.h>
#include <stdint.h>

#define IDCACHE_KEY_MAX 40 /* bytes */

struct idcache;

/* A cache of at most max_entries (rounded up to a power of two / 2). */
struct idcache *idcache_new(size_t max_entries);
void idcache_free(struct idcache *c);

/* The id stored for key, or 0 when unknown (row ids start at 1). */
int64_t idcache_get(const struct idcache *c, const void *key, size_t len);
/* Remember key -> id (id > 0); len <= IDCACHE_KEY_MAX. */
void idcache_put(struct idcache *c, const void *key, size_t len, int64_t id);
void idcache_clear(struct idcache *c);

#endif
