// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * series_set.c - a set of 64-bit fingerprints, open addressing with linear
 * probing. Fingerprints are hashes already, so their low bits pick the slot.
 */
#include <errno.h>
#include <stdlib.h>
#include "series_set.h"

static uint64_t *slot_of(uint64_t *slots, size_t cap, uint64_t fp)
{
	size_t i = (size_t)fp & (cap - 1);

	while (slots[i] && slots[i] != fp)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* cap slots (a power of two), every fingerprint moved. */
static int grow(struct series_set *s, size_t cap)
{
	uint64_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i])
			*slot_of(slots, cap, s->slots[i]) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int series_set_reserve(struct series_set *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 4096;

	while (2 * n > cap)
		cap *= 2;
	return cap > s->cap ? grow(s, cap) : 0;
}

int series_set_add(struct series_set *s, uint64_t fp)
{
	uint64_t *slot;
	int err;

	fp = fp ? fp : 1;
	if ((err = series_set_reserve(s, s->n + 1)))
		return err;
	slot = slot_of(s->slots, s->cap, fp);
	if (!*slot) {
		*slot = fp;
		s->n++;
	}
	return 0;
}

int series_set_has(const struct series_set *s, uint64_t fp)
{
	fp = fp ? fp : 1;
	return s->cap && *slot_of(s->slots, s->cap, fp) == fp;
}

void series_set_clear(struct series_set *s)
{
	free(s->slots);
	*s = (struct series_set){ 0 };
}
