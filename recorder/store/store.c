// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store.c - one BEGIN IMMEDIATE transaction per interval, with statements
 * prepared once and parameters always bound (never formatted into SQL).
 * Addresses and interface names are interned into dimension tables so that
 * a flow row holds small integers; docs/schema.md describes the tables.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "anomaly_agg.h"
#include "db.h"
#include "log.h"
#include "proc_names.h"
#include "rollup.h"
#include "run_tally.h"
#include "store.h"
#include "store_ids.h"
#include "store_sort.h"
#include "test_hooks.h"
#include "traffic_tcp.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define NETMON_ABI_STR STR(NETMON_ABI_VERSION)

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_INTERVAL,
	ST_INTERVAL_WRITE_US,
	ST_ADDRESS_ID,
	ST_ADDRESS_NEXT,
	ST_IFACE,
	ST_CONVERSATION_ID,
	ST_CONVERSATION_NEXT,
	ST_FLOW_RANGE,
	ST_NEXT_FLOW_ID,
	ST_TRAFFIC,
	ST_PROC_NAME,
	ST_PROCESS,
	ST_FLIP,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* Which generation of pinned maps this interval was (docs/design.md,
	 * "Restart and crash"): in the interval's transaction. */
	[ST_FLIP] = "INSERT INTO meta (key, value) VALUES ('pin_run', ?1), ('pin_seq', ?2) "
		    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_INTERVAL] = "INSERT INTO intervals (ts_start, ts_end, flows, snapshot_us, write_us, "
			"sample_rate, process_table_full_calls, process_table_full_bytes, "
			"dns_messages, dns_dropped, live, dns_tcp_split, tls_hellos, tls_dropped, "
			"late_ms) "
			"VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
			"RETURNING id",
	[ST_INTERVAL_WRITE_US] = "UPDATE intervals SET write_us = ?2 WHERE id = ?1",
	/* Interning (batch_head below): a row's id when its insert was ignored. */
	[ST_ADDRESS_ID] = "SELECT id FROM addresses WHERE bin = ?1",
	[ST_ADDRESS_NEXT] = "SELECT coalesce(max(id), 0) + 1 FROM addresses",
	[ST_IFACE] = "INSERT INTO interfaces (name) VALUES (?1) "
		     "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
	[ST_CONVERSATION_ID] = "SELECT id FROM conversations WHERE src_id = ?4 AND dst_id = ?5 "
			       "AND protocol = ?3 AND direction = ?2 AND iface_id = ?1",
	[ST_CONVERSATION_NEXT] = "SELECT coalesce(max(id), 0) + 1 FROM conversations",
	[ST_FLOW_RANGE] =
		"UPDATE intervals SET first_flow_id = ?2, last_flow_id = ?3 WHERE id = ?1",
	/* above every id in use, even when retention emptied the flows table */
	[ST_NEXT_FLOW_ID] = "SELECT max(coalesce((SELECT max(id) FROM flows), 0), "
			    "coalesce((SELECT max(last_flow_id, first_flow_id - 1) FROM intervals "
			    "ORDER BY id DESC LIMIT 1), 0)) + 1",
	[ST_TRAFFIC] = "INSERT INTO traffic (interval_id, iface_id, direction, kind, family, "
		       "protocol, packets, bytes, syn, fin, rst, tcp_flags) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
		       "ON CONFLICT DO UPDATE SET packets = packets + excluded.packets, "
		       "bytes = bytes + excluded.bytes, syn = syn + excluded.syn, "
		       "fin = fin + excluded.fin, rst = rst + excluded.rst, "
		       "tcp_flags = tcp_flags | excluded.tcp_flags",
	[ST_PROC_NAME] = "INSERT INTO process_names (name) VALUES (?1) "
			 "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
	[ST_PROCESS] = "INSERT INTO processes (interval_id, pid, comm_id, parent_comm_id, ppid, "
		       "family, protocol, remote_id, remote_port, local_port, bytes_sent, "
		       "bytes_recv, sends, recvs, cgroup_ref, uid) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
		       "?15, ?16)",
};

/*
 * What a flow shares with every other flow of its conversation (0003_*.sql),
 * as the kernel gave it: one cache lookup per flow finds the conversation
 * without looking up its addresses. Packed, as the cache keeps it: this
 * interval's id for the ifindex (names can change), direction, protocol,
 * then source and destination, 4 bytes each (IPv4: 14 bytes) or 16 (38).
 */
#define CONV_KEY_HEAD 6
#define CONV_KEY_V4 (CONV_KEY_HEAD + 2 * 4)
#define CONV_KEY_V6 (CONV_KEY_HEAD + 2 * 16)

struct conversation_key {
	uint8_t b[CONV_KEY_V6];
};

/*
 * The rows of an interval go in multi-row INSERTs of STORE_BATCH rows: one
 * statement per row cost more than the row itself (bench/store_cost
 * --new-hosts, bench/RESULTS.md). New addresses and conversations get their
 * ids here (the next above the table's), so that a batch of flows needs no
 * answer from SQLite before its INSERT; a row already in the table (the
 * cache forgot it) is ignored by its INSERT and looked up instead, and its
 * id taken back from the batch's rows.
 */
#define STORE_BATCH 64

enum batch_kind { B_ADDRESS, B_CONVERSATION, B_FLOW, BATCH_KINDS };

static const char *const batch_head[BATCH_KINDS] = {
	[B_ADDRESS] = "INSERT OR IGNORE INTO addresses (id, family, bin, text) VALUES ",
	[B_CONVERSATION] = "INSERT OR IGNORE INTO conversations (id, iface_id, direction, "
			   "protocol, src_id, dst_id) VALUES ",
	[B_FLOW] = "INSERT INTO flows (id, conversation_id, src_port, dst_port, packets, bytes, "
		   "tcp_flags, syn, fin, rst, first_ms, span_ms, syn_request) VALUES ",
};
static const int batch_cols[BATCH_KINDS] = { 4, 6, 13 };

/* An address the batch inserts (the key points into the snapshot). */
struct new_address {
	int64_t id;
	__u8 addr[16];
	int family;
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	struct store_iface ifaces[STORE_IFACES];
	int n_ifaces;
	int ifaces_full;   /* this interval named more interfaces than ifaces holds */
	int named_ifindex; /* store_name_ifindex(), or 0 */
	char *named_name;
	char last_error[256];		 /* what the last failure was, for store_last_error() */
	struct store_ids *addresses;	 /* address (4 or 16 bytes) -> addresses.id */
	struct store_ids *conversations; /* struct conversation_key -> conversations.id */
	int64_t next_flow_id;		 /* the id of this interval's next flow row */
	/* The ids the next new address and conversation get (0: read them
	 * from the table first), and the rows a batch is writing (batch_*). */
	int64_t next_address_id, next_conversation_id;
	sqlite3_stmt *batch[BATCH_KINDS][2]; /* of 1 row and of STORE_BATCH rows */
	struct new_address new_addrs[STORE_BATCH];
	size_t n_new_addrs;
	unsigned int sample_rate; /* --sample of the intervals written */
	struct proc_names *names; /* the cgroups, services, users of process rows */
	int64_t *proc_cgroups;	  /* the cgroups row of each of the last snap->procs */
	long n_proc_cgroups;	  /* -1: not kept (no memory) */
	struct anomaly_agg *agg;  /* the rules' per-interval aggregates (0018) */
	struct run_tally tally;	  /* what this run wrote (run_tally.h) */
};

