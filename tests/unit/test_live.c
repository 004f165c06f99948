// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_live.c - the live view's pieces that need no kernel: the per-second
 * differences across generation flips (live_rates.c) against a simulated
 * kernel's own count, and the frame layout (live_view.c) on fixed input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "live/live_rates.h"
#include "live/live_rows.h"
#include "live/live_view.h"
#include "temp_db.h"

/* Every key's delta of the last tick into seen[key]. */
static void add_deltas(const struct live_table *t, uint64_t seen[8][LIVE_NVAL])
{
	for (size_t j = 0; j < t->n; j++) {
		uint32_t k;

		memcpy(&k, t->e[j].key, sizeof(k));
		for (int c = 0; c < LIVE_NVAL; c++)
			seen[k][c] += t->e[j].delta[c];
	}
}

/*
 * A kernel with two generations of counters for 8 keys: packets add to the
 * active one; a flip drains (and zeroes) it. The view peeks at random
 * moments. Every byte added must appear in exactly one tick's delta.
 */
static void test_rates_exact_across_flips(void **state)
{
	uint64_t gen[2][8][LIVE_NVAL] = { 0 }, added[8][LIVE_NVAL] = { 0 };
	uint64_t seen[8][LIVE_NVAL] = { 0 };
	struct live_table t;
	unsigned int seed = 7, active = 0;

	assert_int_equal(live_table_init(&t, sizeof(uint32_t), 0), 0);
	for (int step = 0; step < 20000; step++) {
		unsigned int what = rand_r(&seed) % 100;

		if (what < 80) { /* a packet */
			uint32_t k = rand_r(&seed) % 8, v = rand_r(&seed) % 1500 + 1;

			for (int c = 0; c < LIVE_NVAL; c++) {
				gen[active][k][c] += v + c;
				added[k][c] += v + c;
			}
		} else if (what < 97) { /* a tick: peek the active generation */
			for (uint32_t k = 0; k < 8; k++)
				if (gen[active][k][0])
					assert_int_equal(
						live_table_add_peek(&t, &k, gen[active][k]), 0);
			live_table_tick(&t);
			add_deltas(&t, seen);
		} else { /* an interval: flip, drain the old generation */
			unsigned int old = active;

			active ^= 1;
			live_table_drain_begin(&t);
			for (uint32_t k = 0; k < 8; k++) {
				if (gen[old][k][0])
					assert_int_equal(
						live_table_add_drained(&t, &k, gen[old][k]), 0);
				memset(gen[old][k], 0, sizeof(gen[old][k]));
			}
		}
	}
	/* A last flip and tick take in everything. */
	live_table_drain_begin(&t);
	for (uint32_t k = 0; k < 8; k++)
		if (gen[active][k][0])
			live_table_add_drained(&t, &k, gen[active][k]);
	live_table_tick(&t);
	add_deltas(&t, seen);
	for (int k = 0; k < 8; k++)
		for (int c = 0; c < LIVE_NVAL; c++)
			assert_int_equal(seen[k][c], added[k][c]);
	live_table_free(&t);
}

/* Keys with nothing to carry are forgotten; kept tables keep their sums. */
static void test_rates_forget_idle(void **state)
{
	struct live_table t, keep;
	uint64_t v[LIVE_NVAL] = { 100, 1 };

	assert_int_equal(live_table_init(&t, sizeof(uint32_t), 0), 0);
	assert_int_equal(live_table_init(&keep, sizeof(uint32_t), 1), 0);
	for (uint32_t k = 0; k < 1000; k++) {
		live_table_add_peek(&t, &k, v);
		live_table_add_peek(&keep, &k, v);
	}
	live_table_tick(&t);
	live_table_tick(&keep);
	assert_int_equal(t.n, 1000);
	assert_int_equal(t.e[999].delta[0], 100);
	/* The interval ends: all drained as they were, nothing new. */
	live_table_drain_begin(&t);
	live_table_drain_begin(&keep);
	for (uint32_t k = 0; k < 1000; k++) {
		live_table_add_drained(&t, &k, v);
		live_table_add_drained(&keep, &k, v);
	}
	live_table_tick(&t);
	live_table_tick(&keep);
	assert_int_equal(t.n, 0); /* drained exactly as peeked: nothing to carry */
	assert_int_equal(keep.n, 1000);
	assert_int_equal(keep.e[5].sum[0], 100);
	assert_int_equal(keep.e[5].delta[0], 0);
	/* A forgotten key that comes back starts from zero again. */
	uint32_t k = 5;
	live_table_add_peek(&t, &k, v);
	live_table_tick(&t);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.e[0].delta[0], 100);
	live_table_free(&t);
	live_table_free(&keep);
}

