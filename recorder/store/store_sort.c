// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_sort.c - least significant byte first radix sort of store_row
 * (store_sort.h): counts for every byte at once, moves for the bytes that
 * differ.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "store_sort.h"

#define BIG_MIN (8u << 20)
#define BIG_HEAD 64 /* the size, and the array aligned on a cache line */

#define BYTE_VALUES 256

static unsigned int byte_at(const struct store_row *r, int pos)
{
	return (unsigned int)(r->w[pos / 8] >> (pos % 8 * 8)) & 0xff;
}

struct store_row *store_sort_rows(struct store_row *rows, struct store_row *tmp, size_t n, int from,
				  int to)
{
	int lo = from * 8, hi = to * 8;
	size_t(*count)[BYTE_VALUES];

	if (n < 2 || from < 0 || to > 4 || from >= to)
		return rows;
	count = calloc((size_t)(hi - lo), sizeof(*count));
	if (!count)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (int pos = lo; pos < hi; pos++)
			count[pos - lo][byte_at(&rows[i], pos)]++;
	/* the last word's lowest byte first: the first word's highest is the last move */
	for (int w = to - 1; w >= from; w--) {
		for (int pos = w * 8; pos < w * 8 + 8; pos++) {
			size_t *c = count[pos - lo], at = 0;
			struct store_row *swap;

			if (c[byte_at(&rows[0], pos)] == n)
				continue; /* every row has the same byte here */
			for (int b = 0; b < BYTE_VALUES; b++) {
				size_t k = c[b];

				c[b] = at;
				at += k;
			}
			for (size_t i = 0; i < n; i++)
				tmp[c[byte_at(&rows[i], pos)]++] = rows[i];
			swap = rows;
			rows = tmp;
			tmp = swap;
		}
	}
	free(count);
	return rows;
}

void *store_big_alloc(size_t bytes)
{
	size_t total = bytes + BIG_HEAD;
	uint8_t *p;

	if (total < BIG_MIN) {
		p = calloc(1, total);
	} else {
		p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		p = p == MAP_FAILED ? NULL : p;
	}
	if (!p)
		return NULL;
	memcpy(p, &total, sizeof(total));
	return p + BIG_HEAD;
}

void store_big_free(void *array)
{
	uint8_t *p = array ? (uint8_t *)array - BIG_HEAD : NULL;
	size_t total;

	if (!p)
		return;
	memcpy(&total, p, sizeof(total));
	if (total < BIG_MIN)
		free(p);
	else
		munmap(p, total);
}
