// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_flow_prog.c - bpf/flow.bpf.c through BPF_PROG_TEST_RUN.
 *
 * Each test loads a fresh skeleton, runs crafted frames through the TC
 * ingress or egress program (and, in one test, the XDP one), takes a snapshot
 * (flip + drain, recorder/kernel/snapshot.c) and asserts the complete drained
 * contents: the exact set of flow records and totals rows, every counter, and
 * a TC_ACT_UNSPEC verdict for every frame. Needs root (CAP_BPF and
 * CAP_NET_ADMIN); without it every setup fails, which fails the suite.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

/* The Makefile links each tests/bpf/test_*.c alone: take the builder with us. */
#include "frames.c"

#define LO_IFINDEX 1 /* test_run's device when ctx_in names none */
#define TC_ACT_UNSPEC (-1)
/* Above the drain's first batch (4096) so that the many-flows test needs several. */
#define TEST_MAX_FLOWS 16384
#define TINY_MAX_FLOWS 4

#define V4_A "192.0.2.1"
#define V4_B "198.51.100.7"
#define V6_A "2001:db8::1"
#define V6_B "2001:db8:ffff::2"

enum {
	P_ICMP = 1,
	P_TCP = 6,
	P_UDP = 17,
	P_GRE = 47,
	P_ESP = 50,
	P_ICMPV6 = 58,
	P_NONE = 59,
	P_SCTP = 132,
	P_UDPLITE = 136
};
enum { X_HOP = 0, X_ROUTING = 43, X_AH = 51, X_DSTOPTS = 60 };

struct env {
	struct flow_bpf *skel;
	struct snapshotter *snapper;
	struct snapshot snap;
	uint64_t t0; /* CLOCK_MONOTONIC_COARSE before the first frame, rounded
		      * down to the kernel's time unit (1024 ns, netmon.h) */
};

/* What one flow record must hold besides its key and timestamps. */
struct want {
	uint64_t packets, bytes;
	uint32_t syn, fin, rst, flags;
	uint32_t request; /* a SYN without ACK among the syn packets */
};

/* ---- harness ---- */

static uint64_t mono_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int env_open(void **state, unsigned int max_flows)
{
	struct snapshot_maps maps;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	log_init("test_flow_prog", getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	if (flow_load(&e->skel, max_flows)) {
		free(e);
		return -1;
	}
	flow_snapshot_maps(e->skel, &maps);
	if (snapshot_open(&e->snapper, &maps)) {
		flow_unload(e->skel);
		free(e);
		return -1;
	}
	e->t0 = mono_coarse_ns() & ~1023ull;
	*state = e;
	return 0;
}

static int setup(void **state)
{
	return env_open(state, TEST_MAX_FLOWS);
}

static int setup_tiny(void **state)
{
	return env_open(state, TINY_MAX_FLOWS);
}

static int teardown(void **state)
{
	struct env *e = *state;

	snapshot_free(&e->snap);
	snapshot_close(e->snapper);
	flow_unload(e->skel);
	free(e);
	return 0;
}

/* Run one frame; ctx carries ifindex / gso_segs / gso_size (never len). */
static int run_raw(struct env *e, int dir, const void *data, size_t len, struct __sk_buff *ctx,
		   uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = (__u32)len,
		    .ctx_in = ctx, .ctx_size_in = sizeof(*ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(flow_prog_fd(e->skel, dir), &o);

	*retval = o.retval;
	return err ? -errno : 0;
}

static void run_ctx(struct env *e, int dir, const struct frame *f, struct __sk_buff *ctx)
{
	uint32_t retval = 0;

	assert_int_equal(run_raw(e, dir, f->data, f->len, ctx, &retval), 0);
	/* The observer must never change a packet's fate. */
	assert_int_equal((int32_t)retval, TC_ACT_UNSPEC);
}

static void run(struct env *e, int dir, const struct frame *f)
{
	struct __sk_buff ctx = { 0 };

	run_ctx(e, dir, f, &ctx);
}

static void run_gso(struct env *e, int dir, const struct frame *f, uint32_t segs, uint32_t size)
{
	struct __sk_buff ctx = { .gso_segs = segs, .gso_size = size };

	run_ctx(e, dir, f, &ctx);
}

static void take(struct env *e)
{
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
}

static struct flow_key key4(uint8_t proto, int dir, const char *src, uint16_t sport,
			    const char *dst, uint16_t dport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.ifindex = LO_IFINDEX;
	k.family = NETMON_FAMILY_V4;
	k.protocol = proto;
	k.direction = (uint8_t)dir;
	k.src_port = sport;
	k.dst_port = dport;
	assert_int_equal(inet_pton(AF_INET, src, k.src), 1);
	assert_int_equal(inet_pton(AF_INET, dst, k.dst), 1);
	return k;
}

static struct flow_key key6(uint8_t proto, int dir, const char *src, uint16_t sport,
			    const char *dst, uint16_t dport)
{
	struct flow_key k = key4(proto, dir, "0.0.0.0", sport, "0.0.0.0", dport);

	k.family = NETMON_FAMILY_V6;
	assert_int_equal(inet_pton(AF_INET6, src, k.src), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, k.dst), 1);
	return k;
}

static void print_key(const char *what, const struct flow_key *k)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = k->family == NETMON_FAMILY_V6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->src, s, sizeof(s));
	inet_ntop(af, k->dst, d, sizeof(d));
	print_message("%s: if %u fam %u proto %u dir %u pad %u %s:%u -> %s:%u\n", what, k->ifindex,
		      k->family, k->protocol, k->direction, k->pad, s, k->src_port, d, k->dst_port);
}

/* The record of k; fails unless there is exactly one. */
static const struct flow_record *find_flow(const struct env *e, const struct flow_key *k)
{
	const struct flow_record *found = NULL;
	int n = 0;

	for (size_t i = 0; i < e->snap.n_flows; i++) {
		if (!memcmp(&e->snap.flows[i].key, k, sizeof(*k))) {
			found = &e->snap.flows[i];
			n++;
		}
	}
	if (n != 1) {
		print_key("wanted", k);
		for (size_t i = 0; i < e->snap.n_flows; i++)
			print_key("  have", &e->snap.flows[i].key);
	}
	assert_int_equal(n, 1);
	return found;
}

static void expect_flow(const struct env *e, struct flow_key k, struct want w)
{
	const struct flow_record *r = find_flow(e, &k);

	assert_int_equal(r->c.packets, w.packets);
	assert_int_equal(r->c.bytes, w.bytes);
	assert_int_equal(r->c.syn, w.syn);
	assert_int_equal(r->c.fin, w.fin);
	assert_int_equal(r->c.rst, w.rst);
	assert_int_equal(r->c.tcp_flags, w.flags);
	assert_int_equal(r->c.syn_request, w.request);
	/* Stamped by this run's packets, before the flip. */
	assert_true(r->c.first_seen_ns >= e->t0);
	assert_true(r->c.last_seen_ns >= r->c.first_seen_ns);
	assert_true(r->c.last_seen_ns <= e->snap.mono_ns);
}

static const struct total_record *find_total(const struct env *e, const struct total_key *k)
{
	const struct total_record *found = NULL;
	int n = 0;

	for (size_t i = 0; i < e->snap.n_totals; i++) {
		if (!memcmp(&e->snap.totals[i].key, k, sizeof(*k))) {
			found = &e->snap.totals[i];
			n++;
		}
	}
	if (n != 1) {
		print_message("wanted total if %u dir %u fam %u proto %u kind %u, have:\n",
			      k->ifindex, k->direction, k->family, k->protocol, k->kind);
		for (size_t i = 0; i < e->snap.n_totals; i++) {
			const struct total_record *t = &e->snap.totals[i];

			print_message("  if %u dir %u fam %u proto %u kind %u: %llu pkts %llu B\n",
				      t->key.ifindex, t->key.direction, t->key.family,
				      t->key.protocol, t->key.kind,
				      (unsigned long long)t->c.packets,
				      (unsigned long long)t->c.bytes);
		}
	}
	assert_int_equal(n, 1);
	return found;
}

static void expect_total_if(const struct env *e, uint32_t ifindex, uint8_t kind, int dir,
			    uint8_t family, uint8_t proto, uint64_t packets, uint64_t bytes)
{
	struct total_key k = { .ifindex = ifindex,
			       .direction = (uint8_t)dir,
			       .family = family,
			       .protocol = proto,
			       .kind = kind };
	const struct total_record *r = find_total(e, &k);

	assert_int_equal(r->c.packets, packets);
	assert_int_equal(r->c.bytes, bytes);
}

static void expect_total(const struct env *e, uint8_t kind, int dir, uint8_t family, uint8_t proto,
			 uint64_t packets, uint64_t bytes)
{
	expect_total_if(e, LO_IFINDEX, kind, dir, family, proto, packets, bytes);
}

/* Nothing beyond what the test expects: the exact number of rows. */
static void expect_rows(const struct env *e, size_t flows, size_t totals)
{
	assert_int_equal(e->snap.n_flows, flows);
	assert_int_equal(e->snap.n_totals, totals);
}

/* ---- frames used by several tests ---- */

static void tcp4(struct frame *f, const char *s, uint16_t sp, const char *d, uint16_t dp,
		 uint8_t flags, size_t payload)
{
	frame_eth(f);
	frame_ipv4(f, s, d);
	frame_tcp(f, sp, dp, flags);
	frame_payload(f, payload);
	frame_finish(f);
}

static void tcp6(struct frame *f, const char *s, uint16_t sp, const char *d, uint16_t dp,
		 uint8_t flags, size_t payload)
{
	frame_eth(f);
	frame_ipv6(f, s, d);
	frame_tcp(f, sp, dp, flags);
	frame_payload(f, payload);
	frame_finish(f);
}

static void udp4(struct frame *f, const char *s, uint16_t sp, const char *d, uint16_t dp,
		 size_t payload)
{
	frame_eth(f);
	frame_ipv4(f, s, d);
	frame_udp(f, sp, dp);
	frame_payload(f, payload);
	frame_finish(f);
}

static void udp6(struct frame *f, const char *s, uint16_t sp, const char *d, uint16_t dp,
		 size_t payload)
{
	frame_eth(f);
	frame_ipv6(f, s, d);
	frame_udp(f, sp, dp);
	frame_payload(f, payload);
	frame_finish(f);
}

/* ---- TCP, UDP, ICMP ---- */

/*
 * One connection's client side sent out (flags ORed, SYN/FIN/RST counted per
 * packet, a retransmitted SYN counted twice) and the server's SYN-ACK received
 * as a flow of its own. L3 bytes: 7 packets of header hl plus 101 payload bytes.
 */
