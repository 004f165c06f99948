/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * parse.bpf.h - header parsing shared by every hook (TC now, XDP next).
 *
 * Contract of every parse_* function: it reads through pkt_load() (which
 * bounds-checks against the real packet and works on non-linear skbs, so the
 * observer never has to pull or alter a packet), fills its part of struct
 * parsed, advances *off past its header and returns the next protocol,
 * PROTO_NO_L4, or a negative PARSE_* verdict. A header that does not end
 * inside the packet (pkt_len), or an IP length that reaches past it, makes
 * the packet malformed: only bytes that exist are counted as IP. All loops are
 * bounded constants.
 */
#ifndef NETMON_PARSE_BPF_H
#define NETMON_PARSE_BPF_H

#include "netmon.h"

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8
#define ETH_P_QINQ1_ 0x9100 /* pre-standard QinQ, still seen on switches */

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ESP_ 50
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_UDPLITE_ 136


#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/* Returned by the IP parsers instead of a protocol: no L4 header follows. */
#define PROTO_NO_L4 0x100

/* Verdicts of parse_packet(). */
#define PARSE_IP 0
#define PARSE_NON_IP 1
#define PARSE_MALFORMED 2

struct parsed {
	__u32 pkt_len;       /* in: bytes from the Ethernet header to the end */
	struct flow_key key; /* family, protocol, addresses, ports */
	__u32 l3_off;        /* offset of the IP header */
	__u32 l3_hdr_len;    /* IP header incl. options / extension headers */
	__u32 l4_hdr_len;    /* TCP/UDP header length repeated per GSO segment */
	__u32 l3_len;        /* L3 bytes from the header (0: take from packet) */
	__u32 frag_id;       /* IPv4 identification / IPv6 fragment identification */
	__u8 frag;           /* FRAG_NONE, FRAG_FIRST or FRAG_LATER */
	__u8 tcp_flags;
};

#define FRAG_NONE 0
#define FRAG_FIRST 1 /* offset 0, more fragments: carries the L4 header */
#define FRAG_LATER 2 /* offset > 0: no L4 header */

/*
 * One reader for every hook. is_xdp is a compile-time constant at each call
 * site, so the branch not taken disappears and each program calls only the
 * helper its type allows. Headers in the linear part of the packet (nearly
 * always) are copied straight from it; the helper, which also reads paged
 * data, is the fallback. Measured in bench/prog_cost.c.
 */
