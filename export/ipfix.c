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
	/* RFC 5610's type information */
	IE_INFORMATION_ELEMENT_ID = 303,
	IE_INFORMATION_ELEMENT_DATA_TYPE = 339,
	IE_INFORMATION_ELEMENT_DESCRIPTION = 340,
	IE_INFORMATION_ELEMENT_NAME = 341,
	IE_INFORMATION_ELEMENT_RANGE_BEGIN = 342,
	IE_INFORMATION_ELEMENT_RANGE_END = 343,
	IE_INFORMATION_ELEMENT_SEMANTICS = 344,
	IE_INFORMATION_ELEMENT_UNITS = 345,
	IE_PRIVATE_ENTERPRISE_NUMBER = 346,
};

#define VARLEN 0xffff	  /* a variable-length field (RFC 7011, 7) */
#define ENTERPRISE 0x8000 /* the enterprise bit of a field id (RFC 7011, 3.2) */
#define PEN_REVERSE 29305 /* RFC 5103's reverse direction elements */
#define MAX_FIELDS 15

struct field {
	uint16_t id, len;
	uint32_t pen; /* 0: IANA */
};

/* A template (scope 0) or an options template (scope > 0, RFC 7011 3.4.2). */
struct template
{
	uint16_t id, n, scope;
	struct field f[MAX_FIELDS];
};

/* clang-format off */
/* The fields of each template, in the order of its data records. */
#define TIMES { IE_FLOW_START_MILLISECONDS, 8, 0 }, { IE_FLOW_END_MILLISECONDS, 8, 0 }
#define COUNTS { IE_OCTET_DELTA_COUNT, 8, 0 }, { IE_PACKET_DELTA_COUNT, 8, 0 }
#define PORTS { IE_SOURCE_TRANSPORT_PORT, 2, 0 }, { IE_DESTINATION_TRANSPORT_PORT, 2, 0 }
#define TAIL { IE_PROTOCOL_IDENTIFIER, 1, 0 }, { IE_TCP_CONTROL_BITS, 2, 0 }, \
	{ IE_FLOW_DIRECTION, 1, 0 }, { IE_INGRESS_INTERFACE, 4, 0 }, { IE_EGRESS_INTERFACE, 4, 0 }, \
	{ IE_INTERFACE_NAME, VARLEN, 0 }
#define V4 { IE_SOURCE_IPV4_ADDRESS, 4, 0 }, { IE_DESTINATION_IPV4_ADDRESS, 4, 0 }
#define V6 { IE_SOURCE_IPV6_ADDRESS, 16, 0 }, { IE_DESTINATION_IPV6_ADDRESS, 16, 0 }
/* A process record: scope the pid; the remote address and port as the
 * destination, the local port as the source; bytes sent as octetDeltaCount,
 * received as its RFC 5103 reverse. */
#define PROC(remote, alen) { IPFIX_NTOP_PROC_PID, 4, IPFIX_PEN_NTOP }, TIMES, \
	{ IE_PROTOCOL_IDENTIFIER, 1, 0 }, { remote, alen, 0 }, PORTS, { IE_OCTET_DELTA_COUNT, 8, 0 }, \
	{ IE_OCTET_DELTA_COUNT, 8, PEN_REVERSE }, { IPFIX_NTOP_PROC_NAME, 16, IPFIX_PEN_NTOP }, \
	{ IPFIX_NTOP_PARENT_PID, 4, IPFIX_PEN_NTOP }, \
	{ IPFIX_NTOP_PARENT_NAME, 16, IPFIX_PEN_NTOP }, { IPFIX_NTOP_PROC_UID, 4, IPFIX_PEN_NTOP }, \
	{ IPFIX_NTOP_PROC_USER_NAME, IPFIX_USER_LEN, IPFIX_PEN_NTOP }, \
	{ IPFIX_NETMON_SERVICE, IPFIX_SERVICE_LEN, IPFIX_PEN_NETMON }

static const struct template templates[] = {
	{ IPFIX_TMPL_V4, 14, 0, { TIMES, COUNTS, V4, PORTS, TAIL } },
	{ IPFIX_TMPL_V6, 14, 0, { TIMES, COUNTS, V6, PORTS, TAIL } },
	{ IPFIX_TMPL_V4_ICMP, 13, 0, { TIMES, COUNTS, V4, { IE_ICMP_TYPE_CODE_IPV4, 2, 0 }, TAIL } },
	{ IPFIX_TMPL_V6_ICMP, 13, 0, { TIMES, COUNTS, V6, { IE_ICMP_TYPE_CODE_IPV6, 2, 0 }, TAIL } },
	{ IPFIX_TMPL_PROC_V4, 15, 1, { PROC(IE_DESTINATION_IPV4_ADDRESS, 4) } },
	{ IPFIX_TMPL_PROC_V6, 15, 1, { PROC(IE_DESTINATION_IPV6_ADDRESS, 16) } },
		/* RFC 5610, 3.1: what an enterprise element is, for collectors that
	 * do not know it; every field of its section 3.1, which libfixbuf
	 * requires before it takes the records. */
	{ IPFIX_TMPL_TYPE_INFO, 9, 2, {
		{ IE_PRIVATE_ENTERPRISE_NUMBER, 4, 0 }, { IE_INFORMATION_ELEMENT_ID, 2, 0 },
		{ IE_INFORMATION_ELEMENT_DATA_TYPE, 1, 0 }, { IE_INFORMATION_ELEMENT_SEMANTICS, 1, 0 },
		{ IE_INFORMATION_ELEMENT_UNITS, 2, 0 }, { IE_INFORMATION_ELEMENT_RANGE_BEGIN, 8, 0 },
		{ IE_INFORMATION_ELEMENT_RANGE_END, 8, 0 }, { IE_INFORMATION_ELEMENT_NAME, VARLEN, 0 },
		{ IE_INFORMATION_ELEMENT_DESCRIPTION, VARLEN, 0 } } },
};

