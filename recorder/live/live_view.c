// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_view.c - lay out one frame of the live view (live_view.h).
 *
 * Lines are built whole, then cut to the terminal's width by code points
 * (escaped text is printable UTF-8), and the lists share the rows left
 * after the headings, one row at a time in turn, so a small terminal shows
 * a little of every section rather than all of the first one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fmt_escape.h"
#include "fmt_units.h"
#include "live_view.h"

#define MAX_LINES 512
#define N_LISTS 4 /* processes, ports, flows, anomalies */

struct lines {
	struct fmt_buf l[MAX_LINES];
	int n;
	int err;
};

/* Past MAX_LINES lines are dropped, as a terminal's height drops them. */
static struct fmt_buf *next_line(struct lines *ls)
{
	return ls->n < MAX_LINES ? &ls->l[ls->n++] : NULL;
}

static void add_line(struct lines *ls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct lines *ls, const char *fmt, ...)
{
	struct fmt_buf *b = next_line(ls);
	char text[512];
	va_list ap;

	if (!b)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (fmt_buf_add(b, text, strlen(text)))
		ls->err = -ENOMEM;
}

/* s escaped (made inert), cut to at most w code points ("+" marks a cut), padded to w. */
static void cell(char *out, size_t size, const char *s, size_t n, int w)
{
	struct fmt_buf b = { 0 };
	int cps = 0;
	size_t i = 0;

	if (fmt_table_escape(&b, s, n) || !b.s) {
		snprintf(out, size, "%-*s", w, "?");
		fmt_buf_free(&b);
		return;
	}
	for (; i < b.len; i++) {
		if (((unsigned char)b.s[i] & 0xc0) == 0x80)
			continue;
		if (cps == w || i + 5 >= size)
			break;
		cps++;
	}
	if (i < b.len && cps > 0) {
		/* Cut: the last code point kept becomes "+". */
		while (i > 0 && ((unsigned char)b.s[i - 1] & 0xc0) == 0x80)
			i--;
		i--;
		b.s[i++] = '+';
	}
	memcpy(out, b.s, i);
	for (; cps < w && i + 1 < size; cps++)
		out[i++] = ' ';
	out[i] = '\0';
	fmt_buf_free(&b);
}

/* A rate in IEC units per second, e.g. "1.5 MiB/s". */
static void rate(char *out, size_t size, double bps)
{
	struct fmt_buf b = { 0 };

	if (fmt_iec(&b, (long long)(bps > 0 ? bps + 0.5 : 0)) || !b.s)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%s/s", b.s);
	fmt_buf_free(&b);
}

static void proto_name(char *out, size_t size, int kind, int protocol)
{
	const char *name = fmt_proto_name(protocol);

	if (kind == NETMON_KIND_NON_IP)
		snprintf(out, size, "non-ip");
	else if (kind == NETMON_KIND_MALFORMED)
		snprintf(out, size, "malformed");
	else if (name)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "ip-%d", protocol);
}

static void header(struct lines *ls, const struct live_frame *f)
{
	char when[32], ifs[256], in[32], out[32], total[32];
	double in_bps = 0, in_pps = 0, out_bps = 0, out_pps = 0;
	uint64_t bytes = 0;
	struct fmt_buf b = { 0 };
	time_t t = (time_t)f->now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	cell(ifs, sizeof(ifs), f->ifaces, strlen(f->ifaces), 60);
	for (size_t n = strlen(ifs); n && ifs[n - 1] == ' '; n--)
		ifs[n - 1] = '\0'; /* cell() pads */
	for (int i = 0; i < f->n_protos; i++) {
		const struct live_proto_row *p = &f->protos[i];

		in_bps += p->in_bps, in_pps += p->in_pps;
		out_bps += p->out_bps, out_pps += p->out_pps;
		bytes += p->bytes;
	}
	rate(in, sizeof(in), in_bps);
	rate(out, sizeof(out), out_bps);
	if (fmt_iec(&b, (long long)bytes) || !b.s)
		ls->err = -ENOMEM;
	snprintf(total, sizeof(total), "%s", b.s ? b.s : "?");
	fmt_buf_free(&b);
	/* The interfaces last: a narrow terminal cuts them, not the rest. */
	/* q is read from a terminal on stdin; without one only a signal stops it. */
	add_line(ls, "netmon live%s  %s  interval %u s  on %s", f->keys ? " (q quits)" : "", when,
		 f->interval, ifs);
	add_line(ls, "in %s %.0f pkt/s   out %s %.0f pkt/s   %s in %u s", in, in_pps, out, out_pps,
		 total, f->running);
}

