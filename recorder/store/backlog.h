/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * backlog.h - intervals taken from the kernel but not yet in the database.
 *
 * A write can fail (disk full, the file on a read-only remount): the
 * interval then waits here and every later write starts with the oldest one,
 * so the database gets each interval once and in order. The backlog is
 * bounded; when it is full the recorder stops taking snapshots and the counts
 * wait in the kernel maps instead (one longer interval, nothing lost).
 */
#ifndef NETMON_BACKLOG_H
#define NETMON_BACKLOG_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/snapshot.h"

/* Intervals held in memory at most (each up to --max-flows flows). */
#define BACKLOG_MAX 16

struct backlog;
struct store;

int backlog_open(struct backlog **out);

/*
 * Told of every interval once it is committed, with the time its rows and
 * COMMIT took (the metrics, metrics.h); fn NULL: nobody.
 */
typedef void backlog_written_fn(void *ctx, const struct snapshot *snap, int64_t start,
				int64_t end, uint64_t write_us);
void backlog_on_written(struct backlog *b, backlog_written_fn *fn, void *ctx);
void backlog_close(struct backlog *b);

/*
 * The snapshot to fill for the next interval, or NULL when the backlog is
 * full. final: the recorder's last interval, which always gets a slot.
 */
struct snapshot *backlog_slot(struct backlog *b, int final);

/* The slot from backlog_slot() now holds the interval [start, end). */
void backlog_push(struct backlog *b, int64_t start, int64_t end);

/*
 * Write the waiting intervals, oldest first, stopping at the first failure.
 * Logs when writes start failing and when they succeed again, not every
 * time. Returns how many intervals still wait.
 */
size_t backlog_flush(struct backlog *b, struct store *st);

#endif
