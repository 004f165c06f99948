// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_tls_hello.c - the server name of a TLS ClientHello
 * (recorder/names/tls_hello.h): a real one from openssl s_client, crafted
 * ones (several names, other extensions first, no extensions, a name past
 * the captured bytes), and hostile input (every cut of a hello, lengths that
 * break their enclosing ones, markup and control bytes in a name).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "names/tls_hello.h"

/*
 * The first record openssl 3.0 s_client -servername Web.Example.TEST sent
 * (captured on loopback; its random and key share are of no interest here).
 */
static const uint8_t openssl_hello[] = {
	0x16, 0x03, 0x01, 0x01, 0x3d, 0x01, 0x00, 0x01, 0x39, 0x03, 0x03, 0x63, 0x22, 0xc8, 0x89,
	0x05, 0x25, 0x3d, 0x50, 0xa2, 0xfd, 0xa1, 0x2b, 0x21, 0x9e, 0x8a, 0x99, 0xf9, 0xf6, 0x2c,
	0xc1, 0x8e, 0xe6, 0x0c, 0xde, 0x7a, 0x39, 0xbc, 0x69, 0x16, 0x8f, 0x3e, 0x4d, 0x20, 0xc2,
	0x65, 0x01, 0xc9, 0xb3, 0xab, 0x1b, 0xda, 0xb7, 0xeb, 0x61, 0x88, 0xf4, 0x2c, 0xa0, 0xfa,
	0x05, 0x73, 0x3a, 0xe8, 0xa6, 0x8b, 0xd1, 0xb3, 0x6f, 0x6e, 0x1d, 0x9c, 0x60, 0x0d, 0x2a,
	0xf9, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f,
	0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0,
	0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00,
	0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xb2, 0x00, 0x00, 0x00, 0x15, 0x00, 0x13,
	0x00, 0x00, 0x10, 0x57, 0x65, 0x62, 0x2e, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,
	0x54, 0x45, 0x53, 0x54, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00,
	0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00,
	0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00,
	0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03,
	0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08,
	0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02,
	0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03,
	0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00,
	0x24, 0x00, 0x1d, 0x00, 0x20, 0x17, 0x0c, 0x27, 0xca, 0xdb, 0x2b, 0x96, 0x97, 0xc8, 0xd3,
	0xfd, 0xfb, 0x66, 0xef, 0xa4, 0x07, 0x26, 0xf0, 0x17, 0xc9, 0x50, 0x52, 0xcf, 0x4e, 0x39,
	0xb5, 0x7b, 0x67, 0x62, 0x45, 0x71, 0x7b,
};

/* A hello being built. */
struct hello {
	uint8_t b[2048];
	size_t n;
	size_t record_len, hello_len, exts_len; /* where each length goes */
};

static void put8(struct hello *h, unsigned int v)
{
	h->b[h->n++] = (uint8_t)v;
}

static void put16(struct hello *h, unsigned int v)
{
	put8(h, v >> 8);
	put8(h, v & 0xff);
}

static void put_bytes(struct hello *h, const void *p, size_t n)
{
	memcpy(h->b + h->n, p, n);
	h->n += n;
}

/* Record and handshake headers, the fixed fields, and the extensions' length. */
static void hello_start(struct hello *h)
{
	static const uint8_t random[32];

	h->n = 0;
	put8(h, 22); /* handshake */
	put16(h, 0x0301);
	h->record_len = h->n;
	put16(h, 0);
	put8(h, 1); /* ClientHello */
	h->hello_len = h->n;
	put8(h, 0);
	put16(h, 0);
	put16(h, 0x0303);
	put_bytes(h, random, sizeof(random));
	put8(h, 0);  /* no session id */
	put16(h, 2); /* one cipher suite */
	put16(h, 0x1301);
	put8(h, 1); /* one compression method: null */
	put8(h, 0);
	h->exts_len = h->n;
	put16(h, 0);
}

static void ext(struct hello *h, unsigned int type, const void *data, size_t n)
{
	put16(h, type);
	put16(h, (unsigned int)n);
	put_bytes(h, data, n);
}

/* A server_name extension of one entry of type name_type. */
static void ext_sni(struct hello *h, unsigned int name_type, const char *name)
{
	uint8_t d[512];
	size_t n = strlen(name);

	d[0] = (uint8_t)((n + 3) >> 8);
	d[1] = (uint8_t)(n + 3);
	d[2] = (uint8_t)name_type;
	d[3] = (uint8_t)(n >> 8);
	d[4] = (uint8_t)n;
	memcpy(d + 5, name, n);
	ext(h, 0, d, n + 5);
}

/* The three lengths, now that the hello is whole. */
static void hello_end(struct hello *h)
{
	size_t rec = h->n - 5, hel = h->n - 9, exts = h->n - h->exts_len - 2;

	h->b[h->record_len] = (uint8_t)(rec >> 8);
	h->b[h->record_len + 1] = (uint8_t)rec;
	h->b[h->hello_len] = (uint8_t)(hel >> 16);
	h->b[h->hello_len + 1] = (uint8_t)(hel >> 8);
	h->b[h->hello_len + 2] = (uint8_t)hel;
	h->b[h->exts_len] = (uint8_t)(exts >> 8);
	h->b[h->exts_len + 1] = (uint8_t)exts;
}

