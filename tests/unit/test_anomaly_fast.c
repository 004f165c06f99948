// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_anomaly_fast.c - the anomaly rules made faster find exactly what
 * their raw-row formulations found, and a rule the recorder could not judge
 * leaves a stored note saying so.
 *
 * Every rule rewritten for speed keeps its former text in
 * tests/unit/anomaly_reference/NAME.sql (read from the source tree: the
 * tests run from the repository's top): beaconing, exfiltration, fan_in,
 * port_scan, syn_flood and udp_scan (fan_in and exfiltration now read the
 * recorder's per-interval aggregates, sql/0018_anomaly_aggregates.sql,
 * syn_flood sql/0020_interval_syn.sql's; their references the raw flow
 * rows); the other rules are the raw-row formulations
 * themselves. Both run over the same generated history
 * (tests/support/history.c, through the real store, with some TCP flows
 * turned into probes) under several sets of thresholds, and their rows must
 * be equal, column for column, with each reference finding hits.
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
#include "anomaly_rules.h"
#include "db.h"
#include "embed.h"
#include "history.h"
#include "log.h"
#include "report_anomalies.h"
#include "report_cli.h"
#include "report_query.h"
#include "sqlfile.h"
#include "store/anomaly_eval.h"
#include "store/store.h"
#include "temp_db.h"

#define START 1738195200 /* 2025-01-30 00:00 UTC */
#define INTERVALS 75
#define REFERENCE_DIR "tests/unit/anomaly_reference"
#define CONTACTS_MIGRATION "sql/0019_interval_contacts.sql"
#define SYN_MIGRATION "sql/0020_interval_syn.sql"
#define GAPS_MIGRATION "sql/0021_contact_gaps.sql"
#define RUNS_MIGRATION "sql/0022_contact_runs.sql"
#define RULES 6 /* with a reference */

static char dir[] = "/tmp/netmon-test-anomaly-fast-XXXXXX";

/*
 * Threshold sets: loose ones, so that the random history has hits of every
 * rule, and ones at the edges of the rewritten rules' shortcuts (the fewest
 * beacon contacts, a window shorter than the gaps, one-interval windows, a
 * beacon window that starts inside an interval).
 */
static const char *const sets[][13] = {
	{ "fan_in_sources=8", "fan_in_factor=1.5", "beacon_contacts=3", "beacon_jitter=5",
	  "exfil_min_bytes=100000", "exfil_factor=1.5", "fan_in_baseline=900", "exfil_baseline=900",
	  "beacon_window=900", "port_scan_ports=2", "port_scan_hosts=3", "udp_scan_hosts=3",
	  "syn_flood_rate=0.001" },
	{ "beacon_contacts=4", "beacon_jitter=100", "beacon_window=600", "beacon_min_period=0",
	  "port_scan_window=60", "port_scan_ports=1", "udp_scan_ports=1", "udp_scan_hosts=2",
	  "fan_in_sources=1", "fan_in_factor=0", "exfil_min_bytes=1", "exfil_factor=0",
	  "syn_flood_rate=1" },
	{ "beacon_contacts=3", "beacon_jitter=100", "beacon_window=61", "beacon_min_period=0",
	  "port_scan_window=1", "port_scan_hosts=1", "udp_scan_ports=2", "fan_in_baseline=60",
	  "exfil_baseline=60", "fan_in_factor=2", "exfil_factor=2", "exfil_min_bytes=1000",
	  "syn_flood_rate=0.5" },
	{ "beacon_contacts=3", "beacon_jitter=100", "beacon_window=150", "beacon_min_period=0" },
};

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sqlite3_errmsg(db), sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *read_text(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *text = calloc(1, 1 << 16);

	if (!fp)
		return free(text), NULL;
	assert_non_null(text);
	*len = fread(text, 1, (1 << 16) - 1, fp);
	fclose(fp);
	return text;
}

/* Run one rule's text over the window win (since, until) into temp table `into`. */
static void run_into(sqlite3 *db, const char *into, const char *name, const char *text, size_t len,
		     const struct anomaly_settings *s, const int64_t *win)
{
	sqlite3_stmt *st, *ins;
	char sql[128];
	int rc;

	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (?, ?, ?, ?, ?, ?)", into);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ins, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, text, (int)len, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", name, sqlite3_errmsg(db));
	assert_int_equal(anomaly_bind(st, name, s, win[0], win[1]), 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < 6; c++)
			sqlite3_bind_value(ins, c + 1, sqlite3_column_value(st, c));
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
}

/*
 * contact_runs made again from the contacts and their gaps as they are now
 * (sql/0022_contact_runs.sql from its INSERT on): a test that edits them
 * edits what the recorder would have written with them.
 */
static void runs_again(sqlite3 *db)
{
	size_t len;
	char *text = read_text(RUNS_MIGRATION, &len), *at;

	assert_non_null(text);
	assert_non_null(at = strstr(text, "\nINSERT INTO contact_runs "));
	assert_int_equal(db_exec(db, "DELETE FROM contact_runs"), 0);
	assert_int_equal(db_exec(db, at), 0);
	free(text);
}

/*
 * An aggregate table made again from the flows as they are now, by its
 * migration's own grouping (its text from the INSERT on): make_history()
 * edits flow rows after the store wrote them and their aggregates (and the
 * contacts' gaps, sql/0021_contact_gaps.sql, and runs, 0022).
 */
static void aggregate_again(sqlite3 *db, const char *migration, const char *table)
{
	size_t len;
	char *text = read_text(migration, &len), *at, sql[128];

	assert_non_null(text);
	snprintf(sql, sizeof(sql), "\nINSERT INTO %s ", table);
	at = strstr(text, sql);
	assert_non_null(at);
	snprintf(sql, sizeof(sql), "DELETE FROM %s", table);
	assert_int_equal(db_exec(db, sql), 0);
	assert_int_equal(db_exec(db, at), 0);
	free(text);
	if (strcmp(table, "interval_contacts"))
		return;
	/* and their gaps (sql/0021_contact_gaps.sql from the WITH on) */
	text = read_text(GAPS_MIGRATION, &len);
	assert_non_null(text);
	assert_non_null(at = strstr(text, "\nWITH iv AS"));
	assert_int_equal(db_exec(db, at), 0);
	free(text);
	runs_again(db);
}

/* The generated minutes, minute `first` first (the ones before it: an older capture imported
 * after). */
static void write_history(struct store *st, unsigned int first)
{
	struct history_opts h = {
		.interval = 60, .n_intervals = 1, .flows = 300, .clients = 40, .with_procs = 1
	};

	for (unsigned int n = 0; n < INTERVALS; n++) {
		h.start = START + 60 * (int64_t)((n + first) % INTERVALS);
		h.seed = (n + first) % INTERVALS + 1;
		assert_int_equal(history_write(st, &h), 0);
	}
}

/*
 * A history with scans in it: every 7th TCP flow a SYN without an ACK (and
 * so a contact of beaconing's).
 */
static void make_history(const char *path)
{
	struct store *st;

	assert_int_equal(store_open(&st, path), 0);
	write_history(st, 0);
	assert_int_equal(
		db_exec(store_db(st),
			"UPDATE flows SET tcp_flags = 2, syn = 1 WHERE id % 7 = 0 AND "
			"conversation_id IN (SELECT id FROM conversations WHERE protocol = 6)"),
		0);
	aggregate_again(store_db(st), CONTACTS_MIGRATION, "interval_contacts");
	aggregate_again(store_db(st), SYN_MIGRATION, "interval_syn");
	store_close(st);
}

