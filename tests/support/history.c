// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* history.c - see history.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"

#define NS 1000000000ull
#define HISTORY_IFINDEX 1 /* lo: present on every machine */

static const __u16 server_ports[] = { 443, 443, 443, 80, 53, 22, 5353, 8080 };

static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Client i is 198.18.(i/250).(i%250+1); servers are 198.19.0.1-16. */
static void client_addr(__u8 *a, uint32_t i)
{
	a[0] = 198, a[1] = 18, a[2] = (__u8)(i / 250), a[3] = (__u8)(i % 250 + 1);
}

static void fill_flow(struct flow_record *r, uint32_t *rnd, const struct history_opts *o,
		      uint64_t mono_start, int out)
{
	uint32_t client = next_rand(rnd) % o->clients, server = next_rand(rnd) % 16;
	__u16 sport = server_ports[next_rand(rnd) % 8], cport = 32768 + next_rand(rnd) % 28000;
	__u8 c[4], s[4] = { 198, 19, 0, (__u8)(server + 1) };
	uint64_t first = next_rand(rnd) % ((uint64_t)o->interval * 1000);

	memset(r, 0, sizeof(*r));
	client_addr(c, client);
	r->key.ifindex = HISTORY_IFINDEX;
	r->key.family = NETMON_FAMILY_V4;
	r->key.protocol = sport == 53 || sport == 5353 ? 17 : 6;
	r->key.direction = (__u8)out;
	memcpy(r->key.src, out ? c : s, 4);
	memcpy(r->key.dst, out ? s : c, 4);
	r->key.src_port = out ? cport : sport;
	r->key.dst_port = out ? sport : cport;
	r->c.packets = next_rand(rnd) % 20 == 0 ? 100 + next_rand(rnd) % 5000 :
						  1 + next_rand(rnd) % 20;
	r->c.bytes = r->c.packets * (40 + next_rand(rnd) % 1461);
	if (r->key.protocol == 6) {
		r->c.tcp_flags = 0x1a;
		r->c.syn = next_rand(rnd) % 4 == 0;
		r->c.fin = r->c.syn;
	}
	r->c.first_seen_ns = mono_start + first * 1000000;
	r->c.last_seen_ns = r->c.first_seen_ns +
			    (next_rand(rnd) % ((uint64_t)o->interval * 1000 - first)) * 1000000;
}

/* The interval's totals: the flows summed per direction and protocol. */
static void add_total(struct snapshot *snap, const struct flow_record *f)
{
	struct total_record *t;

	for (size_t i = 0; i < snap->n_totals; i++) {
		t = &snap->totals[i];
		if (t->key.direction == f->key.direction && t->key.protocol == f->key.protocol) {
			t->c.packets += f->c.packets;
			t->c.bytes += f->c.bytes;
			return;
		}
	}
	t = &snap->totals[snap->n_totals++];
	memset(t, 0, sizeof(*t));
	t->key.ifindex = f->key.ifindex;
	t->key.direction = f->key.direction;
	t->key.kind = NETMON_KIND_IP;
	t->key.family = f->key.family;
	t->key.protocol = f->key.protocol;
	t->c.packets = f->c.packets;
	t->c.bytes = f->c.bytes;
}

static void fill_procs(struct snapshot *snap, uint32_t *rnd)
{
	static const char *const names[] = { "curl", "sshd", "nginx", "backup" };

	snap->n_procs = snap->n_infos = 4;
	for (uint32_t i = 0; i < 4; i++) {
		struct proc_record *p = &snap->procs[i];
		struct proc_info_record *n = &snap->infos[i];

		memset(p, 0, sizeof(*p));
		memset(n, 0, sizeof(*n));
		p->key.tgid = n->tgid = 1000 + i;
		p->key.family = NETMON_FAMILY_V4;
		p->key.protocol = 6;
		p->key.local_port = (__u16)(40000 + i);
		p->c.bytes_sent = next_rand(rnd) % 100000;
		p->c.bytes_recv = next_rand(rnd) % 1000000;
		p->c.sends = p->c.recvs = 1 + i;
		snprintf(n->info.comm, sizeof(n->info.comm), "%s", names[i]);
		snprintf(n->info.parent_comm, sizeof(n->info.parent_comm), "systemd");
		n->info.ppid = 1;
	}
}

