// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ip_totals.c - IP totals summed from flows, table-full and excluded rows
 * (ip_totals.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ip_totals.h"

/* An open-addressing table of the rows being summed, keyed by total_key. */
struct sums {
	struct total_record *rows;
	size_t n, cap; /* cap: a power of two, at most half full */
};

static uint64_t key_word(const struct total_key *k)
{
	uint64_t w;

	_Static_assert(sizeof(*k) == sizeof(w), "a totals key is one word");
	memcpy(&w, k, sizeof(w));
	return w;
}

static size_t slot_of(const struct sums *t, uint64_t w)
{
	return (size_t)((w * 0x9e3779b97f4a7c15ull) >> 32) & (t->cap - 1);
}

static struct total_record *find(struct sums *t, const struct total_key *k)
{
	uint64_t w = key_word(k);
	size_t i = slot_of(t, w);

	/* A used slot has kind IP; a free one is all zero but for its kind. */
	while (t->rows[i].key.kind == NETMON_KIND_IP) {
		if (key_word(&t->rows[i].key) == w)
			return &t->rows[i];
		i = (i + 1) & (t->cap - 1);
	}
	t->rows[i].key = *k;
	t->n++;
	return &t->rows[i];
}

static int grow(struct sums *t)
{
	struct sums g = { .cap = t->cap ? t->cap * 2 : 64 };

	g.rows = malloc(g.cap * sizeof(*g.rows));
	if (!g.rows)
		return -ENOMEM;
	memset(g.rows, 0, g.cap * sizeof(*g.rows));
	for (size_t i = 0; i < g.cap; i++)
		g.rows[i].key.kind = 0xff; /* free */
	for (size_t i = 0; i < t->cap; i++)
		if (t->rows[i].key.kind == NETMON_KIND_IP)
			*find(&g, &t->rows[i].key) = t->rows[i];
	free(t->rows);
	*t = g;
	return 0;
}

static int add(struct sums *t, uint32_t ifindex, uint8_t direction, uint8_t family,
	       uint8_t protocol, uint64_t packets, uint64_t bytes)
{
	struct total_key k = { .ifindex = ifindex,
			       .direction = direction,
			       .family = family,
			       .protocol = protocol,
			       .kind = NETMON_KIND_IP };
	struct total_record *r;

	if (2 * (t->n + 1) > t->cap && grow(t))
		return -ENOMEM;
	r = find(t, &k);
	r->c.packets += packets;
	r->c.bytes += bytes;
	return 0;
}

/* The summed rows, in any order, onto the end of snap's totals. */
static int append(struct snapshot *snap, const struct sums *t)
{
	size_t need = snap->n_totals + t->n, cap = snap->cap_totals;
	struct total_record *rows = snap->totals;

	if (need > cap) {
		cap = need > 2 * cap ? need : 2 * cap;
		rows = realloc(rows, cap * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		snap->totals = rows;
		snap->cap_totals = cap;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->rows[i].key.kind == NETMON_KIND_IP)
			rows[snap->n_totals++] = t->rows[i];
	return 0;
}

int ip_totals_add(struct snapshot *snap, size_t flows_from, size_t totals_from)
{
	struct sums t = { 0 };
	int err = 0;

	for (size_t i = flows_from; !err && i < snap->n_flows; i++) {
		const struct flow_record *f = &snap->flows[i];

		err = add(&t, f->key.ifindex, f->key.direction, f->key.family, f->key.protocol,
			  f->c.packets, f->c.bytes);
	}
	for (size_t i = totals_from; !err && i < snap->n_totals; i++) {
		const struct total_record *r = &snap->totals[i];

		if (r->key.kind == NETMON_KIND_TABLE_FULL || r->key.kind == NETMON_KIND_EXCLUDED)
			err = add(&t, r->key.ifindex, r->key.direction, r->key.family,
				  r->key.protocol, r->c.packets, r->c.bytes);
	}
	if (!err)
		err = append(snap, &t);
	free(t.rows);
	return err;
}
