// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_filter.c - the capture filters (--include, --exclude) of
 * bpf/filter.bpf.h through BPF_PROG_TEST_RUN, with the rules made as the
 * recorder makes them (recorder/filter.c, recorder/kernel/filter_gens.c).
 *
 * Each case runs crafted frames, each of its own flow, through the TC
 * ingress program (or XDP), takes a snapshot and checks, frame by frame,
 * that a frame the rules leave out is in no flow and one they keep is its
 * flow, and that the totals reconcile: IP totals = flows + excluded, to the
 * packet and the byte. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow.skel.h"
#include "filter.h"
#include "kernel/filter_gens.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

#include "frames.c"

#define LO_IFINDEX 1
#define XDP (-1) /* run through the XDP program instead of TC ingress */
#define MAX_RULES 8

struct env {
	struct flow_bpf *skel;
	struct snapshotter *snapper;
	struct filter_gens *gens;
	struct snapshot snap;
};

/* One frame of a case: its flow, and whether the rules leave it out. */
struct pkt {
	uint8_t proto; /* 6, 17 or 1/58 (ICMP: sport is the type, dport the code) */
	const char *src;
	uint16_t sport;
	const char *dst;
	uint16_t dport;
	int out; /* 1: excluded */
};

static int setup(void **state)
{
	struct snapshot_maps maps;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	log_init("test_filter", getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	if (flow_load(&e->skel, 1024))
		goto fail;
	flow_snapshot_maps(e->skel, &maps);
	if (snapshot_open(&e->snapper, &maps) || filter_gens_open(&e->gens, e->skel))
		goto fail;
	*state = e;
	return 0;
fail:
	snapshot_close(e->snapper);
	flow_unload(e->skel);
	free(e);
	return -1;
}

static int teardown(void **state)
{
	struct env *e = *state;

	snapshot_free(&e->snap);
	snapshot_close(e->snapper);
	filter_gens_close(e->gens);
	flow_unload(e->skel);
	free(e);
	return 0;
}

/* The rules (NULL-terminated lists) into the kernel as the recorder puts
 * them: idle, both generations; else the waiting one only. */
static void set_rules(struct env *e, const char *const *incl, const char *const *excl, int idle)
{
	struct filter_list in = { 0 }, ex = { 0 };
	static struct filter_table t;

	for (int i = 0; incl && incl[i]; i++)
		assert_int_equal(filter_list_add(&in, "include", incl[i]), 0);
	for (int i = 0; excl && excl[i]; i++)
		assert_int_equal(filter_list_add(&ex, "exclude", excl[i]), 0);
	assert_int_equal(filter_compile(&in, &ex, &t), 0);
	assert_int_equal(filter_gens_set(e->gens, &t, idle), 0);
}

static void take(struct env *e)
{
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	assert_int_equal(filter_gens_flipped(e->gens), 0);
}

static void build(struct frame *f, const struct pkt *p)
{
	int v6 = strchr(p->src, ':') != NULL;

	memset(f, 0, sizeof(*f));
	frame_eth(f);
	if (v6)
		frame_ipv6(f, p->src, p->dst);
	else
		frame_ipv4(f, p->src, p->dst);
	if (p->proto == 6)
		frame_tcp(f, p->sport, p->dport, TCPF_ACK);
	else if (p->proto == 17)
		frame_udp(f, p->sport, p->dport);
	else
		frame_icmp(f, (uint8_t)p->sport, (uint8_t)p->dport);
	frame_payload(f, 10);
	frame_finish(f);
}

static void run(struct env *e, int prog, const struct frame *f)
{
	struct __sk_buff skb = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = (__u32)f->len,
		    .repeat = 1);
	int fd = prog == XDP ? flow_xdp_prog_fd(e->skel) : flow_prog_fd(e->skel, NETMON_DIR_IN);

	if (prog != XDP) {
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
	}
	assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
	/* Filters never change a packet's fate: TC_ACT_UNSPEC, XDP_PASS. */
	assert_int_equal((int32_t)o.retval, prog == XDP ? XDP_PASS : -1);
}

