// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * snapshot_cost - what taking one interval out of the kernel costs the
 * recorder (snapshot_hold_at() + snapshot_release(), recorder/kernel/
 * snapshot.c), next to a bare scan of the same mapped flow tables measured
 * in the same round: one pass that reads every slot's word 0 and its
 * counters of one generation, which any reader of the tables must do.
 *
 * For each size N (flows in all: N/2 IPv4 and N/2 IPv6, each table sized
 * for N/2 as --max-flows would), the real TC program puts the flows in the
 * tables (BPF_PROG_TEST_RUN, one UDP frame per flow), then per round:
 *   idle: fill, bare scan, hold, release: every flow is drained, then marked
 *         idle and freed (the case of a burst that stops: 2M flows took
 *         1.84 s before), and the next round inserts them again;
 *   busy: fill, hold, fill again (every flow goes on after the flip), bare
 *         scan, release: counters cleared, no slot freed;
 *   sparse: as idle with 1 % of the flows in the same tables (a recorder
 *         sized for bursts, between them);
 *   few: as idle with 10 flows in each table (a recorder sized for bursts,
 *         at rest: what mapping the tables a window at a time costs there).
 * --share PCT: busy and sparse with PCT % of N (the flows the tables are
 * sized for) instead of 100 and 1 %, to find where the release's list walk
 * and its scan cross.
 * --window N: the snapshotter maps the tables in windows of N slots, or
 * whole with 0 (snapshot_set_window()); without it, as the recorder does
 * (whole up to 32 MiB a table, else windows).
 * The first round of a size touches the mapping and the record arrays for
 * the first time: it is printed apart from the medians of the others. Each
 * round checks that the snapshot held exactly the flows put in.
 *
 *   snapshot_cost [--rounds N] [--only CASE] [--share PCT] [--window N] [FLOWS...]
 *   (default 5 rounds, every case, 100000 1000000 2000000 flows)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"
#include "netmon_user.h"
#include "numparse.h"
#include "../tests/bpf/frames.c"

#define MAX_ROUNDS 64
#define MAX_SIZES 8