/* Per cache: a million conversations known from interval to interval stay
 * known (at most ~30 MB of IPv4 ones, store_ids.h). */
#define STORE_CACHE_ENTRIES (1 << 20)

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Remember why a statement failed. Not logged here: during an outage every
 * interval fails the same way, and the backlog says it once.
 */
static int sql_fail(struct store *st, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);

	snprintf(st->last_error, sizeof(st->last_error), "%s: %s", sqlite3_errmsg(st->db), what);
	pr_debug("%s: %s", st->path, st->last_error);
	return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

/* Step a statement that returns nothing (or whose rows we do not need). */
static int step_done(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->st[id];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sql_fail(st, stmt_sql[id]);
	return 0;
}

/* Step a statement that RETURNING one id. */
static int step_id(struct store *st, enum stmt_id id, int64_t *out)
{
	sqlite3_stmt *s = st->st[id];
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return sql_fail(st, stmt_sql[id]);
	return 0;
}

int store_open(struct store **out, const char *path)
{
	struct store *st;
	int err;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return -ENOMEM;
	}
	st->addresses = store_ids_new(STORE_CACHE_ENTRIES, 4, 16);
	st->conversations = store_ids_new(STORE_CACHE_ENTRIES, CONV_KEY_V4, CONV_KEY_V6);
	if (!st->addresses || !st->conversations) {
		err = -ENOMEM;
		goto fail;
	}
	err = db_open(path, DB_READ_WRITE, &st->db);
	if (err)
		goto fail;
	/* The interval commit survives a power cut (WAL fsynced at COMMIT): the
	 * kernel's counts are cleared right after it (docs/design.md, "Power
	 * loss"). One fsync an interval. The anomaly evaluator's connection
	 * keeps NORMAL: its hits roll back with its watermark, evaluated again.
	 * A page cache of 16 MiB, not db.c's 64: an interval's rows go in
	 * sorted runs, and a burst of 1M new hosts was written no slower with
	 * it while the recorder's RSS was 36 MB lower (bench/RESULTS.md,
	 * "RSS at 1M flows"). */
	err = db_exec(st->db, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;"
			      "PRAGMA cache_size = -16384;");
	if (err)
		goto fail;
	/* Which contract wrote the rows (netmon.h), for whoever reads them later. */
	err = db_exec(st->db, "INSERT INTO meta (key, value) VALUES ('bpf_abi', " NETMON_ABI_STR
			      ") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (err)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->st[i], NULL) != SQLITE_OK) {
			err = sql_fail(st, "preparing statements");
			pr_err("%s: %s", path, st->last_error);
			goto fail;
		}
	}
	err = proc_names_open(&st->names, st->db);
	if (!err)
		err = anomaly_agg_open(&st->agg, st->db);
	if (err == -EIO) {
		err = sql_fail(st, "preparing statements");
		pr_err("%s: %s", path, st->last_error);
	}
	if (err)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return err;
}

sqlite3 *store_db(const struct store *st)
{
	return st->db;
}

const struct run_tally *store_tally(const struct store *st)
{
	return &st->tally;
}

int store_ifaces(const struct store *st, const struct store_iface **ifaces)
{
	*ifaces = st->ifaces;
	return st->ifaces_full ? -1 : st->n_ifaces;
}

long store_proc_cgroups(const struct store *st, const int64_t **rows)
{
	*rows = st->proc_cgroups;
	return st->n_proc_cgroups;
}

const char *store_last_error(const struct store *st)
{
	return st->last_error[0] ? st->last_error : "no error";
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	for (int i = 0; i < BATCH_KINDS; i++)
		for (int k = 0; k < 2; k++)
			sqlite3_finalize(st->batch[i][k]);
	proc_names_close(st->names);
	free(st->proc_cgroups);
	anomaly_agg_close(st->agg);
	db_close(st->db);
	store_ids_free(st->addresses);
	store_ids_free(st->conversations);
	free(st->named_name);
	free(st->path);
	free(st);
}

void store_name_ifindex(struct store *st, int ifindex, const char *name)
{
	free(st->named_name);
	st->named_name = strdup(name);
	st->named_ifindex = st->named_name ? ifindex : 0;
	st->n_ifaces = 0;
	st->ifaces_full = 0;
}

/* The interned interface of ifindex; NULL when not (yet) interned. */
static const struct store_iface *iface_seen(const struct store *st, int ifindex)
{
	for (int i = 0; i < st->n_ifaces; i++)
		if (st->ifaces[i].ifindex == ifindex)
			return &st->ifaces[i];
	return NULL;
}

void store_iface_name(const struct store *st, int ifindex, char *name, size_t len)
{
	const struct store_iface *seen = iface_seen(st, ifindex);
	char kernel[IF_NAMESIZE];

	if (seen)
		snprintf(name, len, "%s", seen->name);
	else if (st->named_ifindex == ifindex) /* an offline import: its file */
		snprintf(name, len, "%s", st->named_name);
	/* An interface gone since the packet: keep its traffic under its index. */
	else if (!if_indextoname((unsigned int)ifindex, kernel))
		snprintf(name, len, "if%d", ifindex);
	else
		snprintf(name, len, "%s", kernel);
}

static int intern_iface(struct store *st, int ifindex, int64_t *id)
{
	const struct store_iface *seen = iface_seen(st, ifindex);
	char name[256];
	int err;

	if (seen) {
		*id = seen->id;
		return 0;
	}
	store_iface_name(st, ifindex, name, sizeof(name));
	sqlite3_bind_text(st->st[ST_IFACE], 1, name, -1, SQLITE_TRANSIENT);
	err = step_id(st, ST_IFACE, id);
	if (err)
		return err;
	if (st->n_ifaces < STORE_IFACES) {
		st->ifaces[st->n_ifaces].ifindex = ifindex;
		st->ifaces[st->n_ifaces].id = *id;
		snprintf(st->ifaces[st->n_ifaces++].name, sizeof(name), "%s", name);
	} else {
		st->ifaces_full = 1;
	}
	return 0;
}

/*
 * A kernel timestamp -> ms after ts_start, through the flip's pair of clock
 * readings (snapshot.h). Floored, so a packet at .1982 s is at 198 ms.
 */
static int64_t mono_to_offset_ms(const struct snapshot *snap, uint64_t mono_ns, int64_t ts_start)
{
	int64_t wall_ns = (int64_t)snap->wall.tv_sec * 1000000000 + snap->wall.tv_nsec;
	int64_t at_ns = wall_ns - ((int64_t)snap->mono_ns - (int64_t)mono_ns);
	int64_t off_ns = at_ns - ts_start * 1000000000;

	return off_ns >= 0 ? off_ns / 1000000 : -((-off_ns + 999999) / 1000000);
}

void store_flow_ms(const struct snapshot *snap, const struct flow_record *r, int64_t ts_start,
		   int64_t *first_ms, int64_t *span_ms)
{
	*first_ms = mono_to_offset_ms(snap, r->c.first_seen_ns, ts_start);
	*span_ms = mono_to_offset_ms(snap, r->c.last_seen_ns, ts_start) - *first_ms;
}

