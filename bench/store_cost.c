// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_cost.c - the cost of one interval of 1M active flows, from the
 * kernel maps into the database (snapshot_take + store_write_interval),
 * next to a bare SQLite insert of the same rows measured in the same run;
 * the same interval's write into a second store whose connection is set
 * back to synchronous=NORMAL, for the cost of the durable commit (FULL:
 * docs/design.md, "Power loss"); and the bytes on disk per flow-interval
 * row of a realistic history.
 *
 * The flows are put in the kernel by the real TC program (BPF_PROG_TEST_RUN
 * with one UDP frame per flow), so the drain reads what a live run would.
 * And one interval of FLOWS flows from as many new addresses (nothing
 * interned yet), next to a bare insert of the same rows: the burst of new
 * hosts (a scan, a flood, a busy public server's clients), in at least 5
 * rounds, each round's addresses new to the database too; and next to the
 * bare insert of every row the write stored for them (its addresses,
 * conversations, flows and aggregates, one prepared INSERT a row into the
 * same tables and indexes): the schema's own floor.
 *
 * Needs root. Usage: store_cost [--new-hosts|--steady] [FLOWS [ROUNDS]]
 * (default 1000000 3); --new-hosts or --steady: that case alone (for a
 * profile of one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <sqlite3.h>
#include "db.h"
#include "history.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"
#include "store/store.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This process's CPU time: steadier than the clock on a loaded machine. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Flow i: UDP 198.18.x.y:(1024 + i / 65536) -> 198.19.0.1:443, 100 bytes; or,
 * with new_hosts, from source address 11.0.0.0 + first + i, port 40000 (a new
 * host each: a scan, a flood, a busy public server's clients).
 */
static int fill_flows(int prog_fd, unsigned int n, int new_hosts, unsigned int first)
{
	unsigned char frame[14 + 20 + 8 + 72];
	struct __sk_buff ctx = { .ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	memset(frame, 0, sizeof(frame));
	frame[12] = 0x08; /* IPv4 */
	frame[14] = 0x45;
	frame[16] = 0, frame[17] = 100; /* total length */
	frame[22] = 64, frame[23] = 17; /* ttl, UDP */
	frame[26] = 198, frame[27] = 18;
	frame[30] = 198, frame[31] = 19, frame[32] = 0, frame[33] = 1;
	frame[36] = 443 >> 8, frame[37] = 443 & 0xff;
	frame[38] = 0, frame[39] = 80; /* UDP length */
	for (unsigned int i = 0; i < n; i++) {
		unsigned int port = new_hosts ? 40000 : 1024 + i / 65536, a = first + i;

		if (new_hosts)
			frame[26] = 11, frame[27] = (unsigned char)(a >> 16);
		frame[28] = (unsigned char)(a >> 8), frame[29] = (unsigned char)a;
		frame[34] = (unsigned char)(port >> 8), frame[35] = (unsigned char)port;
		if (bpf_prog_test_run_opts(prog_fd, &run))
			return -errno;
	}
	return 0;
}

/*
 * The same rows, bare: one prepared INSERT per flow into an unindexed table.
 * Seconds; its CPU seconds into *cpu unless NULL.
 */
static double bare_insert(const char *path, const struct snapshot *snap, double *cpu)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	double t0, c0;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db,
		     "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		     "CREATE TABLE f (ifindex, direction, protocol, src BLOB, src_port, dst BLOB,"
		     " dst_port, packets, bytes, tcp_flags, syn, fin, rst, first_ns, last_ns)",
		     NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO f VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   -1, &s, NULL);
	t0 = now_s();
	c0 = cpu_s();
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; i < snap->n_flows; i++) {
		const struct flow_record *r = &snap->flows[i];
		int alen = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;

		sqlite3_bind_int(s, 1, (int)r->key.ifindex);
		sqlite3_bind_int(s, 2, r->key.direction);
		sqlite3_bind_int(s, 3, r->key.protocol);
		sqlite3_bind_blob(s, 4, r->key.src, alen, SQLITE_STATIC);
		sqlite3_bind_int(s, 5, r->key.src_port);
		sqlite3_bind_blob(s, 6, r->key.dst, alen, SQLITE_STATIC);
		sqlite3_bind_int(s, 7, r->key.dst_port);
		sqlite3_bind_int64(s, 8, (sqlite3_int64)r->c.packets);
		sqlite3_bind_int64(s, 9, (sqlite3_int64)r->c.bytes);
		sqlite3_bind_int(s, 10, r->c.tcp_flags);
		sqlite3_bind_int64(s, 11, r->c.syn);
		sqlite3_bind_int64(s, 12, r->c.fin);
		sqlite3_bind_int64(s, 13, r->c.rst);
		sqlite3_bind_int64(s, 14, (sqlite3_int64)r->c.first_seen_ns);
		sqlite3_bind_int64(s, 15, (sqlite3_int64)r->c.last_seen_ns);
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	t0 = now_s() - t0;
	if (cpu)
		*cpu = cpu_s() - c0;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return t0;
}

/*
 * The schema's floor for a round of new hosts: every row the store wrote
 * for it (its new addresses and conversations, the interval, its flows and
 * every per-interval row: the aggregates, the totals), read back and
 * inserted bare, one prepared INSERT a row as bare_insert() does, into a new
 * file with the same tables and indexes. What SQLite alone costs for the
 * rows this schema needs, next to which the write's own work shows (a new
 * host is 7 b-tree rows where the bare insert of the flows makes 1).
 */
struct packed {
	unsigned char
		*buf; /* per value: its type, then an int64, a double, or a length and bytes */
	size_t len, cap, rows;
	int cols;
};

static int pack_put(struct packed *p, const void *src, size_t n)
{
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1 << 20;
		unsigned char *b;

		while (cap < p->len + n)
			cap *= 2;
		if (!(b = realloc(p->buf, cap)))
			return -ENOMEM;
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, src, n);
	p->len += n;
	return 0;
}

/* The rows of sql (read from db) into p. */
static int pack_rows(sqlite3 *db, const char *sql, struct packed *p)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	p->cols = sqlite3_column_count(s);
	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int c = 0; !err && c < p->cols; c++) {
			unsigned char type = (unsigned char)sqlite3_column_type(s, c);
			int64_t i = sqlite3_column_int64(s, c);
			double d = sqlite3_column_double(s, c);
			int n = sqlite3_column_bytes(s, c);

			err = pack_put(p, &type, 1);
			if (!err && type == SQLITE_INTEGER)
				err = pack_put(p, &i, sizeof(i));
			else if (!err && type == SQLITE_FLOAT)
				err = pack_put(p, &d, sizeof(d));
			else if (!err && (type == SQLITE_TEXT || type == SQLITE_BLOB) &&
				 !(err = pack_put(p, &n, sizeof(n))))
				err = pack_put(p,
					       type == SQLITE_TEXT
						       ? (const void *)sqlite3_column_text(s, c)
						       : sqlite3_column_blob(s, c),
					       (size_t)n);
		}
		p->rows++;
	}
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	sqlite3_finalize(s);
	return err;
}