/* One UDP flow of the crafted interval: 198.18.9.<s>:sport > 198.19.<d/250>.<d%250>:dport. */
static void udp_flow(struct snapshot *snap, uint64_t mono_start, int s, __u16 sport, int d,
		     __u16 dport)
{
	struct flow_record *r = &snap->flows[snap->n_flows];

	memset(r, 0, sizeof(*r));
	r->key.ifindex = 1; /* lo, as tests/support/history.c */
	r->key.family = NETMON_FAMILY_V4;
	r->key.protocol = 17;
	r->key.direction = s < 200; /* the 198.18.9.x below 200 are this host's */
	r->key.src[0] = 198, r->key.src[1] = 18, r->key.src[2] = 9, r->key.src[3] = (__u8)s;
	r->key.dst[0] = 198, r->key.dst[1] = 19, r->key.dst[2] = (__u8)(d / 250);
	r->key.dst[3] = (__u8)(d % 250);
	if (d < 0) /* to itself */
		memcpy(r->key.dst, r->key.src, 4);
	r->key.src_port = sport;
	r->key.dst_port = dport;
	r->c.packets = 1;
	r->c.bytes = 60;
	r->c.first_seen_ns = r->c.last_seen_ns = mono_start + snap->n_flows * 1000000ull;
	snap->n_flows++;
}

/* The answer to the flow just added: its addresses and ports reversed. */
static void udp_answer(struct snapshot *snap)
{
	struct flow_record *q = &snap->flows[snap->n_flows - 1], *r = q + 1;

	*r = *q;
	memcpy(r->key.src, q->key.dst, 4);
	memcpy(r->key.dst, q->key.src, 4);
	r->key.src_port = q->key.dst_port;
	r->key.dst_port = q->key.src_port;
	r->key.direction = !q->key.direction;
	snap->n_flows++;
}

/*
 * A history of UDP exchanges, answered and not (tests/support/history.c's
 * flows are never answered): scanners 198.18.9.1-3 probing ports of one
 * host and one port of many, a third of the probes answered (no probes
 * then), some twice from two source ports (one probe), some answered from
 * another port (still probes); DNS queries all answered; traceroute's ports;
 * a host sending to itself. What the interval holds varies with it.
 */
static void write_udp_history(struct store *st)
{
	struct snapshot snap = { 0 };
	uint32_t rnd = 7;

	snap.flows = calloc(512, sizeof(*snap.flows));
	assert_non_null(snap.flows);
	for (unsigned int n = 0; n < INTERVALS; n++) {
		int64_t ts = START + 60 * (int64_t)n;
		uint64_t mono_start = 1000ull * 1000000000ull + n * 60ull * 1000000000ull;

		snap.n_flows = 0;
		snap.wall.tv_sec = ts + 60;
		snap.mono_ns = mono_start + 60ull * 1000000000ull;
		for (int k = 0; k < 60; k++) {
			int s = 1 + (int)((rnd = rnd * 1103515245u + 12345u) >> 16) % 3;
			int d = (int)(rnd >> 8) % 4 ? 1 : 1 + k; /* mostly one host */
			__u16 dport = (__u16)(d == 1 ? 1000 + (rnd >> 4) % 40 : 161);

			udp_flow(&snap, mono_start, s, (__u16)(40000 + k), d, dport);
			if ((rnd >> 12) % 3 == 0)
				udp_answer(&snap);
			else if ((rnd >> 12) % 3 == 1 && k % 4 == 0) /* again, another port */
				udp_flow(&snap, mono_start, s, (__u16)(50000 + k), d, dport);
			else if (k % 5 == 0) { /* answered from another port */
				udp_answer(&snap);
				snap.flows[snap.n_flows - 1].key.src_port++;
			}
		}
		for (int k = 0; k < 20; k++) { /* DNS, answered */
			udp_flow(&snap, mono_start, 100 + k, (__u16)(30000 + n), 2, 53);
			udp_answer(&snap);
		}
		for (int k = 0; k < 8; k++) /* traceroute */
			udp_flow(&snap, mono_start, 4, 33000, 3, (__u16)(33430 + k));
		for (int k = 0; k < 4; k++) /* to itself, on as many ports as a scan */
			udp_flow(&snap, mono_start, 5, 7000, -1, (__u16)(7000 + (n + k) % 20));
		assert_int_equal(store_write_interval(st, &snap, ts, ts + 60), 0);
	}
	free(snap.flows);
}

/* The tables compare_window() fills: a rule's rows, its reference's, the kinds found. */
static void result_tables(sqlite3 *db)
{
	assert_int_equal(
		db_exec(db,
			"CREATE TEMP TABLE new (ts, kind, subject, value, threshold, "
			"detail); CREATE TEMP TABLE old (ts, kind, subject, value, "
			"threshold, detail); CREATE TEMP TABLE found (ts, kind, subject, value, "
			"threshold, detail)"),
		0);
}

/* A rule's text and its reference's (ref, len) over one window into new and old: equal. */
static void compare_texts(sqlite3 *db, const struct embedded_file *f, const char *ref, size_t len,
			  const struct anomaly_settings *s, int set, const int64_t *win)
{
	assert_int_equal(db_exec(db, "DELETE FROM new; DELETE FROM old"), 0);
	run_into(db, "new", f->name, f->text, f->len, s, win);
	run_into(db, "old", f->name, ref, len, s, win);
	print_message("# set %d, window from %lld, %s: %lld hits, reference %lld\n", set,
		      (long long)win[0], f->name, q_int(db, "SELECT count(*) FROM new"),
		      q_int(db, "SELECT count(*) FROM old"));
	/* Equal as lists: same rows, same number of each (and same types). */
	assert_int_equal(q_int(db, "SELECT count(*) FROM (SELECT * FROM new EXCEPT "
				   "SELECT * FROM old)"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM (SELECT * FROM old EXCEPT "
				   "SELECT * FROM new)"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM new"),
			 q_int(db, "SELECT count(*) FROM old"));
}

/* Compare each rule with a reference against it over one window. */
static int compare_window(sqlite3 *db, const struct anomaly_settings *s, int set,
			  const int64_t *win)
{
	int compared = 0;

	for (const struct embedded_file *f = netmon_anomaly_rules; f->name; f++) {
		char path[256];
		size_t len;
		char *ref;

		snprintf(path, sizeof(path), "%s/%s", REFERENCE_DIR, f->name);
		ref = read_text(path, &len);
		if (!ref)
			continue; /* not rewritten: nothing to compare with */
		compare_texts(db, f, ref, len, s, set, win);
		free(ref);
		assert_int_equal(db_exec(db, "INSERT INTO found SELECT * FROM old"), 0);
		compared++;
	}
	return compared;
}

/*
 * Compare each rule with a reference against it under one threshold set,
 * over the whole history and over a few intervals late in it (as the
 * recorder judges: looking back into intervals outside the window).
 */
static int compare_set(sqlite3 *db, const struct anomaly_settings *s, int set)
{
	static const int64_t wins[][2] = { { START, START + 60 * INTERVALS },
					   { START + 60 * 50, START + 60 * 53 } };
	int compared = 0;

	for (size_t w = 0; w < sizeof(wins) / sizeof(wins[0]); w++)
		compared += compare_window(db, s, set, wins[w]);
	return compared;
}

static void test_rules_equal_reference(void **state)
{
	char path[128];
	sqlite3 *db;
	int compared = 0;

	snprintf(path, sizeof(path), "%s/ref.db", dir);
	make_history(path);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	result_tables(db);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct anomaly_settings s;

		anomaly_settings_init(&s);
		for (size_t k = 0; k < sizeof(sets[i]) / sizeof(sets[i][0]) && sets[i][k]; k++)
			assert_int_equal(anomaly_settings_parse(&s, sets[i][k]), 0);
		compared += compare_set(db, &s, (int)i);
	}
	/* Every rewritten rule was compared, and found something to compare. */
	assert_int_equal(compared, 2 * RULES * (int)(sizeof(sets) / sizeof(sets[0])));
	assert_int_equal(q_int(db, "SELECT count(DISTINCT kind) FROM found"), RULES);
	db_close(db);
}

/*
 * Retention deletes the flow rows of old intervals and, with them, their
 * aggregates: the rules still equal their raw-row references over a history
 * whose first half has no flows left (a baseline made of aggregates
 * retention forgot would differ), and no aggregate row outlives its flows.
 */
static void test_retention_takes_aggregates(void **state)
{
	const struct sql_param cut[] = { { ":cutoff", START + 60 * INTERVALS / 2, 0 },
					 { ":batch", INTERVALS, 0 } };
	char path[128];
	struct anomaly_settings s;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/retention.db", dir);
	make_history(path);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	assert_int_equal(sqlfile_run(db, "retention_flows.sql", cut, 2), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM intervals WHERE last_flow_id < "
				   "first_flow_id"),
			 INTERVALS / 2 + 1);
	assert_int_equal(q_int(db,
			       "SELECT (SELECT count(*) FROM interval_dst d JOIN intervals i "
			       "ON i.id = d.interval_id WHERE i.last_flow_id < i.first_flow_id) "
			       "+ (SELECT count(*) FROM interval_out o JOIN intervals i ON i.id = "
			       "o.interval_id WHERE i.last_flow_id < i.first_flow_id) "
			       "+ (SELECT count(*) FROM interval_syn o JOIN intervals i ON i.id = "
			       "o.interval_id WHERE i.last_flow_id < i.first_flow_id) "
			       "+ (SELECT count(*) FROM contact_runs o JOIN intervals i ON i.id = "
			       "o.interval_id WHERE i.last_flow_id < i.first_flow_id)"),
			 0);
	assert_true(q_int(db, "SELECT count(*) FROM interval_dst") > 0);
	result_tables(db);
	anomaly_settings_init(&s);
	for (size_t k = 0; k < sizeof(sets[0]) / sizeof(sets[0][0]) && sets[0][k]; k++)
		assert_int_equal(anomaly_settings_parse(&s, sets[0][k]), 0);
	assert_int_equal(compare_set(db, &s, 0), 2 * RULES);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind IN ('fan_in', "
			      "'exfiltration')") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'syn_flood'") > 0);
	db_close(db);
}

