/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sample.bpf.h - packet sampling for flow.bpf.c (--sample N): the first
 * bytes of 1 in N packets go into a ring buffer, which the recorder writes to
 * a pcapng file (recorder/capture/sample.c).
 *
 * Which packets: a per-CPU counter, not a random draw. Every Nth packet each
 * CPU sees is taken, so --sample 1 takes every packet and a burst of n packets
 * on one CPU gives exactly floor(n / N) samples, which the tests check; a
 * random draw (bpf_get_prandom_u32() < 2^32 / N) would only be right on
 * average. The price: traffic whose packets repeat with a period dividing N
 * is sampled unevenly (docs/design.md, "Packet sampling"). The counter lives
 * in a PERCPU_ARRAY (no atomics, no cache line shared between CPUs).
 *
 * Off (N = 0, frozen in .rodata) the verifier removes the call: the hot path
 * is unchanged.
 */
#ifndef NETMON_SAMPLE_BPF_H
#define NETMON_SAMPLE_BPF_H

#include "netmon.h"

/* Sized by the loader (--sample-ring); one page when sampling is off. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} samples SEC(".maps");

/* Packets since this CPU's last sample. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sample_count SEC(".maps");

/* 1 in sample_every packets, 0: off. Bytes copied: 1..NETMON_SNAP_MAX. */
const volatile __u32 sample_every = 0;
const volatile __u32 sample_snaplen = NETMON_SNAP_DEFAULT;

/* This CPU's Nth packet since its last sample? */
static __always_inline int sample_due(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&sample_count, &zero);

	if (!n)
		return 0;
	if (++*n < sample_every)
		return 0;
	*n = 0;
	return 1;
}

/*
 * Sample the packet if it is due. Returns the totals kind to count it in:
 * NETMON_KIND_SAMPLED when it is in the ring, NETMON_KIND_SAMPLE_DROP when
 * the ring had no room (or, never seen, the copy failed), 0 when not sampled.
 */
static __always_inline __u8 sample_packet(void *ctx, int is_xdp, __u32 ifindex, __u32 len,
					  __u8 direction)
{
	struct sample_record *r;
	__u32 caplen = len;
	long err;

	if (!sample_due())
		return 0;
	r = bpf_ringbuf_reserve(&samples, sizeof(*r), 0);
	if (!r)
		return NETMON_KIND_SAMPLE_DROP;
	if (caplen > sample_snaplen)
		caplen = sample_snaplen;
	/* Bounds the verifier can see (sample_snaplen is checked by the loader). */
	if (caplen > NETMON_SNAP_MAX)
		caplen = NETMON_SNAP_MAX;
	if (caplen < 1) {
		bpf_ringbuf_discard(r, 0);
		return NETMON_KIND_SAMPLE_DROP;
	}
	r->tstamp_ns = bpf_ktime_get_ns();
	r->ifindex = ifindex;
	r->len = len;
	r->caplen = caplen;
	r->direction = direction;
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	/* Both helpers read paged data too, and never change the packet. */
	if (is_xdp)
		err = bpf_xdp_load_bytes(ctx, 0, r->data, caplen);
	else
		err = bpf_skb_load_bytes(ctx, 0, r->data, caplen);
	if (err) {
		bpf_ringbuf_discard(r, 0);
		return NETMON_KIND_SAMPLE_DROP;
	}
	bpf_ringbuf_submit(r, 0);
	return NETMON_KIND_SAMPLED;
}

#endif /* NETMON_SAMPLE_BPF_H */
