/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * netmon_user.h - bpf/netmon.h for user space, with its layout pinned down:
 * a struct that changes size here no longer matches what the BPF programs
 * write, so the build stops instead of the counts going wrong.
 */
#ifndef NETMON_USER_H
#define NETMON_USER_H

#include <stddef.h>
#include <linux/types.h>
#include "netmon.h"

_Static_assert(sizeof(struct flow_key) == 44, "ABI: flow_key");
_Static_assert(offsetof(struct flow_key, src) == 12, "ABI: flow_key.src");
_Static_assert(sizeof(struct flow_counters) == 48, "ABI: flow_counters");
_Static_assert(sizeof(struct total_key) == 8, "ABI: total_key");
_Static_assert(sizeof(struct total_counters) == 48, "ABI: total_counters");
_Static_assert(sizeof(struct proc_key) == 28, "ABI: proc_key");
_Static_assert(sizeof(struct proc_counters) == 32, "ABI: proc_counters");
_Static_assert(sizeof(struct proc_info) == 48, "ABI: proc_info");
_Static_assert(offsetof(struct proc_info, cgroup_id) == 40, "ABI: proc_info.cgroup_id");
_Static_assert(sizeof(struct cgroup_gone) == 256, "ABI: cgroup_gone");
_Static_assert(sizeof(struct flow4_slot) == 16, "ABI: flow4_slot");
_Static_assert(sizeof(struct flow6_slot) == 48, "ABI: flow6_slot");
_Static_assert(offsetof(struct flow6_slot, src) == 16, "ABI: flow6_slot.src");
_Static_assert(sizeof(struct flow_gen_counters) == 32, "ABI: flow_gen_counters");
_Static_assert(sizeof(struct flow_slot_counters) == 64, "ABI: flow_slot_counters");
_Static_assert(sizeof(struct dns_head) == 64, "ABI: dns_head");
_Static_assert(offsetof(struct dns_head, src) == 32, "ABI: dns_head.src");
_Static_assert(sizeof(struct filter_key) == 24, "ABI: filter_key");
_Static_assert(sizeof(struct filter_value) == 36, "ABI: filter_value");

/* Buckets of a flow table with room for max_flows flows (1.2 slots each). */
static inline __u32 netmon_table_buckets(unsigned int max_flows)
{
	__u64 slots = ((__u64)max_flows * NETMON_SLOTS_PER_FLOW_X10 + 9) / 10;

	return (__u32)((slots + NETMON_BUCKET_SLOTS - 1) / NETMON_BUCKET_SLOTS);
}

/* Kernel memory of that table's slots, counters and tags (a byte per slot),
 * in bytes, for a family (NETMON_FAMILY_V4 or _V6); fdinfo's memlock adds a
 * page or so. */
static inline unsigned long long netmon_table_bytes(unsigned int max_flows, int family)
{
	size_t slot = family == NETMON_FAMILY_V6 ? sizeof(struct flow6_slot)
						 : sizeof(struct flow4_slot);

	return (unsigned long long)netmon_table_buckets(max_flows) * NETMON_BUCKET_SLOTS *
	       (slot + sizeof(struct flow_slot_counters) + 1);
}

#endif
