/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * snapshot.h - take one interval's counters out of the kernel, exactly once.
 *
 * The BPF programs write only to the active generation of the flow counters
 * and totals. snapshot_take() flips the generation, waits until no program
 * can still be writing to the old one (an RCU grace period, obtained by
 * updating a map-in-map), then reads the old generation's flow counters
 * (mmapped, a window at a time in a large table) and totals (batched
 * lookups), and clears them. A
 * packet is thus counted in exactly one snapshot: the one of the generation
 * it read when its program started. Flows idle for a whole interval give
 * their slot back (docs/design.md, "Flow tables").
 */
#ifndef NETMON_SNAPSHOT_H
#define NETMON_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include "netmon_user.h"
#include "snapshot_records.h"

/* One flow table (bpf/flow_table.bpf.h): two mmapable ARRAYs and a count. */
struct snapshot_table {
	int slots_fd;                     /* flow4_slot or flow6_slot */
	int counts_fd;                    /* flow_slot_counters */
	__u32 nslots;
	__u32 slot_size;                  /* 16: IPv4 table, 48: IPv6 table */
	volatile __u32 *used;             /* the programs' count of taken slots */
};

/* File descriptors of the maps a snapshotter works on (see bpf/flow.bpf.c). */
struct snapshot_maps {
	int total_gens;                   /* ARRAY_OF_MAPS of the totals */
	struct snapshot_table tables[2];  /* IPv4, IPv6 */
	__u32 time_unit_ns;               /* of first/last in the counters (netmon.h) */
	int totals[NETMON_GENERATIONS];   /* PERCPU_HASH total_key -> total_counters */
	volatile __u32 *active_gen;       /* the programs' .bss variable (mmapped) */
	/* Per-process maps (proc.bpf.c): proc_on 0 when that is off. */
	int proc_on;
	int procs[NETMON_GENERATIONS];    /* HASH proc_key -> proc_counters */
	int infos[NETMON_GENERATIONS];    /* HASH tgid -> proc_info */
	int proc_cache;                   /* PERCPU_ARRAY of proc_cache_entry */
	volatile __u32 *proc_active_gen;
	volatile struct proc_table_full *proc_table_full; /* [NETMON_GENERATIONS] */
	int cgroups_gone;                 /* LRU_HASH cgroup id -> cgroup_gone */
	/* Identity of pinned maps (pin.h), stored with each interval's sequence
	 * so that a restart knows what the database holds; 0: not pinned. */
	__u64 run;
};

struct snapshotter;

/* Returns 0 or -errno. */
int snapshot_open(struct snapshotter **out, const struct snapshot_maps *maps);
void snapshot_close(struct snapshotter *s);

/*
 * How the flow tables are mapped into memory. snapshot_open() maps a table
 * of up to 32 MiB (slots and counters) whole, once, and a larger one a
 * window of 32768 slots (and of 4096 slots' counters, where a slot holds a
 * flow) at a time, during each pass over it (the kernel maps every page of
 * a mapping at once: at --max-flows 1048576 the whole tables would be 236
 * MB of the recorder's RSS). For tests and benchmarks:
 * window 0 maps every table whole, N > 0 every table in windows of N slots
 * (rounded up to a page's worth of slots), -1 as snapshot_open() chose.
 * 0 or -errno.
 */
int snapshot_set_window(struct snapshotter *s, long window);

/* Flip, wait, drain into snap (its arrays are reused: grown as needed, cut
 * when an interval fills less than a quarter of one past 1 MiB). 0 or -errno. */
int snapshot_take(struct snapshotter *s, struct snapshot *snap);

/*
 * The same when the programs' clock is not CLOCK_MONOTONIC_COARSE (offline
 * replay): clock_ns is that clock's time at the flip. The kernel keeps
 * first/last seen modulo 2^32 us; they are restored as the times within 70
 * minutes before (or 60 s after) clock_ns.
 */
int snapshot_take_at(struct snapshotter *s, struct snapshot *snap, uint64_t clock_ns);
void snapshot_free(struct snapshot *snap);

/*
 * The same in two steps, so that counts leave the kernel only once they are
 * stored (docs/design.md, "Restart and crash"): snapshot_hold_at() flips and
 * copies the old generation into snap (snap->seq says which) without
 * clearing it; snapshot_release() clears generation seq & 1 and frees idle
 * flow slots: after snapshot_hold_at() of seq, only the slots that hold
 * copied (a table where they are half or more of the slots is scanned, to
 * the same effect); as a snapshotter's first release (an adoption), or
 * after a failed one, every slot. Release before the next hold, or that
 * generation is counted twice. Both 0 or -errno; releasing twice is harmless.
 */
int snapshot_hold_at(struct snapshotter *s, struct snapshot *snap, uint64_t clock_ns);
int snapshot_release(struct snapshotter *s, __u32 seq);

/* Adopting pinned maps (adopt.h): the programs' current flip sequence; make
 * the per-process generation follow it and wait for in-flight programs; copy
 * generation seq & 1 without flipping. */
__u32 snapshot_seq(const struct snapshotter *s);
int snapshot_settle(struct snapshotter *s);
int snapshot_read_pending(struct snapshotter *s, struct snapshot *snap, __u32 seq);

/*
 * Read the active generation's flows, totals and processes into snap without
 * changing anything (the live view, recorder/live/live.c): values still growing,
 * each at most what the next snapshot_take() drains for them. 0 or -errno.
 */
int snapshot_peek(struct snapshotter *s, struct snapshot *snap);

/* Map fds of a loaded flow skeleton: flow_snapshot_maps() in flow_load.h. */
#endif
