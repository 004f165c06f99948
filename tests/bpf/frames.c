// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * frames.c - see frames.h. Builder misuse (overflow, a layer with no open
 * field to close) is a bug in the test itself, so it aborts.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "frames.h"

#define IPV4_HLEN 20
#define IPV6_HLEN 40

static uint8_t *frame_grow(struct frame *f, size_t n)
{
	uint8_t *p;

	assert(f->len + n <= FRAME_MAX);
	p = f->data + f->len;
	memset(p, 0, n);
	f->len += n;
	return p;
}

void frame_put8(struct frame *f, size_t off, uint8_t v)
{
	assert(off < FRAME_MAX);
	f->data[off] = v;
}

void frame_put16(struct frame *f, size_t off, uint16_t v)
{
	assert(off + 1 < FRAME_MAX);
	f->data[off] = v >> 8;
	f->data[off + 1] = v & 0xff;
}

uint16_t frame_get16(const struct frame *f, size_t off)
{
	return (uint16_t)(f->data[off] << 8 | f->data[off + 1]);
}

/* Close the open ethertype: every L2 layer after Ethernet needs one. */
static void close_type(struct frame *f, uint16_t type)
{
	assert(f->type_off);
	frame_put16(f, f->type_off, type);
	f->type_off = 0;
}

static void close_proto(struct frame *f, uint8_t proto)
{
	assert(f->proto_off);
	frame_put8(f, f->proto_off, proto);
	f->proto_off = 0;
}

void frame_eth(struct frame *f)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };

	memset(f, 0, sizeof(*f));
	memcpy(frame_grow(f, 14), macs, sizeof(macs));
	f->type_off = 12;
}

void frame_vlan(struct frame *f, uint16_t tpid, uint16_t vid)
{
	size_t off = f->len;

	close_type(f, tpid);
	frame_grow(f, 4);
	frame_put16(f, off, vid & 0x0fff);
	f->type_off = off + 2;
}

void frame_ethertype(struct frame *f, uint16_t type)
{
	close_type(f, type);
}

void frame_arp(struct frame *f)
{
	static const uint8_t req[8] = { 0, 1, 0x08, 0, 6, 4, 0, 1 }; /* Ethernet/IPv4 request */
	uint8_t *p;

	close_type(f, ETHERTYPE_ARP);
	p = frame_grow(f, 28);
	memcpy(p, req, sizeof(req));
}

void frame_ipv4_ihl(struct frame *f, const char *src, const char *dst, unsigned int ihl)
{
	size_t hlen = ihl * 4;
	uint8_t *p;

	assert(ihl >= 5 && ihl <= 15);
	close_type(f, ETHERTYPE_IPV4);
	f->l3_off = f->len;
	p = frame_grow(f, hlen);
	p[0] = 0x40 | ihl;
	p[8] = 64; /* TTL */
	assert(inet_pton(AF_INET, src, p + 12) == 1);
	assert(inet_pton(AF_INET, dst, p + 16) == 1);
	/* Options: NOPs closed by End of Option List (RFC 791). */
	if (hlen > IPV4_HLEN) {
		memset(p + IPV4_HLEN, 1, hlen - IPV4_HLEN);
		p[hlen - 1] = 0;
	}
	f->proto_off = f->l3_off + 9;
	f->ip_version = 4;
}

void frame_ipv4(struct frame *f, const char *src, const char *dst)
{
	frame_ipv4_ihl(f, src, dst, 5);
}

void frame_ipv4_frag(struct frame *f, uint16_t offset8, int more)
{
	assert(f->ip_version == 4 && offset8 < 0x2000);
	frame_put16(f, f->l3_off + 6, (uint16_t)(offset8 | (more ? 0x2000 : 0)));
}

void frame_ipv6(struct frame *f, const char *src, const char *dst)
{
	uint8_t *p;

	close_type(f, ETHERTYPE_IPV6);
	f->l3_off = f->len;
	p = frame_grow(f, IPV6_HLEN);
	p[0] = 0x60;
	p[7] = 64; /* hop limit */
	assert(inet_pton(AF_INET6, src, p + 8) == 1);
	assert(inet_pton(AF_INET6, dst, p + 24) == 1);
	f->proto_off = f->l3_off + 6;
	f->ip_version = 6;
}