static void tcp_flags_case(struct env *e, int v6)
{
	static const struct {
		uint8_t flags;
		size_t payload;
	} seq[] = {
		{ TCPF_SYN | TCPF_ECE | TCPF_CWR, 0 }, /* ECN-setup SYN, RFC 3168 6.1.1 */
		{ TCPF_SYN | TCPF_ECE | TCPF_CWR, 0 }, /* its retransmission */
		{ TCPF_ACK, 0 },
		{ TCPF_PSH | TCPF_ACK, 100 },
		{ TCPF_URG | TCPF_ACK, 1 },
		{ TCPF_FIN | TCPF_ACK, 0 },
		{ TCPF_RST, 0 },
	};
	const char *a = v6 ? V6_A : V4_A, *b = v6 ? V6_B : V4_B;
	struct flow_key (*key)(uint8_t, int, const char *, uint16_t, const char *, uint16_t) =
		v6 ? key6 : key4;
	uint8_t fam = v6 ? NETMON_FAMILY_V6 : NETMON_FAMILY_V4;
	uint64_t hl = v6 ? 60 : 40, out_bytes = 7 * hl + 101;
	struct frame f;

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		(v6 ? tcp6 : tcp4)(&f, a, 40000, b, 443, seq[i].flags, seq[i].payload);
		run(e, NETMON_DIR_OUT, &f);
	}
	(v6 ? tcp6 : tcp4)(&f, b, 443, a, 40000, TCPF_SYN | TCPF_ACK, 0);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 2, 2);
	expect_flow(e, key(P_TCP, NETMON_DIR_OUT, a, 40000, b, 443),
		    (struct want){ .packets = 7,
				   .bytes = out_bytes,
				   .syn = 2,
				   .fin = 1,
				   .rst = 1,
				   .flags = 0xff,
				   .request = 1 });
	expect_flow(e, key(P_TCP, NETMON_DIR_IN, b, 443, a, 40000),
		    (struct want){ .packets = 1, .bytes = hl, .syn = 1, .flags = 0x12 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, fam, P_TCP, 7, out_bytes);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, fam, P_TCP, 1, hl);
}

static void test_ipv4_tcp_flags(void **state)
{
	tcp_flags_case(*state, 0);
}

static void test_ipv6_tcp_flags(void **state)
{
	tcp_flags_case(*state, 1);
}

static void test_udp(void **state)
{
	struct env *e = *state;
	struct frame f;

	udp4(&f, V4_A, 5000, V4_B, 53, 10); /* L3 38 */
	run(e, NETMON_DIR_OUT, &f);
	udp4(&f, V4_A, 5000, V4_B, 53, 1000); /* L3 1028 */
	run(e, NETMON_DIR_OUT, &f);
	udp6(&f, V6_B, 53, V6_A, 5000, 10); /* L3 58 */
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 2, 2);
	expect_flow(e, key4(P_UDP, NETMON_DIR_OUT, V4_A, 5000, V4_B, 53),
		    (struct want){ .packets = 2, .bytes = 1066 });
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_B, 53, V6_A, 5000),
		    (struct want){ .packets = 1, .bytes = 58 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_UDP, 2, 1066);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_UDP, 1, 58);
}

static void icmp_frame(struct frame *f, int v6, const char *s, const char *d, uint8_t type,
		       uint8_t code, size_t payload)
{
	frame_eth(f);
	if (v6)
		frame_ipv6(f, s, d);
	else
		frame_ipv4(f, s, d);
	frame_icmp(f, type, code);
	frame_payload(f, payload);
	frame_finish(f);
}

/* ICMP type and code are the key's src_port and dst_port. */
static void test_icmp_echo(void **state)
{
	struct env *e = *state;
	struct frame f;

	for (int i = 0; i < 2; i++) {
		icmp_frame(&f, 0, V4_A, V4_B, 8, 0, 56); /* ping: L3 84 */
		run(e, NETMON_DIR_OUT, &f);
		icmp_frame(&f, 0, V4_B, V4_A, 0, 0, 56);
		run(e, NETMON_DIR_IN, &f);
	}
	icmp_frame(&f, 0, V4_B, V4_A, 3, 3, 28); /* port unreachable: L3 56 */
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 3, 2);
	expect_flow(e, key4(P_ICMP, NETMON_DIR_OUT, V4_A, 8, V4_B, 0),
		    (struct want){ .packets = 2, .bytes = 168 });
	expect_flow(e, key4(P_ICMP, NETMON_DIR_IN, V4_B, 0, V4_A, 0),
		    (struct want){ .packets = 2, .bytes = 168 });
	expect_flow(e, key4(P_ICMP, NETMON_DIR_IN, V4_B, 3, V4_A, 3),
		    (struct want){ .packets = 1, .bytes = 56 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_ICMP, 2, 168);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_ICMP, 3, 224);
}

static void test_icmpv6(void **state)
{
	struct env *e = *state;
	struct frame f;

	icmp_frame(&f, 1, V6_A, V6_B, 128, 0, 56); /* echo request: L3 104 */
	run(e, NETMON_DIR_OUT, &f);
	icmp_frame(&f, 1, V6_B, V6_A, 129, 0, 56);
	run(e, NETMON_DIR_IN, &f);
	icmp_frame(&f, 1, V6_A, V6_B, 135, 0, 16); /* neighbour solicitation: L3 64 */
	run(e, NETMON_DIR_OUT, &f);
	/* MLDv2 report behind a hop-by-hop router alert (RFC 3810 5): L3 76. */
	frame_eth(&f);
	frame_ipv6(&f, V6_A, "ff02::16");
	frame_ipv6_ext(&f, X_HOP, 8);
	frame_icmp(&f, 143, 0);
	frame_payload(&f, 20);
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 4, 2);
	expect_flow(e, key6(P_ICMPV6, NETMON_DIR_OUT, V6_A, 128, V6_B, 0),
		    (struct want){ .packets = 1, .bytes = 104 });
	expect_flow(e, key6(P_ICMPV6, NETMON_DIR_IN, V6_B, 129, V6_A, 0),
		    (struct want){ .packets = 1, .bytes = 104 });
	expect_flow(e, key6(P_ICMPV6, NETMON_DIR_OUT, V6_A, 135, V6_B, 0),
		    (struct want){ .packets = 1, .bytes = 64 });
	expect_flow(e, key6(P_ICMPV6, NETMON_DIR_OUT, V6_A, 143, "ff02::16", 0),
		    (struct want){ .packets = 1, .bytes = 76 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 6, P_ICMPV6, 3, 244);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_ICMPV6, 1, 104);
}

/* Protocols without ports keep 0/0; UDP-Lite has UDP's port layout. */
static void proto_frame(struct frame *f, int v6, uint8_t proto, size_t payload)
{
	frame_eth(f);
	if (v6)
		frame_ipv6(f, V6_A, V6_B);
	else
		frame_ipv4(f, V4_A, V4_B);
	frame_proto(f, proto);
	frame_payload(f, payload);
	if (proto == P_UDPLITE) {
		frame_put16(f, f->len - payload, 1234);
		frame_put16(f, f->len - payload + 2, 5678);
	}
	frame_finish(f);
}

static void test_other_protocols(void **state)
{
	static const struct {
		int v6;
		uint8_t proto;
		size_t payload;
		uint16_t sport, dport;
		uint64_t l3;
	} c[] = {
		{ 0, P_ESP, 40, 0, 0, 60 },  { 0, P_GRE, 4, 0, 0, 24 },
		{ 0, P_SCTP, 12, 0, 0, 32 }, { 0, P_UDPLITE, 8, 1234, 5678, 28 },
		{ 1, P_NONE, 0, 0, 0, 40 },  { 1, P_ESP, 40, 0, 0, 80 },
	};
	const size_t n = sizeof(c) / sizeof(c[0]);
	struct env *e = *state;
	struct frame f;

	for (size_t i = 0; i < n; i++) {
		proto_frame(&f, c[i].v6, c[i].proto, c[i].payload);
		run(e, NETMON_DIR_IN, &f);
	}
	take(e);

	expect_rows(e, n, n);
	for (size_t i = 0; i < n; i++) {
		struct flow_key k = (c[i].v6 ? key6(c[i].proto, NETMON_DIR_IN, V6_A, c[i].sport,
						    V6_B, c[i].dport)
					     : key4(c[i].proto, NETMON_DIR_IN, V4_A, c[i].sport,
						    V4_B, c[i].dport));

		expect_flow(e, k, (struct want){ .packets = 1, .bytes = c[i].l3 });
		expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, c[i].v6 ? 6 : 4, c[i].proto, 1,
			     c[i].l3);
	}
}

/* ---- VLAN ---- */

/* Tags are not part of the key: tagged and untagged frames of a 5-tuple add up. */
static void test_vlan_8021q(void **state)
{
	struct env *e = *state;
	struct frame f;

	frame_eth(&f);
	frame_vlan(&f, ETHERTYPE_8021Q, 10);
	frame_ipv4(&f, V4_A, V4_B);
	frame_udp(&f, 5000, 53);
	frame_payload(&f, 20); /* L3 48 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);
	udp4(&f, V4_A, 5000, V4_B, 53, 20);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 1, 1);
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 5000, V4_B, 53),
		    (struct want){ .packets = 2, .bytes = 96 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 2, 96);
}

/* 802.1ad outer + 802.1Q inner, the pre-standard 0x9100 outer, and 4 tags (the bound). */
static void test_vlan_qinq(void **state)
{
	static const uint16_t four[] = { ETHERTYPE_8021AD, ETHERTYPE_8021Q, ETHERTYPE_8021Q,
					 ETHERTYPE_8021Q };
	struct env *e = *state;
	struct frame f;

	frame_eth(&f);
	frame_vlan(&f, ETHERTYPE_8021AD, 100);
	frame_vlan(&f, ETHERTYPE_8021Q, 10);
	frame_ipv6(&f, V6_A, V6_B);
	frame_tcp(&f, 1000, 22, TCPF_SYN); /* L3 60 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);

	frame_eth(&f);
	frame_vlan(&f, ETHERTYPE_QINQ1, 100);
	frame_vlan(&f, ETHERTYPE_8021Q, 10);
	frame_ipv4(&f, V4_A, V4_B);
	frame_tcp(&f, 1000, 22, TCPF_ACK);
	frame_payload(&f, 10); /* L3 50 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);

	frame_eth(&f);
	for (size_t i = 0; i < 4; i++)
		frame_vlan(&f, four[i], (uint16_t)(i + 1));
	frame_ipv4(&f, V4_A, V4_B);
	frame_udp(&f, 7, 7); /* L3 28 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 3, 3);
	expect_flow(e, key6(P_TCP, NETMON_DIR_OUT, V6_A, 1000, V6_B, 22),
		    (struct want){ .packets = 1, .bytes = 60, .syn = 1, .flags = TCPF_SYN, .request = 1 });
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1000, V4_B, 22),
		    (struct want){ .packets = 1, .bytes = 50, .flags = TCPF_ACK });
	expect_flow(e, key4(P_UDP, NETMON_DIR_OUT, V4_A, 7, V4_B, 7),
		    (struct want){ .packets = 1, .bytes = 28 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 6, P_TCP, 1, 60);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_TCP, 1, 50);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_UDP, 1, 28);
}

/*
 * Five tags: past NETMON_MAX_VLAN the "ethertype" found is still a TPID, so
 * the frame is counted as non-IP with its frame bytes: a stack deeper than we
 * walk is a frame we do not parse, like any other ethertype (netmon.h).
 */
static void test_vlan_too_deep(void **state)
{
	struct env *e = *state;
	struct frame f;

	frame_eth(&f);
	for (int i = 0; i < 5; i++)
		frame_vlan(&f, ETHERTYPE_8021Q, (uint16_t)(i + 1));
	frame_ipv4(&f, V4_A, V4_B);
	frame_udp(&f, 7, 7);
	frame_finish(&f); /* 14 + 20 + 28 = 62 bytes */
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 0, 1);
	expect_total(e, NETMON_KIND_NON_IP, NETMON_DIR_OUT, 0, 0, 1, 62);
}

/* ---- IPv4 options and fragments ---- */

/* Every IHL from 5 to 15: the L4 header is found after the options. */
static void test_ipv4_options(void **state)
{
	struct env *e = *state;
	struct frame f;

	for (unsigned int ihl = 5; ihl <= 15; ihl++) {
		frame_eth(&f);
		frame_ipv4_ihl(&f, V4_A, V4_B, ihl);
		frame_udp(&f, (uint16_t)(1000 + ihl), 53);
		frame_payload(&f, 10);
		frame_finish(&f);
		run(e, NETMON_DIR_OUT, &f);
	}
	frame_eth(&f);
	frame_ipv4_ihl(&f, V4_A, V4_B, 15);
	frame_tcp_doff(&f, 2000, 80, TCPF_SYN | TCPF_ACK, 15); /* L3 120 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 12, 2);
	for (unsigned int ihl = 5; ihl <= 15; ihl++)
		expect_flow(e, key4(P_UDP, NETMON_DIR_OUT, V4_A, (uint16_t)(1000 + ihl), V4_B, 53),
			    (struct want){ .packets = 1, .bytes = ihl * 4 + 18 });
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 2000, V4_B, 80),
		    (struct want){ .packets = 1, .bytes = 120, .syn = 1, .flags = 0x12 });
	/* sum over ihl 5..15 of 4 * ihl + 18 */
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_UDP, 11, 638);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_TCP, 1, 120);
}

