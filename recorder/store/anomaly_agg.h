/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * anomaly_agg.h - the per-interval aggregates the anomaly rules read
 * (interval_dst, interval_out, interval_udp_probes:
 * sql/0018_anomaly_aggregates.sql; interval_contacts:
 * sql/0019_interval_contacts.sql; interval_syn: sql/0020_interval_syn.sql),
 * grouped in memory from the flows the
 * store writes and inserted inside the store's transaction.
 */
#ifndef NETMON_ANOMALY_AGG_H
#define NETMON_ANOMALY_AGG_H

#include <stdint.h>
#include <sqlite3.h>

struct anomaly_agg;

/* What the groupings need of one flow row and its conversation. */
struct anomaly_agg_flow {
	int64_t conversation_id;
	int64_t src_id, dst_id; /* addresses.id (>= 1); 0 when the conversation is known */
	int64_t packets, bytes;
	int64_t first_ms; /* first packet, ms after the interval's ts_start */
	uint16_t src_port, dst_port;
	uint8_t direction, protocol;
	uint8_t src_unspecified; /* src is 0.0.0.0 or :: (the overflow row) */
	uint8_t syn;		 /* carried a SYN */
	uint32_t tcp_flags;	 /* the OR of its packets' TCP flags */
	int64_t syns;		 /* its SYN packets */
	int64_t span_ms;	 /* first to last packet */
	int64_t iface_id;	 /* interfaces.id of its conversation */
};

/* Prepare on db (migrated). 0, -ENOMEM, or -EIO (sqlite3_errmsg says why). */
int anomaly_agg_open(struct anomaly_agg **out, sqlite3 *db);
void anomaly_agg_close(struct anomaly_agg *ag);

/* Forget the flows added so far: a new interval. */
void anomaly_agg_start(struct anomaly_agg *ag);
/* Whether the interval had a flow of conversation id already (its addresses known). */
int anomaly_agg_known(struct anomaly_agg *ag, int64_t id);
/*
 * Start loading conversation id's slot (entry 0), or, its slot loaded by
 * now, its entry (entry 1: then whether the interval has it): a flow's
 * anomaly_agg_known() and anomaly_agg_add() some flows later find them in
 * the CPU's cache (the store adds flows in batches, looking ahead).
 */
int anomaly_agg_prefetch(const struct anomaly_agg *ag, int64_t id, int entry);
/* One flow row of the interval. 0 or -ENOMEM. */
int anomaly_agg_add(struct anomaly_agg *ag, const struct anomaly_agg_flow *f);
/*
 * The aggregate rows of the flows added since anomaly_agg_start() as those
 * of interval id, which starts at ts_start, in each table's key order. Its
 * UDP flows are kept until the next interval's write (a UDP flow is a
 * contact only when its addresses and ports sent nothing in the interval
 * before). 0, -ENOMEM or -EIO.
 */
int anomaly_agg_write(struct anomaly_agg *ag, int64_t id, int64_t ts_start);
/*
 * The bytes its tables and arrays hold between writes (not the UDP flows
 * kept for the next write): those over 16 MiB each are given back as soon
 * as a write is done with them, the smaller kept for the next interval.
 */
size_t anomaly_agg_bytes(const struct anomaly_agg *ag);
/*
 * The most its tables and arrays (the kept UDP flows too) held at once since
 * anomaly_agg_start(), as counted at the end of the adds and at the write's
 * steps (a sort's own buffer not counted): what a burst costs.
 */
size_t anomaly_agg_peak_bytes(const struct anomaly_agg *ag);

#endif