/* The rules over UDP exchanges, answered and not: udp_scan as its reference. */
static void test_udp_rules_equal_reference(void **state)
{
	static const char *const set[] = { "udp_scan_ports=3",	   "udp_scan_hosts=3",
					   "port_scan_window=120", "fan_in_sources=2",
					   "fan_in_factor=1",	   "exfil_min_bytes=1",
					   "exfil_factor=1" };
	struct anomaly_settings s;
	char path[128];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/udp.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	write_udp_history(st);
	store_close(st);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	/* Answered exchanges are no probes; the scanners' probes are there. */
	assert_true(q_int(db, "SELECT count(*) FROM interval_udp_probes") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM interval_udp_probes") <
		    q_int(db, "SELECT count(*) FROM flow_rows WHERE protocol = 17"));
	result_tables(db);
	anomaly_settings_init(&s);
	for (size_t k = 0; k < sizeof(set) / sizeof(set[0]); k++)
		assert_int_equal(anomaly_settings_parse(&s, set[k]), 0);
	assert_int_equal(compare_set(db, &s, 3), 2 * RULES);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'udp_scan'") > 0);
	db_close(db);
}

/* One UDP flow [2001:db8::<s>]:sport > [2001:db8:1::<d>]:dport, inbound as udp_flow()'s. */
static void udp_flow6(struct snapshot *snap, uint64_t mono_start, int s, __u16 sport, int d,
		      __u16 dport)
{
	struct flow_record *r;

	udp_flow(snap, mono_start, 200 + s, sport, d, dport);
	r = &snap->flows[snap->n_flows - 1];
	r->key.family = NETMON_FAMILY_V6;
	memset(r->key.src, 0, sizeof(r->key.src));
	memset(r->key.dst, 0, sizeof(r->key.dst));
	r->key.src[0] = r->key.dst[0] = 0x20, r->key.src[1] = r->key.dst[1] = 0x01;
	r->key.src[2] = r->key.dst[2] = 0x0d, r->key.src[3] = r->key.dst[3] = 0xb8;
	r->key.dst[5] = 1;
	r->key.src[15] = (__u8)s;
	r->key.dst[15] = (__u8)d;
}

/* The flow just added made TCP, with a SYN and flags. */
static void to_tcp(struct snapshot *snap, __u32 flags)
{
	struct flow_record *r = &snap->flows[snap->n_flows - 1];

	r->key.protocol = 6;
	r->c.syn = 1;
	r->c.tcp_flags = flags;
}

/*
 * An interval's probes for test_scans_at_window_edges(): UDP scanner
 * 198.18.9.1 at a few of 20 ports of one host (a port probed again after
 * any gap, some twice in an interval from two source ports, some
 * answered), 198.18.9.2 at port 161 of up to 30 hosts, [2001:db8::3] at 4
 * ports of up to 12 hosts, and a DNS exchange (answered, no probe); TCP
 * (SYN, no ACK) scanner 198.18.9.6 at 8 ports of up to 6 hosts,
 * [2001:db8::7] at ports 22-24 of up to 10 hosts, and completed connections;
 * k probes of each.
 */
static void udp_edge_probes(struct snapshot *snap, uint64_t mono_start, uint32_t *rnd, int k)
{
	for (int j = 0; j < k; j++) {
		*rnd = *rnd * 1103515245u + 12345u;
		udp_flow(snap, mono_start, 1, (__u16)(40000 + j), 1,
			 (__u16)(1000 + (*rnd >> 16) % 20));
		if ((*rnd >> 8) % 5 == 0) /* the same key again */
			udp_flow(snap, mono_start, 1, (__u16)(41000 + j), 1,
				 (__u16)(1000 + (*rnd >> 16) % 20));
		else if ((*rnd >> 8) % 5 == 1)
			udp_answer(snap);
		udp_flow(snap, mono_start, 2, (__u16)(42000 + j), 1 + (int)(*rnd >> 4) % 30, 161);
		udp_flow6(snap, mono_start, 3, (__u16)(43000 + j), 1 + (int)(*rnd >> 12) % 12,
			  (__u16)(500 + (*rnd >> 20) % 4));
		udp_flow(snap, mono_start, 6, (__u16)(44000 + j), 1 + (int)(*rnd >> 6) % 6,
			 (__u16)(2000 + (*rnd >> 10) % 8));
		to_tcp(snap, 0x02);
		udp_flow6(snap, mono_start, 7, (__u16)(45000 + j), 1 + (int)(*rnd >> 14) % 10,
			  (__u16)(22 + (*rnd >> 18) % 3));
		to_tcp(snap, 0x02);
		udp_flow(snap, mono_start, 6, (__u16)(46000 + j), 1, 80);
		to_tcp(snap, 0x1a);
	}
	udp_flow(snap, mono_start, 100, 30000, 2, 53);
	udp_answer(snap);
}

/*
 * n intervals of len seconds from START, with probes (udp_edge_probes()):
 * some left out (gaps), some twice as long or (len > 1) half as long, the
 * later half of them stored first (ids not in time order).
 */
static void write_udp_edges(struct store *st, int len, unsigned int n)
{
	struct snapshot snap = { 0 };

	snap.flows = calloc(512, sizeof(*snap.flows));
	assert_non_null(snap.flows);
	for (unsigned int m = 0; m < n; m++) {
		unsigned int i = (m + n / 2) % n;
		uint32_t rnd = 11 + i;
		int64_t ts = START + len * (int64_t)i, end = ts + len;
		uint64_t mono_start =
			1000ull * 1000000000ull + (uint64_t)(ts - START) * 1000000000ull;

		if (i % 17 == 5 || i % 23 == 8) /* a gap, or the second half of a long one */
			continue;
		if (i % 23 == 7)
			end += len;
		else if (i % 29 == 11 && len > 1)
			end -= len / 2;
		snap.n_flows = 0;
		snap.wall.tv_sec = end;
		snap.mono_ns = mono_start + (uint64_t)(end - ts) * 1000000000ull;
		udp_edge_probes(&snap, mono_start, &rnd, len > 1 ? 5 : 1 + (int)(i % 2));
		assert_int_equal(store_write_interval(st, &snap, ts, end), 0);
	}
	free(snap.flows);
}

