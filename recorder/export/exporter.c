// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "export/exporter.h"
#include "db.h"
#include "ipfix_send.h"
#include "log.h"
#include "name_cache.h"
#include "store/backlog.h"
#include "store/store.h"

/*
 * What the export did with interval ?1 (collector_log, 0010_ipfix_export.sql),
 * and the watermark: meta 'ipfix_exported', the last interval id exported.
 * In one transaction, after the interval's messages were sent.
 */
static const char counts_sql[] =
	"UPDATE intervals SET ipfix_records = ?2, ipfix_send_errors = ?3 WHERE id = ?1";
static const char mark_sql[] = "INSERT INTO meta (key, value) VALUES ('ipfix_exported', ?1) "
			       "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/* The last interval committed, if its start and end are these (?1, ?2). */
static const char last_sql[] = "SELECT id FROM intervals WHERE id = (SELECT max(id) FROM "
			       "intervals) AND ts_start = ?1 AND ts_end = ?2";

/*
 * An interval committed since the last run, as store_write_interval() wrote
 * it (exporter_committed()): its records are sent from here, not read back.
 * The snapshot's arrays are the backlog's, unchanged until its slot is
 * filled again, which the recorder does only after exporter_run().
 */
struct committed {
	int64_t id, start, end;
	struct snapshot snap; /* a shallow copy */
	struct store_iface ifaces[STORE_IFACES];
	int n_ifaces;
	int64_t *cgroups; /* each process row's cgroups row (store_proc_cgroups()) */
	size_t cgroups_room;
};

struct exporter {
	struct ipfix_send *send;
	int64_t exported;		    /* the last interval id exported (or there before us) */
	const unsigned int *interval;	    /* seconds, as a SIGHUP may change it */
	sqlite3_stmt *counts, *mark, *last; /* prepared once */
	struct committed *held;		    /* BACKLOG_MAX + 1 */
	int n_held;
	struct name_cache *names; /* services and users of the process rows */
};

