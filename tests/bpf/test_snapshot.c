// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_snapshot.c - which slots snapshot_release() touches
 * (recorder/kernel/snapshot.c, docs/design.md "Flow tables").
 *
 * After a hold, the release clears the counters of the slots that hold
 * copied and of no other: a count it did not copy is never cleared (it
 * would be lost). It walks the hold's list of those slots, or scans a table
 * the list covers most of; either way each held flow is cleared once and
 * an idle one freed, and a packet after the flip counts in the next
 * snapshot. The first release of a snapshotter, as an adopting
 * recorder's, scans every slot instead, so the slots a crashed run left
 * DOOMED, or READY with no packet, are freed. Flows go in through the real
 * TC program (BPF_PROG_TEST_RUN); the slots are read and, to make what a
 * crash leaves, written through the tables' own mmap. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

/* The Makefile links each tests/bpf/test_*.c alone: take the builder with us. */
#include "frames.c"

#define MAX_FLOWS 1024

#include "table_env.c"

static int setup(void **state)
{
	return env_setup(state, "test_snapshot", MAX_FLOWS);
}

static int teardown(void **state)
{
	return env_teardown(state);
}

/* One UDP datagram from src:port to 198.51.100.7:53, in. */
static void send4(struct env *e, const char *src, uint16_t port)
{
	static struct frame f;
	int retval = 0;

	memset(&f, 0, sizeof(f));
	frame_eth(&f);
	frame_ipv4(&f, src, "198.51.100.7");
	frame_udp(&f, port, 53);
	frame_payload(&f, 10);
	frame_finish(&f);
	assert_int_equal(frame_run_tc(flow_prog_fd(e->skel, NETMON_DIR_IN), &f, &retval), 0);
}

static __u32 state_of(const struct env *e, __u32 i)
{
	return e->slots[i].word0 & NETMON_SLOT_STATE_MASK;
}

static __u64 packets(const struct env *e, __u32 i, __u32 gen)
{
	return e->counts[i].gen[gen].packets_bytes & NETMON_PACKETS_FIELD;
}

/* The one READY slot with packets in generation gen and none in the other. */
static __u32 only_in(const struct env *e, __u32 gen)
{
	__u32 found = UINT32_MAX;

	for (__u32 i = 0; i < e->maps.tables[0].nslots; i++) {
		if (state_of(e, i) != NETMON_SLOT_READY || !packets(e, i, gen) ||
		    packets(e, i, gen ^ 1))
			continue;
		assert_int_equal(found, UINT32_MAX);
		found = i;
	}
	assert_int_not_equal(found, UINT32_MAX);
	return found;
}

static void take(struct env *e)
{
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
}

/* Put a totals row the hold did not read in generation gen: 7 packets on
 * the first CPU, under a key no frame here makes. */
static struct total_key plant_total(struct env *e, __u32 gen)
{
	struct total_key k = { .ifindex = 4242, .kind = NETMON_KIND_IP, .family = 4 };
	size_t vsz = (sizeof(struct total_counters) + 7) & ~(size_t)7;
	int ncpus = libbpf_num_possible_cpus();
	char *v = calloc((size_t)ncpus, vsz);

	assert_non_null(v);
	((struct total_counters *)v)->packets = 7;
	assert_int_equal(bpf_map_update_elem(e->maps.totals[gen], &k, v, BPF_NOEXIST), 0);
	free(v);
	return k;
}

static const struct total_record *find_total(const struct snapshot *snap, const struct total_key *k)
{
	for (size_t i = 0; i < snap->n_totals; i++)
		if (!memcmp(&snap->totals[i].key, k, sizeof(*k)))
			return &snap->totals[i];
	return NULL;
}

/* A count in a slot or a totals row the hold did not copy survives the
 * release, and the snapshot of its generation drains it later: nothing is
 * cleared unread. */
