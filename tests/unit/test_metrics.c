// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_metrics.c - the Prometheus page (recorder/metrics/): intervals written
 * by the real store through the backlog, with the metrics told of each
 * commit, give a page whose every counter equals what the database's views
 * (traffic_log, collector_log) hold, series for series, and no series the
 * database lacks; label values are escaped; --metrics-listen values are
 * parsed strictly; --metrics-file is replaced whole with mode 0644.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "db.h"
#include "metrics/metrics.h"
#include "metrics/metrics_listen.h"
#include "metrics/metrics_page.h"
#include "reload.h"
#include "store/anomaly_eval.h"
#include "store/backlog.h"
#include "store/store.h"
#include "temp_db.h"

static char dir[] = "/tmp/netmon-test-metrics-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

static struct total_record total(uint32_t ifindex, int direction, int kind, int family,
				 int protocol, uint64_t packets, uint64_t bytes)
{
	struct total_record t;

	memset(&t, 0, sizeof(t));
	t.key = (struct total_key){ .ifindex = ifindex,
				    .direction = (__u8)direction,
				    .family = (__u8)family,
				    .protocol = (__u8)protocol,
				    .kind = (__u8)kind };
	t.c = (struct total_counters){ .packets = packets, .bytes = bytes };
	return t;
}

/* The value of the series "name{labels}" on the page; fails when absent. */
static unsigned long long page_value(const char *page, const char *series)
{
	char want[512];
	const char *at;

	snprintf(want, sizeof(want), "\n%s ", series);
	at = strstr(page, want);
	if (!at)
		fail_msg("no series %s on the page:\n%s", series, page);
	return strtoull(at + strlen(want), NULL, 10);
}

/* Lines of the page that start with prefix (samples of one family). */
static int page_count(const char *page, const char *prefix)
{
	int n = 0;

	for (const char *p = page; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		n += !strncmp(p, prefix, strlen(prefix));
	}
	return n;
}

/*
 * Every row of the query (series text, value) on the page with that value,
 * and the family (prefix) with no other sample. Returns the rows.
 */
static int check_rows(sqlite3 *db, const char *page, const char *prefix, const char *sql)
{
	sqlite3_stmt *q;
	int rows = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *series = (const char *)sqlite3_column_text(q, 0);

		assert_int_equal(page_value(page, series), sqlite3_column_int64(q, 1));
		rows++;
	}
	sqlite3_finalize(q);
	assert_int_equal(page_count(page, prefix), rows);
	return rows;
}

#define PROTO_CLASS                                                                                \
	"CASE WHEN protocol = 6 THEN 'tcp' WHEN protocol = 17 THEN 'udp' "                         \
	"WHEN protocol IN (1, 58) THEN 'icmp' ELSE 'other' END"

/* netmon_interface_{bytes,packets}_total against traffic_log. */
static void check_traffic(sqlite3 *db, const char *page, const char *what)
{
	char sql[1024], prefix[64];

	snprintf(prefix, sizeof(prefix), "netmon_interface_%s_total{", what);
	snprintf(sql, sizeof(sql),
		 "SELECT printf('netmon_interface_%s_total{interface=\"%%s\",direction=\"%%s\","
		 "family=\"ipv%%d\",protocol=\"%%s\"}', interface, direction, family, p), sum(%s) "
		 "FROM (SELECT *, " PROTO_CLASS " AS p FROM traffic_log) "
		 "GROUP BY interface, direction, family, p",
		 what, what);
	assert_true(check_rows(db, page, prefix, sql) > 0);
}

