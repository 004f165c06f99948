// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dns_parse.c - a bounded DNS response parser (dns_parse.h).
 */
#include <errno.h>
#include <string.h>
#include "dns_parse.h"

#define DNS_HDR_LEN 12
#define DNS_RR_FIXED 10 /* type, class, TTL, RDLENGTH (RFC 1035 4.1.3) */
#define DNS_NAME_WIRE_MAX 255
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One label's bytes onto text at *t: lower case, \DDD for all but [a-z0-9_-]. */
static void put_label(const uint8_t *label, unsigned int n, char *text, size_t *t)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t c = label[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
			text[(*t)++] = (char)c;
			continue;
		}
		text[(*t)++] = '\\';
		text[(*t)++] = (char)('0' + c / 100);
		text[(*t)++] = (char)('0' + c / 10 % 10);
		text[(*t)++] = (char)('0' + c % 10);
	}
}

/*
 * Bounded by construction: each step either moves past a label (at most 127
 * labels fit 255 wire bytes) or follows a pointer to a lower offset (at most
 * DNS_MAX_POINTERS). 253 label bytes as \DDD and their dots fit DNS_TEXT_MAX.
 */
int dns_read_name(const uint8_t *msg, size_t len, size_t off, char *text, size_t *next)
{
	size_t pos = off, t = 0, wire = 1; /* the root's zero byte */
	unsigned int pointers = 0;
	int jumped = 0;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len || ++pointers > DNS_MAX_POINTERS)
				return -EBADMSG;
			to = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/* Strictly backwards: a chain of pointers always ends. */
			if (to >= pos)
				return -EBADMSG;
			if (!jumped)
				*next = pos + 2;
			jumped = 1;
			pos = to;
			continue;
		}
		if (c & 0xc0) /* 0x40 and 0x80: extended label types (RFC 6891 5) */
			return -EBADMSG;
		if (!c)
			break;
		wire += (size_t)c + 1;
		if (wire > DNS_NAME_WIRE_MAX || pos + 1 + c > len)
			return -EBADMSG;
		if (t)
			text[t++] = '.';
		put_label(msg + pos + 1, c, text, &t);
		pos += (size_t)c + 1;
	}
	if (!jumped)
		*next = pos + 1;
	text[t] = '\0';
	return 0;
}

struct cursor {
	const uint8_t *msg;
	size_t len;
	size_t pos;
	int whole;
};

/*
 * The questions. 1: the data ended inside them (not whole), 0, -EBADMSG.
 */
static int skip_questions(struct cursor *c, unsigned int qdcount, char *text)
{
	for (unsigned int i = 0; i < qdcount; i++) {
		size_t next;

		if (dns_read_name(c->msg, c->len, c->pos, text, &next) || next + 4 > c->len)
			return c->whole ? -EBADMSG : 1;
		c->pos = next + 4;
	}
	return 0;
}

/* An answer's data: A, AAAA, CNAME of class IN kept in s, the rest skipped. */
static int keep_answer(const struct cursor *c, size_t rdata, uint16_t type, uint16_t rdlen,
		       struct dns_rr *rr)
{
	size_t end;

	rr->type = type;
	switch (type) {
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
		if (rdlen != (type == DNS_TYPE_A ? 4 : 16))
			return -EBADMSG;
		memset(rr->addr, 0, sizeof(rr->addr));
		memcpy(rr->addr, c->msg + rdata, rdlen);
		return 1;
	case DNS_TYPE_CNAME:
		/* The target must fill the data exactly (RFC 1035 3.3.1). */
		if (dns_read_name(c->msg, rdata + rdlen, rdata, rr->target, &end) ||
		    end != rdata + rdlen)
			return -EBADMSG;
		return 1;
	default:
		return 0;
	}
}

/* One record at the cursor. 1: the data ended inside it (not whole), 0, -EBADMSG. */
static int read_rr(struct cursor *c, int answer, struct dns_scratch *s, struct dns_info *info)
{
	struct dns_rr *rr = &s->rr[s->n]; /* rr[DNS_MAX_ANSWERS]: a spare */
	const uint8_t *f;
	uint16_t type, rdlen;
	size_t next;
	int kept;

	if (dns_read_name(c->msg, c->len, c->pos, rr->owner, &next) || next + DNS_RR_FIXED > c->len)
		return c->whole ? -EBADMSG : 1;
	f = c->msg + next;
	type = get16(f);
	rdlen = get16(f + 8);
	next += DNS_RR_FIXED;
	if (next + rdlen > c->len)
		return c->whole ? -EBADMSG : 1;
	c->pos = next + rdlen;
	if (!answer || get16(f + 2) != DNS_CLASS_IN || s->n >= DNS_MAX_ANSWERS)
		return 0;
	kept = keep_answer(c, next, type, rdlen, rr);
	if (kept < 0)
		return kept;
	info->answers++;
	if (kept) {
		rr->ttl = get32(f + 4);
		if (rr->ttl & 0x80000000u) /* RFC 2181 8 */
			rr->ttl = 0;
		s->n++;
	}
	return 0;
}