static void test_release_clears_only_held(void **state)
{
	struct env *e = *state;
	const struct total_record *tr;
	struct total_key tk;
	__u32 seq, old, c;

	send4(e, "192.0.2.1", 1000);
	take(e); /* the snapshotter's first release scans every slot */
	send4(e, "192.0.2.1", 1000);
	send4(e, "192.0.2.2", 1000);
	assert_int_equal(snapshot_hold_at(e->snapper, &e->snap, 0), 0);
	assert_int_equal(e->snap.n_flows, 2);
	seq = e->snap.seq;
	old = seq & 1;
	send4(e, "192.0.2.3", 1000); /* after the flip: READY, counted in old ^ 1 */
	c = only_in(e, old ^ 1);
	/* Counts in generation old that the hold did not see. */
	e->counts[c].gen[old].packets_bytes = 5 | 500ull << NETMON_PACKETS_BITS;
	tk = plant_total(e, old);
	assert_int_equal(snapshot_release(e->snapper, seq), 0);
	assert_int_equal(packets(e, c, old), 5);
	assert_int_equal(e->counts[c].gen[old].packets_bytes >> NETMON_PACKETS_BITS, 500);
	for (__u32 i = 0; i < e->maps.tables[0].nslots; i++)
		if (i != c)
			assert_int_equal(packets(e, i, old), 0); /* the two held flows */
	assert_int_equal(e->skel->bss->used4, 1);		 /* and their slots freed */

	take(e); /* generation old ^ 1: the later datagram */
	assert_int_equal(e->snap.n_flows, 1);
	assert_int_equal(e->snap.flows[0].c.packets, 1);
	assert_null(find_total(&e->snap, &tk));
	take(e); /* generation old: the counts left in the kernel */
	assert_int_equal(e->snap.n_flows, 1);
	assert_int_equal(e->snap.flows[0].c.packets, 5);
	assert_int_equal(e->snap.flows[0].c.bytes, 500);
	tr = find_total(&e->snap, &tk);
	assert_non_null(tr);
	assert_int_equal(tr->c.packets, 7);
}

/* Flow i of the tables' own tests: 10.1.x.y:1000 to the server. */
static void send_nth(struct env *e, unsigned int i)
{
	char src[32];

	snprintf(src, sizeof(src), "10.1.%u.%u", i >> 8, i & 0xff);
	send4(e, src, 1000);
}

/* The snapshot holds flows of send_nth() below n (seen[i] set for each) and
 * the one from other (*other set), one packet each, none twice. */
static void which_flows(const struct snapshot *snap, unsigned char *seen, unsigned int n,
			const char *other, int *found_other)
{
	struct flow_key ko = { 0 };

	assert_int_equal(inet_pton(AF_INET, other, ko.src), 1);
	memset(seen, 0, n);
	*found_other = 0;
	for (size_t j = 0; j < snap->n_flows; j++) {
		const struct flow_record *r = &snap->flows[j];
		unsigned int i = (unsigned int)r->key.src[2] << 8 | r->key.src[3];

		assert_int_equal(r->c.packets, 1);
		if (!memcmp(r->key.src, ko.src, 4)) {
			assert_int_equal(*found_other, 0);
			*found_other = 1;
			continue;
		}
		assert_int_equal(r->key.src[0], 10);
		assert_int_equal(r->key.src[1], 1);
		assert_true(i < n);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
	}
}

/*
 * n flows in the IPv4 table, held; after the flip the even ones go on and a
 * new one comes; the release clears generation old exactly once, frees the
 * odd flows' slots, and the next snapshots hold the later packets and then
 * nothing. A slot left READY with no packet (as a crash halfway through a
 * release leaves it) is in no hold's list: freed by a scan of the table,
 * kept by a walk of the list, which tells which one the release did.
 */