/* Each rewritten rule as its reference over both ranges under one window and counts. */
static void udp_compare_counts(sqlite3 *db, const char *window, const char *const *counts, int set,
			       const int64_t (*wins)[2])
{
	struct anomaly_settings s;

	anomaly_settings_init(&s);
	assert_int_equal(anomaly_settings_parse(&s, window), 0);
	for (size_t k = 0; k < 4; k++)
		assert_int_equal(anomaly_settings_parse(&s, counts[k]), 0);
	for (size_t k = 0; k < 2; k++)
		assert_int_equal(compare_window(db, &s, set, wins[k]), RULES);
}

/*
 * Address ids of 2^47 and more (where the scans count their (host, port)
 * pairs by text): the IPv6 scanners' destinations moved there in every row
 * that names them, udp_scan and port_scan alone as their references under
 * counts, finding those scanners' hosts by port.
 */
static void scans_big_ids(sqlite3 *db, const char *const *counts, const int64_t (*wins)[2])
{
	static const char *const rules[][2] = { { "udp_scan.sql", "2001:db8::3 > %" },
						{ "port_scan.sql", "2001:db8::7 > %" } };
	struct anomaly_settings s;

	assert_int_equal(
		db_exec(db,
			"CREATE TEMP TABLE big AS SELECT id FROM addresses WHERE text LIKE "
			"'2001:db8:1::%'; UPDATE addresses SET id = id + (1 << 47) WHERE id IN "
			"big; UPDATE conversations SET dst_id = dst_id + (1 << 47) WHERE dst_id "
			"IN big; UPDATE interval_udp_probes SET dst_id = dst_id + (1 << 47) "
			"WHERE dst_id IN big"),
		0);
	anomaly_settings_init(&s);
	for (size_t k = 0; k < 4; k++)
		assert_int_equal(anomaly_settings_parse(&s, counts[k]), 0);
	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		const struct embedded_file *f = netmon_anomaly_rules;
		char path[256], *ref;
		size_t len;

		while (f->name && strcmp(f->name, rules[r][0]))
			f++;
		assert_non_null(f->name);
		snprintf(path, sizeof(path), "%s/%s", REFERENCE_DIR, f->name);
		ref = read_text(path, &len);
		assert_non_null(ref);
		for (size_t k = 0; k < 2; k++) {
			char sql[160];

			compare_texts(db, f, ref, len, &s, 30, wins[k]);
			snprintf(sql, sizeof(sql),
				 "SELECT count(*) FROM new WHERE subject LIKE '%s'", rules[r][1]);
			assert_true(q_int(db, sql) > 0);
		}
		free(ref);
	}
}

/*
 * udp_scan and port_scan as their references at the edges of the window: 1 s and 60 s
 * intervals with gaps, intervals of other lengths and ids out of time
 * order, keys probed again at every gap and several times in an interval,
 * IPv6, windows of 60, 300 and 900 s (one interval, a few, more than the
 * history), report ranges that start inside an interval, address ids past
 * 2^47; hits of both kinds, IPv4 and IPv6.
 */
static void test_scans_at_window_edges(void **state)
{
	static const char *const windows[] = { "port_scan_window=60", "port_scan_window=300",
					       "port_scan_window=900" };
	static const char *const counts[][4] = { { "udp_scan_ports=2", "udp_scan_hosts=2",
						   "port_scan_ports=2", "port_scan_hosts=2" },
						 { "udp_scan_ports=4", "udp_scan_hosts=6",
						   "port_scan_ports=3", "port_scan_hosts=4" } };
	static const int lens[] = { 1, 60 };

	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		unsigned int n = lens[l] > 1 ? 40 : 150;
		const int64_t span = lens[l] * (int64_t)n;
		const int64_t wins[][2] = { { START, START + span },
					    { START + span / 2 + lens[l] / 2, START + span - 1 } };
		char path[128];
		struct store *st;
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/udp-edges-%d.db", dir, lens[l]);
		assert_int_equal(store_open(&st, path), 0);
		write_udp_edges(st, lens[l], n);
		store_close(st);
		assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
		/* the history is what the cases need */
		assert_true(q_int(db, "SELECT count(*) FROM intervals a JOIN intervals b ON "
				      "b.id > a.id AND b.ts_start < a.ts_start") > 0);
		assert_true(q_int(db, "SELECT count(DISTINCT ts_end - ts_start) FROM intervals") >=
			    (lens[l] > 1 ? 3 : 2));
		result_tables(db);
		for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
			assert_int_equal(db_exec(db, "DELETE FROM found"), 0);
			for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
				udp_compare_counts(db, windows[w], counts[c], 20 + (int)(3 * w + c),
						   wins);
			/* both kinds, IPv4 and IPv6, at each window */
			assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = "
					      "'198.18.9.1 > 198.19.0.1'") > 0);
			assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = "
					      "'198.18.9.2'") > 0);
			assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject LIKE "
					      "'2001:db8::3%'") > 0);
			assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'port_scan' "
					      "AND subject LIKE '198.18.9.6 > 198.19.0.%'") > 0);
			assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'port_scan' "
					      "AND subject = '198.18.9.6'") > 0);
			assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'port_scan' "
					      "AND subject = '2001:db8::7'") > 0);
		}
		if (lens[l] > 1)
			scans_big_ids(db, counts[0], wins);
		db_close(db);
	}
}

/*
 * A TCP flow src:sport > dst:dport (family 4 or 6, both the same) on
 * interface ifindex with syns SYNs and flags, its packets from first to
 * last ms of the interval starting at mono_start.
 */
static void tcp_syn_flow(struct snapshot *snap, uint64_t mono_start, int ifindex, int direction,
			 const char *src, __u16 sport, const char *dst, __u16 dport, __u64 syns,
			 __u32 flags, uint64_t first, uint64_t last)
{
	struct flow_record *r = &snap->flows[snap->n_flows++];
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(r, 0, sizeof(*r));
	r->key.ifindex = (__u32)ifindex;
	r->key.family = af == AF_INET ? NETMON_FAMILY_V4 : NETMON_FAMILY_V6;
	r->key.protocol = 6;
	r->key.direction = (__u8)direction;
	assert_int_equal(inet_pton(af, src, r->key.src), 1);
	assert_int_equal(inet_pton(af, dst, r->key.dst), 1);
	r->key.src_port = sport;
	r->key.dst_port = dport;
	r->c.packets = syns;
	r->c.bytes = 60 * syns;
	r->c.syn = syns;
	r->c.tcp_flags = flags;
	r->c.first_seen_ns = mono_start + first * 1000000ull;
	r->c.last_seen_ns = mono_start + last * 1000000ull;
}

/* The TCP overflow row of interface 1, a direction and family: syns SYNs, flags. */
static void syn_overflow(struct snapshot *snap, int family, int direction, __u64 syns, __u32 flags)
{
	struct total_record *t = &snap->totals[snap->n_totals++];

	memset(t, 0, sizeof(*t));
	t->key = (struct total_key){ .ifindex = 1,
				     .direction = (__u8)direction,
				     .family = (__u8)family,
				     .protocol = 6,
				     .kind = NETMON_KIND_TABLE_FULL };
	t->c = (struct total_counters){
		.packets = syns, .bytes = 60 * syns, .syn = syns, .tcp_flags = flags
	};
}

/*
 * Twelve intervals of SYN floods, varied by n: to 198.19.0.1:80 from up to
 * 40 sources, one of them hammering one source port, with completed
 * connections beside; the same port on a second interface; inbound to
 * 198.18.9.1:22 (and, in some intervals, outbound to it too: both
 * directions); outbound to 198.23.0.1:25; to [2001:db8::1]:443; to port 0 of a real address; the
 * table-full overflow rows with SYNs (both directions, IPv4 and IPv6, some
 * with an ACK among their flags; one with fewer SYNs than the rate, which
 * counts only for the one port over it), in intervals with one port over
 * the rate, several, or none.
 */
