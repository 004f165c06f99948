// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_history.c - rollups and retention over synthetic histories written
 * through the real store: every rollup level equals the raw rows it came
 * from (late intervals included), retention leaves exactly the configured
 * windows, and the file stops growing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>
#include "db.h"
#include "embed.h"
#include "history.h"
#include "log.h"
#include "store/maintain.h"
#include "store/rollup.h"
#include "store/store.h"
#include "temp_db.h"

#define DAY 86400
/* 2025-01-30 00:00 UTC: histories cross a month boundary. */
#define JAN30 1738195200

static char dir[] = "/tmp/netmon-test-history-XXXXXX";

static int setup(void **state)
{
	log_init("test_history", LOGLVL_ERR);
	setenv("TZ", "UTC0", 1); /* trend's local days */
	tzset();
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

static long long q_int(sqlite3 *db, const char *sql, long long arg)
{
	sqlite3_stmt *st;
	long long v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sqlite3_errmsg(db), sql);
	sqlite3_bind_int64(st, 1, arg);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The bucket of level ?1 that holds ts, as rollup_from_raw.sql computes it. */
#define BUCKET(ts)                                                                   \
	"CASE ?1 WHEN 1 THEN " ts " / 3600 * 3600 WHEN 2 THEN " ts " / 86400 * 86400 " \
	"ELSE unixepoch(" ts ", 'unixepoch', 'start of month') END"

/* Raw intervals a level holds: those starting before its watermark. */
#define ROLLED "(SELECT value FROM meta WHERE key = 'rolled_until_' || ?1)"

/* Flows with their server port as the view decides it (sql/0009_server_ports.sql). */
#define RAW_FLOWS                                                                   \
	"raw_flows AS (SELECT " BUCKET("ts_start") " AS b, * FROM flow_server_ports "   \
	"WHERE ts_start < " ROLLED ")"

/* Rows in one set and not the other, both ways: 0 when equal. */
#define SAME(raw, roll)                                                               \
	"SELECT (SELECT count(*) FROM (SELECT * FROM raw EXCEPT SELECT * FROM roll)) + " \
	"(SELECT count(*) FROM (SELECT * FROM roll EXCEPT SELECT * FROM raw))"

static const char *const level_checks[] = {
	/* interface totals, every level */
	"WITH raw AS (SELECT " BUCKET("i.ts_start") ", t.iface_id, t.direction, t.kind, "
	"t.family, t.protocol, sum(t.packets), sum(t.bytes) FROM intervals i "
	"JOIN traffic t ON t.interval_id = i.id WHERE i.ts_start < " ROLLED
	" GROUP BY 1, 2, 3, 4, 5, 6), roll AS (SELECT bucket, iface_id, direction, kind, "
	"family, protocol, packets, bytes FROM rollup_traffic WHERE level = ?1) " SAME(raw, roll),
	/* conversations by server port */
	"WITH " RAW_FLOWS ", raw AS (SELECT b, conversation_id, server_port, "
	"sum(packets), sum(bytes), count(*), sum(syn) "
	"FROM raw_flows WHERE ?1 < 3 GROUP BY 1, 2, 3), roll AS (SELECT bucket, conversation_id, "
	"port, packets, bytes, flows, syn FROM rollup_conversations WHERE level = ?1) "
	SAME(raw, roll),
	/* hosts: sent as source, received as destination */
	"WITH " RAW_FLOWS ", raw AS (SELECT b, a, direction, sum(sp), sum(sb), sum(rp), sum(rb) "
	"FROM (SELECT b, src_id AS a, direction, packets AS sp, bytes AS sb, 0 AS rp, 0 AS rb "
	"FROM raw_flows UNION ALL SELECT b, dst_id, direction, 0, 0, packets, bytes "
	"FROM raw_flows) WHERE ?1 < 3 GROUP BY 1, 2, 3), roll AS (SELECT bucket, address_id, "
	"direction, sent_packets, sent_bytes, received_packets, received_bytes FROM rollup_hosts "
	"WHERE level = ?1) " SAME(raw, roll),
	/* server ports */
	"WITH " RAW_FLOWS ", raw AS (SELECT b, protocol, server_port AS port, "
	"direction, sum(packets), sum(bytes), count(*) FROM raw_flows WHERE ?1 < 3 AND "
	"protocol IN (6, 17) AND server_port <> 0 GROUP BY 1, 2, 3, 4), "
	"roll AS (SELECT bucket, protocol, port, direction, packets, bytes, flows "
	"FROM rollup_ports WHERE level = ?1) " SAME(raw, roll),
	/* the remote addresses of each server port */
	"WITH " RAW_FLOWS ", raw AS (SELECT DISTINCT b, protocol, server_port, "
	"CASE direction WHEN 0 THEN src_id ELSE dst_id END FROM raw_flows WHERE ?1 < 3 AND "
	"protocol IN (6, 17) AND server_port <> 0), roll AS (SELECT bucket, "
	"protocol, port, address_id FROM rollup_port_peers WHERE level = ?1) " SAME(raw, roll),
	/* processes */
	"WITH raw AS (SELECT " BUCKET("i.ts_start") ", p.pid, coalesce(p.comm_id, 0), "
	"p.protocol, p.family, sum(p.bytes_sent), sum(p.bytes_recv), sum(p.sends), "
	"sum(p.recvs), min(i.ts_start), max(i.ts_end) FROM intervals i JOIN processes p "
	"ON p.interval_id = i.id WHERE ?1 < 3 AND i.ts_start < " ROLLED
	" GROUP BY 1, 2, 3, 4, 5), roll AS (SELECT bucket, pid, comm_id, protocol, family, "
	"bytes_sent, bytes_recv, sends, recvs, first_ts, last_ts FROM rollup_processes "
	"WHERE level = ?1) " SAME(raw, roll),
	/* services and users: the processes by their cgroup's service and uid */
	"WITH raw AS (SELECT " BUCKET("i.ts_start") ", coalesce(c.service_id, 0), "
	"coalesce(p.uid, -1), p.protocol, p.family, sum(p.bytes_sent), sum(p.bytes_recv), "
	"sum(p.sends), sum(p.recvs), min(i.ts_start), max(i.ts_end) FROM intervals i "
	"JOIN processes p ON p.interval_id = i.id LEFT JOIN cgroups c ON c.id = p.cgroup_ref "
	"WHERE ?1 < 3 AND i.ts_start < " ROLLED " GROUP BY 1, 2, 3, 4, 5), "
	"roll AS (SELECT bucket, service_id, uid, protocol, family, bytes_sent, bytes_recv, "
	"sends, recvs, first_ts, last_ts FROM rollup_services WHERE level = ?1) "
	SAME(raw, roll),
};

/* Every level holds exactly what its raw rows add up to. */
static void assert_levels_equal_raw(sqlite3 *db)
{
	for (int level = ROLLUP_HOURLY; level <= ROLLUP_MONTHLY; level++)
		for (size_t i = 0; i < sizeof(level_checks) / sizeof(level_checks[0]); i++)
			if (q_int(db, level_checks[i], level))
				fail_msg("level %d, check %zu: rollup differs from raw", level, i);
}

static struct store *open_store(const char *name)
{
	char path[128];
	struct store *st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(store_open(&st, path), 0);
	return st;
}

static void test_rollups_equal_raw(void **state)
{
	struct history_opts h = { .start = JAN30, .interval = 600, .n_intervals = 4 * 144,
				  .flows = 60, .clients = 40, .seed = 1, .with_procs = 1,
				  .with_names = 1 };
	struct maintain m = { .no_retention = 1 };
	struct store *st = open_store("rollup.db");
	sqlite3 *db = store_db(st);
	int64_t last = JAN30 + 4 * DAY - 600;

	assert_int_equal(history_write(st, &h), 0);
	assert_int_equal(maintain_run(&m, db, 0, 0), 0);
	/* complete: every hour before the last one, every day before it, January */
	assert_int_equal(rollup_watermark(db, ROLLUP_HOURLY), last / 3600 * 3600);
	assert_int_equal(rollup_watermark(db, ROLLUP_DAILY), last / DAY * DAY);
	assert_int_equal(rollup_watermark(db, ROLLUP_MONTHLY), 1738368000); /* Feb 1 */
	assert_true(q_int(db, "SELECT count(*) FROM rollup_hosts WHERE level = ?1", 2) > 0);
	/* every service, at the daily level */
	assert_int_equal(q_int(db, "SELECT count(DISTINCT service_id) FROM rollup_services "
				   "WHERE level = ?1 AND service_id > 0", 2), 4);
	assert_levels_equal_raw(db);
	/* The views present the levels like traffic_log. */
	assert_int_equal(q_int(db, "SELECT sum(bytes) FROM traffic_monthly WHERE ?1", 1),
			 q_int(db, "SELECT sum(bytes) FROM traffic_log WHERE ts_start < ?1",
			       1738368000));

	/* A capture from 2025-01-30 imported now: in every level already past it. */
	h.start = JAN30 + 300;
	h.n_intervals = 1;
	h.seed = 2;
	/* Rolled up as it is written: before history_write() could name its
	 * processes (the recorder stores the cgroup with the row). */
	h.with_names = 0;
	assert_int_equal(history_write(st, &h), 0);
	assert_levels_equal_raw(db);
	store_close(st);
}

static int64_t report_bucket = 3600; /* :bucket of the trend queries */

/* All rows of an embedded report query over [since, until), as one string. */
static char *run_report(sqlite3 *db, const char *name, int64_t since, int64_t until)
{
	const struct embedded_file *q = embed_find(netmon_report_queries, name);
	size_t len = 0, cap = 1 << 22;
	char *out = calloc(1, cap);
	sqlite3_stmt *st;

	assert_non_null(q);
	assert_non_null(out);
	if (sqlite3_prepare_v2(db, q->text, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", name, sqlite3_errmsg(db));
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), since);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), until);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), 100000);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":bucket"), report_bucket);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);

			len += (size_t)snprintf(out + len, cap - len, "%s|", v ? v : "NULL");
			assert_true(len < cap - 1);
		}
		out[len++] = '\n';
	}
	sqlite3_finalize(st);
	return out;
}