static const struct live_proto_row protos[] = {
	{ .kind = 0,
	  .protocol = 6,
	  .in_bps = 1536,
	  .in_pps = 2,
	  .out_bps = 3 * 1048576.0,
	  .out_pps = 2100,
	  .bytes = 123456789 },
	{ .kind = 0,
	  .protocol = 17,
	  .in_bps = 0,
	  .in_pps = 0,
	  .out_bps = 514000,
	  .out_pps = 500,
	  .bytes = 1028000 },
	{ .kind = 2, .protocol = 0, .in_bps = 60, .in_pps = 1, .bytes = 600 },
};
static struct live_proc_row procs[] = {
	{ .pid = 4242,
	  .comm = "curl",
	  .user = "alice",
	  .service = "user:alice",
	  .sent_bps = 1024,
	  .recv_bps = 3 * 1048576.0 },
	{ .pid = 666,
	  .comm = "ev\x1b[2Jil\x9b"
		  "1m",
	  .user = "ev\x1b[1mil",
	  .service = "x\x1b]0;t\x07.service",
	  .sent_bps = 514000 },
};
static const struct live_port_row ports[] = {
	{ .protocol = 6,
	  .port = 443,
	  .app = "https",
	  .out_bps = 1024,
	  .in_bps = 3 * 1048576.0,
	  .pps = 2102 },
	{ .protocol = 17, .port = 4000, .app = NULL, .out_bps = 514000, .pps = 500 },
};
static const struct live_flow_row flows[] = {
	{ .family = 4,
	  .protocol = 17,
	  .direction = 1,
	  .src = { 198, 18, 7, 1 },
	  .dst = { 198, 18, 7, 2 },
	  .src_port = 40000,
	  .dst_port = 4000,
	  .bps = 514000,
	  .pps = 500 },
	{ .family = 6,
	  .protocol = 58,
	  .direction = 0,
	  .src = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
	  .dst = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	  .src_port = 128,
	  .bps = 104,
	  .pps = 1 },
};
static const struct live_anomaly_row anomalies[] = {
	{ .ts = 0,
	  .kind = "high_bandwidth",
	  .flow = &flows[0],
	  .value = 514000,
	  .threshold = 500000 },
	{ .ts = 1700000000,
	  .kind = "port_scan",
	  .subject = "198.18.7.9\x1b]0;x\x07",
	  .value = 20,
	  .threshold = 15 },
};

static struct live_frame frame(void)
{
	return (struct live_frame){ .now = 1700000061,
				    .ifaces = "eth0, veth\x1b[1m",
				    .interval = 60,
				    .running = 61,
				    .proc_on = 1,
				    .keys = 1,
				    .anomaly_span = 300,
				    .protos = protos,
				    .n_protos = 3,
				    .procs = procs,
				    .n_procs = 2,
				    .ports = ports,
				    .n_ports = 2,
				    .flows = flows,
				    .n_flows = 2,
				    .anomalies = anomalies,
				    .n_anomalies = 2 };
}

static const char want_plain[] =
	"netmon live (q quits)  2023-11-14 22:14:21 UTC  interval 60 s  on eth0, veth\\x1b\n"
	"in 1.6 KiB/s 3 pkt/s   out 3.5 MiB/s 2600 pkt/s   118.7 MiB in 61 s\n"
	"\n"
	"PROTOCOLS\n"
	"protocol             in/s   in pkt/s        out/s  out pkt/s       total\n"
	"tcp             1.5 KiB/s          2    3.0 MiB/s       2100   117.7 MiB\n"
	"udp                 0 B/s          0  502.0 KiB/s        500  1003.9 KiB\n"
	"non-ip             60 B/s          1        0 B/s          0       600 B\n"
	"\n"
	"TOP PROCESSES (host-wide: all sockets)\n"
	"pid     process                                 sent/s       recv/s      total/s\n"
	"4242    curl                                 1.0 KiB/s    3.0 MiB/s    3.0 MiB/s\n"
	"666     ev\\x1b[2Jil\\x9b1m                  502.0 KiB/s        0 B/s  502.0 KiB/s\n"
	"\n"
	"TRAFFIC BY PROTOCOL, SERVER PORT AND APPLICATION\n"
	"proto  port application                              in/s       out/s     pkt/s\n"
	"tcp     443 https                               3.0 MiB/s   1.0 KiB/s      2102\n"
	"udp    4000 -                                       0 B/s 502.0 KiB/s       500\n"
	"\n"
	"TOP FLOWS\n"
	"dir flow                                                      bytes/s     pkt/s\n"
	"out udp 198.18.7.1:40000 > 198.18.7.2:4000                502.0 KiB/s       500\n"
	"in  ipv6-icmp 2001:db8::2 > 2001:db8::1                       104 B/s         1\n"
	"\n"
	"ANOMALIES (stored in the last 300 s, and flows over the bandwidth threshold now)\n"
	"when     kind             subject                            value    threshold\n"
	"now      high_bandwidth   udp 198.18.7.1:40000 > 198+  502.0 KiB/s  488.3 KiB/s\n"
	"22:13:20 port_scan        198.18.7.9\\x1b]0;x\\x07                20           15\n";

