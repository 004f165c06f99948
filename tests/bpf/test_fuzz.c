// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_fuzz.c - a million random, mutated and truncated frames through the TC
 * program with BPF_PROG_TEST_RUN. Every verdict must be "pass" (TC_ACT_UNSPEC)
 * and every snapshot must reconcile:
 *
 *   flow packets/bytes           = IP totals (no frame lost between the two)
 *   IP + malformed + non-IP      = frames the program ran on
 *
 * Frames come from the builder (valid VLAN/IPv4/IPv6/L4 stacks), then some
 * are broken: corrupted length fields, IHL below 5, extension-header chains
 * past the bound, deep VLAN stacks, random byte flips, random cuts, and
 * plain random bytes. NETMON_FUZZ_SEED and NETMON_FUZZ_FRAMES override the
 * seed (printed) and the count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/flow_load.h"
#include "log.h"
#include "netmon_user.h"
#include "kernel/snapshot.h"
#include "frames.c"

#define SNAPSHOT_EVERY 20000 /* frames; keeps the flows well under the table */

static uint64_t rng_state;

/* xorshift64*: fast, and the same seed gives the same frames. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static void addr4(char *buf, size_t len)
{
	snprintf(buf, len, "198.18.%u.%u", below(4), below(16));
}

static void addr6(char *buf, size_t len)
{
	snprintf(buf, len, "2001:db8::%x", below(64));
}

static void add_l4(struct frame *f)
{
	static const uint8_t others[] = { 47, 50, 132, 136, 59, 255 };

	switch (below(5)) {
	case 0:
		frame_tcp_doff(f, (uint16_t)rnd(), (uint16_t)below(1024), (uint8_t)rnd(),
			       5 + below(11));
		break;
	case 1:
		frame_udp(f, (uint16_t)rnd(), (uint16_t)below(1024));
		break;
	case 2:
		frame_icmp(f, (uint8_t)below(256), (uint8_t)below(16));
		break;
	default:
		frame_proto(f, others[below(sizeof(others))]);
	}
	frame_payload(f, below(200));
}

static void add_ipv6_exts(struct frame *f, unsigned int n)
{
	static const uint8_t types[] = { 0, 43, 60, 51 };

	for (unsigned int i = 0; i < n; i++) {
		uint8_t t = types[below(sizeof(types))];

		if (below(6) == 0)
			frame_ipv6_frag(f, (uint16_t)below(3), (int)below(2));
		else
			frame_ipv6_ext(f, t, t == 51 ? 12 + 4 * below(4) : 8 + 8 * below(4));
	}
}

/* A well-formed frame: VLAN tags, IPv4 (options, fragments) or IPv6 (exts). */
static void valid_frame(struct frame *f)
{
	char src[48], dst[48];

	frame_eth(f);
	for (unsigned int i = below(4) == 0 ? 1 + below(2) : 0; i > 0; i--)
		frame_vlan(f, below(2) ? ETHERTYPE_8021Q : ETHERTYPE_8021AD, (uint16_t)below(4096));
	if (below(2)) {
		addr4(src, sizeof(src));
		addr4(dst, sizeof(dst));
		frame_ipv4_ihl(f, src, dst, 5 + (below(4) == 0 ? below(11) : 0));
		if (below(8) == 0)
			frame_ipv4_frag(f, (uint16_t)below(3), (int)below(2));
	} else {
		addr6(src, sizeof(src));
		addr6(dst, sizeof(dst));
		frame_ipv6(f, src, dst);
		add_ipv6_exts(f, below(4) == 0 ? below(4) : 0);
	}
	add_l4(f);
	frame_finish(f);
}

/* Break a valid frame in one of the ways the parser must survive. */
static void break_frame(struct frame *f)
{
	switch (below(8)) {
	case 0: /* corrupted IPv4 total length / IPv6 payload length */
		if (f->ip_version == 4)
			frame_put16(f, f->l3_off + 2, (uint16_t)rnd());
		else
			frame_put16(f, f->l3_off + 4, (uint16_t)rnd());
		break;
	case 1: /* IHL below 5, or a version that is not the ethertype's */
		frame_put8(f, f->l3_off, (uint8_t)(f->ip_version == 4 ? 0x40 | below(5) : below(256)));
		break;
	case 2: /* a cut anywhere */
		frame_truncate(f, 14 + below((unsigned int)f->len - 13));
		break;
	case 3: /* random byte flips in the headers */
		for (unsigned int i = 1 + below(8); i > 0; i--)
			frame_put8(f, below((unsigned int)(f->len < 96 ? f->len : 96)), (uint8_t)rnd());
		break;
	case 4: /* a data offset past the frame */
		if (f->l4_off && f->l4_off + 13 < f->len)
			frame_put8(f, f->l4_off + 12, (uint8_t)(below(16) << 4));
		break;
	case 5: { /* an IPv6 extension chain longer than the parser walks */
		char a[48];

		frame_eth(f);
		addr6(a, sizeof(a));
		frame_ipv6(f, a, a);
		add_ipv6_exts(f, NETMON_MAX_IPV6_EXT + 1 + below(4));
		add_l4(f);
		frame_finish(f);
		break;
	}
	case 6: { /* a VLAN stack deeper than the parser walks */
		char a[48];

		frame_eth(f);
		for (unsigned int i = 0; i < 4 + below(4); i++)
			frame_vlan(f, ETHERTYPE_8021Q, (uint16_t)i);
		addr4(a, sizeof(a));
		frame_ipv4(f, a, a);
		add_l4(f);
		frame_finish(f);
		break;
	}
	default: { /* random bytes behind a plausible ethertype */
		static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806 };

		frame_eth(f);
		frame_ethertype(f, types[below(sizeof(types) / sizeof(types[0]))]);
		for (unsigned int n = below(120); n > 0; n--)
			*frame_grow(f, 1) = (uint8_t)rnd();
	}
	}
}

