// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_tls.c - the TLS ClientHello reader (recorder/names/tls_hello.h)
 * against random and mutated hellos, built with AddressSanitizer and
 * UndefinedBehaviorSanitizer (make test-fuzz): a read past the data,
 * undefined arithmetic or a leak ends the run with an error; a hang trips
 * the alarm.
 *
 *   fuzz_tls [ITERATIONS [SEED]]   (default 1000000, seed 1: reproducible)
 *
 * Each hello is read from a buffer of exactly its length on the heap, so
 * that a read one byte past it is caught. Besides surviving, every result is
 * checked: one of the three, and a name only of [a-z0-9_.-], 1 to 253
 * characters, with no empty label. Prints TAP (one test) for
 * tests/run-all.sh.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz_rng.h"
#include "names/tls_hello.h"

static void put8(struct buf *m, unsigned int v)
{
	if (m->n < MAX_LEN)
		m->b[m->n++] = (uint8_t)v;
}

static void put16(struct buf *m, unsigned int v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

/* The 2-byte length of what was written since at (a full buffer makes it a lie). */
static void len16_at(struct buf *m, size_t at)
{
	if (at + 2 <= m->n) {
		m->b[at] = (uint8_t)((m->n - at - 2) >> 8);
		m->b[at + 1] = (uint8_t)(m->n - at - 2);
	}
}

/* A server_name extension: names of letters mostly, some of any byte. */
static void put_sni(struct buf *m)
{
	size_t ext, list, name;
	unsigned int k = rnd() % 8 ? 1 + rnd() % 40 : rnd() % 300;

	put16(m, 0);
	ext = m->n;
	put16(m, 0);
	list = m->n;
	put16(m, 0);
	put8(m, rnd() % 8 ? 0 : rnd());
	name = m->n;
	put16(m, 0);
	for (unsigned int i = 0; i < k; i++)
		put8(m, rnd() % 4 ? (rnd() % 6 ? 'a' + rnd() % 26 : '.') : rnd());
	len16_at(m, name);
	len16_at(m, list);
	len16_at(m, ext);
}

/* A hello that is well formed more often than not: the reader's deep paths. */
static void build(struct buf *m)
{
	unsigned int exts = rnd() % 6, sid = rnd() % 33, suites = 1 + rnd() % 20;
	size_t record, exts_at;

	m->n = 0;
	put8(m, 22);
	put16(m, 0x0301);
	record = m->n;
	put16(m, 0);
	put8(m, 1);
	put8(m, 0); /* the hello's length: below */
	put16(m, 0);
	put16(m, 0x0303);
	for (unsigned int i = 0; i < 32 + 1 + sid; i++)
		put8(m, i == 32 ? sid : rnd());
	put16(m, 2 * suites);
	for (unsigned int i = 0; i < suites; i++)
		put16(m, rnd());
	put8(m, 1);
	put8(m, 0);
	exts_at = m->n;
	put16(m, 0);
	for (unsigned int i = 0; i < exts; i++) {
		if (rnd() % 3 == 0) {
			put_sni(m);
		} else {
			size_t at;
			unsigned int k = rnd() % 8 ? rnd() % 40 : rnd() % 1400;

			put16(m, 1 + rnd() % 0xffff);
			at = m->n;
			put16(m, 0);
			for (unsigned int j = 0; j < k; j++)
				put8(m, rnd());
			len16_at(m, at);
		}
	}
	len16_at(m, exts_at);
	len16_at(m, record);
	if (m->n >= 9) {
		m->b[6] = (uint8_t)((m->n - 9) >> 16);
		m->b[7] = (uint8_t)((m->n - 9) >> 8);
		m->b[8] = (uint8_t)(m->n - 9);
	}
}

/* Flip, set, cut or copy bytes: the hostile versions of a good hello. */
static void mutate(struct buf *m)
{
	static const uint8_t interesting[] = { 0, 1, 2, 0x7f, 0x80, 0xff, '.', '<', 22 };
	unsigned int rounds = 1 + rnd() % 4;

	for (unsigned int r = 0; r < rounds && m->n; r++) {
		size_t at = rnd() % m->n;

		switch (rnd() % 4) {
		case 0:
			m->b[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			m->b[at] = interesting[rnd() % sizeof(interesting)];
			break;
		case 2:
			m->n = at; /* cut, as a capture of the first bytes is */
			break;
		default: { /* a chunk copied over another place */
			size_t from = rnd() % m->n, k = rnd() % 32;

			if (from + k <= m->n && at + k <= m->n)
				memmove(m->b + at, m->b + from, k);
		}
		}
	}
}

static void random_bytes(struct buf *m)
{
	m->n = rnd() % MAX_LEN;
	for (size_t i = 0; i < m->n; i++)
		m->b[i] = (uint8_t)rnd();
	if (m->n > 5 && rnd() % 2) { /* past the first check */
		m->b[0] = 22;
		m->b[1] = 3;
		m->b[5] = 1;
	}
}

static int name_ok(const char *name)
{
	size_t len = strnlen(name, TLS_NAME_MAX);

	if (!len || len >= TLS_NAME_MAX || name[0] == '.' || name[len - 1] == '.' ||
	    strstr(name, ".."))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", name[i]))
			return 0;
	return 1;
}

/* One hello, read from a heap copy of exactly its length. 0: as promised. */
static int check(const struct buf *m, uint64_t *names)
{
	uint8_t *copy = malloc(m->n ? m->n : 1);
	char name[TLS_NAME_MAX];
	enum tls_hello_result r;
	int bad;

	if (!copy)
		return 1;
	memcpy(copy, m->b, m->n);
	r = tls_hello_name(copy, m->n, name);
	bad = r != TLS_HELLO_NAME && r != TLS_HELLO_NO_NAME && r != TLS_HELLO_MALFORMED;
	if (!bad && r == TLS_HELLO_NAME) {
		bad = !name_ok(name);
		*names += 1;
	}
	free(copy);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	uint64_t names = 0;
	struct buf m;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) | 1 : 1;
	alarm(FUZZ_SECONDS); /* a hang dies of SIGALRM: no TAP line, a failure */
	printf("1..1\n");
	for (unsigned long i = 0; i < iterations; i++) {
		switch (i % 4) {
		case 0:
			random_bytes(&m);
			break;
		case 1:
			build(&m);
			break;
		default:
			build(&m);
			mutate(&m);
		}
		if (check(&m, &names)) {
			printf("not ok 1 - TLS hello fuzz: hello %lu broke a promise (seed %llu)\n",
			       i, (unsigned long long)(argc > 2 ? strtoull(argv[2], NULL, 10) : 1));
			return 1;
		}
	}
	printf("ok 1 - TLS hello fuzz: %lu random and mutated hellos (%llu named), no crash, "
	       "hang or leak\n",
	       iterations, (unsigned long long)names);
	return 0;
}