/* The statement of a batch of rows (1 or STORE_BATCH: kept; others: made now). */
static int batch_stmt(struct store *st, enum batch_kind kind, size_t rows, sqlite3_stmt **out)
{
	int keep = rows == 1 ? 0 : rows == STORE_BATCH ? 1 : -1, rc;
	sqlite3_str *sql;
	char *text;

	if (keep >= 0 && st->batch[kind][keep]) {
		*out = st->batch[kind][keep];
		return 0;
	}
	sql = sqlite3_str_new(st->db);
	sqlite3_str_appendall(sql, batch_head[kind]);
	for (size_t i = 0; i < rows; i++)
		for (int c = 0; c < batch_cols[kind]; c++)
			sqlite3_str_appendall(sql, !c			      ? (i ? ",(?" : "(?")
						   : c + 1 < batch_cols[kind] ? ",?"
									      : ",?)");
	text = sqlite3_str_finish(sql);
	if (!text)
		return -ENOMEM;
	rc = sqlite3_prepare_v3(st->db, text, -1, keep >= 0 ? SQLITE_PREPARE_PERSISTENT : 0, out,
				NULL);
	sqlite3_free(text);
	if (rc != SQLITE_OK)
		return sql_fail(st, batch_head[kind]);
	if (keep >= 0)
		st->batch[kind][keep] = *out;
	return 0;
}

/*
 * Run a batch statement that batch_stmt() made; how many rows it inserted.
 * Its bindings are not cleared: every parameter is bound again before it
 * runs again (clearing 768 of them a batch was 1 % of the steady write).
 */
static int batch_run(struct store *st, enum batch_kind kind, sqlite3_stmt *s, size_t rows)
{
	int rc = sqlite3_step(s), changed = sqlite3_changes(st->db);

	sqlite3_reset(s);
	if (rows != 1 && rows != STORE_BATCH)
		sqlite3_finalize(s);
	return rc == SQLITE_DONE ? changed : sql_fail(st, batch_head[kind]);
}

/* The next id of a table (ST_*_NEXT) into *next, when not known yet. */
static int next_id(struct store *st, enum stmt_id q, int64_t *next)
{
	return *next ? 0 : step_id(st, q, next);
}

/* The text of an address: an IPv4 one formatted here (inet_ntop()'s sprintf
 * was ~5 % of a new address's cost), an IPv6 one by inet_ntop(). */
