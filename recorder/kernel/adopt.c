// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * adopt.c - settle the generation an earlier run of the pinned maps ended
 * (adopt.h; the argument for exactly once is in docs/design.md, "Restart and
 * crash").
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "adopt.h"
#include "log.h"
#include "store/interval_bounds.h"
#include "test_hooks.h"

int adopt_settle(struct snapshotter *s, struct store *st, struct snapshot *scratch, uint64_t run,
		 int64_t *interval_start)
{
	struct timespec now;
	uint32_t stored = 0;
	__u32 seq;
	int found, err;

	/* A crash between the two flips leaves the per-process programs one
	 * generation behind: align them, and let in-flight programs finish. */
	err = snapshot_settle(s);
	if (err)
		return err;
	seq = snapshot_seq(s);
	test_point("adopt"); /* the pins taken over, nothing settled yet */
	found = store_last_flip(st, run, &stored);
	if (found < 0) {
		pr_err("cannot read the last stored generation: %s", store_last_error(st));
		return found;
	}
	if (seq == 0) { /* never flipped: the other generation never counted */
		pr_info("adopted pinned maps: the previous run ended no interval");
		return 0;
	}
	if (!found || stored != seq - 1) {
		int64_t end;

		clock_gettime(CLOCK_REALTIME, &now);
		end = interval_end_now(&now, *interval_start);
		err = snapshot_read_pending(s, scratch, seq - 1);
		if (!err)
			err = store_write_interval(st, scratch, *interval_start, end);
		if (err) {
			pr_err("cannot write the interval the previous run left in the kernel: %s",
			       err == -ENOMEM ? strerror(ENOMEM) : store_last_error(st));
			return err;
		}
		pr_info("adopted pinned maps: the previous run's last interval was not stored; "
			"written now (%zu flows)",
			scratch->n_flows);
		*interval_start = end;
		test_point("adopted"); /* the left interval written, not cleared */
	} else {
		pr_info("adopted pinned maps: the previous run's last interval is stored");
	}
	return snapshot_release(s, seq - 1);
}
