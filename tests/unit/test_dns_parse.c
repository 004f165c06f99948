// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_dns_parse.c - the DNS response parser (recorder/names/dns_parse.h) on
 * crafted messages: what each address is named, CNAME chains, compression,
 * TTLs, and hostile input (markup and control bytes in labels, 255-byte
 * names, pointer loops, wrong counts, cut and oversized messages).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "names/dns_parse.h"

/* A message being built. */
struct msg {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct msg *m, unsigned int v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned int v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

/* "a.b.c" as labels and the root; "" is the root alone. */
static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t k = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned int)k);
		memcpy(m->b + m->n, name, k);
		m->n += k;
		name += k + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void put_ptr(struct msg *m, size_t off)
{
	put16(m, 0xc000 | (unsigned int)off);
}

/* Header of a response (QR, RD, RA) with these counts. */
static void put_header(struct msg *m, unsigned int qd, unsigned int an, unsigned int ns,
		       unsigned int ar)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

static void put_question(struct msg *m, const char *name, unsigned int type)
{
	put_name(m, name);
	put16(m, type);
	put16(m, 1);
}

/* A record's fixed part after its owner name. */
static void put_rr_fixed(struct msg *m, unsigned int type, uint32_t ttl, unsigned int rdlen)
{
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	put16(m, rdlen);
}

static void put_a(struct msg *m, uint32_t ttl, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	put_rr_fixed(m, 1, ttl, 4);
	put8(m, a);
	put8(m, b);
	put8(m, c);
	put8(m, d);
}

static struct dns_scratch *scratch;
static struct dns_pair pairs[64];

static int parse(const struct msg *m, int whole, size_t *n, struct dns_info *info)
{
	return dns_parse(m->b, m->n, whole, scratch, pairs, 64, n, info);
}

static int setup(void **state)
{
	scratch = malloc(sizeof(*scratch));
	return scratch ? 0 : -1;
}

static int teardown(void **state)
{
	free(scratch);
	return 0;
}

/* www.example.com A 192.0.2.1, the owner a pointer to the question. */
static void build_simple(struct msg *m)
{
	put_header(m, 1, 1, 0, 0);
	put_question(m, "www.Example.COM", 1);
	put_ptr(m, 12);
	put_a(m, 300, 192, 0, 2, 1);
}

static void test_a_record(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n;

	build_simple(&m);
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pairs[0].family, 4);
	assert_memory_equal(pairs[0].addr, ((uint8_t[16]){ 192, 0, 2, 1 }), 16);
	assert_string_equal(pairs[0].name, "www.example.com");
	assert_int_equal(pairs[0].ttl, 300);
	assert_int_equal(info.answers, 1);
	assert_int_equal(info.truncated, 0);
}

/*
 * www.example.com CNAME web.cdn.net, web.cdn.net CNAME edge.cdn.net,
 * edge.cdn.net A and AAAA: each address gets the three names, its own first.
 */
static void test_cname_chain(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct dns_info info;
	struct msg m;
	size_t n, web, edge;

	put_header(&m, 1, 4, 0, 0);
	put_question(&m, "www.example.com", 1);
	put_ptr(&m, 12);
	put_rr_fixed(&m, 5, 60, 13);
	web = m.n;
	put_name(&m, "web.cdn.net");
	put_ptr(&m, web);
	put_rr_fixed(&m, 5, 60, 7);
	edge = m.n;
	put8(&m, 4);
	memcpy(m.b + m.n, "edge", 4);
	m.n += 4;
	put_ptr(&m, web + 4); /* cdn.net */
	put_ptr(&m, edge);
	put_a(&m, 30, 198, 51, 100, 7);
	put_ptr(&m, edge);
	put_rr_fixed(&m, 28, 40, 16);
	memcpy(m.b + m.n, v6, 16);
	m.n += 16;

	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(pairs[i].family, 4);
		assert_int_equal(pairs[i].ttl, 30);
		assert_int_equal(pairs[i + 3].family, 6);
		assert_memory_equal(pairs[i + 3].addr, v6, 16);
		assert_int_equal(pairs[i + 3].ttl, 40);
	}
	assert_string_equal(pairs[0].name, "edge.cdn.net");
	assert_string_equal(pairs[1].name, "web.cdn.net");
	assert_string_equal(pairs[2].name, "www.example.com");
	assert_string_equal(pairs[5].name, "www.example.com");
}

