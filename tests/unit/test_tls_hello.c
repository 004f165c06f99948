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
#include "openssl_hello.h"

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