static void test_render_plain(void **state)
{
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };

	assert_int_equal(live_view_render(&b, &f, 80, 0, 0), 0);
	if (strcmp(b.s, want_plain)) {
		fprintf(stderr, "got:\n%s", b.s);
		fail();
	}
	assert_null(memchr(b.s, 0x1b, b.len)); /* nothing from outside acts */
	fmt_buf_free(&b);
}

/*
 * A terminal wide enough shows each process's user and service (made inert
 * like every name from outside); one that is not shows the list as before
 * (test_render_plain, 80 columns). A long service is cut, marked "+".
 */
static void test_render_users_and_services(void **state)
{
	static const char want[] =
		"pid     process                  user         service                        "
		"           sent/s       recv/s      total/s\n"
		"4242    curl                     alice        user:alice                     "
		"        1.0 KiB/s    3.0 MiB/s    3.0 MiB/s\n"
		"666     ev\\x1b[2Jil\\x9b1m        ev\\x1b[1mil  x\\x1b]0;t\\x07.service        "
		"        502.0 KiB/s        0 B/s  502.0 KiB/s\n"
		"7       p                        nobody       system.slice/a-very-long-name-"
		"of-a+        1 B/s        0 B/s        1 B/s\n";
	struct live_proc_row rows[3] = { procs[0],
					 procs[1],
					 { .pid = 7,
					   .comm = "p",
					   .user = "nobody",
					   .sent_bps = 1,
					   .service = "system.slice/a-very-long-name-of-a-template@"
						      "instance.service" } };
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };
	const char *list;

	f.procs = rows;
	f.n_procs = 3;
	assert_int_equal(live_view_render(&b, &f, 120, 0, 0), 0);
	list = strstr(b.s, "pid     process");
	assert_non_null(list);
	if (strncmp(list, want, strlen(want)))
		fail_msg("got:\n%.*s", (int)strlen(want), list);
	assert_null(memchr(b.s, 0x1b, b.len));
	fmt_buf_free(&b);
}

/* Each rule's value and threshold in its unit, never "2.59388e+07"; no "(q
 * quits)" when no key is read (stdin is no terminal). */
static void test_render_units_and_keys(void **state)
{
	static const struct live_anomaly_row hits[] = {
		{ .kind = "high_bandwidth",
		  .flow = &flows[0],
		  .value = 2.59388e+07,
		  .threshold = 1e+07 },
		{ .ts = 1700000000,
		  .kind = "exfiltration",
		  .subject = "198.18.7.1",
		  .value = 123456789,
		  .threshold = 1e+07 },
		{ .ts = 1700000000,
		  .kind = "syn_flood",
		  .subject = "198.18.7.2:80",
		  .value = 2500,
		  .threshold = 100 },
		{ .ts = 1700000000,
		  .kind = "beaconing",
		  .subject = "198.18.7.3",
		  .value = 0.012,
		  .threshold = 0.1 },
		{ .ts = 1700000000,
		  .kind = "fan_in",
		  .subject = "198.18.7.4",
		  .value = 20000000,
		  .threshold = 52.5 },
	};
	/* Each line ends in the value and the threshold, right-aligned. */
	static const char *const want[][2] = {
		{ "high_bandwidth", " 24.7 MiB/s    9.5 MiB/s\n" },
		{ "exfiltration", " 117.7 MiB      9.5 MiB\n" },
		{ "syn_flood", " 2500/s        100/s\n" },
		{ "beaconing", " 0.012        0.100\n" },
		{ "fan_in", " 20000000       52.500\n" },
	};
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };

	f.keys = 0;
	f.anomalies = hits;
	f.n_anomalies = sizeof(hits) / sizeof(hits[0]);
	assert_int_equal(live_view_render(&b, &f, 100, 0, 0), 0);
	assert_null(strstr(b.s, "q quits"));
	assert_non_null(strstr(b.s, "netmon live  2023-11-14 22:14:21 UTC"));
	assert_null(strstr(b.s, "e+"));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *line = strstr(b.s, want[i][0]), *end = line ? strchr(line, '\n') : NULL;
		size_t n = strlen(want[i][1]);

		assert_non_null(end);
		if ((size_t)(end + 1 - line) < n || memcmp(end + 1 - n, want[i][1], n))
			fail_msg("%s: '%.*s'", want[i][0], (int)(end - line), line);
	}
	fmt_buf_free(&b);
}

