// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_anomaly_agg.c - the aggregate rows the store groups in memory as it
 * writes an interval (recorder/store/anomaly_agg.c) are, row for row, what
 * the migrations' SQL groupings (sql/0018_anomaly_aggregates.sql,
 * sql/0019_interval_contacts.sql and sql/0020_interval_syn.sql, read from
 * the source tree: the tests run from the repository's top) give over the same stored flow rows: a
 * generated history, and crafted intervals with UDP exchanges answered and
 * not (from two source ports, answered from another port, answered over TCP
 * only, the answer first), traceroute's ports at their edges, a host sending
 * to itself, unspecified sources and destinations, IPv6, the table-full
 * overflow rows (with SYNs), one pair seen on two interfaces, TCP SYNs (one
 * on two interfaces; attempts and completed connections to a port, both
 * directions, port 0 to a real address, IPv6), exchanges going on from the interval before, across
 * a gap and across a restart of the store.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "db.h"
#include "history.h"
#include "log.h"
#include "store/anomaly_agg.h"
#include "store/store.h"
#include "temp_db.h"

#define MIGRATION "sql/0018_anomaly_aggregates.sql"
#define CONTACTS_MIGRATION "sql/0019_interval_contacts.sql"
#define SYN_MIGRATION "sql/0020_interval_syn.sql"
#define GAPS_MIGRATION "sql/0021_contact_gaps.sql"
#define RUNS_MIGRATION "sql/0022_contact_runs.sql"
#define PREV_MIGRATION "sql/0023_probe_prev.sql"
#define START 1738195200 /* 2025-01-30 00:00 UTC */
/* a probe row of the crafted intervals (write_crafted()), an hour after START */
#define CRAFTED "p.interval_id IN (SELECT id FROM intervals WHERE ts_start >= 1738198800)"

static char dir[] = "/tmp/netmon-test-anomaly-agg-XXXXXX";

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The text sql's one row gives is expected. */
static void text_equal(sqlite3 *db, const char *sql, const char *expected)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), expected);
	sqlite3_finalize(s);
}

/* The flow rows of an interval being crafted, and its totals. */
struct craft {
	struct flow_record flows[128];
	struct total_record totals[6];
	struct snapshot snap;
};

/* A flow src:sport > dst:dport (family 4 or 6) of proto, 2 packets of bytes. */
static void add_flow(struct craft *c, int direction, const char *src, __u16 sport, const char *dst,
		     __u16 dport, int proto, __u64 bytes)
{
	struct flow_record *r = &c->flows[c->snap.n_flows++];
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	assert_true(c->snap.n_flows <= 128);
	memset(r, 0, sizeof(*r));
	r->key.ifindex = 1;
	r->key.family = af == AF_INET ? NETMON_FAMILY_V4 : NETMON_FAMILY_V6;
	r->key.protocol = (__u8)proto;
	r->key.direction = (__u8)direction;
	assert_int_equal(inet_pton(af, src, r->key.src), 1);
	assert_int_equal(inet_pton(af, dst, r->key.dst), 1);
	r->key.src_port = sport;
	r->key.dst_port = dport;
	r->c.packets = 2;
	r->c.bytes = bytes;
	r->c.first_seen_ns = r->c.last_seen_ns = c->snap.mono_ns - 1000000000ull;
}

/* A table-full total of the interval: its overflow row (0.0.0.0 or :: both ends). */
static void add_overflow(struct craft *c, int family, int proto, int direction, __u64 bytes)
{
	struct total_record *t = &c->totals[c->snap.n_totals++];

	memset(t, 0, sizeof(*t));
	t->key = (struct total_key){ .ifindex = 1,
				     .direction = (__u8)direction,
				     .family = (__u8)family,
				     .protocol = (__u8)proto,
				     .kind = NETMON_KIND_TABLE_FULL };
	t->c = (struct total_counters){ .packets = 3, .bytes = bytes };
}

/* UDP exchanges: each case once, with n varying what the interval holds. */
static void craft_udp(struct craft *c, unsigned int n)
{
	add_flow(c, 1, "198.18.1.1", 40000, "198.19.0.1", 161, 17, 80); /* a probe */
	add_flow(c, 1, "198.18.1.1", 40001, "198.19.0.1", 161, 17, 80); /* again: one probe */
	add_flow(c, 1, "198.18.1.1", 40002, "198.19.0.2", 53, 17, 70);	/* answered */
	add_flow(c, 0, "198.19.0.2", 53, "198.18.1.1", 40002, 17, 200);
	add_flow(c, 1, "198.18.1.1", 40003, "198.19.0.3", 123, 17, 90); /* another port back */
	add_flow(c, 0, "198.19.0.3", 124, "198.18.1.1", 40003, 17, 90);
	add_flow(c, 1, "198.18.1.1", 40004, "198.19.0.4", 500, 17, 90); /* TCP back only */
	add_flow(c, 0, "198.19.0.4", 500, "198.18.1.1", 40004, 6, 90);
	for (int k = 0; k < 4; k++) /* traceroute's edges: 33433 and 33535 are probes */
		add_flow(c, 1, "198.18.1.2", 33000, "198.19.0.5",
			 (__u16)((__u16[]){ 33433, 33434, 33534, 33535 })[k], 17, 60);
	add_flow(c, 1, "198.18.1.3", 7000, "198.18.1.3", (__u16)(7000 + n), 17, 60); /* itself */
	add_flow(c, 1, "2001:db8::1", 5000, "2001:db8::2", 5001, 17, 300); /* IPv6 probe */
	add_flow(c, 0, "2001:db8::3", 547, "2001:db8::1", 546, 17, 300);   /* and answered */
	add_flow(c, 1, "2001:db8::1", 546, "2001:db8::3", 547, 17, 300);
	if (n % 2) { /* both answered in odd intervals */
		add_flow(c, 0, "198.19.0.1", 161, "198.18.1.1", 40000, 17, 120);
		add_flow(c, 0, "198.19.0.1", 161, "198.18.1.1", 40001, 17, 120);
	}
	/* the answer's first packet first: the server's end opened it */
	add_flow(c, 1, "198.18.1.4", (__u16)(6000 + n % 3), "198.19.0.6", 69, 17, 60);
	add_flow(c, 0, "198.19.0.6", 69, "198.18.1.4", (__u16)(6000 + n % 3), 17, 60);
	c->flows[c->snap.n_flows - 1].c.first_seen_ns -= 5000000;
	/* the same ports every interval: one contact, then only after a silence */
	if (n % 5 != 2)
		add_flow(c, 1, "198.18.1.5", 123, "198.19.0.7", 123, 17, 76);
}

