/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_rates.h - per-second differences of counters that a generation flip
 * resets, for the live view (recorder/live/live.c).
 *
 * The kernel's counters of the active generation only grow until the
 * interval's snapshot drains and zeroes them. A table keeps, per key (a
 * fixed-size byte string chosen by the caller: a protocol, a process, a
 * port, a flow) and for up to LIVE_NVAL counters:
 *   base    what the last peek saw in the active generation;
 *   pending what the snapshots since then drained beyond base.
 * A tick's difference is then pending + (this peek - base): every byte
 * counted in the kernel is in exactly one tick's difference, across flips
 * (tests/unit/test_live.c sums them against the kernel-side totals).
 * Aggregation is linear, so callers add many kernel records into one key.
 */
#ifndef NETMON_LIVE_RATES_H
#define NETMON_LIVE_RATES_H

#include <stddef.h>
#include <stdint.h>

#define LIVE_NVAL 4
#define LIVE_KEY_MAX 48

struct live_entry {
	unsigned char key[LIVE_KEY_MAX];
	uint64_t base[LIVE_NVAL];
	uint64_t pending[LIVE_NVAL];
	uint64_t cur[LIVE_NVAL];   /* the peek being gathered */
	uint64_t delta[LIVE_NVAL]; /* the last tick's difference */
	uint64_t sum[LIVE_NVAL];   /* every difference since the table began */
};

struct live_table {
	size_t keysz;
	int keep;                  /* never forget idle keys (their sums stay) */
	struct live_entry *e;
	size_t n, cap;
	uint32_t *index;           /* open addressing: entry number + 1, 0 empty */
	size_t index_cap;          /* a power of two, at least 2 n */
	uint64_t seed;
};

/* keysz at most LIVE_KEY_MAX. 0 or -errno. */
int live_table_init(struct live_table *t, size_t keysz, int keep);
void live_table_free(struct live_table *t);

/* A snapshot drained the generation the last peek read: start with this. */
void live_table_drain_begin(struct live_table *t);
/* Add one drained record (after live_table_drain_begin). 0 or -ENOMEM. */
int live_table_add_drained(struct live_table *t, const void *key, const uint64_t *v);

/* Add one record of the current peek. 0 or -ENOMEM. */
int live_table_add_peek(struct live_table *t, const void *key, const uint64_t *v);

/*
 * The peek is complete: set every entry's delta (and sum), make the peek the
 * new base. Entries with nothing left to carry are forgotten first (unless
 * keep), so the table holds about the flows of two ticks.
 */
void live_table_tick(struct live_table *t);

#endif
