/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * store_ids.h - the store's caches of row ids: an address or a
 * conversation key (store.c) -> its id in addresses or conversations.
 *
 * Asking SQLite for an id it handed out a minute ago costs as much as
 * writing the flow row itself, so a steady state of a million known
 * conversations needs a million entries remembered; a burst of new hosts
 * puts a million more in at once. Each entry costs its key, its id and 8
 * bytes of table at most (common/idcache.h, the general cache, costs 32 of
 * table and rounds its keys' arena up to a power of two: at 1M new hosts
 * the two caches held 109 MB, bench/RESULTS.md, "RSS at 1M flows").
 *
 * Keys come in at most two lengths per cache (an IPv4 and an IPv6 form,
 * each in a table of its own); the entries of both are bounded together:
 * when full, the cache forgets everything and fills again, which only costs
 * lookups. Ids given out inside a transaction that rolls back are gone from
 * the database too, so the store clears the cache on rollback.
 */
#ifndef NETMON_STORE_IDS_H
#define NETMON_STORE_IDS_H

#include <stddef.h>
#include <stdint.h>

#define STORE_IDS_KEY_MAX 40 /* bytes */

struct store_ids;

/* A cache of at most max_entries (1 to 2^24) for keys of len_a or len_b bytes. */
struct store_ids *store_ids_new(size_t max_entries, size_t len_a, size_t len_b);
void store_ids_free(struct store_ids *c);

/* The id stored for key, or 0 when unknown (row ids start at 1); counts a hit. */
int64_t store_ids_get(struct store_ids *c, const void *key, size_t len);

/* Remember key -> id (id > 0); a key of another length is not remembered. */
void store_ids_put(struct store_ids *c, const void *key, size_t len, int64_t id);

/*
 * The same with the key's hash (store_ids_hash()) given, for lookups in a
 * batch: a key's slot prefetched some lookups ahead (store_ids_prefetch()),
 * then the entry it points to (store_ids_prefetch_entry(), which reads the
 * slot), is found without waiting on memory (a random slot of a cache of a
 * million entries is a miss of every CPU cache: bench/RESULTS.md).
 */
uint64_t store_ids_hash(const void *key, size_t len);
void store_ids_prefetch(const struct store_ids *c, size_t len, uint64_t h);
void store_ids_prefetch_entry(const struct store_ids *c, size_t len, uint64_t h);
int64_t store_ids_get_h(struct store_ids *c, const void *key, size_t len, uint64_t h);
void store_ids_put_h(struct store_ids *c, const void *key, size_t len, uint64_t h, int64_t id);

/* Room for more entries of len bytes made at once (a burst's): no growing
 * and rehashing them on the way. Best effort: a put still grows if needed. */
void store_ids_reserve(struct store_ids *c, size_t len, size_t more);

/* Forget every entry; the memory stays for the next ones. */
void store_ids_clear(struct store_ids *c);

/*
 * One interval's write is over: if the cache held 64K entries or more when
 * the interval began and it found fewer than an eighth of that many ids in
 * it, what it holds was a burst nobody asks for again: forget it and give
 * its memory back. A million hosts seen once leave their ~50 MB with the
 * interval after their own; a million conversations known from interval
 * to interval keep theirs.
 */
void store_ids_interval_done(struct store_ids *c);

/* Entries held, and bytes allocated (tests, benchmarks). */
size_t store_ids_count(const struct store_ids *c);
size_t store_ids_bytes(const struct store_ids *c);

#endif
