/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live.h - netmon-record --live: the recorder draws the traffic of the last
 * second on its terminal while it records as usual.
 *
 * Every second it peeks at the active generation of the kernel counters
 * (snapshot_peek()); the interval snapshots tell it what they drained
 * (live_drained()), so a rate is exact across the flips (live_rates.h).
 * Stored anomalies and application names come from the database, read-only
 * (live_db.h); the rows of a frame from live_rows.h, the terminal from
 * live_term.h.
 * On a terminal: redrawn in place on the alternate screen (the terminal's
 * screen comes back on exit), sized to the window (SIGWINCH), q quits, ^Z
 * gives the terminal back and fg takes it again.
 * Not a terminal, or TERM=dumb: one plain frame per second.
 */
#ifndef NETMON_LIVE_H
#define NETMON_LIVE_H

#include <poll.h>
#include "anomaly_rules.h"
#include "kernel/snapshot.h"

struct live_opts {
	struct snapshotter *snap;
	const char *db_path;
	const char *ifaces;		   /* names for the heading */
	unsigned int interval;		   /* the recorder's, seconds */
	int proc_on;			   /* per-process accounting runs */
	int numeric;			   /* --numeric: addresses without host names */
	const struct anomaly_settings *thresholds;
};

struct live;

/* Takes the terminal (when there is one) and a first peek. 0 or -errno. */
int live_open(struct live **out, const struct live_opts *o);
/* Gives the terminal back as it was. NULL is fine. */
void live_close(struct live *l);

/* The descriptors to poll (at most LIVE_MAX_FDS); returns how many. */
#define LIVE_MAX_FDS 3
int live_fds(struct live *l, struct pollfd *pfd);

/*
 * After poll(): draw on the 1 s tick, note a resize, stop on ^Z (this
 * returns once the process is continued), read keys. Returns 1
 * when the user asked to quit (q), else 0: a view that fails says so and
 * stops drawing, the recording goes on.
 */
int live_handle(struct live *l, const struct pollfd *pfd);

/* A snapshot just drained the generation the view was peeking at. NULL l: no-op. */
void live_drained(struct live *l, const struct snapshot *snap);

#endif
