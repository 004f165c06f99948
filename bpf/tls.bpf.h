/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tls.bpf.h - the server names of the TLS connections the host opens
 * (flow.bpf.c): the first segment of a ClientHello sent to TCP port 443
 * goes, its first NETMON_DNS_MAX payload bytes, into the DNS responses' ring
 * (dns.bpf.h) with direction NETMON_DIR_OUT, and the recorder takes the
 * server_name extension (RFC 6066 section 3) from it in user space
 * (recorder/names/tls_hello.c), as it parses DNS there.
 *
 * Cost: the egress program compares the destination port (frozen off with
 * --no-names, as DNS); a TCP segment sent to port 443 without a payload (a
 * handshake, a bare ACK) costs a length compare more; one with a payload has
 * its first 6 payload bytes read to tell a ClientHello (a handshake record
 * whose message type is 1) from application data, which is all the other
 * segments of a connection and is never passed. Live, the clock is read
 * for a ClientHello only (~30 ns on these VMs: bench/RESULTS.md). The
 * ingress and XDP programs never have the branch (their direction is a
 * constant).
 *
 * Counted in the interval's totals: NETMON_KIND_TLS_HELLO, or
 * NETMON_KIND_TLS_DROP when the ring had no room (intervals.tls_hellos,
 * tls_dropped). Not read: QUIC (its ClientHello is encrypted), a
 * ClientHello to another port, and one whose server_name extension starts
 * past the first segment's first NETMON_DNS_MAX bytes (counted by the
 * recorder as read without a name).
 */
#ifndef NETMON_TLS_BPF_H
#define NETMON_TLS_BPF_H

#include "dns.bpf.h"

#define TLS_RECORD_HANDSHAKE 22
#define TLS_CLIENT_HELLO 1

/*
 * A TCP segment sent to port 443 (the caller compared): a ClientHello's
 * first segment into the ring, stamped tstamp_ns (0: now, read here only for
 * a ClientHello). Returns the totals kind to count it in (0: none, not a
 * ClientHello) in bits 0-7, its payload bytes above.
 */
static __always_inline int tls_hello(struct __sk_buff *skb, const struct parsed *p,
				     __u32 pkt_len, __u64 tstamp_ns)
{
	struct dns_head h = {};
	__u8 first[6];
	__u32 off, avail;
	__u8 kind;

	if (p->key.protocol != IPPROTO_TCP_ ||
	    payload_head(skb, 0, p, skb->ifindex, pkt_len, tstamp_ns, NETMON_DIR_OUT, &h, &off,
			 &avail))
		return 0;
	/* Record type, version major, length (2), then the handshake type. */
	if (avail < sizeof(first) || bpf_skb_load_bytes(skb, off, first, sizeof(first)) ||
	    first[0] != TLS_RECORD_HANDSHAKE || first[1] != 3 || first[5] != TLS_CLIENT_HELLO)
		return 0;
	if (!h.tstamp_ns)
		h.tstamp_ns = bpf_ktime_get_ns();
	kind = ring_pass(skb, 0, &h, off, avail, NETMON_KIND_TLS_HELLO, NETMON_KIND_TLS_DROP);
	return kind | (int)h.len << 8;
}

/* A global function, as the DNS path's (dns.bpf.h): verified once, on its own. */
__noinline int netmon_tls_skb(struct __sk_buff *skb, const struct parsed *p, __u32 pkt_len,
			      __u64 tstamp_ns)
{
	return skb && p ? tls_hello(skb, p, pkt_len, tstamp_ns) : 0;
}

#endif /* NETMON_TLS_BPF_H */