/* The type information records (RFC 7012 data types and semantics). */
static const struct {
	uint32_t pen;
	uint16_t id;
	uint8_t type, semantics;
		const char *name, *description;
} type_info[] = {
	{ IPFIX_PEN_NTOP, IPFIX_NTOP_PROC_PID, 3 /* unsigned32 */, 4 /* identifier */,
	  "SRC_PROC_PID", "process id of the local process" },
	{ IPFIX_PEN_NTOP, IPFIX_NTOP_PROC_NAME, 13 /* string */, 0 /* default */, "SRC_PROC_NAME",
	  "name (comm) of the local process" },
	{ IPFIX_PEN_NTOP, IPFIX_NTOP_PARENT_PID, 3, 4, "SRC_FATHER_PROC_PID",
	  "process id of its parent" },
	{ IPFIX_PEN_NTOP, IPFIX_NTOP_PARENT_NAME, 13, 0, "SRC_FATHER_PROC_NAME",
	  "name (comm) of its parent" },
	{ IPFIX_PEN_NTOP, IPFIX_NTOP_PROC_UID, 3, 4, "SRC_PROC_UID",
	  "real user id of the local process" },
	{ IPFIX_PEN_NTOP, IPFIX_NTOP_PROC_USER_NAME, 13, 0, "SRC_PROC_USER_NAME",
	  "name of that user" },
	{ IPFIX_PEN_NETMON, IPFIX_NETMON_SERVICE, 13, 0, "processServiceName",
	  "systemd unit, container or session of its cgroup" },
};
/* clang-format on */

#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

static int reserve(struct ipfix_enc *e, uint16_t id, size_t need);

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

uint8_t *ipfix_enc_exchange(struct ipfix_enc *e, uint8_t *buf)
{
	uint8_t *old = e->buf;

	e->buf = buf;
	return old;
}

/* A template record at p (RFC 7011, 3.4.1 and 3.4.2); returns its end. */
static uint8_t *put_template(uint8_t *p, const struct template *t)
{
	p = put16(p, t->id);
	p = put16(p, t->n);
	if (t->scope)
		p = put16(p, t->scope);
	for (int j = 0; j < t->n; j++) {
		p = put16(p, t->f[j].pen ? t->f[j].id | ENTERPRISE : t->f[j].id);
		p = put16(p, t->f[j].len);
		if (t->f[j].pen)
			p = put32(p, t->f[j].pen);
	}
	return p;
}

/* The templates with ids in [from, to] in one set: options or not (set 3 or 2). */
static void put_templates(struct ipfix_enc *e, int options, uint16_t from, uint16_t to)
{
	uint8_t *p;

	open_set(e, options ? IPFIX_OPTIONS_TEMPLATE_SET_ID : IPFIX_TEMPLATE_SET_ID);
	p = e->buf + e->len;
	for (size_t i = 0; i < N_TEMPLATES; i++)
		if (!templates[i].scope == !options && templates[i].id >= from &&
		    templates[i].id <= to)
			p = put_template(p, &templates[i]);
	e->len = (size_t)(p - e->buf);
	close_set(e);
}

/* n bytes of s as a variable-length field (RFC 7011 7; n < 255: one length
 * byte, as our own strings and interface names all are). */
static uint8_t *put_varlen(uint8_t *p, const char *s, size_t n)
{
	*p++ = (uint8_t)n;
	memcpy(p, s, n);
	return p + n;
}

/*
 * RFC 5610 records naming the enterprise elements (data records, counted),
 * as many to a message as fit: a message of them full starts the next.
 */