static double clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The bench's own CPU time: the machine is shared, wall time counts others. */
static double now_ms(void)
{
	return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

/* Flow i of a table: UDP from a distinct source (32 bits of i) to one server. */
static int put_flows(int prog_fd, unsigned int n, int v6)
{
	static struct frame f;
	struct __sk_buff skb = { .ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &skb, .ctx_size_in = sizeof(skb));
	size_t src_off;

	memset(&f, 0, sizeof(f));
	frame_eth(&f);
	if (v6)
		frame_ipv6(&f, "2001:db8:5::", "2001:db8:6::1");
	else
		frame_ipv4(&f, "100.64.0.0", "198.19.0.1");
	frame_udp(&f, 4000, 443);
	frame_payload(&f, 32);
	frame_finish(&f);
	opts.data_in = f.data;
	opts.data_size_in = (__u32)f.len;
	src_off = f.l3_off + (v6 ? 8 + 12 : 12);
	for (unsigned int i = 0; i < n; i++) {
		for (int b = 0; b < 4; b++)
			f.data[src_off + b] = (uint8_t)(i >> (24 - 8 * b));
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
	}
	return 0;
}

static int fill(int prog_fd, unsigned int per_table)
{
	int err = put_flows(prog_fd, per_table, 0);

	return err ? err : put_flows(prog_fd, per_table, 1);
}

/* The tables as the bench's own mapping, for the bare scan. */
struct bare_table {
	const char *slots;
	const struct flow_slot_counters *counts;
	size_t slots_len, counts_len;
	__u32 nslots, slot_size;
};

static int bare_map(const struct snapshot_table *t, struct bare_table *b)
{
	b->nslots = t->nslots;
	b->slot_size = t->slot_size;
	b->slots_len = (size_t)t->nslots * t->slot_size;
	b->counts_len = (size_t)t->nslots * sizeof(struct flow_slot_counters);
	b->slots = mmap(NULL, b->slots_len, PROT_READ, MAP_SHARED, t->slots_fd, 0);
	b->counts = mmap(NULL, b->counts_len, PROT_READ, MAP_SHARED, t->counts_fd, 0);
	if (b->slots == MAP_FAILED || b->counts == MAP_FAILED)
		return -errno;
	return 0;
}

/* One pass over every slot: word 0 and one generation's packets. */
static double bare_scan(const struct bare_table *b, __u32 gen, unsigned long long *found)
{
	double t0 = now_ms();

	for (int t = 0; t < 2; t++)
		for (__u32 i = 0; i < b[t].nslots; i++) {
			__u32 w0 =
				*(const volatile __u32 *)(b[t].slots + (size_t)i * b[t].slot_size);
			__u64 p = *(const volatile __u64 *)&b[t].counts[i].gen[gen].packets_bytes;

			*found += (w0 & NETMON_SLOT_STATE_MASK) == NETMON_SLOT_READY && p != 0;
		}
	return now_ms() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct timing {
	double bare[MAX_ROUNDS], hold[MAX_ROUNDS], release[MAX_ROUNDS]; /* CPU */
	double wall[MAX_ROUNDS]; /* hold + release, wall clock */
};

/* One round of a case: 0, or -1 when a step failed or a flow was missed. */
static int round_once(struct flow_bpf *skel, struct snapshotter *s, const struct bare_table *b,
		      unsigned int per_table, int busy, struct snapshot *snap, struct timing *tm,
		      int r)
{
	int prog = flow_prog_fd(skel, NETMON_DIR_IN);
	unsigned long long found = 0;
	__u32 gen = skel->bss->active_gen & 1;
	double t0, w0;

	if (fill(prog, per_table))
		return -1;
	if (!busy)
		tm->bare[r] = bare_scan(b, gen, &found);
	w0 = clock_ms(CLOCK_MONOTONIC);
	t0 = now_ms();
	if (snapshot_hold_at(s, snap, 0))
		return -1;
	tm->hold[r] = now_ms() - t0;
	tm->wall[r] = clock_ms(CLOCK_MONOTONIC) - w0;
	if (busy) {
		if (fill(prog, per_table))
			return -1;
		tm->bare[r] = bare_scan(b, gen, &found);
	}
	w0 = clock_ms(CLOCK_MONOTONIC);
	t0 = now_ms();
	if (snapshot_release(s, snap->seq))
		return -1;
	tm->release[r] = now_ms() - t0;
	tm->wall[r] += clock_ms(CLOCK_MONOTONIC) - w0;
	if (snap->n_flows != 2ull * per_table || found != 2ull * per_table) {
		fprintf(stderr, "snapshot_cost: %zu flows held, %llu seen, %u put in\n",
			snap->n_flows, found, 2 * per_table);
		return -1;
	}
	return 0;
}

static void print_case(unsigned int flows, const char *name, struct timing *tm, int rounds,
		       const struct flow_bpf *skel)
{
	double first_h = tm->hold[0], first_r = tm->release[0];
	double b = median(tm->bare + 1, rounds - 1), h = median(tm->hold + 1, rounds - 1);
	double rel = median(tm->release + 1, rounds - 1), w = median(tm->wall + 1, rounds - 1);

	printf("%8u %-6s %8.1f %8.1f %8.1f %7.2f %7.2f %8.1f | %8.1f %8.1f   %u+%u\n", flows, name,
	       b, h, rel, h / b, rel / b, w, first_h, first_r, skel->bss->used4, skel->bss->used6);
}

static int run_size(unsigned int flows, int rounds, const char *only, unsigned int share,
		    long window)
{
	struct flow_bpf *skel = NULL;
	struct snapshotter *s = NULL;
	struct snapshot_maps maps;
	struct bare_table b[2] = { 0 };
	struct snapshot snap = { 0 };
	static struct timing tm;
	int err = -1;

	if (flow_load(&skel, flows / 2))
		return -1;
	flow_snapshot_maps(skel, &maps);
	if (snapshot_open(&s, &maps) || snapshot_set_window(s, window) ||
	    bare_map(&maps.tables[0], &b[0]) || bare_map(&maps.tables[1], &b[1]))
		goto cleanup;
	for (int c = 0; c < 4; c++) {
		static const char *const names[] = { "idle", "busy", "sparse", "few" };
		unsigned int pct = c == 0 ? 100 : share ? share : c == 1 ? 100 : 1;
		unsigned int n =
			c == 3 ? 10 : (unsigned int)((unsigned long long)flows / 2 * pct / 100);

		if (only && strcmp(only, names[c]))
			continue;
		n = n ? n : 1;
		/* Empty tables: the busy case leaves its flows in them. */
		if (snapshot_take(s, &snap) || snapshot_take(s, &snap))
			goto cleanup;

		for (int r = 0; r < rounds; r++)
			if (round_once(skel, s, b, n, c == 1, &snap, &tm, r))
				goto cleanup;
		print_case(flows, names[c], &tm, rounds, skel);
		fflush(stdout);
	}
	err = 0;
cleanup:
	for (int t = 0; t < 2; t++) {
		if (b[t].slots && b[t].slots != MAP_FAILED)
			munmap((void *)b[t].slots, b[t].slots_len);
		if (b[t].counts && b[t].counts != MAP_FAILED)
			munmap((void *)b[t].counts, b[t].counts_len);
	}
	snapshot_free(&snap);
	snapshot_close(s);
	flow_unload(skel);
	return err;
}

int main(int argc, char **argv)
{
	unsigned int sizes[MAX_SIZES] = { 100000, 1000000, 2000000 }, n = 3;
	unsigned long v;
	const char *only = NULL;
	unsigned int share = 0; /* the cases' own */
	long window = -1;	/* as snapshot_open() chose */
	int rounds = 5, i = 1;

	log_init("snapshot_cost", LOGLVL_WARN);
	if (i + 1 < argc && !strcmp(argv[i], "--rounds")) {
		if (parse_uint_range(argv[i + 1], 2, MAX_ROUNDS, &v)) {
			fprintf(stderr, "snapshot_cost: --rounds takes 2 to %d\n", MAX_ROUNDS);
			return 64;
		}
		rounds = (int)v;
		i += 2;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--only")) {
		only = argv[i + 1];
		i += 2;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--share")) {
		if (parse_uint_range(argv[i + 1], 1, 100, &v)) {
			fprintf(stderr, "snapshot_cost: --share takes 1 to 100 (%%)\n");
			return 64;
		}
		share = (unsigned int)v;
		i += 2;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--window")) {
		if (parse_uint_range(argv[i + 1], 0, 1u << 30, &v)) {
			fprintf(stderr, "snapshot_cost: --window takes a number of slots\n");
			return 64;
		}
		window = (long)v;
		i += 2;
	}
	if (i < argc)
		n = 0;
	for (; i < argc; i++) {
		if (n == MAX_SIZES || parse_uint_range(argv[i], 2, 1u << 24, &v)) {
			fprintf(stderr,
				"usage: snapshot_cost [--rounds N] [--only idle|busy|sparse|few] "
				"[--share PCT] [--window N] [FLOWS...]\n");
			return 64;
		}
		sizes[n++] = (unsigned int)v;
	}
	printf("# CPU ms of this thread, median of rounds 2..%d (round 1 apart: first touch);\n"
	       "# bare: one pass over every slot's word 0 and counters, the floor of any\n"
	       "# reader; ratios to it; wall: hold + release, wall clock (grace periods)\n",
	       rounds);
	printf("%8s %-6s %8s %8s %8s %7s %7s %8s | %8s %8s   %s\n", "flows", "case", "bare", "hold",
	       "release", "hold/b", "rel/b", "wall", "1st hold", "1st rel", "slots taken");
	for (unsigned int k = 0; k < n; k++)
		if (run_size(sizes[k], rounds, only, share, window)) {
			fprintf(stderr, "snapshot_cost: the %u-flow case failed (root?)\n",
				sizes[k]);
			return 1;
		}
	return 0;
}
