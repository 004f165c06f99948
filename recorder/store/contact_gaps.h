/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * contact_gaps.h - each contact's gaps to its series' contacts before
 * (gap_ms, gap5_ms: sql/0021_contact_gaps.sql) and the contact_runs rows
 * of the runs they end (sql/0022_contact_runs.sql), for the anomaly
 * aggregates' interval_contacts (anomaly_agg.c): the last five contact
 * times of each series of the last hour, kept from one write to the next.
 *
 * The aggregates give it what it works on: their sorted contacts, their
 * sort's arrays to read contacts back into, the database, and the steps
 * of their own it has them do (struct contact_gaps_calls).
 */
#ifndef NETMON_CONTACT_GAPS_H
#define NETMON_CONTACT_GAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "agg_map.h"
#include "agg_sort.h"
#include "series_set.h"

#define GAP_NULL INT64_MIN /* a column written NULL (anomaly_agg.c's insert_rows()) */

/* A contacts key: addresses, protocol and ports. */
static inline void contact_key(uint64_t *k, int64_t src, int64_t dst, int proto, uint16_t sport,
			       uint16_t dport)
{
	k[0] = (uint64_t)src;
	k[1] = (uint64_t)dst;
	k[2] = (uint64_t)proto << 32 | (uint64_t)sport << 16 | dport;
}

/* A contact's gaps as inserted; and, apart, the kth row in series, then time order. */
struct gap_row {
	int64_t gap[2];
	uint32_t order;
};

struct contact_gaps {
	struct agg_map series; /* (src, dst, protocol << 16 | dst port) -> index in rings */
	struct gap_ring *rings;
	size_t n_rings, cap_rings, swept; /* swept: rings left by the last sweep */
	int64_t id;			  /* the interval the rings are up to; 0 none */
	int64_t known_ms; /* every contact in place from this ms on is in the rings */
	/* the series forgotten for want of room: with the rings, every contact in
	 * place from forgot_from on (a series in neither had none since) */
	struct series_set forgot;
	int64_t forgot_from;
	struct gap_row *v; /* v[i]: gap_ms and gap5_ms of rows[i]; v[k].order: rows in order */
	size_t cap_v;
	/* contact_runs rows: (interval, src, dst, protocol << 17 | dst port << 1 | unknown);
	 * the least series with a contact of unknown gaps in the interval written */
	struct agg_key *runs;
	size_t n_runs, cap_runs;
	uint64_t unknown[3];
	int has_unknown;
	sqlite3_stmt *iv, *back, *reload, *run;
};

/*
 * What contact_gaps_write() has the aggregates do between its steps:
 * insert its n contacts (the rows it was given, their gaps
 * contact_gaps_gap()'s) into interval_contacts as interval id's; count what
 * they hold (the forgotten series have just grown). ctx: theirs.
 */
struct contact_gaps_calls {
	int (*insert)(void *ctx, int64_t id, size_t n);
	void (*note_peak)(void *ctx);
	void *ctx;
};

/* g (zeroed) made ready: nothing kept yet. */
void contact_gaps_init(struct contact_gaps *g);
void contact_gaps_free(struct contact_gaps *g);

/* Interval id's start and end, and the id and end of the one stored before it (0: none). */
int contact_gaps_interval(struct contact_gaps *g, sqlite3 *db, int64_t id, int64_t *iv);
/*
 * The rings ready for the interval being written (iv:
 * contact_gaps_interval()'s) and its want candidate contacts: forgotten at
 * the start of a stretch, read again (into sort's arrays) when they are not
 * up to the interval before, old series swept out as they grow (past
 * GAP_MAX_SERIES they are forgotten by contact_gaps_write()). 0, -ENOMEM or
 * -EIO.
 */
int contact_gaps_start(struct contact_gaps *g, sqlite3 *db, struct agg_sort *sort,
		       const int64_t *iv, size_t want);
/*
 * The gaps of the interval's contacts (rows[0..n_c), sorted; iv:
 * contact_gaps_interval()'s), their rows (calls->insert) and contact_runs'.
 * With too many series for the rings (a burst of new hosts) the gaps still
 * come from the rings as they are, exact, so the burst is judged; then the
 * rings are forgotten and given this interval's contacts alone (none if it
 * has too many itself) once its rows are written. 0, -ENOMEM or -EIO.
 */
int contact_gaps_write(struct contact_gaps *g, sqlite3 *db, const struct agg_key *rows, int64_t id,
		       const int64_t *iv, size_t n_c, const struct contact_gaps_calls *calls);

/* gap_ms (which 0) or gap5_ms (1) of contact i of contact_gaps_write(); GAP_NULL: NULL. */
static inline int64_t contact_gaps_gap(const struct contact_gaps *g, size_t i, int which)
{
	return g->v[i].gap[which];
}

/* The bytes of its arrays the aggregates count (not the rings and their map). */
size_t contact_gaps_bytes(const struct contact_gaps *g);
/* Its arrays given back when large (agg_map.h's agg_array_give_back()). */
void contact_gaps_give_back(struct contact_gaps *g);

#endif
