// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * agg_map.c - the anomaly aggregates' open-addressing map (linear probing,
 * keys of a few words hashed whole), the giving back of their tables and
 * arrays after a burst, and their statements prepared once.
 */
#include <string.h>
#include "agg_map.h"

uint64_t *agg_map_probe(const struct agg_map *m, const uint64_t *key, int *found)
{
	size_t stride = (size_t)m->width + 1, mask = m->cap - 1;

	for (size_t i = agg_map_hash(key, m->width) & mask;; i = (i + 1) & mask) {
		uint64_t *s = m->slots + i * stride;

		int same = s[0] == key[0];

		for (int w = 1; same && w < m->width; w++)
			same = s[w] == key[w];
		*found = s[0] != 0;
		if (!s[0] || same)
			return s + m->width;
	}
}

int agg_map_grow(struct agg_map *m, size_t cap)
{
	struct agg_map g = { .cap = cap, .width = m->width };
	size_t stride = (size_t)m->width + 1;
	int found;

	g.slots = calloc(g.cap, stride * sizeof(*g.slots));
	if (!g.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		const uint64_t *s = m->slots + i * stride;
		uint64_t *v;

		if (!s[0])
			continue;
		v = agg_map_probe(&g, s, &found);
		memcpy(v - m->width, s, stride * sizeof(*s));
	}
	g.n = m->n;
	free(m->slots);
	*m = g;
	return 0;
}

int agg_map_reserve(struct agg_map *m, size_t n)
{
	size_t cap = 1024;

	while (cap < (n + 1) * 2)
		cap *= 2;
	return cap > m->cap ? agg_map_grow(m, cap) : 0;
}

uint64_t *agg_map_get(struct agg_map *m, const uint64_t *key, int *added)
{
	uint64_t *v;
	int found;

	if ((m->n + 1) * 2 > m->cap && agg_map_grow(m, m->cap ? m->cap * 2 : 1024))
		return NULL;
	v = agg_map_probe(m, key, &found);
	*added = !found;
	if (!found) {
		memcpy(v - m->width, key, (size_t)m->width * sizeof(*key));
		*v = 0;
		m->n++;
	}
	return v;
}

void agg_map_clear(struct agg_map *m)
{
	if (m->cap > 4096 && m->n * 16 < m->cap) {
		free(m->slots);
		m->slots = NULL;
		m->cap = 0;
	} else if (m->n) {
		memset(m->slots, 0, m->cap * ((size_t)m->width + 1) * sizeof(*m->slots));
	}
	m->n = 0;
}

void agg_map_free(struct agg_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

/*
 * A table or array larger than the steady state needs (200,000 flows an
 * interval fit in less), given back as soon as the write is done with it:
 * after an interval of a million new hosts they held ~180 MB until the next
 * interval's write (bench/RESULTS.md). Smaller ones are kept and reused.
 */
#define AG_KEEP_BYTES (16u << 20)

size_t agg_map_bytes(const struct agg_map *m)
{
	return m->cap * ((size_t)m->width + 1) * sizeof(*m->slots);
}

void agg_map_give_back(struct agg_map *m)
{
	if (agg_map_bytes(m) > AG_KEEP_BYTES)
		agg_map_free(m);
}

void agg_array_give_back(void **arr, size_t *cap, size_t elem)
{
	if (*cap * elem > AG_KEEP_BYTES) {
		free(*arr);
		*arr = NULL;
		*cap = 0;
	}
}

int agg_prepare_once(sqlite3 *db, sqlite3_stmt **s, const char *sql)
{
	if (*s)
		return 0;
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) == SQLITE_OK
		       ? 0
		       : -EIO;
}