static void address_text(const __u8 *addr, int len, char *text, size_t size)
{
	char *p = text;

	if (len != 4) {
		inet_ntop(AF_INET6, addr, text, (socklen_t)size);
		return;
	}
	for (int i = 0; i < 4; i++) {
		unsigned int v = addr[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

/* An address's id from the cache, or a new one to insert (new_addrs). */
static int address_id(struct store *st, int family, const __u8 *addr, int64_t *id)
{
	size_t len = family == NETMON_FAMILY_V4 ? 4 : 16;
	struct new_address *a;
	int err;

	/* the length tells the families apart: bin is 4 or 16 bytes */
	*id = store_ids_get(st->addresses, addr, len);
	if (*id)
		return 0;
	err = next_id(st, ST_ADDRESS_NEXT, &st->next_address_id);
	if (err)
		return err;
	*id = st->next_address_id++;
	store_ids_put(st->addresses, addr, len, *id);
	a = &st->new_addrs[st->n_new_addrs++];
	a->id = *id;
	memcpy(a->addr, addr, len);
	a->family = family;
	return 0;
}

/*
 * new_addrs (at most STORE_BATCH) into addresses. When the table had some
 * already (the cache forgot them), each gets its id looked up, into the
 * cache and new_addrs.
 */
static int flush_addresses(struct store *st)
{
	size_t n = st->n_new_addrs;
	sqlite3_stmt *s;
	int changed, err = n ? batch_stmt(st, B_ADDRESS, n, &s) : 0;

	if (!n || err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const struct new_address *a = &st->new_addrs[i];
		int len = a->family == NETMON_FAMILY_V4 ? 4 : 16, p = (int)i * 4;
		char text[INET6_ADDRSTRLEN];

		address_text(a->addr, len, text, sizeof(text));
		sqlite3_bind_int64(s, p + 1, a->id);
		sqlite3_bind_int(s, p + 2, a->family);
		sqlite3_bind_blob(s, p + 3, a->addr, len, SQLITE_STATIC);
		sqlite3_bind_text(s, p + 4, text, -1, SQLITE_TRANSIENT);
	}
	changed = batch_run(st, B_ADDRESS, s, n);
	for (size_t i = 0; changed >= 0 && (size_t)changed < n && i < n; i++) {
		struct new_address *a = &st->new_addrs[i];
		int len = a->family == NETMON_FAMILY_V4 ? 4 : 16;

		sqlite3_bind_blob(st->st[ST_ADDRESS_ID], 1, a->addr, len, SQLITE_STATIC);
		if ((err = step_id(st, ST_ADDRESS_ID, &a->id)))
			return err;
		store_ids_put(st->addresses, a->addr, (size_t)len, a->id);
	}
	st->n_new_addrs = 0;
	return changed < 0 ? changed : 0;
}

/* One address's id (host names, processes), inserted if new. */
static int intern_address(struct store *st, int family, const __u8 *addr, int64_t *id)
{
	int err;

	st->n_new_addrs = 0;
	err = address_id(st, family, addr, id);
	if (!err && st->n_new_addrs) {
		err = flush_addresses(st);
		*id = st->new_addrs[0].id;
	}
	return err;
}

/* A flow's conversation key, with its interface's id iface; its length. */
static size_t conversation_key_of(const struct flow_record *r, int64_t iface,
				  struct conversation_key *k)
{
	size_t alen = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;
	uint32_t id = (uint32_t)iface;

	memcpy(k->b, &id, sizeof(id));
	k->b[4] = r->key.direction;
	k->b[5] = r->key.protocol;
	memcpy(k->b + CONV_KEY_HEAD, r->key.src, alen);
	memcpy(k->b + CONV_KEY_HEAD + alen, r->key.dst, alen);
	return CONV_KEY_HEAD + 2 * alen;
}

/* Flow rows r[0..n) of conversations conv, ids from next_flow_id on. */
static int insert_flows(struct store *st, const struct snapshot *snap, int64_t ts_start,
			const struct flow_record *r, size_t n, const int64_t *conv)
{
	sqlite3_stmt *s;
	int changed, err = batch_stmt(st, B_FLOW, n, &s);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		int64_t first_ms, span_ms;
		int p = (int)i * 13;

		store_flow_ms(snap, &r[i], ts_start, &first_ms, &span_ms);
		sqlite3_bind_int64(s, p + 1, st->next_flow_id + (int64_t)i);
		sqlite3_bind_int64(s, p + 2, conv[i]);
		sqlite3_bind_int(s, p + 3, r[i].key.src_port);
		sqlite3_bind_int(s, p + 4, r[i].key.dst_port);
		sqlite3_bind_int64(s, p + 5, (int64_t)r[i].c.packets);
		sqlite3_bind_int64(s, p + 6, (int64_t)r[i].c.bytes);
		sqlite3_bind_int(s, p + 7, (int)r[i].c.tcp_flags);
		sqlite3_bind_int64(s, p + 8, r[i].c.syn);
		sqlite3_bind_int64(s, p + 9, r[i].c.fin);
		sqlite3_bind_int64(s, p + 10, r[i].c.rst);
		sqlite3_bind_int64(s, p + 11, first_ms);
		sqlite3_bind_int64(s, p + 12, span_ms);
		sqlite3_bind_int(s, p + 13, r[i].c.syn_request);
	}
	changed = batch_run(st, B_FLOW, s, n);
	if (changed < 0)
		return changed;
	st->next_flow_id += (int64_t)n;
	return 0;
}

/*
 * Cache lookups in a batch: item i's key is made and its slot prefetched
 * LOOK_AHEAD items before its lookup, and the entry that slot points to
 * half-way, so that a lookup no longer waits on two random reads of
 * memory (the caches of a million entries miss every CPU cache; their
 * lookups were the largest part of the steady write outside SQLite:
 * bench/RESULTS.md, "The interval write: where its time goes").
 */
#define LOOK_AHEAD 16

/* Item i's key into key (STORE_IDS_KEY_MAX bytes); its length, 0: no lookup. */
typedef size_t (*ahead_key_fn)(void *arg, size_t i, uint8_t *key);
/* The lookup (or put) of item i, whose key and hash are given. */
typedef int (*ahead_op_fn)(void *arg, size_t i, const uint8_t *key, size_t len, uint64_t h);

static int ids_ahead(struct store_ids *c, size_t n, ahead_key_fn key, ahead_op_fn op, void *arg)
{
	uint8_t k[LOOK_AHEAD][STORE_IDS_KEY_MAX];
	size_t len[LOOK_AHEAD];
	uint64_t h[LOOK_AHEAD];
	int err = 0;

	for (size_t i = 0; !err && i < n + LOOK_AHEAD; i++) {
		size_t at = i % LOOK_AHEAD, half = (i + LOOK_AHEAD / 2) % LOOK_AHEAD;

		if (i >= LOOK_AHEAD && len[at])
			err = op(arg, i - LOOK_AHEAD, k[at], len[at], h[at]);
		if (i < n && (len[at] = key(arg, i, k[at]))) {
			h[at] = store_ids_hash(k[at], len[at]);
			store_ids_prefetch(c, len[at], h[at]);
		}
		if (i >= LOOK_AHEAD / 2 && i - LOOK_AHEAD / 2 < n && len[half])
			store_ids_prefetch_entry(c, len[half], h[half]);
	}
	return err;
}

/*
 * A burst of new hosts (a scan, a flood, a busy server's clients): the
 * addresses and conversations of an interval that no cache knows are
 * inserted before its flows, each table's in the order of its unique index
 * and with ids in that order, so that every new row goes next to the one
 * before in both b-trees. In the order of the flows (a hash order) each went
 * to a random page of the index, and the address and conversation rows cost
 * several times the flow rows (bench/RESULTS.md, "A burst of new hosts").
 *
 * A flow whose conversation the cache does not know is a row of rows:
 * w[0] and w[1] its source's and destination's ids (or BURST_MARK | the
 * number of a new address, until it has its id), w[2] protocol << 40 |
 * direction << 32 | interface id, w[3] the flow's index: sorted on w[0..3)
 * that is the order of conversations' UNIQUE (src_id, dst_id, protocol,
 * direction, iface_id). A new address is a row of addr: its bytes
 * big-endian in w[0] and w[1] (an IPv4 one in w[0]'s high half), its
 * length in w[2] (the order of addresses' index on bin: bytes, then the
 * shorter first), its number in w[3].
 */
struct burst {
	struct store *st;
	const struct flow_record *r;
	int64_t *conv; /* per flow: its conversation's id (0: unknown yet) */
	struct store_row *rows;
	size_t n, n_v4; /* n_v4: rows of IPv4 flows */
	struct store_row *addr;
	size_t n_addr;
	int64_t *addr_id;   /* a new address's id, by its number */
	int64_t (*ends)[2]; /* per flow of a new conversation: its addresses' ids */
};

/*
 * Sorted from this many new rows on. A few new rows an interval go in the
 * order of the flows: sorted runs inserted into the middle of an index leave
 * its pages half full where scattered ones leave them about 70 % full, and a
 * 60-day history grew 3 % larger (tests/unit/test_history.c's plateau).
 */
#define BURST_SORT_MIN 1024

/* Marks a new address (in the cache, in a conversation row) until it has its id. */
#define BURST_MARK (1ull << 62)

/* The sorting's arrays freed (the flows' conv and ends stay). */
static void burst_sorted(struct burst *b)
{
	store_big_free(b->rows);
	store_big_free(b->addr);
	store_big_free(b->addr_id);
	b->rows = b->addr = NULL;
	b->addr_id = NULL;
}

/* rows[0..n) sorted on words [from, to) (store_sort.h). */
static int sort_on(struct store_row **rows, size_t n, int from, int to)
{
	struct store_row *tmp, *s;

	if (n < 2 || from >= to)
		return 0;
	tmp = store_big_alloc(n * sizeof(*tmp));
	s = tmp ? store_sort_rows(*rows, tmp, n, from, to) : NULL;
	if (!s) {
		store_big_free(tmp);
		return -ENOMEM;
	}
	store_big_free(s == tmp ? *rows : tmp);
	*rows = s;
	return 0;
}

/*
 * Ahead: flow i's conversation key; conv[i] holds its interface's id until
 * its lookup (known_conversations()).
 */
static size_t flow_conv_key(void *arg, size_t i, uint8_t *key)
{
	struct burst *b = arg;

	return conversation_key_of(&b->r[i], b->conv[i], (struct conversation_key *)key);
}

static int flow_conv_get(void *arg, size_t i, const uint8_t *key, size_t len, uint64_t h)
{
	struct burst *b = arg;
	b->conv[i] = store_ids_get_h(b->st->conversations, key, len, h);
	b->n += !b->conv[i];
	b->n_v4 += !b->conv[i] && len == CONV_KEY_V4;
	return 0;
}

/*
 * conv[i]: the conversation of r[i] from the cache, or 0: then a row of
 * rows, and room in addr for its addresses (and in the address cache).
 */
static int known_conversations(struct burst *b, size_t n)
{
	struct store_ids *addresses = b->st->addresses;
	size_t k = 0;
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = intern_iface(b->st, (int)b->r[i].key.ifindex, &b->conv[i]);
	if (!err)
		err = ids_ahead(b->st->conversations, n, flow_conv_key, flow_conv_get, b);
	if (err || !b->n)
		return err;
	b->rows = store_big_alloc(b->n * sizeof(*b->rows));
	b->addr = store_big_alloc(2 * b->n * sizeof(*b->addr));
	if (!b->rows || !b->addr)
		return -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		const struct flow_record *r = &b->r[i];
		int64_t iface;

		if (b->conv[i] || (err = intern_iface(b->st, (int)r->key.ifindex, &iface)))
			continue;
		b->rows[k++] = (struct store_row){ { 0, 0,
						     (uint64_t)r->key.protocol << 40 |
							     (uint64_t)r->key.direction << 32 |
							     (uint32_t)iface,
						     i } };
	}
	/* a burst's addresses: the cache's index grown once, not doubled on the way */
	store_ids_reserve(addresses, 4, 2 * b->n_v4);
	store_ids_reserve(addresses, 16, 2 * (b->n - b->n_v4));
	return err;
}

/* An address's length (4 or 16) and its bytes of a row of addr. */
static size_t addr_row_bytes(const struct store_row *a, uint8_t *bytes)
{
	uint64_t hi = __builtin_bswap64(a->w[0]), lo = __builtin_bswap64(a->w[1]);

	memcpy(bytes, &hi, 8);
	memcpy(bytes + 8, &lo, 8);
	return (size_t)a->w[2];
}

/* Ahead: side (item % 2: source, destination) of rows[item / 2]. */
static size_t conv_side_key(void *arg, size_t item, uint8_t *key)
{
	struct burst *b = arg;
	const struct flow_record *r = &b->r[b->rows[item / 2].w[3]];
	size_t len = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;

	memcpy(key, item % 2 ? r->key.dst : r->key.src, len);
	return len;
}

/* Its id, or BURST_MARK | its number, a new number for an address no cache knows. */
static int conv_side_get(void *arg, size_t item, const uint8_t *key, size_t len, uint64_t h)
{
	struct burst *b = arg;
	int64_t id = store_ids_get_h(b->st->addresses, key, len, h);
	struct store_row *a;
	uint64_t hi = 0, lo = 0;

	if (!id) {
		memcpy(&hi, key, len < 8 ? len : 8);
		if (len > 8)
			memcpy(&lo, key + 8, len - 8);
		a = &b->addr[b->n_addr];
		*a = (struct store_row){ { __builtin_bswap64(hi), __builtin_bswap64(lo), len,
					   b->n_addr } };
		id = (int64_t)(BURST_MARK | b->n_addr++);
		store_ids_put_h(b->st->addresses, key, len, h, id);
	}
	b->rows[item / 2].w[item % 2] = (uint64_t)id;
	return 0;
}

/* Ahead: a new address's key (addr[i], unique and sorted), to put its id. */
static size_t new_addr_key(void *arg, size_t i, uint8_t *key)
{
	return addr_row_bytes(&((struct burst *)arg)->addr[i], key);
}

static int new_addr_put(void *arg, size_t i, const uint8_t *key, size_t len, uint64_t h)
{
	struct burst *b = arg;

	store_ids_put_h(b->st->addresses, key, len, h, b->addr_id[b->addr[i].w[3]]);
	return 0;
}

/*
 * The new addresses st->new_addrs of addr[at[j]..) (a run of rows of the
 * same address each, the last up to end) into addresses; each number's id
 * into addr_id (the table's when it had the address already).
 */
static int flush_burst_addresses(struct burst *b, const size_t *at, size_t end)
{
	struct store *st = b->st;
	size_t k = st->n_new_addrs;
	int err = flush_addresses(st);

	for (size_t j = 0; !err && j < k; j++)
		for (size_t i = at[j]; i < (j + 1 < k ? at[j + 1] : end); i++)
			b->addr_id[b->addr[i].w[3]] = st->new_addrs[j].id;
	return err;
}

/*
 * The new addresses (addr) into addresses in their index's order, with ids
 * in that order, STORE_BATCH a statement; then into the cache.
 */
static int burst_addresses(struct burst *b)
{
	struct store *st = b->st;
	size_t at[STORE_BATCH];
	int err;

	if (!b->n_addr)
		return 0;
	b->addr_id = store_big_alloc(b->n_addr * sizeof(*b->addr_id));
	if (!b->addr_id)
		return -ENOMEM;
	/* equal rows (the cache started over while marking) stay: each number needs its id */
	err = b->n_addr >= BURST_SORT_MIN ? sort_on(&b->addr, b->n_addr, 0, 3) : 0;
	if (!err)
		err = next_id(st, ST_ADDRESS_NEXT, &st->next_address_id);
	st->n_new_addrs = 0;
	for (size_t i = 0; !err && i < b->n_addr; i++) {
		struct new_address *a;

		if (i && !memcmp(&b->addr[i], &b->addr[i - 1], 3 * sizeof(b->addr->w[0])))
			continue;
		if (st->n_new_addrs == STORE_BATCH) {
			err = flush_burst_addresses(b, at, i);
			st->n_new_addrs = 0;
		}
		a = &st->new_addrs[st->n_new_addrs];
		a->family = addr_row_bytes(&b->addr[i], a->addr) == 4 ? NETMON_FAMILY_V4
								      : NETMON_FAMILY_V6;
		a->id = st->next_address_id++;
		at[st->n_new_addrs++] = i;
	}
	if (!err && st->n_new_addrs)
		err = flush_burst_addresses(b, at, b->n_addr);
	st->n_new_addrs = 0;
	return err ? err : ids_ahead(st->addresses, b->n_addr, new_addr_key, new_addr_put, b);
}

/* Bind a conversation row's columns from ?base + 1 on (ST_CONVERSATION_ID's order). */
static void bind_conversation(sqlite3_stmt *s, int base, const struct store_row *c)
{
	sqlite3_bind_int64(s, base + 1, (uint32_t)c->w[2]);
	sqlite3_bind_int(s, base + 2, (int)(c->w[2] >> 32 & 0xff));
	sqlite3_bind_int(s, base + 3, (int)(c->w[2] >> 40));
	sqlite3_bind_int64(s, base + 4, (int64_t)c->w[0]);
	sqlite3_bind_int64(s, base + 5, (int64_t)c->w[1]);
}

/*
 * The conversations c[first[j]] (j < k) into conversations with the ids
 * ids[j]; when the table had some already, every id of the batch is looked
 * up into ids.
 */
static int flush_conversations(struct store *st, const struct store_row *c, const size_t *first,
			       size_t k, int64_t *ids)
{
	sqlite3_stmt *s;
	int changed, err = batch_stmt(st, B_CONVERSATION, k, &s);

	if (err)
		return err;
	for (size_t j = 0; j < k; j++) {
		sqlite3_bind_int64(s, (int)j * 6 + 1, ids[j]);
		bind_conversation(s, (int)j * 6 + 1, &c[first[j]]);
	}
	changed = batch_run(st, B_CONVERSATION, s, k);
	for (size_t j = 0; changed >= 0 && (size_t)changed < k && j < k; j++) {
		bind_conversation(st->st[ST_CONVERSATION_ID], 0, &c[first[j]]);
		if ((err = step_id(st, ST_CONVERSATION_ID, &ids[j])))
			return err;
	}
	return changed < 0 ? changed : 0;
}

/*
 * The rows' addresses given their ids (a new one's from addr_id), and each
 * flow's into ends for the aggregates.
 */
static int conversation_ends(struct burst *b, size_t n_flows)
{
	b->ends = store_big_alloc(n_flows * sizeof(*b->ends));
	if (!b->ends)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		struct store_row *c = &b->rows[i];

		for (int side = 0; side < 2; side++)
			if (c->w[side] & BURST_MARK)
				c->w[side] = (uint64_t)b->addr_id[c->w[side] & ~BURST_MARK];
		b->ends[c->w[3]][0] = (int64_t)c->w[0];
		b->ends[c->w[3]][1] = (int64_t)c->w[1];
	}
	return 0;
}

