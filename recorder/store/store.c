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
#include "db.h"
#include "idcache.h"
#include "log.h"
#include "proc_names.h"
#include "rollup.h"
#include "run_tally.h"
#include "store.h"
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
	ST_ADDRESS,
	ST_IFACE,
	ST_CONVERSATION,
	ST_FLOW,
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
			"dns_messages, dns_dropped, live, dns_tcp_split, tls_hellos, tls_dropped) "
			"VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
	[ST_INTERVAL_WRITE_US] = "UPDATE intervals SET write_us = ?2 WHERE id = ?1",
	/* DO UPDATE (a no-op) so that RETURNING yields the id of an existing row */
	[ST_ADDRESS] = "INSERT INTO addresses (family, bin, text) VALUES (?1, ?2, ?3) "
		       "ON CONFLICT (bin) DO UPDATE SET family = excluded.family RETURNING id",
	[ST_IFACE] = "INSERT INTO interfaces (name) VALUES (?1) "
		     "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
	[ST_CONVERSATION] = "INSERT INTO conversations (iface_id, direction, protocol, src_id, dst_id) "
			    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET "
			    "iface_id = excluded.iface_id RETURNING id",
	[ST_FLOW] = "INSERT INTO flows (id, conversation_id, src_port, dst_port, packets, bytes, "
		    "tcp_flags, syn, fin, rst, first_ms, span_ms) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_FLOW_RANGE] = "UPDATE intervals SET first_flow_id = ?2, last_flow_id = ?3 WHERE id = ?1",
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

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	struct store_iface ifaces[STORE_IFACES];
	int n_ifaces;
	int ifaces_full;   /* this interval named more interfaces than ifaces holds */
	int named_ifindex; /* store_name_ifindex(), or 0 */
	char *named_name;
	char last_error[256]; /* what the last failure was, for store_last_error() */
	struct idcache *addresses;     /* family + address -> addresses.id */
	struct idcache *conversations; /* struct conversation_key -> conversations.id */
	int64_t next_flow_id;          /* the id of this interval's next flow row */
	unsigned int sample_rate;      /* --sample of the intervals written */
	struct proc_names *names;      /* the cgroups, services, users of process rows */
	struct run_tally tally;        /* what this run wrote (run_tally.h) */
};

/*
 * What a flow shares with every other flow of its conversation (0003_*.sql),
 * as the kernel gave it: one cache lookup per flow finds the conversation
 * without looking up its addresses. IPv4 keys use 4 bytes of each address.
 */
struct conversation_key {
	uint32_t iface_id; /* this interval's id for the ifindex (names can change) */
	uint8_t direction;
	uint8_t protocol;
	uint8_t family;
	uint8_t pad;
	uint8_t addrs[32]; /* source then destination, 4 or 16 bytes each */
};

