/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * maintain.h - the recorder's work between intervals: rollups, retention,
 * giving freed pages back, and keeping the query planner's statistics.
 */
#ifndef NETMON_MAINTAIN_H
#define NETMON_MAINTAIN_H

#include <sqlite3.h>
#include <stdint.h>
#include "retention.h"

struct maintain {
	struct retention keep;
	int no_retention;       /* offline import: keep everything it wrote */
	int64_t last_optimize;  /* monotonic seconds of the last PRAGMA optimize */
	int failing;            /* an error was logged; say when it clears */
};

/*
 * Work for at most budget_ms (0: until everything is done): roll up complete
 * buckets, delete expired batches, vacuum freed pages. Errors are logged once
 * and never stop the recorder: the work is picked up again next time.
 * Returns 0 when all work is done, 1 when the budget ran out first, or -errno.
 */
int maintain_run(struct maintain *m, sqlite3 *db, int64_t now, unsigned int budget_ms);

#endif
