/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dns.bpf.h - DNS responses for host names (flow.bpf.c): every received
 * UDP or TCP packet from port 53 that carries a payload goes, its first
 * NETMON_DNS_MAX payload bytes, into a ring buffer that the recorder reads
 * (recorder/names/names.c), which parses it in user space: a DNS message is
 * hostile input, and a parser of it in the kernel would be neither short nor
 * cheap to verify.
 *
 * The cost for every other packet is the compare of the source port that
 * flow.bpf.c makes before calling in here (dns_names is frozen in .rodata:
 * off, the verifier removes the branch; the egress program, whose direction
 * is a constant, never has it). Received responses only: they are what the
 * host was told; a host that answers (a resolver) is told nothing.
 *
 * Each response is counted in the interval's totals (NETMON_KIND_DNS), or
 * as lost when the ring had no room (NETMON_KIND_DNS_DROP), per map
 * generation like every other total, so both belong to their interval
 * exactly (intervals.dns_messages, dns_dropped).
 */
#ifndef NETMON_DNS_BPF_H
#define NETMON_DNS_BPF_H

#include "netmon.h"
#include "parse.bpf.h"

/* The same size on or off, so that an adopting run can reuse the pin. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NETMON_DNS_RING_BYTES);
} dns_ring SEC(".maps");

/* 1: pass responses (set by the loader; --no-names leaves it 0). */
const volatile __u8 dns_names = 0;

/* A helper read: the packet may be non-linear, and a global function's
 * context allows no direct packet access. */
static __always_inline long bpf_skb_load_bytes_or_xdp(void *ctx, int is_xdp, __u32 off, void *to,
						      __u32 len)
{
	return is_xdp ? bpf_xdp_load_bytes(ctx, off, to, len)
		      : bpf_skb_load_bytes(ctx, off, to, len);
}

/*
 * The message of head into the ring, from the payload at off. Returns the
 * totals kind: passed, or lost when the ring was full (or, never seen, the
 * copy failed).
 */
static __always_inline __u8 ring_pass(void *ctx, int is_xdp, const struct dns_head *head, __u32 off,
				      __u32 avail, __u8 passed, __u8 lost)
{
	struct dns_record *r;
	__u32 caplen = head->len;
	long err;

	if (caplen > avail)
		caplen = avail; /* offline: a frame longer than test_run takes */
	/* Bounds the verifier can see. */
	if (caplen > NETMON_DNS_MAX)
		caplen = NETMON_DNS_MAX;
	if (caplen < 1)
		return lost;
	r = bpf_ringbuf_reserve(&dns_ring, sizeof(*r), 0);
	if (!r)
		return lost;
	__builtin_memcpy(&r->h, head, sizeof(r->h));
	r->h.caplen = caplen;
	err = bpf_skb_load_bytes_or_xdp(ctx, is_xdp, off, r->data, caplen);
	if (err) {
		bpf_ringbuf_discard(r, 0);
		return lost;
	}
	bpf_ringbuf_submit(r, 0);
	return passed;
}

/*
 * The head of a UDP or TCP packet's payload (TCP: with its sequence number)
 * into *h, and where the payload starts in the packet (*off) and how much of
 * it the program can read (*avail). 0, or -1 when there is no payload or the
 * packet is a fragment.
 */
static __always_inline int payload_head(void *ctx, int is_xdp, const struct parsed *p,
					__u32 ifindex, __u32 pkt_len, __u64 tstamp_ns,
					__u8 direction, struct dns_head *h, __u32 *off_out,
					__u32 *avail)
{
	__u32 off = p->l3_off + p->l3_hdr_len, end;
	__be32 seq = 0;

	if ((p->key.protocol != IPPROTO_UDP_ && p->key.protocol != IPPROTO_TCP_) ||
	    p->frag != FRAG_NONE)
		return -1;
	/* The IP length says where the payload ends (Ethernet may pad). */
	end = p->l3_len ? p->l3_off + p->l3_len : pkt_len;
	if (p->key.protocol == IPPROTO_TCP_) {
		if (bpf_skb_load_bytes_or_xdp(ctx, is_xdp, off + 4, &seq, sizeof(seq)))
			return -1;
		off += p->l4_hdr_len;
	} else {
		off += 8;
	}
	if (end <= off || end - off > 0xffff)
		return -1; /* no payload: a TCP handshake or ACK */
	h->tstamp_ns = tstamp_ns;
	h->ifindex = ifindex;
	h->len = end - off;
	h->seq = bpf_ntohl(seq);
	h->src_port = p->key.src_port;
	h->dst_port = p->key.dst_port;
	h->family = p->key.family;
	h->protocol = p->key.protocol;
	h->direction = direction;
	__builtin_memcpy(h->src, p->key.src, 16);
	__builtin_memcpy(h->dst, p->key.dst, 16);
	*avail = is_xdp ? bpf_xdp_get_buff_len(ctx) : ((struct __sk_buff *)ctx)->len;
	if (off >= *avail)
		return -1;
	*avail -= off;
	*off_out = off;
	return 0;
}

/*
 * A packet from port 53 (the caller compared): a response with a payload
 * into the ring. Returns the totals kind to count it in (0: none) in bits
 * 0-7, its payload bytes above.
 */
static __always_inline int dns_response(void *ctx, int is_xdp, const struct parsed *p,
					__u32 ifindex, __u32 pkt_len, __u64 tstamp_ns)
{
	struct dns_head h = {};
	__u32 off, avail;
	__u8 kind;

	if (payload_head(ctx, is_xdp, p, ifindex, pkt_len, tstamp_ns, NETMON_DIR_IN, &h, &off,
			 &avail))
		return 0;
	kind = ring_pass(ctx, is_xdp, &h, off, avail, NETMON_KIND_DNS, NETMON_KIND_DNS_DROP);
	return kind | (int)h.len << 8;
}

/*
 * Global functions, one per context type, as the sampler's: the verifier
 * checks each once, on its own, not again behind every path of the parser
 * (inlined, the ingress program went past the verifier's million
 * instructions).
 */
__noinline int netmon_dns_skb(struct __sk_buff *skb, const struct parsed *p, __u32 pkt_len,
			      __u64 tstamp_ns)
{
	return skb && p ? dns_response(skb, 0, p, skb->ifindex, pkt_len, tstamp_ns) : 0;
}

__noinline int netmon_dns_xdp(struct xdp_md *xdp, const struct parsed *p, __u32 pkt_len,
			      __u64 tstamp_ns)
{
	return xdp && p ? dns_response(xdp, 1, p, xdp->ingress_ifindex, pkt_len, tstamp_ns) : 0;
}

#endif /* NETMON_DNS_BPF_H */
