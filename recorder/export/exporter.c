// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "export/exporter.h"
#include "db.h"
#include "export/ipfix.h"
#include "log.h"
#include "netmon_user.h"

/*
 * Every flow row of interval ?1, in id order, as flow_log shows them: the
 * flows table alone, its conversation resolved by conv_sql through the
 * per-interval cache (most rows of an interval share a conversation, and
 * four lookups a row were three quarters of the read).
 */
static const char rows_sql[] =
	"SELECT i.ts_start, f.conversation_id, f.src_port, f.dst_port, f.packets, f.bytes, "
	"f.tcp_flags, f.first_ms, f.span_ms "
	"FROM intervals i "
	"JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id "
	"WHERE i.id = ?1 ORDER BY f.id";

/* Conversation ?1, with the addresses' bytes instead of their text; no row
 * (a flow the join of flow_log leaves out): the flow is not exported. */
static const char conv_sql[] = "SELECT c.direction, s.family, c.protocol, s.bin, d.bin, n.name "
			       "FROM conversations c "
			       "JOIN interfaces n ON n.id = c.iface_id "
			       "JOIN addresses s ON s.id = c.src_id "
			       "JOIN addresses d ON d.id = c.dst_id "
			       "WHERE c.id = ?1";

/* Every process_log row of interval ?1, as stored. */
static const char procs_sql[] =
	"SELECT i.ts_start, i.ts_end, p.pid, n.name, pn.name, p.ppid, p.family, p.protocol, "
	"a.bin, p.remote_port, p.local_port, p.bytes_sent, p.bytes_recv "
	"FROM processes p JOIN intervals i ON i.id = p.interval_id "
	"LEFT JOIN process_names n ON n.id = p.comm_id "
	"LEFT JOIN process_names pn ON pn.id = p.parent_comm_id "
	"LEFT JOIN addresses a ON a.id = p.remote_id "
	"WHERE p.interval_id = ?1 ORDER BY p.rowid";

/*
 * What the export did with interval ?1 (collector_log, 0010_ipfix_export.sql),
 * and the watermark: meta 'ipfix_exported', the last interval id exported.
 * In one transaction, after the interval's messages were sent.
 */
static const char counts_sql[] =
	"UPDATE intervals SET ipfix_records = ?2, ipfix_send_errors = ?3 WHERE id = ?1";
static const char mark_sql[] = "INSERT INTO meta (key, value) VALUES ('ipfix_exported', ?1) "
			       "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

#define IFINDEX_CACHE 64
#define CONV_CACHE (1 << 16) /* slots, direct-mapped by conversation id */

/* A conversation of conv_sql, as its flows' records carry it. */
struct conv {
	int64_t id;
	uint32_t gen; /* the interval it was read for; another: empty */
	uint32_t ifindex;
	uint8_t direction, family, protocol;
	uint8_t src[16], dst[16];
	char ifname[IF_NAMESIZE];
};

struct exporter {
	struct collector coll[COLLECTOR_MAX];
	int n_coll;
	struct ipfix_enc enc;  /* flow records, in the domain of --ipfix-domain */
	struct ipfix_enc penc; /* process records, in the next domain */
	int64_t exported;      /* the last interval id exported (or there before us) */
	sqlite3_stmt *rows, *conv, *procs, *counts, *mark; /* prepared once */
	/* Read again each interval (gen), so that what is sent is what one
	 * statement would read: ids are never resolved from an older one. */
	struct conv *convs;
	uint32_t gen;
	time_t templates_at; /* when the templates were last sent; 0: never */
	struct {
		char name[IF_NAMESIZE];
		uint32_t index;
	} ifindex[IFINDEX_CACHE]; /* interface names of one run -> ifindex */
	int n_ifindex;
};

/* The encoder's messages go to every collector. */
static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	struct exporter *x = ctx;
	int err = 0;

	for (int i = 0; i < x->n_coll; i++)
		if (collector_send(&x->coll[i], msg, len))
			err = -EIO;
	return err;
}

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
	struct exporter *x = calloc(1, sizeof(*x));
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	err = ipfix_enc_init(&x->enc, o->mtu, o->domain, emit, x);
	if (!err)
		err = ipfix_enc_init(&x->penc, o->mtu, o->domain + 1, emit, x);
	for (int i = 0; !err && i < o->n_collectors && i < COLLECTOR_MAX; i++) {
		err = collector_parse(o->collectors[i], &x->coll[i]);
		if (!err)
			x->n_coll++;
	}
	x->convs = calloc(CONV_CACHE, sizeof(*x->convs));
	if (!err && !x->convs)
		err = -ENOMEM;
	if (!err)
		err = prepare(db, rows_sql, &x->rows);
	if (!err)
		err = prepare(db, conv_sql, &x->conv);
	if (!err)
		err = prepare(db, procs_sql, &x->procs);
	if (!err)
		err = prepare(db, counts_sql, &x->counts);
	if (!err)
		err = prepare(db, mark_sql, &x->mark);
	if (!err)
		err = open_watermark(x, db);
	if (err) {
		exporter_close(x);
		return err;
	}
	for (int i = 0; i < x->n_coll; i++)
		collector_open(&x->coll[i]); /* a failure is logged and tried again */
	*out = x;
	return 0;
}