static void protocols(struct lines *ls, const struct live_frame *f)
{
	add_line(ls, "%s", "");
	add_line(ls, "PROTOCOLS");
	add_line(ls, "%-12s %12s %10s %12s %10s %11s", "protocol", "in/s", "in pkt/s", "out/s",
		 "out pkt/s", "total");
	for (int i = 0; i < f->n_protos; i++) {
		const struct live_proto_row *p = &f->protos[i];
		char name[32], in[32], out[32];
		struct fmt_buf b = { 0 };

		proto_name(name, sizeof(name), p->kind, p->protocol);
		rate(in, sizeof(in), p->in_bps);
		rate(out, sizeof(out), p->out_bps);
		if (fmt_iec(&b, (long long)p->bytes) || !b.s)
			ls->err = -ENOMEM;
		add_line(ls, "%-12s %12s %10.0f %12s %10.0f %11s", name, in, p->in_pps, out,
			 p->out_pps, b.s ? b.s : "?");
		fmt_buf_free(&b);
	}
	if (!f->n_protos)
		add_line(ls, "  (no traffic yet)");
}

/* Width of a list's one flexible column: what the fixed ones leave, within limits. */
static int flex(int width, int fixed, int lo, int hi)
{
	int w = width - fixed;

	return w < lo ? lo : w > hi ? hi : w;
}

/* The process list's fixed columns (pid, three rates) and, where the
 * terminal is wide enough for them, its user and service columns. */
#define PROCS_FIXED (8 + 3 * 13)
#define PROCS_USER 13 /* a user name of 12, and the space before the next */
#define PROCS_LABELS_MIN (PROCS_FIXED + 16 + PROCS_USER + 21)

static void procs_list(struct lines *ls, const struct live_frame *f, int rows, int width)
{
	int labels = width >= PROCS_LABELS_MIN;
	int w = labels ? flex(width, PROCS_FIXED + PROCS_USER + 21, 15, 24)
		       : flex(width, PROCS_FIXED, 15, 40);
	int sw = labels ? flex(width, PROCS_FIXED + PROCS_USER + w + 1, 20, 40) : 0;
	char name[256], user[256], service[256];

	add_line(ls, "%s", "");
	/* Host-wide: the socket tracepoints see no interface (docs/design.md). */
	add_line(ls, "TOP PROCESSES%s",
		 f->proc_on ? " (host-wide: all sockets)" : " (per-process accounting is off)");
	if (labels)
		add_line(ls, "%-7s %-*s %-12s %-*s %12s %12s %12s", "pid", w, "process", "user", sw,
			 "service", "sent/s", "recv/s", "total/s");
	else
		add_line(ls, "%-7s %-*s %12s %12s %12s", "pid", w, "process", "sent/s", "recv/s",
			 "total/s");
	for (int i = 0; i < f->n_procs && i < rows; i++) {
		const struct live_proc_row *p = &f->procs[i];
		char s[32], r[32], t[32];

		cell(name, sizeof(name), p->comm, strnlen(p->comm, sizeof(p->comm)), w);
		rate(s, sizeof(s), p->sent_bps);
		rate(r, sizeof(r), p->recv_bps);
		rate(t, sizeof(t), p->sent_bps + p->recv_bps);
		if (labels) {
			cell(user, sizeof(user), p->user, strnlen(p->user, sizeof(p->user)), 12);
			cell(service, sizeof(service), p->service,
			     strnlen(p->service, sizeof(p->service)), sw);
			add_line(ls, "%-7u %s %s %s %12s %12s %12s", p->pid, name, user, service, s,
				 r, t);
		} else {
			add_line(ls, "%-7u %s %12s %12s %12s", p->pid, name, s, r, t);
		}
	}
	if (!f->n_procs && rows)
		add_line(ls, "  (none this second)");
}