static void write_syn_history(struct store *st)
{
	struct snapshot snap = { 0 };
	char src[64];

	snap.flows = calloc(128, sizeof(*snap.flows));
	snap.totals = calloc(5, sizeof(*snap.totals));
	assert_non_null(snap.flows);
	assert_non_null(snap.totals);
	for (unsigned int n = 0; n < 12; n++) {
		int64_t ts = START + 60 * (int64_t)n;
		uint64_t m = 1000ull * 1000000000ull + n * 60ull * 1000000000ull;

		snap.n_flows = snap.n_totals = 0;
		snap.wall.tv_sec = ts + 60;
		snap.mono_ns = m + 60ull * 1000000000ull;
		for (unsigned int k = 0; k < 10 + n * 3; k++) {
			snprintf(src, sizeof(src), "198.20.%u.%u", k / 200, 1 + k % 200);
			tcp_syn_flow(&snap, m, 1, 0, src, (__u16)(30000 + k), "198.19.0.1", 80,
				     1 + k % 3, 0x02, 1000 + 50 * k, 1100 + 60 * k);
		}
		tcp_syn_flow(&snap, m, 1, 0, "198.20.9.9", 5555, "198.19.0.1", 80, 30 + n, 0x02,
			     500 * n, 2000 + 900 * n);
		for (unsigned int k = 0; k < 4; k++) /* completed */
			tcp_syn_flow(&snap, m, 1, 0, "198.20.8.1", (__u16)(40000 + k), "198.19.0.1",
				     80, 1, 0x1a, 3000, 9000);
		tcp_syn_flow(&snap, m, 2, 0, "198.20.7.1", 1234, "198.19.0.1", 80, 5 * n, 0x02, 100,
			     100 + 300 * n);
		for (unsigned int k = 0; k < n % 5; k++) {
			snprintf(src, sizeof(src), "198.21.0.%u", 1 + k);
			tcp_syn_flow(&snap, m, 1, 0, src, 7000, "198.18.9.1", 22, 20, 0x02, 10,
				     1500);
		}
		if (n % 3 == 1)
			tcp_syn_flow(&snap, m, 1, 1, "198.18.9.7", 7001, "198.18.9.1", 22, 9, 0x02,
				     20, 500);
		tcp_syn_flow(&snap, m, 1, 0, "2001:db8::9", 6000, "2001:db8::1", 443, 4 * n, 0x02,
			     0, 900);
		tcp_syn_flow(&snap, m, 1, n % 2, "198.20.6.1", 6001, "198.19.0.2", 0, 3 * n, 0x12,
			     0, 400);
		if (n % 4 != 3)
			syn_overflow(&snap, NETMON_FAMILY_V4, 0, 50 * n, n % 2 ? 0x12 : 0x02);
		if (n % 3 == 0)
			syn_overflow(&snap, NETMON_FAMILY_V4, 1, 40 + n, 0x02);
		/* outbound: one port at 90/s, an overflow row of fewer SYNs than some rates */
		tcp_syn_flow(&snap, m, 1, 1, "198.18.9.1", 9000, "198.23.0.1", 25, 90, 0x02, 100,
			     600);
		if (n % 3 == 2)
			syn_overflow(&snap, NETMON_FAMILY_V4, 1, 3, 0x02);
		if (n % 2)
			syn_overflow(&snap, NETMON_FAMILY_V6, 0, 70, 0x02);
		assert_int_equal(store_write_interval(st, &snap, ts, ts + 60), 0);
	}
	free(snap.flows);
	free(snap.totals);
}

/*
 * syn_flood over SYN floods and the overflow rows, at rates that put no
 * port, one or several of an interface and direction over them, over the
 * whole history and over windows that start inside an interval: as its
 * reference, with overflow hits of both kinds (the one port's, their own).
 */
static void test_syn_rules_equal_reference(void **state)
{
	static const char *const rates[] = { "syn_flood_rate=0.001", "syn_flood_rate=1",
					     "syn_flood_rate=5", "syn_flood_rate=20",
					     "syn_flood_rate=100" };
	static const int64_t wins[][2] = { { START, START + 720 },
					   { START + 30, START + 330 },
					   { START + 61, START + 719 } };
	struct anomaly_settings s;
	char path[128];
	struct store *st;
	sqlite3 *db;
	int compared = 0;

	snprintf(path, sizeof(path), "%s/syn.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	write_syn_history(st);
	store_close(st);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	result_tables(db);
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		anomaly_settings_init(&s);
		assert_int_equal(anomaly_settings_parse(&s, rates[i]), 0);
		for (size_t w = 0; w < sizeof(wins) / sizeof(wins[0]); w++)
			compared += compare_window(db, &s, 4 + (int)i, wins[w]);
	}
	assert_int_equal(compared, RULES * 5 * 3);
	/* hits of every kind: ports alone, a port with the overflow's SYNs, the
	 * overflow row on its own (IPv4 and IPv6), IPv6 ports, both directions */
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = '198.19.0.1:80' AND "
			      "detail NOT LIKE '%overflow%'") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE detail LIKE '%this is the one "
			      "port over the rate%'") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = '0.0.0.0:0'") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = '[::]:0'") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = '[2001:db8::1]:443'") >
		    0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE subject = '198.18.9.1:22'") > 0);
	db_close(db);
}

/* A UDP flow 198.18.9.1:sport > 198.19.0.9:7000 whose first packet is at ms of its interval. */
static void beacon_flow(struct snapshot *snap, uint64_t mono_start, __u16 sport, uint64_t ms)
{
	udp_flow(snap, mono_start, 1, sport, 9, 7000);
	snap->flows[snap->n_flows - 1].c.first_seen_ns = mono_start + ms * 1000000ull;
	snap->flows[snap->n_flows - 1].c.last_seen_ns = mono_start + ms * 1000000ull;
}

/* Three one-minute intervals from START: a beacon to port 7000 (see below). */
static void write_beacon(struct store *st)
{
	/* (interval, source port, ms): a long exchange from port 5000, new ports */
	static const int at[][3] = { { 0, 5000, 10000 }, { 1, 5000, 35000 }, { 1, 5003, 50000 },
				     { 2, 5004, 5000 },	 { 2, 5005, 20000 }, { 2, 5006, 35000 } };
	struct snapshot snap = { 0 };

	snap.flows = calloc(8, sizeof(*snap.flows));
	assert_non_null(snap.flows);
	for (int n = 0; n < 3; n++) {
		int64_t ts = START + 60 * (int64_t)n;
		uint64_t mono_start = 1000ull * 1000000000ull + (uint64_t)n * 60ull * 1000000000ull;

		snap.n_flows = 0;
		snap.wall.tv_sec = ts + 60;
		snap.mono_ns = mono_start + 60ull * 1000000000ull;
		for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++)
			if (at[k][0] == n)
				beacon_flow(&snap, mono_start, (__u16)at[k][1], (uint64_t)at[k][2]);
		assert_int_equal(store_write_interval(st, &snap, ts, ts + 60), 0);
	}
	free(snap.flows);
}

/* The detail of the beaconing hit of the interval at START + 120 by text, over [since, START +
 * 180). */
static void beacon_detail(sqlite3 *db, const char *text, size_t len, int64_t since, char *out,
			  size_t size)
{
	static const char *const set[] = { "beacon_contacts=3", "beacon_window=90",
					   "beacon_jitter=0.1", "beacon_min_period=1" };
	const int64_t win[2] = { since, START + 180 };
	struct anomaly_settings s;
	sqlite3_stmt *st;

	anomaly_settings_init(&s);
	for (size_t k = 0; k < sizeof(set) / sizeof(set[0]); k++)
		assert_int_equal(anomaly_settings_parse(&s, set[k]), 0);
	assert_int_equal(db_exec(db, "DELETE FROM new"), 0);
	run_into(db, "new", "beaconing.sql", text, len, &s, win);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT detail FROM new WHERE ts = 1738195320 AND "
					    "subject = '198.18.9.1 > 198.19.0.9:7000/udp'",
					    -1, &st, NULL),
			 SQLITE_OK);
	snprintf(out, size, "%s",
		 sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
						: "none");
	sqlite3_finalize(st);
}

