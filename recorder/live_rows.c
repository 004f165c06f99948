// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_rows.c - the live view's rate tables and the rows of its frames
 * (live_rows.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "live_rows.h"
#include "log.h"

struct total_k {
	__u8 kind, protocol;
};
struct port_k {
	__u16 port;
	__u8 protocol, pad;
};

typedef int (*add_fn)(struct live_table *t, const void *key, const uint64_t *v);

/* One snapshot (a peek or a drain) into the four tables, by their keys. */
static int feed(struct live_rows *l, const struct snapshot *s, add_fn add)
{
	int err = 0;

	for (size_t i = 0; i < s->n_totals && !err; i++) {
		const struct total_record *r = &s->totals[i];
		struct total_k k = { r->key.kind,
				     r->key.kind == NETMON_KIND_IP ? r->key.protocol : 0 };
		int in = r->key.direction == NETMON_DIR_IN;
		uint64_t v[LIVE_NVAL] = { in ? r->c.bytes : 0, in ? r->c.packets : 0,
					  in ? 0 : r->c.bytes, in ? 0 : r->c.packets };

		/* TABLE_FULL packets are in the IP totals already. */
		if (r->key.kind != NETMON_KIND_TABLE_FULL)
			err = add(&l->totals, &k, v);
	}
	for (size_t i = 0; i < s->n_flows && !err; i++) {
		const struct flow_record *r = &s->flows[i];
		int out = r->key.direction == NETMON_DIR_OUT;
		uint64_t fv[LIVE_NVAL] = { r->c.bytes, r->c.packets };
		uint64_t pv[LIVE_NVAL] = { out ? r->c.bytes : 0, out ? 0 : r->c.bytes,
					   r->c.packets };
		/* The server port is the lower one, as in every report (sql/0004_apps.sql). */
		struct port_k pk = { r->key.src_port < r->key.dst_port ? r->key.src_port
								       : r->key.dst_port,
				     r->key.protocol, 0 };

		err = add(&l->flows, &r->key, fv);
		if (!err && (r->key.protocol == 6 || r->key.protocol == 17))
			err = add(&l->ports, &pk, pv);
	}
	for (size_t i = 0; i < s->n_procs && !err; i++) {
		const struct proc_record *r = &s->procs[i];
		uint64_t v[LIVE_NVAL] = { r->c.bytes_sent, r->c.bytes_recv };

		err = add(&l->procs, &r->key.tgid, v);
	}
	return err;
}

int live_rows_init(struct live_rows *r)
{
	int err = live_table_init(&r->totals, sizeof(struct total_k), 1);

	if (!err)
		err = live_table_init(&r->procs, sizeof(__u32), 0);
	if (!err)
		err = live_table_init(&r->ports, sizeof(struct port_k), 0);
	if (!err)
		err = live_table_init(&r->flows, sizeof(struct flow_key), 0);
	return err;
}

void live_rows_free(struct live_rows *r)
{
	live_table_free(&r->totals);
	live_table_free(&r->procs);
	live_table_free(&r->ports);
	live_table_free(&r->flows);
	snapshot_free(&r->peek);
	free(r->drained_infos);
	free(r->protos);
	free(r->procrows);
	free(r->portrows);
	free(r->flowrows);
	free(r->ranked);
	memset(r, 0, sizeof(*r));
}

int live_rows_peek(struct live_rows *r, struct snapshotter *snap, int first)
{
	int err = snapshot_peek(snap, &r->peek);

	if (err || (err = feed(r, &r->peek, live_table_add_peek)))
		return err;
	live_table_tick(&r->totals);
	live_table_tick(&r->procs);
	live_table_tick(&r->ports);
	live_table_tick(&r->flows);
	if (first)
		for (size_t j = 0; j < r->totals.n; j++)
			memset(r->totals.e[j].sum, 0, sizeof(r->totals.e[j].sum));
	return 0;
}

void live_rows_drained(struct live_rows *l, const struct snapshot *snap)
{
	struct proc_info_record *p;

	live_table_drain_begin(&l->totals);
	live_table_drain_begin(&l->procs);
	live_table_drain_begin(&l->ports);
	live_table_drain_begin(&l->flows);
	if (feed(l, snap, live_table_add_drained))
		pr_warn("live view: out of memory: the next rates are too low");
	/* Names of processes that sent only before the flip. */
	p = realloc(l->drained_infos, (snap->n_infos + 1) * sizeof(*p));
	if (p) {
		memcpy(p, snap->infos, snap->n_infos * sizeof(*p));
		l->drained_infos = p;
		l->n_drained_infos = snap->n_infos;
	}
}

static int cmp_tgid(const void *key, const void *elem)
{
	__u32 a = *(const __u32 *)key, b = ((const struct proc_info_record *)elem)->tgid;

	return a < b ? -1 : a > b;
}

/* A process's name: from this peek, else the last drained snapshot. */
static void comm_of(const struct live_rows *l, __u32 tgid, char comm[NETMON_COMM_LEN])
{
	const struct proc_info_record *r;

	r = bsearch(&tgid, l->peek.infos, l->peek.n_infos, sizeof(*r), cmp_tgid);
	if (!r)
		r = bsearch(&tgid, l->drained_infos, l->n_drained_infos, sizeof(*r), cmp_tgid);
	if (r)
		memcpy(comm, r->info.comm, NETMON_COMM_LEN);
	else
		snprintf(comm, NETMON_COMM_LEN, "?");
}

struct live_ranked {
	uint64_t score;
	const struct live_entry *e;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct live_ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return memcmp(x->e->key, y->e->key, LIVE_KEY_MAX); /* stable between ticks */
}

/*
 * The entries of t that moved this tick, largest first by the sum of the
 * deltas named in mask (bit k: delta[k]); at most max. *out is scratch
 * (grown). Returns how many, or -ENOMEM.
 */
static int rank(const struct live_table *t, unsigned int mask, int max, struct live_ranked **out,
		size_t *cap)
{
	size_t n = 0;

	if (t->n > *cap) {
		struct live_ranked *p = realloc(*out, t->n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*out = p;
		*cap = t->n;
	}
	for (size_t j = 0; j < t->n; j++) {
		uint64_t s = 0;

		for (int k = 0; k < LIVE_NVAL; k++)
			if (mask & 1u << k)
				s += t->e[j].delta[k];
		if (s)
			(*out)[n++] = (struct live_ranked){ s, &t->e[j] };
	}
	qsort(*out, n, sizeof(**out), cmp_ranked);
	return (int)(n < (size_t)max ? n : (size_t)max);
}

static int grow_rows(struct live_rows *l, size_t need)
{
	if (need <= l->rows_cap)
		return 0;
#define GROW(p)                                                                                    \
	do {                                                                                       \
		void *q = realloc(p, need * sizeof(*(p)));                                         \
		if (!q)                                                                            \
			return -ENOMEM;                                                            \
		p = q;                                                                             \
	} while (0)
	GROW(l->protos);
	GROW(l->procrows);
	GROW(l->portrows);
	GROW(l->flowrows);
#undef GROW
	l->rows_cap = need;
	return 0;
}

static int cmp_proto(const void *a, const void *b)
{
	const struct live_proto_row *x = a, *y = b;

	return x->kind != y->kind ? x->kind - y->kind : x->protocol - y->protocol;
}

/* Protocol rows: every protocol seen since the start, in a fixed order. */
static int proto_rows(struct live_rows *l, double per_s)
{
	int n = 0;

	for (size_t j = 0; j < l->totals.n; j++) {
		const struct live_entry *e = &l->totals.e[j];
		const struct total_k *k = (const void *)e->key;

		l->protos[n++] = (struct live_proto_row){ .kind = k->kind,
							  .protocol = k->protocol,
							  .in_bps = e->delta[0] * per_s,
							  .in_pps = e->delta[1] * per_s,
							  .out_bps = e->delta[2] * per_s,
							  .out_pps = e->delta[3] * per_s,
							  .bytes = e->sum[0] + e->sum[2] };
	}
	qsort(l->protos, n, sizeof(*l->protos), cmp_proto);
	return n;
}

static int proc_rows(struct live_rows *l, double per_s, int max)
{
	int n = rank(&l->procs, 3, max, &l->ranked, &l->ranked_cap);

	for (int i = 0; i < n; i++) {
		const struct live_entry *e = l->ranked[i].e;
		__u32 tgid;

		memcpy(&tgid, e->key, sizeof(tgid));
		l->procrows[i] = (struct live_proc_row){ .pid = tgid,
							 .sent_bps = e->delta[0] * per_s,
							 .recv_bps = e->delta[1] * per_s };
		comm_of(l, tgid, l->procrows[i].comm);
	}
	return n;
}

static int port_rows(struct live_rows *l, double per_s, int max, const struct live_db *db)
{
	int n = rank(&l->ports, 3, max, &l->ranked, &l->ranked_cap);

	for (int i = 0; i < n; i++) {
		const struct live_entry *e = l->ranked[i].e;
		const struct port_k *k = (const void *)e->key;

		l->portrows[i] =
			(struct live_port_row){ .protocol = k->protocol,
						.port = k->port,
						.app = live_db_app(db, k->protocol, k->port),
						.out_bps = e->delta[0] * per_s,
						.in_bps = e->delta[1] * per_s,
						.pps = e->delta[2] * per_s };
	}
	return n;
}

static int flow_rows(struct live_rows *l, double per_s, int max)
{
	int n = rank(&l->flows, 1, max, &l->ranked, &l->ranked_cap);

	for (int i = 0; i < n; i++) {
		const struct live_entry *e = l->ranked[i].e;
		const struct flow_key *k = (const void *)e->key;
		struct live_flow_row *r = &l->flowrows[i];

		*r = (struct live_flow_row){ .family = k->family,
					     .protocol = k->protocol,
					     .direction = k->direction,
					     .src_port = k->src_port,
					     .dst_port = k->dst_port,
					     .bps = e->delta[0] * per_s,
					     .pps = e->delta[1] * per_s };
		memcpy(r->src, k->src, 16);
		memcpy(r->dst, k->dst, 16);
	}
	return n;
}

int live_rows_frame(struct live_rows *r, struct live_frame *f, double per_s, int max,
		    const struct live_db *db)
{
	int nf;

	if (grow_rows(r, r->totals.n + r->procs.n + r->ports.n + r->flows.n + 1))
		return -ENOMEM;
	nf = flow_rows(r, per_s, LIVE_ROWS_MAX);
	if (nf < 0)
		return nf;
	f->protos = r->protos;
	f->n_protos = proto_rows(r, per_s);
	f->procs = r->procrows;
	f->n_procs = proc_rows(r, per_s, max);
	f->ports = r->portrows;
	f->n_ports = port_rows(r, per_s, max, db);
	f->flows = r->flowrows;
	f->n_flows = nf < max ? nf : max;
	return f->n_procs < 0 || f->n_ports < 0 ? -ENOMEM : nf;
}