/* TCP: SYNs (one flow on two interfaces, the earlier first packet kept) and no SYN. */
static void craft_tcp(struct craft *c, unsigned int n)
{
	add_flow(c, 1, "198.18.1.6", (__u16)(41000 + n), "198.19.0.8", 443, 6, 120);
	c->flows[c->snap.n_flows - 1].c.syn = 2;
	add_flow(c, 1, "198.18.1.6", (__u16)(41000 + n), "198.19.0.8", 443, 6, 120);
	c->flows[c->snap.n_flows - 1].key.ifindex = 2;
	c->flows[c->snap.n_flows - 1].c.syn = 1;
	c->flows[c->snap.n_flows - 1].c.first_seen_ns -= 7000000;
	add_flow(c, 1, "198.18.1.6", 42000, "198.19.0.8", 443, 6, 120); /* no SYN */
	add_flow(c, 0, "198.19.0.8", 443, "198.18.1.6", (__u16)(41000 + n), 6, 120);
	c->flows[c->snap.n_flows - 1].c.syn = 1; /* the SYN-ACK */
}

/* Sources and destinations nobody is, the same pair on two interfaces, outbound peers. */
static void craft_addresses(struct craft *c, unsigned int n)
{
	add_flow(c, 0, "0.0.0.0", 68, "255.255.255.255", 67, 17, 328); /* DHCP: no source */
	add_flow(c, 1, "::", 0, "ff02::16", 0, 58, 90);
	add_flow(c, 1, "198.18.1.1", 9, "0.0.0.0", 9, 17, 40); /* to the unspecified address */
	add_flow(c, 1, "198.18.1.1", 50000, "198.19.0.9", 443, 6, 1000 + n);
	c->flows[c->snap.n_flows - 1].key.ifindex = 2;
	add_flow(c, 1, "198.18.1.1", 50001, "198.19.0.9", 443, 6, 2000);
	add_flow(c, 0, "198.19.0.9", 443, "198.18.1.1", 50001, 6, 900000);
	for (unsigned int k = 0; k < 3 + n % 4; k++) { /* fan-in on one address */
		char src[32];

		snprintf(src, sizeof(src), "198.20.0.%u", 1 + k);
		add_flow(c, 0, src, (__u16)(3000 + k), "198.18.1.1", 22, 6, 500);
	}
	add_overflow(c, NETMON_FAMILY_V4, 17, 1, 250);
	add_overflow(c, NETMON_FAMILY_V6, 6, 0, 60);
}

/* A TCP flow with syns SYNs and flags (16: an ACK seen) on interface ifindex. */
static void syn_flow(struct craft *c, int ifindex, int direction, const char *src, __u16 sport,
		     const char *dst, __u16 dport, __u64 syns, __u32 flags)
{
	add_flow(c, direction, src, sport, dst, dport, 6, 60 * syns);
	c->flows[c->snap.n_flows - 1].key.ifindex = (__u32)ifindex;
	c->flows[c->snap.n_flows - 1].c.syn = syns;
	c->flows[c->snap.n_flows - 1].c.tcp_flags = flags;
	/* spans differ by source port: first and last packets from different flows */
	c->flows[c->snap.n_flows - 1].c.first_seen_ns -= 200000000ull * (sport % 5);
	c->flows[c->snap.n_flows - 1].c.last_seen_ns += 100000000ull * ((sport + 1) % 3);
}

/*
 * interval_syn's cases: attempts (no ACK) to 198.19.0.10:80 from 2 + n % 3
 * sources, one of them twice (two source ports) with 3 SYNs, a completed
 * connection to it; a port whose SYNs all completed (no row); the same port
 * inbound too in odd intervals (both directions); port 0 to a real address
 * both ways; one port on two interfaces; IPv6; the TCP overflow rows of both
 * directions with SYNs, one with an ACK among its flags.
 */
static void craft_syn(struct craft *c, unsigned int n)
{
	for (unsigned int k = 0; k < 2 + n % 3; k++) {
		char src[32];

		snprintf(src, sizeof(src), "198.21.0.%u", 1 + k);
		syn_flow(c, 1, 1, src, (__u16)(20000 + k), "198.19.0.10", 80, 1 + k % 2, 0x02);
	}
	syn_flow(c, 1, 1, "198.21.0.1", 21000, "198.19.0.10", 80, 3, 0x02);
	syn_flow(c, 1, 1, "198.21.0.9", 21001, "198.19.0.10", 80, 1, 0x12);
	syn_flow(c, 1, 1, "198.21.0.9", 21002, "198.19.0.11", 443, 1, 0x1a); /* completed */
	if (n % 2)
		syn_flow(c, 1, 0, "198.22.0.1", 22000, "198.19.0.10", 80, 2, 0x02);
	syn_flow(c, 1, 1, "198.21.0.3", 23000, "198.19.0.12", 0, 4, 0x12);
	syn_flow(c, 1, 0, "198.21.0.4", 23001, "198.19.0.12", 0, 1, 0x02);
	syn_flow(c, 2, 1, "198.21.0.5", 24000, "198.19.0.10", 80, 5, 0x02);
	syn_flow(c, 1, 1, "2001:db8::5", 25000, "2001:db8::6", 8080, 2 + n, 0x02);
	add_overflow(c, NETMON_FAMILY_V4, 6, 1, 600);
	c->totals[c->snap.n_totals - 1].c.syn = 10 + n;
	c->totals[c->snap.n_totals - 1].c.tcp_flags = 0x02;
	add_overflow(c, NETMON_FAMILY_V4, 6, 0, 600);
	c->totals[c->snap.n_totals - 1].c.syn = 4;
	c->totals[c->snap.n_totals - 1].c.tcp_flags = 0x12;
}

