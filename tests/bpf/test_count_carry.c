// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_count_carry.c - the carries out of a flow's shared packets/bytes word
 * (bpf/flow_table.bpf.h, ft_count(); the packing in bpf/netmon.h).
 *
 * Packets (24 bits) and bytes (40 bits) share one 64-bit word that a packet
 * adds to with one atomic add; the CPU whose add carried out of a field puts
 * it right. Reaching those edges by sending takes 2^24 packets and 2^40 bytes
 * at once, and the rarest (the word past 2^64 exactly when the packets field
 * carries, so that the take-back of that carry borrows) needs a count of
 * runs no test can send. So each case here writes the counters of a flow the
 * real TC program made, through the table's own mmap, to just below an edge,
 * sends one more packet through BPF_PROG_TEST_RUN, and compares what the
 * snapshot reads with the sum it must be. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

/* The Makefile links each tests/bpf/test_*.c alone: take the builder with us. */
#include "frames.c"

#define MAX_FLOWS 1024
#define BYTES_FIELD ((1ull << (64 - NETMON_PACKETS_BITS)) - 1)

#include "table_env.c"

static struct frame udp; /* one datagram, in */

static int setup(void **state)
{
	memset(&udp, 0, sizeof(udp));
	frame_eth(&udp);
	frame_ipv4(&udp, "192.0.2.1", "198.51.100.7");
	frame_udp(&udp, 1000, 53);
	frame_payload(&udp, 10);
	frame_finish(&udp);
	return env_setup(state, "test_count_carry", MAX_FLOWS);
}

static int teardown(void **state)
{
	return env_teardown(state);
}

static void send_one(struct env *e)
{
	int retval = 0;

	assert_int_equal(frame_run_tc(flow_prog_fd(e->skel, NETMON_DIR_IN), &udp, &retval), 0);
}

static void take(struct env *e)
{
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
}

/* The one generation's counters holding the flow's single packet. */
static struct flow_gen_counters *counted(struct env *e)
{
	struct flow_gen_counters *found = NULL;

	for (__u32 i = 0; i < e->maps.tables[0].nslots; i++)
		for (int g = 0; g < NETMON_GENERATIONS; g++) {
			struct flow_gen_counters *c = &e->counts[i].gen[g];

			if (!NETMON_GEN_COUNTED(c->packets_bytes, c->flags_wraps))
				continue;
			assert_null(found);
			found = c;
		}
	assert_non_null(found);
	return found;
}

/*
 * Count one packet, set the flow's counters to `packets` and `bytes` (each
 * below its field's size: no wrap counted yet) as if that many had been
 * counted, count one more packet, and require the snapshot to read exactly
 * one packet and one packet's bytes more. Returns the packet's bytes.
 */
static uint64_t one_more(struct env *e, uint64_t packets, uint64_t bytes)
{
	struct flow_gen_counters *c;
	uint64_t len;

	take(e); /* the first release scans every slot: start from an empty table */
	send_one(e);
	c = counted(e);
	assert_int_equal(c->packets_bytes & NETMON_PACKETS_FIELD, 1);
	len = c->packets_bytes >> NETMON_PACKETS_BITS;
	assert_true(len > 0);
	c->packets_bytes = packets | bytes << NETMON_PACKETS_BITS;
	c->flags_wraps &= 0xff; /* the flags stay, no wrap */
	send_one(e);
	take(e);
	assert_int_equal(e->snap.n_flows, 1);
	assert_int_equal(e->snap.flows[0].c.packets, packets + 1);
	assert_int_equal(e->snap.flows[0].c.bytes, bytes + len);
	return len;
}

/* The packets field carries; the bytes field has room for the carry. */
static void test_packets_carry(void **state)
{
	one_more(*state, NETMON_PACKETS_FIELD, 5);
}

/* The bytes field overflows the word's top; packets do not carry. */
static void test_bytes_overflow(void **state)
{
	one_more(*state, NETMON_PACKETS_FIELD - 1, BYTES_FIELD);
}

/* Both at once: the word passes 2^64 and the packets field carries, and the
 * take-back of that carry does not borrow (the bytes left are the packet's). */
static void test_both_carry(void **state)
{
	one_more(*state, NETMON_PACKETS_FIELD, BYTES_FIELD);
}

/*
 * The word reaches exactly 2^64 (0) with the packets field's carry in it:
 * the add overflowed and counts a bytes wrap, the take-back of the carry
 * borrows below 0 and must uncount it. With a packet of len bytes that is
 * 2^24 - 1 packets and 2^40 - 1 - len bytes before it.
 */
static void test_take_back_borrows(void **state)
{
	struct env *e = *state;
	uint64_t len = one_more(e, 1, 1); /* the packet's length, read from a count */

	one_more(e, NETMON_PACKETS_FIELD, BYTES_FIELD - len);
	assert_int_equal(e->snap.flows[0].c.packets, 1ull << NETMON_PACKETS_BITS);
	assert_int_equal(e->snap.flows[0].c.bytes, BYTES_FIELD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_packets_carry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_both_carry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_back_borrows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
