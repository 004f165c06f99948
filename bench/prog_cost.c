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
 * The egress program's TLS path (bpf/tls.bpf.h) on TCP segments sent, in
 * the same runs of DNS_REPEAT with the ring read between them: a segment to
 * port 8443 ("plain": what every packet not sent to port 443 pays, the port
 * compare), a bare ACK to port 443 (no payload: the call and the payload
 * test), a segment of application data to port 443 (its first 6 payload
 * bytes read) and a real ClientHello's first segment to port 443 (into the
 * ring), each also as a ratio to "plain"; then the same four through the
 * egress program loaded without names (--no-names). The three frames with a
 * payload carry the same 322 bytes (openssl s_client's hello; its first
 * bytes changed for the data record).
 *
 * Every figure above is a packet whose lines are all in the L1 cache (one
 * frame, repeat times): it depends on the CPU, not on its caches. The
 * "cold" rows run one packet per test run instead, next to the empty
 * program run the same way: the same flow each time (the per-run floor),
 * a random flow among the table's million each time (its table lines come
 * from memory, as a busy host's would: the figure depends little on the
 * cache sizes of the machine, the table being far larger than any), and the
 * same flow with --evict-mib MiB read between packets (everything cold: an
 * upper bound). The CPU model, its caches, the retpoline mitigation (a
 * program call through one costs the empty program several ns) and the
 * load are printed first: figures from two machines compare only with them.
 *
 *   prog_cost [--repeat N] [--rounds N] [--table N] [--cold N] [--evict-mib N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
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
#include "../tests/unit/openssl_hello.h"

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

/* Ethernet, IPv4 or IPv6 from src to dst, UDP: the headers of a frame. */
static void udp_frame(struct frame *f, int v6, const char *src, const char *dst, uint16_t sport,
		      uint16_t dport)
{
	frame_eth(f);
	if (v6)
		frame_ipv6(f, src, dst);
	else
		frame_ipv4(f, src, dst);
	frame_udp(f, sport, dport);
}

/* A DNS response from port 53: www.example.com A 192.0.2.1 (RFC 1035 4.1). */
static void build_dns(struct frame *f, int v6)
{
	static const uint8_t msg[] = { 0x12, 0x34, 0x81, 0x80, 0,   1,	 0,   1,   0,	0,
				       0,    0,	   3,	 'w',  'w', 'w', 7,   'e', 'x', 'a',
				       'm',  'p',  'l',	 'e',  3,   'c', 'o', 'm', 0,	0,
				       1,    0,	   1,	 0xc0, 12,  0,	 1,   0,   1,	0,
				       0,    1,	   44,	 0,    4,   192, 0,   2,   1 };

	udp_frame(f, v6, v6 ? "2001:db8::53" : "198.18.0.53", v6 ? "2001:db8::2" : "198.18.0.2", 53,
		  40000);
	frame_payload(f, sizeof(msg));
	for (size_t i = 0; i < sizeof(msg); i++)
		frame_put8(f, f->l4_off + 8 + i, msg[i]);
	frame_finish(f);
}

/* The first line of path (without its newline) into buf, or "?". */
static const char *read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, size, "?");
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	return buf;
}

/* "model name (family F model M)" of /proc/cpuinfo's first CPU. */
static const char *cpu_model(char *buf, size_t size)
{
	char line[256], name[128] = "?", family[16] = "?", model[16] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f) && strncmp(line, "\n", 1)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "model name", 10))
			snprintf(name, sizeof(name), "%s", colon + 2);
		else if (!strncmp(line, "cpu family", 10))
			snprintf(family, sizeof(family), "%s", colon + 2);
		else if (!strncmp(line, "model\t", 6))
			snprintf(model, sizeof(model), "%s", colon + 2);
	}
	if (f)
		fclose(f);
	snprintf(buf, size, "%s (family %s model %s)", name, family, model);
	return buf;
}

/* The caches of CPU 0 from sysfs; a VM may have none there, then the sizes
 * glibc reads from CPUID. */
static void print_caches(void)
{
	static const int names[] = { _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_ICACHE_SIZE,
				     _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE };
	static const char *const labels[] = { "L1d", "L1i", "L2", "L3" };
	char path[96], level[16], type[32], size[32];
	int n = 0;

	printf("# caches:");
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (access(path, R_OK))
			break;
		read_line(path, size, sizeof(size));
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		read_line(path, level, sizeof(level));
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		read_line(path, type, sizeof(type));
		printf(" L%s %s %s;", level, type, size);
		n++;
	}
	if (n) {
		printf(" (sysfs)\n");
		return;
	}
	for (int i = 0; i < 4; i++)
		printf(" %s %ldK;", labels[i], sysconf(names[i]) / 1024);
	printf(" (CPUID through glibc: no sysfs cache directory)\n");
}

