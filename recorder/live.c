// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live.c - netmon-record --live (live.h): the terminal, the 1 s tick, and
 * turning peeks and drained snapshots into the rows live_view.c draws.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "live.h"
#include "live_rates.h"
#include "live_view.h"
#include "log.h"

#define PLAIN_ROWS 10  /* rows per list without a terminal */
#define MAX_ROWS 200   /* rows per list gathered for a terminal (it cuts) */
#define MAX_ANOMALIES 100
#define ANOMALY_INTERVALS 5 /* stored hits of this many intervals, at least 60 s */

struct total_k { __u8 kind, protocol; };
struct port_k { __u16 port; __u8 protocol, pad; };

struct app_name { int protocol, port; char *name; };

struct stored_hit {
	int64_t ts;
	char kind[32], subject[200];
	double value, threshold;
};

struct live {
	struct live_opts o;
	struct live_table totals, procs, ports, flows;
	struct snapshot peek;
	struct proc_info_record *drained_infos; /* names of the last drained snapshot */
	size_t n_drained_infos;
	struct app_name *apps;                  /* sorted by protocol, port */
	size_t n_apps;
	sqlite3 *db;                            /* read-only, for hits and app names */
	sqlite3_stmt *hits;
	int timer_fd, winch_fd, key_fd;         /* key_fd -1: no keys read */
	struct termios saved;
	int ansi, width, height, broken;
	int resized;                             /* clear the screen before the next frame */
	uint64_t last_ns, start_ns;
	double hb_rate;                          /* high_bandwidth_rate, bytes/s */
	struct fmt_buf frame;
	/* this tick's rows */
	struct live_proto_row *protos;
	struct live_proc_row *procrows;
	struct live_port_row *portrows;
	struct live_flow_row *flowrows;
	struct live_anomaly_row *anomalies;
	struct stored_hit *stored;
	size_t rows_cap;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

typedef int (*add_fn)(struct live_table *t, const void *key, const uint64_t *v);

/* One snapshot (a peek or a drain) into the four tables, by their keys. */
static int feed(struct live *l, const struct snapshot *s, add_fn add)
{
	int err = 0;

	for (size_t i = 0; i < s->n_totals && !err; i++) {
		const struct total_record *r = &s->totals[i];
		struct total_k k = { r->key.kind, r->key.kind == NETMON_KIND_IP ? r->key.protocol : 0 };
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
		uint64_t pv[LIVE_NVAL] = { out ? r->c.bytes : 0, out ? 0 : r->c.bytes, r->c.packets };
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

void live_drained(struct live *l, const struct snapshot *snap)
{
	struct proc_info_record *p;

	if (!l)
		return;
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
static void comm_of(const struct live *l, __u32 tgid, char comm[NETMON_COMM_LEN])
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

static int cmp_app(const void *key, const void *elem)
{
	const struct app_name *a = key, *b = elem;

	if (a->protocol != b->protocol)
		return a->protocol - b->protocol;
	return a->port - b->port;
}

static const char *app_of(const struct live *l, int protocol, int port)
{
	struct app_name k = { protocol, port, NULL };
	const struct app_name *a = bsearch(&k, l->apps, l->n_apps, sizeof(k), cmp_app);

	return a ? a->name : NULL;
}

struct ranked {
	uint64_t score;
	const struct live_entry *e;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return memcmp(x->e->key, y->e->key, LIVE_KEY_MAX); /* stable between ticks */
}

/*
 * The entries of t that moved this tick, largest first by the sum of the
 * deltas named in mask (bit k: delta[k]); at most max. *out is scratch
 * (grown). Returns how many, or -ENOMEM.
 */
static int rank(const struct live_table *t, unsigned int mask, int max, struct ranked **out,
		size_t *cap)
{
	size_t n = 0;

	if (t->n > *cap) {
		struct ranked *p = realloc(*out, t->n * sizeof(*p));

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
			(*out)[n++] = (struct ranked){ s, &t->e[j] };
	}
	qsort(*out, n, sizeof(**out), cmp_ranked);
	return (int)(n < (size_t)max ? n : (size_t)max);
}

static int grow_rows(struct live *l, size_t need)
{
	if (need <= l->rows_cap)
		return 0;
#define GROW(p) do { void *q = realloc(p, need * sizeof(*(p))); if (!q) return -ENOMEM; p = q; } while (0)
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
static int proto_rows(struct live *l, double per_s)
{
	int n = 0;

	for (size_t j = 0; j < l->totals.n; j++) {
		const struct live_entry *e = &l->totals.e[j];
		const struct total_k *k = (const void *)e->key;

		l->protos[n++] = (struct live_proto_row){
			.kind = k->kind, .protocol = k->protocol,
			.in_bps = e->delta[0] * per_s, .in_pps = e->delta[1] * per_s,
			.out_bps = e->delta[2] * per_s, .out_pps = e->delta[3] * per_s,
			.bytes = e->sum[0] + e->sum[2] };
	}
	qsort(l->protos, n, sizeof(*l->protos), cmp_proto);
	return n;
}

static struct ranked *scratch;
static size_t scratch_cap;

static int proc_rows(struct live *l, double per_s, int max)
{
	int n = rank(&l->procs, 3, max, &scratch, &scratch_cap);

	for (int i = 0; i < n; i++) {
		const struct live_entry *e = scratch[i].e;
		__u32 tgid;

		memcpy(&tgid, e->key, sizeof(tgid));
		l->procrows[i] = (struct live_proc_row){ .pid = tgid, .sent_bps = e->delta[0] * per_s,
							 .recv_bps = e->delta[1] * per_s };
		comm_of(l, tgid, l->procrows[i].comm);
	}
	return n;
}

static int port_rows(struct live *l, double per_s, int max)
{
	int n = rank(&l->ports, 3, max, &scratch, &scratch_cap);

	for (int i = 0; i < n; i++) {
		const struct live_entry *e = scratch[i].e;
		const struct port_k *k = (const void *)e->key;

		l->portrows[i] = (struct live_port_row){
			.protocol = k->protocol, .port = k->port,
			.app = app_of(l, k->protocol, k->port), .out_bps = e->delta[0] * per_s,
			.in_bps = e->delta[1] * per_s, .pps = e->delta[2] * per_s };
	}
	return n;
}

static int flow_rows(struct live *l, double per_s, int max)
{
	int n = rank(&l->flows, 1, max, &scratch, &scratch_cap);

	for (int i = 0; i < n; i++) {
		const struct live_entry *e = scratch[i].e;
		const struct flow_key *k = (const void *)e->key;
		struct live_flow_row *r = &l->flowrows[i];

		*r = (struct live_flow_row){ .family = k->family, .protocol = k->protocol,
					     .direction = k->direction, .src_port = k->src_port,
					     .dst_port = k->dst_port, .bps = e->delta[0] * per_s,
					     .pps = e->delta[1] * per_s };
		memcpy(r->src, k->src, 16);
		memcpy(r->dst, k->dst, 16);
	}
	return n;
}

/* Hits the recorder stored for the last intervals (anomaly_eval.c). */
static int stored_hits(struct live *l, int64_t since)
{
	int n = 0, rc;

	if (!l->hits)
		return 0;
	sqlite3_bind_int64(l->hits, 1, since);
	while (n < MAX_ANOMALIES && (rc = sqlite3_step(l->hits)) == SQLITE_ROW) {
		struct stored_hit *h = &l->stored[n++];
		const char *k = (const char *)sqlite3_column_text(l->hits, 1);
		const char *s = (const char *)sqlite3_column_text(l->hits, 2);

		h->ts = sqlite3_column_int64(l->hits, 0);
		snprintf(h->kind, sizeof(h->kind), "%s", k ? k : "");
		snprintf(h->subject, sizeof(h->subject), "%s", s ? s : "");
		h->value = sqlite3_column_double(l->hits, 3);
		h->threshold = sqlite3_column_double(l->hits, 4);
	}
	sqlite3_reset(l->hits);
	return n;
}

/* Live hits (flows over the bandwidth threshold this second), then stored ones. */
static int anomaly_rows(struct live *l, const struct live_frame *f, int n_flows, int64_t since)
{
	int n = 0, stored = stored_hits(l, since);

	for (int i = 0; i < n_flows && n < MAX_ANOMALIES; i++)
		if (f->flows[i].bps > l->hb_rate)
			l->anomalies[n++] = (struct live_anomaly_row){
				.kind = "high_bandwidth", .flow = &f->flows[i],
				.value = f->flows[i].bps, .threshold = l->hb_rate };
	for (int i = 0; i < stored && n < MAX_ANOMALIES; i++)
		l->anomalies[n++] = (struct live_anomaly_row){
			.ts = l->stored[i].ts, .kind = l->stored[i].kind,
			.subject = l->stored[i].subject, .value = l->stored[i].value,
			.threshold = l->stored[i].threshold };
	return n;
}

/* All of buf to stdout; a failure stops the drawing, never the recording. */
static void put(struct live *l, const char *s, size_t n)
{
	while (n && !l->broken) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pr_warn("live view: cannot write to stdout (%s); recording goes on",
				w < 0 ? strerror(errno) : "nothing written");
			l->broken = 1;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void frame_rows(struct live *l, struct live_frame *f, double per_s)
{
	int max = l->ansi ? MAX_ROWS : PLAIN_ROWS;
	int nf = flow_rows(l, per_s, MAX_ROWS);
	unsigned int span = ANOMALY_INTERVALS * l->o.interval;

	span = span < 60 ? 60 : span;
	f->protos = l->protos;
	f->n_protos = proto_rows(l, per_s);
	f->procs = l->procrows;
	f->n_procs = proc_rows(l, per_s, max);
	f->ports = l->portrows;
	f->n_ports = port_rows(l, per_s, max);
	f->flows = l->flowrows;
	f->n_flows = nf < max ? nf : max;
	f->anomaly_span = span;
	f->anomalies = l->anomalies;
	f->n_anomalies = anomaly_rows(l, f, nf, f->now - span);
}

/* Peek, difference, draw. */
static int tick(struct live *l)
{
	struct live_frame f = { .ifaces = l->o.ifaces, .interval = l->o.interval,
				.proc_on = l->o.proc_on };
	uint64_t now = mono_ns();
	double per_s = 1e9 / (double)(now - l->last_ns > 0 ? now - l->last_ns : 1);
	int err;

	if (l->broken)
		return 0;
	err = snapshot_peek(l->o.snap, &l->peek);
	if (err || (err = feed(l, &l->peek, live_table_add_peek)))
		return err;
	live_table_tick(&l->totals);
	live_table_tick(&l->procs);
	live_table_tick(&l->ports);
	live_table_tick(&l->flows);
	l->last_ns = now;
	err = grow_rows(l, l->totals.n + l->procs.n + l->ports.n + l->flows.n + 1);
	if (err)
		return err;
	f.now = l->peek.wall.tv_sec;
	f.running = (unsigned int)((now - l->start_ns) / 1000000000ull);
	frame_rows(l, &f, per_s);
	l->frame.len = 0;
	/* The terminal reflowed the old frame when the window changed: start clean. */
	if (l->resized && l->ansi)
		err = fmt_buf_add(&l->frame, "\033[2J", 4);
	l->resized = 0;
	if (!err)
		err = live_view_render(&l->frame, &f, l->width, l->ansi ? l->height : 0, l->ansi);
	if (!err && !l->ansi)
		err = fmt_buf_add(&l->frame, "\n", 1); /* frames apart */
	if (!err)
		put(l, l->frame.s, l->frame.len);
	return err;
}

static void read_size(struct live *l)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	l->width = 80;
	l->height = 24;
	if (l->ansi && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		l->width = ws.ws_col;
		l->height = ws.ws_row;
	} else if (!l->ansi && cols && atoi(cols) >= 20 && atoi(cols) <= 1000) {
		l->width = atoi(cols);
	}
}

/* Names of ports (app_ports: the user's over netmon's) and the hits query. */
static int open_db(struct live *l)
{
	sqlite3_stmt *st;
	int err = db_open(l->o.db_path, DB_READ_ONLY, &l->db);

	if (err)
		return err;
	if (sqlite3_prepare_v2(l->db, "SELECT ts, kind, subject, value, threshold FROM anomaly_log "
				      "WHERE ts >= ?1 ORDER BY ts DESC, kind, subject",
			       -1, &l->hits, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, "SELECT protocol, port, name FROM app_ports "
				      "ORDER BY protocol, port", -1, &st, NULL) != SQLITE_OK) {
		pr_err("live view: %s: %s", l->o.db_path, sqlite3_errmsg(l->db));
		return -EIO;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct app_name *p = realloc(l->apps, (l->n_apps + 1) * sizeof(*p));
		const char *name = (const char *)sqlite3_column_text(st, 2);

		if (p)
			l->apps = p;
		if (!p || !(name = strdup(name ? name : ""))) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		l->apps[l->n_apps++] = (struct app_name){ sqlite3_column_int(st, 0),
							  sqlite3_column_int(st, 1), (char *)name };
	}
	sqlite3_finalize(st);
	return 0;
}

/* Keys one at a time without echo; ^C still raises SIGINT (ISIG stays). */
static int take_terminal(struct live *l)
{
	struct termios t;
	const char *term = getenv("TERM");

	l->ansi = isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb");
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &l->saved)) {
		t = l->saved;
		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
			pr_err("live view: cannot set up the terminal: %s", strerror(errno));
			return -errno;
		}
		l->key_fd = STDIN_FILENO;
	}
	read_size(l);
	/* The alternate screen (given back as it was on exit), no cursor, cleared
	 * once; each frame then overwrites in place. */
	if (l->ansi)
		put(l, "\033[?1049h\033[?25l\033[2J", 18);
	return 0;
}

static int start_fds(struct live *l)
{
	struct itimerspec its = { .it_interval = { .tv_sec = 1 }, .it_value = { .tv_sec = 1 } };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	/* A reader gone (a closed pipe) is a write error, not the end of the recorder. */
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    (l->winch_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0 ||
	    timerfd_settime(l->timer_fd, 0, &its, NULL)) {
		pr_err("live view: cannot set up its timer or signals: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int live_open(struct live **out, const struct live_opts *o)
{
	struct live *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->timer_fd = l->winch_fd = l->key_fd = -1;
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		if (!strcmp(anomaly_thresholds[i].name, "high_bandwidth_rate"))
			l->hb_rate = o->thresholds->value[i];
	l->anomalies = calloc(MAX_ANOMALIES, sizeof(*l->anomalies));
	l->stored = calloc(MAX_ANOMALIES, sizeof(*l->stored));
	err = l->anomalies && l->stored ? 0 : -ENOMEM;
	if (!err)
		err = live_table_init(&l->totals, sizeof(struct total_k), 1);
	if (!err)
		err = live_table_init(&l->procs, sizeof(__u32), 0);
	if (!err)
		err = live_table_init(&l->ports, sizeof(struct port_k), 0);
	if (!err)
		err = live_table_init(&l->flows, sizeof(struct flow_key), 0);
	if (!err)
		err = open_db(l);
	if (!err)
		err = start_fds(l);
	/* A first peek: rates start from here, not from the interval's start. */
	l->start_ns = l->last_ns = mono_ns();
	if (!err && !(err = snapshot_peek(o->snap, &l->peek)) &&
	    !(err = feed(l, &l->peek, live_table_add_peek))) {
		live_table_tick(&l->totals);
		for (size_t j = 0; j < l->totals.n; j++)
			memset(l->totals.e[j].sum, 0, sizeof(l->totals.e[j].sum));
		live_table_tick(&l->procs);
		live_table_tick(&l->ports);
		live_table_tick(&l->flows);
	}
	if (!err)
		err = take_terminal(l);
	if (err) {
		live_close(l);
		return err;
	}
	*out = l;
	return 0;
}

void live_close(struct live *l)
{
	if (!l)
		return;
	if (l->ansi && !l->broken)
		put(l, "\033[?25h\033[?1049l", 14); /* the cursor and the screen back */
	if (l->key_fd >= 0)
		tcsetattr(l->key_fd, TCSANOW, &l->saved);
	if (l->timer_fd >= 0)
		close(l->timer_fd);
	if (l->winch_fd >= 0)
		close(l->winch_fd);
	sqlite3_finalize(l->hits);
	db_close(l->db);
	for (size_t i = 0; i < l->n_apps; i++)
		free(l->apps[i].name);
	free(l->apps);
	live_table_free(&l->totals);
	live_table_free(&l->procs);
	live_table_free(&l->ports);
	live_table_free(&l->flows);
	snapshot_free(&l->peek);
	free(l->drained_infos);
	fmt_buf_free(&l->frame);
	free(l->protos);
	free(l->procrows);
	free(l->portrows);
	free(l->flowrows);
	free(l->anomalies);
	free(l->stored);
	free(scratch);
	scratch = NULL;
	scratch_cap = 0;
	free(l);
}

int live_fds(struct live *l, struct pollfd *pfd)
{
	int n = 0;

	pfd[n++] = (struct pollfd){ .fd = l->timer_fd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = l->winch_fd, .events = POLLIN };
	if (l->key_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = l->key_fd, .events = POLLIN };
	return n;
}

/* Keys typed: 1 when one of them is q. A hung-up terminal stops the reading. */
static int read_keys(struct live *l, short revents)
{
	char buf[64];
	ssize_t n = read(l->key_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0 && (revents & (POLLHUP | POLLERR))) {
		l->key_fd = -1; /* nothing to restore on a terminal that is gone */
		return 0;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q')
			return 1;
	return 0;
}

int live_handle(struct live *l, const struct pollfd *pfd)
{
	int n = l->key_fd >= 0 ? 3 : 2;

	for (int i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == l->winch_fd) {
			struct signalfd_siginfo si;

			while (read(l->winch_fd, &si, sizeof(si)) == sizeof(si))
				;
			read_size(l);
			l->resized = 1;
		} else if (pfd[i].fd == l->timer_fd) {
			uint64_t ticks;
			int err;

			if (read(l->timer_fd, &ticks, sizeof(ticks)) != sizeof(ticks))
				continue;
			/* The view is an extra: its failure never stops the recording. */
			err = tick(l);
			if (err) {
				pr_err("live view stopped: %s; recording goes on", strerror(-err));
				l->broken = 1;
			}
		} else if (pfd[i].fd == l->key_fd && read_keys(l, pfd[i].revents)) {
			return 1;
		}
	}
	return 0;
}
