// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * idcache.c - open addressing with linear probing, kept at most half full;
 * it starts small and doubles up to its limit, then starts over empty.
 */
#include <stdlib.h>
#include <string.h>
#include "idcache.h"

struct slot {
	int64_t id; /* 0: empty */
	uint8_t len;
	uint8_t key[IDCACHE_KEY_MAX];
};

struct idcache {
	struct slot *slots;
	size_t cap;     /* power of two */
	size_t max_cap; /* never more */
	size_t used;
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
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
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
	free(c);
}

static struct slot *find(const struct idcache *c, const void *key, size_t len)
{
	size_t mask = c->cap - 1, i = hash_key(key, len) & mask;

	for (;; i = (i + 1) & mask) {
		struct slot *s = &c->slots[i];

		if (!s->id || (s->len == len && !memcmp(s->key, key, len)))
			return s;
	}
}

int64_t idcache_get(const struct idcache *c, const void *key, size_t len)
{
	return len <= IDCACHE_KEY_MAX ? find(c, key, len)->id : 0;
}

void idcache_clear(struct idcache *c)
{
	memset(c->slots, 0, c->cap * sizeof(*c->slots));
	c->used = 0;
}

/* Double the table, or start over when at the limit (or out of memory). */
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
	c->used = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].id)
			idcache_put(c, old[i].key, old[i].len, old[i].id);
	free(old);
}

void idcache_put(struct idcache *c, const void *key, size_t len, int64_t id)
{
	struct slot *s;

	if (len > IDCACHE_KEY_MAX || id <= 0)
		return;
	if ((c->used + 1) * 2 > c->cap)
		make_room(c);
	s = find(c, key, len);
	if (!s->id) {
		c->used++;
		s->len = (uint8_t)len;
		memcpy(s->key, key, len);
	}
	s->id = id;
}
