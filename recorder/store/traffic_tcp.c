// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * traffic_tcp.c - the TCP flag counts of an interval's totals rows. The
 * kernel counts them only for packets in no flow (bpf/flow.bpf.c,
 * add_full()): a packet of a known flow adds packets and bytes to its
 * totals and nothing more, so the IP totals' counts are made here from the
 * interval's flows, once per interval, off the datapath.
 */
#include <errno.h>
#include <stdlib.h>
#include "traffic_tcp.h"

/* The kind-IP TCP rows by interface, direction and family: open addressing,
 * a power of two of slots holding a row's index + 1 (0: empty). */
struct ip_index {
	uint32_t *slot;
	size_t mask;
};

static size_t ip_hash(__u32 ifindex, __u8 direction, __u8 family, size_t mask)
{
	uint64_t k = (uint64_t)ifindex << 9 | (uint64_t)direction << 8 | family;

	return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/* The kind-IP TCP row of a key, or -1. */
static long ip_row(const struct ip_index *x, const struct snapshot *snap, __u32 ifindex,
		   __u8 direction, __u8 family)
{
	for (size_t h = ip_hash(ifindex, direction, family, x->mask);; h = (h + 1) & x->mask) {
		const struct total_key *k;

		if (!x->slot[h])
			return -1;
		k = &snap->totals[x->slot[h] - 1].key;
		if (k->ifindex == ifindex && k->direction == direction && k->family == family)
			return (long)x->slot[h] - 1;
	}
}

static int is_ip_tcp(const struct total_key *k)
{
	return k->kind == NETMON_KIND_IP && k->protocol == 6;
}

static int index_ip_rows(const struct snapshot *snap, struct ip_index *x)
{
	size_t n = 2;

	while (n < 2 * snap->n_totals)
		n *= 2;
	x->slot = calloc(n, sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	x->mask = n - 1;
	for (size_t i = 0; i < snap->n_totals; i++) {
		const struct total_key *k = &snap->totals[i].key;
		size_t h;

		if (!is_ip_tcp(k) || ip_row(x, snap, k->ifindex, k->direction, k->family) >= 0)
			continue;
		for (h = ip_hash(k->ifindex, k->direction, k->family, x->mask); x->slot[h];
		     h = (h + 1) & x->mask)
			;
		x->slot[h] = (uint32_t)i + 1;
	}
	return 0;
}

static void add_counts(struct traffic_tcp *t, uint64_t syn, uint64_t fin, uint64_t rst,
		       uint32_t flags)
{
	t->syn += syn;
	t->fin += fin;
	t->rst += rst;
	t->flags |= flags;
}

int traffic_tcp_sums(const struct snapshot *snap, struct traffic_tcp **out)
{
	struct traffic_tcp *t = calloc(snap->n_totals ? snap->n_totals : 1, sizeof(*t));
	struct ip_index x = { 0 };
	long row;

	if (!t || index_ip_rows(snap, &x)) {
		free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < snap->n_totals; i++) {
		const struct total_record *r = &snap->totals[i];
		__u8 kind = r->key.kind;

		t[i].known = kind == NETMON_KIND_IP || kind == NETMON_KIND_TABLE_FULL ||
			     kind == NETMON_KIND_EXCLUDED;
		if (kind != NETMON_KIND_TABLE_FULL && kind != NETMON_KIND_EXCLUDED)
			continue;
		add_counts(&t[i], r->c.syn, r->c.fin, r->c.rst, r->c.tcp_flags);
		row = r->key.protocol == 6
			      ? ip_row(&x, snap, r->key.ifindex, r->key.direction, r->key.family)
			      : -1;
		if (row >= 0)
			add_counts(&t[row], r->c.syn, r->c.fin, r->c.rst, r->c.tcp_flags);
	}
	for (size_t i = 0; i < snap->n_flows; i++) {
		const struct flow_record *f = &snap->flows[i];

		if (f->key.protocol != 6 || !f->c.tcp_flags)
			continue;
		row = ip_row(&x, snap, f->key.ifindex, f->key.direction, f->key.family);
		if (row >= 0)
			add_counts(&t[row], f->c.syn, f->c.fin, f->c.rst, f->c.tcp_flags);
	}
	free(x.slot);
	*out = t;
	return 0;
}
