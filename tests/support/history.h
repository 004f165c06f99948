/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * history.h - a synthetic traffic history written through the real store
 * (store_write_interval), for the history tests and benchmarks: clients of a
 * few servers on well-known ports, both directions, totals that match the
 * flows, optional per-process rows. Deterministic for a given seed.
 */
#ifndef NETMON_TEST_HISTORY_H
#define NETMON_TEST_HISTORY_H

#include <stdint.h>
#include "store/store.h"

struct history_opts {
	int64_t start;          /* unix seconds of the first interval */
	unsigned int interval;  /* seconds per interval */
	unsigned int n_intervals;
	unsigned int flows;     /* flow rows per interval (half each direction) */
	unsigned int clients;   /* distinct client addresses */
	unsigned int seed;
	int with_procs;         /* a few per-process rows per interval */
	int with_names;         /* host names, and the processes' cgroups, services, users */
};

/* Write the intervals; 0 or the first store error. */
int history_write(struct store *st, const struct history_opts *o);

#endif