/*
 * Ahead: flow i's conversation key when its conversation is new (its id
 * negative in conv until then), to put its id in the cache.
 */
static size_t new_conv_key(void *arg, size_t i, uint8_t *key)
{
	struct burst *b = arg;
	int64_t iface;

	/* the interface is interned by now (known_conversations()); if not
	 * (the interfaces' array is full and the lookup fails), no entry */
	if (b->conv[i] >= 0)
		return 0;
	if (intern_iface(b->st, (int)b->r[i].key.ifindex, &iface)) {
		b->conv[i] = -b->conv[i];
		return 0;
	}
	return conversation_key_of(&b->r[i], iface, (struct conversation_key *)key);
}

static int new_conv_put(void *arg, size_t i, const uint8_t *key, size_t len, uint64_t h)
{
	struct burst *b = arg;

	b->conv[i] = -b->conv[i];
	store_ids_put_h(b->st->conversations, key, len, h, b->conv[i]);
	return 0;
}

/*
 * The new conversations (rows) into conversations in their index's order,
 * ids in that order; each id to its flows (conv), and to the cache in the
 * flows' order.
 */
static int burst_conversations(struct burst *b, size_t n_flows)
{
	struct store *st = b->st;
	size_t first[STORE_BATCH], k = 0, n;
	int64_t ids[STORE_BATCH];
	int err = conversation_ends(b, n_flows);

	if (!err)
		err = sort_on(&b->rows, b->n, 0, b->n >= BURST_SORT_MIN ? 3 : 0);
	n = b->n;
	for (size_t i = 0; !err && i <= n; i++) {
		if (i < n && i && !memcmp(&b->rows[i], &b->rows[i - 1], 3 * sizeof(b->rows->w[0])))
			continue; /* another flow of the same conversation */
		if (k && (k == STORE_BATCH || i == n)) {
			err = flush_conversations(st, b->rows, first, k, ids);
			for (size_t j = 0; !err && j < k; j++)
				for (size_t m = first[j]; m < (j + 1 < k ? first[j + 1] : i); m++)
					b->conv[b->rows[m].w[3]] = -ids[j];
			k = 0;
		}
		if (!err && i < n)
			err = next_id(st, ST_CONVERSATION_NEXT, &st->next_conversation_id);
		if (!err && i < n) {
			first[k] = i;
			ids[k++] = st->next_conversation_id++;
		}
	}
	if (!err)
		store_ids_reserve(st->conversations, CONV_KEY_V4, b->n_v4);
	return err ? err : ids_ahead(st->conversations, n_flows, new_conv_key, new_conv_put, b);
}