/* A collector_log column (per interface and direction on the page). */
static void check_health(sqlite3 *db, const char *page, const char *family, int kind)
{
	char sql[1024], prefix[96];

	snprintf(prefix, sizeof(prefix), "%s{", family);
	snprintf(sql, sizeof(sql),
		 "SELECT printf('%s{interface=\"%%s\",direction=\"%%s\"%%s}', n.name, "
		 "CASE t.direction WHEN 0 THEN 'in' ELSE 'out' END, "
		 "iif(t.kind = 3, printf(',family=\"ipv%%d\",protocol=\"%%s\"', t.family, "
		 "CASE WHEN t.protocol = 6 THEN 'tcp' WHEN t.protocol = 17 THEN 'udp' "
		 "WHEN t.protocol IN (1, 58) THEN 'icmp' ELSE 'other' END), '')), sum(t.packets) "
		 "FROM traffic t JOIN interfaces n ON n.id = t.iface_id WHERE t.kind = %d "
		 "GROUP BY 1",
		 family, kind);
	check_rows(db, page, prefix, sql);
	/* and the sum over the labels is collector_log's */
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The interval columns of collector_log that the page sums (one series
 * each): equal to the database's, and to what the snapshots held (the
 * second interval has no names kinds). Lateness to the ms, as text.
 */
