/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * store_sort.h - a stable sort of rows of four 64-bit words on a run of
 * them, for the store's burst of new hosts (store.c): a million new
 * addresses or conversations put in their index's order.
 *
 * A radix sort a byte at a time, from the last word's lowest byte: one
 * pass counts every byte of every word sorted on, then only the bytes
 * that differ between rows are moved on (ids and a burst's addresses vary
 * in a few low bytes: a million IPv4 addresses take 1 counting pass and 3
 * moves). qsort() with a comparing function took ~0.4 of a bare insert's
 * time per new host (bench/RESULTS.md, "A burst of new hosts, again").
 */
#ifndef NETMON_STORE_SORT_H
#define NETMON_STORE_SORT_H

#include <stddef.h>
#include <stdint.h>

struct store_row {
	uint64_t w[4];
};

/*
 * rows[0..n) sorted on words [from, to) (0 <= from < to <= 4), the first
 * word first; rows equal on them keep their order. tmp: room for n rows.
 * Returns where the sorted rows are: rows or tmp. NULL when out of memory
 * (a few KiB of counts).
 */
struct store_row *store_sort_rows(struct store_row *rows, struct store_row *tmp, size_t n, int from,
				  int to);

/*
 * A zeroed array of a burst's size: from 8 MiB on mapped and unmapped
 * whole, so that its pages go back when it is freed instead of staying in
 * the heap (the burst's arrays left the recorder's RSS 22 MB higher through
 * the aggregates' write: bench/RESULTS.md). NULL when out of memory.
 */
void *store_big_alloc(size_t bytes);
void store_big_free(void *array);

#endif
