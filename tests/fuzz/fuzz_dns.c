// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_dns.c - the DNS response parser (recorder/names/dns_parse.h) against
 * random and mutated messages, built with AddressSanitizer and
 * UndefinedBehaviorSanitizer (make fuzz-dns): a read past a message, an
 * overflow of a name's text, undefined arithmetic or a leak (LeakSanitizer
 * at exit) ends the run with an error; a hang trips the alarm.
 *
 *   fuzz_dns [ITERATIONS [SEED]]   (default 1000000, seed 1: reproducible)
 *
 * Each message is parsed from a buffer of exactly its length on the heap, so
 * that a read one byte past it is caught. Besides surviving, every result is
 * checked: at most cap pairs, names of [a-z0-9_.\-] and \DDD only, shorter
 * than DNS_TEXT_MAX. Prints TAP (one test) for tests/run-all.sh.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz_rng.h"
#include "names/dns_parse.h"

static void put(struct buf *m, const void *p, size_t k)
{
	if (m->n + k > MAX_LEN)
		return;
	memcpy(m->b + m->n, p, k);
	m->n += k;
}

static void put16(struct buf *m, unsigned int v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

/* A random name: labels of random bytes (some of the interesting kind), or a pointer. */
static void put_name(struct buf *m)
{
	unsigned int labels = rnd() % 5;

	for (unsigned int i = 0; i < labels; i++) {
		uint8_t k = (uint8_t)(rnd() % 8 ? 1 + rnd() % 12 : rnd() % 64);

		put(m, &k, 1);
		for (unsigned int j = 0; j < k; j++) {
			uint8_t c = (uint8_t)(rnd() % 4 ? 'a' + rnd() % 26 : rnd());

			put(m, &c, 1);
		}
	}
	/* Pointers mostly to the question's name, which is one. */
	if (m->n > 12 && rnd() % 2)
		put16(m, 0xc000 | (rnd() % 4 ? 12 : 12 + rnd() % (m->n - 12)));
	else
		put(m, "", 1);
}

/* A response that is well formed more often than not: the parser's deep paths. */
static void build(struct buf *m)
{
	unsigned int an = rnd() % 6, ns = rnd() % 2, ar = rnd() % 2;

	m->n = 0;
	put16(m, rnd());
	put16(m, 0x8180 | (rnd() % 8 ? 0 : rnd() & 0x7fff));
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
	put_name(m);
	put16(m, 1);
	put16(m, 1);
	for (unsigned int i = 0; i < an + ns + ar; i++) {
		static const uint16_t types[] = { 1, 28, 5, 16, 41 };
		uint16_t type = types[rnd() % 5];
		size_t at;

		put_name(m);
		put16(m, type);
		put16(m, rnd() % 8 ? 1 : rnd());
		put16(m, rnd());
		put16(m, rnd());
		at = m->n;
		put16(m, 0);
		if (type == 5)
			put_name(m);
		for (unsigned int k = type == 1	   ? 4
				      : type == 28 ? 16
						   : rnd() % 20;
		     type != 5 && k; k--) {
			uint8_t c = (uint8_t)rnd();

			put(m, &c, 1);
		}
		/* RDLENGTH: what was written (a full buffer makes it a lie, as wanted). */
		if (at + 2 <= m->n) {
			m->b[at] = (uint8_t)((m->n - at - 2) >> 8);
			m->b[at + 1] = (uint8_t)(m->n - at - 2);
		}
	}
}

/* Flip, set, cut, insert or copy bytes: the hostile versions of a good message. */
static void mutate(struct buf *m)
{
	static const uint8_t interesting[] = { 0, 1, 0x3f, 0x40, 0x80, 0xc0, 0xff, 63, 64 };
	unsigned int rounds = 1 + rnd() % 4;

	for (unsigned int r = 0; r < rounds && m->n; r++) {
		size_t at = rnd() % m->n;

		switch (rnd() % 6) {
		case 0:
			m->b[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			m->b[at] = interesting[rnd() % sizeof(interesting)];
			break;
		case 2:
			m->n = at; /* cut */
			break;
		case 3:
			if (at + 1 < m->n) { /* a pointer to anywhere */
				m->b[at] = (uint8_t)(0xc0 | (rnd() % 4));
				m->b[at + 1] = (uint8_t)rnd();
			}
			break;
		case 4: { /* a chunk copied over another place */
			size_t from = rnd() % m->n, k = rnd() % 32;

			if (from + k <= m->n && at + k <= m->n)
				memmove(m->b + at, m->b + from, k);
			break;
		}
		default: /* the counts */
			if (m->n >= 12)
				m->b[4 + rnd() % 8] = (uint8_t)rnd();
		}
	}
}

static void random_bytes(struct buf *m)
{
	m->n = rnd() % MAX_LEN;
	for (size_t i = 0; i < m->n; i++)
		m->b[i] = (uint8_t)rnd();
	if (m->n > 3 && rnd() % 2)
		m->b[2] |= 0x80; /* a response, so the parser goes past the header */
}

static int name_ok(const char *name)
{
	size_t len = strnlen(name, DNS_TEXT_MAX);

	if (len >= DNS_TEXT_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.\\", name[i]))
			return 0;
	return 1;
}

/* One message, parsed from a heap copy of exactly its length. 0: as promised. */
static int check(const struct buf *m, struct dns_scratch *s, struct dns_pair *out, size_t cap,
		 uint64_t *pairs, uint64_t *parsed)
{
	uint8_t *copy = malloc(m->n ? m->n : 1);
	struct dns_info info;
	size_t n = 0;
	int err, bad = 0;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, m->b, m->n);
	err = dns_parse(copy, m->n, (int)(rnd() % 2), s, out, cap, &n, &info);
	if ((err && (err != -EBADMSG || n)) || n > cap)
		bad = 1;
	for (size_t i = 0; !bad && i < n; i++)
		bad = !name_ok(out[i].name) || (out[i].family != 4 && out[i].family != 6);
	*pairs += n;
	*parsed += !err;
	free(copy);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct dns_scratch *s = malloc(sizeof(*s));
	struct dns_pair *out = calloc(16, sizeof(*out));
	uint64_t pairs = 0, parsed = 0;
	struct buf m;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) | 1 : 1;
	if (!s || !out)
		return 1;
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
		if (check(&m, s, out, 1 + rnd() % 16, &pairs, &parsed)) {
			printf("not ok 1 - DNS parser fuzz: message %lu broke a promise (seed "
			       "%llu)\n",
			       i, (unsigned long long)(argc > 2 ? strtoull(argv[2], NULL, 10) : 1));
			return 1;
		}
	}
	printf("ok 1 - DNS parser fuzz: %lu random and mutated messages (%llu read, %llu pairs), "
	       "no crash, hang or leak\n",
	       iterations, (unsigned long long)parsed, (unsigned long long)pairs);
	free(out);
	free(s);
	return 0;
}