/* Crafted intervals from..to-1, one minute each from an hour after START (a gap before 4). */
static void write_crafted(struct store *st, unsigned int from, unsigned int to)
{
	struct craft *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	for (unsigned int n = from; n < to; n++) {
		int64_t ts = START + 3600 + 60 * (int64_t)n + (n >= 4 ? 300 : 0);

		memset(&c->snap, 0, sizeof(c->snap));
		c->snap.flows = c->flows;
		c->snap.totals = c->totals;
		c->snap.wall.tv_sec = ts + 60;
		c->snap.mono_ns = 5000ull * 1000000000ull + n * 60ull * 1000000000ull;
		craft_udp(c, n);
		craft_tcp(c, n);
		craft_addresses(c, n);
		craft_syn(c, n);
		assert_int_equal(store_write_interval(st, &c->snap, ts, ts + 60), 0);
	}
	free(c);
}

/*
 * The grouping of migration path into table, from its INSERT on, appended
 * to sql as an INSERT into temp.ref_SUFFIX (table interval_SUFFIX).
 */
static void append_grouping(sqlite3_str *sql, const char *path, const char *suffix)
{
	char *text = source_text(path), head[64], *at;

	snprintf(head, sizeof(head), "\nINSERT INTO interval_%s ", suffix);
	at = strstr(text, head);
	assert_non_null(at);
	sqlite3_str_appendf(sql, "\nINSERT INTO temp.ref_%s %s", suffix, at + strlen(head));
	free(text);
}

/*
 * sql/0021_contact_gaps.sql's filling of the gaps (its text from the WITH on)
 * into sql, made to fill table.
 */
static void gaps_fill(sqlite3_str *sql, const char *table)
{
	char *text = source_text(GAPS_MIGRATION), *at = strstr(text, "\nWITH iv AS"), *next;

	assert_non_null(at);
	for (; (next = strstr(at, "interval_contacts")); at = next + strlen("interval_contacts")) {
		sqlite3_str_append(sql, at, (int)(next - at));
		sqlite3_str_appendall(sql, table);
	}
	sqlite3_str_appendall(sql, at);
	free(text);
}

/*
 * sql/0023_probe_prev.sql's filling (its text from the temporary table on)
 * of table's prev_ts and host_prev_ts, cleared first.
 */
static void probe_prev_fill(sqlite3 *db, const char *table)
{
	char *text = source_text(PREV_MIGRATION), *at = strstr(text, "CREATE TEMP TABLE probe_prev");
	sqlite3_str *sql = sqlite3_str_new(db);
	char *rewritten;

	assert_non_null(at);
	sqlite3_str_appendf(sql, "UPDATE %s SET prev_ts = NULL, host_prev_ts = NULL;\n", table);
	for (char *next; (next = strstr(at, "interval_udp_probes"));
	     at = next + strlen("interval_udp_probes")) {
		sqlite3_str_append(sql, at, (int)(next - at));
		sqlite3_str_appendall(sql, table);
	}
	sqlite3_str_appendall(sql, at);
	free(text);
	rewritten = sqlite3_str_finish(sql);
	assert_int_equal(db_exec(db, rewritten), 0);
	sqlite3_free(rewritten);
}

/*
 * The migrations' groupings, run over db's flow rows into temp.ref_dst,
 * temp.ref_out, temp.ref_udp_probes, temp.ref_contacts and temp.ref_syn:
 * 0018's text from the first INSERT on, "INSERT INTO interval_" made
 * "INSERT INTO temp.ref_", then 0019's and 0020's INSERTs and 0021's
 * filling of the contacts' gaps.
 */
static void migration_groupings(sqlite3 *db)
{
	char *text = source_text(MIGRATION), *at = strstr(text, "\nINSERT INTO interval_");
	sqlite3_str *sql = sqlite3_str_new(db);
	char *rewritten;

	assert_non_null(at);
	for (char *next; (next = strstr(at, "INSERT INTO interval_")); at = next + 21) {
		sqlite3_str_append(sql, at, (int)(next - at));
		sqlite3_str_appendall(sql, "INSERT INTO temp.ref_");
	}
	sqlite3_str_appendall(sql, at);
	free(text);
	append_grouping(sql, CONTACTS_MIGRATION, "contacts");
	gaps_fill(sql, "temp.ref_contacts");
	append_grouping(sql, SYN_MIGRATION, "syn");
	rewritten = sqlite3_str_finish(sql);
	assert_int_equal(db_exec(db,
				 "CREATE TEMP TABLE ref_dst AS SELECT * FROM interval_dst "
				 "WHERE 0; CREATE TEMP TABLE ref_out AS SELECT * FROM "
				 "interval_out WHERE 0; CREATE TEMP TABLE ref_udp_probes AS "
				 "SELECT * FROM interval_udp_probes WHERE 0; CREATE TEMP TABLE "
				 "ref_contacts AS SELECT * FROM interval_contacts WHERE 0; "
				 "CREATE TEMP TABLE ref_syn AS SELECT * FROM interval_syn WHERE 0"),
			 0);
	assert_int_equal(db_exec(db, rewritten), 0);
	sqlite3_free(rewritten);
	probe_prev_fill(db, "temp.ref_udp_probes");
}

/*
 * sql/0022_contact_runs.sql's grouping (its text from the INSERT on) over
 * the stored contacts and their gaps, into temp.ref_runs.
 */
static void runs_fill(sqlite3 *db)
{
	char *text = source_text(RUNS_MIGRATION), *at = strstr(text, "\nINSERT INTO contact_runs ");
	sqlite3_str *sql = sqlite3_str_new(db);
	char *rewritten;

	assert_non_null(at);
	sqlite3_str_appendf(sql,
			    "CREATE TEMP TABLE ref_runs AS SELECT * FROM contact_runs "
			    "WHERE 0;\nINSERT INTO temp.ref_runs %s",
			    at + strlen("\nINSERT INTO contact_runs "));
	free(text);
	rewritten = sqlite3_str_finish(sql);
	assert_int_equal(db_exec(db, rewritten), 0);
	sqlite3_free(rewritten);
}

