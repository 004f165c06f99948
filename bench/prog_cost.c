// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * prog_cost - per-packet cost of netmon's TC and XDP programs through
 * BPF_PROG_TEST_RUN, next to an empty program measured in the same run.
 *
 * For each frame of a realistic mix (64-byte TCP, 1500-byte UDP, IPv6 TCP with
 * a hop-by-hop header, VLAN-tagged TCP) it runs each program `repeat` times in
 * one call and reads the kernel's own average (opts.duration, ns), `rounds`
 * times; it prints the medians, ours minus empty (what netmon adds) and
 * ours / empty. Then the same with the flow tables full: `--table` flows in
 * each (IPv4 and IPv6), the tables sized for exactly that many (a hot flow
 * among many: cache pressure; the mix's flows, seen first, sit first in their
 * buckets), the kernel memory of each table, and then the mix again in fresh
 * tables filled before its first packet ("late": its flows sit behind others
 * in their buckets, each packet walks past them). Figures only: it never
 * fails on a number. Between the first two, the hot mix with capture
 * filters (--exclude): six prefixes, two of which hold the mix's addresses
 * but not its protocol, so that every packet is looked up on both sides,
 * scans its rules and is still counted ("hot+filt"); the "hot" rows are the
 * path without rules, which costs a load and a branch.
 *
 * The programs are loaded as the recorder loads them by default, passing DNS
 * responses (bpf/dns.bpf.h): the mix shows what that costs every other packet
 * (a port compare), "hot-nonames" the same mix with it off (--no-names). A
 * DNS response (a 49-byte answer from port 53) is measured on its own, in
 * runs of DNS_REPEAT with the ring read between them (a longer run fills the
 * ring, and each response after that costs only the failed reservation,
 * measured too as "ring full").
 *
 *   prog_cost [--repeat N] [--rounds N] [--table N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"
#include "flow.skel.h"
#include "filter.h"
#include "kernel/filter_gens.h"
#include "kernel/flow_load.h"
#include "log.h"
#include "netmon_user.h"
#include "numparse.h"
#include "kernel/snapshot.h"
#include "../tests/bpf/frames.c"

/* Responses per test run: what the ring holds (NETMON_DNS_RING_BYTES). */
#define DNS_REPEAT 150

struct mix {
	const char *name;
	struct frame f;
};

static void build_mix(struct mix *m)
{
	m[0].name = "tcp4-64B";
	frame_eth(&m[0].f);
	frame_ipv4(&m[0].f, "198.18.0.1", "198.18.0.2");
	frame_tcp(&m[0].f, 40000, 443, TCPF_ACK);
	frame_finish(&m[0].f);
	frame_pad(&m[0].f, 64);

	m[1].name = "udp4-1500B";
	frame_eth(&m[1].f);
	frame_ipv4(&m[1].f, "198.18.0.1", "198.18.0.2");
	frame_udp(&m[1].f, 5000, 5001);
	frame_payload(&m[1].f, 1500 - 28);
	frame_finish(&m[1].f);

	m[2].name = "tcp6-ext";
	frame_eth(&m[2].f);
	frame_ipv6(&m[2].f, "2001:db8::1", "2001:db8::2");
	frame_ipv6_ext(&m[2].f, 0, 8);
	frame_tcp(&m[2].f, 40000, 443, TCPF_ACK);
	frame_payload(&m[2].f, 100);
	frame_finish(&m[2].f);

	m[3].name = "vlan-tcp4";
	frame_eth(&m[3].f);
	frame_vlan(&m[3].f, ETHERTYPE_8021Q, 100);
	frame_ipv4(&m[3].f, "198.18.0.1", "198.18.0.2");
	frame_tcp(&m[3].f, 40000, 443, TCPF_ACK);
	frame_payload(&m[3].f, 200);
	frame_finish(&m[3].f);
}

/* A DNS response from port 53: www.example.com A 192.0.2.1 (RFC 1035 4.1). */
static void build_dns(struct frame *f, int v6)
{
	static const uint8_t msg[] = { 0x12, 0x34, 0x81, 0x80, 0,   1,	 0,   1,   0,	0,
				       0,    0,	   3,	 'w',  'w', 'w', 7,   'e', 'x', 'a',
				       'm',  'p',  'l',	 'e',  3,   'c', 'o', 'm', 0,	0,
				       1,    0,	   1,	 0xc0, 12,  0,	 1,   0,   1,	0,
				       0,    1,	   44,	 0,    4,   192, 0,   2,   1 };

	frame_eth(f);
	if (v6)
		frame_ipv6(f, "2001:db8::53", "2001:db8::2");
	else
		frame_ipv4(f, "198.18.0.53", "198.18.0.2");
	frame_udp(f, 53, 40000);
	frame_payload(f, sizeof(msg));
	for (size_t i = 0; i < sizeof(msg); i++)
		frame_put8(f, f->l4_off + 8 + i, msg[i]);
	frame_finish(f);
}

/* Responses read from the ring: each run's must all be there. */
static int count_record(void *ctx, void *data, size_t size)
{
	++*(unsigned long long *)ctx;
	return 0;
}

/* The kernel's average ns per run over repeat runs, or -1. */
static double run_ns(int prog_fd, const struct frame *f, int xdp, unsigned int repeat)
{
	struct __sk_buff skb = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = (__u32)f->len,
		    .repeat = repeat);

	if (!xdp) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	return opts.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_ns(int prog_fd, const struct frame *f, int xdp, unsigned int repeat,
			unsigned int rounds)
{
	double v[64];

	for (unsigned int i = 0; i < rounds; i++)
		v[i] = run_ns(prog_fd, f, xdp, repeat);
	qsort(v, rounds, sizeof(v[0]), cmp_double);
	return v[rounds / 2];
}

/*
 * Fill the flow table with n distinct flows not in the mix, through the
 * program itself (the table's hash is keyed at load: only the program knows
 * where a flow goes): IPv4 UDP from 10.x.y.z, or IPv6 from 2001:db8:1::x:y.
 */
static int prefill(int prog_fd, unsigned int n, int v6)
{
	static struct frame f;
	struct __sk_buff skb = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &skb, .ctx_size_in = sizeof(skb),
		    .repeat = 1);

	frame_eth(&f);
	if (v6)
		frame_ipv6(&f, "2001:db8:1::", "2001:db8:2::1");
	else
		frame_ipv4(&f, "10.0.0.0", "11.0.0.0");
	frame_udp(&f, 0, 53);
	frame_finish(&f);
	opts.data_in = f.data;
	opts.data_size_in = (__u32)f.len;
	for (unsigned int i = 0; i < n; i++) {
		/* 24 bits of the source address, 16 of the port: distinct flows */
		uint8_t *src = f.data + f.l3_off + (v6 ? 8 + 13 : 12 + 1);

		src[0] = (uint8_t)(i >> 16);
		src[1] = (uint8_t)(i >> 8);
		src[2] = (uint8_t)i;
		frame_put16(&f, f.l4_off, (uint16_t)(i * 7));
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
	}
	return 0;
}