static void print_machine_load(void)
{
	char buf[128];

	printf("# load average %s\n", read_line("/proc/loadavg", buf, sizeof(buf)));
}

/* What the figures depend on besides the code. */
static void print_machine(void)
{
	char buf[256];

	printf("# cpu: %s, %ld online\n", cpu_model(buf, sizeof(buf)),
	       sysconf(_SC_NPROCESSORS_ONLN));
	print_caches();
	printf("# spectre_v2: %s\n",
	       read_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2", buf, sizeof(buf)));
	printf("# kernel %s\n", read_line("/proc/sys/kernel/osrelease", buf, sizeof(buf)));
	print_machine_load();
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

/* The median of v[0..n) (sorted in place). */
static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static double median_ns(int prog_fd, const struct frame *f, int xdp, unsigned int repeat,
			unsigned int rounds)
{
	double v[64];

	for (unsigned int i = 0; i < rounds; i++)
		v[i] = run_ns(prog_fd, f, xdp, repeat);
	return median_of(v, rounds);
}

/*
 * Flow i of the fill: IPv4 UDP from 10.x.y.z, or IPv6 from 2001:db8:1::x:y
 * (24 bits of the source address, 16 of the port: distinct flows, none in
 * the mix). f must hold a frame of the family already (fill_frame_init()).
 */
static void fill_frame(struct frame *f, unsigned int i, int v6)
{
	uint8_t *src = f->data + f->l3_off + (v6 ? 8 + 13 : 12 + 1);

	src[0] = (uint8_t)(i >> 16);
	src[1] = (uint8_t)(i >> 8);
	src[2] = (uint8_t)i;
	frame_put16(f, f->l4_off, (uint16_t)(i * 7));
}

static void fill_frame_init(struct frame *f, int v6)
{
	udp_frame(f, v6, v6 ? "2001:db8:1::" : "10.0.0.0", v6 ? "2001:db8:2::1" : "11.0.0.0", 0,
		  53);
	frame_finish(f);
}

/*
 * Fill the flow table with n distinct flows not in the mix, through the
 * program itself (the table's hash is keyed at load: only the program knows
 * where a flow goes).
 */
static int prefill(int prog_fd, unsigned int n, int v6)
{
	static struct frame f;
	struct __sk_buff skb = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &skb, .ctx_size_in = sizeof(skb),
		    .repeat = 1);

	fill_frame_init(&f, v6);
	opts.data_in = f.data;
	opts.data_size_in = (__u32)f.len;
	for (unsigned int i = 0; i < n; i++) {
		fill_frame(&f, i, v6);
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

/*
 * Each frame through each program, round after round: a frame's rounds are
 * spread over the whole measurement, not run back to back, so that a passing
 * disturbance (the machine's, or the kernel's after a fill) moves one round
 * of every frame and not every round of one. A first short run of each,
 * not counted, inserts the frame's flow.
 */
static void measure(const char *table, const struct progs *p, struct mix *m, int n,
		    unsigned int repeat, unsigned int rounds)
{
	const int fds[4] = { p->tc, p->empty_tc, p->xdp, p->empty_xdp };
	static double v[4][4][64];
	double med[4];

	for (int i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			run_ns(fds[k], &m[i].f, k >= 2, 1000);
	for (unsigned int r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++)
			for (int k = 0; k < 4; k++)
				v[i][k][r] = run_ns(fds[k], &m[i].f, k >= 2, repeat);
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < 4; k++)
			med[k] = median_of(v[i][k], rounds);
		printf("%-10s %-11s %7.0f %7.0f %8.0f %6.2f   %7.0f %7.0f %8.0f %6.2f\n", table,
		       m[i].name, med[0], med[1], med[0] - med[1], med[0] / med[1], med[2], med[3],
		       med[2] - med[3], med[2] / med[3]);
	}
}

/*
 * The mean ns per packet of runs test runs of DNS_REPEAT each through TC
 * program prog_fd, the ring read after each run: it has room for
 * DNS_REPEAT records, so that every one passed finds room.
 */
static double ring_runs_ns(int prog_fd, const struct frame *f, unsigned int runs,
			   struct ring_buffer *rb)
{
	double sum = 0;

	for (unsigned int i = 0; i < runs; i++) {
		sum += run_ns(prog_fd, f, 0, DNS_REPEAT);
		ring_buffer__consume(rb);
	}
	return sum / runs;
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
	double v[64], ours, empty;
	struct frame f;

	if (!rb)
		return;
	for (int fam = 0; fam < 2; fam++) {
		build_dns(&f, fam);
		for (unsigned int r = 0; r < rounds; r++)
			v[r] = ring_runs_ns(p->tc, &f, runs, rb);
		ours = median_of(v, rounds);
		empty = median_ns(p->empty_tc, &f, 0, repeat, rounds);
		printf("%-10s %-11s %7.0f %7.0f %8.0f %6.2f\n", "dns",
		       fam ? "dns6-resp" : "dns4-resp", ours, empty, ours - empty, ours / empty);
	}
	printf("# dns: %llu of %llu responses read from the ring\n", n_read,
	       2ull * rounds * runs * DNS_REPEAT);
	build_dns(&f, 0);
	run_ns(p->tc, &f, 0, NETMON_DNS_RING_BYTES / sizeof(struct dns_record) + 10);
	printf("%-10s %-11s %7.0f\n", "ring-full", "dns4-resp",
	       median_ns(p->tc, &f, 0, repeat, rounds));
	ring_buffer__free(rb);
}

/* The TLS rows' frames: what the egress program meets on the way to 443. */
enum { TLS_PLAIN, TLS_ACK, TLS_DATA, TLS_HELLO, TLS_FRAMES };

/* A TCP segment sent to dport carrying n bytes of p (none: a bare ACK). */
static void tls_frame(struct frame *f, uint16_t dport, const uint8_t *p, size_t n)
{
	frame_eth(f);
	frame_ipv4(f, "198.18.0.2", "198.18.0.44");
	frame_tcp(f, 40002, dport, n ? TCPF_ACK | TCPF_PSH : TCPF_ACK);
	frame_payload(f, n);
	for (size_t i = 0; i < n; i++)
		frame_put8(f, f->len - n + i, p[i]);
	frame_finish(f);
	frame_pad(f, 64);
}

static void build_tls(struct mix *m)
{
	uint8_t data[sizeof(openssl_hello)];

	/* An application data record (TLS 1.2 and 1.3 send all data so). */
	memcpy(data, openssl_hello, sizeof(data));
	data[0] = 23;
	data[2] = 3;
	m[TLS_PLAIN].name = "plain-8443";
	tls_frame(&m[TLS_PLAIN].f, 8443, openssl_hello, sizeof(openssl_hello));
	m[TLS_ACK].name = "ack-443";
	tls_frame(&m[TLS_ACK].f, NETMON_TLS_PORT, NULL, 0);
	m[TLS_DATA].name = "data-443";
	tls_frame(&m[TLS_DATA].f, NETMON_TLS_PORT, data, sizeof(data));
	m[TLS_HELLO].name = "hello-443";
	tls_frame(&m[TLS_HELLO].f, NETMON_TLS_PORT, openssl_hello, sizeof(openssl_hello));
}

/*
 * The TLS rows: each frame through the egress program with names (fds[0]),
 * without (fds[1]) and the empty program (fds[2]), in runs of DNS_REPEAT
 * with the ring read after each, rounds spread over the whole measurement
 * as measure()'s; the ratios are to "plain" with names, the recorder's
 * default.
 */
static void measure_tls(const int fds[3], struct ring_buffer *rb, unsigned long long *n_read,
			unsigned int repeat, unsigned int rounds)
{
	static const char *const labels[2] = { "egress", "egr-nonames" };
	unsigned int runs = repeat / DNS_REPEAT ? repeat / DNS_REPEAT : 1;
	static double v[3][TLS_FRAMES][64];
	static struct mix m[TLS_FRAMES];
	double med[3][TLS_FRAMES];

	build_tls(m);
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < TLS_FRAMES; i++)
			ring_runs_ns(fds[k], &m[i].f, 1, rb); /* the flow inserted */
	*n_read = 0;
	/* Each round starts at another frame: none always follows the hello's ring writes. */
	for (unsigned int r = 0; r < rounds; r++)
		for (int j = 0; j < TLS_FRAMES; j++) {
			int i = (int)((j + r) % TLS_FRAMES);

			for (int k = 0; k < 3; k++)
				v[k][i][r] = ring_runs_ns(fds[k], &m[i].f, runs, rb);
		}
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < TLS_FRAMES; i++)
			med[k][i] = median_of(v[k][i], rounds);
	printf("# tls (egress, ns per packet in runs of %d, ring read after each; vs: to "
	       "egress plain-8443)\n",
	       DNS_REPEAT);
	printf("%-11s %-11s %7s %7s %8s %6s   %7s %6s\n", "table", "frame", "tc", "empty", "added",
	       "ratio", "-plain", "/plain");
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < TLS_FRAMES; i++)
			printf("%-11s %-11s %7.1f %7.1f %8.1f %6.2f   %7.1f %6.3f\n", labels[k],
			       m[i].name, med[k][i], med[2][i], med[k][i] - med[2][i],
			       med[k][i] / med[2][i], med[k][i] - med[0][TLS_PLAIN],
			       med[k][i] / med[0][TLS_PLAIN]);
	/* A hello passed is read, one that found the ring full is not. */
	printf("# tls: %llu of the %llu ClientHellos of the measured runs read from the ring%s\n",
	       *n_read, (unsigned long long)rounds * runs * DNS_REPEAT,
	       *n_read == (unsigned long long)rounds * runs * DNS_REPEAT
		       ? " (none lost)"
		       : ": the rest found it full, the hello rows are not the path");
}

