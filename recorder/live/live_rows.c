// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_rows.c - the live view's rate tables and the rows of its frames
 * (live_rows.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "live_rows.h"
#include "log.h"

struct total_k {
	__u8 kind, protocol;
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

		/* TABLE_FULL and EXCLUDED packets are in the IP totals already;
		 * messages counted for host names are no traffic of their own. */
		if (r->key.kind != NETMON_KIND_TABLE_FULL && r->key.kind != NETMON_KIND_EXCLUDED &&
		    r->key.kind < NETMON_KIND_DNS)
			err = add(&l->totals, &k, v);
	}
	for (size_t i = 0; i < s->n_flows && !err; i++) {
		const struct flow_record *r = &s->flows[i];
		uint64_t fv[LIVE_NVAL] = { r->c.bytes, r->c.packets };

		/* Ports are summed from the flows' differences at each frame
		 * (port_rows()): a flow's server port may change as its
		 * connection's flows tell more, and a table's keys may not. */
		err = add(&l->flows, &r->key, fv);
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
		err = live_table_init(&r->flows, sizeof(struct flow_key), 0);
	return err;
}

void live_rows_free(struct live_rows *r)
{
	live_table_free(&r->totals);
	live_table_free(&r->procs);
	free(r->conns);
	live_table_free(&r->flows);
	snapshot_free(&r->peek);
	cgroup_namer_free(&r->namer);
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
	live_table_drain_begin(&l->flows);
	if (feed(l, snap, live_table_add_drained))
		pr_warn("live view: out of memory: the next rates are too low");
	cgroup_namer_next_round(&l->namer); /* a cgroup not found: one more walk */
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

/* A process's names: from this peek, else the last drained snapshot; NULL
 * when neither has them. */
static const struct proc_info_record *info_of(const struct live_rows *l, __u32 tgid)
{
	const struct proc_info_record *r;

	r = bsearch(&tgid, l->peek.infos, l->peek.n_infos, sizeof(*r), cmp_tgid);
	if (!r)
		r = bsearch(&tgid, l->drained_infos, l->n_drained_infos, sizeof(*r), cmp_tgid);
	return r;
}

/* src into dst[size], cut at a character's start when it does not fit. */
static void copy_label(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	if (src[n])
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A row's process name, user and service ("?" for what is not known). */
static void label_row(struct live_rows *l, struct live_proc_row *row)
{
	const struct proc_info_record *r = info_of(l, row->pid);
	char num[16];

	snprintf(row->comm, sizeof(row->comm), "?");
	snprintf(row->user, sizeof(row->user), "?");
	snprintf(row->service, sizeof(row->service), "?");
	if (!r)
		return;
	memcpy(row->comm, r->info.comm, sizeof(row->comm));
	/* Cgroup id 0: the program did not read the process's owner either. */
	if (!r->info.cgroup_id)
		return;
	copy_label(row->user, sizeof(row->user),
		   cgroup_namer_user(&l->namer, r->info.uid, num, sizeof(num)));
	cgroup_namer_describe(&l->namer, r->info.cgroup_id, l->peek.cgroups_gone);
	copy_label(row->service, sizeof(row->service), l->namer.service);
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
		label_row(l, &l->procrows[i]);
	}
	return n;
}

/*
 * The server port of a flow, by the rule of sql/0009_server_ports.sql over
 * the flows of the active generation (the interval so far): a connection's
 * client is the side that sent a request (a SYN without ACK) or whose peer
 * sent only SYN-ACKs, else the side whose first SYN is in an earlier
 * millisecond; then the one port with a name; then the lower port.
 */
struct live_conn {
	__u8 lo[16], hi[16]; /* the two endpoints, lo first (address, then port) */
	__u16 lo_port, hi_port;
	__u8 lo_asked, hi_asked;
	uint64_t lo_syn_ms, hi_syn_ms; /* first SYN of each side; UINT64_MAX: none */
};

/* k's connection key into c (flags zeroed); 1 when k's source is lo. */
static int conn_key(const struct flow_key *k, struct live_conn *c)
{
	int d = memcmp(k->src, k->dst, 16);
	int from_lo = d < 0 || (d == 0 && k->src_port <= k->dst_port);

	memset(c, 0, sizeof(*c));
	memcpy(c->lo, from_lo ? k->src : k->dst, 16);
	memcpy(c->hi, from_lo ? k->dst : k->src, 16);
	c->lo_port = from_lo ? k->src_port : k->dst_port;
	c->hi_port = from_lo ? k->dst_port : k->src_port;
	c->lo_syn_ms = c->hi_syn_ms = UINT64_MAX;
	return from_lo;
}

static int cmp_conn(const void *a, const void *b)
{
	return memcmp(a, b, offsetof(struct live_conn, lo_asked));
}

int live_conns_build(struct live_conn **out, size_t *n, const struct flow_record *flows,
		     size_t n_flows)
{
	struct live_conn *c = realloc(*out, (n_flows + 1) * sizeof(*c));
	size_t m = 0;

	if (!c)
		return -ENOMEM;
	*out = c;
	for (size_t i = 0; i < n_flows; i++) {
		const struct flow_record *r = &flows[i];
		int from_lo, req = (r->c.tcp_flags & 0x12) == 0x02 || r->c.syn_request,
			     answer = (r->c.tcp_flags & 0x12) == 0x12 && r->c.syn == r->c.packets;
		uint64_t syn_ms = r->c.syn ? r->c.first_seen_ns / 1000000 : UINT64_MAX;

		if (r->key.protocol != 6)
			continue;
		from_lo = conn_key(&r->key, &c[m]);
		c[m].lo_asked = from_lo ? req : answer;
		c[m].hi_asked = from_lo ? answer : req;
		*(from_lo ? &c[m].lo_syn_ms : &c[m].hi_syn_ms) = syn_ms;
		m++;
	}
	qsort(c, m, sizeof(*c), cmp_conn);
	*n = 0;
	for (size_t i = 0; i < m; i++) { /* merge the flows of each connection */
		struct live_conn *t = &c[*n ? *n - 1 : 0];

		if (*n && !cmp_conn(t, &c[i])) {
			t->lo_asked |= c[i].lo_asked;
			t->hi_asked |= c[i].hi_asked;
			t->lo_syn_ms =
				c[i].lo_syn_ms < t->lo_syn_ms ? c[i].lo_syn_ms : t->lo_syn_ms;
			t->hi_syn_ms =
				c[i].hi_syn_ms < t->hi_syn_ms ? c[i].hi_syn_ms : t->hi_syn_ms;
		} else {
			c[(*n)++] = c[i];
		}
	}
	return 0;
}

int live_server_port(const struct live_conn *conns, size_t n, const struct flow_key *k,
		     const struct live_db *db)
{
	struct live_conn key;
	int from_lo = conn_key(k, &key), client_lo = -1, src_named, dst_named;
	const struct live_conn *c = NULL;

	if (!k->src_port || !k->dst_port || (k->protocol != 6 && k->protocol != 17))
		return 0;
	if (k->protocol == 6)
		c = bsearch(&key, conns, n, sizeof(key), cmp_conn);
	if (c && c->lo_asked != c->hi_asked)
		client_lo = c->lo_asked;
	else if (c && c->lo_syn_ms != UINT64_MAX && c->hi_syn_ms != UINT64_MAX &&
		 c->lo_syn_ms != c->hi_syn_ms)
		client_lo = c->lo_syn_ms < c->hi_syn_ms;
	if (client_lo >= 0)
		return client_lo == from_lo ? k->dst_port : k->src_port;
	src_named = live_db_app(db, k->protocol, k->src_port) != NULL;
	dst_named = live_db_app(db, k->protocol, k->dst_port) != NULL;
	if (src_named != dst_named)
		return src_named ? k->src_port : k->dst_port;
	return k->src_port < k->dst_port ? k->src_port : k->dst_port;
}

static int cmp_port_key(const void *a, const void *b)
{
	const struct live_port_row *x = a, *y = b;

	return x->protocol != y->protocol ? x->protocol - y->protocol : x->port - y->port;
}

static int cmp_port_rate(const void *a, const void *b)
{
	const struct live_port_row *x = a, *y = b;
	double sx = x->out_bps + x->in_bps, sy = y->out_bps + y->in_bps;

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return cmp_port_key(a, b); /* stable between ticks */
}

/* Ports: the flows that moved this tick, summed by their server port. */
static int port_rows(struct live_rows *l, double per_s, int max, const struct live_db *db)
{
	struct live_port_row *p = l->portrows;
	size_t n = 0, m = 0;

	if (live_conns_build(&l->conns, &l->n_conns, l->peek.flows, l->peek.n_flows))
		return -ENOMEM;
	for (size_t j = 0; j < l->flows.n; j++) {
		const struct live_entry *e = &l->flows.e[j];
		const struct flow_key *k = (const void *)e->key;
		int port, out = k->direction == NETMON_DIR_OUT;

		if (!e->delta[0] && !e->delta[1])
			continue;
		port = live_server_port(l->conns, l->n_conns, k, db);
		if (port)
			p[n++] = (struct live_port_row){ .protocol = k->protocol,
							 .port = port,
							 .out_bps = out ? e->delta[0] * per_s : 0,
							 .in_bps = out ? 0 : e->delta[0] * per_s,
							 .pps = e->delta[1] * per_s };
	}
	qsort(p, n, sizeof(*p), cmp_port_key);
	for (size_t i = 0; i < n; i++) {
		if (m && !cmp_port_key(&p[m - 1], &p[i])) {
			p[m - 1].out_bps += p[i].out_bps;
			p[m - 1].in_bps += p[i].in_bps;
			p[m - 1].pps += p[i].pps;
		} else {
			p[m++] = p[i];
		}
	}
	qsort(p, m, sizeof(*p), cmp_port_rate);
	for (size_t i = 0; i < m; i++)
		p[i].app = live_db_app(db, p[i].protocol, p[i].port);
	return (int)(m < (size_t)max ? m : (size_t)max);
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

	if (grow_rows(r, r->totals.n + r->procs.n + 2 * r->flows.n + 1))
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
	/* Host names for the flows shown only: a seek each. */
	for (int i = 0; db && i < f->n_flows; i++) {
		struct live_flow_row *p = &r->flowrows[i];

		live_db_host_name(db, p->family, p->src, p->src_name, sizeof(p->src_name));
		live_db_host_name(db, p->family, p->dst, p->dst_name, sizeof(p->dst_name));
	}
	return f->n_procs < 0 || f->n_ports < 0 ? -ENOMEM : nf;
}
