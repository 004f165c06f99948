/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * frames.h - a small Ethernet frame builder for BPF_PROG_TEST_RUN.
 *
 * Layers are appended in wire order; each one writes its type into the field
 * the previous layer left open (ethertype of Ethernet/VLAN, protocol of IPv4,
 * next header of IPv6 and its extension headers), so a frame is consistent by
 * construction. frame_finish() then fills every length field (IPv4 total
 * length, IPv6 payload length, UDP length) and the IPv4 header checksum.
 * L4 checksums stay zero: the observer never verifies them.
 *
 * Malformed frames are made by building a good one and then breaking it:
 * frame_truncate(), frame_put8()/frame_put16() on the offsets kept here.
 */
#ifndef NETMON_TESTS_FRAMES_H
#define NETMON_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 16384

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88A8
#define ETHERTYPE_QINQ1 0x9100
#define ETHERTYPE_LLDP 0x88CC

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
#define TCPF_ECE 0x40
#define TCPF_CWR 0x80

struct frame {
	uint8_t data[FRAME_MAX];
	size_t len;
	size_t type_off;  /* ethertype the next layer fills in (0: none open) */
	size_t proto_off; /* IP protocol / next header the next layer fills in */
	size_t l3_off;	  /* start of the IP header */
	size_t l4_off;	  /* start of the TCP/UDP/ICMP header */
	size_t udp_off;	  /* UDP header whose length frame_finish() sets, or 0 */
	int ip_version;	  /* 4, 6, or 0 before an IP layer */
	size_t frag_hdr_off; /* IPv6 fragment header, or 0 */
};

/* Destination and source MAC; the ethertype is left open. */
void frame_eth(struct frame *f);
/* One VLAN tag (tpid goes into the open ethertype); leaves the inner one open. */
void frame_vlan(struct frame *f, uint16_t tpid, uint16_t vid);
/* Close the open ethertype with any value (LLDP, an 802.3 length...). */
void frame_ethertype(struct frame *f, uint16_t type);
/* An ARP request (28 bytes). */
void frame_arp(struct frame *f);

/* IPv4 header of ihl 32-bit words (5..15; options are NOPs then EOL). */
void frame_ipv4(struct frame *f, const char *src, const char *dst);
void frame_ipv4_ihl(struct frame *f, const char *src, const char *dst, unsigned int ihl);
/* Fragment offset in 8-byte units and the More Fragments flag. */
void frame_ipv4_frag(struct frame *f, uint16_t offset8, int more);

void frame_ipv6(struct frame *f, const char *src, const char *dst);
/*
 * Extension header (hop-by-hop 0, routing 43, destination options 60, AH 51,
 * mobility 135 ...) of len bytes; its length field is encoded the RFC 8200
 * way (8-octet units minus 1) or, for AH, the RFC 4302 way (4-octet units
 * minus 2). The body is PadN / zero filled.
 */
void frame_ipv6_ext(struct frame *f, uint8_t type, size_t len);
/* Fragment header: offset in 8-byte units, More Fragments flag. */
void frame_ipv6_frag(struct frame *f, uint16_t offset8, int more);
/* The datagram's identification: IPv4 header, or the IPv6 fragment header. */
void frame_ip_id(struct frame *f, uint32_t id);

/* TCP with data offset doff 32-bit words (5..15; options are NOPs). */
void frame_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags);
void frame_tcp_doff(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags,
		    unsigned int doff);
void frame_udp(struct frame *f, uint16_t sport, uint16_t dport);
/* ICMP after IPv4, ICMPv6 after IPv6: type, code, checksum, 4 bytes rest. */
void frame_icmp(struct frame *f, uint8_t type, uint8_t code);
/* Close the open IP protocol with proto and add no header (ESP, GRE...). */
void frame_proto(struct frame *f, uint8_t proto);
/* n bytes of payload (a counting pattern). */
void frame_payload(struct frame *f, size_t n);

/* Fill the length fields and the IPv4 header checksum. */
void frame_finish(struct frame *f);
/* Zero bytes up to min_len, after frame_finish(): an Ethernet pad / trailer. */
void frame_pad(struct frame *f, size_t min_len);
/* Cut the frame after its first len bytes (length fields stay as built). */
void frame_truncate(struct frame *f, size_t len);

void frame_put8(struct frame *f, size_t off, uint8_t v);
void frame_put16(struct frame *f, size_t off, uint16_t v); /* big endian */
uint16_t frame_get16(const struct frame *f, size_t off);

/* L3 bytes as the flow counters count them: IPv4 total length, IPv6 payload
 * length + 40, read back from the built header. */
uint64_t frame_l3_len(const struct frame *f);

/* Run the TC program prog_fd once over f (BPF_PROG_TEST_RUN, an skb on
 * loopback), its return value into *retval. 0 or -errno. */
int frame_run_tc(int prog_fd, const struct frame *f, int *retval);

#endif
