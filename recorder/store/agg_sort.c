// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * agg_sort.c - the anomaly aggregates' sort of their rows into each
 * table's key order: a radix sort through a second array, or in place
 * when there is none that large.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "agg_sort.h"

int agg_sort_room_for(struct agg_key **arr, size_t *cap, size_t n)
{
	struct agg_key *r;

	if (n <= *cap)
		return 0;
	if (!(r = realloc(*arr, n * sizeof(*r))))
		return -ENOMEM;
	*arr = r;
	*cap = n;
	return 0;
}

int agg_sort_room(struct agg_sort *s, size_t n)
{
	int err = agg_sort_room_for(&s->rows, &s->cap_rows, n);

	return err ? err : agg_sort_room_for(&s->tmp, &s->cap_tmp, n);
}

void agg_sort_swap(struct agg_sort *s)
{
	struct agg_key *r = s->rows;
	size_t cap = s->cap_rows;

	s->rows = s->tmp;
	s->cap_rows = s->cap_tmp;
	s->tmp = r;
	s->cap_tmp = cap;
}

/* Whether a sorts before b on words [0, words), or with it. */
static int row_before(const struct agg_key *a, const struct agg_key *b, int words)
{
	for (int w = 0; w < words; w++)
		if (a->k[w] != b->k[w])
			return a->k[w] < b->k[w];
	return 1;
}

/* The byte after (*w, *shift), most significant first; 0 past the last word's lowest. */
static int next_byte(int *w, int *shift, int words)
{
	if ((*shift -= 8) >= 0)
		return 1;
	*shift = 56;
	return ++*w < words;
}

/*
 * r[0..n) sorted on words [0, words) in place, from byte (w, shift) on: an
 * American flag sort (each row swapped into its byte's bucket, then each
 * bucket on the next byte; bytes every row of a range has the same
 * skipped), small ranges by insertion. Not stable: no table needs it (their
 * keys are unique, or the rows that tie are the same, or anomaly_agg.c's
 * sort_unique() takes the least of them).
 */
static void sort_in_place(struct agg_key *r, size_t n, int words, int w, int shift)
{
	size_t at[256], end[256], lo = 0;

	for (;;) {
		if (n < 32) {
			for (size_t i = 1; i < n; i++) {
				struct agg_key v = r[i];
				size_t j = i;

				for (; j && !row_before(&r[j - 1], &v, words); j--)
					r[j] = r[j - 1];
				r[j] = v;
			}
			return;
		}
		memset(end, 0, sizeof(end));
		for (size_t i = 0; i < n; i++)
			end[r[i].k[w] >> shift & 0xff]++;
		if (end[r[0].k[w] >> shift & 0xff] != n)
			break;
		if (!next_byte(&w, &shift, words))
			return;
	}
	for (int b = 0; b < 256; b++) {
		at[b] = lo;
		end[b] = lo += end[b];
	}
	for (int b = 0; b < 256; b++) {
		while (at[b] < end[b]) {
			struct agg_key v = r[at[b]];
			int d = (int)(v.k[w] >> shift & 0xff);

			while (d != b) { /* v into its bucket, what was there on */
				struct agg_key t = r[at[d]];

				r[at[d]++] = v;
				v = t;
				d = (int)(v.k[w] >> shift & 0xff);
			}
			r[at[b]++] = v;
		}
	}
	if (!next_byte(&w, &shift, words))
		return;
	lo = 0;
	for (int b = 0; b < 256; b++) {
		if (end[b] - lo > 1)
			sort_in_place(r + lo, end[b] - lo, words, w, shift);
		lo = end[b];
	}
}

void agg_sort_rows(struct agg_sort *s, size_t n, int words)
{
	const struct agg_key *home = s->rows;

	if (n < 2)
		return;
	/* no other half that large (a burst's, given back): in place */
	if (s->cap_tmp < n) {
		sort_in_place(s->rows, n, words, 0, 56);
		return;
	}
	for (int w = words - 1; w >= 0; w--) {
		for (int shift = 0; shift < 64; shift += 8) {
			size_t count[257] = { 0 };

			for (size_t i = 0; i < n; i++)
				count[((s->rows[i].k[w] >> shift) & 0xff) + 1]++;
			if (count[((s->rows[0].k[w] >> shift) & 0xff) + 1] == n)
				continue;
			for (int b = 0; b < 256; b++)
				count[b + 1] += count[b];
			for (size_t i = 0; i < n; i++)
				s->tmp[count[(s->rows[i].k[w] >> shift) & 0xff]++] = s->rows[i];
			agg_sort_swap(s);
		}
	}
	if (s->rows != home) { /* an odd number of passes: back home */
		memcpy(s->tmp, s->rows, n * sizeof(*s->rows));
		agg_sort_swap(s);
	}
}
