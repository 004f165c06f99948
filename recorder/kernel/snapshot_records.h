/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * snapshot_records.h - what one interval's snapshot holds: its flow, total
 * and per-process records. Apart from snapshot.h, which takes them out of
 * the kernel, so that the parts of a snapshot that fill them (proc_cache.c)
 * and those that write them (store/) need not include the snapshotter.
 */
#ifndef NETMON_SNAPSHOT_RECORDS_H
#define NETMON_SNAPSHOT_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "netmon_user.h"

struct flow_record {
	struct flow_key key;
	struct flow_counters c;
};

/* Totals with the per-CPU values already summed. */
struct total_record {
	struct total_key key;
	struct total_counters c;
};

struct proc_record {
	struct proc_key key;
	struct proc_counters c;
};

struct proc_info_record {
	__u32 tgid;
	struct proc_info info;
};

struct snapshot {
	struct flow_record *flows;
	size_t n_flows, cap_flows;
	struct total_record *totals;
	size_t n_totals, cap_totals;
	struct proc_record *procs;         /* empty when per-process is off */
	size_t n_procs, cap_procs;
	struct proc_info_record *infos;    /* names of the processes, by tgid */
	size_t n_infos, cap_infos;
	/* Calls, and their bytes, that found the per-process table full in this
	 * interval: in no proc record (0 when per-process is off). */
	uint64_t proc_full_calls, proc_full_bytes;
	/* The kernel's map of removed cgroups' paths (proc_load.h); 0: none. */
	int cgroups_gone;
	/* DNS messages over TCP not whole in one segment, found by the names
	 * reader up to the flip (names_take_tcp_split()); set by the caller. */
	uint64_t dns_tcp_split;
	struct timespec wall;  /* CLOCK_REALTIME at the flip: the interval's end */
	uint64_t mono_ns;      /* CLOCK_MONOTONIC_COARSE at the flip */
	uint64_t duration_us;  /* time taken by flip + drain */
	uint32_t seq;          /* the flip sequence it was counted under (active_gen) */
	uint64_t run;          /* snapshot_maps.run: written with seq when not 0 */
};

#endif