/* The rows of table and of temp.ref: equal, row for row; how many. */
static long long same_rows(sqlite3 *db, const char *table, const char *ref)
{
	char sql[256];
	long long n;

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM (SELECT * FROM %s EXCEPT SELECT * FROM %s)", table, ref);
	assert_int_equal(q_int(db, sql), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM (SELECT * FROM %s EXCEPT SELECT * FROM %s)", ref, table);
	assert_int_equal(q_int(db, sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	n = q_int(db, sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", ref);
	assert_int_equal(q_int(db, sql), n);
	print_message("# %s: %lld rows, as the migration's grouping\n", table, n);
	return n;
}

/* interval_syn's crafted groups hold what craft_syn() sent. */
static void syn_cases(sqlite3 *db)
{
	/* 198.19.0.10:80 on interface 1 in interval 3 (n % 3 = 0: 2 sources, and
	 * 198.21.0.1 again; inbound too, n odd): SYNs 1 + 2 + 3 + 2 */
	assert_int_equal(q_int(db,
			       "SELECT syns * 1000000 + incomplete * 10000 + completed * 100 + "
			       "sources FROM interval_syn s JOIN addresses d ON d.id = s.dst_id "
			       "JOIN intervals i ON i.id = s.interval_id WHERE d.text = "
			       "'198.19.0.10' AND s.dst_port = 80 AND i.ts_start = 1738198800 + "
			       "180 AND s.direction IS NULL"),
			 8040103);
	/* ports whose SYNs all completed have no row */
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_syn s JOIN addresses d ON d.id = "
				   "s.dst_id WHERE d.text = '198.19.0.11'"),
			 0);
	/* port 0: a group per direction, the ACKed flow's SYNs too */
	assert_int_equal(q_int(db, "SELECT sum(p.split = 0 AND p.syns = 1) + 10 * sum(p.split = 1 "
				   "AND p.syns = 4) FROM interval_syn p JOIN addresses d ON d.id = "
				   "p.dst_id WHERE d.text = '198.19.0.12' AND " CRAFTED),
			 88);
	/* the overflow rows' SYNs, outbound without an ACK and inbound with one */
	assert_int_equal(
		q_int(db,
		      "SELECT sum(p.syns) FROM interval_syn p JOIN addresses d ON "
		      "d.id = p.dst_id WHERE d.text = '0.0.0.0' AND p.dst_port = 0 AND " CRAFTED),
		(10 * 8 + 28) + 4 * 8);
}

static void test_aggregates_equal_migration(void **state)
{
	struct history_opts h = {
		.interval = 60, .n_intervals = 1, .flows = 400, .clients = 30, .with_procs = 1
	};
	char path[256];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/agg.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	for (unsigned int n = 0; n < 20; n++) {
		h.start = START + 60 * (int64_t)n;
		h.seed = n + 1;
		assert_int_equal(history_write(st, &h), 0);
		if (n == 10) /* the caches forget: ids read back from the tables */
			store_forget_ids(st);
	}
	write_crafted(st, 0, 3);
	store_close(st); /* the interval before read back from the flows */
	assert_int_equal(store_open(&st, path), 0);
	write_crafted(st, 3, 8);
	store_close(st);

	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	migration_groupings(db);
	assert_true(same_rows(db, "interval_dst", "ref_dst") > 20);
	assert_true(same_rows(db, "interval_out", "ref_out") > 20);
	assert_true(same_rows(db, "interval_udp_probes", "ref_udp_probes") > 20);
	assert_true(same_rows(db, "interval_contacts", "ref_contacts") > 20);
	assert_true(same_rows(db, "interval_syn", "ref_syn") > 20);
	runs_fill(db);
	assert_true(same_rows(db, "contact_runs", "ref_runs") > 0);
	/* the cases crafted are there: overflow rows, answered and unanswered UDP */
	assert_int_equal(q_int(db, "SELECT count(*) FROM flow_log WHERE src = '0.0.0.0' AND "
				   "dst = '0.0.0.0'"),
			 3 * 8); /* UDP, and TCP both ways (craft_syn()) */
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_udp_probes p JOIN addresses s "
				   "ON s.id = p.src_id WHERE " CRAFTED " AND s.text = '198.18.1.1' "
				   "AND p.dst_port = 161"),
			 4); /* unanswered in the even intervals only */
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_udp_probes p JOIN addresses s "
				   "ON s.id = p.src_id WHERE " CRAFTED " AND s.text IN "
				   "('198.18.1.1', '2001:db8::1') AND p.dst_port IN (53, 547)"),
			 0);
	assert_int_equal(q_int(db,
			       "SELECT count(*) FROM interval_udp_probes p JOIN addresses s "
			       "ON s.id = p.src_id WHERE " CRAFTED " AND s.text = '198.18.1.2'"),
			 16); /* 33433 and 33535, not 33434 and 33534 */
	/* the same ports each minute: a contact after the gap, the restart's silence, the gap */
	assert_int_equal(q_int(db,
			       "SELECT count(*) FROM interval_contacts p JOIN addresses s "
			       "ON s.id = p.src_id WHERE " CRAFTED " AND s.text = '198.18.1.5'"),
			 3);
	/* one SYN on two interfaces: one contact at its earlier first packet */
	assert_int_equal(q_int(db,
			       "SELECT count(*) FROM interval_contacts p JOIN addresses s "
			       "ON s.id = p.src_id WHERE " CRAFTED " AND p.protocol = 6 AND "
			       "s.text IN ('198.18.1.6', '198.19.0.8') AND p.first_ms = 59000 - 7"),
			 8);
	syn_cases(db);
	db_close(db);
}

/* Interval id's row, a minute from START + 60 * id, of n flows; the aggregates started. */
static void interval_begin(sqlite3 *db, struct anomaly_agg *ag, int64_t id, int64_t n)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us) "
		 "VALUES (%lld, %lld, %lld, %lld, 0, 0)",
		 (long long)id, (long long)(START + 60 * id), (long long)(START + 60 * id + 60),
		 (long long)n);
	assert_int_equal(db_exec(db, sql), 0);
	anomaly_agg_start(ag);
}

/* The aggregates of the flows added since interval_begin() written. */
static void interval_end(struct anomaly_agg *ag, int64_t id)
{
	assert_int_equal(anomaly_agg_write(ag, id, START + 60 * id), 0);
}

/*
 * One interval of n UDP flows, each from a new source to its own port of one
 * host (its intervals row first: the contacts' gaps read it).
 */
static void write_udp_burst(sqlite3 *db, struct anomaly_agg *ag, int64_t id, int64_t n)
{
	interval_begin(db, ag, id, n);
	for (int64_t i = 0; i < n; i++) {
		struct anomaly_agg_flow f = { .conversation_id = id * 10000000 + i,
					      .src_id = 2 + i,
					      .dst_id = 1,
					      .packets = 1,
					      .bytes = 60,
					      .src_port = 40000,
					      .dst_port = (uint16_t)(1 + i % 30000),
					      .direction = 0,
					      .protocol = 17 };

		anomaly_agg_known(ag, f.conversation_id);
		assert_int_equal(anomaly_agg_add(ag, &f), 0);
	}
	interval_end(ag, id);
}