/*
 * A first fragment has ports, and a later fragment of the same datagram
 * (addresses, protocol, identification) is counted in its flow. A later
 * fragment whose first was never seen has no ports (0, flags 0) even when its
 * payload bytes would read as ports and flags (the counting pattern puts
 * 0x0d, FIN|RST|PSH, where TCP flags would be). DF alone is no fragment.
 */
static void test_ipv4_fragments(void **state)
{
	struct env *e = *state;
	struct frame f;

	frame_eth(&f);
	frame_ipv4(&f, V4_A, V4_B);
	frame_ipv4_frag(&f, 0, 1);
	frame_udp(&f, 53, 5353);
	frame_payload(&f, 104); /* 112 bytes of datagram: 14 units; L3 132 */
	frame_finish(&f);
	frame_put16(&f, f.l4_off + 4, 8 + 104 + 50); /* UDP length of the whole datagram */
	run(e, NETMON_DIR_IN, &f);

	frame_eth(&f);
	frame_ipv4(&f, V4_A, V4_B);
	frame_ipv4_frag(&f, 14, 0);
	frame_proto(&f, P_UDP);
	frame_payload(&f, 50); /* L3 70 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);

	frame_eth(&f);
	frame_ipv4(&f, V4_A, V4_B);
	frame_ipv4_frag(&f, 100, 1);
	frame_proto(&f, P_TCP);
	frame_payload(&f, 40); /* L3 60 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);

	frame_eth(&f);
	frame_ipv4(&f, V4_A, V4_B);
	frame_put16(&f, f.l3_off + 6, 0x4000); /* DF */
	frame_udp(&f, 7, 7);
	frame_payload(&f, 4); /* L3 32 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 3, 2);
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 53, V4_B, 5353),
		    (struct want){ .packets = 2, .bytes = 132 + 70 });
	expect_flow(e, key4(P_TCP, NETMON_DIR_IN, V4_A, 0, V4_B, 0),
		    (struct want){ .packets = 1, .bytes = 60 });
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 7, V4_B, 7),
		    (struct want){ .packets = 1, .bytes = 32 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 3, 234);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_TCP, 1, 60);
}

/* One fragment of a datagram: first (with a UDP header) or later. */
static void frag4(struct frame *f, uint32_t id, int first, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, V4_B);
	frame_ipv4_frag(f, first ? 0 : 10, first);
	if (first)
		frame_udp(f, 4000, 53);
	else
		frame_proto(f, P_UDP);
	frame_payload(f, first ? 72 : 80); /* L3 100 either way */
	frame_finish(f);
	frame_ip_id(f, id);
}

static void frag6(struct frame *f, uint32_t id, int first)
{
	frame_eth(f);
	frame_ipv6(f, V6_A, V6_B);
	frame_ipv6_frag(f, first ? 0 : 10, first);
	if (first)
		frame_udp(f, 4000, 53);
	else
		frame_proto(f, P_UDP);
	frame_payload(f, first ? 44 : 52); /* L3 100 either way */
	frame_finish(f);
	frame_ip_id(f, id);
}

/*
 * Attribution keys on the whole RFC 791 reassembly key: a later fragment with
 * another identification or another source stays port-less; a 32-bit IPv6
 * identification is compared whole (0x10000 + 7 is not 7).
 */
static void test_fragments_attributed_by_datagram(void **state)
{
	struct env *e = *state;
	struct frame f;

	frag4(&f, 7, 1, V4_A);
	run(e, NETMON_DIR_IN, &f);
	frag4(&f, 7, 0, V4_A); /* joins 4000 -> 53 */
	run(e, NETMON_DIR_IN, &f);
	frag4(&f, 8, 0, V4_A); /* another datagram */
	run(e, NETMON_DIR_IN, &f);
	frag4(&f, 7, 0, "198.18.0.9"); /* another source */
	run(e, NETMON_DIR_IN, &f);
	frag6(&f, 0x10007, 1);
	run(e, NETMON_DIR_IN, &f);
	frag6(&f, 0x10007, 0); /* joins */
	run(e, NETMON_DIR_IN, &f);
	frag6(&f, 7, 0); /* low 16 bits alike, not the same datagram */
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 5, 2);
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 4000, V4_B, 53),
		    (struct want){ .packets = 2, .bytes = 200 });
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 0, V4_B, 0),
		    (struct want){ .packets = 1, .bytes = 100 });
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, "198.18.0.9", 0, V4_B, 0),
		    (struct want){ .packets = 1, .bytes = 100 });
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_A, 4000, V6_B, 53),
		    (struct want){ .packets = 2, .bytes = 200 });
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_A, 0, V6_B, 0),
		    (struct want){ .packets = 1, .bytes = 100 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 4, 400);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_UDP, 3, 300);
}

/* ---- IPv6 extension headers ---- */

static void v6_begin(struct frame *f)
{
	frame_eth(f);
	frame_ipv6(f, V6_A, V6_B);
}

static void test_ipv6_ext_headers(void **state)
{
	struct env *e = *state;
	struct frame f;

	v6_begin(&f);
	frame_ipv6_ext(&f, X_HOP, 8);
	frame_tcp(&f, 1001, 80, TCPF_SYN); /* L3 68 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);

	v6_begin(&f);
	frame_ipv6_ext(&f, X_ROUTING, 24);
	frame_udp(&f, 1002, 53);
	frame_payload(&f, 4); /* L3 76 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);

	v6_begin(&f);
	frame_ipv6_ext(&f, X_DSTOPTS, 16);
	frame_udp(&f, 1003, 53);
	frame_payload(&f, 4); /* L3 68 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);

	/* AH counts its length in 4-octet units (RFC 4302), unlike the others. */
	v6_begin(&f);
	frame_ipv6_ext(&f, X_AH, 24);
	frame_tcp(&f, 1004, 443, TCPF_ACK); /* L3 84 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);

	/* RFC 8200 4.1 order, with an AH of 12 bytes (not a multiple of 8). */
	v6_begin(&f);
	frame_ipv6_ext(&f, X_HOP, 8);
	frame_ipv6_ext(&f, X_DSTOPTS, 8);
	frame_ipv6_ext(&f, X_ROUTING, 16);
	frame_ipv6_frag(&f, 0, 1);
	frame_ipv6_ext(&f, X_AH, 12);
	frame_ipv6_ext(&f, X_DSTOPTS, 8);
	frame_udp(&f, 1005, 53);
	frame_payload(&f, 16); /* L3 40 + 60 + 24 = 124 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 5, 2);
	expect_flow(e, key6(P_TCP, NETMON_DIR_OUT, V6_A, 1001, V6_B, 80),
		    (struct want){ .packets = 1, .bytes = 68, .syn = 1, .flags = TCPF_SYN, .request = 1 });
	expect_flow(e, key6(P_UDP, NETMON_DIR_OUT, V6_A, 1002, V6_B, 53),
		    (struct want){ .packets = 1, .bytes = 76 });
	expect_flow(e, key6(P_UDP, NETMON_DIR_OUT, V6_A, 1003, V6_B, 53),
		    (struct want){ .packets = 1, .bytes = 68 });
	expect_flow(e, key6(P_TCP, NETMON_DIR_OUT, V6_A, 1004, V6_B, 443),
		    (struct want){ .packets = 1, .bytes = 84, .flags = TCPF_ACK });
	expect_flow(e, key6(P_UDP, NETMON_DIR_OUT, V6_A, 1005, V6_B, 53),
		    (struct want){ .packets = 1, .bytes = 124 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 6, P_TCP, 2, 152);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 6, P_UDP, 3, 268);
}

/*
 * First fragments carry ports; later ones take the protocol from the fragment
 * header, and the ports of their first fragment when it came before them.
 */
static void test_ipv6_fragments(void **state)
{
	struct env *e = *state;
	struct frame f;

	v6_begin(&f);
	frame_ipv6_frag(&f, 0, 1);
	frame_udp(&f, 53, 5353);
	frame_payload(&f, 96); /* L3 152 */
	frame_finish(&f);
	frame_put16(&f, f.l4_off + 4, 8 + 96 + 50);
	run(e, NETMON_DIR_IN, &f);

	v6_begin(&f);
	frame_ipv6_frag(&f, 13, 0);
	frame_proto(&f, P_UDP);
	frame_payload(&f, 50); /* L3 98 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);

	v6_begin(&f);
	frame_ipv6_frag(&f, 100, 1);
	frame_proto(&f, P_TCP);
	frame_payload(&f, 40); /* L3 88; payload byte 13 would read as flags 0x0d */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);

	v6_begin(&f);
	frame_ipv6_ext(&f, X_HOP, 8);
	frame_ipv6_frag(&f, 0, 1);
	frame_tcp(&f, 5000, 22, TCPF_SYN); /* L3 76 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 3, 2);
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_A, 53, V6_B, 5353),
		    (struct want){ .packets = 2, .bytes = 152 + 98 });
	/* the TCP first fragment came after its later one: no ports for it */
	expect_flow(e, key6(P_TCP, NETMON_DIR_IN, V6_A, 0, V6_B, 0),
		    (struct want){ .packets = 1, .bytes = 88 });
	expect_flow(e, key6(P_TCP, NETMON_DIR_IN, V6_A, 5000, V6_B, 22),
		    (struct want){ .packets = 1, .bytes = 76, .syn = 1, .flags = TCPF_SYN, .request = 1 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_UDP, 2, 250);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_TCP, 2, 164);
}