/*
 * Where beaconing's UDP contact changed (sql/0019_interval_contacts.sql): an
 * exchange that went on from the interval stored before the rule's range is
 * no new contact. The beacon: 198.18.9.1 > 198.19.0.9:7000, from source
 * port 5000 at 0:10 and 1:35 (one exchange, one contact: at 0:10), then
 * from a new port every 15 s: 1:50, 2:05, 2:20, 2:35. Judged at the
 * interval 2:00-3:00 with a 90 s window ([1:30, 3:00)): the contacts in it
 * are the four new ports', 15 s apart. With the range starting at 1:00
 * (since 2:00 less the window, rounded to the intervals read), the former
 * text saw port 5000 first at 1:35 and counted it: five contacts. Over a
 * range that starts at 0:00 both agree on four.
 */
static void test_beacon_exchange_before_range(void **state)
{
	const struct embedded_file *f = netmon_anomaly_rules;
	char path[128], now[160], old[160];
	struct store *st;
	sqlite3 *db;
	size_t len;
	char *ref;

	snprintf(path, sizeof(path), "%s/beacon.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	write_beacon(st);
	store_close(st);
	while (f->name && strcmp(f->name, "beaconing.sql"))
		f++;
	assert_non_null(f->name);
	ref = read_text(REFERENCE_DIR "/beaconing.sql", &len);
	assert_non_null(ref);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	result_tables(db);
	beacon_detail(db, f->text, f->len, START + 120, now, sizeof(now));
	beacon_detail(db, ref, len, START + 120, old, sizeof(old));
	assert_string_equal(now, "4 UDP contacts every 15.00 s (sd 0.00 s) in 90 s");
	assert_string_equal(old, "5 UDP contacts every 15.00 s (sd 0.00 s) in 90 s");
	beacon_detail(db, f->text, f->len, START + 60, now, sizeof(now));
	beacon_detail(db, ref, len, START + 60, old, sizeof(old));
	assert_string_equal(now, "4 UDP contacts every 15.00 s (sd 0.00 s) in 90 s");
	assert_string_equal(old, now);
	free(ref);
	db_close(db);
}

/*
 * Threshold sets at beaconing's shortcut through the recorder's gaps
 * (sql/0021_contact_gaps.sql): 6 contacts or more (the fifth contact back),
 * more than 6, and a window over the hour the gaps reach (every series
 * sorted, as before them).
 */
static const char *const gap_sets[][4] = {
	{ "beacon_contacts=6", "beacon_jitter=100", "beacon_window=900", "beacon_min_period=0" },
	{ "beacon_contacts=8", "beacon_jitter=100", "beacon_window=3600", "beacon_min_period=0" },
	{ "beacon_contacts=3", "beacon_jitter=100", "beacon_window=5400", "beacon_min_period=0" },
};

/* Each rewritten rule as its reference over each window, under each gap set; beacons found. */
static void compare_gap_sets(sqlite3 *db, const int64_t (*wins)[2], size_t n_wins)
{
	for (size_t i = 0; i < sizeof(gap_sets) / sizeof(gap_sets[0]); i++) {
		struct anomaly_settings s;

		anomaly_settings_init(&s);
		for (size_t k = 0; k < sizeof(gap_sets[i]) / sizeof(gap_sets[i][0]); k++)
			assert_int_equal(anomaly_settings_parse(&s, gap_sets[i][k]), 0);
		assert_int_equal(db_exec(db, "DELETE FROM found"), 0);
		for (size_t w = 0; w < n_wins; w++)
			assert_int_equal(compare_window(db, &s, 10 + (int)i, wins[w]), RULES);
		assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'beaconing'") > 0);
	}
}

/*
 * beaconing picks the series to sort from the stored gaps; it finds what its
 * reference finds when some contacts' first packets came before their
 * interval (not in place: no gaps, their series sorted whole), when the
 * recorder wrote -1 (it forgot the series), and over intervals stored out of
 * time order (an older capture imported after a newer one: windows across
 * the two stretches sort every series, windows inside one use the gaps).
 */
static void test_beacon_gaps_shortcut(void **state)
{
	static const int64_t wins[][2] = { { START, START + 60 * INTERVALS },
					   { START + 60 * 50, START + 60 * 53 },
					   { START + 60 * 66, START + 60 * 70 } };
	char path[128];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/gaps.db", dir);
	make_history(path);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	assert_int_equal(
		db_exec(db, "UPDATE flows SET first_ms = first_ms - 61000 WHERE id % 23 = 0"), 0);
	aggregate_again(db, CONTACTS_MIGRATION, "interval_contacts");
	assert_true(q_int(db, "SELECT count(*) FROM interval_contacts WHERE first_ms < 0") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM interval_contacts WHERE gap5_ms > 0") > 0);
	result_tables(db);
	compare_gap_sets(db, wins, 2);
	assert_int_equal(db_exec(db, "UPDATE interval_contacts SET gap_ms = -1, gap5_ms = -1 "
				     "WHERE src_port % 5 = 0"),
			 0);
	runs_again(db);
	compare_gap_sets(db, wins, 2);
	db_close(db);

	snprintf(path, sizeof(path), "%s/gaps-order.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	write_history(st, 40); /* the last 35 minutes first */
	store_close(st);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	assert_int_equal(
		db_exec(db, "UPDATE flows SET tcp_flags = 2, syn = 1 WHERE id % 7 = 0 AND "
			    "conversation_id IN (SELECT id FROM conversations WHERE protocol = 6)"),
		0);
	aggregate_again(db, CONTACTS_MIGRATION, "interval_contacts");
	result_tables(db);
	compare_gap_sets(db, wins, 3);
	db_close(db);
}

/*
 * beaconing reads the contacts of the series and intervals contact_runs
 * names (sql/0022_contact_runs.sql) when every contact read is in place with
 * gaps known: it finds what its reference finds under the gap sets (6 and 8
 * contacts through contact_runs, 3 and a window over the hour by the scan),
 * over the whole history and a few intervals late in it; and a contact_runs
 * that misses rows, or a contact marked unknown, shows it reads that table
 * and falls back to the scan on the mark.
 */
static void test_beacon_runs_read(void **state)
{
	const struct embedded_file *f = netmon_anomaly_rules;
	static const int64_t wins[][2] = { { START, START + 60 * INTERVALS },
					   { START + 60 * 50, START + 60 * 53 },
					   { START + 60 * 20, START + 60 * 23 } };
	struct anomaly_settings s;
	char path[128];
	sqlite3 *db;

	while (f->name && strcmp(f->name, "beaconing.sql"))
		f++;
	assert_non_null(f->name);
	snprintf(path, sizeof(path), "%s/runs.db", dir);
	make_history(path);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM contact_runs WHERE unknown"), 0);
	assert_true(q_int(db, "SELECT count(*) FROM contact_runs") > 20);
	result_tables(db);
	compare_gap_sets(db, wins, 3);
	/* without the runs of one busy series, its beacons go: the rule read them */
	anomaly_settings_init(&s);
	for (size_t k = 0; k < sizeof(gap_sets[0]) / sizeof(gap_sets[0][0]); k++)
		assert_int_equal(anomaly_settings_parse(&s, gap_sets[0][k]), 0);
	assert_int_equal(db_exec(db, "DELETE FROM new; DELETE FROM found"), 0);
	run_into(db, "new", f->name, f->text, f->len, &s, wins[0]);
	assert_true(q_int(db, "SELECT count(*) FROM new") > 0);
	assert_int_equal(db_exec(db, "DELETE FROM contact_runs WHERE (src_id, dst_id, protocol, "
				     "dst_port) IN (SELECT src_id, dst_id, protocol, dst_port FROM "
				     "contact_runs GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC "
				     "LIMIT 1)"),
			 0);
	assert_int_equal(db_exec(db, "INSERT INTO found SELECT * FROM new; DELETE FROM new"), 0);
	run_into(db, "new", f->name, f->text, f->len, &s, wins[0]);
	assert_true(q_int(db, "SELECT count(*) FROM new") <
		    q_int(db, "SELECT count(*) FROM found"));
	/* a contact of unknown gaps marked: every series scanned again, all found */
	assert_int_equal(db_exec(db, "INSERT OR REPLACE INTO contact_runs SELECT interval_id, "
				     "src_id, dst_id, protocol, dst_port, 1 FROM interval_contacts "
				     "LIMIT 1"),
			 0);
	compare_gap_sets(db, wins, 1);
	db_close(db);
}

/*
 * A beacon whose window starts on a contact: a UDP contact at the first ms
 * of each of ten minutes (a new source port each), judged with 6 contacts
 * in 360 s. The window of minute n ([n - 5, n + 1) minutes) holds the
 * contact of minute n - 5 at its very first ms: six contacts, a hit from
 * minute 5 on, read through contact_runs as by the reference's raw rows.
 */
static void test_beacon_window_edge(void **state)
{
	static const char *const set[] = { "beacon_contacts=6", "beacon_window=360",
					   "beacon_jitter=0.1", "beacon_min_period=1" };
	const int64_t win[2] = { START, START + 600 };
	struct snapshot snap = { 0 };
	struct anomaly_settings s;
	char path[128];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/edge.db", dir);
	snap.flows = calloc(1, sizeof(*snap.flows));
	assert_non_null(snap.flows);
	assert_int_equal(store_open(&st, path), 0);
	for (unsigned int n = 0; n < 10; n++) {
		uint64_t mono_start = 2000ull * 1000000000ull + n * 60ull * 1000000000ull;

		snap.n_flows = 0;
		snap.wall.tv_sec = START + 60 * (int64_t)n + 60;
		snap.mono_ns = mono_start + 60ull * 1000000000ull;
		udp_flow(&snap, mono_start, 1, (__u16)(40000 + n), 1, 5000);
		assert_int_equal(store_write_interval(st, &snap, START + 60 * (int64_t)n,
						      START + 60 * (int64_t)n + 60),
				 0);
	}
	store_close(st);
	free(snap.flows);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM interval_contacts WHERE first_ms = 0"),
			 10);
	assert_int_equal(q_int(db, "SELECT count(*) FROM contact_runs WHERE NOT unknown"), 10);
	result_tables(db);
	anomaly_settings_init(&s);
	for (size_t k = 0; k < sizeof(set) / sizeof(set[0]); k++)
		assert_int_equal(anomaly_settings_parse(&s, set[k]), 0);
	assert_int_equal(compare_window(db, &s, 20, win), RULES);
	assert_int_equal(q_int(db, "SELECT count(*) FROM found WHERE kind = 'beaconing' AND "
				   "detail = '6 UDP contacts every 60.00 s (sd 0.00 s) in 360 s'"),
			 5);
	db_close(db);
}

/*
 * fan_in's text with its choice of how to sum the baselines made: sweep 1
 * (every row of the destinations, one pass) or 0 (each row's lookups).
 */
static char *fan_in_forced(int sweep, size_t *len)
{
	const struct embedded_file *f = netmon_anomaly_rules;
	const char *from, *to;
	char *text;
	int n;

	while (f->name && strcmp(f->name, "fan_in.sql"))
		f++;
	assert_non_null(f->name);
	assert_non_null(from = strstr(f->text, "way AS (\n\tSELECT "));
	assert_non_null(to = strstr(from, " AS sweep\n"));
	from += strlen("way AS (\n\tSELECT ");
	assert_non_null(text = malloc(f->len + 16));
	n = snprintf(text, f->len + 16, "%.*s%d%s", (int)(from - f->text), f->text, sweep, to);
	*len = (size_t)n;
	return text;
}

/*
 * fan_in sums each hit candidate's baseline one of two ways, whichever
 * reads fewer rows: both give what the reference gives, under loose and
 * default thresholds, over the whole history and a few late intervals.
 */
static void test_fan_in_both_ways(void **state)
{
	static const char *const sets_fi[][3] = {
		{ "fan_in_sources=8", "fan_in_factor=1.5", "fan_in_baseline=900" },
		{ "fan_in_sources=3", "fan_in_factor=1", "fan_in_baseline=120" },
	};
	static const int64_t wins[][2] = { { START, START + 60 * INTERVALS },
					   { START + 60 * 50, START + 60 * 53 } };
	char path[128], *ref;
	size_t ref_len;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/fan_in.db", dir);
	make_history(path);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	result_tables(db);
	assert_non_null(ref = read_text(REFERENCE_DIR "/fan_in.sql", &ref_len));
	for (size_t i = 0; i < sizeof(sets_fi) / sizeof(sets_fi[0]); i++) {
		struct anomaly_settings s;

		anomaly_settings_init(&s);
		for (size_t k = 0; k < sizeof(sets_fi[i]) / sizeof(sets_fi[i][0]); k++)
			assert_int_equal(anomaly_settings_parse(&s, sets_fi[i][k]), 0);
		for (size_t w = 0; w < sizeof(wins) / sizeof(wins[0]); w++) {
			assert_int_equal(db_exec(db, "DELETE FROM old"), 0);
			run_into(db, "old", "fan_in.sql", ref, ref_len, &s, wins[w]);
			for (int sweep = 0; sweep < 2; sweep++) {
				size_t len;
				char *text = fan_in_forced(sweep, &len);

				assert_int_equal(db_exec(db, "DELETE FROM new"), 0);
				run_into(db, "new", "fan_in.sql", text, len, &s, wins[w]);
				free(text);
				print_message("# fan_in set %zu, window %zu, sweep %d: %lld hits, "
					      "reference %lld\n",
					      i, w, sweep, q_int(db, "SELECT count(*) FROM new"),
					      q_int(db, "SELECT count(*) FROM old"));
				assert_int_equal(q_int(db,
						       "SELECT count(*) FROM (SELECT * FROM new "
						       "EXCEPT SELECT * FROM old)"),
						 0);
				assert_int_equal(q_int(db,
						       "SELECT count(*) FROM (SELECT * FROM old "
						       "EXCEPT SELECT * FROM new)"),
						 0);
				assert_int_equal(q_int(db, "SELECT count(*) FROM new"),
						 q_int(db, "SELECT count(*) FROM old"));
			}
			if (w == 0)
				assert_true(q_int(db, "SELECT count(*) FROM old") > 0);
		}
	}
	free(ref);
	db_close(db);
}

/* The rows of the anomalies report over the history, and of kind not_judged. */
static void report_rows(sqlite3 *db, long long *all, long long *notes)
{
	struct report_opts o = { .since = START, .until = START + 60 * 3 };
	sqlite3_stmt *st;
	int rc;

	anomaly_settings_init(&o.thresholds);
	*all = *notes = 0;
	assert_int_equal(report_anomalies_prepare(db, &o, NULL, &st), 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		++*all;
		*notes += !strcmp((const char *)sqlite3_column_text(st, 1), "not_judged");
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
}

/* The not_judged rows of the summary's anomalies section over the history. */
static long long summary_notes(sqlite3 *db)
{
	struct report_opts o = { .since = START, .until = START + 60 * 3 };
	sqlite3_stmt *st;
	long long n = 0;
	int rc;

	anomaly_settings_init(&o.thresholds);
	assert_int_equal(query_prepare(db, "summary_anomalies.sql", &st), 0);
	assert_int_equal(query_bind(st, "summary_anomalies.sql", &o), 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n += !strcmp((const char *)sqlite3_column_text(st, 1), "not_judged");
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	return n;
}

/*
 * A rule stopped by its budget (0 ms: any rule reading more than a few
 * rows stops at SQLite's first progress check) leaves one not_judged row
 * per interval: subject the rule, value the interval's flows, threshold the
 * budget. The report and anomaly_log (the summary's source) show them.
 */
static void test_not_judged_noted(void **state)
{
	struct history_opts h = { .interval = 60, .n_intervals = 1, .flows = 2000, .clients = 50 };
	struct anomaly_settings s;
	struct anomaly_eval *a;
	long long all, notes;
	char path[128];
	struct store *st;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/skip.db", dir);
	anomaly_settings_init(&s);
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(anomaly_eval_open(&a, path, &s, 0), 0);
	for (unsigned int n = 0; n < 3; n++) {
		h.start = START + 60 * (int64_t)n;
		h.seed = n + 1;
		assert_int_equal(history_write(st, &h), 0);
		assert_true(anomaly_eval_run(a) >= 0);
	}
	anomaly_eval_close(a);

	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	/* The rules that read every row of the lookback cannot finish (fan_in
	 * and exfiltration read the per-interval aggregates; beaconing, when
	 * every contact has its gaps, the few of contact_runs' series, so it
	 * may finish within the first progress check). */
	assert_int_equal(q_int(db,
			       "SELECT count(*) FROM anomaly_log WHERE kind = 'not_judged' "
			       "AND subject = 'udp_scan' AND value = 2000 AND threshold = 0 AND "
			       "detail LIKE 'rule udp_scan did not judge this interval: ran past "
			       "its time budget of 0 ms%'"),
			 3);
	assert_true(q_int(db, "SELECT count(*) FROM anomaly_log WHERE kind = 'not_judged' "
			      "AND subject = 'beaconing' AND value = 2000 AND threshold = 0 AND "
			      "detail LIKE 'rule beaconing did not judge this interval: ran past "
			      "its time budget of 0 ms%'") <= 3);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT ts) FROM anomaly_log WHERE kind = "
				   "'not_judged'"),
			 3);
	report_rows(db, &all, &notes);
	assert_int_equal(notes, q_int(db, "SELECT count(*) FROM anomaly_log WHERE kind = "
					  "'not_judged'"));
	assert_int_equal(summary_notes(db), notes);
	db_close(db);

	/* With time enough, the next interval is judged and noted nowhere. */
	assert_int_equal(anomaly_eval_open(&a, path, &s, 60000), 0);
	h.start = START + 180;
	assert_int_equal(history_write(st, &h), 0);
	assert_true(anomaly_eval_run(a) >= 0);
	anomaly_eval_close(a);
	store_close(st);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM anomaly_log WHERE kind = 'not_judged' "
				   "AND ts = 1738195380"),
			 0);
	db_close(db);
}

