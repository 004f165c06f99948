// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_store.c - the store and db_open against real temporary files:
 * intervals written through store_write_interval() read back exactly through
 * the documented views; files that are not ours are refused untouched.
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
#include <cmocka.h>
#include "db.h"
#include "embed.h"
#include "log.h"
#include "store/store.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include "temp_db.h"

static char dir[] = "/tmp/netmon-test-store-XXXXXX";

static void path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return temp_dir_remove(dir);
}

static struct flow_record flow(int family, const char *src, const char *dst, int proto,
			       int sport, int dport, int dir_, uint64_t packets, uint64_t bytes)
{
	struct flow_record r;

	memset(&r, 0, sizeof(r));
	r.key.ifindex = 1; /* lo: exists everywhere */
	r.key.family = family;
	r.key.protocol = proto;
	r.key.direction = dir_;
	r.key.src_port = sport;
	r.key.dst_port = dport;
	inet_pton(family == 4 ? AF_INET : AF_INET6, src, r.key.src);
	inet_pton(family == 4 ? AF_INET : AF_INET6, dst, r.key.dst);
	r.c.packets = packets;
	r.c.bytes = bytes;
	r.c.syn = 1;
	r.c.tcp_flags = 0x12;
	return r;
}

/* One integer from a query, asserting it returns a row. */
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

