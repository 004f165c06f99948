// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ipfix_fast.c - the recorder's export of the interval it just
 * committed (exporter_committed(), from the records it wrote) against the
 * export of the same interval read back from the database
 * (ipfix_send_interval(), as after a crash or by netmon-report export):
 * the messages two collectors on 127.0.0.1 receive are equal byte for byte
 * but for the export time, for flows of both families, ICMP, an interface
 * gone, times before the interval, the overflow rows and process rows with
 * and without names: a user with a name and one without (a uid of no user),
 * a service (the root cgroup's, and one of a cgroup gone, named by its id),
 * no cgroup, and no names at all from the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "db.h"
#include "export/exporter.h"
#include "ipfix.h"
#include "ipfix_send.h"
#include "store/store.h"
#include "temp_db.h"
#include "test_ipfix_sink.h"

#define MAX_MSGS 64
#define T_END 1796545020	      /* the interval's end, unix s */
#define NO_USER 4000000u	      /* a uid no passwd entry has */
#define CG_GONE 0x7fffff0000000001ull /* no cgroup has this id */

/* The messages of one collector, in the order they came. */
struct got {
	uint8_t msg[MAX_MSGS][IPFIX_MAX_MTU];
	size_t len[MAX_MSGS];
	int n;
};

/* Everything queued at fd (the export is synchronous: all of it). */
static void drain(int fd, struct got *g)
{
	ssize_t len;

	g->n = 0;
	while (g->n < MAX_MSGS && (len = recv(fd, g->msg[g->n], sizeof(g->msg[0]), 0)) > 0)
		g->len[g->n++] = (size_t)len;
}

/* Whether a message of g holds these n bytes. */
static int holds(const struct got *g, const void *bytes, size_t n)
{
	for (int i = 0; i < g->n; i++)
		if (memmem(g->msg[i], g->len[i], bytes, n))
			return 1;
	return 0;
}

/* Whether a process record in g ends with these uid, user and service. */
static int holds_names(const struct got *g, uint32_t uid, const char *user, const char *service)
{
	uint8_t tail[4 + IPFIX_USER_LEN + IPFIX_SERVICE_LEN] = { uid >> 24, uid >> 16 & 0xff,
								 uid >> 8 & 0xff, uid & 0xff };

	memcpy(tail + 4, user, strlen(user));
	memcpy(tail + 4 + IPFIX_USER_LEN, service, strlen(service));
	return holds(g, tail, sizeof(tail));
}

static struct flow_record flow(int ifindex, int family, const char *src, const char *dst, int proto,
			       int sport, int dport, int dir_)
{
	struct flow_record r;

	memset(&r, 0, sizeof(r));
	r.key.ifindex = (__u32)ifindex;
	r.key.family = (__u8)family;
	r.key.protocol = (__u8)proto;
	r.key.direction = (__u8)dir_;
	r.key.src_port = (__u16)sport;
	r.key.dst_port = (__u16)dport;
	inet_pton(family == 4 ? AF_INET : AF_INET6, src, r.key.src);
	inet_pton(family == 4 ? AF_INET : AF_INET6, dst, r.key.dst);
	return r;
}

static void counts(struct flow_record *r, uint64_t packets, uint64_t bytes, uint64_t first_ns,
		   uint64_t last_ns, uint32_t flags)
{
	r->c.packets = packets;
	r->c.bytes = bytes;
	r->c.first_seen_ns = first_ns;
	r->c.last_seen_ns = last_ns;
	r->c.tcp_flags = flags;
}

static struct proc_record proc(uint32_t tgid, int family, const char *remote, int lport, int rport,
			       uint64_t sent, uint64_t recvd)
{
	struct proc_record p;

	memset(&p, 0, sizeof(p));
	p.key.tgid = tgid;
	p.key.family = (__u8)family;
	p.key.protocol = 6;
	p.key.local_port = (__u16)lport;
	p.key.remote_port = (__u16)rport;
	if (remote)
		inet_pton(family == 4 ? AF_INET : AF_INET6, remote, p.key.remote);
	p.c.bytes_sent = sent;
	p.c.bytes_recv = recvd;
	return p;
}

/* One interval with every kind of row an export has (see the file's head). */
static void fill(struct snapshot *s, struct flow_record *f, struct total_record *t,
		 struct proc_record *p, struct proc_info_record *in)
{
	const uint64_t mono = 5000000000000ull; /* at the flip, T_END + .25 s */

	memset(s, 0, sizeof(*s));
	f[0] = flow(1, 4, "198.18.0.1", "198.18.0.2", 17, 40000, 53, 1);
	counts(&f[0], 3, 300, mono - 12345678901ull, mono - 2000000000ull, 0);
	f[1] = flow(1, 6, "2001:db8::1", "2001:db8::2", 6, 443, 50000, 0);
	counts(&f[1], 9, 9000, mono - 59000000000ull, mono - 1000000ull, 0x1b);
	f[2] = flow(1, 4, "198.18.0.2", "198.18.0.1", 1, 8, 0, 0); /* echo request */
	counts(&f[2], 1, 84, mono - 30000000000ull, mono - 30000000000ull, 0);
	f[3] = flow(9999, 4, "198.18.0.3", "198.18.0.4", 6, 1, 2, 1); /* its interface gone */
	counts(&f[3], 2, 120, mono - 70000000000ull, mono - 65000000000ull, 0x02);
	t[0].key = (struct total_key){
		.ifindex = 1, .direction = 1, .family = 4, .protocol = 17, .kind = NETMON_KIND_IP
	};
	t[0].c = (struct total_counters){ .packets = 10, .bytes = 1000 };
	t[1].key = t[0].key;
	t[1].key.kind = NETMON_KIND_TABLE_FULL;
	t[1].c = (struct total_counters){ .packets = 5, .bytes = 250 };
	t[2].key = (struct total_key){
		.ifindex = 1, .family = 6, .protocol = 6, .kind = NETMON_KIND_TABLE_FULL
	};
	t[2].c = (struct total_counters){ .packets = 1, .bytes = 60 };
	t[3].key = (struct total_key){ .ifindex = 1, .kind = NETMON_KIND_DNS };
	t[3].c = (struct total_counters){ .packets = 4, .bytes = 0 };
	p[0] = proc(200, 4, "198.18.0.2", 40000, 53, 300, 0);
	p[1] = proc(100, 6, "2001:db8::2", 50000, 443, 10, 9000);
	p[2] = proc(300, 4, NULL, 5353, 0, 7, 0); /* no name from the kernel, not connected */
	p[3] = proc(400, 6, "2001:db8::3", 22, 50022, 5, 6);
	memset(in, 0, 3 * sizeof(*in));
	in[0].tgid = 100;
	memcpy(in[0].info.comm, "sixteen-chars-xx", 16); /* not terminated */
	strcpy(in[0].info.parent_comm, "bash");
	in[0].info.ppid = 1;
	in[0].info.uid = 0;	  /* root */
	in[0].info.cgroup_id = 1; /* the root cgroup: service "/" */
	in[1].tgid = 200;
	strcpy(in[1].info.comm, "dig");
	in[1].info.uid = NO_USER;	/* named by its number */
	in[1].info.cgroup_id = CG_GONE; /* named by its id: "cgroup:<id>" */
	in[2].tgid = 400;
	strcpy(in[2].info.comm, "sshd");
	in[2].info.uid = 0; /* no cgroup: no service */
	s->flows = f;
	s->n_flows = 4;
	s->totals = t;
	s->n_totals = 4;
	s->procs = p;
	s->n_procs = 4;
	s->infos = in;
	s->n_infos = 3;
	s->wall.tv_sec = T_END;
	s->wall.tv_nsec = 250000000;
	s->mono_ns = mono;
}

/* What process_log says of the processes' users and services (names). */
static void assert_names(sqlite3 *db, const char *want)
{
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT n FROM temp.names", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), want);
	sqlite3_finalize(q);
}

static void test_committed_equals_read_back(void **state)
{
	struct flow_record f[4];
	struct total_record t[4];
	struct proc_record p[4];
	struct proc_info_record in[3];
	struct snapshot snap;
	char name_a[64], name_b[64];
	const char *coll_a[1] = { name_a }, *coll_b[1] = { name_b };
	int fd_a = sink(name_a, sizeof(name_a)), fd_b = sink(name_b, sizeof(name_b));
	struct exporter_opts xo = { .collectors = coll_a,
				    .n_collectors = 1,
				    .mtu = IPFIX_MIN_MTU,
				    .domain = IPFIX_DEFAULT_DOMAIN };
	struct ipfix_send_opts so = { .collectors = coll_b,
				      .n_collectors = 1,
				      .mtu = IPFIX_MIN_MTU,
				      .domain = IPFIX_DEFAULT_DOMAIN };
	static struct got a, b;
	struct ipfix_send *s;
	struct exporter *x;
	struct store *st;
	struct temp_db tmp;
	uint64_t records;

	fill(&snap, f, t, p, in);
	assert_int_equal(temp_db_open(&tmp, "netmon-test-ipfix-fast"), 0);
	assert_int_equal(store_open(&st, tmp.path), 0);
	assert_int_equal(exporter_open(&x, &xo, store_db(st)), 0);
	assert_int_equal(store_write_interval(st, &snap, T_END - 60, T_END), 0);
	exporter_committed(x, st, &snap, T_END - 60, T_END);

	/* The same interval read back, by an exporter of its own (same sequence). */
	assert_int_equal(ipfix_send_open(&s, &so, store_db(st)), 0);
	ipfix_send_begin(s, 0);
	assert_int_equal(ipfix_send_interval(s, store_db(st), 1, &records), 0);
	ipfix_send_end(s);
	ipfix_send_close(s);
	/* 4 flows, 2 overflow rows, 4 processes: every row. */
	assert_int_equal(records, 10);
	/* The names process_log has (the read-back's source) are the expected ones. */
	/* (the root cgroup's service is "/" with a cgroup v2 hierarchy, else by id) */
	assert_int_equal(db_exec(store_db(st),
				 "CREATE TEMP TABLE names AS SELECT group_concat("
				 "pid || '=' || coalesce(user, '-') || '/' || iif(pid = 100, "
				 "service IN ('/', 'cgroup:1'), coalesce(service, '-')), ' ') AS n "
				 "FROM (SELECT * FROM process_log ORDER BY pid)"),
			 0);
	assert_names(store_db(st), "100=root/1 200=4000000/cgroup:9223370937343148033 "
				   "300=-/- 400=root/-");

	/* Gone from the database: what the export now sends was not read back. */
	assert_int_equal(db_exec(store_db(st), "DELETE FROM processes; DELETE FROM flows"), 0);
	assert_int_equal(exporter_run(x, store_db(st)), 0);
	exporter_close(x);
	store_close(st);
	temp_db_remove(&tmp);

	drain(fd_a, &a);
	drain(fd_b, &b);
	assert_true(b.n > 2); /* templates, then records split by the MTU */
	assert_int_equal(a.n, b.n);
	for (int i = 0; i < a.n; i++) {
		assert_int_equal(a.len[i], b.len[i]);
		/* the export time (bytes 4-7) may be a second apart */
		assert_memory_equal(a.msg[i], b.msg[i], 4);
		assert_memory_equal(a.msg[i] + 8, b.msg[i] + 8, a.len[i] - 8);
	}
	/* The names in the records: the uid, then the user and the service,
	 * zero-padded; none (uid unknown, zeros) for the pid without names. */
	assert_true(holds_names(&a, 0, "root", ""));
	assert_true(holds_names(&a, NO_USER, "4000000", "cgroup:9223370937343148033"));
	assert_true(holds_names(&a, IPFIX_UID_UNKNOWN, "", ""));
	close(fd_a);
	close(fd_b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_committed_equals_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