/* A store file name in dir, its aggregates open on it, a transaction begun. */
static sqlite3 *burst_open(const char *name, struct store **st, struct anomaly_agg **ag)
{
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(store_open(st, path), 0);
	db = store_db(*st);
	assert_int_equal(anomaly_agg_open(ag, db), 0);
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	return db;
}

static void burst_close(sqlite3 *db, struct store *st, struct anomaly_agg *ag)
{
	assert_int_equal(db_exec(db, "COMMIT"), 0);
	anomaly_agg_close(ag);
	store_close(st);
}

/*
 * After an interval of 400,000 flows from new hosts the aggregates give
 * their tables back (they held ~170 MB until the next interval before);
 * after a small one they keep them for the next.
 */
static void test_large_tables_given_back(void **state)
{
	struct anomaly_agg *ag;
	struct store *st;
	sqlite3 *db = burst_open("burst.db", &st, &ag);

	write_udp_burst(db, ag, 1, 2000);
	print_message("# after 2,000 flows: %zu bytes held\n", anomaly_agg_bytes(ag));
	assert_true(anomaly_agg_bytes(ag) > 100000);
	write_udp_burst(db, ag, 2, 400000);
	print_message("# after 400,000 flows: %zu bytes held\n", anomaly_agg_bytes(ag));
	/* each table kept at most 16 MiB: convs, seen and cands fill 16 MiB exactly;
	 * and probe_seen's set of the burst's forgotten keys (2^21 slots: 16 MiB),
	 * kept for the hour after it */
	assert_true(anomaly_agg_bytes(ag) <= 112u << 20);
	assert_int_equal(
		q_int(db, "SELECT count(*) FROM interval_udp_probes WHERE interval_id = 2"),
		400000);
	write_udp_burst(db, ag, 3, 2000);
	assert_true(anomaly_agg_bytes(ag) > 100000);
	burst_close(db, st, ag);
}

/*
 * A burst of 600,000 new hosts (as many pairs, probes and contacts): the
 * most the aggregates hold at once stays under 224 bytes a flow (196 now).
 * The conversations' map given back after the pairs are counted instead of
 * before made it 252; every pair kept to the end of the write, 260.
 */
static void test_burst_peak(void **state)
{
	const int64_t n = 600000;
	struct anomaly_agg *ag;
	struct store *st;
	sqlite3 *db = burst_open("peak.db", &st, &ag);

	write_udp_burst(db, ag, 1, n);
	print_message("# %lld new hosts: at most %zu bytes held, %zu after\n", (long long)n,
		      anomaly_agg_peak_bytes(ag), anomaly_agg_bytes(ag));
	assert_true(anomaly_agg_peak_bytes(ag) <= 224 * (size_t)n);
	assert_true(anomaly_agg_bytes(ag) <= 48u << 20);
	assert_int_equal(
		q_int(db, "SELECT count(*) FROM interval_udp_probes WHERE interval_id = 1"), n);
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_contacts WHERE interval_id = 1"),
			 n);
	burst_close(db, st, ag);
}

/*
 * The first interval of an aggregator has no sorting half yet: its rows are
 * sorted in place. 1,500 probes each sent by two conversations (the same
 * addresses on two interfaces), in a scrambled order, source ids and ports
 * over two bytes: a row per probe is written only if the sort puts each
 * pair side by side (a second one breaks the table's key).
 */
static void test_sorted_in_place(void **state)
{
	const int64_t n = 3000;
	struct anomaly_agg *ag;
	struct store *st;
	sqlite3 *db = burst_open("inplace.db", &st, &ag);

	interval_begin(db, ag, 1, 3000);
	for (int64_t i = 0; i < n; i++) {
		int64_t p = (i * 1237) % 1500; /* 1237 is prime to 1500: each probe twice */
		struct anomaly_agg_flow f = { .conversation_id = i + 1,
					      .src_id = 2 + p * 251,
					      .dst_id = 1,
					      .packets = 1,
					      .bytes = 60,
					      .src_port = 40000,
					      .dst_port = (uint16_t)(1 + p * 13),
					      .protocol = 17 };

		anomaly_agg_known(ag, f.conversation_id);
		assert_int_equal(anomaly_agg_add(ag, &f), 0);
	}
	interval_end(ag, 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_udp_probes"), 1500);
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_dst WHERE sources = 1500"), 1);
	burst_close(db, st, ag);
}

/*
 * Address ids past 2^32 (seen's keys two words then, not packed in one):
 * sources 1 and 2^32 + 1 to host 5 are two, and 2^32 + 1's flow is
 * answered (no probe, and the contact is its own, not its answer's).
 */
static void test_wide_ids(void **state)
{
	const int64_t wide = (1ll << 32) + 1;
	const struct anomaly_agg_flow flows[] = {
		{ .conversation_id = 1,
		  .src_id = 1,
		  .dst_id = 5,
		  .src_port = 1000,
		  .dst_port = 53,
		  .first_ms = 5 },
		{ .conversation_id = 2,
		  .src_id = wide,
		  .dst_id = 5,
		  .src_port = 1000,
		  .dst_port = 53,
		  .first_ms = 10 },
		{ .conversation_id = 3,
		  .src_id = 5,
		  .dst_id = wide,
		  .src_port = 53,
		  .dst_port = 1000,
		  .first_ms = 20 },
	};
	struct anomaly_agg *ag;
	struct store *st;
	sqlite3 *db = burst_open("wide.db", &st, &ag);

	interval_begin(db, ag, 1, 3);
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct anomaly_agg_flow f = flows[i];

		f.packets = 1;
		f.bytes = 60;
		f.protocol = 17;
		f.direction = 1;
		anomaly_agg_known(ag, f.conversation_id);
		assert_int_equal(anomaly_agg_add(ag, &f), 0);
	}
	interval_end(ag, 1);
	text_equal(db, "SELECT group_concat(dst_id || ':' || sources, ' ') FROM interval_dst",
		   "5:2 4294967297:1");
	text_equal(db, "SELECT group_concat(src_id || ':' || peers, ' ') FROM interval_out",
		   "1:1 5:1 4294967297:1");
	text_equal(db, "SELECT group_concat(src_id || '>' || dst_id, ' ') FROM interval_udp_probes",
		   "1>5");
	text_equal(db, "SELECT group_concat(src_id || '>' || dst_id, ' ') FROM interval_contacts",
		   "1>5 4294967297>5");
	burst_close(db, st, ag);
}

