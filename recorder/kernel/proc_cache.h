/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_cache.h - the per-process programs' per-CPU cache of their last key
 * (struct proc_cache_entry, bpf/proc.bpf.c): the part of a generation's
 * per-process counts that is not yet in its table. A snapshot reads it with
 * the table, and clears it with the table.
 */
#ifndef NETMON_PROC_CACHE_H
#define NETMON_PROC_CACHE_H

#include "snapshot_records.h"

/*
 * Add generation gen's cached sums (every CPU, both directions) to snap's
 * process records, merging with a record of the same key. fd is the
 * PERCPU_ARRAY, ncpus the possible CPUs. Read the table first: a program
 * moving an entry into the table meanwhile is then missed, not counted
 * twice (the live view's peek); after the flip's grace period nothing moves.
 * 0 or -errno.
 */
int proc_cache_read(int fd, int ncpus, __u32 gen, struct snapshot *snap);

/* Empty generation gen's entries on every CPU. 0 or -errno. */
int proc_cache_clear(int fd, int ncpus, __u32 gen);

#endif
