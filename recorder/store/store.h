/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* store.h - writing intervals into the database. */
#ifndef NETMON_STORE_H
#define NETMON_STORE_H

#include <stdint.h>
#include <time.h>
#include <sqlite3.h>
#include "kernel/snapshot.h"

struct store;
struct run_tally;

/* Open (create, migrate) the database at path for writing. 0 or -errno. */
int store_open(struct store **out, const char *path);
void store_close(struct store *st);

/* What this store's intervals held since it was opened (run_tally.h). */
const struct run_tally *store_tally(const struct store *st);

/*
 * Rows of interface ifindex carry name from now on instead of the kernel's
 * name for it (offline import replays every packet on lo). One such name.
 */
void store_name_ifindex(struct store *st, int ifindex, const char *name);

/* --sample N of the run: stored with every interval written (0: off). */
void store_set_sample_rate(struct store *st, unsigned int every);

/*
 * Write one interval [ts_start, ts_end) (unix seconds) with the snapshot's
 * flows and totals, in one transaction: all of it or none of it.
 * Returns 0 or -errno (the transaction is rolled back).
 */
int store_write_interval(struct store *st, const struct snapshot *snap, int64_t ts_start,
			 int64_t ts_end);

/*
 * The flip sequence of the last interval written from the pinned maps
 * identified by run (snapshot.h), into *seq. Returns 1 when found, 0 when
 * this database holds nothing of run, -errno on error.
 */
int store_last_flip(struct store *st, uint64_t run, uint32_t *seq);

/*
 * The end of the last interval recorded live into *last_end (0 if none): an
 * import (--read) is not where the recording stopped. 0 or -errno.
 */
int store_last_end(struct store *st, int64_t *last_end);

/*
 * The id of an address (family 4 or 6, 4 or 16 bytes in network order) in
 * addresses, inserted if new (host_names.h). 0 or -errno. Ids handed out in
 * a transaction that rolls back: store_forget_ids() after the rollback.
 */
int store_intern_address(struct store *st, int family, const __u8 *addr, int64_t *id);
void store_forget_ids(struct store *st);

/* The connection, for maintenance between intervals (maintain.h). */
sqlite3 *store_db(const struct store *st);

/*
 * The rows of an interval, from the records store_write_interval() wrote
 * (the recorder's export of what it just committed, exporter.h): a flow's
 * flows.first_ms and span_ms, and the overflow row of a NETMON_KIND_TABLE_FULL
 * total as a flow record (written after the interval's flows, in totals order).
 */
void store_flow_ms(const struct snapshot *snap, const struct flow_record *r, int64_t ts_start,
		   int64_t *first_ms, int64_t *span_ms);
struct flow_record store_overflow_flow(const struct snapshot *snap, int64_t ts_start,
				       int64_t ts_end, const struct total_record *t);

/*
 * How many ms after ts_end the interval's counts were taken from the kernel
 * (its flip, snap->wall), 0 when not after: intervals.late_ms (0017_late.sql).
 */
int64_t store_late_ms(const struct snapshot *snap, int64_t ts_end);

/* The names of process tgid in snap (its infos, by tgid); NULL: none. */
const struct proc_info *store_proc_info(const struct snapshot *snap, __u32 tgid);

#define STORE_IFACES 64
/* An interface of the last interval written, as its rows name it. */
struct store_iface {
	int ifindex;
	int64_t id;	/* interfaces.id */
	char name[256]; /* interfaces.name */
};

/*
 * The interfaces the last interval written named, into *ifaces (valid until
 * the next write); how many, or -1 when there were more than STORE_IFACES.
 */
int store_ifaces(const struct store *st, const struct store_iface **ifaces);

/*
 * The name the rows of interface ifindex get (have got, once interned): the
 * kernel's name when first written, an offline import's file, or "ifN" for
 * an interface gone since; into name (len bytes, truncated).
 */
void store_iface_name(const struct store *st, int ifindex, char *name, size_t len);

/*
 * The cgroups row (0: none) of each process row the last interval written
 * has, in snap->procs order, into *rows (valid until the next write); how
 * many, or -1 when they were not kept (the export reads the rows back
 * instead).
 */
long store_proc_cgroups(const struct store *st, const int64_t **rows);

/* Why the last write failed (SQLite's message and the statement). */
const char *store_last_error(const struct store *st);

#endif
