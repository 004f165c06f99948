// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_dns.c - DNS responses passed to user space by bpf/flow.bpf.c
 * (bpf/dns.bpf.h), through BPF_PROG_TEST_RUN: which packets go into the ring
 * (received UDP and TCP from port 53 with a payload, both families) and which
 * not (sent ones, other ports, fragments, TCP without payload, --no-names),
 * the record's head and bytes (TC and XDP), the bound on what is copied, and the totals
 * that count responses and those lost to a full ring. And the TLS
 * ClientHellos sent to port 443 that share the ring (bpf/tls.bpf.h): which
 * segments pass (a hello's first, sent by TC egress) and which not (data,
 * received, other ports, UDP). Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

#include "frames.c"

#define MAX_SEEN 8

struct env {
	struct flow_bpf *skel;
	struct snapshotter *snapper;
	struct snapshot snap;
	struct ring_buffer *ring;
	struct dns_record seen[MAX_SEEN];
	int n_seen, n_records;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;

	e->n_records++;
	if (size == sizeof(struct dns_record) && e->n_seen < MAX_SEEN)
		memcpy(&e->seen[e->n_seen++], data, size);
	return 0;
}

static int env_open(void **state, int names)
{
	struct flow_load_opts lo = { .max_flows = 64, .names = names };
	struct snapshot_maps maps;
	struct env *e = calloc(1, sizeof(*e));

	log_init("test_dns", getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	if (!e || flow_load_with(&e->skel, &lo))
		goto fail;
	flow_snapshot_maps(e->skel, &maps);
	if (snapshot_open(&e->snapper, &maps))
		goto fail;
	e->ring = ring_buffer__new(flow_dns_ring_fd(e->skel), on_record, e, NULL);
	if (!e->ring)
		goto fail;
	*state = e;
	return 0;
fail:
	if (e) {
		snapshot_close(e->snapper);
		flow_unload(e->skel);
	}
	free(e);
	return -1;
}

static int setup_on(void **state)
{
	return env_open(state, 1);
}

static int setup_off(void **state)
{
	return env_open(state, 0);
}

static int teardown(void **state)
{
	struct env *e = *state;

	ring_buffer__free(e->ring);
	snapshot_free(&e->snap);
	snapshot_close(e->snapper);
	flow_unload(e->skel);
	free(e);
	return 0;
}

static void run(struct env *e, int dir, const struct frame *f)
{
	int retval;

	assert_int_equal(frame_run_tc(flow_prog_fd(e->skel, dir), f, &retval), 0);
	assert_int_equal(retval, -1); /* TC_ACT_UNSPEC: never changed */
}

/* UDP (or TCP with flags) from sport to 40000, payload bytes numbered. */
static void dns_frame(struct frame *f, int v6, int tcp, uint16_t sport, size_t payload)
{
	memset(f, 0, sizeof(*f));
	frame_eth(f);
	if (v6)
		frame_ipv6(f, "2001:db8::53", "2001:db8::2");
	else
		frame_ipv4(f, "192.0.2.53", "198.51.100.7");
	if (tcp)
		frame_tcp(f, sport, 40000, TCPF_ACK | TCPF_PSH);
	else
		frame_udp(f, sport, 40000);
	frame_payload(f, payload);
	frame_finish(f);
}

/* Read the ring; take a snapshot: the totals of kind passed and lost. */
static void drain_kinds(struct env *e, int passed, int lost_kind, uint64_t *messages,
			uint64_t *lost)
{
	e->n_seen = e->n_records = 0;
	ring_buffer__consume(e->ring);
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	*messages = *lost = 0;
	for (size_t i = 0; i < e->snap.n_totals; i++) {
		const struct total_record *t = &e->snap.totals[i];

		if (t->key.kind == passed)
			*messages += t->c.packets;
		if (t->key.kind == lost_kind)
			*lost += t->c.packets;
	}
}

/* The DNS totals (messages, lost). */
static void drain(struct env *e, uint64_t *messages, uint64_t *lost)
{
	drain_kinds(e, NETMON_KIND_DNS, NETMON_KIND_DNS_DROP, messages, lost);
}

/* A TCP (or UDP) segment from 40001 to dport: a record of type, then a handshake of type hs. */
static void tls_frame(struct frame *f, int v6, int udp, uint16_t dport, uint8_t type, uint8_t hs)
{
	static const uint8_t head[] = { 22, 3, 1, 0, 200 };

	memset(f, 0, sizeof(*f));
	frame_eth(f);
	if (v6)
		frame_ipv6(f, "2001:db8::2", "2001:db8::443");
	else
		frame_ipv4(f, "198.51.100.7", "192.0.2.43");
	if (udp)
		frame_udp(f, 40001, dport);
	else
		frame_tcp(f, 40001, dport, TCPF_ACK | TCPF_PSH);
	frame_payload(f, 205);
	for (size_t i = 0; i < sizeof(head); i++)
		frame_put8(f, f->len - 205 + i, i ? head[i] : type);
	frame_put8(f, f->len - 200, hs);
	frame_finish(f);
}

/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
}

