// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_report_queries.c - the embedded report queries (sql/report/NAME.sql) against the real
 * schema.
 *
 * Each query must prepare against the schema this build creates, hold one
 * statement and take no parameter but :since, :until and :limit; the window
 * must include ts_start == since and exclude ts_start == until.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "db.h"
#include "embed.h"
#include "log.h"
#include "temp_db.h"
#include "report_query.h"
#include "report_run.h"
#include "report_window.h"

/* A fresh database with the current schema and one interval of traffic. */
static int setup(void **state)
{
	struct temp_db *f = calloc(1, sizeof(*f));

	setenv("TZ", "UTC0", 1);
	log_init("test_report_queries", LOGLVL_ERR);
	if (!f || temp_db_open(f, "test_report_queries") ||
	    db_exec(f->db,
		    "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us, "
		    "first_flow_id, last_flow_id) VALUES (1, 1000, 1060, 1, 1, 1, 1, 1);"
		    "INSERT INTO interfaces VALUES (1, 'eth0');"
		    "INSERT INTO addresses VALUES (1, 4, x'0a000001', '10.0.0.1');"
		    "INSERT INTO conversations VALUES (1, 1, 1, 6, 1, 1);"
		    "INSERT INTO flows VALUES (1, 1, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0);"
		    "INSERT INTO traffic (interval_id, iface_id, direction, kind, family, "
		    "protocol, packets, bytes) VALUES (1, 1, 1, 0, 4, 6, 3, 4);"))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct temp_db *f = *state;

	temp_db_remove(f);
	free(f);
	return 0;
}

static void test_queries_prepare(void **state)
{
	struct temp_db *f = *state;
	int n = 0;

	for (const struct embedded_file *q = netmon_report_queries; q->name; q++, n++) {
		sqlite3_stmt *st;

		if (query_prepare(f->db, q->name, &st))
			fail_msg("%s does not prepare", q->name);
		assert_true(sqlite3_stmt_readonly(st));
		for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
			const char *p = sqlite3_bind_parameter_name(st, i);

			/* The parameters netmon-report binds (report_query.c, query_bind). */
			if (!p ||
			    (strcmp(p, ":since") && strcmp(p, ":until") && strcmp(p, ":limit") &&
			     strcmp(p, ":pid") && strcmp(p, ":comm") && strcmp(p, ":bucket") &&
			     strcmp(p, ":service") && strcmp(p, ":user")))
				fail_msg("%s: parameter %s", q->name, p ? p : "?");
		}
		sqlite3_finalize(st);
	}
	assert_true(n >= 8);
	assert_int_equal(query_prepare(f->db, "no_such.sql", &(sqlite3_stmt *){ NULL }), -ENOENT);
}

/* Run a command on the fixture and return what it wrote (caller frees). */
static char *run(sqlite3 *db, enum report_command cmd, enum fmt_format format, int64_t since,
		 int64_t until)
{
	struct report_opts o = {
		.command = cmd, .format = format, .limit = 10, .since = since, .until = until
	};
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_int_equal(report_run(db, &o, fp, &(size_t){ 0 }), 0);
	fclose(fp);
	return text;
}