/* Header, questions and every record into s. 0 or -EBADMSG. */
static int read_message(struct cursor *c, struct dns_scratch *s, struct dns_info *info)
{
	const uint8_t *h = c->msg;
	unsigned int an, total;
	uint16_t flags;
	int err;

	if (c->len < DNS_HDR_LEN)
		return -EBADMSG;
	flags = get16(h + 2);
	/* A response (QR) to a standard query (opcode 0). */
	if (!(flags & 0x8000) || ((flags >> 11) & 0xf) != 0 || get16(h + 4) > DNS_MAX_QUESTIONS)
		return -EBADMSG;
	info->rcode = flags & 0xf;
	info->truncated = !!(flags & 0x0200);
	an = get16(h + 6);
	total = an + get16(h + 8) + get16(h + 10);
	c->pos = DNS_HDR_LEN;
	err = skip_questions(c, get16(h + 4), s->rr[DNS_MAX_ANSWERS].owner);
	/* Every record takes 11 bytes at least: the loop ends with the data. */
	for (unsigned int i = 0; !err && i < total; i++)
		err = read_rr(c, i < an, s, info);
	if (err > 0) {
		info->truncated = 1;
		return 0;
	}
	if (!err && c->whole && c->pos != c->len)
		return -EBADMSG; /* bytes after the last record */
	return err;
}

static int in_set(const unsigned int *idx, unsigned int n, const struct dns_scratch *s,
		  const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(s->rr[idx[i]].owner, name))
			return 1;
	return 0;
}

/*
 * The names of an address record: its owner, then (breadth first) the owners
 * of the CNAMEs whose target is a name already taken. Indexes into s->rr.
 */
static unsigned int chain_names(const struct dns_scratch *s, unsigned int a, unsigned int *idx)
{
	unsigned int n = 1;

	idx[0] = a;
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = 0; j < s->n && n < 1 + DNS_MAX_CHAIN; j++) {
			const struct dns_rr *rr = &s->rr[j];

			if (rr->type == DNS_TYPE_CNAME &&
			    !strcmp(rr->target, s->rr[idx[i]].owner) &&
			    !in_set(idx, n, s, rr->owner))
				idx[n++] = j;
		}
	}
	return n;
}

static void emit_pairs(const struct dns_scratch *s, struct dns_pair *out, size_t cap, size_t *n,
		       struct dns_info *info)
{
	unsigned int idx[1 + DNS_MAX_CHAIN];

	for (unsigned int a = 0; a < s->n; a++) {
		const struct dns_rr *rr = &s->rr[a];
		unsigned int k;

		if (rr->type != DNS_TYPE_A && rr->type != DNS_TYPE_AAAA)
			continue;
		k = chain_names(s, a, idx);
		for (unsigned int i = 0; i < k; i++) {
			struct dns_pair *p = &out[*n];
			const char *name = s->rr[idx[i]].owner;

			if (!name[0]) /* the root has no name to give */
				continue;
			if (*n >= cap) {
				info->dropped++;
				continue;
			}
			p->family = rr->type == DNS_TYPE_A ? 4 : 6;
			memcpy(p->addr, rr->addr, sizeof(p->addr));
			p->ttl = rr->ttl;
			strcpy(p->name, name);
			(*n)++;
		}
	}
}

int dns_parse(const uint8_t *msg, size_t len, int whole, struct dns_scratch *scratch,
	      struct dns_pair *out, size_t cap, size_t *n, struct dns_info *info)
{
	struct cursor c = { .msg = msg, .len = len, .whole = whole };
	int err;

	*n = 0;
	memset(info, 0, sizeof(*info));
	scratch->n = 0;
	err = read_message(&c, scratch, info);
	if (err) {
		info->answers = 0;
		return err;
	}
	if (!whole)
		info->truncated = 1;
	emit_pairs(scratch, out, cap, n, info);
	return 0;
}