/* A ClientHello sent, IPv4 and IPv6: a record each, head and bytes as sent,
 * stamped with the time it was sent (the clock is read for hellos only). */
static void test_tls_hellos(void **state)
{
	struct env *e = *state;
	uint64_t hellos, lost, t0, t1;
	struct frame f[2];

	t0 = mono_ns();
	for (int i = 0; i < 2; i++) {
		tls_frame(&f[i], i, 0, NETMON_TLS_PORT, 22, 1);
		run(e, NETMON_DIR_OUT, &f[i]);
	}
	t1 = mono_ns();
	drain_kinds(e, NETMON_KIND_TLS_HELLO, NETMON_KIND_TLS_DROP, &hellos, &lost);
	assert_int_equal(hellos, 2);
	assert_int_equal(lost, 0);
	assert_int_equal(e->n_seen, 2);
	for (int i = 0; i < 2; i++) {
		const struct dns_head *h = &e->seen[i].h;

		assert_int_equal(h->family, i ? 6 : 4);
		assert_int_equal(h->protocol, 6);
		assert_int_equal(h->direction, NETMON_DIR_OUT);
		assert_int_equal(h->dst_port, NETMON_TLS_PORT);
		assert_int_equal(h->len, 205);
		assert_int_equal(h->caplen, 205);
		assert_in_range(h->tstamp_ns, t0, t1);
		assert_memory_equal(e->seen[i].data, f[i].data + f[i].l4_off + 20, 205);
		if (i)
			assert_memory_equal(h->dst, f[i].data + f[i].l3_off + 24, 16);
		else
			assert_memory_equal(h->dst, f[i].data + f[i].l3_off + 16, 4);
	}
}

/* Application data, a ServerHello, received, UDP, port 8443: nothing, no count. */
static void test_tls_not_passed(void **state)
{
	struct env *e = *state;
	uint64_t hellos, lost, dns;
	struct frame f;

	tls_frame(&f, 0, 0, NETMON_TLS_PORT, 23, 1);
	run(e, NETMON_DIR_OUT, &f);
	tls_frame(&f, 0, 0, NETMON_TLS_PORT, 22, 2);
	run(e, NETMON_DIR_OUT, &f);
	tls_frame(&f, 0, 0, NETMON_TLS_PORT, 22, 1);
	run(e, NETMON_DIR_IN, &f);
	tls_frame(&f, 1, 1, NETMON_TLS_PORT, 22, 1);
	run(e, NETMON_DIR_OUT, &f);
	tls_frame(&f, 0, 0, 8443, 22, 1);
	run(e, NETMON_DIR_OUT, &f);
	drain_kinds(e, NETMON_KIND_TLS_HELLO, NETMON_KIND_TLS_DROP, &hellos, &lost);
	assert_int_equal(hellos + lost, 0);
	assert_int_equal(e->n_records, 0);
	drain(e, &dns, &lost);
	assert_int_equal(dns + lost, 0);
}

/* A UDP and a TCP response, IPv4 and IPv6: each a record, head and bytes as sent. */
static void test_responses(void **state)
{
	struct env *e = *state;
	uint64_t messages, lost;
	struct frame f[4];

	for (int i = 0; i < 4; i++) {
		dns_frame(&f[i], i & 1, i >> 1, 53, 40 + (size_t)i);
		run(e, NETMON_DIR_IN, &f[i]);
	}
	drain(e, &messages, &lost);
	assert_int_equal(messages, 4);
	assert_int_equal(lost, 0);
	assert_int_equal(e->n_seen, 4);
	for (int i = 0; i < 4; i++) {
		const struct dns_head *h = &e->seen[i].h;
		size_t off = f[i].l4_off + (i >> 1 ? 20 : 8);

		assert_int_equal(h->family, i & 1 ? 6 : 4);
		assert_int_equal(h->protocol, i >> 1 ? 6 : 17);
		assert_int_equal(h->direction, NETMON_DIR_IN);
		assert_int_equal(h->src_port, 53);
		assert_int_equal(h->dst_port, 40000);
		assert_int_equal(h->len, 40 + i);
		assert_int_equal(h->caplen, 40 + i);
		assert_int_equal(h->ifindex, 1);
		assert_memory_equal(e->seen[i].data, f[i].data + off, h->len);
		if (i & 1)
			assert_memory_equal(h->src, f[i].data + f[i].l3_off + 8, 16);
		else
			assert_memory_equal(h->src, f[i].data + f[i].l3_off + 12, 4);
	}
}