static void check_run(sqlite3 *db, enum report_command cmd, enum fmt_format format, int64_t since,
		      int64_t until, const char *want)
{
	char *got = run(db, cmd, format, since, until);

	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

static void test_window_bounds(void **state)
{
	struct temp_db *f = *state;
	const char *flow = "interface,direction,protocol,src,src_name,src_port,dst,dst_name,"
			   "dst_port,packets,bytes\n"
			   "eth0,out,6,10.0.0.1,,1,10.0.0.1,,2,3,4\n";

	check_run(f->db, REPORT_TOP_FLOWS, FMT_CSV, WINDOW_START, WINDOW_END, flow);
	check_run(f->db, REPORT_TOP_FLOWS, FMT_CSV, 1000, 1001, flow);
	check_run(f->db, REPORT_TOP_FLOWS, FMT_CSV, 999, 1000,
		  "interface,direction,protocol,src,src_name,src_port,dst,dst_name,dst_port,"
		  "packets,bytes\n");
	check_run(f->db, REPORT_TOP_FLOWS, FMT_CSV, 1001, WINDOW_END,
		  "interface,direction,protocol,src,src_name,src_port,dst,dst_name,dst_port,"
		  "packets,bytes\n");
}

/* The one flow of the fixture in the new rankings; its share is all bytes. */
static void test_new_rankings(void **state)
{
	struct temp_db *f = *state;

	/* Ports 1 and 2, neither named: the lower is the server's. */
	check_run(f->db, REPORT_TOP_PORTS, FMT_CSV, WINDOW_START, WINDOW_END,
		  "protocol,port,app,in_packets,in_bytes,out_packets,out_bytes,total_packets,"
		  "total_bytes,peers\n6,1,,0,0,3,4,3,4,1\n");
	check_run(f->db, REPORT_TOP_APPS, FMT_CSV, WINDOW_START, WINDOW_END,
		  "app,ports,in_packets,in_bytes,out_packets,out_bytes,total_packets,"
		  "total_bytes,peers\ntcp/1,tcp/1,0,0,3,4,3,4,1\n");
	check_run(f->db, REPORT_TREND, FMT_CSV, WINDOW_START, WINDOW_END,
		  "bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct\n"
		  "0,0,0,3,4,1.7\n");
	check_run(f->db, REPORT_TOP_INTERFACES, FMT_CSV, WINDOW_START, WINDOW_END,
		  "interface,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes\n"
		  "eth0,0,0,3,4,3,4\n");
	check_run(f->db, REPORT_TOP_PROTOCOLS, FMT_JSON, WINDOW_START, WINDOW_END,
		  "[\n  {\"family\": 4, \"protocol\": 6, \"packets\": 3, \"bytes\": 4, "
		  "\"bytes_pct\": 100.0}\n]\n");
	check_run(f->db, REPORT_TOP_PROTOCOLS, FMT_JSON, 1001, WINDOW_END, "[]\n");
}

static void test_empty_window(void **state)
{
	struct temp_db *f = *state;

	check_run(f->db, REPORT_TOP_HOSTS, FMT_TABLE, 2000, 3000,
		  "nothing recorded between 1970-01-01 00:33:20 UTC and "
		  "1970-01-01 00:50:00 UTC\n");
	check_run(f->db, REPORT_SUMMARY, FMT_TABLE, 2000, WINDOW_END,
		  "nothing recorded between 1970-01-01 00:33:20 UTC and the end of history\n");
	check_run(f->db, REPORT_TOP_FLOWS, FMT_JSON, 2000, 3000, "[]\n");
	check_run(f->db, REPORT_SUMMARY, FMT_JSON, 2000, 3000,
		  "{\n  \"window\": {\"since\": 2000, \"until\": 3000, \"intervals\": 0},\n"
		  "  \"traffic\": [],\n  \"interfaces\": [],\n  \"collector\": [],\n"
		  "  \"hosts\": [],\n  \"apps\": [],\n  \"ports\": [],\n  \"processes\": [],\n"
		  "  \"services\": [],\n  \"users\": [],\n  \"protocols\": [],\n  \"trend\": [],\n  \"anomalies\": [],\n"
		  "  \"gaps\": []\n}\n");
}

/*
 * Which port is the server's (sql/0009_server_ports.sql), one connection per
 * rule, in an interval of their own (added last: the other tests' windows
 * hold only the first interval). 10.0.0.1 is the client, 10.0.0.2 the server.
 */
static void test_server_port_rules(void **state)
{
	struct temp_db *f = *state;
	const char *want =
		/* a SYN to a closed port from a lower port, and its RST+ACK */
		"1350|8081|8081|request\n8081|1350|8081|request\n"
		/* an open port: the client's SYN then RST, the server's SYN-ACK only */
		"1351|8082|8082|request\n8082|1351|8082|request\n"
		/* a whole connection: the client's SYN came 5 ms first */
		"1400|9000|9000|syn order\n9000|1400|9000|syn order\n"
		/* the same within one ms: nothing to tell, so the lower port */
		"1401|9001|1401|lower\n9001|1401|1401|lower\n"
		/* UDP 1000 <-> 5353 (mdns): the named port */
		"1000|5353|5353|name\n5353|1000|5353|name\n"
		/* no port: 0 */
		"0|0|0|\n"
		/* within one ms again, the client's flow marked by the programs as
		 * holding a SYN without ACK (0024): the request tells */
		"1402|9002|9002|request\n9002|1402|9002|request\n";
	char *got = NULL;
	size_t len = 0;
	FILE *fp;
	sqlite3_stmt *st;

	assert_int_equal(
		db_exec(f->db,
			"INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, "
			"write_us, "
			"first_flow_id, last_flow_id) VALUES (2, 5000, 5060, 13, 1, 1, 11, 23);"
			"INSERT INTO addresses VALUES (2, 4, x'0a000002', '10.0.0.2');"
			"INSERT INTO conversations VALUES (2, 1, 1, 6, 1, 2), (3, 1, 0, 6, 2, 1),"
			" (4, 1, 1, 17, 1, 2), (5, 1, 0, 17, 2, 1);"
			/* id, conversation, sport, dport, packets, bytes, flags, syn, fin, rst,
			 * first_ms, span_ms, syn_request */
			"INSERT INTO flows VALUES"
			" (11, 2, 1350, 8081, 1, 44, 2, 1, 0, 0, 10, 0, 0),"
			" (12, 3, 8081, 1350, 1, 40, 20, 0, 0, 1, 10, 0, 0),"
			" (13, 2, 1351, 8082, 2, 84, 6, 1, 0, 1, 20, 1, 0),"
			" (14, 3, 8082, 1351, 1, 44, 18, 1, 0, 0, 20, 0, 0),"
			" (15, 2, 1400, 9000, 5, 500, 27, 1, 1, 0, 100, 9, 0),"
			" (16, 3, 9000, 1400, 4, 400, 27, 1, 1, 0, 105, 5, 0),"
			" (17, 2, 1401, 9001, 5, 500, 27, 1, 1, 0, 200, 9, 0),"
			" (18, 3, 9001, 1401, 4, 400, 27, 1, 1, 0, 200, 5, 0),"
			" (19, 4, 1000, 5353, 1, 100, 0, 0, 0, 0, 300, 0, 0),"
			" (20, 5, 5353, 1000, 1, 100, 0, 0, 0, 0, 301, 0, 0),"
			" (21, 2, 0, 0, 1, 40, 16, 0, 0, 0, 400, 0, 0),"
			" (22, 2, 1402, 9002, 5, 500, 27, 1, 1, 0, 200, 9, 1),"
			" (23, 3, 9002, 1402, 4, 400, 27, 1, 1, 0, 200, 5, 0);"),
		0);
	assert_int_equal(
		sqlite3_prepare_v2(f->db,
				   "SELECT src_port, dst_port, server_port, server_rule "
				   "FROM flow_server_ports WHERE interval_id = 2 ORDER BY flow_id",
				   -1, &st, NULL),
		SQLITE_OK);
	fp = open_memstream(&got, &len);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(fp, "%d|%d|%d|%s\n", sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
			sqlite3_column_int(st, 2),
			sqlite3_column_type(st, 3) == SQLITE_NULL
				? ""
				: (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	fclose(fp);
	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
	/* top ports shows the same ports (flow_app_log reads the same view) */
	check_run(f->db, REPORT_TOP_PORTS, FMT_CSV, 5000, 5001,
		  "protocol,port,app,in_packets,in_bytes,out_packets,out_bytes,total_packets,"
		  "total_bytes,peers\n6,1401,,4,400,5,500,9,900,1\n6,9000,,4,400,5,500,9,900,1\n"
		  "6,9002,,4,400,5,500,9,900,1\n"
		  "17,5353,mdns,1,100,1,100,2,200,1\n6,8082,,1,44,2,84,3,128,1\n"
		  "6,8081,,1,40,1,44,2,84,1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries_prepare),	  cmocka_unit_test(test_window_bounds),
		cmocka_unit_test(test_empty_window),	  cmocka_unit_test(test_new_rankings),
		cmocka_unit_test(test_server_port_rules),
	};

	return cmocka_run_group_tests_name("report_queries", tests, setup, teardown);
}
