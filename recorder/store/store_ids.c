// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_ids.c - per key length, a dense array of entries (the key, then the
 * id) and an open-addressing index into it, linear probing, kept at most
 * half full.
 *
 * An index slot is 32 bits: the entry's number + 1 in the low bits (0:
 * empty) and the top bits of the key's hash in the others, so that a probe
 * reads an entry only when those bits match (1 in 2^11 by chance at 2^20
 * entries). A hit reads one slot and one entry, as the general cache's
 * 16-byte slots and key arena did. At a million IPv4 conversations (14-byte
 * keys) that is 22 MB of entries and 8 MiB of slots, against 32 MiB of
 * slots and 17 MB of keys; the entries are never moved, only appended, and
 * growing the index rehashes them in order (one sequential read).
 */
#include <stdlib.h>
#include <string.h>
#include "mix64.h"
#include "store_ids.h"

#define MIN_SLOTS 1024u
#define ID_BYTES sizeof(int64_t)
/* A cache of this many entries or more forgets a burst nobody asks for again. */
#define IDLE_MIN_ENTRIES (1u << 16)
#define IDLE_HIT_SHARE 8 /* kept when hits in an interval reach entries / this */

struct ids_table {
	size_t len;	/* key bytes; 0: unused */
	uint32_t *slot; /* cap of them, a power of two */
	size_t cap;
	uint8_t *ent; /* n entries of len + ID_BYTES bytes */
	size_t n, ent_cap;
};

struct store_ids {
	struct ids_table t[2];
	size_t max_entries;    /* of both tables together */
	unsigned int idx_bits; /* of a slot: the entry number + 1 */
	size_t hits;	       /* gets that found an id since the last interval_done */
	size_t carried;	       /* entries at the last interval_done */
};

/* The key's bytes 8 at a time, each word mixed in (mix64.h): every bit
 * moves the slot (low bits) and the tag (high bits). */
static uint64_t hash_key(const uint8_t *p, size_t len)
{
	uint64_t h = len;

	for (size_t at = 0; at < len; at += 8) {
		uint64_t w = 0;

		memcpy(&w, p + at, len - at < 8 ? len - at : 8);
		h = mix64(h ^ w);
	}
	return h;
}

/* The hash's top bits in a slot's bits above the entry number (idx_bits <= 25). */
static uint32_t tag_of(const struct store_ids *c, uint64_t h)
{
	return (uint32_t)(h >> (32 + c->idx_bits)) << c->idx_bits;
}

struct store_ids *store_ids_new(size_t max_entries, size_t len_a, size_t len_b)
{
	struct store_ids *c;

	if (!max_entries || max_entries > (1u << 24) || !len_a || len_a > STORE_IDS_KEY_MAX ||
	    len_b > STORE_IDS_KEY_MAX || len_b == len_a)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->max_entries = max_entries;
	while (((size_t)1 << c->idx_bits) <= max_entries)
		c->idx_bits++;
	c->t[0].len = len_a;
	c->t[1].len = len_b;
	return c;
}

static void table_free(struct ids_table *t)
{
	free(t->slot);
	free(t->ent);
	t->slot = NULL;
	t->ent = NULL;
	t->cap = t->n = t->ent_cap = 0;
}

void store_ids_free(struct store_ids *c)
{
	if (!c)
		return;
	table_free(&c->t[0]);
	table_free(&c->t[1]);
	free(c);
}

static struct ids_table *table_of(const struct store_ids *c, size_t len)
{
	if (len && c->t[0].len == len)
		return (struct ids_table *)&c->t[0];
	if (len && c->t[1].len == len)
		return (struct ids_table *)&c->t[1];
	return NULL;
}

static uint8_t *entry(const struct ids_table *t, uint32_t s, unsigned int idx_bits)
{
	return t->ent + (size_t)((s & ((1u << idx_bits) - 1)) - 1) * (t->len + ID_BYTES);
}

/* Whether keys a and b of len bytes are equal: the store's short keys (4,
 * 14, 16 bytes) in one or two word compares, not a call of memcmp(). */