/* The flow of p in the snapshot, or NULL. */
static const struct flow_record *flow_of(const struct env *e, const struct pkt *p)
{
	struct flow_key k = { .ifindex = LO_IFINDEX,
			      .protocol = p->proto,
			      .direction = NETMON_DIR_IN,
			      .src_port = p->sport,
			      .dst_port = p->dport };
	int v6 = strchr(p->src, ':') != NULL;

	k.family = v6 ? NETMON_FAMILY_V6 : NETMON_FAMILY_V4;
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, p->src, k.src), 1);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, p->dst, k.dst), 1);
	for (size_t i = 0; i < e->snap.n_flows; i++)
		if (!memcmp(&e->snap.flows[i].key, &k, sizeof(k)))
			return &e->snap.flows[i];
	return NULL;
}

static void kind_sum(const struct env *e, uint8_t kind, uint64_t *packets, uint64_t *bytes)
{
	*packets = *bytes = 0;
	for (size_t i = 0; i < e->snap.n_totals; i++) {
		if (e->snap.totals[i].key.kind != kind)
			continue;
		*packets += e->snap.totals[i].c.packets;
		*bytes += e->snap.totals[i].c.bytes;
	}
}

/* Run every frame of the case, then check each one and the totals. */
static void check_case(struct env *e, int prog, const struct pkt *p, size_t n)
{
	uint64_t ip_p, ip_b, ex_p, ex_b, want_ex_p = 0, want_ex_b = 0, all_b = 0, flows = 0;
	struct frame f;

	for (size_t i = 0; i < n; i++) {
		build(&f, &p[i]);
		run(e, prog, &f);
		all_b += frame_l3_len(&f);
		if (p[i].out) {
			want_ex_p++;
			want_ex_b += frame_l3_len(&f);
		}
	}
	take(e);
	for (size_t i = 0; i < n; i++) {
		const struct flow_record *r = flow_of(e, &p[i]);

		build(&f, &p[i]);
		if (!!r == !!p[i].out)
			print_message("frame %zu (%s:%u > %s:%u proto %u): %s\n", i, p[i].src,
				      p[i].sport, p[i].dst, p[i].dport, p[i].proto,
				      r ? "in a flow, but excluded" : "in no flow, but kept");
		assert_int_equal(!!r, !p[i].out);
		if (r) {
			assert_int_equal(r->c.packets, 1);
			assert_int_equal(r->c.bytes, frame_l3_len(&f));
			flows++;
		}
	}
	assert_int_equal(e->snap.n_flows, flows);
	kind_sum(e, NETMON_KIND_IP, &ip_p, &ip_b);
	kind_sum(e, NETMON_KIND_EXCLUDED, &ex_p, &ex_b);
	assert_int_equal(ip_p, n);
	assert_int_equal(ip_b, all_b);
	assert_int_equal(ex_p, want_ex_p);
	assert_int_equal(ex_b, want_ex_b);
}

#define CASE(e, prog, pkts) check_case(e, prog, pkts, sizeof(pkts) / sizeof(pkts[0]))

static void test_no_rules(void **state)
{
	static const struct pkt p[] = {
		{ 6, "192.0.2.1", 40000, "198.51.100.7", 443, 0 },
		{ 17, "2001:db8::1", 53, "2001:db8::2", 5353, 0 },
	};
	struct env *e = *state;

	set_rules(e, NULL, NULL, 1);
	CASE(e, NETMON_DIR_IN, p);
	/* No rule: no lookup, and no excluded row at all. */
	for (size_t i = 0; i < e->snap.n_totals; i++)
		assert_int_not_equal(e->snap.totals[i].key.kind, NETMON_KIND_EXCLUDED);
}

/* IPv4 prefixes of several lengths; source or destination alike. */
static void test_exclude_ipv4_prefixes(void **state)
{
	static const char *const ex[] = { "198.51.100.0/24", "10.0.0.0/8", "192.0.2.128/25",
					  "203.0.113.9/32", NULL };
	static const struct pkt p[] = {
		{ 17, "192.0.2.1", 1000, "198.51.100.7", 53, 1 },   /* dst in /24 */
		{ 17, "198.51.100.255", 53, "192.0.2.1", 1000, 1 }, /* src in /24 */
		{ 17, "192.0.2.1", 1001, "198.51.101.0", 53, 0 },   /* just past it */
		{ 6, "10.255.255.255", 1, "192.0.2.2", 2, 1 },	    /* /8 */
		{ 6, "11.0.0.0", 1, "192.0.2.2", 2, 0 },
		{ 6, "192.0.2.2", 3, "192.0.2.128", 4, 1 }, /* /25: upper half */
		{ 6, "192.0.2.2", 3, "192.0.2.127", 4, 0 }, /* lower half */
		{ 1, "203.0.113.9", 8, "192.0.2.3", 0, 1 }, /* /32, ICMP */
		{ 1, "203.0.113.8", 8, "192.0.2.3", 0, 0 },
		{ 17, "2001:db8::1", 1, "2001:db8::2", 2, 0 }, /* IPv6: no v4 rule applies */
	};
	struct env *e = *state;

	set_rules(e, NULL, ex, 1);
	CASE(e, NETMON_DIR_IN, p);
}