/* Sent, from another port, without payload, a fragment: nothing, at no count. */
static void test_not_passed(void **state)
{
	struct env *e = *state;
	uint64_t messages, lost;
	struct frame f;

	dns_frame(&f, 0, 0, 53, 40);
	run(e, NETMON_DIR_OUT, &f);
	dns_frame(&f, 0, 0, 5353, 40);
	run(e, NETMON_DIR_IN, &f);
	dns_frame(&f, 1, 1, 53, 0); /* an ACK */
	run(e, NETMON_DIR_IN, &f);
	memset(&f, 0, sizeof(f));
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.53", "198.51.100.7");
	frame_ipv4_frag(&f, 0, 1);
	frame_udp(&f, 53, 40000);
	frame_payload(&f, 100);
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);
	drain(e, &messages, &lost);
	assert_int_equal(messages + lost, 0);
	assert_int_equal(e->n_records, 0);
}

/* A 1,472-byte answer: its first NETMON_DNS_MAX bytes, its whole length said. */
static void test_bound(void **state)
{
	struct env *e = *state;
	uint64_t messages, lost;
	struct frame f;

	dns_frame(&f, 0, 0, 53, 1472);
	run(e, NETMON_DIR_IN, &f);
	drain(e, &messages, &lost);
	assert_int_equal(messages, 1);
	assert_int_equal(e->n_seen, 1);
	assert_int_equal(e->seen[0].h.len, 1472);
	assert_int_equal(e->seen[0].h.caplen, NETMON_DNS_MAX);
	assert_memory_equal(e->seen[0].data, f.data + f.l4_off + 8, NETMON_DNS_MAX);
}

/* With nobody reading, the ring fills: every response counted, read or lost. */
static void test_ring_full(void **state)
{
	struct env *e = *state;
	unsigned int sent = NETMON_DNS_RING_BYTES / sizeof(struct dns_record) + 20;
	uint64_t messages, lost;
	struct frame f;

	dns_frame(&f, 0, 0, 53, 60);
	for (unsigned int i = 0; i < sent; i++)
		run(e, NETMON_DIR_IN, &f);
	drain(e, &messages, &lost);
	assert_true(lost >= 20);
	assert_int_equal(messages + lost, sent);
	assert_int_equal((uint64_t)e->n_records, messages);
}

/* --hook xdp: a response received through the XDP program, the same record. */
static void test_xdp(void **state)
{
	struct env *e = *state;
	uint64_t messages, lost;
	struct frame f;

	dns_frame(&f, 1, 0, 53, 77);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f.data, .data_size_in = (__u32)f.len,
		    .repeat = 1);
	assert_int_equal(bpf_prog_test_run_opts(flow_xdp_prog_fd(e->skel), &o), 0);
	assert_int_equal(o.retval, 2); /* XDP_PASS */
	drain(e, &messages, &lost);
	assert_int_equal(messages, 1);
	assert_int_equal(e->n_seen, 1);
	assert_int_equal(e->seen[0].h.family, 6);
	assert_int_equal(e->seen[0].h.caplen, 77);
	assert_memory_equal(e->seen[0].data, f.data + f.l4_off + 8, 77);
}

/* --no-names: the same response, or a ClientHello, passes nothing and counts nothing. */
static void test_off(void **state)
{
	struct env *e = *state;
	uint64_t messages, lost;
	struct frame f;

	assert_int_equal(flow_passes_dns(e->skel), 0);
	dns_frame(&f, 0, 0, 53, 40);
	run(e, NETMON_DIR_IN, &f);
	drain(e, &messages, &lost);
	assert_int_equal(messages + lost, 0);
	assert_int_equal(e->n_records, 0);
	assert_int_equal(e->snap.n_flows, 1);	     /* counted as traffic all the same */
	tls_frame(&f, 0, 0, NETMON_TLS_PORT, 22, 1); /* a ClientHello: neither */
	run(e, NETMON_DIR_OUT, &f);
	drain_kinds(e, NETMON_KIND_TLS_HELLO, NETMON_KIND_TLS_DROP, &messages, &lost);
	assert_int_equal(messages + lost, 0);
	assert_int_equal(e->n_records, 0);
	assert_int_equal(e->snap.n_flows, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_responses, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_not_passed, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_ring_full, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_xdp, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_tls_hellos, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_tls_not_passed, setup_on, teardown),
		cmocka_unit_test_setup_teardown(test_off, setup_off, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
