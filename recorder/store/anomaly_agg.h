/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * anomaly_agg.h - the per-interval aggregates the anomaly rules read
 * (interval_dst, interval_out; sql/0018_anomaly_aggregates.sql), written
 * from the interval's flow rows inside the store's transaction.
 */
#ifndef NETMON_ANOMALY_AGG_H
#define NETMON_ANOMALY_AGG_H

#include <stdint.h>
#include <sqlite3.h>

struct anomaly_agg;

/* Prepare on db (migrated). 0, -ENOMEM, or -EIO (sqlite3_errmsg says why). */
int anomaly_agg_open(struct anomaly_agg **out, sqlite3 *db);
void anomaly_agg_close(struct anomaly_agg *ag);

/*
 * The aggregate rows of interval id, whose flow rows are ids [first, last]
 * (none when last < first), already written in this transaction. 0 or -EIO.
 */
int anomaly_agg_write(struct anomaly_agg *ag, int64_t id, int64_t first, int64_t last);

#endif
