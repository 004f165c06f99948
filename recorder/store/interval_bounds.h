/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * interval_bounds.h - where the recorder's intervals start and end, in whole
 * unix seconds (docs/schema.md, "intervals").
 *
 * The rules, so that intervals never overlap and ts_start is unique:
 * - An interval ended by the timer ends at the boundary that has passed; a
 *   boundary not after the interval's start does not end it.
 * - An interval ended now (a stop, or the generation an earlier run left in
 *   the kernel) ends at the next whole second, so that every packet in it
 *   lies before its end, and at least one second after its start.
 * - A run's first interval starts where the database ends when the kernel
 *   counted since (adopted pins: the gap is in it), or when that end is up
 *   to INTERVAL_SLACK_S seconds ahead of now (an earlier run stopped within
 *   this second and rounded up); otherwise now (a hole: nobody counted).
 *   Further ahead means the clock went back: the intervals then overlap,
 *   and the recorder says so.
 * Pure functions of their arguments, so the rules are tested without a clock.
 */
#ifndef NETMON_INTERVAL_BOUNDS_H
#define NETMON_INTERVAL_BOUNDS_H

#include <stdint.h>
#include <time.h>

/* How far ahead of now the database may end for a run to start there: two
 * stops rounded up within one second each. */
#define INTERVAL_SLACK_S 2

/* The first interval's start, given now, the database's last ts_end (0:
 * none) and whether the kernel counted since then (counted_since).
 * *behind_s: how many seconds the clock is behind that end when the rules
 * give up continuity (0 otherwise), for the caller to report. */
int64_t interval_first_start(int64_t now_s, int64_t last_end, int counted_since, int64_t *behind_s);

/* The end of an interval that starts at start and is ended at now. */
int64_t interval_end_now(const struct timespec *now, int64_t start);

/* The end of the interval that starts at start on a tick of a timer of
 * interval_s seconds at now_s, or 0 when no boundary after start has passed
 * (the interval goes on). */
int64_t interval_tick_end(int64_t now_s, unsigned int interval_s, int64_t start);

#endif
