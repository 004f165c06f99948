/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filter_gens.h - the capture filters (filter.h) into the kernel's trie, one
 * generation at a time (bpf/filter.bpf.h).
 *
 * The rules of a generation change only while the programs do not use it:
 * new rules go into the generation that waits, which becomes active at the
 * next flip (the end of the interval under way); the other generation gets
 * them once a flip has made it the waiting one. So every interval is counted
 * with one set of rules, from its first packet to its last.
 */
#ifndef NETMON_FILTER_GENS_H
#define NETMON_FILTER_GENS_H

#include "filter.h"

struct flow_bpf;
struct filter_gens;

/* The trie and modes of a loaded (or adopted) flow object. 0 or -errno. */
int filter_gens_open(struct filter_gens **out, struct flow_bpf *skel);
void filter_gens_close(struct filter_gens *f);

/*
 * Rules for the intervals to come: written now into the waiting generation,
 * and into the active one too when idle is set (no program attached yet, or
 * an import that has not started). Returns 0 or -errno (logged).
 */
int filter_gens_set(struct filter_gens *f, const struct filter_table *t, int idle);

/*
 * After a flip and its grace period: the generation now waiting gets the
 * rules it lacks. Returns 0 or -errno (logged; tried again at the next flip).
 */
int filter_gens_flipped(struct filter_gens *f);

#endif