static void ports_list(struct lines *ls, const struct live_frame *f, int rows, int width)
{
	int w = flex(width, 6 + 6 + 12 + 12 + 10 + 1, 12, 40);
	char app[256];

	add_line(ls, "%s", "");
	add_line(ls, "TRAFFIC BY PROTOCOL, SERVER PORT AND APPLICATION");
	add_line(ls, "%-5s %5s %-*s %11s %11s %9s", "proto", "port", w, "application", "in/s",
		 "out/s", "pkt/s");
	for (int i = 0; i < f->n_ports && i < rows; i++) {
		const struct live_port_row *p = &f->ports[i];
		char name[32], o[32], in[32];
		const char *a = p->app ? p->app : "-";

		proto_name(name, sizeof(name), NETMON_KIND_IP, p->protocol);
		cell(app, sizeof(app), a, strlen(a), w);
		rate(o, sizeof(o), p->out_bps);
		rate(in, sizeof(in), p->in_bps);
		add_line(ls, "%-5s %5d %s %11s %11s %9.0f", name, p->port, app, in, o, p->pps);
	}
	if (!f->n_ports && rows)
		add_line(ls, "  (none this second)");
}

/* "198.18.1.1:443" or "[2001:db8::1]:443"; ports left out for other protocols. */
static void endpoint(char *out, size_t size, int family, const uint8_t *a, int port, int ports)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == NETMON_FAMILY_V6 ? AF_INET6 : AF_INET, a, addr, sizeof(addr));
	if (!ports)
		snprintf(out, size, "%s", addr);
	else if (family == NETMON_FAMILY_V6)
		snprintf(out, size, "[%s]:%d", addr, port);
	else
		snprintf(out, size, "%s:%d", addr, port);
}

/* "tcp 198.18.1.1:40000 > 198.18.1.2:443", as the high_bandwidth rule names a flow. */
static void flow_text(char *out, size_t size, const struct live_flow_row *p)
{
	int ports = p->protocol == 6 || p->protocol == 17 || p->protocol == 132;
	char name[32], src[64], dst[64];

	proto_name(name, sizeof(name), NETMON_KIND_IP, p->protocol);
	endpoint(src, sizeof(src), p->family, p->src, p->src_port, ports);
	endpoint(dst, sizeof(dst), p->family, p->dst, p->dst_port, ports);
	snprintf(out, size, "%s %s > %s", name, src, dst);
}

/* The flow and, when either end has one, the host names of its ends. */
static void flow_named(char *out, size_t size, const struct live_flow_row *p)
{
	char text[256];

	flow_text(text, sizeof(text), p);
	if (p->src_name[0] || p->dst_name[0])
		snprintf(out, size, "%s (%s > %s)", text, p->src_name[0] ? p->src_name : "-",
			 p->dst_name[0] ? p->dst_name : "-");
	else
		snprintf(out, size, "%s", text);
}

static void flows_list(struct lines *ls, const struct live_frame *f, int rows, int width)
{
	int w = flex(width, 4 + 12 + 10 + 1, 20, 100);
	char text[4 * LIVE_HOST_NAME_MAX], shown[512];

	add_line(ls, "%s", "");
	add_line(ls, "TOP FLOWS");
	add_line(ls, "%-3s %-*s %11s %9s", "dir", w, "flow", "bytes/s", "pkt/s");
	for (int i = 0; i < f->n_flows && i < rows; i++) {
		const struct live_flow_row *p = &f->flows[i];
		char r[32];

		flow_named(text, sizeof(text), p);
		cell(shown, sizeof(shown), text, strlen(text), w);
		rate(r, sizeof(r), p->bps);
		add_line(ls, "%-3s %s %11s %9.0f", p->direction == NETMON_DIR_IN ? "in" : "out",
			 shown, r, p->pps);
	}
	if (!f->n_flows && rows)
		add_line(ls, "  (none this second)");
}

/*
 * A rule's value or threshold in its unit (the rules' columns, docs/anomalies.md):
 * rates and volumes as the rest of the view shows them, counts whole, the
 * beaconing jitter (a ratio) with its decimals.
 */
static void anomaly_value(char *out, size_t size, const char *kind, double v)
{
	struct fmt_buf b = { 0 };

	if (!strcmp(kind, "high_bandwidth")) {
		rate(out, size, v);
	} else if (!strcmp(kind, "syn_flood")) {
		snprintf(out, size, "%.0f/s", v);
	} else if (!strcmp(kind, "exfiltration")) {
		if (fmt_iec(&b, (long long)(v > 0 ? v + 0.5 : 0)) || !b.s)
			snprintf(out, size, "?");
		else
			snprintf(out, size, "%s", b.s);
		fmt_buf_free(&b);
	} else if (v == (double)(long long)v) {
		snprintf(out, size, "%lld", (long long)v); /* counts */
	} else {
		snprintf(out, size, "%.3f", v); /* a jitter, a baseline's fraction */
	}
}