static int put_type_info(struct ipfix_enc *e)
{
	int err = 0;

	for (size_t i = 0; i < sizeof(type_info) / sizeof(type_info[0]); i++) {
		size_t name = strlen(type_info[i].name), desc = strlen(type_info[i].description);
		size_t len = 4 + 2 + 1 + 1 + 2 + 16 + 1 + name + 1 + desc;
		int err2 = reserve(e, IPFIX_TMPL_TYPE_INFO, len);
		uint8_t *p = e->buf + e->len;

		err = err ? err : err2;
		p = put32(p, type_info[i].pen);
		p = put16(p, type_info[i].id & ~ENTERPRISE); /* the id without its bit */
		*p++ = type_info[i].type;
		*p++ = type_info[i].semantics;
		p = put16(p, 0);	   /* units: none */
		p = put64(put64(p, 0), 0); /* range: none */
		p = put_varlen(p, type_info[i].name, name);
		p = put_varlen(p, type_info[i].description, desc);
		e->len = (size_t)(p - e->buf);
		e->in_msg++;
	}
	return err;
}

int ipfix_enc_templates(struct ipfix_enc *e)
{
	int err = ipfix_enc_flush(e), err2;

	open_message(e);
	put_templates(e, 0, IPFIX_TMPL_V4, IPFIX_TMPL_V6_ICMP);
	err2 = ipfix_enc_flush(e);
	return err ? err : err2;
}

/*
 * Two messages: the type information's options template and its records
 * first, so that a collector knows the enterprise elements before the
 * templates that use them (RFC 5610, 3.1); then the process templates.
 */
int ipfix_enc_proc_templates(struct ipfix_enc *e)
{
	int err = ipfix_enc_flush(e), err2;

	open_message(e);
	put_templates(e, 1, IPFIX_TMPL_TYPE_INFO, IPFIX_TMPL_TYPE_INFO);
	err2 = put_type_info(e);
	err = err ? err : err2;
	err2 = ipfix_enc_flush(e);
	err = err ? err : err2;
	open_message(e);
	/* A set each: pmacct's nfacctd (1.7.7) misreads the length of an
	 * options template whose scope is an enterprise element and, with
	 * both in one set, lost the second (tests/e2e/ipfix.bats). */
	put_templates(e, 1, IPFIX_TMPL_PROC_V4, IPFIX_TMPL_PROC_V4);
	put_templates(e, 1, IPFIX_TMPL_PROC_V6, IPFIX_TMPL_PROC_V6);
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
	put_varlen(p, f->ifname, nlen);
	e->in_msg++;
	e->len += ipfix_record_len(f);
}

/*
 * Room for a record of need bytes under template id: the message is
 * emitted first when it would not fit, a set opened when the template
 * changes. Returns the emit callback's result.
 */
static int reserve(struct ipfix_enc *e, uint16_t id, size_t need)
{
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
	return err;
}

int ipfix_enc_flow(struct ipfix_enc *e, const struct ipfix_flow *f)
{
	int err = reserve(e, ipfix_template_of(f), ipfix_record_len(f));

	put_record(e, f);
	return err;
}

size_t ipfix_proc_len(const struct ipfix_proc *p)
{
	/* pid, times, protocol, remote, ports, bytes both ways, name, parent,
	 * uid, user, service */
	return 4 + 16 + 1 + (p->family == NETMON_FAMILY_V4 ? 4 : 16) + 4 + 16 + 16 + 4 + 16 + 4 +
	       IPFIX_USER_LEN + IPFIX_SERVICE_LEN;
}

/*
 * s (NULL: none) in a string field of len bytes, zero-padded: all of it, or
 * cut where a UTF-8 character starts (a string element is UTF-8, RFC 7011
 * 6.1.6), never in the middle of one. Returns the field's end.
 */
static uint8_t *put_fixed(uint8_t *p, const char *s, size_t len)
{
	size_t n = s ? strnlen(s, len + 1) : 0;

	if (n > len)
		for (n = len; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	if (n)
		memcpy(p, s, n);
	memset(p + n, 0, len - n);
	return p + len;
}

int ipfix_enc_proc(struct ipfix_enc *e, const struct ipfix_proc *pr)
{
	uint16_t id = pr->family == NETMON_FAMILY_V4 ? IPFIX_TMPL_PROC_V4 : IPFIX_TMPL_PROC_V6;
	size_t alen = pr->family == NETMON_FAMILY_V4 ? 4 : 16, len = ipfix_proc_len(pr);
	int err = reserve(e, id, len);
	uint8_t *p = e->buf + e->len;

	p = put32(p, pr->pid);
	p = put64(p, pr->start_ms);
	p = put64(p, pr->end_ms);
	*p++ = pr->protocol;
	memcpy(p, pr->remote, alen);
	p = put16(put16(p + alen, pr->local_port), pr->remote_port);
	p = put64(put64(p, pr->bytes_sent), pr->bytes_recv);
	/* Fixed 16 bytes as ntop sends them: the name, then zeros. */
	memcpy(p, pr->comm, 16);
	p = put32(p + 16, pr->ppid);
	memcpy(p, pr->parent_comm, 16);
	p = put32(p + 16, pr->uid);
	/* Fixed, not variable length: nfacctd cannot read the latter in an
	 * options record (docs/ipfix.md). */
	put_fixed(put_fixed(p, pr->user, IPFIX_USER_LEN), pr->service, IPFIX_SERVICE_LEN);
	e->in_msg++;
	e->len += len;
	return err;
}