/* p's rows into table, one prepared INSERT each. */
static int insert_packed(sqlite3 *db, const char *table, const struct packed *p)
{
	char sql[512];
	size_t at = 0, len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (?", table);
	sqlite3_stmt *s;
	int err = 0;

	for (int c = 1; c < p->cols; c++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", ?");
	snprintf(sql + len, sizeof(sql) - len, ")");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	for (size_t r = 0; !err && r < p->rows; r++) {
		for (int c = 1; c <= p->cols; c++) {
			unsigned char type = p->buf[at++];
			int64_t i;
			double d;
			int n;

			if (type == SQLITE_INTEGER) {
				memcpy(&i, p->buf + at, sizeof(i));
				sqlite3_bind_int64(s, c, i);
				at += sizeof(i);
			} else if (type == SQLITE_FLOAT) {
				memcpy(&d, p->buf + at, sizeof(d));
				sqlite3_bind_double(s, c, d);
				at += sizeof(d);
			} else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
				memcpy(&n, p->buf + at, sizeof(n));
				at += sizeof(n);
				if (type == SQLITE_TEXT)
					sqlite3_bind_text(s, c, (const char *)p->buf + at, n,
							  SQLITE_STATIC);
				else
					sqlite3_bind_blob(s, c, p->buf + at, n, SQLITE_STATIC);
				at += (size_t)n;
			} else {
				sqlite3_bind_null(s, c);
			}
		}
		err = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return err;
}

#define FLOOR_TABLES 24

/*
 * The round's tables and their rows (store at path, addresses and
 * conversations above the ids given, the last interval): names[k] and the
 * SELECT of its rows, from the tables that have an interval_id column too.
 */
static int floor_queries(sqlite3 *st, int64_t addr_before, int64_t conv_before,
			 char names[FLOOR_TABLES][64], char sql[FLOOR_TABLES][256], int *n)
{
	sqlite3_stmt *s;
	int64_t iv = 0;

	if (sqlite3_prepare_v2(st, "SELECT max(id) FROM intervals", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW)
		iv = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	snprintf(names[0], 64, "addresses");
	snprintf(sql[0], 256, "SELECT * FROM addresses WHERE id > %lld", (long long)addr_before);
	snprintf(names[1], 64, "conversations");
	snprintf(sql[1], 256, "SELECT * FROM conversations WHERE id > %lld",
		 (long long)conv_before);
	snprintf(names[2], 64, "intervals");
	snprintf(sql[2], 256, "SELECT * FROM intervals WHERE id = %lld", (long long)iv);
	snprintf(names[3], 64, "flows");
	snprintf(sql[3], 256,
		 "SELECT f.* FROM intervals i JOIN flows f ON f.id BETWEEN i.first_flow_id AND "
		 "i.last_flow_id WHERE i.id = %lld",
		 (long long)iv);
	*n = 4;
	if (sqlite3_prepare_v2(
		    st,
		    "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS "
		    "(SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'interval_id') "
		    "ORDER BY m.name",
		    -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	while (*n < FLOOR_TABLES && sqlite3_step(s) == SQLITE_ROW) {
		snprintf(names[*n], 64, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(sql[*n], 256, "SELECT * FROM %s WHERE interval_id = %lld", names[*n],
			 (long long)iv);
		(*n)++;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Table name's CREATE TABLE and CREATE INDEX statements from st into db. */
static int floor_schema(sqlite3 *st, sqlite3 *db, const char *name)
{
	sqlite3_stmt *s;
	int err = 0;

	if (sqlite3_prepare_v2(st,
			       "SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql NOT NULL "
			       "ORDER BY type DESC",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	while (!err && sqlite3_step(s) == SQLITE_ROW)
		err = sqlite3_exec(db, (const char *)sqlite3_column_text(s, 0), NULL, NULL, NULL) ==
				      SQLITE_OK
			      ? 0
			      : -EIO;
	sqlite3_finalize(s);
	return err;
}

/*
 * The schema's floor (above) for the round just written into store_path:
 * seconds (< 0 on failure), its CPU into *cpu and its rows into *rows.
 */
static double schema_rows_insert(const char *store_path, const char *path, int64_t addr_before,
				 int64_t conv_before, double *cpu, size_t *rows)
{
	static char names[FLOOR_TABLES][64], sql[FLOOR_TABLES][256];
	struct packed p[FLOOR_TABLES] = { 0 };
	sqlite3 *st = NULL, *db = NULL;
	double t0 = -1, c0;
	int n = 0, err;

	unlink(path);
	err = sqlite3_open_v2(store_path, &st, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
			      sqlite3_open(path, &db) == SQLITE_OK
		      ? floor_queries(st, addr_before, conv_before, names, sql, &n)
		      : -EIO;
	if (!err)
		err = sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
				   NULL, NULL, NULL) == SQLITE_OK
			      ? 0
			      : -EIO;
	*rows = 0;
	for (int k = 0; !err && k < n; k++) {
		err = floor_schema(st, db, names[k]);
		if (!err)
			err = pack_rows(st, sql[k], &p[k]);
		*rows += p[k].rows;
	}
	if (!err) {
		t0 = now_s();
		c0 = cpu_s();
		err = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
		for (int k = 0; !err && k < n; k++)
			err = insert_packed(db, names[k], &p[k]);
		if (!err)
			err = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
		t0 = now_s() - t0;
		*cpu = cpu_s() - c0;
	}
	for (int k = 0; k < n; k++)
		free(p[k].buf);
	sqlite3_close(db);
	sqlite3_close(st);
	return err ? -1 : t0;
}

/* The interval's write alone into st, in seconds; < 0 on failure. */
static double timed_write(struct store *st, const struct snapshot *snap, int r)
{
	double t0 = now_s();

	if (store_write_interval(st, snap, 1735689600 + r * 60, 1735689660 + r * 60))
		return -1;
	return now_s() - t0;
}

/* A store as the recorder opens it, but committing with synchronous=NORMAL. */
static int open_normal(struct store **st, const char *path)
{
	int err = store_open(st, path);

	return err ? err : db_exec(store_db(*st), "PRAGMA synchronous = NORMAL;");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The flow programs and a snapshotter of their maps (no per-process maps). */
static int load_flows(const struct flow_load_opts *lo, struct flow_bpf **skel,
		      struct snapshot_maps *maps, struct snapshotter **snapper)
{
	int err = flow_load_with(skel, lo);

	if (err)
		return err;
	flow_snapshot_maps(*skel, maps);
	maps->proc_on = 0;
	return snapshot_open(snapper, maps);
}

/* Empty intervals until every idle flow gave its slot back (two at most). */
static int free_idle_slots(struct snapshotter *snapper, struct snapshot *snap,
			   const struct snapshot_maps *maps)
{
	for (int k = 0; k < 4 && *maps->tables[0].used; k++) {
		int err = snapshot_take(snapper, snap);

		if (err)
			return err;
	}
	return *maps->tables[0].used ? -ENOSPC : 0;
}

/* The new-hosts case's files and each round's ratios. */
struct new_hosts {
	char path[128], bare[128], floor[128];
	double ratio[16], cpu_ratio[16], floor_ratio[16], floor_cpu_ratio[16];
};

/* The greatest address and conversation ids in st's database, into ids. */
static int max_ids(struct store *st, int64_t *ids)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(store_db(st),
			       "SELECT (SELECT coalesce(max(id), 0) FROM addresses), "
			       "(SELECT coalesce(max(id), 0) FROM conversations)",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(s);
	ids[0] = sqlite3_column_int64(s, 0);
	ids[1] = sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/*
 * One round of the new-hosts case: the interval's write, the bare insert of
 * its flows, and the bare insert of every row the write stored (the floor).
 */
static int new_hosts_round(struct snapshotter *snapper, struct snapshot *snap, size_t n_want,
			   struct store *st, struct new_hosts *nh, int r)
{
	double t0, c0, tw, ours, base, cpu, base_cpu, fl, fl_cpu;
	int64_t ids[2];
	size_t rows;
	int err = max_ids(st, ids);

	t0 = now_s();
	c0 = cpu_s();
	if (!err)
		err = snapshot_take(snapper, snap);
	if (err)
		return err;
	if (snap->n_flows != n_want)
		return -EIO;
	if ((tw = timed_write(st, snap, r)) < 0)
		return -EIO;
	ours = now_s() - t0;
	cpu = cpu_s() - c0;
	base = bare_insert(nh->bare, snap, &base_cpu);
	fl = schema_rows_insert(nh->path, nh->floor, ids[0], ids[1], &fl_cpu, &rows);
	if (base <= 0 || base_cpu <= 0 || fl <= 0 || fl_cpu <= 0)
		return -EIO;
	nh->ratio[r] = ours / base;
	nh->cpu_ratio[r] = cpu / base_cpu;
	nh->floor_ratio[r] = tw / fl;
	nh->floor_cpu_ratio[r] = cpu / fl_cpu;
	printf("  round %d: %zu flows, netmon %.3f s (snapshot %.3f s, write %.3f s), bare "
	       "insert %.3f s, ratio %.2f (the write alone %.2f); CPU %.3f s / %.3f s, "
	       "ratio %.2f\n",
	       r, snap->n_flows, ours, snap->duration_us / 1e6, tw, base, nh->ratio[r], tw / base,
	       cpu, base_cpu, nh->cpu_ratio[r]);
	printf("           the %zu rows it stored, bare: %.3f s (%.2f bare inserts of the flows), "
	       "the write / them %.2f; CPU %.3f s, ratio %.2f\n",
	       rows, fl, fl / base, nh->floor_ratio[r], fl_cpu, nh->floor_cpu_ratio[r]);
	return 0;
}

/* The median, least and greatest of v[0..n) (sorted). */
static void print_spread(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%s %.2f (min %.2f, max %.2f)", what, v[n / 2], v[0], v[n - 1]);
}

/*
 * n flows from n addresses the database has never seen, rounds times into
 * one store (each round's addresses are new to it too), each next to a bare
 * insert of its rows: every flow interns an address and a conversation.
 */
static int new_hosts_case(unsigned int n, int rounds, const char *dir)
{
	struct flow_load_opts lo = { .max_flows = n + 1024 };
	struct snapshotter *snapper = NULL;
	struct snapshot_maps maps;
	struct snapshot snap = { 0 };
	struct flow_bpf *skel = NULL;
	struct store *st = NULL;
	static struct new_hosts nh;
	int err;

	snprintf(nh.path, sizeof(nh.path), "%s/new-hosts.db", dir);
	snprintf(nh.bare, sizeof(nh.bare), "%s/bare-new-hosts.db", dir);
	snprintf(nh.floor, sizeof(nh.floor), "%s/floor-new-hosts.db", dir);
	err = load_flows(&lo, &skel, &maps, &snapper);
	if (!err)
		err = store_open(&st, nh.path);
	printf("an interval of %u flows from %u new addresses (nothing interned yet) vs a bare "
	       "insert of the same rows\n",
	       n, n);
	for (int r = 0; r < rounds && !err; r++) {
		err = free_idle_slots(snapper, &snap, &maps);
		if (!err)
			err = fill_flows(flow_prog_fd(skel, NETMON_DIR_IN), n, 1,
					 (unsigned int)r * n);
		if (!err)
			err = new_hosts_round(snapper, &snap, n, st, &nh, r);
	}
	if (!err) {
		print_spread("median ratio, new hosts:", nh.ratio, rounds);
		printf(" over %d rounds (goal <= 2);", rounds);
		print_spread(" in CPU time", nh.cpu_ratio, rounds);
		print_spread("\nthe write / the bare insert of every row it stored:",
			     nh.floor_ratio, rounds);
		print_spread("; in CPU time", nh.floor_cpu_ratio, rounds);
		printf("\n");
	}
	store_close(st);
	snapshot_free(&snap);
	snapshot_close(snapper);
	flow_unload(skel);
	return err;
}

static double page_bytes(sqlite3 *db, const char *table)
{
	sqlite3_stmt *s;
	double v = 0;

	/* table NULL: every table and index of the file */
	sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE ?1 IS NULL OR name = ?1", -1,
			   &s, NULL);
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Bytes per flow row of 60 one-minute intervals of 2,000 realistic flows. */
static int bytes_per_row(const char *path)
{
	struct history_opts h = { .start = 1735689600,
				  .interval = 60,
				  .n_intervals = 60,
				  .flows = 2000,
				  .clients = 500,
				  .seed = 1 };
	double rows = 60.0 * 2000, flows, conversations, addresses, file;
	struct store *st;
	sqlite3 *db;
	int err;

	unlink(path);
	err = store_open(&st, path);
	if (!err)
		err = history_write(st, &h);
	if (err)
		return err;
	db = store_db(st);
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	flows = page_bytes(db, "flows");
	conversations = page_bytes(db, "conversations") +
			page_bytes(db, "sqlite_autoindex_conversations_1");
	addresses = page_bytes(db, "addresses") + page_bytes(db, "sqlite_autoindex_addresses_1");
	file = page_bytes(db, NULL);
	printf("bytes on disk per flow-interval row (60 x 2,000 flows, 500 clients, 16 servers):\n"
	       "  flows table        %.1f B/row\n"
	       "  + conversations    %.1f B/row (interned once per host pair)\n"
	       "  + addresses        %.1f B/row\n"
	       "  whole file         %.1f B/row (all tables, indexes, totals)\n",
	       flows / rows, conversations / rows, addresses / rows, file / rows);
	store_close(st);
	return 0;
}

/*
 * n flows seen again round after round (round 0 meets them first), into the
 * store and into one committing with synchronous=NORMAL, each next to a bare
 * insert of its rows.
 */
static int steady_case(unsigned int n, int rounds, const char *dir)
{
	struct flow_load_opts lo = { .max_flows = n + 1024 };
	double ratio[16], full_ratio[17], first = 0, first_bare = 0;
	struct snapshot_maps maps;
	struct snapshotter *snapper = NULL;
	struct snapshot snap;
	struct flow_bpf *skel = NULL;
	struct store *st = NULL, *st_normal = NULL;
	char path[128], bare[128], normal[128];
	int err;

	snprintf(path, sizeof(path), "%s/netmon.db", dir);
	snprintf(bare, sizeof(bare), "%s/bare.db", dir);
	snprintf(normal, sizeof(normal), "%s/normal.db", dir);
	memset(&snap, 0, sizeof(snap));
	err = load_flows(&lo, &skel, &maps, &snapper);
	if (!err)
		err = store_open(&st, path);
	if (!err)
		err = open_normal(&st_normal, normal);
	if (err)
		goto out;
	printf("snapshot of %u active flows into the database vs a bare insert of the same rows\n",
	       n);
	/* Round 0 meets every conversation for the first time; later rounds see them again. */
	for (int r = 0; r <= rounds && !err; r++) {
		double t0, ts = 0, tw = 0, tn = 0, ours, base;

		err = fill_flows(flow_prog_fd(skel, NETMON_DIR_IN), n, 0, 0);
		t0 = now_s();
		if (!err)
			err = snapshot_take(snapper, &snap);
		ts = now_s() - t0;
		/* The NORMAL write before the FULL one every other round: neither
		 * always meets the disk the other just filled. */
		if (!err && r % 2 && (tn = timed_write(st_normal, &snap, r)) < 0)
			err = -EIO;
		if (!err && (tw = timed_write(st, &snap, r)) < 0)
			err = -EIO;
		if (!err && !(r % 2) && (tn = timed_write(st_normal, &snap, r)) < 0)
			err = -EIO;
		ours = ts + tw;
		base = bare_insert(bare, &snap, NULL);
		if (!err && snap.n_flows != n)
			err = -EIO;
		if (!err) {
			full_ratio[r] = tw / tn;
			printf("  round %d: the write with synchronous FULL %.3f s, NORMAL %.3f s "
			       "(%s first), ratio %.2f\n",
			       r, tw, tn, r % 2 ? "NORMAL" : "FULL", full_ratio[r]);
		}
		printf("  round %d: %zu flows, netmon %.3f s (snapshot %.3f s, write %.3f s), bare "
		       "insert %.3f s, ratio %.2f%s\n",
		       r, snap.n_flows, ours, snap.duration_us / 1e6, ours - snap.duration_us / 1e6,
		       base, ours / base, r ? "" : " (first sight of every conversation)");
		if (r)
			ratio[r - 1] = ours / base;
		else
			first = ours, first_bare = base;
	}
	if (err)
		goto out;
	qsort(ratio, (size_t)rounds, sizeof(ratio[0]), cmp_double);
	printf("median ratio, steady state: %.2f (goal <= 1.3); first interval: %.2f\n",
	       ratio[rounds / 2], first / first_bare);
	qsort(full_ratio, (size_t)rounds + 1, sizeof(full_ratio[0]), cmp_double);
	printf("durable commit: median write ratio synchronous FULL / NORMAL over %d rounds: "
	       "%.2f (min %.2f, max %.2f)\n",
	       rounds + 1, full_ratio[(rounds + 1) / 2], full_ratio[0], full_ratio[rounds]);
out:
	snapshot_free(&snap);
	snapshot_close(snapper);
	store_close(st);
	store_close(st_normal);
	flow_unload(skel);
	return err;
}

int main(int argc, char **argv)
{
	int only_new = argc > 1 && !strcmp(argv[1], "--new-hosts");
	int only_steady = argc > 1 && !strcmp(argv[1], "--steady"), opt = only_new || only_steady;
	unsigned int n = argc > 1 + opt ? (unsigned int)strtoul(argv[1 + opt], NULL, 10) : 1000000;
	int rounds = argc > 2 + opt ? atoi(argv[2 + opt]) : 3, err;
	char dir[] = "/tmp/netmon-bench-store-XXXXXX", cmd[128], path[128];

	log_init("store_cost", LOGLVL_WARN);
	if (rounds < 1 || rounds > 15 || !n || !mkdtemp(dir))
		return 1;
	err = only_new ? 0 : steady_case(n, rounds, dir);
	if (!err && !only_steady)
		err = new_hosts_case(n, rounds < 5 ? 5 : rounds, dir);
	snprintf(path, sizeof(path), "%s/history.db", dir);
	if (!err && !opt)
		err = bytes_per_row(path);
	if (err)
		fprintf(stderr, "store_cost: %s\n", strerror(-err));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) || err ? 1 : 0;
}