static void test_interval_round_trip(void **state)
{
	struct flow_record flows[3];
	struct total_record totals[2];
	struct snapshot snap = { .flows = flows, .n_flows = 3, .totals = totals, .n_totals = 2,
				 .proc_full_calls = 3, .proc_full_bytes = 5000000000ull };
	struct store *st;
	sqlite3 *db;
	char path[256];

	flows[0] = flow(4, "198.18.0.1", "198.18.0.2", 6, 40000, 80, 1, 10, 5000);
	flows[1] = flow(6, "2001:db8::1", "2001:db8::2", 17, 53, 5353, 0, 3, 300);
	flows[2] = flow(4, "198.18.0.2", "198.18.0.1", 6, 80, 40000, 0, 7, 9000000000ull);
	memset(totals, 0, sizeof(totals));
	totals[0].key = (struct total_key){ .ifindex = 1, .direction = 1, .family = 4,
					    .protocol = 6, .kind = NETMON_KIND_IP };
	totals[0].c = (struct total_counters){ .packets = 10, .bytes = 5000 };
	totals[1].key = (struct total_key){ .ifindex = 1, .direction = 0,
					    .kind = NETMON_KIND_NON_IP };
	totals[1].c = (struct total_counters){ .packets = 2, .bytes = 84 };
	clock_gettime(CLOCK_REALTIME, &snap.wall);

	path_in_dir(path, sizeof(path), "rt.db");
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(store_write_interval(st, &snap, 1000, 1060), 0);
	snap.proc_full_calls = snap.proc_full_bytes = 0;
	assert_int_equal(store_write_interval(st, &snap, 1060, 1120), 0);
	store_close(st);

	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM flow_log"), 6);
	assert_int_equal(q_int(db, "SELECT sum(bytes) FROM flow_log WHERE src = '198.18.0.2'"),
			 18000000000ll);
	assert_int_equal(q_int(db, "SELECT packets FROM flow_log WHERE src = '2001:db8::1' "
				   "AND dst = '2001:db8::2' AND src_port = 53 AND dst_port = 5353 "
				   "AND protocol = 17 AND family = 6 AND direction = 'in' "
				   "AND ts_start = 1000 AND ts_end = 1060 AND interface = 'lo'"),
			 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM flow_log WHERE direction = 'out' "
				   "AND syn = 1 AND tcp_flags = 18 AND fin = 0 AND rst = 0"),
			 2);
	/* The non-IP total is not traffic; it is collector health. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM traffic_log"), 2);
	assert_int_equal(q_int(db, "SELECT sum(bytes) FROM traffic_log WHERE protocol = 6 "
				   "AND direction = 'out' AND family = 4"),
			 10000);
	assert_int_equal(q_int(db, "SELECT sum(non_ip) FROM collector_log"), 4);
	/* Socket calls no process row holds, each interval its own. */
	assert_int_equal(q_int(db, "SELECT process_table_full_calls * 10000000000 + "
				   "process_table_full_bytes FROM collector_log WHERE ts_start = 1000"),
			 35000000000ll);
	assert_int_equal(q_int(db, "SELECT process_table_full_calls + process_table_full_bytes "
				   "FROM collector_log WHERE ts_start = 1060"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM addresses"), 4);
	assert_int_equal(q_int(db, "SELECT value FROM meta WHERE key = 'bpf_abi'"),
			 NETMON_ABI_VERSION);
	assert_int_equal(q_int(db, "PRAGMA user_version"), db_schema_version());
	assert_int_equal(q_int(db, "PRAGMA application_id"), NETMON_APPLICATION_ID);
	db_close(db);
}

/* A new database NAME with snap as its one interval, the last 10 s; opened read-only. */
static sqlite3 *write_ten_seconds(const char *name, struct snapshot *snap)
{
	struct store *st;
	sqlite3 *db;
	char path[256];

	clock_gettime(CLOCK_REALTIME, &snap->wall);
	snap->mono_ns = 5000000000000ull;
	path_in_dir(path, sizeof(path), name);
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(store_write_interval(st, snap, snap->wall.tv_sec - 10, snap->wall.tv_sec),
			 0);
	store_close(st);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	return db;
}

/* A TABLE_FULL total becomes an overflow flow row: flows still add up. */
static void test_overflow_row(void **state)
{
	struct flow_record flows[1];
	struct total_record totals[3];
	struct snapshot snap = { .flows = flows, .n_flows = 1, .totals = totals, .n_totals = 3 };
	sqlite3 *db;

	flows[0] = flow(4, "198.18.0.1", "198.18.0.2", 17, 1000, 53, 1, 2, 100);
	memset(totals, 0, sizeof(totals));
	totals[0].key = (struct total_key){ .ifindex = 1, .direction = 1, .family = 4,
					    .protocol = 17, .kind = NETMON_KIND_IP };
	totals[0].c = (struct total_counters){ .packets = 7, .bytes = 350 };
	totals[1].key = totals[0].key;
	totals[1].key.kind = NETMON_KIND_TABLE_FULL;
	totals[1].c = (struct total_counters){ .packets = 5, .bytes = 250 };
	totals[2].key = (struct total_key){ .ifindex = 1, .direction = 0, .family = 6,
					    .protocol = 6, .kind = NETMON_KIND_TABLE_FULL };
	totals[2].c = (struct total_counters){ .packets = 1, .bytes = 60 };
	db = write_ten_seconds("overflow.db", &snap);
	assert_int_equal(q_int(db, "SELECT packets FROM flow_log WHERE src = '0.0.0.0' AND "
				   "dst = '0.0.0.0' AND protocol = 17 AND direction = 'out' AND "
				   "src_port = 0 AND dst_port = 0 AND bytes = 250"),
			 5);
	assert_int_equal(q_int(db, "SELECT packets FROM flow_log WHERE src = '::' AND dst = '::' "
				   "AND protocol = 6 AND direction = 'in' AND family = 6"),
			 1);
	assert_int_equal(q_int(db, "SELECT sum(bytes) FROM flow_log WHERE family = 4"),
			 q_int(db, "SELECT sum(bytes) FROM traffic_log WHERE family = 4"));
	assert_int_equal(q_int(db, "SELECT sum(table_full) FROM collector_log"), 6);
	/* the overflow row spans its interval */
	assert_int_equal(q_int(db, "SELECT count(*) FROM flow_log WHERE src = '0.0.0.0' AND "
				   "first_seen = ts_start AND last_seen = ts_end"),
			 1);
	db_close(db);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_file_is(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	assert_string_equal(buf, text);
}

/*
 * traffic rows' TCP counts (0016_traffic_tcp.sql): kinds 3 and 7 as the
 * kernel counted them, kind 0 those plus its flows' of the same interface,
 * direction and family; other kinds NULL. Two directions, one with a flow
 * only, one with a table-full and an excluded total too.
 */
static void test_traffic_tcp_counts(void **state)
{
	struct flow_record flows[3];
	struct total_record t[5];
	struct snapshot snap = { .flows = flows, .n_flows = 3, .totals = t, .n_totals = 5 };
	struct total_key in = { .ifindex = 1, .direction = 0, .family = 4, .protocol = 6 };
	sqlite3 *db;

	flows[0] = flow(4, "198.18.0.1", "198.18.0.2", 6, 1000, 80, 0, 2, 80); /* syn 1, 0x12 */
	flows[1] = flow(4, "198.18.0.3", "198.18.0.2", 6, 1001, 80, 0, 1, 40);
	flows[1].c.fin = 1;
	flows[1].c.tcp_flags = 0x11;
	flows[2] = flow(4, "198.18.0.2", "198.18.0.1", 6, 80, 1000, 1, 1, 40);
	memset(t, 0, sizeof(t));
	t[0].key = in;
	t[0].c = (struct total_counters){ .packets = 3 + 7 + 2, .bytes = 480 };
	t[1].key = in;
	t[1].key.kind = NETMON_KIND_TABLE_FULL;
	t[1].c = (struct total_counters){ .packets = 7, .bytes = 280, .syn = 6, .rst = 1,
					  .tcp_flags = 0x06 };
	t[2].key = in;
	t[2].key.kind = NETMON_KIND_EXCLUDED;
	t[2].c = (struct total_counters){ .packets = 2, .bytes = 80, .syn = 1, .tcp_flags = 0x42 };
	t[3].key = in;
	t[3].key.direction = 1;
	t[3].c = (struct total_counters){ .packets = 1, .bytes = 40 };
	t[4].key = (struct total_key){ .ifindex = 1, .kind = NETMON_KIND_NON_IP };
	t[4].c = (struct total_counters){ .packets = 1, .bytes = 60 };
	db = write_ten_seconds("tcp.db", &snap);
	/* in: flows 1 + 1 SYN, 1 FIN; table full 6 SYN, 1 RST; excluded 1 SYN */
	assert_int_equal(q_int(db, "SELECT syn * 1000000 + fin * 1000 + rst FROM traffic_log "
				   "WHERE direction = 'in'"),
			 9001001);
	assert_int_equal(q_int(db, "SELECT tcp_flags FROM traffic_log WHERE direction = 'in'"),
			 0x12 | 0x11 | 0x06 | 0x42);
	assert_int_equal(q_int(db, "SELECT syn * 1000 + tcp_flags FROM traffic_log "
				   "WHERE direction = 'out'"),
			 1000 + 0x12);
	assert_int_equal(q_int(db, "SELECT syn * 1000 + rst FROM traffic WHERE kind = 3"), 6001);
	assert_int_equal(q_int(db, "SELECT syn * 1000 + tcp_flags FROM traffic WHERE kind = 7"),
			 1000 + 0x42);
	assert_int_equal(q_int(db, "SELECT count(*) FROM traffic WHERE kind = 2 AND syn IS NULL "
				   "AND fin IS NULL AND rst IS NULL AND tcp_flags IS NULL"),
			 1);
	/* The overflow row has the table-full counts. */
	assert_int_equal(q_int(db, "SELECT syn * 1000 + rst * 100 + tcp_flags FROM flow_log "
				   "WHERE src = '0.0.0.0'"),
			 6106);
	db_close(db);
}

static void test_refuses_garbage_untouched(void **state)
{
	const char *text = "this is not a database, and must stay exactly as it is\n";
	struct store *st;
	char path[256];

	path_in_dir(path, sizeof(path), "garbage.db");
	write_file(path, text);
	assert_int_not_equal(store_open(&st, path), 0);
	assert_file_is(path, text);
}

static void test_refuses_foreign_and_newer(void **state)
{
	struct store *st;
	sqlite3 *db;
	char path[256];

	path_in_dir(path, sizeof(path), "foreign.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, path), -EINVAL);

	path_in_dir(path, sizeof(path), "newer.db");
	assert_int_equal(store_open(&st, path), 0);
	store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, path), -EPROTO);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), -EPROTO);
}