struct fuzz {
	struct flow_bpf *skel;
	struct snapshotter *snap;
	struct snapshot cur;
	int prog[2];
	uint64_t run_since_snapshot, refused, frames;
};

/* Drain, and check that the interval reconciles. */
static void reconcile(struct fuzz *z)
{
	uint64_t flow_p = 0, flow_b = 0, ip_p = 0, ip_b = 0, other_p = 0, full = 0;

	assert_int_equal(snapshot_take(z->snap, &z->cur), 0);
	for (size_t i = 0; i < z->cur.n_flows; i++) {
		flow_p += z->cur.flows[i].c.packets;
		flow_b += z->cur.flows[i].c.bytes;
	}
	for (size_t i = 0; i < z->cur.n_totals; i++) {
		const struct total_record *t = &z->cur.totals[i];

		if (t->key.kind == NETMON_KIND_IP) {
			ip_p += t->c.packets;
			ip_b += t->c.bytes;
		} else if (t->key.kind == NETMON_KIND_TABLE_FULL) {
			full += t->c.packets;
		} else {
			other_p += t->c.packets;
		}
	}
	assert_int_equal(full, 0);
	assert_int_equal(flow_p, ip_p);
	assert_int_equal(flow_b, ip_b);
	assert_int_equal(ip_p + other_p, z->run_since_snapshot);
	z->run_since_snapshot = 0;
}

static void run_one(struct fuzz *z, struct frame *f)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = (__u32)f->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(z->prog[below(2)], &opts);

	z->frames++;
	if (err) {
		/* test_run's own refusal of short IP frames (NOTES-bpf.md): the
		 * program never ran, so the frame is not "in". */
		assert_int_equal(err, -EINVAL);
		z->refused++;
		return;
	}
	assert_int_equal((int)opts.retval, -1); /* TC_ACT_UNSPEC: always pass */
	z->run_since_snapshot++;
}

static void test_fuzz_reconciles(void **state)
{
	unsigned long frames = getenv("NETMON_FUZZ_FRAMES") ? strtoul(getenv("NETMON_FUZZ_FRAMES"), 0, 10)
							    : 1000000;
	struct fuzz z = { 0 };
	struct snapshot_maps maps;
	static struct frame f;

	rng_state = getenv("NETMON_FUZZ_SEED") ? strtoull(getenv("NETMON_FUZZ_SEED"), 0, 0)
					       : (uint64_t)time(NULL) | 1;
	printf("# seed %llu (NETMON_FUZZ_SEED to repeat), %lu frames\n",
	       (unsigned long long)rng_state, frames);
	assert_int_equal(flow_load(&z.skel, 0), 0);
	flow_snapshot_maps(z.skel, &maps);
	assert_int_equal(snapshot_open(&z.snap, &maps), 0);
	z.prog[0] = flow_prog_fd(z.skel, NETMON_DIR_IN);
	z.prog[1] = flow_prog_fd(z.skel, NETMON_DIR_OUT);

	for (unsigned long i = 0; i < frames; i++) {
		valid_frame(&f);
		if (below(3))
			break_frame(&f);
		run_one(&z, &f);
		if (z.run_since_snapshot == SNAPSHOT_EVERY)
			reconcile(&z);
	}
	reconcile(&z);
	printf("# %llu frames, %llu refused by test_run itself\n", (unsigned long long)z.frames,
	       (unsigned long long)z.refused);
	/* Refusals are the rare short frames only, not a way to hide failures. */
	assert_true(z.refused * 20 < z.frames);
	snapshot_free(&z.cur);
	snapshot_close(z.snap);
	flow_unload(z.skel);
}

/* Frames shorter than Ethernet never reach a TC program: test_run says so. */
static void test_runt_frames_refused(void **state)
{
	struct flow_bpf *skel;
	uint8_t data[14] = { 0 };

	assert_int_equal(flow_load(&skel, 0), 0);
	for (__u32 len = 0; len < 14; len++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
			    .repeat = 1);

		assert_int_not_equal(bpf_prog_test_run_opts(flow_prog_fd(skel, 0), &opts), 0);
	}
	flow_unload(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runt_frames_refused),
		cmocka_unit_test(test_fuzz_reconciles),
	};

	log_init("test_fuzz", LOGLVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