/*
 * The reports read whole rolled-up days and hours from the rollups and the
 * rest from raw rows: the same answer as from raw rows alone (watermarks at
 * 0 make every query read raw), for windows with ragged edges too.
 */
static void test_reports_read_rollups_exactly(void **state)
{
	static const char *const queries[] = {
		"summary_traffic.sql", "summary_interfaces.sql", "top_interfaces.sql",
		"top_protocols.sql",   "top_hosts.sql",          "top_processes.sql",
		"trend.sql",	       "trend_interface.sql",	 "trend_protocol.sql",
		"top_ports.sql",       "top_apps.sql",           "top_services.sql",
		"top_users.sql",       "top_hosts_numeric.sql",
	};
	/* trend buckets: hours, local days (TZ=UTC here), 5 minutes (raw only) */
	const int64_t buckets[] = { 3600, 86400, 300, 7200 };
	const int64_t windows[][2] = {
		{ INT64_MIN, INT64_MAX },
		{ JAN30 + 3 * 3600 + 17 * 60, JAN30 + 3 * DAY + 5 * 3600 + 3 * 60 },
		{ JAN30 + DAY, JAN30 + 2 * DAY },
		{ JAN30 + DAY + 3600, JAN30 + DAY + 7200 },
	};
	struct history_opts h = { .start = JAN30, .interval = 600, .n_intervals = 4 * 144,
				  .flows = 40, .clients = 30, .seed = 7, .with_procs = 1,
				  .with_names = 1 };
	struct maintain m = { .no_retention = 1 };
	struct store *st = open_store("reports.db");
	sqlite3 *db = store_db(st);

	assert_int_equal(history_write(st, &h), 0);
	assert_int_equal(maintain_run(&m, db, 0, 0), 0);
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]) * 4; w++) {
			report_bucket = buckets[w / 4];
			if (w >= 4 && strncmp(queries[q], "trend", 5))
				break;
			char *tiered = run_report(db, queries[q], windows[w % 4][0], windows[w % 4][1]);
			char *raw;

			assert_int_equal(sqlite3_exec(db, "BEGIN; UPDATE meta SET value = 0 WHERE "
							  "key LIKE 'rolled_until_%'", NULL, NULL, NULL),
					 SQLITE_OK);
			raw = run_report(db, queries[q], windows[w % 4][0], windows[w % 4][1]);
			assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
			assert_true(strlen(raw) > 0);
			if (strcmp(tiered, raw))
				fail_msg("%s, window %zu, bucket %lld:\nrollups:\n%s\nraw:\n%s",
					 queries[q], w % 4, (long long)report_bucket,
					 tiered, raw);
			free(tiered);
			free(raw);
		}
	}
	store_close(st);
}