/* A CNAME loop (a -> b -> a) with an address for a: names a and b, once each. */
static void test_cname_loop(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n, a, b;

	put_header(&m, 1, 3, 0, 0);
	put_question(&m, "a.test", 1);
	a = 12;
	put_ptr(&m, a);
	put_rr_fixed(&m, 5, 1, 8);
	b = m.n;
	put_name(&m, "b.test");
	put_ptr(&m, b);
	put_rr_fixed(&m, 5, 1, 2);
	put_ptr(&m, a);
	put_ptr(&m, a);
	put_a(&m, 1, 10, 0, 0, 1);
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pairs[0].name, "a.test");
	assert_string_equal(pairs[1].name, "b.test");
}

/* Markup, escapes and control bytes come out as \DDD: inert anywhere. */
static void test_hostile_labels(void **state)
{
	static const char label[] = "<script>\x1b[2J\"a b\\.\xc3\xa9";
	struct dns_info info;
	struct msg m;
	size_t n;

	put_header(&m, 1, 1, 0, 0);
	put_question(&m, "", 1);
	put8(&m, sizeof(label) - 1);
	memcpy(m.b + m.n, label, sizeof(label) - 1);
	m.n += sizeof(label) - 1;
	put_name(&m, "Evil");
	put_a(&m, 5, 10, 0, 0, 2);
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pairs[0].name,
			    "\\060script\\062\\027\\0912j\\034a\\032b\\092\\046\\195\\169"
			    ".evil");
	for (const char *p = pairs[0].name; *p; p++)
		assert_true(strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.\\", *p) != NULL);
}

/* A name with wire length total (labels of 63 and less, the root's byte included). */
static void put_long_name(struct msg *m, size_t total)
{
	size_t left = total - 1;

	while (left) {
		size_t k = left - 1 > 63 ? 63 : left - 1;

		put8(m, (unsigned int)k);
		memset(m->b + m->n, 'x', k);
		m->n += k;
		left -= k + 1;
	}
	put8(m, 0);
}

static void test_name_length(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n;

	put_header(&m, 1, 1, 0, 0);
	put_question(&m, "q", 1);
	put_long_name(&m, 255);
	put_a(&m, 5, 10, 0, 0, 3);
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(pairs[0].name), 253);

	put_header(&m, 1, 1, 0, 0);
	put_question(&m, "q", 1);
	put_long_name(&m, 257);
	put_a(&m, 5, 10, 0, 0, 3);
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	assert_int_equal(n, 0);
}

/* 255 bytes of \DDD labels: the longest text, within DNS_TEXT_MAX. */
static void test_longest_text(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n;

	put_header(&m, 0, 1, 0, 0);
	for (int i = 0; i < 4; i++) {
		put8(&m, i < 3 ? 63 : 61);
		memset(m.b + m.n, 0xff, i < 3 ? 63 : 61);
		m.n += i < 3 ? 63 : 61;
	}
	put8(&m, 0);
	put_a(&m, 5, 10, 0, 0, 4);
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(pairs[0].name), 250 * 4 + 3);
}

static void test_pointers(void **state)
{
	char text[DNS_TEXT_MAX];
	struct dns_info info;
	struct msg m;
	size_t n, next;

	/* A pointer to itself, and one forwards: refused. */
	put_header(&m, 1, 1, 0, 0);
	put_question(&m, "q", 1);
	put_ptr(&m, m.n);
	put_a(&m, 5, 1, 2, 3, 4);
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	m.b[m.n - 16 + 1] = (uint8_t)(m.n - 10);
	m.b[m.n - 16] = 0xc0;
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	/* Two pointers pointing at each other: refused. */
	m.n = 0;
	put_ptr(&m, 2);
	put_ptr(&m, 0);
	assert_int_equal(dns_read_name(m.b, m.n, 2, text, &next), -EBADMSG);
	/* A chain of backward pointers ends; next is after the first. */
	m.n = 0;
	put_name(&m, "end");
	for (int i = 0; i < 10; i++)
		put_ptr(&m, m.n - (i ? 2 : 5));
	assert_int_equal(dns_read_name(m.b, m.n, m.n - 2, text, &next), 0);
	assert_string_equal(text, "end");
	assert_int_equal(next, m.n);
	/* The extended label types 0x40 and 0x80. */
	m.n = 0;
	put8(&m, 0x41);
	put8(&m, 0);
	assert_int_equal(dns_read_name(m.b, m.n, 0, text, &next), -EBADMSG);
}