/* The TLS rows, in programs loaded as the recorder loads them and with
 * --no-names; the ring of the first read through, the second's stays empty. */
static int measure_tls_all(struct flow_bpf *skel, const struct progs *p, unsigned int table,
			   unsigned int repeat, unsigned int rounds)
{
	unsigned long long n_read = 0;
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.dns_ring), count_record, &n_read, NULL);
	struct flow_bpf *off = NULL;
	int fds[3];

	if (!rb || flow_load(&off, table)) {
		fprintf(stderr, "prog_cost: cannot load the programs again\n");
		ring_buffer__free(rb);
		return -1;
	}
	fds[0] = flow_prog_fd(skel, NETMON_DIR_OUT);
	fds[1] = flow_prog_fd(off, NETMON_DIR_OUT);
	fds[2] = p->empty_tc;
	measure_tls(fds, rb, &n_read, repeat, rounds);
	flow_unload(off);
	ring_buffer__free(rb);
	return 0;
}

/* xorshift64: the same "random" flows in every run and every build. */
static __u64 next_rand(__u64 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Read every line of buf: what was in the caches before is gone. */
static void evict(const volatile uint8_t *buf, size_t size)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < size; i += 64)
		sum += buf[i];
	(void)sum;
}

/*
 * A cold row: n test runs of one packet each through TC and through the
 * empty program in turn, the median ns of a run (the kernel's two clock
 * reads around it in both columns). Fill flow 0 every run when flows is 0,
 * else a random one of the first flows; buf (evict) read before each run.
 * XDP is left out: each XDP test run costs ~20 ms of dispatcher update here.
 */
