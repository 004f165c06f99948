/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * run_tally.h - what one run of the recorder wrote, summed as it writes it,
 * for the line it logs when it stops: which interfaces it watched, for how
 * long, what crossed them (or that no IP packet did), and the bytes of the
 * host's sockets, loopback included. A first run on an idle host then says
 * what it did rather than nothing (README, "Set up").
 */
#ifndef NETMON_RUN_TALLY_H
#define NETMON_RUN_TALLY_H

#include <stdint.h>
#include "kernel/attach.h"
#include "kernel/snapshot.h"

#define RUN_TALLY_IFACES 64

struct run_tally_iface {
	int ifindex;
	uint64_t ip_packets, ip_bytes; /* both directions, NETMON_KIND_IP */
	uint64_t other_frames;         /* non-IP and malformed frames */
};

struct run_tally {
	unsigned int intervals;
	int64_t first_start, last_end; /* unix seconds; 0: none written */
	uint64_t flows;
	struct run_tally_iface ifaces[RUN_TALLY_IFACES];
	int n_ifaces;
	uint64_t sock_bytes, sock_calls; /* per-process records, sent + received */
};

/* One interval [ts_start, ts_end) written from snap. */
void run_tally_add(struct run_tally *t, const struct snapshot *snap, int64_t ts_start,
		   int64_t ts_end);

/*
 * Log the run in one line (pr_info): the n interfaces watched, each with
 * what crossed it, and the socket bytes when per-process accounting was on
 * (proc_on).
 */
void run_tally_log(const struct run_tally *t, const struct attachment *ifaces, int n, int proc_on,
		   const char *db_path);

#endif