/* Code points of one line (escape sequences of our own not included). */
static int columns(const char *s, size_t n)
{
	int c = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\033') {
			while (i < n &&
			       !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
				i++;
			continue;
		}
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	return c;
}

/* A terminal of w x h: home first, every line under w, at most h lines,
 * no newline after the last (a full screen must not scroll), clear below. */
static void check_fits(int w, int h)
{
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };
	int lines = 1;
	const char *p, *start;

	assert_int_equal(live_view_render(&b, &f, w, h, 1), 0);
	assert_memory_equal(b.s, "\033[H", 3);
	assert_string_equal(b.s + b.len - 3, "\033[J");
	assert_int_not_equal(b.s[b.len - 4], '\n');
	for (start = b.s; (p = strchr(start, '\n')); start = p + 1, lines++)
		if (columns(start, p - start) >= w)
			fail_msg("%dx%d: line %d is wider: %.*s", w, h, lines, (int)(p - start),
				 start);
	assert_true(columns(start, strlen(start)) < w);
	assert_true(lines <= h);
	/* The only ESC bytes are ours: home, erase line, erase below. */
	for (p = b.s; (p = strchr(p, '\033')); p++)
		assert_true(!strncmp(p, "\033[H", 3) || !strncmp(p, "\033[K", 3) ||
			    !strncmp(p, "\033[J", 3));
	fmt_buf_free(&b);
}

static void test_render_fits_terminal(void **state)
{
	check_fits(80, 24);
	check_fits(132, 50);
	check_fits(60, 20);
	check_fits(40, 10);
	check_fits(20, 5);
}

/* Small screens share rows: each list shows its first row before any shows two. */
static void test_render_shares_rows(void **state)
{
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };

	/* 2 header lines + 3 + 3 protocol lines + 4 x 3 list headings = 20: two rows left. */
	assert_int_equal(live_view_render(&b, &f, 100, 22, 1), 0);
	assert_non_null(strstr(b.s, "curl"));
	assert_non_null(strstr(b.s, "https"));
	assert_null(strstr(b.s, "ev\\x1b"));
	assert_null(strstr(b.s, "4000 -"));
	fmt_buf_free(&b);
}

/* More rows than a frame holds (512 lines) on a very tall terminal: cut, not refused. */
static void test_render_many_rows(void **state)
{
	static struct live_proc_row many[800];
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };
	size_t lines = 0;

	for (int i = 0; i < 800; i++)
		many[i] = (struct live_proc_row){ .pid = i + 1, .comm = "p", .sent_bps = 800 - i };
	f.procs = many;
	f.n_procs = 800;
	assert_int_equal(live_view_render(&b, &f, 100, 5000, 1), 0);
	for (size_t i = 0; i < b.len; i++)
		lines += b.s[i] == '\n';
	assert_int_equal(lines + 1, 512);
	fmt_buf_free(&b);
}

/* A TCP flow record: source port sp to dst port dp, flags, SYNs, packets, first ms. */
static struct flow_record tcp(int out, int sp, int dp, int flags, int syn, int packets, int ms)
{
	struct flow_record r = { .key = { .family = NETMON_FAMILY_V4,
					  .protocol = 6,
					  .direction = out ? NETMON_DIR_OUT : NETMON_DIR_IN,
					  .src_port = sp,
					  .dst_port = dp },
				 .c = { .packets = packets,
					.syn = syn,
					.tcp_flags = flags,
					.first_seen_ns = ms * 1000000ull } };

	r.key.src[0] = out ? 1 : 2; /* 1.0.0.0 the client, 2.0.0.0 the server */
	r.key.dst[0] = out ? 2 : 1;
	return r;
}

