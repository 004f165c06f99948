// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ipfix_send.c - the sender's batches (sendmmsg) to several
 * collectors on 127.0.0.1: each message is counted once per collector, as
 * sent or as a send error, when one collector refuses (a closed port: its
 * ICMP errors fail sends part way through a batch) and the other takes
 * everything; what the second received, message by message and record by
 * record, is what the sender counted, in order. Paced, the same messages
 * arrive and the waits are counted apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "ipfix.h"
#include "ipfix_send.h"
#include "netmon_user.h"
#include "temp_db.h"
#include "test_ipfix_sink.h"

#define INTERVALS 6
#define FLOWS 200	   /* an interval's flows: about 30 messages at IPFIX_MIN_MTU */
#define V4_RECORD_FIXED 56 /* an IPv4 flow record before its interfaceName */

/* What a collector received: messages, flow records, sequence breaks. */
struct got {
	uint64_t messages, records, seq_breaks;
	uint32_t next_seq; /* of the flow domain: records before the next message */
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The flow records of one message (IPv4 sets; the template sets hold none). */
static uint32_t records_of(const uint8_t *m, size_t len)
{
	uint32_t n = 0;

	for (size_t at = IPFIX_HEADER_LEN; at + IPFIX_SET_HEADER_LEN <= len;) {
		unsigned int id = m[at] << 8 | m[at + 1], slen = m[at + 2] << 8 | m[at + 3];

		assert_true(slen >= IPFIX_SET_HEADER_LEN && at + slen <= len);
		for (size_t r = at + 4; id == IPFIX_TMPL_V4 && r < at + slen; n++)
			r += V4_RECORD_FIXED + 1 + m[r + V4_RECORD_FIXED];
		at += slen;
	}
	return n;
}

/* Everything queued at fd now (each interval's sends end before it returns). */
static void drain(int fd, struct got *g, uint32_t domain)
{
	static uint8_t m[IPFIX_MAX_MTU];
	ssize_t len;

	while ((len = recv(fd, m, sizeof(m), 0)) > 0) {
		assert_true(len >= IPFIX_HEADER_LEN);
		g->messages++;
		if (get32(m + 12) != domain)
			continue; /* the process records' domain: none here */
		g->seq_breaks += get32(m + 8) != g->next_seq;
		g->next_seq = get32(m + 8) + records_of(m, (size_t)len);
		g->records += records_of(m, (size_t)len);
	}
}

/* Flow i of an interval: UDP 198.18.x.y:i -> 198.19.0.1:443 on lo. */
static void udp4(struct ipfix_flow *f, unsigned int i)
{
	memset(f, 0, sizeof(*f));
	f->family = NETMON_FAMILY_V4;
	f->protocol = 17;
	f->src[0] = 198;
	f->src[1] = 18;
	f->src[2] = (uint8_t)(i >> 8);
	f->src[3] = (uint8_t)i;
	f->dst[0] = 198;
	f->dst[1] = 19;
	f->dst[3] = 1;
	f->src_port = (uint16_t)(1024 + i);
	f->dst_port = 443;
	f->packets = 1;
	f->octets = 100 + i;
	f->start_ms = f->end_ms = 1796545020000ull + i;
	f->ifindex = 1;
	f->ifname = "lo";
}

/* A port of 127.0.0.1 that refuses: bound, then closed. */
static void refusing(char *name, size_t size)
{
	close(sink(name, size));
}

/* A sender to collectors names[0..n) at rate, on a database of its own. */
struct run {
	struct temp_db tmp;
	struct ipfix_send *s;
	uint64_t errors; /* the send errors counted per interval, summed */
};

static void run_open(struct run *r, const char *const *names, int n, unsigned int rate)
{
	struct ipfix_send_opts so = { .collectors = names,
				      .n_collectors = n,
				      .mtu = IPFIX_MIN_MTU,
				      .domain = 7,
				      .rate = rate };

	memset(r, 0, sizeof(*r));
	assert_int_equal(temp_db_open(&r->tmp, "netmon-test-ipfix-send"), 0);
	assert_int_equal(ipfix_send_open(&r->s, &so, r->tmp.db), 0);
}

/* INTERVALS intervals of FLOWS flows; the taking collector's fd drained after each. */
static void run_intervals(struct run *r, int fd, struct got *g)
{
	struct ipfix_flow f;
	uint64_t records, e0;

	ipfix_send_begin(r->s, 0);
	for (int k = 0; k < INTERVALS; k++) {
		e0 = ipfix_send_errors(r->s);
		ipfix_send_records_begin(r->s);
		for (unsigned int i = 0; i < FLOWS; i++) {
			udp4(&f, i);
			ipfix_send_flow(r->s, &f);
		}
		ipfix_send_records_end(r->s, &records);
		assert_int_equal(records, FLOWS);
		r->errors += ipfix_send_errors(r->s) - e0;
		drain(fd, g, 7); /* ~30 messages: within any receive buffer */
	}
}

static void run_close(struct run *r)
{
	ipfix_send_close(r->s);
	temp_db_remove(&r->tmp);
}

/* Messages the sender emitted (to each collector): templates and records. */
static uint64_t emitted(const struct run *r)
{
	uint64_t records, messages;

	ipfix_send_totals(r->s, &records, &messages);
	return messages;
}

/* What the taking collector got is all that was sent, in order. */
static void check_taken(const struct got *g, const struct collector *c, uint64_t messages)
{
	assert_int_equal(c->errors, 0);
	assert_int_equal(c->sent, messages);
	assert_int_equal(g->messages, messages);
	assert_int_equal(g->records, INTERVALS * FLOWS);
	assert_int_equal(g->seq_breaks, 0);
}

static void test_refusing_collector_counted_apart(void **state)
{
	char good[64], bad[64];
	const char *names[2] = { bad, good };
	int fd = sink(good, sizeof(good));
	const struct collector *b;
	struct got g = { 0 };
	struct run r;
	uint64_t m;

	(void)state;
	refusing(bad, sizeof(bad));
	run_open(&r, names, 2, 0);
	run_intervals(&r, fd, &g);
	m = emitted(&r);
	assert_true(m > INTERVALS * FLOWS / 10); /* many messages a batch, each interval */
	check_taken(&g, ipfix_send_collector(r.s, 1), m);
	b = ipfix_send_collector(r.s, 0);
	/* Every message tried once at the refusing port: sent (and refused
	 * by an ICMP error that fails a later one) or counted as failed. */
	assert_true(b->errors > 0);
	assert_int_equal(b->sent + b->errors, m);
	/* The errors of the intervals, as collector_log stores them, are its. */
	assert_int_equal(r.errors, b->errors);
	assert_int_equal(ipfix_send_errors(r.s), b->errors);
	/* The last refusal waits on the socket: counted at the run's end. */
	ipfix_send_end(r.s);
	assert_in_range(b->sent + b->errors, m, m + 1);
	run_close(&r);
	close(fd);
}

static void test_paced_batches_all_arrive(void **state)
{
	char good[64];
	const char *names[1] = { good };
	int fd = sink(good, sizeof(good));
	struct got g = { 0 };
	struct run r;

	(void)state;
	run_open(&r, names, 1, 20000); /* ~180 messages: about 9 ms */
	run_intervals(&r, fd, &g);
	ipfix_send_end(r.s);
	check_taken(&g, ipfix_send_collector(r.s, 0), emitted(&r));
	/* Paced: it waited, and the waits are counted apart from the work;
	 * at least the messages after the first 2 ms of burst were spread. */
	assert_true(ipfix_send_paused_ns(r.s) > 0);
	run_close(&r);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusing_collector_counted_apart),
		cmocka_unit_test(test_paced_batches_all_arrive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