/* The kernel's memlock figure of a map (what its memory costs), or 0. */
static unsigned long long map_memlock(struct bpf_map *map)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void print_memory(struct flow_bpf *skel, unsigned int flows, unsigned int filled4,
			 unsigned int filled6)
{
	unsigned long long t4 = map_memlock(skel->maps.slots4) + map_memlock(skel->maps.counts4) +
				map_memlock(skel->maps.tags4);
	unsigned long long t6 = map_memlock(skel->maps.slots6) + map_memlock(skel->maps.counts6) +
				map_memlock(skel->maps.tags6);
	unsigned long long rest =
		map_memlock(skel->maps.totals_0) + map_memlock(skel->maps.totals_1) +
		map_memlock(skel->maps.total_gens) + map_memlock(skel->maps.frag_ports) +
		map_memlock(skel->maps.bss) + map_memlock(skel->maps.rodata);

	printf("# kernel memory (fdinfo memlock), tables sized for %u flows each:\n", flows);
	printf("#   IPv4 table %.1f MiB = %.1f MB (%.1f B per flow; %u of %u flows placed)\n",
	       t4 / 1048576.0, t4 / 1e6, (double)t4 / flows, filled4, flows);
	printf("#   IPv6 table %.1f MiB = %.1f MB (%.1f B per flow; %u of %u flows placed)\n",
	       t6 / 1048576.0, t6 / 1e6, (double)t6 / flows, filled6, flows);
	printf("#   other maps %.1f MiB; IPv4 table + other maps %.1f MiB = %.1f MB\n",
	       rest / 1048576.0, (t4 + rest) / 1048576.0, (t4 + rest) / 1e6);
}

/* What the recorder's snapshot of those full tables costs: the first drains
 * and frees every flow (none has a packet since the flip), the second finds
 * the tables empty. */