static void check_names(sqlite3 *db, const char *page)
{
	static const struct {
		const char *family, *column;
		long long sent;
	} cols[] = {
		{ "netmon_dns_messages_total", "dns_messages", 11 },
		{ "netmon_dns_message_drops_total", "dns_dropped", 2 },
		{ "netmon_dns_tcp_split_messages_total", "dns_tcp_split", 5 + 2 },
		{ "netmon_tls_hellos_total", "tls_hellos", 3 + 4 },
		{ "netmon_tls_hello_drops_total", "tls_dropped", 1 },
	};
	char sql[256], want[128];
	sqlite3_stmt *q;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT sum(%s) FROM collector_log", cols[i].column);
		assert_int_equal(page_value(page, cols[i].family), q_int(db, sql));
		assert_int_equal(page_value(page, cols[i].family), cols[i].sent);
		assert_int_equal(page_count(page, cols[i].family), 1);
	}
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT printf('\nnetmon_interval_late_seconds_total "
					    "%.3f\n', sum(late_ms) / 1000.0) FROM collector_log",
					    -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(want, sizeof(want), "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (!strstr(page, want))
		fail_msg("no line%son the page:\n%s", want, page);
	assert_non_null(strstr(page, "\nnetmon_interval_late_seconds_total 2.257\n"));
}

/* A bare state, and the store that writes the intervals it is told of. */
struct observed {
	struct metrics_state *state;
	const struct store *st;
};

/* The backlog's observer, as main.c wires it. */
static void observe(void *ctx, const struct snapshot *snap, int64_t start, int64_t end,
		    uint64_t write_us)
{
	const struct observed *o = ctx;

	assert_int_equal(metrics_state_add(o->state, o->st, snap, end, write_us), 0);
}

/* Write snapshot snap as [start, end) through a backlog into st. */
static void write_through(struct backlog *b, struct store *st, const struct snapshot *snap,
			  int64_t start, int64_t end)
{
	struct snapshot *slot = backlog_slot(b, 0);

	assert_non_null(slot);
	/* the slot's arrays are the backlog's: copy the records in */
	snapshot_free(slot);
	*slot = *snap;
	slot->flows = malloc(snap->n_flows * sizeof(*slot->flows) + 1);
	slot->totals = malloc(snap->n_totals * sizeof(*slot->totals) + 1);
	slot->procs = NULL;
	slot->infos = NULL;
	slot->cap_flows = snap->n_flows;
	slot->cap_totals = snap->n_totals;
	memcpy(slot->flows, snap->flows, snap->n_flows * sizeof(*slot->flows));
	memcpy(slot->totals, snap->totals, snap->n_totals * sizeof(*slot->totals));
	backlog_push(b, start, end);
	assert_int_equal(backlog_flush(b, st), 0);
}

static void test_page_equals_database(void **state)
{
	struct total_record totals[] = {
		total(1, 0, NETMON_KIND_IP, 4, 6, 10, 5000),
		total(1, 1, NETMON_KIND_IP, 4, 6, 7, 900),
		total(1, 0, NETMON_KIND_IP, 6, 58, 2, 208),
		total(1, 0, NETMON_KIND_IP, 4, 17, 3, 300),
		total(1, 0, NETMON_KIND_IP, 4, 47, 1, 60),	/* GRE: other */
		total(1, 0, NETMON_KIND_IP, 4, 132, 1, 64),	/* SCTP: other too */
		total(999999, 1, NETMON_KIND_IP, 4, 1, 4, 336), /* a gone interface */
		total(1, 0, NETMON_KIND_TABLE_FULL, 4, 6, 2, 120),
		total(1, 0, NETMON_KIND_MALFORMED, 0, 0, 5, 300),
		total(1, 1, NETMON_KIND_NON_IP, 0, 0, 6, 360),
		total(1, 0, NETMON_KIND_SAMPLED, 0, 0, 8, 800),
		total(1, 0, NETMON_KIND_SAMPLE_DROP, 0, 0, 9, 900),
		/* passed for host names: interval columns, not traffic rows */
		total(1, 0, NETMON_KIND_DNS, 0, 0, 11, 1100),
		total(1, 0, NETMON_KIND_DNS_DROP, 0, 0, 2, 200),
		total(1, 1, NETMON_KIND_TLS_HELLO, 0, 0, 3, 900),
		total(999999, 1, NETMON_KIND_TLS_HELLO, 0, 0, 4, 1200),
		total(1, 1, NETMON_KIND_TLS_DROP, 0, 0, 1, 300),
	};
	struct snapshot snap = { .totals = totals,
				 .n_totals = 17,
				 .proc_full_calls = 3,
				 .proc_full_bytes = 5000000000ull,
				 .dns_tcp_split = 5,
				 .wall = { 1060, 250000000 }, /* 250 ms late */
				 .duration_us = 1500 };
	struct metrics_state s = { 0 };
	struct observed o = { .state = &s };
	struct metrics_health h = { .backlog = 2, .db_bytes = 12345 };
	struct backlog *b;
	struct store *st;
	sqlite3 *db;
	char path[256], *page;
	size_t len;

	snprintf(path, sizeof(path), "%s/m.db", dir);
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(backlog_open(&b), 0);
	o.st = st;
	backlog_on_written(b, observe, &o);
	write_through(b, st, &snap, 1000, 1060);
	snap.n_totals = 8; /* the second interval: IP traffic and one table-full only */
	snap.proc_full_calls = 1;
	snap.dns_tcp_split = 2;
	snap.wall = (struct timespec){ 1122, 7000000 }; /* 2.007 s late: fell behind */
	write_through(b, st, &snap, 1060, 1120);
	backlog_close(b);
	store_close(st);

	assert_int_equal(metrics_page_build(&s, &h, &page, &len), 0);
	assert_int_equal(strlen(page), len);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	check_traffic(db, page, "bytes");
	check_traffic(db, page, "packets");
	check_health(db, page, "netmon_table_full_packets_total", NETMON_KIND_TABLE_FULL);
	check_health(db, page, "netmon_malformed_frames_total", NETMON_KIND_MALFORMED);
	check_health(db, page, "netmon_non_ip_frames_total", NETMON_KIND_NON_IP);
	check_health(db, page, "netmon_samples_total", NETMON_KIND_SAMPLED);
	check_health(db, page, "netmon_sample_drops_total", NETMON_KIND_SAMPLE_DROP);
	/* Two GRE/SCTP rows, one "other" series: 120 bytes, 2 packets a time. */
	assert_int_equal(page_value(page, "netmon_interface_bytes_total{interface=\"lo\","
					  "direction=\"in\",family=\"ipv4\",protocol=\"other\"}"),
			 2 * (60 + 64));
	assert_int_equal(q_int(db, "SELECT sum(process_table_full_calls) FROM collector_log"),
			 page_value(page, "netmon_process_table_full_calls_total"));
	assert_int_equal(q_int(db, "SELECT sum(process_table_full_bytes) FROM collector_log"),
			 page_value(page, "netmon_process_table_full_bytes_total"));
	assert_int_equal(q_int(db, "SELECT count(*) FROM intervals"),
			 page_value(page, "netmon_intervals_written_total"));
	check_names(db, page);
	assert_int_equal(q_int(db, "SELECT max(ts_end) FROM intervals"),
			 page_value(page, "netmon_last_interval_end_timestamp_seconds"));
	assert_int_equal(page_value(page, "netmon_backlog_intervals"), 2);
	assert_int_equal(page_value(page, "netmon_database_size_bytes"), 12345);
	assert_non_null(strstr(page, "\nnetmon_build_info{version=\"" NETMON_VERSION "\",abi=\""));
	assert_non_null(strstr(page, "\nnetmon_interval_snapshot_duration_seconds 0.001500\n"));
	db_close(db);
	free(page);
	metrics_state_free(&s);
}

static void test_label_escaping_and_classes(void **state)
{
	struct metrics_state s = { 0 };
	struct metrics_series k = { .iface = "a\"b\\c", .kind = NETMON_KIND_NON_IP, .packets = 4 };
	struct metrics_health h = { .db_bytes = -1,
				    .n_anomaly = 2,
				    .anomaly_kind = (const char *const[]){ "port_scan", "x\ny" },
				    .anomaly_hits = (const uint64_t[]){ 3, 0 } };
	char *page;
	size_t len;

	s.series = &k;
	s.n_series = s.cap_series = 1;
	assert_int_equal(metrics_page_build(&s, &h, &page, &len), 0);
	assert_non_null(strstr(page, "\nnetmon_non_ip_frames_total{interface=\"a\\\"b\\\\c\","
				     "direction=\"in\"} 4\n"));
	assert_non_null(strstr(page, "\nnetmon_anomalies_total{kind=\"port_scan\"} 3\n"));
	assert_non_null(strstr(page, "\nnetmon_anomalies_total{kind=\"x\\ny\"} 0\n"));
	/* unknown size: the family is left out rather than a made-up 0 */
	assert_null(strstr(page, "netmon_database_size_bytes"));
	free(page);
	assert_int_equal(metrics_proto_of(6), METRICS_TCP);
	assert_int_equal(metrics_proto_of(17), METRICS_UDP);
	assert_int_equal(metrics_proto_of(1), METRICS_ICMP);
	assert_int_equal(metrics_proto_of(58), METRICS_ICMP);
	assert_int_equal(metrics_proto_of(0), METRICS_OTHER);
	assert_int_equal(metrics_proto_of(136), METRICS_OTHER);
}

static void test_listen_parse(void **state)
{
	static const char *const bad[] = {
		"",	  "0",	   "65536",  "80x",	     ":80",	"localhost:80", "1.2.3:80",
		"::1:80", "[::1]", "[::1]:", "[1.2.3.4]:80", "[::1]:0", "1.2.3.4:-1",	"[::g]:80"
	};
	struct sockaddr_storage sa;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
	socklen_t len;

	assert_int_equal(metrics_listen_parse("9464", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_INET);
	assert_int_equal(ntohl(in4->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(in4->sin_port), 9464);
	assert_int_equal(metrics_listen_parse("0.0.0.0:65535", &sa, &len), 0);
	assert_int_equal(in4->sin_addr.s_addr, 0);
	assert_int_equal(ntohs(in4->sin_port), 65535);
	assert_int_equal(metrics_listen_parse("[::1]:1", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*in6));
	assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!metrics_listen_parse(bad[i], &sa, &len))
			fail_msg("'%s' accepted", bad[i]);
}

/* Files in dir other than the page: a temporary file left behind. */
static int strays(const char *d, const char *page)
{
	struct dirent *e;
	DIR *dp = opendir(d);
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)))
		n += e->d_name[0] != '.' || strlen(e->d_name) > 2 ? strcmp(e->d_name, page) != 0
								  : 0;
	closedir(dp);
	return n;
}