void exporter_close(struct exporter *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->n_coll; i++)
		collector_close(&x->coll[i]);
	ipfix_enc_free(&x->enc);
	ipfix_enc_free(&x->penc);
	sqlite3_finalize(x->rows);
	sqlite3_finalize(x->conv);
	free(x->convs);
	sqlite3_finalize(x->procs);
	sqlite3_finalize(x->counts);
	sqlite3_finalize(x->mark);
	free(x);
}

/* ingressInterface/egressInterface: the interface's index now (0: gone). */
static uint32_t ifindex_of(struct exporter *x, const char *name)
{
	uint32_t index;

	for (int i = 0; i < x->n_ifindex; i++)
		if (!strcmp(x->ifindex[i].name, name))
			return x->ifindex[i].index;
	index = if_nametoindex(name);
	if (x->n_ifindex < IFINDEX_CACHE && strlen(name) < IF_NAMESIZE) {
		strcpy(x->ifindex[x->n_ifindex].name, name);
		x->ifindex[x->n_ifindex++].index = index;
	}
	return index;
}

/* Column i of q, an address of len bytes, into out. */
static void column_addr(sqlite3_stmt *q, int i, uint8_t *out, size_t len)
{
	const void *b = sqlite3_column_blob(q, i);

	memset(out, 0, 16);
	if (b && (size_t)sqlite3_column_bytes(q, i) == len)
		memcpy(out, b, len);
}

/*
 * Conversation id as read by x->conv into c; 1 when there is none. The
 * statement stays on its row: c->ifname may be too long for the cache, and
 * f->ifname then points into the row (read before the next lookup).
 */
static int conv_read(struct exporter *x, int64_t id, struct conv *c, struct ipfix_flow *f)
{
	sqlite3_stmt *q = x->conv;
	const char *name;

	c->gen = 0; /* the slot's old conversation is overwritten */
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW)
		return 1;
	c->direction = (uint8_t)sqlite3_column_int(q, 0);
	c->family = (uint8_t)sqlite3_column_int(q, 1);
	c->protocol = (uint8_t)sqlite3_column_int(q, 2);
	column_addr(q, 3, c->src, c->family == NETMON_FAMILY_V4 ? 4 : 16);
	column_addr(q, 4, c->dst, c->family == NETMON_FAMILY_V4 ? 4 : 16);
	name = (const char *)sqlite3_column_text(q, 5);
	c->ifindex = name ? ifindex_of(x, name) : 0;
	f->ifname = name;
	if (name && strlen(name) < IF_NAMESIZE) {
		strcpy(c->ifname, name);
		c->id = id;
		c->gen = x->gen;
	}
	return 0;
}

/* One row of rows_sql as a flow record; 1: its conversation is gone. */
static int row_flow(struct exporter *x, sqlite3_stmt *q, struct ipfix_flow *f)
{
	int64_t start = sqlite3_column_int64(q, 0) * 1000 + sqlite3_column_int64(q, 7);
	int64_t id = sqlite3_column_int64(q, 1);
	struct conv *c = &x->convs[(uint64_t)id % CONV_CACHE];

	memset(f, 0, sizeof(*f));
	if (c->gen == x->gen && c->id == id)
		f->ifname = c->ifname;
	else if (conv_read(x, id, c, f))
		return 1;
	f->direction = c->direction;
	f->family = c->family;
	f->protocol = c->protocol;
	memcpy(f->src, c->src, 16);
	memcpy(f->dst, c->dst, 16);
	f->ifindex = c->ifindex;
	f->src_port = (uint16_t)sqlite3_column_int(q, 2);
	f->dst_port = (uint16_t)sqlite3_column_int(q, 3);
	f->packets = (uint64_t)sqlite3_column_int64(q, 4);
	f->octets = (uint64_t)sqlite3_column_int64(q, 5);
	f->tcp_flags = (uint16_t)sqlite3_column_int(q, 6);
	f->start_ms = (uint64_t)start;
	f->end_ms = (uint64_t)(start + sqlite3_column_int64(q, 8));
	return 0;
}

/* Column i of q, a name, into out (16 bytes, zero-padded; NULL: empty). */
static void column_name(sqlite3_stmt *q, int i, char *out)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	memset(out, 0, 16);
	if (t)
		memcpy(out, t, strnlen((const char *)t, 16));
}

