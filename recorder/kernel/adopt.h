/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * adopt.h - take over the pinned maps of an earlier run (a crash, or a stop
 * with --keep-attached) and write what it counted but did not store, once.
 */
#ifndef NETMON_ADOPT_H
#define NETMON_ADOPT_H

#include <stdint.h>
#include "snapshot.h"
#include "store/store.h"

/*
 * The programs count under flip sequence n (active_gen); generation n - 1
 * was ended by the last flip. The database says (store_last_flip()) whether
 * the interval of n - 1 was committed: then that generation is only cleared
 * (the earlier run may have died before clearing it); otherwise it is read
 * and written now as the interval from *interval_start (where the database
 * ends, interval_bounds.h) to now, then cleared, and *interval_start moves
 * to that interval's end. Generation n, still counting, holds the gap's
 * traffic: the recorder's first interval starts at *interval_start, so that
 * it covers the gap. scratch is a snapshot to fill. 0 or -errno (logged); on error
 * nothing was cleared, so a later start can try again.
 */
int adopt_settle(struct snapshotter *s, struct store *st, struct snapshot *scratch, uint64_t run,
		 int64_t *interval_start);

#endif