static void test_metrics_file(void **state)
{
	struct metrics_opts o = { .db_path = "/nonexistent/netmon.db" };
	char path[512], sub[256], buf[8192];
	struct metrics *m;
	struct stat st;
	FILE *f;
	size_t n;

	snprintf(sub, sizeof(sub), "%s/prom", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/netmon.prom", sub);
	o.file = path;
	umask(027); /* the recorder's (privs.c): the page must be readable anyway */
	assert_int_equal(metrics_open(&m, &o), 0);
	metrics_publish(m, 0, NULL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "# HELP netmon_build_info ", 25), 0);
	assert_non_null(strstr(buf, "\nnetmon_intervals_written_total 0\n"));
	assert_int_equal(strays(sub, "netmon.prom"), 0);
	metrics_close(m);

	/* A directory that is not there: the start fails, naming the file. */
	snprintf(path, sizeof(path), "%s/missing/netmon.prom", dir);
	assert_int_equal(metrics_open(&m, &o), -ENOENT);
	assert_null(m);
	/* Neither option: nothing to do, nothing made. */
	assert_int_equal(metrics_open(&m, &(struct metrics_opts){ 0 }), 0);
	assert_null(m);
}

/* netmon_anomalies_total: the hits the evaluator committed, kind by kind. */
static void test_anomaly_hits_stored(void **state)
{
	struct total_record bad = total(1, 0, NETMON_KIND_MALFORMED, 0, 0, 20, 1200);
	struct snapshot snap = { .totals = &bad, .n_totals = 1 };
	struct anomaly_settings settings;
	struct anomaly_eval *a;
	struct store *st;
	sqlite3 *db;
	char path[256];

	clock_gettime(CLOCK_REALTIME, &snap.wall);
	snprintf(path, sizeof(path), "%s/a.db", dir);
	anomaly_settings_init(&settings);
	assert_int_equal(store_open(&st, path), 0);
	/* opened first: it evaluates what is written from then on */
	assert_int_equal(anomaly_eval_open(&a, path, &settings, 10000), 0);
	assert_int_equal(store_write_interval(st, &snap, 1000, 1060), 0);
	assert_int_equal(store_write_interval(st, &snap, 1060, 1120), 0);
	assert_int_equal(anomaly_eval_stored(a, "malformed.sql"), 0);
	assert_int_equal(anomaly_eval_run(a), 2);
	/* nothing new: evaluated again, nothing added */
	assert_int_equal(anomaly_eval_run(a), 0);
	assert_int_equal(store_write_interval(st, &snap, 1120, 1180), 0);
	assert_int_equal(anomaly_eval_run(a), 1);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	assert_int_equal(anomaly_eval_stored(a, "malformed.sql"),
			 q_int(db, "SELECT count(*) FROM anomaly_log WHERE kind = 'malformed'"));
	assert_int_equal(anomaly_eval_stored(a, "malformed.sql"), 3);
	assert_int_equal(anomaly_eval_stored(a, "port_scan.sql"), 0);
	assert_int_equal(anomaly_eval_stored(NULL, "malformed.sql"), 0);
	db_close(db);
	anomaly_eval_close(a);
	store_close(st);
}

/* A SIGHUP cannot move the endpoint or the file: logged, the old ones stay. */
static void test_reload_needs_restart(void **state)
{
	char *argv[] = { "netmon-record",  "--metrics-listen", "9464",
			 "--metrics-file", "/a.prom",	       NULL };
	char *next_argv[] = { "netmon-record",	"--metrics-listen", "[::1]:9465",
			      "--metrics-file", "/b.prom",	    NULL };
	struct cli_config cur, next;

	assert_int_equal(cli_parse(5, argv, &cur, stdout), 0);
	assert_int_equal(cli_parse(5, next_argv, &next, stdout), 0);
	assert_int_equal(reload_merge(&cur, &next), 0);
	assert_string_equal(cur.metrics_listen, "9464");
	assert_string_equal(cur.metrics_file, "/a.prom");
	/* and a bad value is a usage error, named */
	argv[2] = "9464x";
	assert_int_equal(cli_parse(5, argv, &cur, stdout), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_equals_database),
		cmocka_unit_test(test_label_escaping_and_classes),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_metrics_file),
		cmocka_unit_test(test_reload_needs_restart),
		cmocka_unit_test(test_anomaly_hits_stored),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