/* NETMON_MAX_IPV6_EXT (8) headers are walked; a ninth makes the packet malformed. */
static void test_ipv6_ext_chain_bound(void **state)
{
	struct env *e = *state;
	struct frame f;

	v6_begin(&f);
	for (int i = 0; i < 8; i++)
		frame_ipv6_ext(&f, X_DSTOPTS, 8);
	frame_udp(&f, 9, 9); /* L3 40 + 64 + 8 = 112 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);

	v6_begin(&f);
	for (int i = 0; i < 9; i++)
		frame_ipv6_ext(&f, X_DSTOPTS, 8);
	frame_udp(&f, 9, 9);
	frame_finish(&f); /* frame 14 + 40 + 72 + 8 = 134 */
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 1, 2);
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_A, 9, V6_B, 9),
		    (struct want){ .packets = 1, .bytes = 112 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_UDP, 1, 112);
	expect_total(e, NETMON_KIND_MALFORMED, NETMON_DIR_IN, 0, 0, 1, 134);
}

/* ---- malformed and non-IP ---- */

static void b_udp4(struct frame *f)
{
	udp4(f, V4_A, 1, V4_B, 2, 0);
}

static void b_tcp4(struct frame *f)
{
	tcp4(f, V4_A, 1, V4_B, 2, TCPF_ACK, 0);
}

static void b_tcp4_ihl6(struct frame *f)
{
	frame_eth(f);
	frame_ipv4_ihl(f, V4_A, V4_B, 6);
	frame_tcp(f, 1, 2, TCPF_ACK);
	frame_finish(f);
}

static void b_gre4_ihl15(struct frame *f)
{
	frame_eth(f);
	frame_ipv4_ihl(f, V4_A, V4_B, 15);
	frame_proto(f, P_GRE);
	frame_payload(f, 4);
	frame_finish(f);
}

static void b_icmp4(struct frame *f)
{
	icmp_frame(f, 0, V4_A, V4_B, 8, 0, 0);
}

static void b_vlan_udp4(struct frame *f)
{
	frame_eth(f);
	frame_vlan(f, ETHERTYPE_8021Q, 5);
	frame_ipv4(f, V4_A, V4_B);
	frame_udp(f, 1, 2);
	frame_finish(f);
}

static void b_udp6(struct frame *f)
{
	udp6(f, V6_A, 1, V6_B, 2, 0);
}

static void b_tcp6(struct frame *f)
{
	tcp6(f, V6_A, 1, V6_B, 2, TCPF_ACK, 0);
}

/* IPv6 + the extension headers in exts (sizes; 44 = a first fragment) + UDP. */
static void b_ext6(struct frame *f, const size_t *sizes, size_t n, uint8_t type)
{
	v6_begin(f);
	for (size_t i = 0; i < n; i++)
		frame_ipv6_ext(f, type, sizes[i]);
	frame_udp(f, 1, 2);
	frame_finish(f);
}

static void b_hop_udp6(struct frame *f)
{
	static const size_t s[] = { 8 };

	b_ext6(f, s, 1, X_HOP);
}

static void b_dst_dst_udp6(struct frame *f)
{
	static const size_t s[] = { 8, 16 };

	b_ext6(f, s, 2, X_DSTOPTS);
}

static void b_dst64_udp6(struct frame *f)
{
	static const size_t s[] = { 64 };

	b_ext6(f, s, 1, X_DSTOPTS);
}

static void b_frag6_udp(struct frame *f)
{
	v6_begin(f);
	frame_ipv6_frag(f, 0, 1);
	frame_udp(f, 1, 2);
	frame_finish(f);
}

static void b_frag6_later(struct frame *f)
{
	v6_begin(f);
	frame_ipv6_frag(f, 10, 0);
	frame_proto(f, P_UDP);
	frame_payload(f, 16);
	frame_finish(f);
}

struct cut {
	void (*build)(struct frame *f);
	size_t len; /* frame length after the cut */
	const char *what;
};

/* Does the last snapshot hold exactly one MALFORMED packet of len bytes? */
static int only_one_malformed(const struct env *e, size_t len)
{
	const struct total_record *t = e->snap.totals;
	struct total_key k = { .ifindex = LO_IFINDEX,
			       .direction = NETMON_DIR_IN,
			       .kind = NETMON_KIND_MALFORMED };

	return e->snap.n_flows == 0 && e->snap.n_totals == 1 && !memcmp(&t->key, &k, sizeof(k)) &&
	       t->c.packets == 1 && t->c.bytes == len;
}

/*
 * Run every cut frame in, each in its own interval, and expect each as one
 * MALFORMED packet with its frame bytes; all failures are listed before the
 * test fails. Then all of them in one interval: one row adding them up.
 */
static void run_cuts(struct env *e, const struct cut *c, size_t n)
{
	uint64_t bytes = 0;
	struct frame f;
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		c[i].build(&f);
		frame_truncate(&f, c[i].len);
		run(e, NETMON_DIR_IN, &f);
		take(e);
		if (!only_one_malformed(e, c[i].len)) {
			print_message("not counted as one malformed packet: %s (%zu bytes)\n",
				      c[i].what, c[i].len);
			for (size_t t = 0; t < e->snap.n_totals; t++)
				print_message("  counted as kind %u: %llu packets, %llu bytes\n",
					      e->snap.totals[t].key.kind,
					      (unsigned long long)e->snap.totals[t].c.packets,
					      (unsigned long long)e->snap.totals[t].c.bytes);
			bad++;
		}
		bytes += c[i].len;
	}
	assert_int_equal(bad, 0);
	for (size_t i = 0; i < n; i++) {
		c[i].build(&f);
		frame_truncate(&f, c[i].len);
		run(e, NETMON_DIR_IN, &f);
	}
	take(e);
	expect_rows(e, 0, 1);
	expect_total(e, NETMON_KIND_MALFORMED, NETMON_DIR_IN, 0, 0, n, bytes);
}

static void b_vlan_udp6(struct frame *f)
{
	frame_eth(f);
	frame_vlan(f, ETHERTYPE_8021Q, 5);
	frame_ipv6(f, V6_A, V6_B);
	frame_udp(f, 1, 2);
	frame_finish(f);
}

/*
 * A header the parser must read is cut short at every layer. Measured on
 * 6.18: test_run itself refuses (-EINVAL) an untagged 0x0800 frame shorter
 * than 14 + 20 bytes or an 0x86DD one shorter than 14 + 40, so cut IP headers
 * ride behind a VLAN tag, which test_run does not look through.
 */
static void test_truncated_headers(void **state)
{
	static const struct cut c[] = {
		{ b_vlan_udp4, 18, "IPv4 ethertype, no IP header" },
		{ b_vlan_udp4, 18 + 19, "IPv4 header cut at 19 bytes" },
		{ b_tcp4_ihl6, 14 + 24 + 13, "TCP after IPv4 options cut before its flags" },
		{ b_tcp4, 14 + 20 + 4, "TCP cut after the ports" },
		{ b_udp4, 14 + 20 + 3, "UDP cut inside the ports" },
		{ b_icmp4, 14 + 20 + 1, "ICMP type without code" },
		{ b_vlan_udp6, 18, "IPv6 ethertype, no IP header" },
		{ b_vlan_udp6, 18 + 39, "IPv6 header cut at 39 bytes" },
		{ b_hop_udp6, 14 + 40 + 3, "hop-by-hop header cut at 3 bytes" },
		{ b_dst_dst_udp6, 14 + 40 + 8 + 2, "second destination options cut" },
		{ b_dst64_udp6, 14 + 40 + 32, "UDP beyond a cut 64-byte extension header" },
		{ b_frag6_udp, 14 + 40 + 3, "fragment header cut" },
		{ b_tcp6, 14 + 40 + 13, "TCP over IPv6 cut before its flags" },
		{ b_vlan_udp4, 16, "802.1Q tag cut" },
	};

	run_cuts(*state, c, sizeof(c) / sizeof(c[0]));
}

/*
 * netmon.h: MALFORMED is "IP ethertype, but headers truncated/invalid". These
 * frames have a header cut short of its own length where the bytes the parser
 * reads are still present. The parser loads only the fields it uses (TCP 16
 * of 20 bytes, UDP 4 of 8, IPv4 the fixed 20 of ihl * 4, 4 of the 8 bytes of
 * an IPv6 fragment header), so it must check each header's end against the
 * packet length separately: this test found that it once did not.
 */
static void test_truncated_headers_contract(void **state)
{
	static const struct cut c[] = {
		{ b_tcp4, 14 + 20 + 19, "TCP header 19 of 20 bytes" },
		{ b_tcp4, 14 + 20 + 16, "TCP header 16 of 20 bytes" },
		{ b_udp4, 14 + 20 + 7, "UDP header 7 of 8 bytes" },
		{ b_udp4, 14 + 20 + 4, "UDP header 4 of 8 bytes" },
		{ b_gre4_ihl15, 14 + 40, "IPv4 header (IHL 15) cut inside its options" },
		{ b_frag6_later, 14 + 40 + 4, "IPv6 fragment header 4 of 8 bytes" },
	};

	run_cuts(*state, c, sizeof(c) / sizeof(c[0]));
}

/* Headers complete but invalid: each one MALFORMED with its frame bytes. */
static void test_invalid_headers(void **state)
{
	struct env *e = *state;
	uint64_t bytes = 0;
	struct frame f;
	int n = 0;

#define BAD(build, fix)                                                                            \
	do {                                                                                       \
		build(&f);                                                                         \
		fix;                                                                               \
		run(e, NETMON_DIR_OUT, &f);                                                        \
		bytes += f.len;                                                                    \
		n++;                                                                               \
	} while (0)
	BAD(b_udp4, frame_put8(&f, f.l3_off, 0x44));	     /* IHL 4 */
	BAD(b_udp4, frame_put8(&f, f.l3_off, 0x40));	     /* IHL 0 */
	BAD(b_udp4, frame_put8(&f, f.l3_off, 0x65));	     /* version 6 behind 0x0800 */
	BAD(b_udp6, frame_put8(&f, f.l3_off, 0x45));	     /* version 4 behind 0x86DD */
	BAD(b_udp4, frame_put16(&f, f.l3_off + 2, 19));	     /* total length < header */
	BAD(b_tcp4_ihl6, frame_put16(&f, f.l3_off + 2, 23)); /* ... < IHL 6 header */
	BAD(b_tcp4, frame_put8(&f, f.l4_off + 12, 0x40));    /* TCP data offset 4 */
	BAD(b_tcp6, frame_put8(&f, f.l4_off + 12, 0x00));    /* TCP data offset 0 */
#undef BAD
	take(e);

	expect_rows(e, 0, 1);
	expect_total(e, NETMON_KIND_MALFORMED, NETMON_DIR_OUT, 0, 0, n, bytes);
}