/*
 * The names of what one history_write() call wrote (o->with_names), as the
 * recorder stores them (sql/0011_names.sql): every address a DNS name told
 * at the call's start (upserted: first_seen stays the first call's), and
 * each process (pids 1000-1003: curl, sshd, nginx, backup) a cgroup, its
 * service and a uid; uid 34 has no user name. first_id: the call's first
 * interval.
 */
static int write_names(sqlite3 *db, const struct history_opts *o, int64_t first_id)
{
	int64_t start = o->start, end = o->start + (int64_t)o->n_intervals * o->interval;
	char *sql = sqlite3_mprintf(
		"INSERT OR IGNORE INTO services (id, name) VALUES (1, 'user:alice'), "
		"(2, 'ssh.service'), (3, 'nginx.service'), (4, 'docker:0123456789ab');"
		"INSERT OR IGNORE INTO cgroups (id, kernel_id, path, service_id, first_seen) "
		"VALUES "
		"(1, 101, '/user.slice/user-1000.slice/session-3.scope', 1, %lld), "
		"(2, 102, '/system.slice/ssh.service', 2, %lld), "
		"(3, 103, '/system.slice/nginx.service', 3, %lld), "
		"(4, 104, '/system.slice/docker-0123456789abcdef.scope', 4, %lld);"
		"INSERT OR IGNORE INTO user_names VALUES (0, 'root'), (33, 'www-data'), "
		"(1000, 'alice');"
		"UPDATE processes SET cgroup_ref = pid - 999, uid = CASE pid WHEN 1000 THEN 1000 "
		"WHEN 1001 THEN 0 WHEN 1002 THEN 33 ELSE 34 END WHERE interval_id >= %lld;"
		"INSERT OR IGNORE INTO dns_names (name) "
		"SELECT 'h-' || replace(replace(text, '.', '-'), ':', '-') || '.example' FROM "
		"addresses;"
		"INSERT INTO address_names (address_id, name_id, source, first_seen, last_seen) "
		"SELECT a.id, n.id, 1, %lld, %lld FROM addresses a JOIN dns_names n "
		"ON n.name = 'h-' || replace(replace(a.text, '.', '-'), ':', '-') || '.example' "
		"WHERE true ON CONFLICT DO UPDATE SET last_seen = max(last_seen, "
		"excluded.last_seen);",
		(long long)start, (long long)start, (long long)start, (long long)start,
		(long long)first_id, (long long)start, (long long)end);
	int rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;

	sqlite3_free(sql);
	return rc == SQLITE_OK ? 0 : -EIO;
}

/* The id the next interval written gets. */
static int64_t next_interval_id(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t id = 1;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) + 1 FROM intervals", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

int history_write(struct store *st, const struct history_opts *o)
{
	int64_t first_id = o->with_names ? next_interval_id(store_db(st)) : 0;
	struct snapshot snap;
	uint32_t rnd = o->seed;
	int err = 0;

	memset(&snap, 0, sizeof(snap));
	snap.flows = calloc(o->flows ? o->flows : 1, sizeof(*snap.flows));
	snap.totals = calloc(512, sizeof(*snap.totals));
	snap.procs = calloc(4, sizeof(*snap.procs));
	snap.infos = calloc(4, sizeof(*snap.infos));
	if (!snap.flows || !snap.totals || !snap.procs || !snap.infos)
		err = -ENOMEM;
	for (unsigned int n = 0; !err && n < o->n_intervals; n++) {
		int64_t ts = o->start + (int64_t)n * o->interval;
		uint64_t mono_end = 1000 * NS + (uint64_t)n * o->interval * NS;

		snap.wall.tv_sec = ts + o->interval;
		snap.wall.tv_nsec = 0;
		snap.mono_ns = mono_end;
		snap.n_flows = o->flows;
		snap.n_totals = 0;
		for (unsigned int i = 0; i < o->flows; i++) {
			fill_flow(&snap.flows[i], &rnd, o, mono_end - (uint64_t)o->interval * NS,
				  (int)(i & 1));
			add_total(&snap, &snap.flows[i]);
		}
		snap.n_procs = snap.n_infos = 0;
		if (o->with_procs)
			fill_procs(&snap, &rnd);
		err = store_write_interval(st, &snap, ts, ts + o->interval);
	}
	if (!err && o->with_names)
		err = write_names(store_db(st), o, first_id);
	free(snap.flows);
	free(snap.totals);
	free(snap.procs);
	free(snap.infos);
	return err;
}