/* IPv6 prefixes, one not on a byte boundary; ::/0 takes every IPv6 packet. */
static void test_exclude_ipv6_prefixes(void **state)
{
	static const char *const ex[] = { "2001:db8::/32", "2001:db9:8000::/33", "fe80::1/128",
					  NULL };
	static const struct pkt p[] = {
		{ 17, "2001:db8:ffff::1", 1, "2600::1", 2, 1 },
		{ 17, "2600::1", 2, "2001:db8::9", 1, 1 },
		{ 17, "2600::1", 2, "2001:db9::9", 1, 0 },	/* /33: bit 32 clear */
		{ 17, "2600::1", 2, "2001:db9:8000::9", 1, 1 }, /* bit 32 set */
		{ 58, "fe80::1", 135, "ff02::1", 0, 1 },
		{ 58, "fe80::2", 135, "ff02::1", 0, 0 },
		{ 17, "192.0.2.1", 1, "198.51.100.1", 2, 0 },
	};
	static const char *const all6[] = { "::/0", NULL };
	static const struct pkt q[] = {
		{ 6, "2600::1", 1, "2600::2", 2, 1 },
		{ 6, "192.0.2.1", 1, "198.51.100.1", 2, 0 },
	};
	struct env *e = *state;

	set_rules(e, NULL, ex, 1);
	CASE(e, NETMON_DIR_IN, p);
	set_rules(e, NULL, all6, 1);
	CASE(e, NETMON_DIR_IN, q);
}

/* A protocol and a port go with the address of the same side. */
static void test_protocol_and_port(void **state)
{
	static const char *const ex[] = { "192.0.2.7/32:tcp/22", "198.51.100.0/24:udp",
					  "2001:db8::/32:tcp/443", "0.0.0.0/0:icmp", NULL };
	static const struct pkt p[] = {
		{ 6, "192.0.2.7", 22, "203.0.113.1", 50000, 1 },    /* from its port 22 */
		{ 6, "203.0.113.1", 50000, "192.0.2.7", 22, 1 },    /* to it */
		{ 6, "203.0.113.1", 50000, "192.0.2.7", 80, 0 },    /* another port */
		{ 17, "203.0.113.1", 50000, "192.0.2.7", 22, 0 },   /* another protocol */
		{ 6, "192.0.2.7", 50000, "203.0.113.1", 22, 0 },    /* port 22 on the other side */
		{ 17, "198.51.100.3", 123, "203.0.113.1", 123, 1 }, /* udp, any port */
		{ 6, "198.51.100.3", 123, "203.0.113.1", 123, 0 },
		{ 6, "2600::1", 40000, "2001:db8::5", 443, 1 },
		{ 6, "2001:db8::5", 443, "2600::1", 40000, 1 },
		{ 6, "2001:db8::5", 444, "2600::1", 40000, 0 },
		{ 1, "203.0.113.1", 8, "203.0.113.2", 0, 1 }, /* every ICMP */
	};
	struct env *e = *state;

	set_rules(e, NULL, ex, 1);
	CASE(e, NETMON_DIR_IN, p);
}

/* Include keeps only its packets; exclude wins; a rule of a shorter prefix
 * still applies inside a longer one (the trie's longest match). */