/* ARP, LLDP, an 802.3 length field, tagged ARP: NON_IP with frame bytes. */
static void test_non_ip(void **state)
{
	struct env *e = *state;
	struct frame f;

	frame_eth(&f);
	frame_arp(&f);
	frame_finish(&f); /* 42 */
	run(e, NETMON_DIR_IN, &f);
	frame_pad(&f, 60); /* as received from a wire: 60 */
	run(e, NETMON_DIR_IN, &f);
	frame_eth(&f);
	frame_ethertype(&f, ETHERTYPE_LLDP);
	frame_payload(&f, 30); /* 44 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);
	frame_eth(&f);
	frame_ethertype(&f, 38); /* 802.3 length: an STP BPDU in LLC */
	frame_payload(&f, 38);	 /* 52 */
	frame_finish(&f);
	run(e, NETMON_DIR_IN, &f);
	frame_eth(&f);
	frame_vlan(&f, ETHERTYPE_8021Q, 7);
	frame_arp(&f); /* 46 */
	frame_finish(&f);
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 0, 2);
	expect_total(e, NETMON_KIND_NON_IP, NETMON_DIR_IN, 0, 0, 4, 42 + 60 + 44 + 52);
	expect_total(e, NETMON_KIND_NON_IP, NETMON_DIR_OUT, 0, 0, 1, 46);
}

/* test_run refuses frames under 14 bytes; exactly 14 is a (non-IP) frame. */
static void test_minimal_frames(void **state)
{
	struct env *e = *state;
	uint32_t retval;
	struct __sk_buff ctx = { 0 };
	struct frame f;

	frame_eth(&f);
	frame_arp(&f);
	frame_finish(&f);
	assert_int_equal(run_raw(e, NETMON_DIR_IN, f.data, 13, &ctx, &retval), -EINVAL);
	frame_truncate(&f, 14);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 0, 1);
	expect_total(e, NETMON_KIND_NON_IP, NETMON_DIR_IN, 0, 0, 1, 14);
}

/* ---- byte counting ---- */

/* Ethernet padding and trailers are not L3 bytes: the header's length is. */
static void test_padding_not_counted(void **state)
{
	struct env *e = *state;
	struct frame f;

	tcp4(&f, V4_A, 1, V4_B, 2, TCPF_ACK, 0);
	frame_pad(&f, 60); /* L3 40 */
	run(e, NETMON_DIR_IN, &f);
	udp4(&f, V4_A, 1, V4_B, 2, 2);
	frame_pad(&f, 60); /* L3 30 */
	run(e, NETMON_DIR_IN, &f);
	udp6(&f, V6_A, 1, V6_B, 2, 0);
	frame_pad(&f, 100); /* L3 48 */
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 3, 3);
	expect_flow(e, key4(P_TCP, NETMON_DIR_IN, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 1, .bytes = 40, .flags = TCPF_ACK });
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 1, .bytes = 30 });
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_A, 1, V6_B, 2),
		    (struct want){ .packets = 1, .bytes = 48 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_TCP, 1, 40);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 1, 30);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_UDP, 1, 48);
}

/*
 * A zero IPv4 total length / IPv6 payload length is how BIG TCP packets (and
 * jumbograms) say "the packet's length": bytes then come from the frame, from
 * the IP header on (behind a VLAN tag too).
 */
static void test_zero_length_field(void **state)
{
	struct env *e = *state;
	struct frame f;

	tcp4(&f, V4_A, 1, V4_B, 2, TCPF_ACK, 100);
	frame_put16(&f, f.l3_off + 2, 0); /* L3 140 */
	run(e, NETMON_DIR_OUT, &f);
	frame_eth(&f);
	frame_vlan(&f, ETHERTYPE_8021Q, 3);
	frame_ipv4(&f, V4_A, V4_B);
	frame_tcp(&f, 1, 2, TCPF_ACK);
	frame_payload(&f, 100);
	frame_finish(&f);
	frame_put16(&f, f.l3_off + 2, 0); /* L3 140 */
	run(e, NETMON_DIR_OUT, &f);
	tcp6(&f, V6_A, 1, V6_B, 2, TCPF_ACK, 100);
	frame_put16(&f, f.l3_off + 4, 0); /* L3 160 */
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 2, 2);
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 2, .bytes = 280, .flags = TCPF_ACK });
	expect_flow(e, key6(P_TCP, NETMON_DIR_OUT, V6_A, 1, V6_B, 2),
		    (struct want){ .packets = 1, .bytes = 160, .flags = TCPF_ACK });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_TCP, 2, 280);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 6, P_TCP, 1, 160);
}

/* ---- GSO ---- */

/*
 * A super-packet of gso_segs segments is that many wire packets, each with
 * its own IP (+ extension) and TCP headers: bytes = segs x (headers + gso_size).
 */
static void test_gso_tcp(void **state)
{
	struct env *e = *state;
	struct frame f;

	tcp4(&f, V4_A, 1000, V4_B, 80, TCPF_PSH | TCPF_ACK, 500);
	run_gso(e, NETMON_DIR_OUT, &f, 5, 100); /* 5 x (20 + 20 + 100) = 700 */

	frame_eth(&f);
	frame_ipv4(&f, V4_A, V4_B);
	frame_tcp_doff(&f, 1001, 80, TCPF_ACK, 8); /* 12 bytes of options */
	frame_payload(&f, 300);
	frame_finish(&f);
	run_gso(e, NETMON_DIR_OUT, &f, 3, 100); /* 3 x (20 + 32 + 100) = 456 */

	tcp4(&f, V4_A, 1002, V4_B, 80, TCPF_ACK, 1000);
	frame_put16(&f, f.l3_off + 2, 0);	 /* BIG TCP style total length */
	run_gso(e, NETMON_DIR_OUT, &f, 10, 100); /* 10 x 140 = 1400 */

	v6_begin(&f);
	frame_ipv6_ext(&f, X_HOP, 8);
	frame_tcp(&f, 1003, 80, TCPF_ACK);
	frame_payload(&f, 500);
	frame_finish(&f);
	run_gso(e, NETMON_DIR_OUT, &f, 5, 100); /* 5 x (40 + 8 + 20 + 100) = 840 */
	take(e);

	expect_rows(e, 4, 2);
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1000, V4_B, 80),
		    (struct want){ .packets = 5, .bytes = 700, .flags = TCPF_PSH | TCPF_ACK });
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1001, V4_B, 80),
		    (struct want){ .packets = 3, .bytes = 456, .flags = TCPF_ACK });
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1002, V4_B, 80),
		    (struct want){ .packets = 10, .bytes = 1400, .flags = TCPF_ACK });
	expect_flow(e, key6(P_TCP, NETMON_DIR_OUT, V6_A, 1003, V6_B, 80),
		    (struct want){ .packets = 5, .bytes = 840, .flags = TCPF_ACK });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_TCP, 18, 2556);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 6, P_TCP, 5, 840);
}

/* UDP GSO, gso_segs 1 (one packet), and gso_segs on frames that are not flows. */
static void test_gso_udp_and_others(void **state)
{
	struct env *e = *state;
	struct frame f;

	udp4(&f, V4_A, 1, V4_B, 2, 300);
	run_gso(e, NETMON_DIR_IN, &f, 3, 100); /* 3 x (20 + 8 + 100) = 384 */
	tcp4(&f, V4_A, 1, V4_B, 2, TCPF_ACK, 100);
	run_gso(e, NETMON_DIR_IN, &f, 1, 100); /* one packet of 140 */
	b_udp4(&f);
	frame_put8(&f, f.l3_off, 0x44); /* IHL 4: 42 frame bytes */
	run_gso(e, NETMON_DIR_IN, &f, 4, 100);
	frame_eth(&f);
	frame_arp(&f); /* 42 frame bytes */
	frame_finish(&f);
	run_gso(e, NETMON_DIR_IN, &f, 3, 100);
	take(e);

	expect_rows(e, 2, 4);
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 3, .bytes = 384 });
	expect_flow(e, key4(P_TCP, NETMON_DIR_IN, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 1, .bytes = 140, .flags = TCPF_ACK });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 3, 384);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_TCP, 1, 140);
	/* netmon.h: frame bytes (skb->len) for these, packets as the segments. */
	expect_total(e, NETMON_KIND_MALFORMED, NETMON_DIR_IN, 0, 0, 4, 42);
	expect_total(e, NETMON_KIND_NON_IP, NETMON_DIR_IN, 0, 0, 3, 42);
}

/* ---- table full, generations, draining ---- */

static void send_udp4_flows(struct env *e, uint16_t first, uint16_t n, size_t (*payload)(uint16_t))
{
	struct frame f;

	for (uint16_t p = first; p < first + n; p++) {
		udp4(&f, V4_A, p, V4_B, 53, payload ? payload(p) : 0);
		run(e, NETMON_DIR_IN, &f);
	}
}

static size_t ten_per_port(uint16_t port)
{
	return 10u * port;
}

/*
 * flow_load(4): 10 flows, the first 4 fit. Every packet is in the KIND_IP
 * totals; the 6 that did not fit are also in TABLE_FULL; a packet of a flow
 * already in the table still counts there. Each generation has its own room.
 */
static void test_table_full(void **state)
{
	struct env *e = *state;
	struct frame f;

	send_udp4_flows(e, 1, 10, ten_per_port); /* L3 28 + 10 x port */
	udp4(&f, V4_A, 1, V4_B, 53, 0);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 4, 2);
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 53),
		    (struct want){ .packets = 2, .bytes = 38 + 28 });
	for (uint16_t p = 2; p <= 4; p++)
		expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, p, V4_B, 53),
			    (struct want){ .packets = 1, .bytes = 28 + 10u * p });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 11, 280 + 550 + 28);
	expect_total(e, NETMON_KIND_TABLE_FULL, NETMON_DIR_IN, 4, P_UDP, 6, 6 * 28 + 450);

	send_udp4_flows(e, 101, 5, NULL); /* the other generation: 4 fit, 1 does not */
	take(e);
	expect_rows(e, 4, 2);
	for (uint16_t p = 101; p <= 104; p++)
		expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, p, V4_B, 53),
			    (struct want){ .packets = 1, .bytes = 28 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 5, 140);
	expect_total(e, NETMON_KIND_TABLE_FULL, NETMON_DIR_IN, 4, P_UDP, 1, 28);

	send_udp4_flows(e, 201, 4, NULL); /* the first generation, drained: room for 4 */
	take(e);
	expect_rows(e, 4, 1);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 4, 112);
}

