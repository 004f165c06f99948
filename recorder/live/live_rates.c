// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_rates.c - the live view's counters per key: see live_rates.h.
 *
 * Arithmetic is modulo 2^64 on purpose: pending goes "below zero" between
 * live_table_drain_begin() (minus base) and the drained records (plus what
 * the snapshot took), and ends at drained - base, which is never negative
 * because the kernel's counters only grow until they are drained.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "live_rates.h"

int live_table_init(struct live_table *t, size_t keysz, int keep)
{
	struct timespec ts;

	memset(t, 0, sizeof(*t));
	if (!keysz || keysz > LIVE_KEY_MAX)
		return -EINVAL;
	t->keysz = keysz;
	t->keep = keep;
	/* A seed per table: flows chosen from outside cannot aim at one chain. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->seed = ((uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^ (uintptr_t)t) | 1;
	return 0;
}

void live_table_free(struct live_table *t)
{
	free(t->e);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

/* FNV-1a over the key, mixed with the table's seed. */
static size_t hash_key(const struct live_table *t, const void *key)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull ^ t->seed;

	for (size_t i = 0; i < t->keysz; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (size_t)(h ^ h >> 29);
}

static void index_insert(struct live_table *t, size_t entry)
{
	size_t mask = t->index_cap - 1, i = hash_key(t, t->e[entry].key) & mask;

	while (t->index[i])
		i = (i + 1) & mask;
	t->index[i] = (uint32_t)entry + 1;
}

static int index_rebuild(struct live_table *t, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	free(t->index);
	t->index = idx;
	t->index_cap = cap;
	for (size_t j = 0; j < t->n; j++)
		index_insert(t, j);
	return 0;
}

/* The entry of key, created (zeroed) when absent; NULL when out of memory. */
static struct live_entry *find_or_add(struct live_table *t, const void *key)
{
	size_t mask, i;

	if (t->index_cap) {
		mask = t->index_cap - 1;
		for (i = hash_key(t, key) & mask; t->index[i]; i = (i + 1) & mask) {
			struct live_entry *e = &t->e[t->index[i] - 1];

			if (!memcmp(e->key, key, t->keysz))
				return e;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct live_entry *p = realloc(t->e, cap * sizeof(*p));

		if (!p)
			return NULL;
		t->e = p;
		t->cap = cap;
	}
	memset(&t->e[t->n], 0, sizeof(t->e[t->n]));
	memcpy(t->e[t->n].key, key, t->keysz);
	t->n++;
	if (2 * t->n > t->index_cap) {
		if (index_rebuild(t, t->index_cap ? t->index_cap * 2 : 512)) {
			t->n--;
			return NULL;
		}
	} else {
		index_insert(t, t->n - 1);
	}
	return &t->e[t->n - 1];
}

void live_table_drain_begin(struct live_table *t)
{
	for (size_t j = 0; j < t->n; j++) {
		for (int k = 0; k < LIVE_NVAL; k++) {
			t->e[j].pending[k] -= t->e[j].base[k];
			t->e[j].base[k] = 0;
		}
	}
}

/* v added to key's pending (drained) or cur (peeked) counters. */
static int add(struct live_table *t, const void *key, const uint64_t *v, int drained)
{
	struct live_entry *e = find_or_add(t, key);

	if (!e)
		return -ENOMEM;
	for (int k = 0; k < LIVE_NVAL; k++)
		(drained ? e->pending : e->cur)[k] += v[k];
	return 0;
}

int live_table_add_drained(struct live_table *t, const void *key, const uint64_t *v)
{
	return add(t, key, v, 1);
}

int live_table_add_peek(struct live_table *t, const void *key, const uint64_t *v)
{
	return add(t, key, v, 0);
}

static int is_idle(const struct live_entry *e)
{
	for (int k = 0; k < LIVE_NVAL; k++)
		if (e->base[k] || e->pending[k] || e->cur[k])
			return 0;
	return 1;
}

void live_table_tick(struct live_table *t)
{
	size_t kept = 0;

	for (size_t j = 0; j < t->n; j++) {
		struct live_entry *e = &t->e[j];

		if (!t->keep && is_idle(e))
			continue;
		for (int k = 0; k < LIVE_NVAL; k++) {
			e->delta[k] = e->pending[k] + e->cur[k] - e->base[k];
			e->sum[k] += e->delta[k];
			e->base[k] = e->cur[k];
			e->pending[k] = e->cur[k] = 0;
		}
		if (kept != j)
			t->e[kept] = *e;
		kept++;
	}
	if (kept != t->n) {
		t->n = kept;
		/* Same capacity: rebuilding cannot fail for want of a larger one. */
		memset(t->index, 0, t->index_cap * sizeof(*t->index));
		for (size_t j = 0; j < t->n; j++)
			index_insert(t, j);
	}
}