static int is_zero(const __u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* An address's id for the aggregates: the cache's, else the table's. */
static int flow_address(struct store *st, const __u8 *addr, size_t len, int64_t *id)
{
	int err;

	*id = store_ids_get(st->addresses, addr, len);
	if (*id)
		return 0;
	/* the cache started over since the flow's conversation was found */
	sqlite3_bind_blob(st->st[ST_ADDRESS_ID], 1, addr, (int)len, SQLITE_STATIC);
	err = step_id(st, ST_ADDRESS_ID, id);
	if (!err)
		store_ids_put(st->addresses, addr, len, *id);
	return err;
}

/* A flow's addresses' ids for the aggregates: from ends when it has them. */
static int flow_ends(struct store *st, const struct flow_record *r, const int64_t *ends,
		     struct anomaly_agg_flow *f)
{
	size_t len = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;
	int err;

	if (ends && ends[0]) {
		f->src_id = ends[0];
		f->dst_id = ends[1];
		return 0;
	}
	err = flow_address(st, r->key.src, len, &f->src_id);
	return err ? err : flow_address(st, r->key.dst, len, &f->dst_id);
}

/* The address slots of flow r (the first flow of its conversation looks them up). */
static void prefetch_ends(const struct store *st, const struct flow_record *r)
{
	size_t len = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;

	store_ids_prefetch(st->addresses, len, store_ids_hash(r->key.src, len));
	store_ids_prefetch(st->addresses, len, store_ids_hash(r->key.dst, len));
}

/*
 * Flows r[0..n) of conversations conv, written, into the rules' aggregates
 * of the interval (anomaly_agg.h); addresses looked up once a conversation
 * (ends: those of new conversations, NULL when none).
 */
static int aggregate_flows(struct store *st, const struct snapshot *snap, int64_t ts_start,
			   const struct flow_record *r, size_t n, const int64_t *conv,
			   const int64_t (*ends)[2])
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		size_t len = r[i].key.family == NETMON_FAMILY_V4 ? 4 : 16;
		struct anomaly_agg_flow f = { .conversation_id = conv[i],
					      .packets = (int64_t)r[i].c.packets,
					      .bytes = (int64_t)r[i].c.bytes,
					      .src_port = r[i].key.src_port,
					      .dst_port = r[i].key.dst_port,
					      .direction = r[i].key.direction,
					      .protocol = r[i].key.protocol,
					      .src_unspecified = is_zero(r[i].key.src, len),
					      .syn = r[i].c.syn > 0,
					      .tcp_flags = r[i].c.tcp_flags,
					      .syns = (int64_t)r[i].c.syn };

		if (i + LOOK_AHEAD < n)
			anomaly_agg_prefetch(st->agg, conv[i + LOOK_AHEAD], 0);
		/* the first flow of its conversation looks its addresses up */
		if (i + LOOK_AHEAD / 2 < n && !(ends && ends[i + LOOK_AHEAD / 2][0]) &&
		    !anomaly_agg_prefetch(st->agg, conv[i + LOOK_AHEAD / 2], 1))
			prefetch_ends(st, &r[i + LOOK_AHEAD / 2]);
		store_flow_ms(snap, &r[i], ts_start, &f.first_ms, &f.span_ms);
		if (f.protocol == 6 && f.syn) /* interval_syn's groups are per interface */
			err = intern_iface(st, (int)r[i].key.ifindex, &f.iface_id);
		if (!err && !anomaly_agg_known(st->agg, conv[i]))
			err = flow_ends(st, &r[i], ends ? ends[i] : NULL, &f);
		if (!err)
			err = anomaly_agg_add(st->agg, &f);
	}
	return err;
}

/*
 * Flow rows for r[0..n): the conversations the cache knows, the new
 * addresses, the new conversations, then the flows, STORE_BATCH a statement.
 */
static int write_flows(struct store *st, const struct snapshot *snap, int64_t ts_start,
		       const struct flow_record *r, size_t n)
{
	struct burst b = { .st = st, .r = r, .conv = store_big_alloc(n * sizeof(*b.conv)) };
	int err = b.conv ? known_conversations(&b, n) : -ENOMEM;

	/* each missing address: a number, and its mark in the cache */
	if (!err && b.n)
		err = ids_ahead(st->addresses, 2 * b.n, conv_side_key, conv_side_get, &b);
	if (!err)
		err = burst_addresses(&b);
	if (!err && b.n)
		err = burst_conversations(&b, n);
	burst_sorted(&b);
	for (size_t at = 0; !err && at < n; at += STORE_BATCH)
		err = insert_flows(st, snap, ts_start, r + at,
				   n - at < STORE_BATCH ? n - at : STORE_BATCH, b.conv + at);
	if (!err)
		err = aggregate_flows(st, snap, ts_start, r, n, b.conv,
				      (const int64_t(*)[2])b.ends);
	store_big_free(b.ends);
	store_big_free(b.conv);
	return err;
}

int store_intern_address(struct store *st, int family, const __u8 *addr, int64_t *id)
{
	st->next_address_id = 0; /* its own transaction: the table as it is now */
	return intern_address(st, family, addr, id);
}

