/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_rows.h - the live view's numbers: the peeks and the drained
 * snapshots summed by what each section groups by (protocol and kind; tgid;
 * the flow key) into rate tables (live_rates.h), and from those, each
 * second, the rows of a frame (live_view.h); server ports are the flows'
 * rates summed by the flow's server port, judged each second.
 */
#ifndef NETMON_LIVE_ROWS_H
#define NETMON_LIVE_ROWS_H

#include <stddef.h>
#include "kernel/snapshot.h"
#include "live_db.h"
#include "live_rates.h"
#include "live_view.h"
#include "names/cgroup_namer.h"

#define LIVE_ROWS_MAX 200 /* rows per list gathered (a terminal cuts them) */

struct live_ranked;
struct live_conn;

struct live_rows {
	struct live_table totals, procs, flows;
	struct live_conn *conns; /* the last frame's TCP connections (live_conns_build) */
	size_t n_conns;
	struct snapshot peek;
	struct proc_info_record *drained_infos; /* names of the last drained snapshot */
	size_t n_drained_infos;
	struct cgroup_namer namer; /* services and users of the process rows */
	/* the rows of the last frame, and scratch for ranking */
	struct live_proto_row *protos;
	struct live_proc_row *procrows;
	struct live_port_row *portrows;
	struct live_flow_row *flowrows;
	size_t rows_cap;
	struct live_ranked *ranked;
	size_t ranked_cap;
};

/* 0 or -ENOMEM. */
int live_rows_init(struct live_rows *r);
/* A zeroed r is fine. */
void live_rows_free(struct live_rows *r);

/*
 * Peek at the active generation and take the differences since the last
 * peek. first: the protocol totals ("since the start") start from here.
 * 0 or -errno.
 */
int live_rows_peek(struct live_rows *r, struct snapshotter *snap, int first);

/* A snapshot drained the generation of the last peek. Out of memory: says so. */
void live_rows_drained(struct live_rows *r, const struct snapshot *snap);

/*
 * The last peek's rows into f (protocols, processes, ports, flows; each
 * list at most max rows, largest first), rates = differences * per_s,
 * application names from db. Returns how many flows were ranked (at most
 * LIVE_ROWS_MAX, f->flows holds them all, f->n_flows at most max), or
 * -ENOMEM.
 */
int live_rows_frame(struct live_rows *r, struct live_frame *f, double per_s, int max,
		    const struct live_db *db);

/*
 * The TCP connections of a snapshot's flows and what they say of their
 * client, into *out (grown; *n of them). 0 or -ENOMEM.
 */
int live_conns_build(struct live_conn **out, size_t *n, const struct flow_record *flows,
		     size_t n_flows);

/*
 * The server port of flow k (0: not TCP/UDP, or no port), by the rule of
 * sql/0009_server_ports.sql: its connection in conns (live_conns_build),
 * else the one port named in db, else the lower port.
 */
int live_server_port(const struct live_conn *conns, size_t n, const struct flow_key *k,
		     const struct live_db *db);

#endif
