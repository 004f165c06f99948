/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ip_totals.h - the IP totals rows (NETMON_KIND_IP) of a snapshot, added up
 * from what the programs counted: every parsed IP packet went into exactly
 * one of a flow, the table-full row or the excluded row of its interface,
 * direction, family and protocol (bpf/flow.bpf.c, count_packet()). The
 * programs used to keep the IP totals themselves, a per-CPU hash lookup and
 * its lines per packet; the sum here is the same figure, exact, and needs
 * no room in the kernel's totals table.
 */
#ifndef NETMON_IP_TOTALS_H
#define NETMON_IP_TOTALS_H

#include <stddef.h>
#include "snapshot_records.h"

/*
 * Append to snap one NETMON_KIND_IP row per interface, direction, family and
 * protocol of the flows from flows_from on and the table-full and excluded
 * rows from totals_from on (what one read of one generation added), with
 * their packets and bytes summed; the other fields 0, as the programs left
 * them. 0 or -ENOMEM (snap unchanged).
 */
int ip_totals_add(struct snapshot *snap, size_t flows_from, size_t totals_from);

#endif