static void release_round(struct env *e, unsigned int n, int scanned)
{
	unsigned char seen[MAX_FLOWS];
	__u32 seq, old, left;
	int other;

	send4(e, "192.0.2.9", 1000);
	assert_int_equal(snapshot_hold_at(e->snapper, &e->snap, 0), 0);
	send4(e, "192.0.2.9", 1000);
	assert_int_equal(snapshot_release(e->snapper, e->snap.seq), 0); /* the first: a scan */
	left = only_in(e, (e->snap.seq & 1) ^ 1);
	memset(&e->counts[left], 0, sizeof(e->counts[left]));

	for (unsigned int i = 0; i < n; i++)
		send_nth(e, i);
	assert_int_equal(snapshot_hold_at(e->snapper, &e->snap, 0), 0);
	which_flows(&e->snap, seen, n, "192.0.2.10", &other);
	assert_int_equal(e->snap.n_flows, n);
	seq = e->snap.seq;
	old = seq & 1;
	for (unsigned int i = 0; i < n; i += 2)
		send_nth(e, i); /* after the flip: counted in old ^ 1 */
	send4(e, "192.0.2.10", 1000);
	assert_int_equal(snapshot_release(e->snapper, seq), 0);

	for (__u32 i = 0; i < e->maps.tables[0].nslots; i++) {
		static const struct flow_gen_counters zero;

		assert_memory_equal(&e->counts[i].gen[old], &zero, sizeof(zero));
	}
	assert_int_equal(state_of(e, left), scanned ? NETMON_SLOT_FREE : NETMON_SLOT_READY);
	assert_int_equal(e->skel->bss->used4, (n + 1) / 2 + 1 + !scanned);

	take(e); /* generation old ^ 1: the packets after the flip */
	which_flows(&e->snap, seen, n, "192.0.2.10", &other);
	assert_int_equal(e->snap.n_flows, (n + 1) / 2 + 1);
	assert_int_equal(other, 1);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(seen[i], !(i % 2));
	take(e); /* nothing counted twice, every idle flow freed */
	assert_int_equal(e->snap.n_flows, 0);
	assert_int_equal(e->skel->bss->used4, !scanned);
}

/* A sparse table: the release walks the hold's list. */
static void test_release_sparse_walks_list(void **state)
{
	release_round(*state, 8, 0);
}

/* A table nearly full (1000 flows, max-flows 1024): the release scans it. */
static void test_release_full_scans(void **state)
{
	release_round(*state, 1000, 1);
}

/*
 * A crash between the release's two steps leaves a slot DOOMED, and one
 * halfway through it a slot READY whose counters are cleared: in no hold's
 * list. The adopting recorder's snapshotter, whose first release scans
 * every slot, frees both.
 */
static void test_first_release_frees_left_slots(void **state)
{
	struct env *e = *state;
	__u32 ready[2], n = 0, a, b;

	send4(e, "192.0.2.1", 1000);
	send4(e, "192.0.2.2", 1000);
	assert_int_equal(snapshot_hold_at(e->snapper, &e->snap, 0), 0);
	send4(e, "192.0.2.1", 1000); /* both go on after the flip: they keep their slots */
	send4(e, "192.0.2.2", 1000);
	assert_int_equal(snapshot_release(e->snapper, e->snap.seq), 0);
	assert_int_equal(e->skel->bss->used4, 2);
	for (__u32 i = 0; i < e->maps.tables[0].nslots; i++)
		if (state_of(e, i) == NETMON_SLOT_READY && n < 2)
			ready[n++] = i;
	assert_int_equal(n, 2);
	a = ready[0], b = ready[1];
	memset(&e->counts[a], 0, sizeof(e->counts[a]));
	memset(&e->counts[b], 0, sizeof(e->counts[b]));
	e->slots[a].word0 = (e->slots[a].word0 & ~NETMON_SLOT_STATE_MASK) | NETMON_SLOT_DOOMED;

	snapshot_close(e->snapper); /* the crash; then the adoption */
	assert_int_equal(snapshot_open(&e->snapper, &e->maps), 0);
	assert_int_equal(snapshot_release(e->snapper, snapshot_seq(e->snapper) - 1), 0);
	assert_int_equal(state_of(e, a), NETMON_SLOT_FREE);
	assert_int_equal(state_of(e, b), NETMON_SLOT_FREE);
	assert_int_equal(e->skel->bss->used4, 0);
}

/*
 * Windows (snapshot_set_window()): a large table is mapped a window of
 * slots at a time, and every pass over it (the hold's scan, the release's
 * scan or list walk, the freeing of idle slots, the live view's peek) moves
 * from window to window. Flows are planted through the test's own mapping
 * on both sides of every window edge of the smallest window (a page of
 * 16-byte slots), each with its own count: each must be read once, with
 * its count, cleared once, and freed or kept as its later packets say.
 */
#define EDGE_IFINDEX 7

