/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics.h - the recorder's Prometheus metrics (docs/metrics.md): a page
 * rebuilt after each interval's commit from the intervals written
 * (metrics_page.h), served on --metrics-listen by libmicrohttpd in its own
 * thread and written to --metrics-file for node_exporter's textfile
 * collector. The HTTP thread only hands out the last page: it never reads
 * the maps or the database, so a slow or hostile client delays no interval.
 */
#ifndef NETMON_METRICS_H
#define NETMON_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/snapshot_records.h"

struct metrics;
struct anomaly_eval;
struct store;

struct metrics_opts {
	const char *listen;  /* --metrics-listen [ADDR:]PORT, or NULL */
	const char *file;    /* --metrics-file PATH, or NULL */
	const char *db_path; /* its size is a metric */
};

/*
 * Bind the listening socket and write the first page to the file, so that a
 * port in use or a file that cannot be written fails the start (logged, one
 * line); nothing serves yet. *out NULL when neither option is set. 0 or -errno.
 */
int metrics_open(struct metrics **out, const struct metrics_opts *o);

/* Start the HTTP thread, after privs_drop(): it inherits only what is kept. 0 or -errno. */
int metrics_serve(struct metrics *m);

/* backlog_on_written() (backlog.h): one more interval committed into st. */
void metrics_interval_written(struct metrics *m, const struct store *st,
			      const struct snapshot *snap, int64_t end, uint64_t write_us);

/*
 * After the intervals' commit (and the anomaly rules): make the page anew
 * with backlog intervals still waiting, then swap it in and replace the
 * file. Failures are logged (once until it works again); recording goes on.
 */
void metrics_publish(struct metrics *m, size_t backlog, const struct anomaly_eval *a);

/* Stop serving and free; NULL is fine. */
void metrics_close(struct metrics *m);

#endif