static void print_snapshot_cost(struct flow_bpf *skel)
{
	struct snapshot_maps maps;
	struct snapshotter *s;
	struct snapshot snap = { 0 };

	flow_snapshot_maps(skel, &maps);
	if (snapshot_open(&s, &maps))
		return;
	for (int i = 0; i < 2; i++) {
		if (snapshot_take(s, &snap))
			break;
		printf("# snapshot %d: %zu flows drained in %.1f ms; %u + %u slots still taken\n",
		       i + 1, snap.n_flows, snap.duration_us / 1000.0, skel->bss->used4,
		       skel->bss->used6);
	}
	snapshot_free(&snap);
	snapshot_close(s);
}

struct progs {
	int tc, xdp, empty_tc, empty_xdp;
};

static void measure(const char *table, const struct progs *p, struct mix *m, int n,
		    unsigned int repeat, unsigned int rounds)
{
	for (int i = 0; i < n; i++) {
		double tc = median_ns(p->tc, &m[i].f, 0, repeat, rounds);
		double etc = median_ns(p->empty_tc, &m[i].f, 0, repeat, rounds);
		double xdp = median_ns(p->xdp, &m[i].f, 1, repeat, rounds);
		double exdp = median_ns(p->empty_xdp, &m[i].f, 1, repeat, rounds);

		printf("%-10s %-11s %7.0f %7.0f %8.0f %6.2f   %7.0f %7.0f %8.0f %6.2f\n", table,
		       m[i].name, tc, etc, tc - etc, tc / etc, xdp, exdp, xdp - exdp, xdp / exdp);
	}
}

/*
 * A DNS response through TC: the median over rounds of the mean of runs of
 * DNS_REPEAT, the ring read after each run (it has room for every response);
 * then with the ring full (no reader): the reservation fails, counted lost.
 */
static void measure_dns(struct flow_bpf *skel, const struct progs *p, unsigned int repeat,
			unsigned int rounds)
{
	unsigned long long n_read = 0;
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.dns_ring), count_record, &n_read, NULL);
	unsigned int runs = repeat / DNS_REPEAT ? repeat / DNS_REPEAT : 1;
	double v[64], empty;
	struct frame f;

	if (!rb)
		return;
	for (int fam = 0; fam < 2; fam++) {
		build_dns(&f, fam);
		for (unsigned int r = 0; r < rounds; r++) {
			double sum = 0;

			for (unsigned int i = 0; i < runs; i++) {
				sum += run_ns(p->tc, &f, 0, DNS_REPEAT);
				ring_buffer__consume(rb);
			}
			v[r] = sum / runs;
		}
		qsort(v, rounds, sizeof(v[0]), cmp_double);
		empty = median_ns(p->empty_tc, &f, 0, repeat, rounds);
		printf("%-10s %-11s %7.0f %7.0f %8.0f %6.2f\n", "dns",
		       fam ? "dns6-resp" : "dns4-resp", v[rounds / 2], empty, v[rounds / 2] - empty,
		       v[rounds / 2] / empty);
	}
	printf("# dns: %llu of %llu responses read from the ring\n", n_read,
	       2ull * rounds * runs * DNS_REPEAT);
	build_dns(&f, 0);
	run_ns(p->tc, &f, 0, NETMON_DNS_RING_BYTES / sizeof(struct dns_record) + 10);
	printf("%-10s %-11s %7.0f\n", "ring-full", "dns4-resp",
	       median_ns(p->tc, &f, 0, repeat, rounds));
	ring_buffer__free(rb);
}

/* The same hot mix in programs loaded without the DNS path (--no-names). */
static int measure_nonames(const struct progs *with, struct mix *m, unsigned int table,
			   unsigned int repeat, unsigned int rounds)
{
	struct progs p = *with;
	struct flow_bpf *skel;

	if (flow_load(&skel, table)) {
		fprintf(stderr, "prog_cost: cannot load the programs again\n");
		return -1;
	}
	p.tc = flow_prog_fd(skel, NETMON_DIR_IN);
	p.xdp = flow_xdp_prog_fd(skel);
	measure("hot-nonames", &p, m, 4, repeat, rounds);
	flow_unload(skel);
	return 0;
}

