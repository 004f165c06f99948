// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ipfix.c - IPFIX message encoding (RFC 7011): header (3.1), sets (3.3),
 * template records (3.4.1), data records in network byte order (6.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ipfix.h"
#include "netmon_user.h"

/* IANA information element ids (docs/ipfix.md). */
enum {
	IE_OCTET_DELTA_COUNT = 1,
	IE_PACKET_DELTA_COUNT = 2,
	IE_PROTOCOL_IDENTIFIER = 4,
	IE_TCP_CONTROL_BITS = 6,
	IE_SOURCE_TRANSPORT_PORT = 7,
	IE_SOURCE_IPV4_ADDRESS = 8,
	IE_INGRESS_INTERFACE = 10,
	IE_DESTINATION_TRANSPORT_PORT = 11,
	IE_DESTINATION_IPV4_ADDRESS = 12,
	IE_EGRESS_INTERFACE = 14,
	IE_SOURCE_IPV6_ADDRESS = 27,
	IE_DESTINATION_IPV6_ADDRESS = 28,
	IE_ICMP_TYPE_CODE_IPV4 = 32,
	IE_FLOW_DIRECTION = 61,
	IE_INTERFACE_NAME = 82,
	IE_ICMP_TYPE_CODE_IPV6 = 139,
	IE_FLOW_START_MILLISECONDS = 152,
	IE_FLOW_END_MILLISECONDS = 153,
};

#define VARLEN 0xffff /* a variable-length field (RFC 7011, 7) */
#define MAX_FIELDS 14

struct field {
	uint16_t id, len;
};

struct template
{
	uint16_t id, n;
	struct field f[MAX_FIELDS];
};

/* The fields of each template, in the order of its data records. */
#define TIMES_COUNTS                                                                               \
	{ IE_FLOW_START_MILLISECONDS, 8 }, { IE_FLOW_END_MILLISECONDS, 8 },                        \
		{ IE_OCTET_DELTA_COUNT, 8 },                                                       \
	{                                                                                          \
		IE_PACKET_DELTA_COUNT, 8                                                           \
	}
#define TAIL                                                                                       \
	{ IE_PROTOCOL_IDENTIFIER, 1 }, { IE_TCP_CONTROL_BITS, 2 }, { IE_FLOW_DIRECTION, 1 },       \
		{ IE_INGRESS_INTERFACE, 4 }, { IE_EGRESS_INTERFACE, 4 },                           \
	{                                                                                          \
		IE_INTERFACE_NAME, VARLEN                                                          \
	}

static const struct template templates[IPFIX_N_TEMPLATES] = {
	{ IPFIX_TMPL_V4,
	  14,
	  { TIMES_COUNTS,
	    { IE_SOURCE_IPV4_ADDRESS, 4 },
	    { IE_DESTINATION_IPV4_ADDRESS, 4 },
	    { IE_SOURCE_TRANSPORT_PORT, 2 },
	    { IE_DESTINATION_TRANSPORT_PORT, 2 },
	    TAIL } },
	{ IPFIX_TMPL_V6,
	  14,
	  { TIMES_COUNTS,
	    { IE_SOURCE_IPV6_ADDRESS, 16 },
	    { IE_DESTINATION_IPV6_ADDRESS, 16 },
	    { IE_SOURCE_TRANSPORT_PORT, 2 },
	    { IE_DESTINATION_TRANSPORT_PORT, 2 },
	    TAIL } },
	{ IPFIX_TMPL_V4_ICMP,
	  13,
	  { TIMES_COUNTS,
	    { IE_SOURCE_IPV4_ADDRESS, 4 },
	    { IE_DESTINATION_IPV4_ADDRESS, 4 },
	    { IE_ICMP_TYPE_CODE_IPV4, 2 },
	    TAIL } },
	{ IPFIX_TMPL_V6_ICMP,
	  13,
	  { TIMES_COUNTS,
	    { IE_SOURCE_IPV6_ADDRESS, 16 },
	    { IE_DESTINATION_IPV6_ADDRESS, 16 },
	    { IE_ICMP_TYPE_CODE_IPV6, 2 },
	    TAIL } },
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, v >> 16), v & 0xffff);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	return put32(put32(p, v >> 32), v & 0xffffffff);
}

int ipfix_enc_init(struct ipfix_enc *e, size_t mtu, uint32_t domain, ipfix_emit_fn emit, void *ctx)
{
	memset(e, 0, sizeof(*e));
	if (mtu < IPFIX_MIN_MTU || mtu > IPFIX_MAX_MTU)
		return -EINVAL;
	e->buf = malloc(mtu);
	if (!e->buf)
		return -ENOMEM;
	e->mtu = mtu;
	e->domain = domain;
	e->emit = emit;
	e->ctx = ctx;
	return 0;
}

void ipfix_enc_free(struct ipfix_enc *e)
{
	free(e->buf);
	e->buf = NULL;
}

void ipfix_enc_set_time(struct ipfix_enc *e, uint32_t export_time)
{
	e->export_time = export_time;
}

