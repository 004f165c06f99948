/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * upgrade.h - a start that finds the pins of another netmon BPF ABI (an
 * upgrade stopped with --keep-attached, or a downgrade) replaces them and
 * records the window it could not read as a gap (docs/design.md, "Upgrades
 * that change the BPF ABI"; docs/schema.md, gap_log).
 *
 * Their maps are not drained: the ABI changes exactly when the layout of
 * what they hold changes (bpf/netmon.h), and this build reads only its own.
 */
#ifndef NETMON_UPGRADE_H
#define NETMON_UPGRADE_H

#include <stdint.h>
#include <sqlite3.h>
#include "pin.h"

/*
 * p->old_abi set by pin_open(): remove netmon's TC filters and XDP program
 * from the interfaces names[0..n) (the pins' own set), then every pin, so
 * that the start goes on as a fresh one in the same (locked) directory
 * (p->old_abi stays, for the gap).
 * 0 or -errno (logged); what is left then is still recognised as the old
 * ABI's by the next start, which tries again.
 */
int upgrade_replace(struct pin_dir *p, const char *const *names, int n);

/*
 * After upgrade_replace(): store [last_live_end, *start) as a gap (one row
 * of gaps, its own transaction) and say so once. A start within the second
 * the database ends in moves *start (the first interval's) one second past
 * that end, so that the gap is never empty. No row when the database holds
 * no interval recorded live (nothing tells where the loss began): said
 * too. 0 or -EIO (logged).
 */
int upgrade_record_gap(sqlite3 *db, const struct pin_dir *p, int64_t last_live_end, int64_t *start);

#endif
