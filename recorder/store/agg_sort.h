/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * agg_sort.h - the rows of the anomaly aggregates' tables (anomaly_agg.c)
 * and contacts (contact_gaps.c), sorted into each table's key order in an
 * array and its other half, both grown to a table's rows.
 */
#ifndef NETMON_AGG_SORT_H
#define NETMON_AGG_SORT_H

#include <stddef.h>
#include <stdint.h>

/* A row to sort: up to three key words, in the table's key order, and a value. */
struct agg_key {
	uint64_t k[4];
};

/* A table's rows, sorted; tmp: agg_sort_rows()'s other half. */
struct agg_sort {
	struct agg_key *rows, *tmp;
	size_t cap_rows, cap_tmp;
};

/* Room for n rows in *arr (of *cap). 0 or -ENOMEM. */
int agg_sort_room_for(struct agg_key **arr, size_t *cap, size_t n);
/* Room for n rows to sort, and as many in tmp. 0 or -ENOMEM. */
int agg_sort_room(struct agg_sort *s, size_t n);
/* rows and tmp swapped, with their room. */
void agg_sort_swap(struct agg_sort *s);

/*
 * rows[0..n) sorted on words [0, words) (a radix sort, a byte at a time from
 * the last word's lowest; bytes every row has the same skipped: ids are
 * small numbers). Into tmp and back when tmp has the room; else in place
 * (sort_in_place()): after a burst tmp is given back, and the burst's own
 * sums, probes and SYN groups are sorted without a second copy of their
 * rows (32 MB at 1M probes, the aggregates' peak: bench/RESULTS.md).
 *
 * The rows end in the array they started in, with its room: tmp can be the
 * smaller of the two (only rows grows for a table's rows,
 * agg_sort_room_for()), and an odd number of passes left them in tmp, where
 * the next table's rows overran it (a heap overflow, fixed in d6fd200;
 * tests/fuzz/fuzz_anomaly_agg.c).
 */
void agg_sort_rows(struct agg_sort *s, size_t n, int words);

#endif