static long long file_size(const char *name)
{
	char path[128];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &sb), 0);
	return (long long)sb.st_size;
}

static void test_retention_windows_and_plateau(void **state)
{
	struct history_opts h = { .start = JAN30, .interval = 3600, .n_intervals = 20 * 24,
				  .flows = 200, .clients = 100, .seed = 3, .with_procs = 1 };
	struct maintain m = { .keep = { .flows = 3, .processes = 5, .totals = 7, .hourly = 10,
					.daily = 15 } };
	struct store *st = open_store("retention.db");
	sqlite3 *db = store_db(st);
	long long sizes[4];
	int64_t now = 0;

	/* 80 days in four steps of 20, housekeeping after each, as the recorder would */
	for (int step = 0; step < 4; step++) {
		assert_int_equal(history_write(st, &h), 0);
		now = h.start + (int64_t)h.n_intervals * h.interval;
		assert_int_equal(maintain_run(&m, db, now, 0), 0);
		assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
					      NULL), SQLITE_OK);
		/* What the rows take: the free pages maintain leaves in the file
		 * (fewer than a quarter of its vacuum step, maintain.c) come and
		 * go with the step's timing, up to a fifth of this small file. */
		sizes[step] = file_size("retention.db") -
			      q_int(db, "SELECT f.freelist_count * s.page_size FROM "
				    "pragma_freelist_count() f, pragma_page_size() s", 0);
		h.start = now;
		h.seed++;
	}
	/* Only the windows are left (each level's cutoff is at most its window). */
	assert_true(q_int(db, "SELECT min(ts_start) FROM intervals WHERE last_flow_id >= "
			      "first_flow_id", 0) >= now - 3 * DAY);
	assert_true(q_int(db, "SELECT min(i.ts_start) FROM processes p JOIN intervals i "
			      "ON i.id = p.interval_id", 0) >= now - 5 * DAY);
	assert_true(q_int(db, "SELECT min(ts_start) FROM intervals", 0) >= now - 7 * DAY);
	assert_true(q_int(db, "SELECT min(bucket) FROM rollup_hosts WHERE level = ?1", 1) >=
		    now - 10 * DAY);
	/* daily rows wait for their month to be complete in the monthly level */
	assert_true(q_int(db, "SELECT min(bucket) FROM rollup_hosts WHERE level = ?1", 2) >=
		    rollup_watermark(db, ROLLUP_MONTHLY));
	assert_true(rollup_watermark(db, ROLLUP_MONTHLY) > now - 15 * DAY - 31 * DAY);
	/* ... and no less: a window's worth of each is still there. */
	assert_true(q_int(db, "SELECT min(ts_start) FROM intervals WHERE last_flow_id >= "
			      "first_flow_id", 0) <= now - 3 * DAY + 3600);
	assert_true(q_int(db, "SELECT min(bucket) FROM rollup_traffic WHERE level = ?1", 1) <=
		    now - 10 * DAY + 3600);
	/* Monthly totals are kept: January is still there. */
	assert_int_equal(q_int(db, "SELECT min(bucket) FROM rollup_traffic WHERE level = ?1", 3),
			 1735689600);
	/* The file reached a plateau once the windows were full (after 20 days). */
	print_message("# file size after 20/40/60/80 days: %lld %lld %lld %lld bytes\n", sizes[0],
		      sizes[1], sizes[2], sizes[3]);
	/*
	 * It breathes with the month (daily rows wait for their month to end:
	 * day 60 is March 31) but does not grow: day 80 is where day 40 was.
	 */
	assert_true(sizes[3] <= sizes[1] + sizes[1] / 10);
	assert_true(sizes[2] <= sizes[1] + sizes[1] / 2);
	store_close(st);
}