static void anomalies_list(struct lines *ls, const struct live_frame *f, int rows, int width)
{
	int w = flex(width, 9 + 17 + 2 * 13 + 1, 16, 80);
	char subj[512], kind[128], text[256];

	add_line(ls, "%s", "");
	add_line(ls,
		 "ANOMALIES (stored in the last %u s, and flows over the bandwidth threshold now)",
		 f->anomaly_span);
	add_line(ls, "%-8s %-16s %-*s %12s %12s", "when", "kind", w, "subject", "value",
		 "threshold");
	for (int i = 0; i < f->n_anomalies && i < rows; i++) {
		const struct live_anomaly_row *a = &f->anomalies[i];
		char when[16] = "now";
		time_t t = (time_t)a->ts;
		char value[32], threshold[32];
		struct tm tm;

		if (a->ts) {
			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		}
		cell(kind, sizeof(kind), a->kind, strlen(a->kind), 16);
		if (a->flow)
			flow_text(text, sizeof(text), a->flow);
		else
			snprintf(text, sizeof(text), "%s", a->subject);
		cell(subj, sizeof(subj), text, strlen(text), w);
		anomaly_value(value, sizeof(value), a->kind, a->value);
		anomaly_value(threshold, sizeof(threshold), a->kind, a->threshold);
		add_line(ls, "%-8s %s %s %12s %12s", when, kind, subj, value, threshold);
	}
	if (!f->n_anomalies && rows)
		add_line(ls, "  none");
}

/*
 * Rows per list: lines left once every fixed line is placed, handed out one
 * at a time to each list that has more to show. An empty list needs one
 * row (its "none" line). Unlimited height: every row.
 */
static void share_rows(const struct live_frame *f, int height, int rows[N_LISTS])
{
	int want[N_LISTS] = { f->n_procs, f->n_ports, f->n_flows, f->n_anomalies };
	/* Header 2; per section a blank, a title and a column line. */
	int left = height - 2 - 3 * N_LISTS - 3 - (f->n_protos ? f->n_protos : 1), more = 1;

	for (int i = 0; i < N_LISTS; i++) {
		want[i] = want[i] ? want[i] : 1;
		rows[i] = height ? 0 : want[i];
	}
	while (height && left > 0 && more) {
		more = 0;
		for (int i = 0; i < N_LISTS && left > 0; i++) {
			if (rows[i] < want[i]) {
				rows[i]++;
				left--;
				more = 1;
			}
		}
	}
}

/* Line i cut to width code points (0: not cut). */
static int emit(struct fmt_buf *out, const struct fmt_buf *l, int width)
{
	size_t i = 0;
	int cps = 0;

	for (; l->s && i < l->len; i++) {
		if (((unsigned char)l->s[i] & 0xc0) == 0x80)
			continue;
		if (width && cps == width)
			break;
		cps++;
	}
	return i ? fmt_buf_add(out, l->s, i) : 0;
}

int live_view_render(struct fmt_buf *out, const struct live_frame *f, int width, int height,
		     int ansi)
{
	static struct lines ls; /* large: one frame at a time, never reentered */
	int rows[N_LISTS], err = 0, shown;

	/* A line filling the last column leaves the cursor waiting to wrap, and
	 * terminals disagree on what the next newline then does (tmux joins the
	 * lines): on a terminal the last column stays empty. */
	if (ansi && width > 1)
		width--;
	memset(&ls, 0, sizeof(ls));
	share_rows(f, height, rows);
	header(&ls, f);
	protocols(&ls, f);
	procs_list(&ls, f, rows[0], width);
	ports_list(&ls, f, rows[1], width);
	flows_list(&ls, f, rows[2], width);
	anomalies_list(&ls, f, rows[3], width);
	shown = height && ls.n > height ? height : ls.n;
	if (ansi)
		err = fmt_buf_add(out, "\033[H", 3);
	for (int i = 0; i < shown && !err; i++) {
		err = emit(out, &ls.l[i], width);
		if (!err && ansi)
			err = fmt_buf_add(out, "\033[K", 3);
		/* The bottom line of a full screen ends without a newline: no scroll. */
		if (!err && (!ansi || i + 1 < shown))
			err = fmt_buf_add(out, "\n", 1);
	}
	if (!err && ansi)
		err = fmt_buf_add(out, "\033[J", 3);
	for (int i = 0; i < ls.n; i++)
		fmt_buf_free(&ls.l[i]);
	return err ? err : ls.err;
}