/*
 * A SYN flood's table-full packets (docs/design.md, "Flow tables"): the
 * TABLE_FULL total counts their SYN, FIN and RST packets, ORs their flags
 * and keeps the time of the first and of a late one, as a flow would, so
 * that the overflow row holds every SYN. flow_load(4): ports 1-4 fill it.
 */
static void test_table_full_tcp(void **state)
{
	static const uint8_t over[] = { TCPF_SYN,
					TCPF_SYN,
					TCPF_SYN | TCPF_ECE | TCPF_CWR,
					TCPF_SYN | TCPF_ACK,
					TCPF_FIN | TCPF_ACK,
					TCPF_RST,
					TCPF_PSH | TCPF_ACK,
					TCPF_ACK };
	struct total_key k = { .ifindex = LO_IFINDEX,
			       .direction = NETMON_DIR_IN,
			       .family = NETMON_FAMILY_V4,
			       .protocol = P_TCP,
			       .kind = NETMON_KIND_TABLE_FULL };
	struct env *e = *state;
	const struct total_record *t;
	struct frame f;

	for (uint16_t p = 1; p <= 4; p++) {
		tcp4(&f, V4_A, p, V4_B, 80, TCPF_SYN, 0);
		run(e, NETMON_DIR_IN, &f);
	}
	for (size_t i = 0; i < sizeof(over); i++) {
		tcp4(&f, V4_A, (uint16_t)(1000 + i), V4_B, 80, over[i], 0);
		run(e, NETMON_DIR_IN, &f);
	}
	udp4(&f, V4_A, 2000, V4_B, 53, 0); /* not TCP: a row of its own, no flags */
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 4, 4);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_TCP, 4 + sizeof(over),
		     40 * (4 + sizeof(over)));
	t = find_total(e, &k);
	assert_int_equal(t->c.packets, sizeof(over));
	assert_int_equal(t->c.bytes, 40 * sizeof(over));
	assert_int_equal(t->c.syn, 4);
	assert_int_equal(t->c.fin, 1);
	assert_int_equal(t->c.rst, 1);
	assert_int_equal(t->c.tcp_flags, 0xdf); /* every flag but URG */
	assert_true(t->c.first_ns >= e->t0);
	assert_true(t->c.last_ns >= t->c.first_ns);
	assert_true(t->c.last_ns <= e->snap.mono_ns);
	k.protocol = P_UDP;
	t = find_total(e, &k);
	assert_int_equal(t->c.packets, 1);
	assert_int_equal(t->c.syn + t->c.fin + t->c.rst + t->c.tcp_flags, 0);
	/* The normal path's totals stay packets and bytes. */
	k.kind = NETMON_KIND_IP;
	k.protocol = P_TCP;
	t = find_total(e, &k);
	assert_int_equal(t->c.syn + t->c.tcp_flags + t->c.first_ns, 0);
}

/* Packets before a snapshot are in it and only in it; later ones in the next. */
static void test_generations(void **state)
{
	struct env *e = *state;
	const struct flow_record *r;
	struct flow_key a = key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 2);
	struct frame fa, fb;
	uint64_t flip1;

	udp4(&fa, V4_A, 1, V4_B, 2, 0);		  /* L3 28 */
	tcp4(&fb, V4_B, 3, V4_A, 4, TCPF_SYN, 0); /* L3 40 */
	assert_int_equal(e->skel->bss->active_gen & 1, 0); /* it counts flips */
	for (int i = 0; i < 3; i++)
		run(e, NETMON_DIR_IN, &fa);
	take(e);
	assert_int_equal(e->skel->bss->active_gen & 1, 1);
	expect_rows(e, 1, 1);
	expect_flow(e, a, (struct want){ .packets = 3, .bytes = 84 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 3, 84);
	flip1 = e->snap.mono_ns & ~1023ull; /* times are kept in 1024 ns units */

	run(e, NETMON_DIR_IN, &fa);
	run(e, NETMON_DIR_IN, &fa);
	run(e, NETMON_DIR_OUT, &fb);
	take(e);
	assert_int_equal(e->skel->bss->active_gen & 1, 0);
	expect_rows(e, 2, 2);
	expect_flow(e, a, (struct want){ .packets = 2, .bytes = 56 });
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_B, 3, V4_A, 4),
		    (struct want){ .packets = 1, .bytes = 40, .syn = 1, .flags = TCPF_SYN, .request = 1 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 2, 56);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_TCP, 1, 40);
	r = find_flow(e, &a);
	assert_true(r->c.first_seen_ns >= flip1); /* a new record, not the old one */

	take(e); /* nothing sent: nothing drained, in either generation */
	expect_rows(e, 0, 0);
	run(e, NETMON_DIR_IN, &fa);
	take(e);
	expect_rows(e, 1, 1);
	expect_flow(e, a, (struct want){ .packets = 1, .bytes = 28 });
}

/* More flows than one drain batch (4096), twice, each flow exactly once. */
static void test_many_flows(void **state)
{
	enum { N = 10000 };
	static uint8_t seen[N + 1];
	struct env *e = *state;
	struct frame f;

	for (uint16_t round = 1; round <= 2; round++) {
		udp4(&f, V4_A, 0, V4_B, round, 0);
		for (uint16_t p = 1; p <= N; p++) {
			frame_put16(&f, f.l4_off, p);
			run(e, NETMON_DIR_IN, &f);
		}
		take(e);
		expect_rows(e, N, 1);
		expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, N, 28ull * N);
		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < e->snap.n_flows; i++) {
			const struct flow_record *r = &e->snap.flows[i];

			assert_in_range(r->key.src_port, 1, N);
			assert_int_equal(r->key.dst_port, round);
			assert_int_equal(seen[r->key.src_port]++, 0);
			assert_int_equal(r->c.packets, 1);
			assert_int_equal(r->c.bytes, 28);
		}
	}
}

/*
 * Per snapshot, every KIND_IP totals row equals the sum of the flows of its
 * interface, direction, family and protocol, and no flow lies outside such a
 * row. Returns the flows' packet and byte sums.
 */
static void check_flows_match_totals(const struct env *e, uint64_t *packets, uint64_t *bytes)
{
	uint64_t fp = 0, fb = 0, tp = 0, tb = 0;

	for (size_t t = 0; t < e->snap.n_totals; t++) {
		const struct total_record *tr = &e->snap.totals[t];
		uint64_t p = 0, b = 0;

		assert_int_equal(tr->key.kind, NETMON_KIND_IP);
		for (size_t i = 0; i < e->snap.n_flows; i++) {
			const struct flow_key *k = &e->snap.flows[i].key;

			if (k->ifindex == tr->key.ifindex && k->direction == tr->key.direction &&
			    k->family == tr->key.family && k->protocol == tr->key.protocol) {
				p += e->snap.flows[i].c.packets;
				b += e->snap.flows[i].c.bytes;
			}
		}
		assert_int_equal(p, tr->c.packets);
		assert_int_equal(b, tr->c.bytes);
		tp += tr->c.packets;
		tb += tr->c.bytes;
	}
	for (size_t i = 0; i < e->snap.n_flows; i++) {
		fp += e->snap.flows[i].c.packets;
		fb += e->snap.flows[i].c.bytes;
	}
	assert_int_equal(fp, tp);
	assert_int_equal(fb, tb);
	*packets = fp;
	*bytes = fb;
}

static void mixed_frame(struct frame *f, int i)
{
	static const uint8_t flags[] = { TCPF_SYN, TCPF_ACK, TCPF_PSH | TCPF_ACK, TCPF_FIN };
	uint16_t sp = (uint16_t)(1000 + i % 3);

	switch (i % 7) {
	case 0:
		tcp4(f, V4_A, sp, V4_B, 80, flags[i % 4], (size_t)i * 7);
		break;
	case 1:
		tcp6(f, V6_A, sp, V6_B, 80, flags[i % 4], (size_t)i * 7);
		break;
	case 2:
		udp4(f, V4_A, sp, V4_B, 53, (size_t)i);
		break;
	case 3:
		udp6(f, V6_A, sp, V6_B, 53, (size_t)i);
		break;
	case 4:
		icmp_frame(f, 0, V4_A, V4_B, 8, 0, (size_t)i);
		break;
	case 5:
		v6_begin(f);
		frame_ipv6_ext(f, X_HOP, 8);
		frame_icmp(f, 143, 0);
		frame_payload(f, 20);
		frame_finish(f);
		break;
	default:
		frame_eth(f);
		frame_vlan(f, ETHERTYPE_8021AD, 1);
		frame_vlan(f, ETHERTYPE_8021Q, 2);
		frame_ipv4(f, V4_A, V4_B);
		frame_udp(f, sp, 53);
		frame_payload(f, (size_t)i * 3);
		frame_finish(f);
	}
}

/* A mixed capture: flows add up to the KIND_IP totals and to what was sent. */
static void test_flows_add_up_to_totals(void **state)
{
	struct env *e = *state;
	uint64_t packets = 0, bytes = 0, fp, fb;
	struct frame f;

	for (int i = 0; i < 63; i++) {
		mixed_frame(&f, i);
		run(e, (i / 7) % 2 ? NETMON_DIR_OUT : NETMON_DIR_IN, &f);
		packets++;
		bytes += frame_l3_len(&f);
	}
	tcp4(&f, V4_A, 1000, V4_B, 80, TCPF_ACK, 500);
	run_gso(e, NETMON_DIR_OUT, &f, 5, 100);
	packets += 5;
	bytes += 700;
	take(e);

	/* 2 directions x {TCP, UDP} x {v4, v6} + ICMP + ICMPv6 */
	assert_int_equal(e->snap.n_totals, 12);
	check_flows_match_totals(e, &fp, &fb);
	assert_int_equal(fp, packets);
	assert_int_equal(fb, bytes);
}

/* The same packet in and out is two flows and two totals rows. */
static void test_direction(void **state)
{
	struct env *e = *state;
	struct frame f;

	udp4(&f, V4_A, 1, V4_B, 2, 0);
	run(e, NETMON_DIR_IN, &f);
	run(e, NETMON_DIR_OUT, &f);
	run(e, NETMON_DIR_OUT, &f);
	take(e);

	expect_rows(e, 2, 2);
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 1, .bytes = 28 });
	expect_flow(e, key4(P_UDP, NETMON_DIR_OUT, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = 2, .bytes = 56 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 1, 28);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_UDP, 2, 56);
}