/* Counts that say more than the message holds, or less. */
static void test_wrong_counts(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n;

	build_simple(&m);
	m.b[7] = 2; /* two answers, one there */
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	/* Captured in part: the whole answer is used, the message truncated. */
	assert_int_equal(parse(&m, 0, &n, &info), 0);
	assert_int_equal(n, 1);
	assert_int_equal(info.truncated, 1);
	m.b[7] = 0; /* no answer, one there: a byte left over */
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	m.b[7] = 1;
	m.b[5] = 200; /* 200 questions */
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	m.b[5] = 1;
	m.b[7] = 0xff; /* 65535 answers: bounded by the data */
	m.b[6] = 0xff;
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	m.b[6] = 0;
	m.b[7] = 1;
	m.b[m.n++] = 0; /* a byte after the last record */
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
}

/* Every prefix of a good message: refused whole, read in part without a miss. */
static void test_every_cut(void **state)
{
	struct dns_info info;
	struct msg m, cut;
	size_t n;

	build_simple(&m);
	for (size_t len = 0; len < m.n; len++) {
		cut = m;
		cut.n = len;
		assert_int_equal(parse(&cut, 1, &n, &info), -EBADMSG);
		assert_int_equal(n, 0);
		assert_true(parse(&cut, 0, &n, &info) == 0 || len < 12);
		assert_int_equal(n, 0);
	}
	assert_int_equal(parse(&m, 0, &n, &info), 0);
	assert_int_equal(n, 1);
}

/* Queries, other opcodes, bad RDATA, records that are not IN or not answers. */
static void test_not_used(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n;

	build_simple(&m);
	m.b[2] = 0x01; /* QR clear: a query */
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	m.b[2] = 0x80 | (5 << 3); /* opcode UPDATE */
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
	build_simple(&m);
	m.b[m.n - 11] = 3; /* class CH */
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 0);
	build_simple(&m);
	m.b[7] = 0;
	m.b[9] = 1; /* the record in the authority section */
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 0);
	build_simple(&m);
	m.b[m.n - 5] = 5; /* an A record of 5 bytes */
	m.b[m.n++] = 0;
	assert_int_equal(parse(&m, 1, &n, &info), -EBADMSG);
}

static void test_ttl_and_flags(void **state)
{
	struct dns_info info;
	struct msg m;
	size_t n;

	build_simple(&m);
	m.b[m.n - 10] = 0x80; /* TTL with the top bit set (RFC 2181 8) */
	m.b[2] |= 0x02;	      /* TC */
	m.b[3] |= 0x03;	      /* NXDOMAIN */
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pairs[0].ttl, 0);
	assert_int_equal(info.truncated, 1);
	assert_int_equal(info.rcode, 3);
}

/* More answers than records read, more pairs than room: bounded and said. */
static void test_oversized(void **state)
{
	struct dns_pair few[3];
	struct dns_info info;
	struct msg m;
	size_t n;

	put_header(&m, 1, 100, 0, 0);
	put_question(&m, "many.test", 1);
	for (int i = 0; i < 100; i++) {
		put_ptr(&m, 12);
		put_a(&m, 5, 10, 1, 0, (uint8_t)i);
	}
	assert_int_equal(parse(&m, 1, &n, &info), 0);
	assert_int_equal(n, DNS_MAX_ANSWERS);
	assert_int_equal(pairs[DNS_MAX_ANSWERS - 1].addr[3], DNS_MAX_ANSWERS - 1);
	assert_int_equal(dns_parse(m.b, m.n, 1, scratch, few, 3, &n, &info), 0);
	assert_int_equal(n, 3);
	assert_int_equal(info.dropped, DNS_MAX_ANSWERS - 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_record),      cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_loop),    cmocka_unit_test(test_hostile_labels),
		cmocka_unit_test(test_name_length),   cmocka_unit_test(test_longest_text),
		cmocka_unit_test(test_pointers),      cmocka_unit_test(test_wrong_counts),
		cmocka_unit_test(test_every_cut),     cmocka_unit_test(test_not_used),
		cmocka_unit_test(test_ttl_and_flags), cmocka_unit_test(test_oversized),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
