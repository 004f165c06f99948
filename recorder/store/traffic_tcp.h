/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * traffic_tcp.h - the TCP flag counts of an interval's totals rows
 * (traffic.syn, fin, rst, tcp_flags; sql/0016_traffic_tcp.sql).
 */
#ifndef NETMON_TRAFFIC_TCP_H
#define NETMON_TRAFFIC_TCP_H

#include <stdint.h>
#include "kernel/snapshot_records.h"

struct traffic_tcp {
	uint64_t syn, fin, rst;
	uint32_t flags; /* OR of the TCP flag byte */
	int known;	/* 0: the row's kind counts no flags (stored NULL) */
};

/*
 * One entry per snap->totals[i] into *out (free() it). Kinds TABLE_FULL and
 * EXCLUDED: what the kernel counted of their packets, which are in no flow.
 * Kind IP: those of its interface, direction, family and protocol plus its
 * flows', so every packet of the row is in it. Returns 0 or -ENOMEM.
 */
int traffic_tcp_sums(const struct snapshot *snap, struct traffic_tcp **out);

#endif
