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
 * rounds, each round's addresses new to the database too.
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

/* One round of the new-hosts case: the interval's write and its bare insert. */
static int new_hosts_round(struct snapshotter *snapper, struct snapshot *snap, size_t n_want,
			   struct store *st, const char *bare, int r, double *ratio,
			   double *cpu_ratio)
{
	double t0 = now_s(), c0 = cpu_s(), tw, ours, base, cpu, base_cpu;
	int err = snapshot_take(snapper, snap);

	if (err)
		return err;
	if (snap->n_flows != n_want)
		return -EIO;
	if ((tw = timed_write(st, snap, r)) < 0)
		return -EIO;
	ours = now_s() - t0;
	cpu = cpu_s() - c0;
	base = bare_insert(bare, snap, &base_cpu);
	if (base <= 0 || base_cpu <= 0)
		return -EIO;
	ratio[r] = ours / base;
	cpu_ratio[r] = cpu / base_cpu;
	printf("  round %d: %zu flows, netmon %.3f s (snapshot %.3f s, write %.3f s), bare "
	       "insert %.3f s, ratio %.2f (the write alone %.2f); CPU %.3f s / %.3f s, "
	       "ratio %.2f\n",
	       r, snap->n_flows, ours, snap->duration_us / 1e6, tw, base, ratio[r], tw / base, cpu,
	       base_cpu, cpu_ratio[r]);
	return 0;
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
	char path[128], bare[128];
	double ratio[16], cpu_ratio[16];
	int err;

	snprintf(path, sizeof(path), "%s/new-hosts.db", dir);
	snprintf(bare, sizeof(bare), "%s/bare-new-hosts.db", dir);
	err = load_flows(&lo, &skel, &maps, &snapper);
	if (!err)
		err = store_open(&st, path);
	printf("an interval of %u flows from %u new addresses (nothing interned yet) vs a bare "
	       "insert of the same rows\n",
	       n, n);
	for (int r = 0; r < rounds && !err; r++) {
		err = free_idle_slots(snapper, &snap, &maps);
		if (!err)
			err = fill_flows(flow_prog_fd(skel, NETMON_DIR_IN), n, 1,
					 (unsigned int)r * n);
		if (!err)
			err = new_hosts_round(snapper, &snap, n, st, bare, r, ratio, cpu_ratio);
	}
	if (!err) {
		qsort(ratio, (size_t)rounds, sizeof(ratio[0]), cmp_double);
		qsort(cpu_ratio, (size_t)rounds, sizeof(cpu_ratio[0]), cmp_double);
		printf("median ratio, new hosts: %.2f over %d rounds (min %.2f, max %.2f; goal <= "
		       "2); in CPU time %.2f (min %.2f, max %.2f)\n",
		       ratio[rounds / 2], rounds, ratio[0], ratio[rounds - 1],
		       cpu_ratio[rounds / 2], cpu_ratio[0], cpu_ratio[rounds - 1]);
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