/* Rules that leave the mix counted, each packet looked up on both sides. */
static int set_filters(struct flow_bpf *skel, int on)
{
	static const char *const rules[] = { "10.0.0.0/8",	     "192.0.2.7/32:tcp/22",
					     "198.18.0.0/15:udp/53", "2001:db8::/32:udp/53",
					     "2001:db8:ffff::/48",   "203.0.113.0/24" };
	static struct filter_table t;
	struct filter_list in = { 0 }, ex = { 0 };
	struct filter_gens *g;
	int err;

	for (size_t i = 0; on && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (filter_list_add(&ex, "exclude", rules[i]))
			return -EINVAL;
	err = filter_gens_open(&g, skel);
	if (!err)
		err = filter_compile(&in, &ex, &t);
	if (!err)
		err = filter_gens_set(g, &t, 1);
	filter_gens_close(g);
	return err;
}

static unsigned long opt_num(int argc, char **argv, const char *name, unsigned long def,
			     unsigned long max)
{
	unsigned long v = def;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name) && parse_uint_range(argv[i + 1], 1, max, &v)) {
			fprintf(stderr, "prog_cost: invalid %s '%s'\n", name, argv[i + 1]);
			exit(64);
		}
	return v;
}

int main(int argc, char **argv)
{
	unsigned int repeat = opt_num(argc, argv, "--repeat", 1000000, 100000000);
	unsigned int rounds = opt_num(argc, argv, "--rounds", 5, 63);
	unsigned int table = opt_num(argc, argv, "--table", 1000000, 16000000);
	static struct mix mix[4];
	struct flow_bpf *skel;
	struct empty_bpf *empty;
	struct progs p;

	log_init("prog_cost", LOGLVL_WARN);
	build_mix(mix);
	empty = empty_bpf__open_and_load();
	if (!empty ||
	    flow_load_with(&skel, &(struct flow_load_opts){ .max_flows = table, .names = 1 })) {
		fprintf(stderr, "prog_cost: cannot load the programs (root?)\n");
		return 1;
	}
	p.tc = flow_prog_fd(skel, NETMON_DIR_IN);
	p.xdp = flow_xdp_prog_fd(skel);
	p.empty_tc = bpf_program__fd(empty->progs.empty_tc);
	p.empty_xdp = bpf_program__fd(empty->progs.empty_xdp);

	printf("# ns per packet, kernel-reported, median of %u rounds x %u repeats\n", rounds,
	       repeat);
	printf("%-10s %-11s %7s %7s %8s %6s   %7s %7s %8s %6s\n", "table", "frame", "tc", "empty",
	       "added", "ratio", "xdp", "empty", "added", "ratio");
	measure("hot", &p, mix, 4, repeat, rounds);
	if (set_filters(skel, 1)) {
		fprintf(stderr, "prog_cost: cannot set the capture filters\n");
		return 1;
	}
	measure("hot+filt", &p, mix, 4, repeat, rounds);
	set_filters(skel, 0);
	if (measure_nonames(&p, mix, table, repeat, rounds))
		return 1;
	measure_dns(skel, &p, repeat, rounds);
	/* The mix holds 2 IPv4 and 1 IPv6 flows: fill the rest of the room. */
	if (prefill(p.tc, table - 2, 0) || prefill(p.tc, table - 1, 1)) {
		fprintf(stderr, "prog_cost: cannot fill the table with %u flows\n", table);
		return 1;
	}
	char label[32];

	snprintf(label, sizeof(label), "%uk", table / 1000);
	measure(label, &p, mix, 4, repeat, rounds);
	print_memory(skel, table, skel->bss->used4, skel->bss->used6);
	flow_unload(skel);

	/* The mix's flows arriving after the fill: they land in buckets ~83 %
	 * full, and every packet walks the slots before theirs. */
	if (flow_load(&skel, table)) {
		fprintf(stderr, "prog_cost: cannot load the programs again\n");
		return 1;
	}
	p.tc = flow_prog_fd(skel, NETMON_DIR_IN);
	p.xdp = flow_xdp_prog_fd(skel);
	if (prefill(p.tc, table - 2, 0) || prefill(p.tc, table - 1, 1)) {
		fprintf(stderr, "prog_cost: cannot fill the table with %u flows\n", table);
		return 1;
	}
	snprintf(label, sizeof(label), "%uk-late", table / 1000);
	measure(label, &p, mix, 4, repeat, rounds);
	printf("# late: %u of %u IPv4 and %u of %u IPv6 flows placed (the mix's included)\n",
	       skel->bss->used4, table, skel->bss->used6, table);
	print_snapshot_cost(skel);
	flow_unload(skel);
	empty_bpf__destroy(empty);
	return 0;
}
