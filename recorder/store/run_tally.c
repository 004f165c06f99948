// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * run_tally.c - the recorder's closing line (run_tally.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include "fmt_buf.h"
#include "fmt_units.h"
#include "log.h"
#include "run_tally.h"

static struct run_tally_iface *iface_of(struct run_tally *t, int ifindex)
{
	for (int i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].ifindex == ifindex)
			return &t->ifaces[i];
	if (t->n_ifaces == RUN_TALLY_IFACES)
		return NULL; /* more interfaces than a recorder watches */
	t->ifaces[t->n_ifaces].ifindex = ifindex;
	return &t->ifaces[t->n_ifaces++];
}

void run_tally_add(struct run_tally *t, const struct snapshot *snap, int64_t ts_start,
		   int64_t ts_end)
{
	if (!t->intervals || ts_start < t->first_start)
		t->first_start = ts_start;
	if (ts_end > t->last_end)
		t->last_end = ts_end;
	t->intervals++;
	t->flows += snap->n_flows;
	for (size_t i = 0; i < snap->n_totals; i++) {
		const struct total_record *r = &snap->totals[i];
		struct run_tally_iface *f = iface_of(t, (int)r->key.ifindex);

		if (!f)
			continue;
		/* IP counts every IP packet; TABLE_FULL is a part of them again. */
		if (r->key.kind == NETMON_KIND_IP) {
			f->ip_packets += r->c.packets;
			f->ip_bytes += r->c.bytes;
		} else if (r->key.kind == NETMON_KIND_NON_IP ||
			   r->key.kind == NETMON_KIND_MALFORMED) {
			f->other_frames += r->c.packets;
		}
	}
	for (size_t i = 0; i < snap->n_procs; i++) {
		const struct proc_counters *c = &snap->procs[i].c;

		t->sock_bytes += c->bytes_sent + c->bytes_recv;
		t->sock_calls += c->sends + c->recvs;
	}
}

/* "eth0: 12 IP packets (1.5 KiB), 3 other frames" or "eth0: no IP packet, ..." */
static void add_iface(struct fmt_buf *b, const struct run_tally *t, const char *name, int ifindex)
{
	const struct run_tally_iface *f = NULL;

	for (int i = 0; i < t->n_ifaces && !f; i++)
		if (t->ifaces[i].ifindex == ifindex)
			f = &t->ifaces[i];
	fmt_buf_addf(b, "; %s: ", name);
	if (!f || !f->ip_packets) {
		fmt_buf_addf(b, "no IP packet crossed it");
	} else {
		fmt_buf_addf(b, "%" PRIu64 " IP packets (", f->ip_packets);
		fmt_iec(b, (long long)f->ip_bytes);
		fmt_buf_addf(b, ")");
	}
	fmt_buf_addf(b, ", %" PRIu64 " other frames (ARP and the like)", f ? f->other_frames : 0);
}

void run_tally_log(const struct run_tally *t, const struct attachment *ifaces, int n, int proc_on,
		   const char *db_path)
{
	struct fmt_buf b = { 0 };

	fmt_buf_addf(&b, "watched %d interface%s for %" PRId64 " s, %u interval%s into %s", n,
		     n == 1 ? "" : "s", t->intervals ? t->last_end - t->first_start : 0,
		     t->intervals, t->intervals == 1 ? "" : "s", db_path);
	for (int i = 0; i < n; i++)
		add_iface(&b, t, ifaces[i].name, ifaces[i].ifindex);
	if (proc_on) {
		/* Host-wide, loopback included: something to show on an idle host. */
		fmt_buf_addf(&b, "; the host's IP sockets (loopback included): ");
		fmt_iec(&b, (long long)t->sock_bytes);
		fmt_buf_addf(&b, " in %" PRIu64 " calls (by process: netmon-report top processes)",
			     t->sock_calls);
	}
	if (b.s)
		pr_info("%s", b.s);
	fmt_buf_free(&b);
}