static inline int same_key(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x0, y0, x1, y1;
	uint32_t x, y;

	if (len == 4) {
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	if (len < 8 || len > 16)
		return !memcmp(a, b, len);
	memcpy(&x0, a, 8);
	memcpy(&y0, b, 8);
	memcpy(&x1, a + len - 8, 8);
	memcpy(&y1, b + len - 8, 8);
	return x0 == y0 && x1 == y1;
}

/* The slot of key (hash h) in t, or the empty one where it would go. */
static uint32_t *find(const struct store_ids *c, const struct ids_table *t, const void *key,
		      uint64_t h)
{
	size_t mask = t->cap - 1, i = (size_t)h & mask;
	uint32_t tag = tag_of(c, h), tag_mask = tag_of(c, UINT64_MAX);

	for (;; i = (i + 1) & mask) {
		uint32_t s = t->slot[i];

		if (!s ||
		    ((s & tag_mask) == tag && same_key(entry(t, s, c->idx_bits), key, t->len)))
			return &t->slot[i];
	}
}

uint64_t store_ids_hash(const void *key, size_t len)
{
	return hash_key(key, len);
}

void store_ids_prefetch(const struct store_ids *c, size_t len, uint64_t h)
{
	const struct ids_table *t = table_of(c, len);

	if (t && t->cap)
		__builtin_prefetch(&t->slot[(size_t)h & (t->cap - 1)]);
}

void store_ids_prefetch_entry(const struct store_ids *c, size_t len, uint64_t h)
{
	const struct ids_table *t = table_of(c, len);
	uint32_t s;

	if (!t || !t->cap)
		return;
	s = t->slot[(size_t)h & (t->cap - 1)];
	if (s && (s & tag_of(c, UINT64_MAX)) == tag_of(c, h))
		__builtin_prefetch(entry(t, s, c->idx_bits));
}

int64_t store_ids_get_h(struct store_ids *c, const void *key, size_t len, uint64_t h)
{
	const struct ids_table *t = table_of(c, len);
	const uint32_t *s;
	int64_t id;

	if (!t || !t->cap)
		return 0;
	s = find(c, t, key, h);
	if (!*s)
		return 0;
	memcpy(&id, entry(t, *s, c->idx_bits) + len, ID_BYTES);
	c->hits++;
	return id;
}

int64_t store_ids_get(struct store_ids *c, const void *key, size_t len)
{
	return store_ids_get_h(c, key, len, hash_key(key, len));
}

void store_ids_clear(struct store_ids *c)
{
	for (int i = 0; i < 2; i++) {
		struct ids_table *t = &c->t[i];

		if (t->slot)
			memset(t->slot, 0, t->cap * sizeof(*t->slot));
		t->n = 0;
	}
}

/* An index of cap slots (a power of two), from the entries. 0 or -1 (out of memory). */
static int grow_index(struct store_ids *c, struct ids_table *t, size_t cap)
{
	size_t stride = t->len + ID_BYTES;
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -1;
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	for (size_t j = 0; j < t->n; j++) {
		const uint8_t *e = t->ent + j * stride;
		uint64_t h = hash_key(e, t->len);

		*find(c, t, e, h) = tag_of(c, h) | (uint32_t)(j + 1);
	}
	return 0;
}

/* Room for one more entry, its index at most half full. 0 or -1. */
static int make_room(struct store_ids *c, struct ids_table *t)
{
	size_t stride = t->len + ID_BYTES;

	if (c->t[0].n + c->t[1].n >= c->max_entries)
		store_ids_clear(c); /* full: start over */
	if ((t->n + 1) * 2 > t->cap && grow_index(c, t, t->cap ? t->cap * 2 : MIN_SLOTS))
		return -1;
	if (t->n == t->ent_cap) {
		size_t cap = t->ent_cap ? t->ent_cap * 2 : MIN_SLOTS / 2;
		uint8_t *ent;

		if (cap > c->max_entries)
			cap = c->max_entries;
		ent = realloc(t->ent, cap * stride);
		if (!ent)
			return -1;
		t->ent = ent;
		t->ent_cap = cap;
	}
	return 0;
}

void store_ids_put_h(struct store_ids *c, const void *key, size_t len, uint64_t h, int64_t id)
{
	struct ids_table *t = table_of(c, len);
	uint32_t *s;
	uint8_t *e;

	if (!t || id <= 0)
		return;
	if (t->cap) {
		s = find(c, t, key, h);
		if (*s) {
			memcpy(entry(t, *s, c->idx_bits) + len, &id, ID_BYTES);
			return;
		}
	}
	if (make_room(c, t))
		return; /* not remembered: only a lookup more */
	e = t->ent + t->n * (len + ID_BYTES);
	memcpy(e, key, len);
	memcpy(e + len, &id, ID_BYTES);
	*find(c, t, key, h) = tag_of(c, h) | (uint32_t)(++t->n);
}

void store_ids_put(struct store_ids *c, const void *key, size_t len, int64_t id)
{
	store_ids_put_h(c, key, len, hash_key(key, len), id);
}

void store_ids_reserve(struct store_ids *c, size_t len, size_t more)
{
	struct ids_table *t = table_of(c, len);
	size_t want, other, cap;

	if (!t)
		return;
	other = c->t[0].n + c->t[1].n - t->n;
	want = t->n + more;
	if (other + want > c->max_entries) /* it starts over before then: no more */
		want = c->max_entries > other ? c->max_entries - other : 0;
	for (cap = t->cap ? t->cap : MIN_SLOTS; want * 2 > cap;)
		cap *= 2;
	if (cap > t->cap && grow_index(c, t, cap))
		return;
	if (want > t->ent_cap) {
		uint8_t *ent = realloc(t->ent, want * (len + ID_BYTES));

		if (!ent)
			return;
		t->ent = ent;
		t->ent_cap = want;
	}
}

void store_ids_interval_done(struct store_ids *c)
{
	/* Judged on the entries an interval found there: those put in it (a
	 * burst's conversations) are not asked for before the next one. */
	if (c->carried >= IDLE_MIN_ENTRIES && c->hits < c->carried / IDLE_HIT_SHARE) {
		table_free(&c->t[0]);
		table_free(&c->t[1]);
	}
	c->hits = 0;
	c->carried = c->t[0].n + c->t[1].n;
}

size_t store_ids_count(const struct store_ids *c)
{
	return c->t[0].n + c->t[1].n;
}

size_t store_ids_bytes(const struct store_ids *c)
{
	size_t b = sizeof(*c);

	for (int i = 0; i < 2; i++)
		b += c->t[i].cap * sizeof(uint32_t) + c->t[i].ent_cap * (c->t[i].len + ID_BYTES);
	return b;
}
