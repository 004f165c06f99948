// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_sample.c - packet sampling in bpf/flow.bpf.c (bpf/sample.bpf.h)
 * through BPF_PROG_TEST_RUN: which packets are taken (every Nth on a CPU),
 * the bytes copied into the ring, and the totals that count samples and
 * drops. The test pins itself to one CPU so that one per-CPU counter sees
 * every frame. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

#include "frames.c"

#define LO_IFINDEX 1
#define MAX_SEEN 64

struct env {
	struct flow_bpf *skel;
	struct snapshotter *snapper;
	struct snapshot snap;
	struct ring_buffer *ring;
	struct sample_record seen[MAX_SEEN];
	int n_seen;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;

	if (size == sizeof(struct sample_record) && e->n_seen < MAX_SEEN)
		memcpy(&e->seen[e->n_seen++], data, size);
	return 0;
}

static int env_open(void **state, unsigned int every, unsigned int snaplen, unsigned int ring)
{
	struct flow_load_opts lo = { .max_flows = 64, .sample_every = every,
				     .snaplen = snaplen, .ring_bytes = ring };
	struct snapshot_maps maps;
	struct env *e = calloc(1, sizeof(*e));
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	if (!e || sched_setaffinity(0, sizeof(cpu), &cpu))
		goto fail;
	log_init("test_sample", getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	if (flow_load_with(&e->skel, &lo))
		goto fail;
	flow_snapshot_maps(e->skel, &maps);
	if (snapshot_open(&e->snapper, &maps))
		goto fail;
	e->ring = ring_buffer__new(flow_sample_ring_fd(e->skel), on_sample, e, NULL);
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

static int setup_every3(void **state)
{
	return env_open(state, 3, 64, 0);
}

static int setup_off(void **state)
{
	return env_open(state, 0, 0, 0);
}

static int setup_every1_tiny_ring(void **state)
{
	return env_open(state, 1, 0, 4096);
}

static int setup_every1_full_snap(void **state)
{
	return env_open(state, 1, NETMON_SNAP_MAX, 0);
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

/* UDP over IPv4 from sport, payload bytes numbered (frame_payload). */
static void udp_frame(struct frame *f, uint16_t sport, size_t payload)
{
	memset(f, 0, sizeof(*f));
	frame_eth(f);
	frame_ipv4(f, "192.0.2.1", "198.51.100.7");
	frame_udp(f, sport, 53);
	frame_payload(f, payload);
	frame_finish(f);
}

/* Packets and bytes of the totals of one kind in the last snapshot. */
static void kind_total(const struct env *e, uint8_t kind, uint64_t *packets, uint64_t *bytes)
{
	*packets = *bytes = 0;
	for (size_t i = 0; i < e->snap.n_totals; i++) {
		if (e->snap.totals[i].key.kind != kind)
			continue;
		*packets += e->snap.totals[i].c.packets;
		*bytes += e->snap.totals[i].c.bytes;
	}
}

/* Every third packet, its first 64 bytes, its length and direction. */
static void test_every_third(void **state)
{
	struct env *e = *state;
	struct frame f;
	uint64_t p, b;

	for (int i = 0; i < 10; i++) {
		udp_frame(&f, (uint16_t)(1000 + i), 100 + (size_t)i);
		run(e, i % 2 ? NETMON_DIR_OUT : NETMON_DIR_IN, &f);
	}
	assert_true(ring_buffer__consume(e->ring) >= 0);
	/* Frames 2, 5 and 8 (0-based): the 3rd, 6th and 9th. */
	assert_int_equal(e->n_seen, 3);
	for (int k = 0; k < 3; k++) {
		const struct sample_record *r = &e->seen[k];
		int i = 3 * k + 2;

		udp_frame(&f, (uint16_t)(1000 + i), 100 + (size_t)i);
		assert_int_equal(r->len, f.len);
		assert_int_equal(r->caplen, 64);
		assert_int_equal(r->direction, i % 2 ? NETMON_DIR_OUT : NETMON_DIR_IN);
		assert_int_equal(r->ifindex, LO_IFINDEX);
		assert_memory_equal(r->data, f.data, 64);
		assert_true(r->tstamp_ns > 0);
		for (size_t j = 0; j < sizeof(r->pad); j++)
			assert_int_equal(r->pad[j], 0);
	}
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	kind_total(e, NETMON_KIND_SAMPLED, &p, &b);
	assert_int_equal(p, 3);
	assert_int_equal(b, (14 + 20 + 8) * 3 + 102 + 105 + 108);
	kind_total(e, NETMON_KIND_SAMPLE_DROP, &p, &b);
	assert_int_equal(p, 0);
}

/* A frame shorter than the snap length is copied whole; 256 bytes at most. */
static void test_snap_bounds(void **state)
{
	struct env *e = *state;
	struct frame f;

	udp_frame(&f, 1, 0); /* 42 bytes */
	run(e, NETMON_DIR_IN, &f);
	udp_frame(&f, 2, 1400);
	run(e, NETMON_DIR_OUT, &f);
	assert_true(ring_buffer__consume(e->ring) >= 0);
	assert_int_equal(e->n_seen, 2);
	assert_int_equal(e->seen[0].caplen, 42);
	assert_int_equal(e->seen[0].len, 42);
	udp_frame(&f, 1, 0);
	assert_memory_equal(e->seen[0].data, f.data, 42);
	assert_int_equal(e->seen[1].caplen, NETMON_SNAP_MAX);
	assert_int_equal(e->seen[1].len, 1442);
	udp_frame(&f, 2, 1400);
	assert_memory_equal(e->seen[1].data, f.data, NETMON_SNAP_MAX);
}

/* Off: nothing in the ring, no sampling totals, flows counted as ever. */
static void test_off(void **state)
{
	struct env *e = *state;
	struct frame f;
	uint64_t p, b;

	for (int i = 0; i < 5; i++) {
		udp_frame(&f, 7, 10);
		run(e, NETMON_DIR_IN, &f);
	}
	assert_int_equal(ring_buffer__consume(e->ring), 0);
	assert_int_equal(e->n_seen, 0);
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	kind_total(e, NETMON_KIND_SAMPLED, &p, &b);
	assert_int_equal(p, 0);
	kind_total(e, NETMON_KIND_SAMPLE_DROP, &p, &b);
	assert_int_equal(p, 0);
	kind_total(e, NETMON_KIND_IP, &p, &b);
	assert_int_equal(p, 5);
}

/* A full ring: what did not fit is counted as dropped, exactly. */
static void test_full_ring_drops(void **state)
{
	struct env *e = *state;
	struct frame f;
	uint64_t sampled, dropped, b;

	for (int i = 0; i < 40; i++) {
		udp_frame(&f, 9, 10);
		run(e, NETMON_DIR_OUT, &f);
	}
	assert_true(ring_buffer__consume(e->ring) >= 0);
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	kind_total(e, NETMON_KIND_SAMPLED, &sampled, &b);
	kind_total(e, NETMON_KIND_SAMPLE_DROP, &dropped, &b);
	/* 4096 bytes hold 14 records of 8 + 288 bytes. */
	assert_int_equal(sampled, 4096 / (8 + sizeof(struct sample_record)));
	assert_int_equal((uint64_t)e->n_seen, sampled);
	assert_int_equal(sampled + dropped, 40);
	assert_int_equal(b, dropped * 52);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_third, setup_every3, teardown),
		cmocka_unit_test_setup_teardown(test_snap_bounds, setup_every1_full_snap, teardown),
		cmocka_unit_test_setup_teardown(test_off, setup_off, teardown),
		cmocka_unit_test_setup_teardown(test_full_ring_drops, setup_every1_tiny_ring,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