void store_forget_ids(struct store *st)
{
	store_ids_clear(st->addresses);
	store_ids_clear(st->conversations);
	proc_names_forget(st->names);
	st->next_address_id = st->next_conversation_id = 0;
}

static int write_total(struct store *st, int64_t interval_id, const struct total_record *r,
		       const struct traffic_tcp *tcp)
{
	sqlite3_stmt *s = st->st[ST_TRAFFIC];
	int64_t iface;
	int err = intern_iface(st, (int)r->key.ifindex, &iface);

	if (err)
		return err;
	sqlite3_bind_int64(s, 1, interval_id);
	sqlite3_bind_int64(s, 2, iface);
	sqlite3_bind_int(s, 3, r->key.direction);
	sqlite3_bind_int(s, 4, r->key.kind);
	sqlite3_bind_int(s, 5, r->key.family);
	sqlite3_bind_int(s, 6, r->key.protocol);
	sqlite3_bind_int64(s, 7, (int64_t)r->c.packets);
	sqlite3_bind_int64(s, 8, (int64_t)r->c.bytes);
	if (tcp->known) {
		sqlite3_bind_int64(s, 9, (int64_t)tcp->syn);
		sqlite3_bind_int64(s, 10, (int64_t)tcp->fin);
		sqlite3_bind_int64(s, 11, (int64_t)tcp->rst);
		sqlite3_bind_int64(s, 12, tcp->flags);
	} else { /* a kind whose flags nobody counts */
		for (int i = 9; i <= 12; i++)
			sqlite3_bind_null(s, i);
	}
	return step_done(st, ST_TRAFFIC);
}

/* A process name's id; comm is at most NETMON_COMM_LEN bytes, maybe unended. */
static int intern_name(struct store *st, const char *comm, int64_t *id)
{
	sqlite3_bind_text(st->st[ST_PROC_NAME], 1, comm, (int)strnlen(comm, NETMON_COMM_LEN),
			  SQLITE_TRANSIENT);
	return step_id(st, ST_PROC_NAME, id);
}