/* The last interval id, and the watermark (-1: none) when mark is not NULL. */
static int read_ids(sqlite3 *db, int64_t *last, int64_t *mark)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT coalesce(max(id), 0), (SELECT value FROM meta "
				    "WHERE key = 'ipfix_exported') FROM intervals",
				    -1, &q, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		*last = sqlite3_column_int64(q, 0);
		if (mark)
			*mark = sqlite3_column_type(q, 1) == SQLITE_INTEGER
					? sqlite3_column_int64(q, 1)
					: -1;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW) {
		pr_err("ipfix: reading the intervals: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK)
		return 0;
	pr_err("ipfix: %s", sqlite3_errmsg(db));
	return -EIO;
}

/* Step a statement that returns nothing; 0 or -EIO. */
static int step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* The watermark and interval id's counts, together or not at all. */
static int store_progress(struct exporter *x, sqlite3 *db, int64_t id, uint64_t records,
			  uint64_t errors)
{
	int err = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ? -EIO : 0;

	sqlite3_bind_int64(x->counts, 1, id);
	sqlite3_bind_int64(x->counts, 2, (int64_t)records);
	sqlite3_bind_int64(x->counts, 3, (int64_t)errors);
	sqlite3_bind_int64(x->mark, 1, id);
	if (!err)
		err = step(x->counts);
	if (!err)
		err = step(x->mark);
	if (!err && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
		err = -EIO;
	if (err)
		pr_debug("ipfix: interval %lld's export not stored: %s", (long long)id,
			 sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/*
 * Where the export starts: after the watermark an earlier run left, so that
 * what it committed but did not export (a crash between the two, a
 * --keep-attached gap written now) goes out once. Without one, the export
 * starts with the intervals committed from now on, and says so in meta at
 * once, so that a crash before the first export keeps that start.
 */
static int open_watermark(struct exporter *x, sqlite3 *db)
{
	int64_t last, mark;
	int err = read_ids(db, &last, &mark);

	if (err)
		return err;
	x->exported = mark >= 0 && mark < last ? mark : last;
	if (x->exported < last)
		pr_info("ipfix: %lld intervals committed by an earlier run but not exported: "
			"exported now",
			(long long)(last - x->exported));
	if (mark >= 0)
		return 0;
	sqlite3_bind_int64(x->mark, 1, last);
	if (step(x->mark)) {
		pr_err("ipfix: storing where the export starts: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

int exporter_forget(sqlite3 *db)
{
	return db_exec(db, "DELETE FROM meta WHERE key = 'ipfix_exported'");
}

int exporter_open(struct exporter **out, const struct exporter_opts *o, sqlite3 *db)
{
	struct ipfix_send_opts so = { .collectors = o->collectors,
				      .n_collectors = o->n_collectors,
				      .mtu = o->mtu,
				      .domain = o->domain,
				      .rate = o->rate };
	struct exporter *x = calloc(1, sizeof(*x));
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->interval = o->interval;
	x->held = calloc(BACKLOG_MAX + 1, sizeof(*x->held));
	err = x->held ? prepare(db, counts_sql, &x->counts) : -ENOMEM;
	if (!err)
		err = prepare(db, last_sql, &x->last);
	if (!err)
		err = prepare(db, mark_sql, &x->mark);
	if (!err)
		err = open_watermark(x, db);
	if (!err)
		err = name_cache_open(&x->names, db);
	if (!err)
		err = ipfix_send_open(&x->send, &so, db);
	if (err) {
		exporter_close(x);
		return err;
	}
	*out = x;
	return 0;
}

void exporter_close(struct exporter *x)
{
	if (!x)
		return;
	ipfix_send_close(x->send);
	sqlite3_finalize(x->counts);
	sqlite3_finalize(x->mark);
	sqlite3_finalize(x->last);
	for (int i = 0; x->held && i <= BACKLOG_MAX; i++)
		free(x->held[i].cgroups);
	free(x->held);
	name_cache_close(x->names);
	free(x);
}

/* The cgroups rows of snap's process rows, as st wrote them, kept in c. */
static int keep_cgroups(struct committed *c, const struct store *st, const struct snapshot *snap)
{
	const int64_t *rows;
	long n = store_proc_cgroups(st, &rows);

	if (n < 0 || (size_t)n != snap->n_procs)
		return -ENOENT;
	if (c->cgroups_room < (size_t)n) {
		int64_t *more = realloc(c->cgroups, (size_t)n * sizeof(*more));

		if (!more)
			return -ENOMEM;
		c->cgroups = more;
		c->cgroups_room = (size_t)n;
	}
	if (n)
		memcpy(c->cgroups, rows, (size_t)n * sizeof(*rows));
	return 0;
}

void exporter_committed(struct exporter *x, const struct store *st, const struct snapshot *snap,
			int64_t start, int64_t end)
{
	const struct store_iface *ifaces;
	struct committed *c;
	int n;

	if (!x || x->n_held > BACKLOG_MAX || (n = store_ifaces(st, &ifaces)) < 0 ||
	    keep_cgroups(&x->held[x->n_held], st, snap))
		return; /* read back instead */
	c = &x->held[x->n_held];
	sqlite3_bind_int64(x->last, 1, start);
	sqlite3_bind_int64(x->last, 2, end);
	c->id = sqlite3_step(x->last) == SQLITE_ROW ? sqlite3_column_int64(x->last, 0) : 0;
	sqlite3_reset(x->last);
	if (!c->id)
		return;
	c->start = start;
	c->end = end;
	c->snap = *snap;
	memcpy(c->ifaces, ifaces, (size_t)n * sizeof(*ifaces));
	c->n_ifaces = n;
	x->n_held++;
}

/* The name interface ifindex's rows got; NULL: not written (never, by store.c). */
static const char *iface_name(const struct committed *c, uint32_t ifindex, int *hint)
{
	if (*hint < c->n_ifaces && c->ifaces[*hint].ifindex == (int)ifindex)
		return c->ifaces[*hint].name;
	for (*hint = 0; *hint < c->n_ifaces; ++*hint)
		if (c->ifaces[*hint].ifindex == (int)ifindex)
			return c->ifaces[*hint].name;
	return NULL;
}

/* Flow record r of c as its flows row reads back (ipfix_send.c's row_flow). */
static int flow_of(struct exporter *x, const struct committed *c, const struct flow_record *r,
		   int *hint, struct ipfix_flow *f)
{
	size_t alen = r->key.family == NETMON_FAMILY_V4 ? 4 : 16;
	int64_t first_ms, span_ms;

	memset(f, 0, sizeof(*f));
	f->ifname = iface_name(c, r->key.ifindex, hint);
	if (!f->ifname)
		return -ENOENT;
	store_flow_ms(&c->snap, r, c->start, &first_ms, &span_ms);
	f->start_ms = (uint64_t)(c->start * 1000 + first_ms);
	f->end_ms = f->start_ms + (uint64_t)span_ms;
	f->octets = r->c.bytes;
	f->packets = r->c.packets;
	f->family = r->key.family;
	f->protocol = r->key.protocol;
	f->direction = r->key.direction;
	memcpy(f->src, r->key.src, alen);
	memcpy(f->dst, r->key.dst, alen);
	f->src_port = r->key.src_port;
	f->dst_port = r->key.dst_port;
	f->tcp_flags = (uint16_t)r->c.tcp_flags;
	f->ifindex = ipfix_send_ifindex(x->send, f->ifname);
	return 0;
}

/*
 * Process record i of c as its processes row reads back (row_proc), its
 * names valid until the next call. 0, or -EIO when they could not be read.
 */
static int proc_of(struct exporter *x, const struct committed *c, size_t i, struct ipfix_proc *p)
{
	const struct proc_record *r = &c->snap.procs[i];
	const struct proc_info *info = store_proc_info(&c->snap, r->key.tgid);
	int err = 0;

	memset(p, 0, sizeof(*p));
	p->uid = IPFIX_UID_UNKNOWN;
	p->start_ms = (uint64_t)c->start * 1000;
	p->end_ms = (uint64_t)c->end * 1000;
	p->pid = r->key.tgid;
	if (info) {
		memcpy(p->comm, info->comm, strnlen(info->comm, sizeof(p->comm)));
		memcpy(p->parent_comm, info->parent_comm,
		       strnlen(info->parent_comm, sizeof(p->parent_comm)));
		p->ppid = info->ppid;
		p->uid = info->uid;
		err = name_cache_user(x->names, info->uid, &p->user);
	}
	if (!err)
		err = name_cache_service(x->names, c->cgroups[i], &p->service);
	p->family = r->key.family;
	p->protocol = r->key.protocol;
	memcpy(p->remote, r->key.remote, r->key.family == NETMON_FAMILY_V4 ? 4 : 16);
	p->remote_port = r->key.remote_port;
	p->local_port = r->key.local_port;
	p->bytes_sent = r->c.bytes_sent;
	p->bytes_recv = r->c.bytes_recv;
	return err;
}

/*
 * Interval c from the records just committed, in the order of its rows
 * (store.c: the flows, the overflow rows in totals order, the processes).
 * -ENOENT before anything is sent: an interface the store did not name;
 * -EIO when a process's names could not be read (its records not sent).
 */
static int send_committed(struct exporter *x, const struct committed *c, uint64_t *records)
{
	const struct snapshot *snap = &c->snap;
	struct ipfix_flow f;
	struct ipfix_proc p;
	int hint = 0, err = 0;

	for (size_t i = 0; i < snap->n_flows; i++)
		if (!iface_name(c, snap->flows[i].key.ifindex, &hint))
			return -ENOENT;
	for (size_t i = 0; i < snap->n_totals; i++)
		if (!iface_name(c, snap->totals[i].key.ifindex, &hint))
			return -ENOENT;
	ipfix_send_records_begin(x->send);
	for (size_t i = 0; i < snap->n_flows; i++)
		if (!flow_of(x, c, &snap->flows[i], &hint, &f))
			ipfix_send_flow(x->send, &f);
	for (size_t i = 0; i < snap->n_totals; i++) {
		struct flow_record over;

		if (snap->totals[i].key.kind != NETMON_KIND_TABLE_FULL)
			continue;
		over = store_overflow_flow(snap, c->start, c->end, &snap->totals[i]);
		if (!flow_of(x, c, &over, &hint, &f))
			ipfix_send_flow(x->send, &f);
	}
	for (size_t i = 0; i < snap->n_procs && !err; i++)
		if (!(err = proc_of(x, c, i, &p)))
			ipfix_send_proc(x->send, &p);
	ipfix_send_records_end(x->send, records);
	return err;
}

/*
 * Interval id: from what was committed when it is held, else read back
 * (and then when it could not be sent from the records, before anything
 * of it was sent).
 */
static int send_one(struct exporter *x, sqlite3 *db, int64_t id, uint64_t *records)
{
	for (int i = 0; i < x->n_held; i++) {
		int err = x->held[i].id == id ? send_committed(x, &x->held[i], records) : -ENOENT;

		if (err != -ENOENT)
			return err;
	}
	return ipfix_send_interval(x->send, db, id, records) ? -EIO : 0;
}

int exporter_run(struct exporter *x, sqlite3 *db)
{
	uint64_t errors0, records, total, messages;
	int64_t last;
	int err;

	if (!x)
		return 0;
	err = read_ids(db, &last, NULL);
	if (err || last <= x->exported) {
		x->n_held = 0;
		return err;
	}
	/* Pausing ends half an interval after the start: the next
	 * interval's snapshot must not wait for it. */
	ipfix_send_begin(x->send, x->interval ? (int64_t)*x->interval * 500 : 0);
	/* The templates' failures count with the first interval. */
	errors0 = ipfix_send_errors(x->send);
	/* Not again on an error: what was sent of an interval would be sent twice. */
	for (; x->exported < last; x->exported++) {
		if (send_one(x, db, x->exported + 1, &records))
			err = -EIO;
		/* Not stored (a full disk): the export goes on all the same, and a
		 * restart before the next stored watermark sends these again. */
		store_progress(x, db, x->exported + 1, records,
			       ipfix_send_errors(x->send) - errors0);
		errors0 = ipfix_send_errors(x->send);
	}
	x->n_held = 0;
	ipfix_send_end(x->send);
	ipfix_send_totals(x->send, &total, &messages);
	pr_debug("ipfix: up to interval %lld exported: %llu records, %llu messages so far",
		 (long long)last, (unsigned long long)total, (unsigned long long)messages);
	return err;
}

void exporter_totals(const struct exporter *x, uint64_t *messages, int64_t *paused_ns)
{
	uint64_t records;

	ipfix_send_totals(x->send, &records, messages);
	*paused_ns = ipfix_send_paused_ns(x->send);
}