/* What housekeeping leaves, as text: every rollup row, the raw rows kept. */
static char *dump_kept(sqlite3 *db)
{
	static const char *const tables[] = {
		"rollup_traffic",
		"rollup_hosts",
		"rollup_ports",
		"rollup_port_peers",
		"rollup_conversations",
		"rollup_processes",
		"rollup_services",
		"(SELECT id, ts_start, first_flow_id, last_flow_id FROM intervals)",
		"(SELECT count(*), min(id), max(id), sum(bytes) FROM flows)",
		"(SELECT interval_id, count(*) FROM processes GROUP BY 1)",
		"(SELECT interval_id, count(*), sum(bytes) FROM traffic GROUP BY 1)",
		"(SELECT key, value FROM meta WHERE key LIKE 'rolled_until_%')",
	};
	size_t len = 0, cap = 1 << 24;
	char *out = calloc(1, cap);

	assert_non_null(out);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		char sql[320];
		sqlite3_stmt *st;

		int n = snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[t]);

		/* ordered by every column: the same rows print the same */
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
		for (int c = 0; c < sqlite3_column_count(st); c++)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%s%d",
				      c ? ", " : " ORDER BY ", c + 1);
		sqlite3_finalize(st);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
		len += (size_t)snprintf(out + len, cap - len, "%s\n", tables[t]);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const char *v = (const char *)sqlite3_column_text(st, c);

				len += (size_t)snprintf(out + len, cap - len, "%s|",
							v ? v : "NULL");
			}
			out[len++] = '\n';
			assert_true(len < cap - 256);
		}
		sqlite3_finalize(st);
	}
	return out;
}