const struct proc_info *store_proc_info(const struct snapshot *snap, __u32 tgid)
{
	size_t lo = 0, hi = snap->n_infos;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (snap->infos[mid].tgid == tgid)
			return &snap->infos[mid].info;
		if (snap->infos[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The cgroups row (0: none) of a process, and its uid in user_names. */
static int name_process(struct store *st, const struct snapshot *snap, const struct proc_info *info,
			int64_t ts_start, int64_t *cgroup)
{
	int err = info->cgroup_id ? proc_names_cgroup(st->names, info->cgroup_id, ts_start,
						      snap->cgroups_gone, cgroup)
				  : 0;

	if (!err)
		err = proc_names_user(st->names, info->uid);
	return err == -EIO ? sql_fail(st, "naming a process's cgroup and user") : err;
}

static int write_process(struct store *st, const struct snapshot *snap, int64_t interval_id,
			 int64_t ts_start, const struct proc_record *r)
{
	const struct proc_info *info = store_proc_info(snap, r->key.tgid);
	sqlite3_stmt *s = st->st[ST_PROCESS];
	int64_t comm = 0, parent = 0, remote = 0, cgroup = 0;
	int err = 0;

	/* No name when the names table was full in the kernel: NULL, not a guess. */
	if (info)
		err = intern_name(st, info->comm, &comm);
	if (!err && info)
		err = intern_name(st, info->parent_comm, &parent);
	if (!err && info)
		err = name_process(st, snap, info, ts_start, &cgroup);
	if (!err && !is_zero(r->key.remote, r->key.family == NETMON_FAMILY_V4 ? 4 : 16))
		err = intern_address(st, r->key.family, r->key.remote, &remote);
	if (err)
		return err;
	if (st->proc_cgroups) /* for the export (store_proc_cgroups()) */
		st->proc_cgroups[r - snap->procs] = cgroup;
	sqlite3_bind_int64(s, 1, interval_id);
	sqlite3_bind_int64(s, 2, r->key.tgid);
	info ? sqlite3_bind_int64(s, 3, comm) : sqlite3_bind_null(s, 3);
	info ? sqlite3_bind_int64(s, 4, parent) : sqlite3_bind_null(s, 4);
	info ? sqlite3_bind_int64(s, 5, info->ppid) : sqlite3_bind_null(s, 5);
	sqlite3_bind_int(s, 6, r->key.family);
	sqlite3_bind_int(s, 7, r->key.protocol);
	remote ? sqlite3_bind_int64(s, 8, remote) : sqlite3_bind_null(s, 8);
	sqlite3_bind_int(s, 9, r->key.remote_port);
	sqlite3_bind_int(s, 10, r->key.local_port);
	sqlite3_bind_int64(s, 11, (int64_t)r->c.bytes_sent);
	sqlite3_bind_int64(s, 12, (int64_t)r->c.bytes_recv);
	sqlite3_bind_int64(s, 13, (int64_t)r->c.sends);
	sqlite3_bind_int64(s, 14, (int64_t)r->c.recvs);
	cgroup ? sqlite3_bind_int64(s, 15, cgroup) : sqlite3_bind_null(s, 15);
	info ? sqlite3_bind_int64(s, 16, info->uid) : sqlite3_bind_null(s, 16);
	return step_done(st, ST_PROCESS);
}

/*
 * Packets whose flow did not fit the kernel's table still get a flow row, so
 * that flow_log always adds up to traffic_log: the overflow row of their
 * interface, direction and protocol, with the unspecified address (0.0.0.0
 * or ::) as source and destination, which no wire packet has as both, and
 * ports 0. Its TCP flags, SYN/FIN/RST counts and times are the kernel's (a
 * SYN flood that fills the table keeps every SYN); a total that has no
 * times (made in user space) spans the whole interval.
 */
struct flow_record store_overflow_flow(const struct snapshot *snap, int64_t ts_start,
				       int64_t ts_end, const struct total_record *t)
{
	int64_t wall_ns = (int64_t)snap->wall.tv_sec * 1000000000 + snap->wall.tv_nsec;
	struct flow_record r;

	memset(&r, 0, sizeof(r));
	r.key.ifindex = t->key.ifindex;
	r.key.family = t->key.family;
	r.key.protocol = t->key.protocol;
	r.key.direction = t->key.direction;
	r.c.packets = t->c.packets;
	r.c.bytes = t->c.bytes;
	r.c.first_seen_ns = snap->mono_ns - (uint64_t)(wall_ns - ts_start * 1000000000);
	r.c.last_seen_ns = r.c.first_seen_ns + (uint64_t)(ts_end - ts_start) * 1000000000;
	r.c.syn = t->c.syn;
	r.c.fin = t->c.fin;
	r.c.rst = t->c.rst;
	r.c.tcp_flags = t->c.tcp_flags;
	if (t->c.first_ns && t->c.last_ns >= t->c.first_ns) {
		r.c.first_seen_ns = t->c.first_ns;
		r.c.last_seen_ns = t->c.last_ns;
		return r;
	}
	return r;
}

/*
 * The statement parameter that counts a kind of messages passed for host
 * names (DNS responses, TLS ClientHellos): columns of the interval, not
 * traffic rows. 0 for every other kind.
 */
static int name_count_param(__u8 kind)
{
	switch (kind) {
	case NETMON_KIND_DNS:
		return 8;
	case NETMON_KIND_DNS_DROP:
		return 9;
	case NETMON_KIND_TLS_HELLO:
		return 12;
	case NETMON_KIND_TLS_DROP:
		return 13;
	default:
		return 0;
	}
}

static void bind_name_counts(sqlite3_stmt *s, const struct snapshot *snap)
{
	int64_t n[14] = { 0 };

	for (size_t i = 0; i < snap->n_totals; i++)
		n[name_count_param(snap->totals[i].key.kind)] += (int64_t)snap->totals[i].c.packets;
	sqlite3_bind_int64(s, 8, n[8]);
	sqlite3_bind_int64(s, 9, n[9]);
	/* Counted by the names reader, not the kernel (names_take_tcp_split()). */
	sqlite3_bind_int64(s, 11, (int64_t)snap->dns_tcp_split);
	sqlite3_bind_int64(s, 12, n[12]);
	sqlite3_bind_int64(s, 13, n[13]);
}

int64_t store_late_ms(const struct snapshot *snap, int64_t ts_end)
{
	int64_t late =
		(int64_t)snap->wall.tv_sec * 1000 + snap->wall.tv_nsec / 1000000 - ts_end * 1000;

	return late > 0 ? late : 0;
}

static int write_rows(struct store *st, const struct snapshot *snap, int64_t ts_start,
		      int64_t ts_end)
{
	sqlite3_stmt *s = st->st[ST_INTERVAL];
	int64_t t0 = now_us(), id = 0, first_flow = 1;
	struct traffic_tcp *tcp = NULL;
	int err = traffic_tcp_sums(snap, &tcp);

	if (err)
		return err;

	sqlite3_bind_int64(s, 1, ts_start);
	sqlite3_bind_int64(s, 2, ts_end);
	sqlite3_bind_int64(s, 3, (int64_t)snap->n_flows);
	sqlite3_bind_int64(s, 4, (int64_t)snap->duration_us);
	sqlite3_bind_int64(s, 5, st->sample_rate);
	sqlite3_bind_int64(s, 6, (int64_t)snap->proc_full_calls);
	sqlite3_bind_int64(s, 7, (int64_t)snap->proc_full_bytes);
	bind_name_counts(s, snap);
	/* From pinned maps: recorded live; an import's maps are not pinned. */
	sqlite3_bind_int(s, 10, snap->run != 0);
	sqlite3_bind_int64(s, 14, store_late_ms(snap, ts_end));
	anomaly_agg_start(st->agg);
	err = step_id(st, ST_INTERVAL, &id);
	if (!err)
		err = step_id(st, ST_NEXT_FLOW_ID, &first_flow);
	st->next_flow_id = first_flow;
	if (!err)
		err = write_flows(st, snap, ts_start, snap->flows, snap->n_flows);
	for (size_t i = 0; !err && i < snap->n_totals; i++) {
		const struct total_record *t = &snap->totals[i];

		if (name_count_param(t->key.kind))
			continue;
		err = write_total(st, id, t, &tcp[i]);
		if (!err && t->key.kind == NETMON_KIND_TABLE_FULL) {
			struct flow_record over = store_overflow_flow(snap, ts_start, ts_end, t);

			err = write_flows(st, snap, ts_start, &over, 1);
		}
	}
	free(tcp);
	for (size_t i = 0; !err && i < snap->n_procs; i++)
		err = write_process(st, snap, id, ts_start, &snap->procs[i]);
	if (err)
		return err;
	/* the interval's flows are ids [first_flow, next_flow_id) */
	s = st->st[ST_FLOW_RANGE];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, first_flow);
	sqlite3_bind_int64(s, 3, st->next_flow_id - 1);
	err = step_done(st, ST_FLOW_RANGE);
	if (!err)
		err = anomaly_agg_write(st->agg, id, ts_start);
	if (err == -EIO)
		err = sql_fail(st, "writing the interval's anomaly aggregates");
	/* a bucket already rolled up gets this interval too (rollup.h) */
	if (!err && rollup_late_interval(st->db, id, ts_start))
		err = sql_fail(st, "adding a late interval to the rollups");
	if (err)
		return err;
	if (snap->run) {
		s = st->st[ST_FLIP];
		sqlite3_bind_int64(s, 1, (int64_t)snap->run);
		sqlite3_bind_int64(s, 2, snap->seq);
		err = step_done(st, ST_FLIP);
		if (err)
			return err;
	}
	s = st->st[ST_INTERVAL_WRITE_US];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_us() - t0);
	return step_done(st, ST_INTERVAL_WRITE_US);
}

int store_last_flip(struct store *st, uint64_t run, uint32_t *seq)
{
	sqlite3_stmt *q = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT (SELECT value FROM meta WHERE key = 'pin_run'), "
			       "(SELECT value FROM meta WHERE key = 'pin_seq')",
			       -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return sql_fail(st, "reading the last stored generation");
	}
	if (sqlite3_column_type(q, 0) == SQLITE_INTEGER &&
	    (uint64_t)sqlite3_column_int64(q, 0) == run) {
		*seq = (uint32_t)sqlite3_column_int64(q, 1);
		found = 1;
	}
	sqlite3_finalize(q);
	return found;
}

int store_last_end(struct store *st, int64_t *last_end)
{
	sqlite3_stmt *q = NULL;

	*last_end = 0;
	/* Recorded live (0013_gaps.sql): an imported capture may be dated later.
	 * Rows from before that migration cannot be told apart: all of them. */
	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT coalesce((SELECT max(ts_end) FROM intervals WHERE live = 1), "
		    "(SELECT max(ts_end) FROM intervals WHERE live IS NULL))",
		    -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return sql_fail(st, "reading the last stored interval");
	}
	*last_end = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return 0;
}

void store_set_sample_rate(struct store *st, unsigned int every)
{
	st->sample_rate = every;
}

int store_write_interval(struct store *st, const struct snapshot *snap, int64_t ts_start,
			 int64_t ts_end)
{
	int err;

	st->n_ifaces = 0;				    /* re-resolve names once per interval */
	st->next_address_id = st->next_conversation_id = 0; /* read in the transaction */
	st->ifaces_full = 0;
	free(st->proc_cgroups);
	st->proc_cgroups = calloc(snap->n_procs + 1, sizeof(*st->proc_cgroups));
	st->n_proc_cgroups = st->proc_cgroups ? (long)snap->n_procs : -1;
	proc_names_start(st->names);
	err = step_done(st, ST_BEGIN);
	if (err)
		return err;
	err = write_rows(st, snap, ts_start, ts_end);
	test_slow_write();    /* tests/e2e/behind.bats: a write slower than its interval */
	test_point("commit"); /* every row written, the COMMIT not yet */
	if (!err)
		err = step_done(st, ST_COMMIT);
	if (err && !sqlite3_get_autocommit(st->db))
		step_done(st, ST_ROLLBACK);
	if (err) /* ids handed out in the transaction are gone with it */
		store_forget_ids(st);
	else
		run_tally_add(&st->tally, snap, ts_start, ts_end);
	/* a burst's ids nobody asks for again leave with the next interval */
	store_ids_interval_done(st->addresses);
	store_ids_interval_done(st->conversations);
	return err;
}