static void test_include_and_exclude(void **state)
{
	static const char *const in[] = { "10.0.0.0/8", "2001:db8::/32:udp/53", NULL };
	static const char *const ex[] = { "10.1.0.0/16:udp/53", "10.2.3.4/32", NULL };
	static const struct pkt p[] = {
		{ 6, "10.1.2.3", 1000, "192.0.2.1", 80, 0 },  /* /8 inside the /16 */
		{ 17, "10.1.2.3", 53, "192.0.2.1", 1000, 1 }, /* excluded there */
		{ 17, "10.1.2.3", 54, "192.0.2.1", 1000, 0 },
		{ 6, "192.0.2.1", 1000, "10.9.9.9", 80, 0 },	/* included by destination */
		{ 6, "10.2.3.4", 1, "10.9.9.9", 2, 1 },		/* exclude on one side wins */
		{ 6, "192.0.2.1", 1, "198.51.100.1", 2, 1 },	/* no include matches */
		{ 17, "2600::1", 5000, "2001:db8::53", 53, 0 }, /* udp/53 of the prefix's side */
		{ 17, "2600::1", 53, "2001:db8::53", 5000, 1 }, /* port 53 on the other side */
	};
	struct env *e = *state;

	set_rules(e, in, ex, 1);
	CASE(e, NETMON_DIR_IN, p);
}

/* The XDP program applies the same rules. */
static void test_xdp(void **state)
{
	static const char *const ex[] = { "192.0.2.0/24", "2001:db8::/32:udp", NULL };
	static const struct pkt p[] = {
		{ 6, "192.0.2.1", 1, "198.51.100.1", 2, 1 },
		{ 6, "203.0.113.1", 1, "198.51.100.1", 2, 0 },
		{ 17, "2001:db8::1", 1, "2600::1", 2, 1 },
		{ 6, "2001:db8::1", 1, "2600::1", 2, 0 },
	};
	struct env *e = *state;

	set_rules(e, NULL, ex, 1);
	CASE(e, XDP, p);
}

/* Rules set while the programs run apply from the next generation on: the
 * interval under way ends with the rules it began with. */
static void test_next_interval(void **state)
{
	static const char *const ex[] = { "192.0.2.0/24", NULL };
	static const struct pkt kept[] = { { 6, "192.0.2.1", 1, "198.51.100.1", 2, 0 } };
	static const struct pkt gone[] = { { 6, "192.0.2.1", 1, "198.51.100.1", 2, 1 } };
	struct env *e = *state;

	set_rules(e, NULL, NULL, 1);
	set_rules(e, NULL, ex, 0); /* a SIGHUP: the waiting generation only */
	CASE(e, NETMON_DIR_IN, kept);
	CASE(e, NETMON_DIR_IN, gone);
	CASE(e, NETMON_DIR_IN, gone); /* the other generation got them at the flip */
	set_rules(e, NULL, NULL, 0);  /* and off again, from the next interval */
	CASE(e, NETMON_DIR_IN, gone);
	CASE(e, NETMON_DIR_IN, kept);
	CASE(e, NETMON_DIR_IN, kept);
}

/* Rules the trie cannot hold are refused before they reach it. */
static void test_too_many_services(void **state)
{
	struct filter_list ex = { 0 }, in = { 0 };
	static struct filter_table t;
	static char text[NETMON_FILTER_MAX_SERVICES + 1][32];

	(void)state;
	for (int i = 0; i <= NETMON_FILTER_MAX_SERVICES; i++) {
		snprintf(text[i], sizeof(text[i]), "10.0.%d.0/24:tcp/%d", i, 100 + i);
		assert_int_equal(filter_list_add(&ex, "exclude", text[i]), 0);
	}
	assert_int_equal(filter_compile(&in, &ex, &t), 0); /* each covers its own /24 */
	assert_int_equal(filter_list_add(&in, "include", "10.0.0.0/16:udp"), 0);
	assert_int_equal(filter_compile(&in, &ex, &t), 0); /* two apply to each /24 */
	ex.n = 0;
	for (int i = 0; i <= NETMON_FILTER_MAX_SERVICES; i++) {
		snprintf(text[i], sizeof(text[i]), "10.0.0.0/%d:tcp/%d", 16 + i, 100 + i);
		assert_int_equal(filter_list_add(&ex, "exclude", text[i]), 0);
	}
	assert_int_equal(filter_compile(&in, &ex, &t), -EINVAL); /* ten cover 10.0.0.0/24 */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_rules),
		T(test_exclude_ipv4_prefixes),
		T(test_exclude_ipv6_prefixes),
		T(test_protocol_and_port),
		T(test_include_and_exclude),
		T(test_xdp),
		T(test_next_interval),
		cmocka_unit_test(test_too_many_services),
	};

	return cmocka_run_group_tests_name("bpf/filter.bpf.h", tests, NULL, NULL);
}