/* Slot i as a READY UDP flow 10.2.x.y:1000 -> 198.51.100.7:53 (x.y = i) with
 * i % 5 + 1 packets and 100 + i bytes in generation gen; FREE when !ready. */
static void plant(struct env *e, __u32 i, __u32 gen, int ready)
{
	struct flow4_slot *sl = &e->slots[i];
	struct flow_gen_counters *c = &e->counts[i].gen[gen];

	memset(&e->counts[i], 0, sizeof(e->counts[i]));
	if (!ready) {
		sl->word0 = NETMON_SLOT_FREE;
		return;
	}
	sl->src[0] = 10, sl->src[1] = 2, sl->src[2] = (__u8)(i >> 8), sl->src[3] = (__u8)i;
	assert_int_equal(inet_pton(AF_INET, "198.51.100.7", sl->dst), 1);
	sl->src_port = 1000;
	sl->dst_port = 53;
	c->packets_bytes = (i % 5 + 1) | (__u64)(100 + i) << NETMON_PACKETS_BITS;
	__atomic_store_n(&sl->word0,
			 NETMON_SLOT_READY | IPPROTO_UDP << NETMON_SLOT_PROTO_SHIFT |
				 EDGE_IFINDEX << NETMON_SLOT_IFINDEX_SHIFT,
			 __ATOMIC_RELEASE);
	e->skel->bss->used4++;
}

/* Plant the buckets on both sides of every window edge (and the table's
 * first and last): full, or only the slot on each side of the edge READY
 * (the slots before it FREE, the bucket's rule: no NEVER slot before a used
 * one). Marks planted[i]; returns how many are READY. */
static unsigned int plant_edges(struct env *e, __u32 window, int full, __u32 gen,
				unsigned char *planted)
{
	__u32 nslots = e->maps.tables[0].nslots, b = NETMON_BUCKET_SLOTS;
	unsigned int n = 0;

	memset(planted, 0, nslots);
	for (__u32 edge = 0;; edge += window) {
		__u32 at = edge < nslots ? edge : nslots;

		for (__u32 i = at >= b ? at - b : 0; i < at + b && i < nslots; i++) {
			int ready = full || i == at - 1 || i == at;

			if (planted[i])
				continue;
			plant(e, i, gen, ready);
			planted[i] = (unsigned char)(ready ? 1 : 2);
			n += ready;
		}
		if (at == nslots)
			return n;
	}
}

/* snap holds exactly the planted READY slots, each once, with its count
 * (those with even i only, when evens). */
static void check_planted(const struct snapshot *snap, const unsigned char *planted, __u32 nslots,
			  int evens)
{
	unsigned char *seen = calloc(nslots, 1);
	size_t want = 0;

	assert_non_null(seen);
	for (__u32 i = 0; i < nslots; i++)
		want += planted[i] == 1 && (!evens || i % 2 == 0);
	assert_int_equal(snap->n_flows, want);
	for (size_t j = 0; j < snap->n_flows; j++) {
		const struct flow_record *r = &snap->flows[j];
		__u32 i = (__u32)r->key.src[2] << 8 | r->key.src[3];

		assert_int_equal(r->key.src[0], 10);
		assert_int_equal(r->key.ifindex, EDGE_IFINDEX);
		assert_true(i < nslots && planted[i] == 1);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		assert_int_equal(r->c.packets, evens ? 3 : i % 5 + 1);
		assert_int_equal(r->c.bytes, evens ? 30 : 100 + i);
	}
	free(seen);
}