/* A database written by schema version 1 opens and upgrades, rows intact. */
static void test_upgrade_from_version_1(void **state)
{
	struct store *st;
	sqlite3 *db;
	char path[256];

	path_in_dir(path, sizeof(path), "v1.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, netmon_migrations[0].text, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA user_version = 1; PRAGMA application_id = 1852665710;"
				      "INSERT INTO intervals VALUES (1, 100, 160, 0, 1, 1);"
				      "INSERT INTO interfaces VALUES (1, 'eth0');"
				      "INSERT INTO traffic VALUES (1, 1, 0, 0, 4, 6, 3, 180);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(&st, path), 0);
	store_close(st);
	assert_int_equal(db_open(path, DB_READ_ONLY, &db), 0);
	assert_int_equal(q_int(db, "PRAGMA user_version"), db_schema_version());
	assert_true(db_schema_version() >= 2);
	assert_int_equal(q_int(db, "SELECT bytes FROM traffic_log WHERE interface = 'eth0' "
				   "AND ts_start = 100 AND protocol = 6"),
			 180);
	assert_int_equal(q_int(db, "SELECT count(*) FROM process_log"), 0);
	db_close(db);
}

static void test_read_only_never_creates(void **state)
{
	sqlite3 *db;
	char path[256];

	path_in_dir(path, sizeof(path), "absent.db");
	assert_int_not_equal(db_open(path, DB_READ_ONLY, &db), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_unwritable_path(void **state)
{
	struct store *st;

	assert_int_not_equal(store_open(&st, "/proc/netmon-cannot-be-here.db"), 0);
	assert_null(st);
}

/*
 * Does another process hold a lock on LEN bytes at START of PATH? Asked from a child:
 * POSIX record locks belong to a process, so the parent cannot see its own.
 */
static int locked_by_parent(const char *path, off_t start, off_t len)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock l = {
			.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len
		};
		int fd = open(path, O_RDWR | O_CLOEXEC);

		_exit(fd >= 0 && !fcntl(fd, F_GETLK, &l) && l.l_type != F_UNLCK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * SQLite's locks of a connection in WAL mode: shared on -shm's DMS byte
 * (120 + 8) and on the database's SHARED range (PENDING_BYTE + 2, 510 bytes).
 */
static int locked(const char *path, const char *shm)
{
	return locked_by_parent(shm, 128, 1) && locked_by_parent(path, 0x40000002, 510);
}

/*
 * The recorder opens its database more than once (the store, the anomaly
 * rules, the live view). close() of any descriptor of a file drops every
 * lock the process holds on it, SQLite's too: had db_open() closed a
 * descriptor of -shm of its own, the writer would lose the shared lock on
 * -shm's DMS byte (offset 120 + 8) that says the WAL index is in use, and
 * the next reader would truncate -shm under the writer's mapping (SIGBUS)
 * and rebuild the index while it writes. Without the SHARED lock on the
 * database, a reader that closes thinks itself the last connection: it
 * checkpoints and deletes -wal and -shm under the writer.
 */
static void test_second_open_keeps_locks(void **state)
{
	struct flow_record flows[1];
	struct snapshot snap = { .flows = flows, .n_flows = 1 };
	struct store *st;
	sqlite3 *rw, *ro;
	char path[256], shm[300];

	flows[0] = flow(4, "198.18.0.1", "198.18.0.2", 17, 4000, 53, 1, 1, 100);
	clock_gettime(CLOCK_REALTIME, &snap.wall);
	path_in_dir(path, sizeof(path), "twice.db");
	snprintf(shm, sizeof(shm), "%s-shm", path);
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(store_write_interval(st, &snap, 1000, 1001), 0);
	assert_true(locked(path, shm));

	assert_int_equal(db_open(path, DB_READ_WRITE, &rw), 0);
	assert_true(locked(path, shm));
	assert_int_equal(db_open(path, DB_READ_ONLY, &ro), 0);
	assert_true(locked(path, shm));
	db_close(ro);
	db_close(rw);
	assert_true(locked(path, shm));
	assert_int_equal(store_write_interval(st, &snap, 1001, 1002), 0);
	store_close(st);
}

/*
 * The recorder's connection commits durably: in WAL mode NORMAL lets a
 * commit roll back after a power cut, and the kernel's counts are cleared
 * right after it (docs/design.md, "Power loss"). FULL is 2.
 */
static void test_commit_is_durable(void **state)
{
	struct store *st;
	char path[256];

	path_in_dir(path, sizeof(path), "durable.db");
	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(q_int(store_db(st), "PRAGMA synchronous"), 2);
	assert_int_equal(
		q_int(store_db(st), "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_round_trip),
		cmocka_unit_test(test_commit_is_durable),
		cmocka_unit_test(test_overflow_row),
		cmocka_unit_test(test_traffic_tcp_counts),
		cmocka_unit_test(test_refuses_garbage_untouched),
		cmocka_unit_test(test_refuses_foreign_and_newer),
		cmocka_unit_test(test_upgrade_from_version_1),
		cmocka_unit_test(test_read_only_never_creates),
		cmocka_unit_test(test_unwritable_path),
		cmocka_unit_test(test_second_open_keeps_locks),
	};

	log_init("test_store", LOGLVL_SILENT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