void frame_ipv6_ext(struct frame *f, uint8_t type, size_t len)
{
	size_t off = f->len;
	uint8_t *p;

	if (type == 51) {
		assert(len >= 12 && len % 4 == 0); /* AH: RFC 4302 section 2.2 */
	} else {
		assert(len >= 8 && len % 8 == 0 && len <= 2048);
	}
	close_proto(f, type);
	p = frame_grow(f, len);
	p[1] = type == 51 ? len / 4 - 2 : len / 8 - 1;
	/* Hop-by-hop and destination options must hold valid options: one PadN. */
	if (type == 0 || type == 60) {
		p[2] = 1;
		p[3] = (uint8_t)(len - 4);
	}
	f->proto_off = off;
}

void frame_ipv6_frag(struct frame *f, uint16_t offset8, int more)
{
	size_t off = f->len;
	uint8_t *p;

	assert(offset8 < 0x2000);
	close_proto(f, 44);
	p = frame_grow(f, 8);
	frame_put16(f, off + 2, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	p[7] = 0x2a; /* identification */
	f->proto_off = off;
	f->frag_hdr_off = off;
}

void frame_ip_id(struct frame *f, uint32_t id)
{
	if (f->ip_version == 4) {
		assert(id <= 0xffff);
		frame_put16(f, f->l3_off + 4, (uint16_t)id);
		return;
	}
	assert(f->ip_version == 6 && f->frag_hdr_off);
	frame_put16(f, f->frag_hdr_off + 4, (uint16_t)(id >> 16));
	frame_put16(f, f->frag_hdr_off + 6, (uint16_t)id);
}

void frame_tcp_doff(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags,
		    unsigned int doff)
{
	uint8_t *p;

	assert(doff >= 5 && doff <= 15);
	close_proto(f, 6);
	f->l4_off = f->len;
	p = frame_grow(f, doff * 4);
	frame_put16(f, f->l4_off, sport);
	frame_put16(f, f->l4_off + 2, dport);
	p[7] = 1; /* sequence number */
	p[12] = (uint8_t)(doff << 4);
	p[13] = flags;
	frame_put16(f, f->l4_off + 14, 65535); /* window */
	memset(p + 20, 1, doff * 4 - 20);      /* NOP options */
}

void frame_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	frame_tcp_doff(f, sport, dport, flags, 5);
}

void frame_udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	close_proto(f, 17);
	f->l4_off = f->len;
	f->udp_off = f->len;
	frame_grow(f, 8);
	frame_put16(f, f->l4_off, sport);
	frame_put16(f, f->l4_off + 2, dport);
}

void frame_icmp(struct frame *f, uint8_t type, uint8_t code)
{
	uint8_t *p;

	assert(f->ip_version);
	close_proto(f, f->ip_version == 4 ? 1 : 58);
	f->l4_off = f->len;
	p = frame_grow(f, 8);
	p[0] = type;
	p[1] = code;
	p[5] = 1; /* echo identifier / unused */
}

void frame_proto(struct frame *f, uint8_t proto)
{
	close_proto(f, proto);
}

void frame_payload(struct frame *f, size_t n)
{
	uint8_t *p = frame_grow(f, n);

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)i;
}

/* RFC 1071 one's complement sum over the IPv4 header. */
static uint16_t ipv4_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void frame_finish(struct frame *f)
{
	/* Every open type field must have been closed by a layer or frame_proto(). */
	assert(!f->type_off && !f->proto_off);
	if (f->udp_off)
		frame_put16(f, f->udp_off + 4, (uint16_t)(f->len - f->udp_off));
	if (f->ip_version == 4) {
		size_t hlen = (f->data[f->l3_off] & 0x0f) * 4;

		frame_put16(f, f->l3_off + 2, (uint16_t)(f->len - f->l3_off));
		frame_put16(f, f->l3_off + 10, 0);
		frame_put16(f, f->l3_off + 10, ipv4_checksum(f->data + f->l3_off, hlen));
	} else if (f->ip_version == 6) {
		frame_put16(f, f->l3_off + 4, (uint16_t)(f->len - f->l3_off - IPV6_HLEN));
	}
}

void frame_pad(struct frame *f, size_t min_len)
{
	if (f->len < min_len)
		frame_grow(f, min_len - f->len);
}

void frame_truncate(struct frame *f, size_t len)
{
	assert(len <= f->len);
	f->len = len;
}

uint64_t frame_l3_len(const struct frame *f)
{
	if (f->ip_version == 4)
		return frame_get16(f, f->l3_off + 2);
	if (f->ip_version == 6)
		return frame_get16(f, f->l3_off + 4) + (uint64_t)IPV6_HLEN;
	return 0;
}

int frame_run_tc(int prog_fd, const struct frame *f, int *retval)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = (__u32)f->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	*retval = (int32_t)o.retval;
	return err;
}