/*
 * The recorder runs housekeeping after every interval on its store's
 * connection, with its statements kept prepared (sqlfile.h): over many
 * rounds of rollups, late intervals and retention it leaves exactly what
 * it leaves when every round runs on a fresh connection (every statement
 * prepared anew). The same history goes into two files through two
 * stores. A kept statement not reset, or with a parameter of its last run
 * still bound, reads a stale watermark or cutoff and tells them apart.
 */
static void test_kept_statements_as_fresh_connections(void **state)
{
	struct history_opts h = { .start = JAN30 - 2 * DAY,
				  .interval = 1800,
				  .n_intervals = 24,
				  .flows = 12,
				  .clients = 8,
				  .seed = 21,
				  .with_procs = 1 };
	struct maintain one = {
		.keep = { .flows = 1, .processes = 2, .totals = 3, .hourly = 4, .daily = 2 }
	};
	struct maintain fresh = one;
	struct store *st = open_store("kept.db"), *f = open_store("fresh.db");
	char path[128], *kept_rows, *fresh_rows;

	snprintf(path, sizeof(path), "%s/fresh.db", dir);
	/* 7 days in rounds of 12 hours, across a month; an interval written
	 * late (already rolled up) every third round */
	for (int round = 0; round < 14; round++) {
		struct history_opts late = h;
		int64_t now = h.start + (int64_t)h.n_intervals * h.interval;
		sqlite3 *db;

		late.start = h.start - DAY + 300;
		late.n_intervals = 1;
		late.seed = h.seed + 1000;
		for (int run = 0; run < 2; run++) {
			assert_int_equal(history_write(run ? f : st, &h), 0);
			if (round % 3 == 2)
				assert_int_equal(history_write(run ? f : st, &late), 0);
		}
		assert_int_equal(maintain_run(&one, store_db(st), now, 0), 0);
		assert_int_equal(db_open(path, DB_READ_WRITE, &db), 0);
		assert_int_equal(maintain_run(&fresh, db, now, 0), 0);
		db_close(db);
		h.start = now;
		h.seed++;
	}
	/* the rounds did roll up every level and delete raw rows */
	assert_true(q_int(store_db(st), "SELECT count(*) FROM rollup_traffic WHERE level = ?1", 3) >
		    0);
	assert_true(q_int(store_db(st), "SELECT min(ts_start) FROM intervals WHERE ?1", 1) > JAN30);
	kept_rows = dump_kept(store_db(st));
	fresh_rows = dump_kept(store_db(f));
	store_close(st);
	store_close(f);
	if (strcmp(kept_rows, fresh_rows)) {
		size_t at = 0, line;

		while (kept_rows[at] == fresh_rows[at])
			at++;
		for (line = at; line > 0 && kept_rows[line - 1] != '\n';)
			line--;
		fail_msg("one connection and fresh ones differ at byte %zu:\n%.300s\n---\n%.300s",
			 at, kept_rows + line, fresh_rows + line);
	}
	free(kept_rows);
	free(fresh_rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollups_equal_raw),
		cmocka_unit_test(test_reports_read_rollups_exactly),
		cmocka_unit_test(test_retention_windows_and_plateau),
		cmocka_unit_test(test_kept_statements_as_fresh_connections),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