static __always_inline int pkt_load(void *ctx, int is_xdp, __u32 off, void *to, __u32 len)
{
	void *data, *data_end;

	if (is_xdp) {
		data = (void *)(long)((struct xdp_md *)ctx)->data;
		data_end = (void *)(long)((struct xdp_md *)ctx)->data_end;
	} else {
		data = (void *)(long)((struct __sk_buff *)ctx)->data;
		data_end = (void *)(long)((struct __sk_buff *)ctx)->data_end;
	}
	/*
	 * The bound lets the verifier accept a variable offset. The copy is
	 * declared aligned so that clang copies in words (as wide as the
	 * destination's alignment) and not byte by byte, which it must do for
	 * a plain char pointer on BPF: 40 loads, shifts and ORs for an IPv6
	 * header (IPv6 with an extension header 73 -> 63 ns a packet on TC,
	 * IPv4 -5 ns: bench/RESULTS.md). Headers often sit
	 * at 2-byte offsets: x86 and arm64 load unaligned words at no cost, and
	 * the verifier accepts unaligned packet reads where the kernel has
	 * CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS (both of them).
	 */
	if (off < 0x8000 && data + off + len <= data_end) {
		__builtin_memcpy(to, __builtin_assume_aligned(data + off, 8), len);
		return 0;
	}
	if (is_xdp)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

/* Ethernet and any stack of VLAN tags; returns the ethertype inside. */
static __always_inline int parse_l2(void *ctx, int is_xdp, __u32 *off)
{
	struct {
		__be16 tci;
		__be16 proto;
	} tag;
	__be16 proto;

	if (pkt_load(ctx, is_xdp, 12, &proto, sizeof(proto)))
		return -PARSE_MALFORMED;
	*off = ETH_HLEN_;

#pragma unroll
	for (int i = 0; i < NETMON_MAX_VLAN; i++) {
		__u16 p = bpf_ntohs(proto);

		if (p != ETH_P_8021Q_ && p != ETH_P_8021AD_ && p != ETH_P_QINQ1_)
			break;
		if (pkt_load(ctx, is_xdp, *off, &tag, sizeof(tag)))
			return -PARSE_MALFORMED;
		proto = tag.proto;
		*off += sizeof(tag);
	}
	return bpf_ntohs(proto);
}

static __always_inline int parse_ipv4(void *ctx, int is_xdp, __u32 *off, struct parsed *p)
{
	struct iphdr ip;
	__u32 hlen;

	if (pkt_load(ctx, is_xdp, *off, &ip, sizeof(ip)))
		return -PARSE_MALFORMED;
	hlen = ip.ihl * 4;
	if (ip.version != 4 || hlen < sizeof(ip) || *off + hlen > p->pkt_len)
		return -PARSE_MALFORMED;
	/* tot_len 0 is how BIG TCP GSO packets say "take the skb length". */
	if (ip.tot_len &&
	    (bpf_ntohs(ip.tot_len) < hlen || bpf_ntohs(ip.tot_len) > p->pkt_len - *off))
		return -PARSE_MALFORMED;
	p->key.family = NETMON_FAMILY_V4;
	p->key.protocol = ip.protocol;
	__builtin_memcpy(p->key.src, &ip.saddr, 4);
	__builtin_memcpy(p->key.dst, &ip.daddr, 4);
	p->l3_hdr_len = hlen;
	p->l3_len = bpf_ntohs(ip.tot_len);
	*off += hlen;
	/* RFC 791: MF is 0x2000, the offset the low 13 bits. A later fragment
	 * carries no L4 header. */
	p->frag_id = bpf_ntohs(ip.id);
	if (bpf_ntohs(ip.frag_off) & 0x1fff) {
		p->frag = FRAG_LATER;
		return PROTO_NO_L4;
	}
	if (bpf_ntohs(ip.frag_off) & 0x2000)
		p->frag = FRAG_FIRST;
	return ip.protocol;
}

static __always_inline int ipv6_ext_len(__u8 nexthdr, __u8 hdrlen)
{
	if (nexthdr == IPPROTO_AH_)
		return (hdrlen + 2) * 4; /* RFC 4302: 32-bit words minus 2 */
	return (hdrlen + 1) * 8;        /* RFC 8200: 8-octet units minus 1 */
}

static __always_inline int is_ipv6_ext(__u8 nexthdr)
{
	/* Mobility (135), HIP (139) and Shim6 (140) are in the extension-header
	 * registry but end the chain in practice (MH's next header is always
	 * 59): they are kept as the flow's protocol, which says more. */
	return nexthdr == IPPROTO_HOPOPTS_ || nexthdr == IPPROTO_ROUTING_ ||
	       nexthdr == IPPROTO_FRAGMENT_ || nexthdr == IPPROTO_DSTOPTS_ ||
	       nexthdr == IPPROTO_AH_;
}

static __always_inline int parse_ipv6(void *ctx, int is_xdp, __u32 *off, struct parsed *p)
{
	struct ipv6hdr ip6;
	struct {
		__u8 nexthdr;
		__u8 hdrlen;
		__be16 frag_off; /* fragment header only (RFC 8200 4.5) */
		__be32 frag_id;  /* fragment header only */
	} ext; /* 8 bytes: the smallest extension header */
	__u8 nexthdr;
	__u32 start;

	if (pkt_load(ctx, is_xdp, *off, &ip6, sizeof(ip6)))
		return -PARSE_MALFORMED;
	if (ip6.version != 6)
		return -PARSE_MALFORMED;
	if (bpf_ntohs(ip6.payload_len) + sizeof(ip6) > p->pkt_len - *off)
		return -PARSE_MALFORMED;
	p->key.family = NETMON_FAMILY_V6;
	__builtin_memcpy(p->key.src, &ip6.saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6.daddr, 16);
	/* payload_len 0 is a jumbogram / BIG TCP: the packet length tells. */
	p->l3_len = ip6.payload_len ? bpf_ntohs(ip6.payload_len) + sizeof(ip6) : 0;
	start = *off;
	*off += sizeof(ip6);
	nexthdr = ip6.nexthdr;

#pragma unroll
	for (int i = 0; i < NETMON_MAX_IPV6_EXT; i++) {
		if (!is_ipv6_ext(nexthdr))
			break;
		if (pkt_load(ctx, is_xdp, *off, &ext, sizeof(ext)))
			return -PARSE_MALFORMED;
		if (nexthdr == IPPROTO_FRAGMENT_) {
			*off += 8;
			if (*off > p->pkt_len)
				return -PARSE_MALFORMED;
			nexthdr = ext.nexthdr;
			p->frag_id = bpf_ntohl(ext.frag_id);
			/* Non-first fragment: no L4 header follows (RFC 8200 4.5). */
			if (bpf_ntohs(ext.frag_off) & 0xfff8) {
				p->frag = FRAG_LATER;
				p->key.protocol = nexthdr;
				p->l3_hdr_len = *off - start;
				return PROTO_NO_L4;
			}
			if (bpf_ntohs(ext.frag_off) & 1)
				p->frag = FRAG_FIRST;
			continue;
		}
		*off += ipv6_ext_len(nexthdr, ext.hdrlen);
		if (*off > p->pkt_len)
			return -PARSE_MALFORMED;
		nexthdr = ext.nexthdr;
	}
	if (is_ipv6_ext(nexthdr))
		return -PARSE_MALFORMED; /* chain longer than we walk */
	p->key.protocol = nexthdr;
	p->l3_hdr_len = *off - start;
	return nexthdr;
}

static __always_inline int parse_l4(void *ctx, int is_xdp, __u32 off, int proto, struct parsed *p)
{
	struct {
		__be16 sport;
		__be16 dport;
		__be32 seq;
		__be32 ack;
		__u8 doff_res; /* data offset in the high nibble */
		__u8 flags;
	} tcp;
	struct {
		__be16 sport;
		__be16 dport;
	} udp;
	struct {
		__u8 type;
		__u8 code;
	} icmp;

	switch (proto) {
	case IPPROTO_TCP_:
		if (pkt_load(ctx, is_xdp, off, &tcp, sizeof(tcp)))
			return PARSE_MALFORMED;
		if ((tcp.doff_res >> 4) < 5 || off + (tcp.doff_res >> 4) * 4 > p->pkt_len)
			return PARSE_MALFORMED;
		p->key.src_port = bpf_ntohs(tcp.sport);
		p->key.dst_port = bpf_ntohs(tcp.dport);
		p->tcp_flags = tcp.flags;
		p->l4_hdr_len = (tcp.doff_res >> 4) * 4;
		return PARSE_IP;
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_:
		if (off + 8 > p->pkt_len || pkt_load(ctx, is_xdp, off, &udp, sizeof(udp)))
			return PARSE_MALFORMED;
		p->key.src_port = bpf_ntohs(udp.sport);
		p->key.dst_port = bpf_ntohs(udp.dport);
		p->l4_hdr_len = 8;
		return PARSE_IP;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		/* type, code and checksum: the smallest ICMP header (RFC 792) */
		if (off + 4 > p->pkt_len || pkt_load(ctx, is_xdp, off, &icmp, sizeof(icmp)))
			return PARSE_MALFORMED;
		p->key.src_port = icmp.type;
		p->key.dst_port = icmp.code;
		return PARSE_IP;
	default:
		return PARSE_IP; /* other protocols: addresses only */
	}
}

/*
 * Parse one frame of pkt_len bytes starting at its Ethernet header. p must
 * be zeroed by the caller (the key's padding is compared by the hash map).
 */
static __always_inline int parse_packet(void *ctx, int is_xdp, __u32 pkt_len, struct parsed *p)
{
	__u32 off = 0;
	int proto;

	p->pkt_len = pkt_len;
	proto = parse_l2(ctx, is_xdp, &off);
	if (proto < 0)
		return PARSE_MALFORMED;
	p->l3_off = off;
	if (proto == ETH_P_IP_)
		proto = parse_ipv4(ctx, is_xdp, &off, p);
	else if (proto == ETH_P_IPV6_)
		proto = parse_ipv6(ctx, is_xdp, &off, p);
	else
		return PARSE_NON_IP;
	if (proto < 0)
		return -proto;
	if (proto == PROTO_NO_L4)
		return PARSE_IP;
	return parse_l4(ctx, is_xdp, off, proto, p);
}

#endif /* NETMON_PARSE_BPF_H */