/*
 * Minutes of probes (udp_edge_probes()) for udp_scan's previous occurrences
 * (sql/0023_probe_prev.sql): 40 minutes with gaps, the store restarted
 * after the 20th (the previous occurrences read back), then 10 minutes two
 * hours on (over the recorder's hour).
 */
static void write_udp_prev(const char *path)
{
	struct snapshot snap = { 0 };
	struct store *st;

	snap.flows = calloc(512, sizeof(*snap.flows));
	assert_non_null(snap.flows);
	assert_int_equal(store_open(&st, path), 0);
	for (unsigned int i = 0; i < 50; i++) {
		int64_t ts = START + 60 * (int64_t)i + (i >= 40 ? 7200 : 0);
		uint64_t mono_start =
			1000ull * 1000000000ull + (uint64_t)(ts - START) * 1000000000ull;
		uint32_t rnd = 7 + i % 9;

		if (i % 13 == 6)
			continue;
		if (i == 20) {
			store_close(st);
			assert_int_equal(store_open(&st, path), 0);
		}
		snap.n_flows = 0;
		snap.wall.tv_sec = ts + 60;
		snap.mono_ns = mono_start + 60ull * 1000000000ull;
		udp_edge_probes(&snap, mono_start, &rnd, 4 + (int)(i % 3));
		assert_int_equal(store_write_interval(st, &snap, ts, ts + 60), 0);
	}
	store_close(st);
	free(snap.flows);
}

