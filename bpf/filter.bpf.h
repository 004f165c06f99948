/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filter.bpf.h - capture filters for flow.bpf.c (--include, --exclude):
 * which parsed IP packets go into the flow tables. A packet left out is
 * still counted in its interface's IP totals, and again in the totals of
 * kind NETMON_KIND_EXCLUDED, so that flows + table-full + excluded = IP
 * totals, packet for packet and byte for byte (docs/design.md, "Capture
 * filters").
 *
 * A rule PREFIX[:PROTO[/PORT]] matches an endpoint of the packet: its source
 * address in PREFIX (with, if given, the packet's protocol PROTO and its
 * source port PORT), or its destination address in PREFIX (with PROTO and
 * the destination port). So one rule takes both directions of a
 * conversation. A packet matched by an exclude rule is left out; with
 * include rules, so is one that no include rule matches. Exclude wins.
 *
 * Off (no rule in the generation: filter_mode[gen] 0) a packet costs one
 * load and a branch; the trie is never looked up.
 */
#ifndef NETMON_FILTER_BPF_H
#define NETMON_FILTER_BPF_H

#include "netmon.h"

/* Both generations' prefixes (netmon.h, struct filter_key). Written by the
 * recorder only in the generation the programs do not use. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NETMON_GENERATIONS *NETMON_FILTER_MAX_PREFIXES);
	__type(key, struct filter_key);
	__type(value, struct filter_value);
} filter_rules SEC(".maps");

/* NETMON_FILTER_* bits of each generation; only user space writes them. */
__u32 filter_mode[NETMON_GENERATIONS] = {};

/* The actions of the rules matching one endpoint (address, port). */
static __always_inline __u32 filter_endpoint(__u32 gen, const struct flow_key *k, const __u8 *addr,
					     __u16 port)
{
	struct filter_key fk = { .prefixlen = 32 + 128, .gen = (__u8)gen, .family = k->family };
	struct filter_value *v;
	__u32 actions;

	__builtin_memcpy(fk.addr, addr, 16);
	v = bpf_map_lookup_elem(&filter_rules, &fk);
	if (!v)
		return 0;
	actions = v->any;
#pragma unroll
	for (int i = 0; i < NETMON_FILTER_MAX_SERVICES; i++) {
		const struct filter_service *s = &v->services[i];

		if (i >= v->n)
			break;
		if (s->protocol == k->protocol && (!s->port || s->port == port))
			actions |= s->action;
	}
	return actions;
}

/* Whether the generation's rules leave this packet out of the flows. */
static __always_inline int filter_excludes(__u32 gen, const struct flow_key *k)
{
	__u32 mode = filter_mode[gen & 1], actions;

	if (!mode)
		return 0;
	actions = filter_endpoint(gen & 1, k, k->src, k->src_port) |
		  filter_endpoint(gen & 1, k, k->dst, k->dst_port);
	if (actions & NETMON_FILTER_EXCLUDE)
		return 1;
	return (mode & NETMON_FILTER_INCLUDING) && !(actions & NETMON_FILTER_INCLUDE);
}

#endif /* NETMON_FILTER_BPF_H */