/* test_run puts the skb on the device ctx_in names: the key carries its ifindex. */
static void test_ifindex(void **state)
{
	struct env *e = *state;
	struct if_nameindex *ifs = if_nameindex();
	struct __sk_buff ctx = { 0 };
	struct flow_key k;
	struct frame f;

	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		if (i->if_index != LO_IFINDEX) {
			ctx.ifindex = i->if_index;
			break;
		}
	}
	if_freenameindex(ifs);
	if (!ctx.ifindex)
		skip(); /* no device but loopback */
	udp4(&f, V4_A, 1, V4_B, 2, 0);
	run_ctx(e, NETMON_DIR_IN, &f, &ctx);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_rows(e, 2, 2);
	k = key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 2);
	expect_flow(e, k, (struct want){ .packets = 1, .bytes = 28 });
	k.ifindex = ctx.ifindex;
	expect_flow(e, k, (struct want){ .packets = 1, .bytes = 28 });
	expect_total_if(e, ctx.ifindex, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 1, 28);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 1, 28);
}

/* first_seen stays at the first packet, last_seen moves with later ones. */
static void test_timestamps(void **state)
{
	const struct timespec gap = { .tv_nsec = 30 * 1000 * 1000 };
	struct env *e = *state;
	struct flow_key k = key4(P_UDP, NETMON_DIR_IN, V4_A, 1, V4_B, 2);
	const struct flow_record *r;
	struct frame f;

	udp4(&f, V4_A, 1, V4_B, 2, 0);
	run(e, NETMON_DIR_IN, &f);
	nanosleep(&gap, NULL);
	run(e, NETMON_DIR_IN, &f);
	take(e);

	expect_flow(e, k, (struct want){ .packets = 2, .bytes = 56 });
	r = find_flow(e, &k);
	/* The coarse clock ticks at least every 10 ms (HZ >= 100). */
	assert_true(r->c.last_seen_ns - r->c.first_seen_ns >= 20 * 1000 * 1000);
}

/* ---- exactly once under concurrency ---- */

#define SENDER_REPEAT 256 /* program runs per test_run call, each one a packet */

struct sender {
	struct env *e;
	struct frame f;
	int *stop;
	uint64_t packets; /* runs that returned */
	int err;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = s->f.data, .data_size_in = (__u32)s->f.len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = SENDER_REPEAT);
	int fd = flow_prog_fd(s->e->skel, NETMON_DIR_OUT);

	while (!__atomic_load_n(s->stop, __ATOMIC_ACQUIRE)) {
		if (bpf_prog_test_run_opts(fd, &o)) {
			__atomic_store_n(&s->err, -errno, __ATOMIC_RELEASE);
			break;
		}
		if ((int32_t)o.retval != TC_ACT_UNSPEC) {
			__atomic_store_n(&s->err, -EPROTO, __ATOMIC_RELEASE);
			break;
		}
		__atomic_add_fetch(&s->packets, SENDER_REPEAT, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Start flipping only once every sender has packets through (or failed). */
static void wait_for_senders(struct sender *s, int n)
{
	const struct timespec ms = { .tv_nsec = 1000 * 1000 };

	for (int waited = 0; waited < 5000; waited++) {
		int ready = 0;

		for (int i = 0; i < n; i++)
			ready += __atomic_load_n(&s[i].packets, __ATOMIC_ACQUIRE) > 0 ||
				 __atomic_load_n(&s[i].err, __ATOMIC_ACQUIRE);
		if (ready == n)
			return;
		nanosleep(&ms, NULL);
	}
	fail_msg("the sender threads sent nothing in 5 s");
}

/* Add one snapshot's flows to the per-sender sums; flows must be the senders'. */
static void add_snapshot(struct env *e, const struct flow_key *keys, uint64_t *got_packets,
			 uint64_t *got_bytes)
{
	uint64_t p, b;

	check_flows_match_totals(e, &p, &b);
	for (size_t i = 0; i < e->snap.n_flows; i++) {
		const struct flow_record *r = &e->snap.flows[i];
		int which = !memcmp(&r->key, &keys[1], sizeof(keys[1]));

		assert_true(which || !memcmp(&r->key, &keys[0], sizeof(keys[0])));
		got_packets[which] += r->c.packets;
		got_bytes[which] += r->c.bytes;
	}
}

/*
 * Flows that come and go while slots are freed and taken again. Two threads
 * send short bursts to the same flows (racing to insert the same flow) while
 * snapshots are taken back to back. The test, not the scheduler, decides
 * which flows fall idle: it runs in phases, and in each phase the senders
 * send only one half of the ROT_FLOWS flows, so the other half falls idle and
 * its slots are doomed (after one snapshot without packets) and freed (after
 * a second), then taken again when the next phase sends to them. Phases last
 * 2, 3 or 4 snapshots, so flows doomed in a 2-snapshot phase are revived by
 * the next phase rather than freed. Every packet must come out of exactly one
 * snapshot, in its own flow's row or, rarely, in the table-full total, and no
 * flow may appear twice in a snapshot (two slots for one flow).
 *
 * Table-full happens here because BPF_PROG_TEST_RUN runs a program
 * preemptible (migration off only): an inserter preempted while it holds its
 * lock makes the other thread give up after FT_LOCK_SPINS tries
 * (flow_table.bpf.h counts that packet as table-full, exactly). TC and XDP
 * run in softirq, where the lock holder is never preempted.
 */
#define ROT_FLOWS 64
#define ROT_BURST 8
#define ROT_PHASES 66
#define ROT_WAIT_S 60 /* for a sender to run once in a phase, on a loaded machine */

struct rot_sender {
	struct env *e;
	const int *phase; /* which half to send: set by the test */
	int acked;	  /* the phase this sender has sent one burst in */
	int stop;
	uint64_t packets[ROT_FLOWS];
	int err;
	pthread_t th;
};

/* The flow (source port) a sender's i-th burst goes to in a phase: its
 * half of the ports, 1..ROT_FLOWS/2 in even phases, the rest in odd ones. */
static uint16_t rot_port(int phase, unsigned int i)
{
	unsigned int half = ROT_FLOWS / 2;

	return (uint16_t)(1 + (phase & 1) * half + (i * 7) % half);
}

static void *rot_main(void *arg)
{
	const struct timespec pause = { .tv_nsec = 100 * 1000 };
	struct rot_sender *s = arg;
	struct __sk_buff ctx = { 0 };
	static __thread struct frame f;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = ROT_BURST);
	int fd = flow_prog_fd(s->e->skel, NETMON_DIR_OUT);

	udp4(&f, V4_A, 0, V4_B, 9, 0);
	o.data_in = f.data;
	o.data_size_in = (__u32)f.len;
	for (unsigned int i = 0; !__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE); i++) {
		int phase = __atomic_load_n(s->phase, __ATOMIC_ACQUIRE);
		uint16_t port = rot_port(phase, i);

		frame_put16(&f, f.l4_off, port);
		if (bpf_prog_test_run_opts(fd, &o)) {
			__atomic_store_n(&s->err, -errno, __ATOMIC_RELEASE);
			__atomic_store_n(&s->acked, -1, __ATOMIC_RELEASE);
			break;
		}
		__atomic_add_fetch(&s->packets[port - 1], ROT_BURST, __ATOMIC_RELEASE);
		/* No burst of an earlier phase is in flight once this is seen. */
		__atomic_store_n(&s->acked, phase, __ATOMIC_RELEASE);
		if (i % 8 == 7)
			nanosleep(&pause, NULL);
	}
	return NULL;
}

/* Wait, bounded, until both senders have sent a burst in this phase. */
static void rot_wait_acked(struct rot_sender *s, int phase)
{
	const struct timespec step = { .tv_nsec = 200 * 1000 };
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ROT_WAIT_S;
	for (int t = 0; t < 2; t++) {
		while (__atomic_load_n(&s[t].acked, __ATOMIC_ACQUIRE) != phase) {
			assert_int_equal(__atomic_load_n(&s[t].err, __ATOMIC_ACQUIRE), 0);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > end.tv_sec)
				fail_msg("sender %d sent nothing in phase %d for %d s", t, phase,
					 ROT_WAIT_S);
			nanosleep(&step, NULL);
		}
	}
}

/* Packets of the snapshot just taken counted as table-full. */
static uint64_t rot_table_full(const struct env *e)
{
	uint64_t n = 0;

	for (size_t i = 0; i < e->snap.n_totals; i++)
		if (e->snap.totals[i].key.kind == NETMON_KIND_TABLE_FULL)
			n += e->snap.totals[i].c.packets;
	return n;
}

/* One snapshot under traffic: one row per flow, its packets added to got[]. */
static uint64_t rot_take(struct env *e, uint64_t *got)
{
	uint8_t seen[ROT_FLOWS] = { 0 };

	take(e);
	for (size_t i = 0; i < e->snap.n_flows; i++) {
		const struct flow_record *r = &e->snap.flows[i];

		assert_in_range(r->key.src_port, 1, ROT_FLOWS);
		assert_int_equal(seen[r->key.src_port - 1]++, 0); /* one row per flow */
		got[r->key.src_port - 1] += r->c.packets;
		assert_int_equal(r->c.bytes, 28 * r->c.packets);
	}
	return rot_table_full(e);
}

static void test_slots_reused_under_traffic(void **state)
{
	static struct rot_sender s[2];
	static int phase;
	static uint64_t got[ROT_FLOWS];
	struct env *e = *state;
	uint64_t sent = 0, missing = 0, full = 0;
	__u32 most_after_idle = 0; /* slots taken after a half was idle for 2+ snapshots */
	unsigned int snapshots = 0;

	memset(got, 0, sizeof(got));
	phase = 0;
	for (int t = 0; t < 2; t++) {
		memset(&s[t], 0, sizeof(s[t]));
		s[t].e = e;
		s[t].phase = &phase;
		s[t].acked = -1;
		assert_int_equal(pthread_create(&s[t].th, NULL, rot_main, &s[t]), 0);
	}
	for (int p = 0; p < ROT_PHASES; p++) {
		int length = 2 + p % 3;

		__atomic_store_n(&phase, p, __ATOMIC_RELEASE);
		rot_wait_acked(s, p);
		for (int n = 0; n < length; n++, snapshots++)
			full += rot_take(e, got);
		/* The idle half: its last packets were drained by the phase's first
		 * snapshot, doomed by the second, freed by the third. */
		if (length >= 3 && e->skel->bss->used4 > most_after_idle)
			most_after_idle = e->skel->bss->used4;
	}
	for (int t = 0; t < 2; t++)
		__atomic_store_n(&s[t].stop, 1, __ATOMIC_RELEASE);
	for (int t = 0; t < 2; t++) {
		assert_int_equal(pthread_join(s[t].th, NULL), 0);
		assert_int_equal(s[t].err, 0);
	}
	for (int n = 0; n < 2; n++) /* the last packets, then the last slots freed */
		full += rot_take(e, got);
	take(e);
	expect_rows(e, 0, 0);
	assert_int_equal(e->skel->bss->used4, 0); /* every slot given back */
	for (int f = 0; f < ROT_FLOWS; f++) {
		uint64_t want = s[0].packets[f] + s[1].packets[f];

		assert_true(got[f] <= want);
		assert_true(want > 0); /* every flow was sent, freed and sent again */
		missing += want - got[f];
		sent += want;
	}
	print_message("# %llu packets in %d flows over %u snapshots, %llu of them table-full; "
		      "most slots taken after a half fell idle: %u\n",
		      (unsigned long long)sent, ROT_FLOWS, snapshots, (unsigned long long)full,
		      most_after_idle);
	/* What no flow row has is in the table-full total, to the packet. */
	assert_int_equal(missing, full);
	assert_true(full * 100 <= sent); /* and that is rare */
	/* Idle slots really were freed under traffic, and taken again. */
	assert_true(most_after_idle <= ROT_FLOWS / 2);
}

