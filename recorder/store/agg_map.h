/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * agg_map.h - what the anomaly aggregates' files (anomaly_agg.c,
 * contact_gaps.c) hold their groupings in: an open-addressing map from a
 * key of a few words to one word, arrays grown one element at a time, both
 * given back after a burst; and their statements, prepared once.
 *
 * agg_map_hash() and agg_room_for_one() are inline: they run for every
 * flow added, and were inlined when they were anomaly_agg.c's own.
 */
#ifndef NETMON_AGG_MAP_H
#define NETMON_AGG_MAP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sqlite3.h>

/*
 * An open-addressing map from a key of width words (the first never 0: 0
 * marks a free slot) to one word of value, doubled at half full.
 */
struct agg_map {
	uint64_t *slots; /* cap * (width + 1) words: the key, then the value */
	size_t cap, n;
	int width;
};

/* Every bit of every word moves the slot (MurmurHash3's finalizer a word). */
static inline uint64_t agg_map_hash(const uint64_t *k, int width)
{
	uint64_t h = 0;

	for (int i = 0; i < width; i++) {
		h ^= k[i];
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 33;
	}
	return h;
}

/* The value slot of key in m (cap a power of two, a free slot left). */
uint64_t *agg_map_probe(const struct agg_map *m, const uint64_t *key, int *found);
/* m made cap slots (a power of two, room for its keys) in one block. */
int agg_map_grow(struct agg_map *m, size_t cap);
/*
 * Room in m for n keys at most half full, made at once: a map doubled as it
 * fills holds its old and its new table at each step (a million pairs took
 * 72 MB at the last step for a table of 48).
 */
int agg_map_reserve(struct agg_map *m, size_t n);
/* key's value in m, added as 0 when absent (*added); NULL when out of memory. */
uint64_t *agg_map_get(struct agg_map *m, const uint64_t *key, int *added);
/* Empty; a table much larger than its last interval needed is given back. */
void agg_map_clear(struct agg_map *m);
void agg_map_free(struct agg_map *m);
size_t agg_map_bytes(const struct agg_map *m);

/*
 * A table or array larger than the steady state needs (AG_KEEP_BYTES,
 * agg_map.c), given back as soon as the write is done with it; smaller
 * ones are kept and reused.
 */
void agg_map_give_back(struct agg_map *m);
void agg_array_give_back(void **arr, size_t *cap, size_t elem);

/* Room for one more element in *arr (n used of *cap): doubled, from 1024. */
static inline int agg_room_for_one(void **arr, size_t n, size_t *cap, size_t elem)
{
	size_t want = *cap ? *cap * 2 : 1024;
	void *grown;

	if (n < *cap)
		return 0;
	grown = realloc(*arr, want * elem);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = want;
	return 0;
}

/* Prepare *s once on db (kept: its text is one of the aggregates' own). 0 or -EIO. */
int agg_prepare_once(sqlite3 *db, sqlite3_stmt **s, const char *sql);

#endif