static void measure_cold(const char *label, const struct progs *p, int v6, unsigned int flows,
			 unsigned int n, const uint8_t *buf, size_t buf_size)
{
	static struct frame f;
	double *ours = calloc(n, sizeof(double)), *empty = calloc(n, sizeof(double));
	__u64 state = 0x9e3779b97f4a7c15ull;
	double o, e;

	if (!ours || !empty)
		goto out;
	fill_frame_init(&f, v6);
	for (unsigned int i = 0; i < n; i++) {
		fill_frame(&f, flows ? (unsigned int)(next_rand(&state) % flows) : 0, v6);
		if (buf)
			evict(buf, buf_size);
		ours[i] = run_ns(p->tc, &f, 0, 1);
		if (buf)
			evict(buf, buf_size);
		empty[i] = run_ns(p->empty_tc, &f, 0, 1);
	}
	o = median_of(ours, n);
	e = median_of(empty, n);
	printf("%-10s %-11s %7.0f %7.0f %8.0f %6.2f\n", label, v6 ? "udp6" : "udp4", o, e, o - e,
	       o / e);
out:
	free(ours);
	free(empty);
}

/* The cold rows, in tables holding table flows of each family. */
static void measure_cold_all(const struct progs *p, unsigned int table, unsigned int n,
			     unsigned int evict_mib)
{
	size_t size = (size_t)evict_mib << 20;
	uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	printf("# cold: one packet per test run, median of %u runs (evict: %u runs, %u MiB "
	       "read before each)\n",
	       n, n / 20 ? n / 20 : 1, evict_mib);
	measure_cold("cold-same", p, 0, 0, n, NULL, 0);
	measure_cold("cold-rand", p, 0, table - 2, n, NULL, 0);
	measure_cold("cold-rand", p, 1, table - 1, n, NULL, 0);
	if (buf == MAP_FAILED)
		return;
	memset(buf, 1, size); /* real pages, not the shared zero page */
	measure_cold("cold-evict", p, 0, 0, n / 20 ? n / 20 : 1, buf, size);
	munmap(buf, size);
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
	unsigned int cold = opt_num(argc, argv, "--cold", 20000, 10000000);
	unsigned int evict_mib = opt_num(argc, argv, "--evict-mib", 64, 65536);
	static struct mix mix[4];
	struct flow_bpf *skel;
	struct empty_bpf *empty;
	struct progs p;

	log_init("prog_cost", LOGLVL_WARN);
	print_machine();
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
	if (measure_tls_all(skel, &p, table, repeat, rounds))
		return 1;
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
	measure_cold_all(&p, table, cold, evict_mib);
	print_snapshot_cost(skel);
	flow_unload(skel);
	empty_bpf__destroy(empty);
	print_machine_load();
	return 0;
}