/*
 * SYN counts are 24 bits in the packets word plus 8 bits of wraps beside the
 * bytes (netmon.h): 2^24 + 3 SYNs in one interval come out exact.
 */
static void test_syn_count_past_24_bits(void **state)
{
	struct env *e = *state;
	struct __sk_buff ctx = { 0 };
	struct frame f;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	const uint64_t n = (1ull << 24) + 3;

	tcp4(&f, V4_A, 1, V4_B, 2, TCPF_SYN, 0);
	o.data_in = f.data;
	o.data_size_in = (__u32)f.len;
	o.repeat = (1u << 24) + 1; /* the wrap, then two more packets */
	assert_int_equal(bpf_prog_test_run_opts(flow_prog_fd(e->skel, NETMON_DIR_OUT), &o), 0);
	o.repeat = 2;
	assert_int_equal(bpf_prog_test_run_opts(flow_prog_fd(e->skel, NETMON_DIR_OUT), &o), 0);
	take(e);
	expect_rows(e, 1, 1);
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1, V4_B, 2),
		    (struct want){ .packets = n, .bytes = 40 * n, .syn = (uint32_t)n,
				   .flags = TCPF_SYN, .request = 1 });
}

/*
 * Packets and bytes share one word, 24 and 40 bits, with wrap counts beside
 * the flags (netmon.h): 420,000 super-packets of 65,535 segments are 2^34.7
 * packets and 2^40.002 bytes in one interval, which carry out of both fields
 * (over 1,600 times out of the packets one), and come out exact.
 */
static void test_packets_and_bytes_past_their_fields(void **state)
{
	struct env *e = *state;
	struct __sk_buff ctx = { .gso_segs = 65535, .gso_size = 1000 };
	struct frame f;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	const uint64_t runs = 420000, segs = 65535;
	/* BIG TCP style: the 1040 bytes there, and 40 bytes of headers for
	 * each of the other segments. */
	const uint64_t per_run = 1040 + (segs - 1) * 40;

	tcp4(&f, V4_A, 1, V4_B, 2, TCPF_ACK, 1000);
	frame_put16(&f, f.l3_off + 2, 0);
	o.data_in = f.data;
	o.data_size_in = (__u32)f.len;
	o.repeat = (__u32)runs;
	assert_int_equal(bpf_prog_test_run_opts(flow_prog_fd(e->skel, NETMON_DIR_OUT), &o), 0);
	take(e);
	assert_true(runs * per_run > 1ull << 40);
	expect_rows(e, 1, 1);
	expect_flow(e, key4(P_TCP, NETMON_DIR_OUT, V4_A, 1, V4_B, 2),
		    (struct want){
			    .packets = runs * segs, .bytes = runs * per_run, .flags = TCPF_ACK });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_OUT, 4, P_TCP, runs * segs, runs * per_run);
}

/*
 * Two threads send continuously while snapshots are taken: every packet must
 * come out of exactly one snapshot (no loss, no double count), and within each
 * snapshot flows and totals must agree (both were flipped together).
 */
static void test_exactly_once_concurrent(void **state)
{
	/* Static: a failed assert longjmps out while the senders still read stop. */
	static struct sender s[2];
	static int stop;
	struct env *e = *state;
	struct flow_key keys[2] = { key4(P_UDP, NETMON_DIR_OUT, V4_A, 1, V4_B, 2),
				    key6(P_TCP, NETMON_DIR_OUT, V6_A, 3, V6_B, 4) };
	const uint64_t l3[2] = { 28, 70 };
	uint64_t got_p[2] = { 0 }, got_b[2] = { 0 };
	pthread_t th[2];
	int busy = 0;

	udp4(&s[0].f, V4_A, 1, V4_B, 2, 0);
	tcp6(&s[1].f, V6_A, 3, V6_B, 4, TCPF_ACK, 10);
	stop = 0;
	for (int i = 0; i < 2; i++) {
		s[i].e = e;
		s[i].stop = &stop;
		s[i].packets = 0;
		s[i].err = 0;
		assert_int_equal(pthread_create(&th[i], NULL, sender_main, &s[i]), 0);
	}
	wait_for_senders(s, 2);
	for (int n = 0; n < 40; n++) {
		take(e);
		busy += e->snap.n_flows > 0;
		add_snapshot(e, keys, got_p, got_b);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	take(e); /* what was sent after the last flip */
	add_snapshot(e, keys, got_p, got_b);
	take(e);
	expect_rows(e, 0, 0);

	print_message("# %d of 40 snapshots taken under traffic; sent %llu + %llu\n", busy,
		      (unsigned long long)s[0].packets, (unsigned long long)s[1].packets);
	assert_true(busy >= 2); /* flips really happened while packets were counted */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(s[i].err, 0);
		assert_int_equal(got_p[i], s[i].packets);
		assert_int_equal(got_b[i], s[i].packets * l3[i]);
	}
}

/* ---- XDP ---- */

/* XDP test_run costs ~20 ms a call here (NOTES-bpf.md): a handful of frames only. */
static void run_xdp(struct env *e, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = (__u32)f->len,
		    .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(flow_xdp_prog_fd(e->skel), &o), 0);
	assert_int_equal(o.retval, XDP_PASS); /* never drops */
}

static void xdp_frame(struct frame *f, int i)
{
	switch (i) {
	case 0:
		tcp4(f, V4_A, 1000, V4_B, 80, TCPF_SYN, 0);
		break; /* L3 40 */
	case 1:
		tcp4(f, V4_A, 1001, V4_B, 80, TCPF_ACK, 0);
		frame_pad(f, 60); /* L3 40, not 46 */
		break;
	case 2:
		v6_begin(f);
		frame_ipv6_ext(f, X_HOP, 8);
		frame_ipv6_frag(f, 0, 1);
		frame_udp(f, 53, 5353);
		frame_payload(f, 10); /* L3 74 */
		frame_finish(f);
		break;
	case 3:
		frame_eth(f);
		frame_vlan(f, ETHERTYPE_8021AD, 1);
		frame_vlan(f, ETHERTYPE_8021Q, 2);
		frame_ipv4(f, V4_A, V4_B);
		frame_udp(f, 7, 7); /* L3 28 */
		frame_finish(f);
		break;
	case 4:
		icmp_frame(f, 0, V4_A, V4_B, 8, 0, 56);
		break; /* L3 84 */
	case 5:
		b_udp4(f);
		frame_put8(f, f->l3_off, 0x44); /* IHL 4: malformed, 42 bytes */
		break;
	default:
		frame_eth(f);
		frame_arp(f); /* non-IP, 42 bytes */
		frame_finish(f);
	}
}

/*
 * The XDP program shares the parser through bpf_xdp_load_bytes: the same
 * frames through XDP and TC ingress give identical records, so every count
 * is doubled. XDP test_run also takes what TC's refuses: an untagged IPv4
 * frame with a cut header (33 bytes).
 */
static void test_xdp_matches_tc(void **state)
{
	struct env *e = *state;
	struct frame f;

	for (int i = 0; i < 7; i++) {
		xdp_frame(&f, i);
		run_xdp(e, &f);
		run(e, NETMON_DIR_IN, &f);
	}
	b_udp4(&f);
	frame_truncate(&f, 14 + 19);
	run_xdp(e, &f);
	take(e);

	expect_rows(e, 5, 6);
	expect_flow(e, key4(P_TCP, NETMON_DIR_IN, V4_A, 1000, V4_B, 80),
		    (struct want){ .packets = 2, .bytes = 80, .syn = 2, .flags = TCPF_SYN, .request = 1 });
	expect_flow(e, key4(P_TCP, NETMON_DIR_IN, V4_A, 1001, V4_B, 80),
		    (struct want){ .packets = 2, .bytes = 80, .flags = TCPF_ACK });
	expect_flow(e, key6(P_UDP, NETMON_DIR_IN, V6_A, 53, V6_B, 5353),
		    (struct want){ .packets = 2, .bytes = 148 });
	expect_flow(e, key4(P_UDP, NETMON_DIR_IN, V4_A, 7, V4_B, 7),
		    (struct want){ .packets = 2, .bytes = 56 });
	expect_flow(e, key4(P_ICMP, NETMON_DIR_IN, V4_A, 8, V4_B, 0),
		    (struct want){ .packets = 2, .bytes = 168 });
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_TCP, 4, 160);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 6, P_UDP, 2, 148);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_UDP, 2, 56);
	expect_total(e, NETMON_KIND_IP, NETMON_DIR_IN, 4, P_ICMP, 2, 168);
	expect_total(e, NETMON_KIND_MALFORMED, NETMON_DIR_IN, 0, 0, 3, 42 + 42 + 33);
	expect_total(e, NETMON_KIND_NON_IP, NETMON_DIR_IN, 0, 0, 2, 84);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ipv4_tcp_flags),
		T(test_ipv6_tcp_flags),
		T(test_udp),
		T(test_icmp_echo),
		T(test_icmpv6),
		T(test_other_protocols),
		T(test_vlan_8021q),
		T(test_vlan_qinq),
		T(test_vlan_too_deep),
		T(test_ipv4_options),
		T(test_ipv4_fragments),
		T(test_fragments_attributed_by_datagram),
		T(test_ipv6_ext_headers),
		T(test_ipv6_fragments),
		T(test_ipv6_ext_chain_bound),
		T(test_truncated_headers),
		T(test_truncated_headers_contract),
		T(test_invalid_headers),
		T(test_non_ip),
		T(test_minimal_frames),
		T(test_padding_not_counted),
		T(test_zero_length_field),
		T(test_gso_tcp),
		T(test_gso_udp_and_others),
		cmocka_unit_test_setup_teardown(test_table_full, setup_tiny, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_tcp, setup_tiny, teardown),
		T(test_generations),
		T(test_many_flows),
		T(test_flows_add_up_to_totals),
		T(test_direction),
		T(test_ifindex),
		T(test_timestamps),
		T(test_exactly_once_concurrent),
		T(test_slots_reused_under_traffic),
		T(test_syn_count_past_24_bits),
		T(test_packets_and_bytes_past_their_fields),
		T(test_xdp_matches_tc),
	};

	return cmocka_run_group_tests_name("bpf/flow.bpf.c", tests, NULL, NULL);
}
