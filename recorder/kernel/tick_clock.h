/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tick_clock.h - the flow programs' clock for live packets (bpf/flow.bpf.c,
 * live_now()): the tick count turned into CLOCK_MONOTONIC ns, which needs
 * the length of the kernel's tick and one tick's time, measured here after
 * the load and before the programs are attached.
 */
#ifndef NETMON_TICK_CLOCK_H
#define NETMON_TICK_CLOCK_H

#include <linux/types.h>

struct flow_bpf;

/* One reading of the tick count and the coarse clock at one moment. */
struct tick_sample {
	__u64 jiffies, coarse_ns;
};

/*
 * The tick's length in ns from two readings ticks apart: the kernel's
 * TICK_NSEC for the HZ (one a kernel can be built with) whose tick they show
 * within 0.5 %; 0 when they show none (too close, or a clock that does not
 * move in ticks).
 */
__u32 tick_length(const struct tick_sample *a, const struct tick_sample *b);

/*
 * Measure and set the programs' tick clock (about 10-50 ms: a few ticks).
 * Adopted programs that have one keep it. Where it cannot be measured, or
 * does not match the coarse clock once set, the programs keep reading the
 * coarse clock (a call a packet) and the reason is logged at debug level.
 * Returns 1 when set (or kept), 0 when not.
 */
int tick_clock_set(struct flow_bpf *skel);

#endif