/* udp_scan as its reference under each window (and the other rules as theirs). */
static void udp_prev_compare(sqlite3 *db, int set)
{
	static const char *const windows[] = { "port_scan_window=60", "port_scan_window=300",
					       "port_scan_window=3600", "port_scan_window=7800" };
	static const char *const counts[][4] = { { "udp_scan_ports=3", "udp_scan_hosts=3",
						   "port_scan_ports=2", "port_scan_hosts=2" },
						 { "udp_scan_ports=8", "udp_scan_hosts=12",
						   "port_scan_ports=3", "port_scan_hosts=4" } };
	const int64_t wins[][2] = { { START, START + 60 * 60 + 7200 },
				    { START + 60 * 25 + 30, START + 60 * 45 + 7200 } };

	assert_int_equal(db_exec(db, "DELETE FROM found"), 0);
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			udp_compare_counts(db, windows[w], counts[c], set + (int)(2 * w + c), wins);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'udp_scan' AND subject "
			      "LIKE '% > %'") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM found WHERE kind = 'udp_scan' AND subject "
			      "NOT LIKE '% > %'") > 0);
}

/*
 * udp_scan where its probes carry their previous occurrences
 * (sql/0023_probe_prev.sql) as its reference: windows of one interval to
 * an hour and one past the recorder's hour (two hours ten), across a restart and a gap of
 * two hours; then with an interval whose previous occurrences were not
 * known (probe_prev_unknown: its values made wrong, the rule must not read
 * them), then after retention deleted the first minutes' probes (later rows
 * still name them).
 */
static void test_udp_scan_prev(void **state)
{
	const struct sql_param cut[] = { { ":cutoff", START + 60 * 12, 0 }, { ":batch", 100, 0 } };
	char path[128];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/udp-prev.db", dir);
	write_udp_prev(path);
	assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
	/* repeats within the window and across the restart are there */
	assert_true(q_int(db, "SELECT count(*) FROM interval_udp_probes p JOIN intervals i ON "
			      "i.id = p.interval_id WHERE i.ts_start - p.prev_ts = 60") > 20);
	assert_true(q_int(db, "SELECT count(*) FROM interval_udp_probes p JOIN intervals i ON "
			      "i.id = p.interval_id WHERE i.ts_start - p.host_prev_ts = 120 AND "
			      "i.ts_start = "
			      "1738195200 + 60 * 20") > 0);
	result_tables(db);
	udp_prev_compare(db, 40);
	assert_int_equal(db_exec(db, "INSERT INTO probe_prev_unknown SELECT id FROM intervals "
				     "WHERE ts_start = 1738195200 + 60 * 30; UPDATE "
				     "interval_udp_probes SET prev_ts = NULL, host_prev_ts = NULL "
				     "WHERE interval_id IN probe_prev_unknown"),
			 0);
	udp_prev_compare(db, 50);
	assert_int_equal(sqlfile_run(db, "retention_flows.sql", cut, 2), 0);
	assert_true(q_int(db, "SELECT count(*) FROM intervals WHERE last_flow_id < "
			      "first_flow_id") >= 10);
	udp_prev_compare(db, 60);
	db_close(db);
}

static int setup(void **state)
{
	log_init("test_anomaly_fast", LOGLVL_ERR);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_equal_reference),
		cmocka_unit_test(test_retention_takes_aggregates),
		cmocka_unit_test(test_udp_rules_equal_reference),
		cmocka_unit_test(test_scans_at_window_edges),
		cmocka_unit_test(test_syn_rules_equal_reference),
		cmocka_unit_test(test_beacon_exchange_before_range),
		cmocka_unit_test(test_beacon_gaps_shortcut),
		cmocka_unit_test(test_beacon_runs_read),
		cmocka_unit_test(test_beacon_window_edge),
		cmocka_unit_test(test_fan_in_both_ways),
		cmocka_unit_test(test_not_judged_noted),
		cmocka_unit_test(test_udp_scan_prev),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