/* The last flow added: its first packet at ms after ts_start (the interval ends a minute on). */
static void first_at(struct craft *c, int64_t ms)
{
	c->flows[c->snap.n_flows - 1].c.first_seen_ns =
		c->snap.mono_ns - 60000000000ull + (uint64_t)(ms * 1000000);
}

/*
 * One interval of beacons from ts: a TCP SYN to 198.19.2.1:443 from a new
 * port each time; three UDP contacts to 198.19.2.2:9999 (two at the same
 * ms); one to 198.19.2.3:7777 whose first packet came before the interval
 * (not in place) when n is odd.
 */
static void write_beacons(struct store *st, unsigned int n, int64_t ts)
{
	struct craft *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->snap.flows = c->flows;
	c->snap.totals = c->totals;
	c->snap.wall.tv_sec = ts + 60;
	c->snap.mono_ns = 9000ull * 1000000000ull + n * 60ull * 1000000000ull;
	add_flow(c, 1, "198.18.2.1", (__u16)(41000 + n), "198.19.2.1", 443, 6, 120);
	c->flows[c->snap.n_flows - 1].c.syn = 1;
	first_at(c, 1000 * (n % 7));
	for (int k = 0; k < 3; k++) {
		add_flow(c, 1, "198.18.2.2", (__u16)(50000 + 3 * n + k), "198.19.2.2", 9999, 17,
			 80);
		first_at(c, k < 2 ? 100 : 30000 + 10 * n);
	}
	add_flow(c, 1, "198.18.2.3", (__u16)(52000 + n), "198.19.2.3", 7777, 17, 80);
	first_at(c, n % 2 ? -2000 : 20000);
	assert_int_equal(store_write_interval(st, &c->snap, ts, ts + 60), 0);
	free(c);
}

/*
 * gap_ms and gap5_ms (sql/0021_contact_gaps.sql) as the recorder writes
 * them, row for row the migration's: ten contiguous minutes, one 40 minutes
 * later (a gap under the hour), a restart of the store (the rings read back
 * from the table), two minutes, one two hours later (gaps over the hour:
 * NULL), then a minute a day before the first (an older capture imported:
 * a stretch of its own, no gap to the later ones) and the minute after it.
 */
static void test_contact_gaps_equal_migration(void **state)
{
	static const int64_t at[] = { 0,   60,	120,  180,  240,  300,	 360,	 420,
				      480, 540, 3000, 3060, 3120, 10320, -86400, -86340 };
	const int64_t t0 = START + 7200;
	char path[256];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/gaps.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	for (unsigned int n = 0; n < sizeof(at) / sizeof(at[0]); n++) {
		if (n == 11) { /* a restart */
			store_close(st);
			assert_int_equal(store_open(&st, path), 0);
		}
		write_beacons(st, n, t0 + at[n]);
	}
	store_close(st);

	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	migration_groupings(db);
	assert_true(same_rows(db, "interval_contacts", "ref_contacts") >= 5 * 16);
	/* the cases are there: gaps of the first port's SYNs (NULL: the first,
	 * two hours on, the older stretch), fifth contacts back, ties */
	text_equal(db,
		   "SELECT group_concat(coalesce(gap_ms, 'n'), ' ') FROM (SELECT gap_ms FROM "
		   "interval_contacts WHERE dst_port = 443 ORDER BY interval_id)",
		   "n 61000 61000 61000 61000 61000 61000 54000 61000 61000 2461000 61000 61000 n "
		   "n 61000");
	assert_true(q_int(db, "SELECT count(*) FROM interval_contacts WHERE dst_port = 9999 AND "
			      "gap5_ms IS NOT NULL") > 20);
	assert_true(q_int(db, "SELECT count(*) FROM interval_contacts WHERE dst_port = 9999 AND "
			      "gap_ms = 0") >= 14);
	/* not in place: no gap, and nobody's contact before */
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_contacts WHERE dst_port = 7777 "
				   "AND first_ms < 0 AND gap_ms IS NULL"),
			 8);
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_contacts WHERE dst_port = 7777 "
				   "AND gap_ms = 120000"),
			 5);
	/* contact_runs as the migration's: the runs of the contiguous minutes,
	 * their earlier intervals' rows added later, not-in-place contacts marked */
	runs_fill(db);
	assert_true(same_rows(db, "contact_runs", "ref_runs") > 20);
	assert_int_equal(q_int(db, "SELECT count(*) FROM contact_runs WHERE dst_port = 7777 "
				   "AND unknown"),
			 8);
	assert_int_equal(q_int(db, "SELECT count(*) FROM contact_runs WHERE unknown"), 8);
	text_equal(db,
		   "SELECT group_concat(n, ' ') FROM (SELECT count(*) AS n FROM contact_runs r "
		   "JOIN intervals i ON i.id = r.interval_id WHERE r.dst_port = 443 AND "
		   "NOT r.unknown GROUP BY i.id ORDER BY i.id)",
		   "1 1 1 1 1 1 1 1 1 1 1 1 1");
	db_close(db);
}

/*
 * Minutes of UDP contacts to one DNS server, one database: minute n at
 * t0 + at[n], from flows[n] sources, the addresses 10.0.0.0 + base[n] on,
 * a source port of its own each minute.
 */
static void write_udp_minutes(const char *path, int64_t t0, const int64_t *at,
			      const unsigned int *flows, const unsigned int *base, unsigned int n)
{
	struct craft *c = calloc(1, sizeof(*c));
	struct snapshot snap = { 0 };
	unsigned int most = 0;
	struct store *st;

	for (unsigned int i = 0; i < n; i++)
		most = flows[i] > most ? flows[i] : most;
	assert_non_null(c);
	snap.flows = calloc(most, sizeof(*snap.flows));
	assert_non_null(snap.flows);
	assert_int_equal(store_open(&st, path), 0);
	for (unsigned int i = 0; i < n; i++) {
		c->snap.mono_ns = 7000ull * 1000000000ull + i * 60ull * 1000000000ull;
		snap.mono_ns = c->snap.mono_ns;
		snap.wall.tv_sec = t0 + at[i] + 60;
		snap.n_flows = 0;
		for (unsigned int k = 0; k < flows[i]; k++) {
			unsigned int a = (10u << 24) + base[i] + k;
			char src[32];

			c->snap.n_flows = 0;
			snprintf(src, sizeof(src), "%u.%u.%u.%u", a >> 24, a >> 16 & 255,
				 a >> 8 & 255, a & 255);
			add_flow(c, 1, src, (__u16)(20000 + i), "198.19.3.1", 53, 17, 70);
			first_at(c, 500 * (i + 1));
			snap.flows[snap.n_flows++] = c->flows[0];
		}
		assert_int_equal(store_write_interval(st, &snap, t0 + at[i], t0 + at[i] + 60), 0);
	}
	store_close(st);
	free(snap.flows);
	free(c);
}

