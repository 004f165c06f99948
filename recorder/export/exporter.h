/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * exporter.h - what was committed, to the IPFIX collectors (docs/ipfix.md).
 *
 * After each interval's commit the recorder calls exporter_run(): every flow
 * row of the intervals committed since the last run is sent to every
 * collector (export/ipfix_send.h), encoded from the records the recorder
 * just wrote (exporter_committed()) or, for intervals an earlier run left,
 * read back from the database; the records
 * and the send errors of each interval are stored with it
 * (collector_log.ipfix_records, ipfix_send_errors), with the watermark.
 */
#ifndef NETMON_EXPORTER_H
#define NETMON_EXPORTER_H

#include <stdint.h>
#include <sqlite3.h>
#include "collector.h"
#include "kernel/snapshot_records.h"

struct store;

struct exporter_opts {
	const char *const *collectors; /* HOST:PORT values of --ipfix */
	int n_collectors;	       /* 1..COLLECTOR_MAX */
	unsigned int mtu;	       /* largest message, bytes */
	unsigned int domain;	       /* observation domain id */
	unsigned int rate;	       /* messages a second at most; 0: unpaced */
	const unsigned int *interval;  /* --interval (read at each export): pacing
					* stops after half of it (ipfix_send.h);
					* NULL: never */
};

struct exporter;

/*
 * Collectors and encoder for opts. The export goes on after the watermark
 * (meta 'ipfix_exported', the last interval exported) that an earlier run
 * left: what it committed but did not export goes out now, once. Without
 * a watermark the intervals already in db are not exported, only those
 * committed from now on. Returns 0 or -errno.
 */
int exporter_open(struct exporter **out, const struct exporter_opts *opts, sqlite3 *db);

/*
 * The export is off: forget the watermark, so that turning it on again
 * starts with the intervals committed from then on, not with the history
 * recorded meanwhile. 0 or -EIO (logged).
 */
int exporter_forget(sqlite3 *db);
void exporter_close(struct exporter *x); /* accepts NULL */

/*
 * backlog_on_written() (backlog.h), with the store that wrote it: interval
 * [start, end) is committed. Its records are kept (not copied: snap's arrays
 * must stay as they are until exporter_run()) and the next exporter_run()
 * encodes them instead of reading the rows back, record for record what
 * the rows hold. x NULL: nothing.
 */
void exporter_committed(struct exporter *x, const struct store *st, const struct snapshot *snap,
			int64_t start, int64_t end);

/*
 * Export every interval committed in db since the last call. Send errors
 * are counted, never fatal; returns 0, or -errno (logged) when the rows
 * could not all be read: they are not tried again, since a part of them
 * may be at the collectors already. x NULL: nothing.
 */
int exporter_run(struct exporter *x, sqlite3 *db);

/*
 * So far: messages emitted (to each collector) and the time spent waiting
 * for --ipfix-rate's schedule, ns, which bench/export_cost.c tells apart
 * from the export's work.
 */
void exporter_totals(const struct exporter *x, uint64_t *messages, int64_t *paused_ns);

#endif