/* The live view's server ports follow sql/0009_server_ports.sql's rule. */
static void test_server_ports(void **state)
{
	struct flow_record f[] = {
		tcp(1, 1350, 8081, 0x02, 1, 1, 10),  tcp(0, 8081, 1350, 0x14, 0, 1, 10),
		tcp(1, 1351, 8082, 0x06, 1, 2, 20),  tcp(0, 8082, 1351, 0x12, 1, 1, 20),
		tcp(1, 1400, 9000, 0x1b, 1, 5, 100), tcp(0, 9000, 1400, 0x1b, 1, 4, 105),
		tcp(1, 1401, 9001, 0x1b, 1, 5, 200), tcp(0, 9001, 1401, 0x1b, 1, 4, 200),
	};
	const int want[] = { 8081, 8081, 8082, 8082, 9000, 9000, 1401, 1401 };
	struct live_app_name names[] = { { 17, 5353, "mdns" } };
	struct live_db db = { .names = names, .n_names = 1 };
	struct flow_key udp = {
		.family = NETMON_FAMILY_V4, .protocol = 17, .src_port = 1000, .dst_port = 5353
	};
	struct live_conn *c = NULL;
	size_t n = 0;

	assert_int_equal(live_conns_build(&c, &n, f, 8), 0);
	assert_int_equal(n, 4);
	for (int i = 0; i < 8; i++)
		assert_int_equal(live_server_port(c, n, &f[i].key, &db), want[i]);
	assert_int_equal(live_server_port(c, n, &udp, &db), 5353);
	udp.dst_port = 0;
	assert_int_equal(live_server_port(c, n, &udp, &db), 0);
	free(c);
}

/*
 * Host names in the live view: the one told last for each end of a flow
 * (ties by name), read from the database the recorder writes; none for an
 * address never named; a hostile name shown inert.
 */
static void test_host_names(void **state)
{
	struct temp_db t;
	struct live_db db = { 0 };
	struct live_flow_row rows[2] = { flows[0], flows[1] };
	struct live_frame f = frame();
	struct fmt_buf b = { 0 };
	char name[LIVE_HOST_NAME_MAX];

	assert_int_equal(temp_db_open(&t, "test_live_names"), 0);
	assert_int_equal(
		sqlite3_exec(t.db,
			     "INSERT INTO addresses VALUES (1, 4, x'c6120701', '198.18.7.1'),"
			     " (2, 4, x'c6120702', '198.18.7.2');"
			     "INSERT INTO dns_names VALUES (1, 'old.example'), (2, 'b.example'),"
			     " (3, 'a.example'), (4, '<x>' || char(27) || '[2J');"
			     "INSERT INTO address_names VALUES (1, 1, 1, 100, 200),"
			     " (1, 2, 1, 150, 900), (1, 3, 2, 300, 900), (2, 4, 1, 100, 100);",
			     NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(live_db_open(&db, t.path, 0), 0);
	live_db_host_name(&db, NETMON_FAMILY_V4, flows[0].src, name, sizeof(name));
	assert_string_equal(name, "a.example"); /* last_seen 900 twice: by name */
	live_db_host_name(&db, NETMON_FAMILY_V6, flows[1].src, name, sizeof(name));
	assert_string_equal(name, "");
	/* The frame's rows get them; the view shows them escaped. */
	live_db_host_name(&db, rows[0].family, rows[0].src, rows[0].src_name,
			  sizeof(rows[0].src_name));
	live_db_host_name(&db, rows[0].family, rows[0].dst, rows[0].dst_name,
			  sizeof(rows[0].dst_name));
	f.flows = rows;
	assert_int_equal(live_view_render(&b, &f, 120, 0, 0), 0);
	if (!strstr(b.s, "out udp 198.18.7.1:40000 > 198.18.7.2:4000 (a.example > <x>\\x1b[2J)") ||
	    !strstr(b.s, "in  ipv6-icmp 2001:db8::2 > 2001:db8::1  ")) {
		fprintf(stderr, "got:\n%s", b.s);
		fail();
	}
	assert_null(memchr(b.s, 0x1b, b.len));
	fmt_buf_free(&b);
	live_db_close(&db);
	temp_db_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_exact_across_flips),
		cmocka_unit_test(test_rates_forget_idle),
		cmocka_unit_test(test_render_plain),
		cmocka_unit_test(test_render_users_and_services),
		cmocka_unit_test(test_render_units_and_keys),
		cmocka_unit_test(test_render_fits_terminal),
		cmocka_unit_test(test_render_shares_rows),
		cmocka_unit_test(test_render_many_rows),
		cmocka_unit_test(test_server_ports),
		cmocka_unit_test(test_host_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