static void open_message(struct ipfix_enc *e)
{
	e->len = IPFIX_HEADER_LEN;
	e->set_at = 0;
	e->in_msg = 0;
}

static void close_set(struct ipfix_enc *e)
{
	if (e->set_at)
		put16(e->buf + e->set_at + 2, (uint16_t)(e->len - e->set_at));
	e->set_at = 0;
}

static void open_set(struct ipfix_enc *e, uint16_t id)
{
	e->set_at = e->len;
	e->set_id = id;
	put16(e->buf + e->len, id);
	e->len += IPFIX_SET_HEADER_LEN;
}

int ipfix_enc_flush(struct ipfix_enc *e)
{
	uint8_t *p = e->buf;
	int err;

	if (!e->len)
		return 0;
	close_set(e);
	p = put16(p, IPFIX_VERSION);
	p = put16(p, (uint16_t)e->len);
	p = put32(p, e->export_time);
	p = put32(p, e->seq);
	put32(p, e->domain);
	err = e->emit(e->ctx, e->buf, e->len);
	e->messages++;
	e->records += e->in_msg;
	e->emit_errors += err != 0;
	/* Emitted, whatever the socket said: a collector that missed it sees
	 * the gap in the next message's sequence number. */
	e->seq += e->in_msg;
	e->len = 0;
	return err;
}

static size_t template_len(const struct template *t)
{
	return 4 + 4 * (size_t)t->n;
}

int ipfix_enc_templates(struct ipfix_enc *e)
{
	int err = ipfix_enc_flush(e), err2;

	open_message(e);
	open_set(e, IPFIX_TEMPLATE_SET_ID);
	for (int i = 0; i < IPFIX_N_TEMPLATES; i++) {
		const struct template *t = &templates[i];
		uint8_t *p = e->buf + e->len;

		p = put16(p, t->id);
		p = put16(p, t->n);
		for (int j = 0; j < t->n; j++) {
			p = put16(p, t->f[j].id);
			p = put16(p, t->f[j].len);
		}
		e->len += template_len(t);
	}
	err2 = ipfix_enc_flush(e);
	return err ? err : err2;
}

uint16_t ipfix_template_of(const struct ipfix_flow *f)
{
	int icmp = f->protocol == 1 || f->protocol == 58;

	if (f->family == NETMON_FAMILY_V4)
		return icmp ? IPFIX_TMPL_V4_ICMP : IPFIX_TMPL_V4;
	return icmp ? IPFIX_TMPL_V6_ICMP : IPFIX_TMPL_V6;
}

static size_t name_len(const struct ipfix_flow *f)
{
	size_t n = f->ifname ? strlen(f->ifname) : 0;

	return n > IPFIX_IFNAME_MAX ? IPFIX_IFNAME_MAX : n;
}

size_t ipfix_record_len(const struct ipfix_flow *f)
{
	size_t addr = f->family == NETMON_FAMILY_V4 ? 4 : 16;
	size_t ports = f->protocol == 1 || f->protocol == 58 ? 2 : 4;

	/* times and counts, addresses, ports, then protocol..egress, then the name */
	return 32 + 2 * addr + ports + 12 + 1 + name_len(f);
}

static void put_record(struct ipfix_enc *e, const struct ipfix_flow *f)
{
	size_t alen = f->family == NETMON_FAMILY_V4 ? 4 : 16, nlen = name_len(f);
	uint8_t *p = e->buf + e->len;
	int in = f->direction == NETMON_DIR_IN;

	p = put64(p, f->start_ms);
	p = put64(p, f->end_ms);
	p = put64(p, f->octets);
	p = put64(p, f->packets);
	memcpy(p, f->src, alen);
	memcpy(p + alen, f->dst, alen);
	p += 2 * alen;
	if (f->protocol == 1 || f->protocol == 58) /* stored as type, code */
		p = put16(p, (uint16_t)(f->src_port << 8 | (f->dst_port & 0xff)));
	else
		p = put16(put16(p, f->src_port), f->dst_port);
	*p++ = f->protocol;
	p = put16(p, f->tcp_flags);
	*p++ = f->direction; /* flowDirection: 0 ingress, 1 egress, as stored */
	p = put32(p, in ? f->ifindex : 0);
	p = put32(p, in ? 0 : f->ifindex);
	*p++ = (uint8_t)nlen; /* < 255: the one-byte length (RFC 7011, 7) */
	memcpy(p, f->ifname, nlen);
	e->in_msg++;
	e->len += ipfix_record_len(f);
}

int ipfix_enc_flow(struct ipfix_enc *e, const struct ipfix_flow *f)
{
	uint16_t id = ipfix_template_of(f);
	size_t need = ipfix_record_len(f);
	int err = 0;

	/* A new set costs its header too. */
	if (e->len && (!e->set_at || e->set_id != id))
		need += IPFIX_SET_HEADER_LEN;
	if (e->len && e->len + need > e->mtu)
		err = ipfix_enc_flush(e);
	if (!e->len)
		open_message(e);
	if (!e->set_at || e->set_id != id) {
		close_set(e);
		open_set(e, id);
	}
	put_record(e, f);
	return err;
}