#define STORE_CACHE_ENTRIES (1 << 20) /* per cache; ~40 MiB at most */

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
	st->addresses = idcache_new(STORE_CACHE_ENTRIES);
	st->conversations = idcache_new(STORE_CACHE_ENTRIES);
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
	 * keeps NORMAL: its hits roll back with its watermark, evaluated again. */
	err = db_exec(st->db, "PRAGMA synchronous = FULL;");
	if (err)
		goto fail;
	/* Which contract wrote the rows (netmon.h), for whoever reads them later. */
	err = db_exec(st->db, "INSERT INTO meta (key, value) VALUES ('bpf_abi', "
			      NETMON_ABI_STR ") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
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
	proc_names_close(st->names);
	db_close(st->db);
	idcache_free(st->addresses);
	idcache_free(st->conversations);
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

static int intern_address(struct store *st, int family, const __u8 *addr, int64_t *id)
{
	sqlite3_stmt *s = st->st[ST_ADDRESS];
	char text[INET6_ADDRSTRLEN];
	int len = family == NETMON_FAMILY_V4 ? 4 : 16, err;

	/* the length tells the families apart: bin is 4 or 16 bytes */
	*id = idcache_get(st->addresses, addr, (size_t)len);
	if (*id)
		return 0;
	inet_ntop(family == NETMON_FAMILY_V4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	sqlite3_bind_int(s, 1, family);
	sqlite3_bind_blob(s, 2, addr, len, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
	err = step_id(st, ST_ADDRESS, id);
	if (!err)
		idcache_put(st->addresses, addr, (size_t)len, *id);
	return err;
}

int store_intern_address(struct store *st, int family, const __u8 *addr, int64_t *id)
{
	return intern_address(st, family, addr, id);
}

void store_forget_ids(struct store *st)
{
	idcache_clear(st->addresses);
	idcache_clear(st->conversations);
	proc_names_forget(st->names);
}

static int intern_conversation(struct store *st, const struct flow_record *r, int64_t *id)
{
	int alen = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;
	sqlite3_stmt *s = st->st[ST_CONVERSATION];
	struct conversation_key k;
	int64_t iface, src, dst;
	int err = intern_iface(st, (int)r->key.ifindex, &iface);

	if (err)
		return err;
	memset(&k, 0, sizeof(k));
	k.iface_id = (uint32_t)iface;
	k.direction = r->key.direction;
	k.protocol = r->key.protocol;
	k.family = r->key.family;
	memcpy(k.addrs, r->key.src, (size_t)alen);
	memcpy(k.addrs + alen, r->key.dst, (size_t)alen);
	*id = idcache_get(st->conversations, &k,
			  offsetof(struct conversation_key, addrs) + 2 * (size_t)alen);
	if (*id)
		return 0;
	err = intern_address(st, r->key.family, r->key.src, &src);
	if (!err)
		err = intern_address(st, r->key.family, r->key.dst, &dst);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, iface);
	sqlite3_bind_int(s, 2, k.direction);
	sqlite3_bind_int(s, 3, k.protocol);
	sqlite3_bind_int64(s, 4, src);
	sqlite3_bind_int64(s, 5, dst);
	err = step_id(st, ST_CONVERSATION, id);
	if (!err)
		idcache_put(st->conversations, &k,
			     offsetof(struct conversation_key, addrs) + 2 * (size_t)alen, *id);
	return err;
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

static int write_flow(struct store *st, const struct snapshot *snap, int64_t ts_start,
		      const struct flow_record *r)
{
	sqlite3_stmt *s = st->st[ST_FLOW];
	int64_t conversation, first_ms, span_ms;
	int err = intern_conversation(st, r, &conversation);

	if (err)
		return err;
	store_flow_ms(snap, r, ts_start, &first_ms, &span_ms);
	sqlite3_bind_int64(s, 1, st->next_flow_id);
	sqlite3_bind_int64(s, 2, conversation);
	sqlite3_bind_int(s, 3, r->key.src_port);
	sqlite3_bind_int(s, 4, r->key.dst_port);
	sqlite3_bind_int64(s, 5, (int64_t)r->c.packets);
	sqlite3_bind_int64(s, 6, (int64_t)r->c.bytes);
	sqlite3_bind_int(s, 7, (int)r->c.tcp_flags);
	sqlite3_bind_int64(s, 8, r->c.syn);
	sqlite3_bind_int64(s, 9, r->c.fin);
	sqlite3_bind_int64(s, 10, r->c.rst);
	sqlite3_bind_int64(s, 11, first_ms);
	sqlite3_bind_int64(s, 12, span_ms);
	err = step_done(st, ST_FLOW);
	if (!err)
		st->next_flow_id++;
	return err;
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

static int is_zero(const __u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
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
	err = step_id(st, ST_INTERVAL, &id);
	if (!err)
		err = step_id(st, ST_NEXT_FLOW_ID, &first_flow);
	st->next_flow_id = first_flow;
	for (size_t i = 0; !err && i < snap->n_flows; i++)
		err = write_flow(st, snap, ts_start, &snap->flows[i]);
	for (size_t i = 0; !err && i < snap->n_totals; i++) {
		const struct total_record *t = &snap->totals[i];

		if (name_count_param(t->key.kind))
			continue;
		err = write_total(st, id, t, &tcp[i]);
		if (!err && t->key.kind == NETMON_KIND_TABLE_FULL) {
			struct flow_record over = store_overflow_flow(snap, ts_start, ts_end, t);

			err = write_flow(st, snap, ts_start, &over);
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
	if (sqlite3_prepare_v2(st->db,
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

	st->n_ifaces = 0; /* re-resolve names once per interval */
	st->ifaces_full = 0;
	proc_names_start(st->names);
	err = step_done(st, ST_BEGIN);
	if (err)
		return err;
	err = write_rows(st, snap, ts_start, ts_end);
	test_point("commit"); /* every row written, the COMMIT not yet */
	if (!err)
		err = step_done(st, ST_COMMIT);
	if (err && !sqlite3_get_autocommit(st->db))
		step_done(st, ST_ROLLBACK);
	if (err) /* ids handed out in the transaction are gone with it */
		store_forget_ids(st);
	else
		run_tally_add(&st->tally, snap, ts_start, ts_end);
	return err;
}