static enum tls_hello_result name_of(const struct hello *h, size_t len, char *name)
{
	return tls_hello_name(h->b, len, name);
}

static void test_openssl(void **state)
{
	char name[TLS_NAME_MAX];

	(void)state;
	assert_int_equal(tls_hello_name(openssl_hello, sizeof(openssl_hello), name),
			 TLS_HELLO_NAME);
	assert_string_equal(name, "web.example.test");
}

static void test_crafted(void **state)
{
	static const uint8_t alpn[] = { 0, 3, 2, 'h', '2' };
	struct hello h;
	char name[TLS_NAME_MAX];

	(void)state;
	hello_start(&h); /* other extensions before it */
	ext(&h, 16, alpn, sizeof(alpn));
	ext(&h, 0xfe0d, "", 0);
	ext_sni(&h, 0, "db-1.Internal_Zone.example.");
	hello_end(&h);
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NAME);
	assert_string_equal(name, "db-1.internal_zone.example");

	hello_start(&h); /* no server_name */
	ext(&h, 16, alpn, sizeof(alpn));
	hello_end(&h);
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NO_NAME);
}

static void test_no_extensions(void **state)
{
	struct hello h;
	char name[TLS_NAME_MAX];
	size_t hel;

	(void)state;
	hello_start(&h);
	h.n = h.exts_len; /* the hello ends after the compression methods */
	hel = h.n - 9;
	h.b[h.record_len] = (uint8_t)((h.n - 5) >> 8);
	h.b[h.record_len + 1] = (uint8_t)(h.n - 5);
	h.b[h.hello_len] = 0;
	h.b[h.hello_len + 1] = (uint8_t)(hel >> 8);
	h.b[h.hello_len + 2] = (uint8_t)hel;
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NO_NAME);
}

static void test_name_past_capture(void **state)
{
	uint8_t padding[1400] = { 0 };
	struct hello h;
	char name[TLS_NAME_MAX];

	(void)state;
	hello_start(&h); /* as a post-quantum key share would push it */
	ext(&h, 21, padding, sizeof(padding));
	ext_sni(&h, 0, "late.example");
	hello_end(&h);
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NAME);
	assert_string_equal(name, "late.example");
	/* The first 1232 bytes only, as the kernel passes them. */
	assert_int_equal(name_of(&h, 1232, name), TLS_HELLO_NO_NAME);
}

/* Every cut of a hello is read as far as it goes: never a wrong name. */
static void test_every_cut(void **state)
{
	char name[TLS_NAME_MAX];

	(void)state;
	for (size_t len = 0; len < sizeof(openssl_hello); len++) {
		enum tls_hello_result r = tls_hello_name(openssl_hello, len, name);

		if (r == TLS_HELLO_NAME)
			assert_string_equal(name, "web.example.test");
		else
			assert_int_equal(r, len < 9 ? TLS_HELLO_MALFORMED : TLS_HELLO_NO_NAME);
	}
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
		"<script>.example",
		"a\x1b[31m.example",
		"a b.example",
		"\".example",
		"a..example",
		".example",
		"caf\xc3\xa9.example",
		"",
		"a..",
		"example..",
	};
	char long_name[300], name[TLS_NAME_MAX];
	struct hello h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hello_start(&h);
		ext_sni(&h, 0, bad[i]);
		hello_end(&h);
		assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
	}
	memset(long_name, 'a', sizeof(long_name));
	for (size_t len = 252; len < 256; len++) {
		long_name[len] = '\0';
		hello_start(&h);
		ext_sni(&h, 0, long_name);
		hello_end(&h);
		assert_int_equal(name_of(&h, h.n, name),
				 len <= 253 ? TLS_HELLO_NAME : TLS_HELLO_MALFORMED);
		long_name[len] = 'a';
	}
	hello_start(&h); /* a name type other than host_name only */
	ext_sni(&h, 7, "x.example");
	hello_end(&h);
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NO_NAME);
}

/* Lengths that break the ones around them. */
static void test_wrong_lengths(void **state)
{
	struct hello h;
	char name[TLS_NAME_MAX];

	(void)state;
	hello_start(&h);
	ext_sni(&h, 0, "ok.example");
	hello_end(&h);
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NAME);

	h.b[h.exts_len + 1]++; /* the extensions longer than the hello */
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
	h.b[h.exts_len + 1]--;

	h.b[h.exts_len + 5]++; /* the extension longer than the extensions */
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
	h.b[h.exts_len + 5]--;

	h.b[h.exts_len + 7]--; /* the name list shorter than its extension */
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
	h.b[h.exts_len + 7]++;

	h.b[h.exts_len + 10] = 0xff; /* the name longer than its list */
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
	h.b[h.exts_len + 10] = 10;
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_NAME);

	h.b[5] = 2; /* a ServerHello */
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
	h.b[5] = 1;
	h.b[0] = 23; /* application data */
	assert_int_equal(name_of(&h, h.n, name), TLS_HELLO_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl),	      cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_no_extensions), cmocka_unit_test(test_name_past_capture),
		cmocka_unit_test(test_every_cut),     cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_wrong_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