/*
 * Per interval "contacts:-1 gaps:gaps as the migration's" and the intervals
 * contact_runs marks unknown (interval:least source), as expected; the
 * contact_runs rows not marked as the migration's; sql's text if not NULL.
 */
static void check_forgotten(const char *path, const char *per_interval, const char *marks,
			    const char *sql_more, const char *more)
{
	sqlite3_str *sql;
	sqlite3 *db;
	char *text;

	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	assert_int_equal(db_exec(db,
				 "CREATE TEMP TABLE ref_contacts AS SELECT * FROM "
				 "interval_contacts; UPDATE temp.ref_contacts SET gap_ms = NULL, "
				 "gap5_ms = NULL"),
			 0);
	sql = sqlite3_str_new(db);
	gaps_fill(sql, "temp.ref_contacts");
	text = sqlite3_str_finish(sql);
	assert_int_equal(db_exec(db, text), 0);
	sqlite3_free(text);
	text_equal(db,
		   "SELECT group_concat(n || ':' || unknown || ':' || same, ' ') FROM (SELECT "
		   "count(*) AS n, count(*) FILTER (WHERE c.gap_ms = -1) AS unknown, count(*) "
		   "FILTER (WHERE c.gap_ms IS r.gap_ms AND c.gap5_ms IS r.gap5_ms) AS same FROM "
		   "interval_contacts c JOIN temp.ref_contacts r USING (interval_id, src_id, "
		   "dst_id, protocol, dst_port, src_port) GROUP BY c.interval_id ORDER BY "
		   "c.interval_id)",
		   per_interval);
	runs_fill(db);
	assert_int_equal(q_int(db, "SELECT count(*) FROM contact_runs c WHERE NOT unknown AND "
				   "NOT EXISTS (SELECT 1 FROM ref_runs r WHERE r.interval_id = "
				   "c.interval_id AND r.src_id = c.src_id AND r.dst_id = c.dst_id "
				   "AND r.protocol = c.protocol AND r.dst_port = c.dst_port)"),
			 0);
	text_equal(db,
		   "SELECT group_concat(interval_id || ':' || s.text, ' ') FROM contact_runs r "
		   "JOIN addresses s ON s.id = r.src_id WHERE unknown",
		   marks);
	if (sql_more)
		text_equal(db, sql_more, more);
	db_close(db);
}

/*
 * More series in an hour than the recorder keeps (GAP_MAX_SERIES, 262,144):
 * a minute of 270,000 UDP contacts from as many sources to one port. Its own
 * gaps still come from what the recorder held (exact, as the migration's:
 * the burst is judged); then it forgets every series, keeping only which
 * they were, and writes -1 ("not known") for the contacts of the hour after
 * of those series (a source of the burst calling again a minute later),
 * never a number the migration would not give; a source new after the burst
 * has its gaps (none before: NULL), so its minute is not marked; an hour
 * after the burst, NULL and numbers again, as the migration's.
 */
static void test_contact_gaps_forgotten(void **state)
{
	static const int64_t at[] = { 0, 60, 120, 180, 3780, 3840 };
	static const unsigned int flows[] = { 2, 270000, 2, 2, 2, 2 };
	static const unsigned int base[] = { 0, 0, 0, 300000, 0, 0 };
	char path[256];

	snprintf(path, sizeof(path), "%s/forgotten.db", dir);
	write_udp_minutes(path, START + 7200, at, flows, base, 6);
	check_forgotten(path, "2:0:2 270000:0:270000 2:2:0 2:0:2 2:0:2 2:0:2", "3:10.0.0.0", NULL,
			NULL);
}

/*
 * A minute of series that fits the rings alone but not beside those they
 * hold (200,000 series, then 100,000 new ones): that minute's gaps from the
 * rings (exact), then the rings forgotten and given that minute's contacts.
 * A minute later, a source of that minute calling again has its gaps (60.5
 * s; to its fifth contact before none, NULL: it was not among the series
 * forgotten), and a source of the minute before it only is -1.
 */
static void test_contact_gaps_kept_after_forgetting(void **state)
{
	static const int64_t at[] = { 0, 60, 120 };
	static const unsigned int flows[] = { 200000, 100000, 2 }, base[] = { 0, 200000, 199999 };
	char path[256];

	snprintf(path, sizeof(path), "%s/kept.db", dir);
	write_udp_minutes(path, START + 14400, at, flows, base, 3);
	check_forgotten(path, "200000:0:200000 100000:0:100000 2:1:1", "3:10.3.13.63",
			"SELECT group_concat(a.text || '=' || c.gap_ms || '/' || "
			"coalesce(c.gap5_ms, 'NULL'), "
			"' ') FROM "
			"interval_contacts c JOIN addresses a ON a.id = c.src_id WHERE "
			"c.interval_id = 3 ORDER BY a.text",
			"10.3.13.63=-1/-1 10.3.13.64=60500/NULL");
}

/*
 * One interval [ts, ts + len) of probes (its intervals row first): from
 * sources 2-4 to hosts 10-15 on ports 1-5, a mix that repeats keys and
 * hosts at every age (seed picks it), or, when burst, from as many new
 * sources as burst, each to its own port of host 1.
 */