/* One hold, release, peek and take over planted edges, in windows. */
static void window_round(struct env *e, long window, int full)
{
	__u32 nslots = e->maps.tables[0].nslots, seq, old;
	unsigned char *planted = calloc(nslots, 1);
	unsigned int n, evens = 0;

	assert_non_null(planted);
	assert_int_equal(snapshot_set_window(e->snapper, window), 0);
	take(e); /* the first release scans; the next one walks the list */
	assert_int_equal(e->skel->bss->used4, 0);
	/* The edges of the smallest window: a page of 16-byte slots. */
	n = plant_edges(e, (__u32)sysconf(_SC_PAGESIZE) / 16, full,
			__atomic_load_n(&e->skel->bss->active_gen, __ATOMIC_SEQ_CST) & 1, planted);
	assert_true(n > 4);
	assert_int_equal(snapshot_hold_at(e->snapper, &e->snap, 0), 0);
	check_planted(&e->snap, planted, nslots, 0);
	seq = e->snap.seq;
	old = seq & 1;
	/* After the flip: the even flows go on (3 packets, 30 bytes). */
	for (__u32 i = 0; i < nslots; i += 2) {
		if (planted[i] != 1)
			continue;
		e->counts[i].gen[old ^ 1].packets_bytes = 3 | 30ull << NETMON_PACKETS_BITS;
		evens++;
	}
	assert_int_equal(snapshot_release(e->snapper, seq), 0);
	for (__u32 i = 0; i < nslots; i++) {
		static const struct flow_gen_counters zero;

		assert_memory_equal(&e->counts[i].gen[old], &zero, sizeof(zero));
		if (planted[i] == 1)
			assert_int_equal(state_of(e, i),
					 i % 2 ? NETMON_SLOT_FREE : NETMON_SLOT_READY);
	}
	assert_int_equal(e->skel->bss->used4, evens);
	assert_int_equal(snapshot_peek(e->snapper, &e->snap), 0);
	check_planted(&e->snap, planted, nslots, 1);
	take(e); /* the evens' later packets, once; then idle, freed */
	check_planted(&e->snap, planted, nslots, 1);
	assert_int_equal(e->skel->bss->used4, 0);
	take(e);
	assert_int_equal(e->snap.n_flows, 0);
	free(planted);
}

/* Few flows at the edges: the release walks the hold's list. */
static void test_window_edges_listed(void **state)
{
	window_round(*state, 1, 0);
}

/* Full buckets at the edges: the release scans the table. */
static void test_window_edges_scanned(void **state)
{
	window_round(*state, 1, 1);
}

/* The same rounds with the tables mapped whole. */
static void test_whole_edges(void **state)
{
	window_round(*state, 0, 0);
	window_round(*state, 0, 1);
}

/* Enough flows for a records array past the 1 MiB it is shrunk from. */
#define BURST_FLOWS 12000

static int setup_burst(void **state)
{
	return env_setup(state, "test_snapshot", 2 * BURST_FLOWS);
}

/* flows UDP flows from 203.0.113.9, source ports 1.. */
static void send_flows(struct env *e, unsigned int flows)
{
	for (unsigned int p = 1; p <= flows; p++)
		send4(e, "203.0.113.9", (uint16_t)p);
}

/*
 * A burst's records leave with the first quiet interval after it: the
 * array is cut to what the interval needs, every flow still in it. An
 * interval that fills a quarter of it or more keeps it as it is.
 */
static void test_burst_records_given_back(void **state)
{
	struct env *e = *state;
	size_t burst_cap;

	send_flows(e, BURST_FLOWS);
	take(e);
	assert_int_equal(e->snap.n_flows, BURST_FLOWS);
	burst_cap = e->snap.cap_flows;
	assert_true(burst_cap * sizeof(struct flow_record) >= (1u << 20));
	send_flows(e, BURST_FLOWS / 2); /* a steady state: kept */
	take(e);
	assert_int_equal(e->snap.n_flows, BURST_FLOWS / 2);
	assert_int_equal(e->snap.cap_flows, burst_cap);
	send_flows(e, 10); /* quiet */
	take(e);
	assert_int_equal(e->snap.n_flows, 10);
	assert_true(e->snap.cap_flows <= 1024);
	for (size_t i = 0; i < e->snap.n_flows; i++) {
		const struct flow_record *r = &e->snap.flows[i];

		assert_int_equal(r->c.packets, 1);
		assert_true(r->key.src_port >= 1 && r->key.src_port <= 10);
	}
	send_flows(e, BURST_FLOWS); /* and the next burst grows it again */
	take(e);
	assert_int_equal(e->snap.n_flows, BURST_FLOWS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_release_clears_only_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_release_frees_left_slots, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_release_sparse_walks_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_full_scans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_edges_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_edges_scanned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_records_given_back, setup_burst,
						teardown),
	};

	return cmocka_run_group_tests_name("recorder/kernel/snapshot.c", tests, NULL, NULL);
}
