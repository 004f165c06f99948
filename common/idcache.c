// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * idcache.c - open addressing with linear probing, kept at most half full;
 * it starts small and doubles up to its limit, then starts over empty.
 *
 * A slot is 16 bytes: the id, 32 bits of the key's hash and where the key
 * lies in an arena of keys (a length byte, then the bytes). Probing and
 * growing read the slots alone; the key is compared only when the hashes
 * match. Slots holding the keys (up to 40 bytes) took 56 bytes each: 112 MiB
 * per cache of a million entries, and a burst of new hosts spent a quarter
 * of its write in growing them (bench/RESULTS.md, "A burst of new hosts").
 */
#include <stdlib.h>
#include <string.h>
#include "idcache.h"
#include "mix64.h"

struct slot {
	int64_t id; /* 0: empty */
	uint32_t hash;
	uint32_t key; /* offset of the key in keys */
};

struct idcache {
	struct slot *slots;
	size_t cap;	/* power of two */
	size_t max_cap; /* never more */
	size_t used;
	uint8_t *keys; /* each key: its length, then its bytes */
	size_t keys_len, keys_cap;
};

#define IDCACHE_MIN_CAP 1024

/*
 * FNV-1a, then MurmurHash3's 64-bit finalizer: FNV alone leaves the low bits
 * (the ones a power-of-two table uses) poorly mixed for keys that differ
 * only in a few high bits, and linear probing then walks long runs.
 */
static uint64_t hash_key(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 1469598103934665603ull;

	while (len--)
		h = (h ^ *p++) * 1099511628211ull;
	return mix64(h);
}

struct idcache *idcache_new(size_t max_entries)
{
	struct idcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max_cap = IDCACHE_MIN_CAP;
	while (c->max_cap / 2 < max_entries)
		c->max_cap *= 2;
	c->cap = IDCACHE_MIN_CAP;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	return c;
}

void idcache_free(struct idcache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c->keys);
	free(c);
}

/* The slot of key (hash h), or the empty one where it would go. */
static struct slot *find(const struct idcache *c, const void *key, size_t len, uint64_t h)
{
	size_t mask = c->cap - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct slot *s = &c->slots[i];

		if (!s->id)
			return s;
		if (s->hash == (uint32_t)(h >> 32) && c->keys[s->key] == len &&
		    !memcmp(c->keys + s->key + 1, key, len))
			return s;
	}
}

int64_t idcache_get(const struct idcache *c, const void *key, size_t len)
{
	return len <= IDCACHE_KEY_MAX ? find(c, key, len, hash_key(key, len))->id : 0;
}

void idcache_clear(struct idcache *c)
{
	memset(c->slots, 0, c->cap * sizeof(*c->slots));
	c->used = 0;
	c->keys_len = 0;
}

/*
 * Double the table, or start over when at the limit (or out of memory).
 * Moved by the hash bits they were placed by: the low bits of the full hash
 * are not kept, so a slot's home is recomputed from its key (one arena read
 * per entry, in the arena's order).
 */
static void make_room(struct idcache *c)
{
	struct slot *old = c->slots, *grown;
	size_t old_cap = c->cap;

	if (c->cap >= c->max_cap || !(grown = calloc(c->cap * 2, sizeof(*grown)))) {
		idcache_clear(c);
		return;
	}
	c->slots = grown;
	c->cap *= 2;
	for (size_t i = 0; i < old_cap; i++) {
		const uint8_t *k = c->keys + old[i].key;

		if (old[i].id)
			*find(c, k + 1, *k, hash_key(k + 1, *k)) = old[i];
	}
	free(old);
}

/* Room in the arena for one more key of len bytes; 0 or -1. */
static int keys_reserve(struct idcache *c, size_t len)
{
	size_t cap = c->keys_cap ? c->keys_cap : 4096;
	uint8_t *grown;

	while (c->keys_len + 1 + len > cap)
		cap *= 2;
	if (cap == c->keys_cap)
		return 0;
	if (cap > UINT32_MAX || !(grown = realloc(c->keys, cap)))
		return -1;
	c->keys = grown;
	c->keys_cap = cap;
	return 0;
}

void idcache_put(struct idcache *c, const void *key, size_t len, int64_t id)
{
	uint64_t h = hash_key(key, len);
	struct slot *s;

	if (len > IDCACHE_KEY_MAX || id <= 0)
		return;
	if ((c->used + 1) * 2 > c->cap)
		make_room(c);
	s = find(c, key, len, h);
	if (!s->id) {
		if (keys_reserve(c, len))
			return; /* not remembered: only a lookup more */
		c->used++;
		s->hash = (uint32_t)(h >> 32);
		s->key = (uint32_t)c->keys_len;
		c->keys[c->keys_len] = (uint8_t)len;
		memcpy(c->keys + c->keys_len + 1, key, len);
		c->keys_len += 1 + len;
	}
	s->id = id;
}