/* One row of procs_sql as a process record. */
static void row_proc(sqlite3_stmt *q, struct ipfix_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->start_ms = (uint64_t)sqlite3_column_int64(q, 0) * 1000;
	p->end_ms = (uint64_t)sqlite3_column_int64(q, 1) * 1000;
	p->pid = (uint32_t)sqlite3_column_int64(q, 2);
	column_name(q, 3, p->comm);
	column_name(q, 4, p->parent_comm);
	p->ppid = (uint32_t)sqlite3_column_int64(q, 5); /* NULL: 0 */
	p->family = (uint8_t)sqlite3_column_int(q, 6);
	p->protocol = (uint8_t)sqlite3_column_int(q, 7);
	column_addr(q, 8, p->remote, p->family == NETMON_FAMILY_V4 ? 4 : 16);
	p->remote_port = (uint16_t)sqlite3_column_int(q, 9);
	p->local_port = (uint16_t)sqlite3_column_int(q, 10);
	p->bytes_sent = (uint64_t)sqlite3_column_int64(q, 11);
	p->bytes_recv = (uint64_t)sqlite3_column_int64(q, 12);
}

/* The process rows of interval id through the encoder. */
static int export_procs(struct exporter *x, sqlite3 *db, int64_t id)
{
	sqlite3_stmt *q = x->procs;
	struct ipfix_proc p;
	int rc;

	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row_proc(q, &p);
		ipfix_enc_proc(&x->penc, &p);
	}
	if (rc != SQLITE_DONE)
		pr_err("ipfix: reading the process rows: %s", sqlite3_errmsg(db));
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Messages some collector did not take, so far. */
static uint64_t send_errors(const struct exporter *x)
{
	uint64_t n = 0;

	for (int i = 0; i < x->n_coll; i++)
		n += x->coll[i].errors;
	return n;
}

/* The flow rows and the process rows of interval id through the encoder,
 * then its counts stored. */
static int export_interval(struct exporter *x, sqlite3 *db, int64_t id, uint64_t errors0)
{
	uint64_t records0 = x->enc.records + x->penc.records;
	sqlite3_stmt *q = x->rows;
	struct ipfix_flow f;
	int rc;

	if (!++x->gen) { /* wrapped: no slot may look filled for this interval */
		memset(x->convs, 0, CONV_CACHE * sizeof(*x->convs));
		x->gen = 1;
	}
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (!row_flow(x, q, &f))
			ipfix_enc_flow(&x->enc, &f); /* a failed send is counted in the collector */
	if (rc != SQLITE_DONE)
		pr_err("ipfix: reading the flow rows: %s", sqlite3_errmsg(db));
	sqlite3_reset(q);
	sqlite3_reset(x->conv);
	if (export_procs(x, db, id))
		rc = SQLITE_ERROR;
	ipfix_enc_flush(&x->enc); /* an interval's records end its last message */
	ipfix_enc_flush(&x->penc);
	/* Not stored (a full disk): the export goes on all the same, and a
	 * restart before the next stored watermark sends these again. */
	store_progress(x, db, id, x->enc.records + x->penc.records - records0,
		       send_errors(x) - errors0);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int exporter_run(struct exporter *x, sqlite3 *db)
{
	struct timespec now;
	int64_t last;
	uint64_t errors0;
	int err;

	if (!x)
		return 0;
	err = read_ids(db, &last, NULL);
	if (err || last <= x->exported)
		return err;
	clock_gettime(CLOCK_REALTIME, &now);
	errors0 = send_errors(x); /* the templates' failures count with the first interval */
	for (int i = 0; i < x->n_coll; i++)
		if (x->coll[i].fd < 0)
			collector_open(&x->coll[i]); /* once per export, never in a loop */
	ipfix_enc_set_time(&x->enc, (uint32_t)now.tv_sec);
	ipfix_enc_set_time(&x->penc, (uint32_t)now.tv_sec);
	/* At the start, then every IPFIX_TEMPLATE_REFRESH s (RFC 7011, 8.4). */
	if (!x->templates_at || now.tv_sec - x->templates_at >= IPFIX_TEMPLATE_REFRESH) {
		ipfix_enc_templates(&x->enc);
		ipfix_enc_proc_templates(&x->penc);
		x->templates_at = now.tv_sec;
	}
	x->n_ifindex = 0; /* interfaces come and go: looked up again each run */
	/* Not again on an error: what was sent of an interval would be sent twice. */
	for (; x->exported < last; x->exported++, errors0 = send_errors(x))
		if (export_interval(x, db, x->exported + 1, errors0))
			err = -EIO;
	for (int i = 0; i < x->n_coll; i++)
		collector_settle(&x->coll[i]);
	pr_debug("ipfix: up to interval %lld exported: %llu records, %llu messages so far",
		 (long long)last, (unsigned long long)x->enc.records,
		 (unsigned long long)x->enc.messages);
	return err;
}