static void write_probe_interval(sqlite3 *db, struct anomaly_agg *ag, int64_t id, int64_t ts,
				 int64_t len, unsigned int seed, unsigned int burst)
{
	unsigned int n = burst ? burst : 20;
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us) "
		 "VALUES (%lld, %lld, %lld, %u, 0, 0)",
		 (long long)id, (long long)ts, (long long)(ts + len), n);
	assert_int_equal(db_exec(db, sql), 0);
	anomaly_agg_start(ag);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int r = (seed * 2654435761u) ^ (i * 40503u);

		r = (r ^ r >> 13) * 0x5bd1e995u;
		r ^= r >> 15;
		struct anomaly_agg_flow f = { .conversation_id = id * 10000000 + i,
					      .src_id = burst ? 100 + i : 2 + r % 3,
					      .dst_id = burst ? 1 : 10 + (r >> 3) % 6,
					      .packets = 1,
					      .bytes = 60,
					      .src_port = (uint16_t)(40000 + i),
					      .dst_port = (uint16_t)(burst ? 1 + i % 30000
									   : 1 + (r >> 6) % 5),
					      .protocol = 17 };

		anomaly_agg_known(ag, f.conversation_id);
		assert_int_equal(anomaly_agg_add(ag, &f), 0);
	}
	assert_int_equal(anomaly_agg_write(ag, id, ts), 0);
}

/*
 * prev_ts and host_prev_ts as the recorder writes them, row for row
 * sql/0023_probe_prev.sql's: minutes with a gap, seconds, a restart (the
 * keys read back from the table), one 50 minutes on and one two hours on
 * (over the hour: NULL), then an older capture imported (a stretch of its
 * own) and a restart inside it; then a burst of more keys than the recorder
 * keeps: its own values as the migration's (looked up, not kept), the
 * minute after it marked in probe_prev_unknown (its values never other than
 * the migration's but for NULLs), and over an hour later as the migration's
 * again.
 */
static void test_probe_prev_equal_migration(void **state)
{
	static const int64_t at[][2] = {
		{ 0, 60 },	{ 60, 60 },	{ 120, 60 },	 { 300, 60 },	 { 360, 1 },
		{ 361, 1 },	{ 362, 1 },	{ 365, 1 },	 { 366, 60 },	 { 426, 60 },
		{ 3400, 60 },	{ 10600, 60 },	{ 10660, 60 },	 { -86400, 60 }, { -86340, 60 },
		{ -86280, 60 }, { -86220, 60 }, { -86100, 600 }, { -85500, 60 }, { -85440, 60 },
		{ -81600, 60 }, { -81540, 60 },
	};
	const size_t n = sizeof(at) / sizeof(at[0]);
	const int64_t t0 = START + 7200;
	struct anomaly_agg *ag;
	char path[256];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/prev.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	db = store_db(st);
	assert_int_equal(anomaly_agg_open(&ag, db), 0);
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 15) { /* a restart */
			anomaly_agg_close(ag);
			assert_int_equal(anomaly_agg_open(&ag, db), 0);
		}
		write_probe_interval(db, ag, (int64_t)i + 1, t0 + at[i][0], at[i][1],
				     (unsigned int)i, i == 18 ? 140000 : 0);
	}
	anomaly_agg_close(ag);
	assert_int_equal(db_exec(db, "CREATE TEMP TABLE ref AS SELECT * FROM "
				     "interval_udp_probes"),
			 0);
	probe_prev_fill(db, "temp.ref");
	/* before the burst: as the migration's */
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_udp_probes p JOIN temp.ref r "
				   "USING (interval_id, src_id, dst_id, dst_port) WHERE "
				   "p.interval_id < 19 AND (p.prev_ts IS NOT r.prev_ts OR "
				   "p.host_prev_ts IS NOT r.host_prev_ts)"),
			 0);
	assert_int_equal(
		q_int(db, "SELECT count(*) FROM interval_udp_probes WHERE interval_id < 19"),
		q_int(db, "SELECT count(*) FROM temp.ref WHERE interval_id < 19"));
	assert_true(q_int(db, "SELECT count(*) FROM interval_udp_probes WHERE interval_id < 19 AND "
			      "prev_ts IS NOT NULL") > 20);
	/* the cases are there: hosts again in their interval (0), a second,
	 * 50 minutes, after the restarts; none two hours on, nor in the older
	 * capture's first minute */
	text_equal(db,
		   "SELECT group_concat(v, ' ') FROM (SELECT p.interval_id || ':' || "
		   "count(p.prev_ts) || ':' || coalesce(min(i.ts_start - p.host_prev_ts), 'n') "
		   "|| '-' || coalesce(max(i.ts_start - p.host_prev_ts), 'n') AS v FROM "
		   "interval_udp_probes p JOIN "
		   "intervals i ON i.id = p.interval_id WHERE p.interval_id IN (6, 9, 11, 12, "
		   "14, 16) GROUP BY p.interval_id ORDER BY p.interval_id)",
		   "6:9:0-61 9:15:0-5 11:16:0-3035 12:0:0-0 14:0:0-0 16:8:0-120");
	/* the minute after the burst did not know some: NULL where the migration has one */
	assert_true(q_int(db,
			  "SELECT count(*) FROM interval_udp_probes p JOIN temp.ref r USING "
			  "(interval_id, src_id, dst_id, dst_port) WHERE p.interval_id = 20 AND "
			  "p.prev_ts IS NULL AND r.prev_ts IS NOT NULL") > 0);
	text_equal(db, "SELECT group_concat(interval_id) FROM probe_prev_unknown", "20");
	assert_int_equal(
		q_int(db, "SELECT count(*) FROM interval_udp_probes p JOIN temp.ref r "
			  "USING (interval_id, src_id, dst_id, dst_port) WHERE "
			  "(p.prev_ts IS NOT r.prev_ts AND p.prev_ts IS NOT NULL) OR "
			  "(p.host_prev_ts IS NOT r.host_prev_ts AND p.host_prev_ts IS NOT NULL) "
			  "OR (p.interval_id IN (19, 21, 22) AND (p.prev_ts IS NOT r.prev_ts OR "
			  "p.host_prev_ts IS NOT r.host_prev_ts))"),
		0);
	store_close(st);
}

static int setup(void **state)
{
	log_init("test_anomaly_agg", LOGLVL_ERR);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregates_equal_migration),
		cmocka_unit_test(test_large_tables_given_back),
		cmocka_unit_test(test_burst_peak),
		cmocka_unit_test(test_wide_ids),
		cmocka_unit_test(test_sorted_in_place),
		cmocka_unit_test(test_contact_gaps_equal_migration),
		cmocka_unit_test(test_contact_gaps_forgotten),
		cmocka_unit_test(test_contact_gaps_kept_after_forgetting),
		cmocka_unit_test(test_probe_prev_equal_migration),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
