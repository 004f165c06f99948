// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * anomaly_agg.c - the per-interval aggregates of sql/0018_anomaly_aggregates.sql,
 * sql/0019_interval_contacts.sql and sql/0020_interval_syn.sql, grouped once
 * when the interval's flows are written, so that fan_in.sql,
 * exfiltration.sql, udp_scan.sql, beaconing.sql and syn_flood.sql read a
 * row per address (or probe, contact, port) and interval instead of
 * grouping every flow row of their window and lookback again on every
 * evaluation and report.
 *
 * The migrations' INSERT ... SELECTs are the definition; this file gives the
 * same rows (tests/unit/test_anomaly_agg.c compares them row for row) from
 * the flows as the store writes them, in hash tables (agg_map.c): the same
 * groupings in SQL over the just-written rows made the interval's write 5x
 * dearer at 200,000 flows (their sorts and the join of every flow to its
 * conversation; bench/RESULTS.md). The contacts are sorted instead, and
 * walked along the interval before's sorted keys, which the store keeps
 * from one write to the next (two more hash tables of every UDP flow cost
 * the steady write ~40 % more; bench/RESULTS.md). Each table's rows are
 * sorted into its key order (agg_sort.c). Each contact's gaps to its
 * series' contacts before (sql/0021_contact_gaps.sql) come from the last
 * five contact times of each series of the last hour, kept from one write
 * to the next, with their intervals: a contact that ends a run of six
 * within the hour (sql/0022_contact_runs.sql) adds a row per interval of
 * its run to contact_runs (contact_gaps.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "agg_map.h"
#include "agg_sort.h"
#include "anomaly_agg.h"
#include "contact_gaps.h"
#include "probe_seen.h"

enum { T_DST, T_OUT, T_PROBES, T_CONTACTS, T_SYN, AG_TABLES };

#define AG_BATCH 64 /* rows per INSERT, as the store's flows (store.c) */

static const char *const table_head[AG_TABLES] = {
	[T_DST] = "INSERT INTO interval_dst (interval_id, dst_id, sources, packets, bytes) VALUES ",
	[T_OUT] = "INSERT INTO interval_out (interval_id, src_id, bytes, peers) VALUES ",
	[T_PROBES] = "INSERT INTO interval_udp_probes (interval_id, src_id, dst_id, dst_port, "
		     "prev_ts, host_prev_ts) VALUES ",
	[T_CONTACTS] = "INSERT INTO interval_contacts (interval_id, src_id, dst_id, protocol, "
		       "dst_port, src_port, first_ms, gap_ms, gap5_ms) VALUES ",
	[T_SYN] = "INSERT INTO interval_syn (interval_id, iface_id, dst_id, dst_port, split, "
		  "direction, syns, incomplete, completed, sources, first_ms, last_ms) VALUES ",
};
static const int table_cols[AG_TABLES] = { 5, 4, 6, 9, 12 };

/* An address's sums: as a destination (interval_dst), as an outbound source. */
struct agg_addr {
	int64_t packets, bytes, out_bytes;
	int64_t sources, peers;
};

/* A conversation of the interval: its flows' sums, added once to the groupings. */
struct agg_conv {
	int64_t src_id, dst_id, packets, bytes;
	uint8_t direction, protocol, src_unspecified;
	uint8_t answered;   /* UDP, and the pair has UDP flows the other way */
	uint32_t last_port; /* write_probes()'s last probe of it: port + 1, 0 none */
};

/*
 * An interval_syn group: the SYN flows of an interface to a destination
 * address and port (port 0 a group per direction). The sums are of the
 * flows that count as attempts (no ACK, or port 0); dirs: a bit per
 * direction of all its flows.
 */
struct agg_syn {
	int64_t syns, incomplete, completed, sources, first_ms, last_ms;
	uint32_t dirs;
	uint8_t counted; /* has an attempt: a row */
};

/* A UDP flow of the interval (its addresses its conversation's). */
struct agg_udp_flow {
	uint32_t conv; /* index in conv */
	uint16_t src_port, dst_port;
};

/* The pair map's value: the pair counted as a source, as an outbound peer. */
#define PAIR_SOURCE 1u
#define PAIR_PEER 2u
#define PAIR_UDP 4u /* has a UDP conversation from a host to another */

struct anomaly_agg {
	sqlite3 *db;
	struct probe_seen *probes_seen; /* the probes' previous occurrences (0023) */
	struct contact_gaps gaps;	/* the contacts' gaps and runs (contact_gaps.h) */
	sqlite3_stmt *batch[AG_TABLES]; /* of AG_BATCH rows */
	struct agg_map convs;		/* conversation id -> index in conv */
	struct agg_map addrs;		/* address id -> index in sums */
	struct agg_map seen;		/* (src, dst) -> PAIR_*: every pair (pair_key()) */
	struct agg_map pairs;		/* (src, dst) -> PAIR_UDP: those with UDP both ways */
	struct agg_map udp; /* (src, dst, src port << 16 | dst port): UDP flows answered maybe */
	/* (src, dst, protocol << 32 | src port << 16 | dst port, first_ms):
	 * the interval's TCP flows with a SYN and UDP flows as added (cands);
	 * prev: those of interval prev_id, a row per addresses and ports, sorted */
	struct agg_key *cands, *prev;
	size_t n_cands, cap_cands, n_prev, cap_prev;
	int64_t prev_id;
	sqlite3_stmt *before, *before_udp; /* the interval before; its UDP flows */
	struct agg_addr *sums;
	size_t n_sums, cap_sums;
	struct agg_conv *conv;
	size_t cap_conv;
	struct agg_udp_flow *uflows;
	size_t n_uflows, cap_uflows;
	uint64_t *known_slot; /* anomaly_agg_known()'s last answer, for conv_entry() */
	int64_t known_id;
	struct agg_sort sort; /* a table's rows, sorted (agg_sort.h) */
	/* (dst, iface << 32 | split + 1 << 16 | port) -> index in syn_groups;
	 * (index + 1, src): the sources of a group's attempts */
	struct agg_map syn_keys, syn_srcs;
	struct agg_syn *syn_groups;
	size_t cap_syn;
	size_t peak; /* anomaly_agg_peak_bytes() */
};

int anomaly_agg_open(struct anomaly_agg **out, sqlite3 *db)
{
	struct anomaly_agg *ag = calloc(1, sizeof(*ag));

	*out = NULL;
	if (!ag)
		return -ENOMEM;
	ag->db = db;
	ag->convs.width = 1;
	ag->addrs.width = 1;
	ag->seen.width = 1;
	ag->pairs.width = 2;
	ag->udp.width = 3;
	ag->syn_keys.width = 2;
	ag->syn_srcs.width = 2;
	contact_gaps_init(&ag->gaps);
	*out = ag;
	return 0;
}

void anomaly_agg_close(struct anomaly_agg *ag)
{
	if (!ag)
		return;
	for (int i = 0; i < AG_TABLES; i++)
		sqlite3_finalize(ag->batch[i]);
	agg_map_free(&ag->convs);
	agg_map_free(&ag->addrs);
	agg_map_free(&ag->seen);
	agg_map_free(&ag->pairs);
	agg_map_free(&ag->udp);
	agg_map_free(&ag->syn_keys);
	agg_map_free(&ag->syn_srcs);
	free(ag->syn_groups);
	free(ag->cands);
	free(ag->prev);
	sqlite3_finalize(ag->before);
	sqlite3_finalize(ag->before_udp);
	contact_gaps_free(&ag->gaps);
	probe_seen_close(ag->probes_seen);
	free(ag->sums);
	free(ag->conv);
	free(ag->uflows);
	free(ag->sort.rows);
	free(ag->sort.tmp);
	free(ag);
}

void anomaly_agg_start(struct anomaly_agg *ag)
{
	agg_map_clear(&ag->convs);
	agg_map_clear(&ag->addrs);
	agg_map_clear(&ag->pairs);
	agg_map_clear(&ag->udp);
	agg_map_clear(&ag->syn_keys);
	agg_map_clear(&ag->syn_srcs);
	ag->n_cands = 0;
	ag->n_sums = 0;
	ag->n_uflows = 0;
	ag->peak = 0;
}

/*
 * What the tables and arrays hold now, the UDP flows kept for the next write
 * (prev) too: the halves of rows and tmp apart (tmp is given back within the
 * write, tmp_give_back()).
 */
static size_t held_bytes(const struct anomaly_agg *ag)
{
	return agg_map_bytes(&ag->convs) + agg_map_bytes(&ag->addrs) + agg_map_bytes(&ag->seen) +
	       agg_map_bytes(&ag->pairs) + agg_map_bytes(&ag->udp) + agg_map_bytes(&ag->syn_keys) +
	       agg_map_bytes(&ag->syn_srcs) + ag->cap_sums * sizeof(*ag->sums) +
	       ag->cap_conv * sizeof(*ag->conv) + ag->cap_uflows * sizeof(*ag->uflows) +
	       ag->cap_syn * sizeof(*ag->syn_groups) + ag->cap_cands * sizeof(*ag->cands) +
	       ag->cap_prev * sizeof(*ag->prev) + ag->sort.cap_rows * sizeof(*ag->sort.rows) +
	       ag->sort.cap_tmp * sizeof(*ag->sort.tmp) + contact_gaps_bytes(&ag->gaps) +
	       probe_seen_bytes(ag->probes_seen);
}

/* The most held at once so far in the interval (anomaly_agg_peak_bytes()). */
static void note_peak(struct anomaly_agg *ag)
{
	size_t now = held_bytes(ag);

	if (now > ag->peak)
		ag->peak = now;
}

/* The sums of address id, new ones zero; NULL when out of memory. */
static struct agg_addr *addr_sums(struct anomaly_agg *ag, int64_t id)
{
	uint64_t key = (uint64_t)id, *v;
	int added;

	if (agg_room_for_one((void **)&ag->sums, ag->n_sums, &ag->cap_sums, sizeof(*ag->sums)))
		return NULL;
	v = agg_map_get(&ag->addrs, &key, &added);
	if (!v)
		return NULL;
	if (added) {
		*v = ag->n_sums;
		memset(&ag->sums[ag->n_sums++], 0, sizeof(*ag->sums));
	}
	return &ag->sums[*v];
}

/*
 * interval_dst and interval_out: the unspecified source (the overflow row)
 * is nobody's source; a (source, destination) pair counts once among the
 * destination's sources and once among an outbound source's peers.
 */
static int add_sums(struct anomaly_agg *ag, const struct agg_conv *f, uint64_t *flags)
{
	struct agg_addr *a = addr_sums(ag, f->dst_id);

	if (!a)
		return -ENOMEM;
	a->packets += f->packets;
	a->bytes += f->bytes;
	if (!(*flags & PAIR_SOURCE)) {
		*flags |= PAIR_SOURCE;
		a->sources++;
	}
	if (f->direction != 1)
		return 0;
	if (!(a = addr_sums(ag, f->src_id)))
		return -ENOMEM;
	a->out_bytes += f->bytes; /* flags still points into pairs: only addrs grew */
	if (!(*flags & PAIR_PEER)) {
		*flags |= PAIR_PEER;
		a->peers++;
	}
	return 0;
}

int anomaly_agg_known(struct anomaly_agg *ag, int64_t id)
{
	uint64_t key = (uint64_t)id;
	int found;

	ag->known_slot = NULL;
	if (!ag->convs.cap)
		return 0;
	ag->known_slot = agg_map_probe(&ag->convs, &key, &found);
	ag->known_id = id;
	return found;
}

int anomaly_agg_prefetch(const struct anomaly_agg *ag, int64_t id, int entry)
{
	uint64_t key = (uint64_t)id;
	const uint64_t *v;
	int found;

	if (!ag->convs.cap)
		return 0;
	if (!entry) {
		__builtin_prefetch(ag->convs.slots +
				   (agg_map_hash(&key, 1) & (ag->convs.cap - 1)) * 2);
		return 0;
	}
	v = agg_map_probe(&ag->convs, &key, &found);
	if (found)
		__builtin_prefetch(&ag->conv[*v]);
	return found;
}

/* The interval's entry of f's conversation; NULL when out of memory. */
static struct agg_conv *conv_entry(struct anomaly_agg *ag, const struct anomaly_agg_flow *f)
{
	uint64_t key = (uint64_t)f->conversation_id, *v;
	int added;

	if (agg_room_for_one((void **)&ag->conv, ag->convs.n, &ag->cap_conv, sizeof(*ag->conv)))
		return NULL;
	/* a known conversation's slot as anomaly_agg_known() found it */
	if (ag->known_slot && ag->known_id == f->conversation_id && ag->known_slot[-1])
		return &ag->conv[*ag->known_slot];
	if (!(v = agg_map_get(&ag->convs, &key, &added)))
		return NULL;
	if (added) {
		*v = ag->convs.n - 1;
		ag->conv[*v] = (struct agg_conv){ .src_id = f->src_id,
						  .dst_id = f->dst_id,
						  .direction = f->direction,
						  .protocol = f->protocol,
						  .src_unspecified = f->src_unspecified };
	}
	return &ag->conv[*v];
}

/* UDP from a host to another (a host's flows to itself are no probes). */
static int udp_between(const struct agg_conv *c)
{
	return c->protocol == 17 && c->src_id != c->dst_id;
}

/*
 * A TCP flow with a SYN or a UDP flow into cands: its addresses, ports and
 * first packet (the same addresses and ports on two interfaces made one
 * when sorted, write_contacts()).
 */
static int add_contact(struct anomaly_agg *ag, const struct agg_conv *c,
		       const struct anomaly_agg_flow *f)
{
	struct agg_key *r;

	if (!(c->protocol == 17 || (c->protocol == 6 && f->syn)))
		return 0;
	if (agg_room_for_one((void **)&ag->cands, ag->n_cands, &ag->cap_cands, sizeof(*ag->cands)))
		return -ENOMEM;
	r = &ag->cands[ag->n_cands++];
	contact_key(r->k, c->src_id, c->dst_id, c->protocol, f->src_port, f->dst_port);
	r->k[3] = (uint64_t)f->first_ms;
	return 0;
}

/* The port 0 groups are split by direction (the overflow row is one per direction). */
static uint64_t syn_word(const struct agg_conv *c, const struct anomaly_agg_flow *f)
{
	uint64_t split = f->dst_port ? 0 : (uint64_t)c->direction + 1;

	return (uint64_t)f->iface_id << 32 | split << 16 | f->dst_port;
}

/*
 * A TCP flow with a SYN into its interval_syn group: its SYNs, first and
 * last packet count when it is an attempt (no ACK, or port 0), its source
 * among the group's when it has no ACK.
 */
static int add_syn(struct anomaly_agg *ag, const struct agg_conv *c,
		   const struct anomaly_agg_flow *f)
{
	uint64_t key[2] = { (uint64_t)c->dst_id, syn_word(c, f) }, *v;
	int acked = (f->tcp_flags & 16) != 0, added;
	struct agg_syn *g;

	if (c->protocol != 6 || f->syns <= 0)
		return 0;
	if (agg_room_for_one((void **)&ag->syn_groups, ag->syn_keys.n, &ag->cap_syn,
			     sizeof(*ag->syn_groups)) ||
	    !(v = agg_map_get(&ag->syn_keys, key, &added)))
		return -ENOMEM;
	if (added) {
		*v = ag->syn_keys.n - 1;
		ag->syn_groups[*v] = (struct agg_syn){ 0 };
	}
	g = &ag->syn_groups[*v];
	g->dirs |= 1u << (c->direction & 31);
	if (acked) {
		g->completed++;
	} else {
		uint64_t src[2] = { *v + 1, (uint64_t)c->src_id }, *seen;

		if (!(seen = agg_map_get(&ag->syn_srcs, src, &added)))
			return -ENOMEM;
		g->incomplete++;
		g->sources += added;
	}
	if (acked && f->dst_port)
		return 0;
	g->syns += f->syns;
	if (!g->counted || f->first_ms < g->first_ms)
		g->first_ms = f->first_ms;
	if (!g->counted || f->first_ms + f->span_ms > g->last_ms)
		g->last_ms = f->first_ms + f->span_ms;
	g->counted = 1;
	return 0;
}

/*
 * Flows sum into their conversation's entry (interval_dst's and
 * interval_out's groupings made once per conversation at the end); a UDP
 * flow's ports into uflows; contacts into theirs.
 */
int anomaly_agg_add(struct anomaly_agg *ag, const struct anomaly_agg_flow *f)
{
	struct agg_conv *c = conv_entry(ag, f);

	if (!c)
		return -ENOMEM;
	c->packets += f->packets;
	c->bytes += f->bytes;
	if (add_contact(ag, c, f) || add_syn(ag, c, f))
		return -ENOMEM;
	if (!udp_between(c))
		return 0;
	if (agg_room_for_one((void **)&ag->uflows, ag->n_uflows, &ag->cap_uflows,
			     sizeof(*ag->uflows)))
		return -ENOMEM;
	ag->uflows[ag->n_uflows++] =
		(struct agg_udp_flow){ (uint32_t)(c - ag->conv), f->src_port, f->dst_port };
	return 0;
}

/*
 * A (source, destination) pair's key in seen: one word when both ids fit 32
 * bits (16 bytes a slot instead of 24: a million new hosts make as many
 * pairs), else two.
 */
static void pair_key(const struct agg_map *seen, const struct agg_conv *c, int reversed,
		     uint64_t *k)
{
	uint64_t a = (uint64_t)(reversed ? c->dst_id : c->src_id),
		 b = (uint64_t)(reversed ? c->src_id : c->dst_id);

	if (seen->width == 1) {
		k[0] = a << 32 | b; /* ids >= 1: never 0 */
	} else {
		k[0] = a;
		k[1] = b;
	}
}

/* seen made empty, keyed for the ids of the n conversations, with room for their pairs. */
static int seen_start(struct anomaly_agg *ag, size_t n)
{
	int width = 1;

	for (size_t i = 0; width == 1 && i < n; i++)
		if ((uint64_t)ag->conv[i].src_id >> 32 || (uint64_t)ag->conv[i].dst_id >> 32)
			width = 2;
	if (width != ag->seen.width) {
		agg_map_free(&ag->seen);
		ag->seen.width = width;
	}
	agg_map_clear(&ag->seen);
	return agg_map_reserve(&ag->seen, n);
}

/*
 * The n conversations' sums into interval_dst's and interval_out's
 * groupings (their pairs in seen); a UDP conversation whose pair has UDP the
 * other way answered (only its flows need their ports compared,
 * write_probes()), and its pair in pairs with PAIR_UDP: udp_opener() asks
 * pairs only of UDP rows, whose pair is there exactly when it has UDP both
 * ways, so pairs holds those alone, not every pair of a burst.
 */
static int add_conversations(struct anomaly_agg *ag, size_t n)
{
	int added, found, err = seen_start(ag, n);

	for (size_t i = 0; !err && i < n; i++) {
		struct agg_conv *c = &ag->conv[i];
		uint64_t pair[2], *flags;

		/* the overflow row is nobody's source */
		if (c->src_unspecified && !udp_between(c))
			continue;
		pair_key(&ag->seen, c, 0, pair);
		if (!(flags = agg_map_get(&ag->seen, pair, &added)))
			return -ENOMEM;
		if (udp_between(c))
			*flags |= PAIR_UDP;
		/* the sums grow addrs, not seen: flags stays where it is */
		if (!c->src_unspecified)
			err = add_sums(ag, c, flags);
	}
	for (size_t i = 0; !err && i < n; i++) {
		struct agg_conv *c = &ag->conv[i];
		uint64_t back[2], pair[2] = { (uint64_t)c->src_id, (uint64_t)c->dst_id }, *flags;

		if (!udp_between(c))
			continue;
		pair_key(&ag->seen, c, 1, back);
		flags = agg_map_probe(&ag->seen, back, &found);
		c->answered = found && (*flags & PAIR_UDP);
		if (c->answered && !(flags = agg_map_get(&ag->pairs, pair, &added)))
			return -ENOMEM;
		if (c->answered)
			*flags |= PAIR_UDP;
	}
	note_peak(ag);
	agg_map_give_back(&ag->seen);
	return err;
}

/* tmp given back when large, once nothing sorts rows any more in the write. */
static void tmp_give_back(struct anomaly_agg *ag)
{
	agg_array_give_back((void **)&ag->sort.tmp, &ag->sort.cap_tmp, sizeof(*ag->sort.tmp));
}

/* The INSERT of rows rows into table t: kept for AG_BATCH, made now for fewer. */
static int batch_stmt(struct anomaly_agg *ag, int t, size_t rows, sqlite3_stmt **out)
{
	sqlite3_str *sql;
	char *text;
	int rc;

	if (rows == AG_BATCH && ag->batch[t]) {
		*out = ag->batch[t];
		return 0;
	}
	sql = sqlite3_str_new(ag->db);
	sqlite3_str_appendall(sql, table_head[t]);
	for (size_t i = 0; i < rows; i++) {
		sqlite3_str_appendall(sql, i ? ",(?" : "(?");
		for (int c = 1; c < table_cols[t]; c++)
			sqlite3_str_appendall(sql, ",?");
		sqlite3_str_appendall(sql, ")");
	}
	text = sqlite3_str_finish(sql);
	if (!text)
		return -ENOMEM;
	rc = sqlite3_prepare_v3(ag->db, text, -1, rows == AG_BATCH ? SQLITE_PREPARE_PERSISTENT : 0,
				out, NULL);
	sqlite3_free(text);
	if (rc != SQLITE_OK)
		return -EIO;
	if (rows == AG_BATCH)
		ag->batch[t] = *out;
	return 0;
}

/* The direction of an interval_syn group's flows, -1 when both (NULL). */
static int syn_direction(const struct agg_syn *g)
{
	return g->dirs && !(g->dirs & (g->dirs - 1)) ? __builtin_ctz(g->dirs) : -1;
}

/*
 * One column of an interval_syn row (after interval_id): iface_id, dst_id,
 * dst_port, split, direction, syns, incomplete, completed, sources,
 * first_ms, last_ms.
 */
static int64_t syn_col(const struct anomaly_agg *ag, const struct agg_key *r, int c)
{
	const struct agg_syn *g = &ag->syn_groups[r->k[3]];
	const int64_t sums[] = { g->syns,    g->incomplete, g->completed,
				 g->sources, g->first_ms,   g->last_ms };

	switch (c) {
	case 0:
	case 1:
		return (int64_t)r->k[c];
	case 2:
		return (int64_t)(r->k[2] >> 16);
	case 3:
		return (int64_t)(r->k[2] & 0xffff) - 1;
	case 4:
		return syn_direction(g);
	default:
		return sums[c - 5];
	}
}

/* One column of row r of table t (after interval_id). */
static int64_t row_col(const struct anomaly_agg *ag, int t, const struct agg_key *r, int c)
{
	const struct agg_addr *a;

	if (t == T_SYN)
		return syn_col(ag, r, c);
	a = t == T_PROBES || t == T_CONTACTS ? NULL : &ag->sums[r->k[1]];

	if (t == T_CONTACTS) { /* src_id, dst_id, protocol, dst_port, src_port, first_ms, gaps */
		if (c < 2)
			return (int64_t)r->k[c];
		if (c == 5)
			return (int64_t)r->k[3];
		if (c > 5)
			return contact_gaps_gap(&ag->gaps, (size_t)(r - ag->sort.rows), c - 6);
		return (int64_t)(c == 2	  ? r->k[2] >> 32
				 : c == 3 ? r->k[2] & 0xffff
					  : r->k[2] >> 16 & 0xffff);
	}
	if (t == T_PROBES && c > 2) /* prev_ts, host_prev_ts */
		return probe_seen_value(ag->probes_seen, r->k[3], c - 3);
	if (!a || c == 0) /* a probe's src_id, dst_id, dst_port; an address's id */
		return (int64_t)r->k[c];
	if (t == T_DST) /* dst_id, sources, packets, bytes */
		return c == 1 ? a->sources : c == 2 ? a->packets : a->bytes;
	return c == 1 ? a->out_bytes : a->peers; /* src_id, bytes, peers */
}

/* The sorted rows[0..n) of table t, AG_BATCH a statement. */
static int insert_rows(struct anomaly_agg *ag, int t, int64_t id, size_t n)
{
	int cols = table_cols[t], err = 0;

	for (size_t at = 0; !err && at < n; at += AG_BATCH) {
		size_t k = n - at < AG_BATCH ? n - at : AG_BATCH;
		sqlite3_stmt *s;
		int rc;

		if ((err = batch_stmt(ag, t, k, &s)))
			break;
		for (size_t i = 0; i < k; i++) {
			int p = (int)i * cols;

			sqlite3_bind_int64(s, p + 1, id);
			for (int c = 1; c < cols; c++) {
				int64_t v = row_col(ag, t, &ag->sort.rows[at + i], c - 1);

				/* interval_syn's direction: NULL when both; a
				 * contact's gap: NULL when none within the hour */
				if ((t == T_SYN && c == 5 && v < 0) ||
				    ((t == T_CONTACTS || t == T_PROBES) && v == GAP_NULL))
					sqlite3_bind_null(s, p + 1 + c);
				else
					sqlite3_bind_int64(s, p + 1 + c, v);
			}
		}
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (k != AG_BATCH)
			sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			err = -EIO;
	}
	return err;
}

/* interval_dst's (which) or interval_out's rows: the addresses with sums of the kind. */
static int write_sums(struct anomaly_agg *ag, int t, int64_t id)
{
	size_t stride = 2, n = 0;
	/* its own room: a no-op after anomaly_agg_write()'s, safe alone */
	int err = agg_sort_room_for(&ag->sort.rows, &ag->sort.cap_rows,
				    ag->addrs.n ? ag->addrs.n : 1);

	if (err)
		return err;
	for (size_t i = 0; i < ag->addrs.cap; i++) {
		const uint64_t *s = ag->addrs.slots + i * stride;
		const struct agg_addr *a = &ag->sums[s[1]];

		/* a destination has a source; an outbound source, a peer */
		if (s[0] && (t == T_DST ? a->sources : a->peers))
			ag->sort.rows[n++] = (struct agg_key){ { s[0], s[1], 0, 0 } };
	}
	agg_sort_rows(&ag->sort, n, 1);
	return insert_rows(ag, t, id, n);
}

/*
 * interval_syn: the groups with an attempt, in the table's key order
 * (interface, destination, port, split).
 */
static int write_syn(struct anomaly_agg *ag, int64_t id)
{
	size_t n = 0;
	/* its own room: a no-op after anomaly_agg_write()'s, safe alone */
	int err = agg_sort_room_for(&ag->sort.rows, &ag->sort.cap_rows,
				    ag->syn_keys.n ? ag->syn_keys.n : 1);

	if (err)
		return err;
	for (size_t i = 0; i < ag->syn_keys.cap; i++) {
		const uint64_t *s = ag->syn_keys.slots + i * 3;

		if (s[0] && ag->syn_groups[s[2]].counted)
			ag->sort.rows[n++] =
				(struct agg_key){ { s[1] >> 32, s[0],
						    (s[1] & 0xffff) << 16 | (s[1] >> 16 & 0xffff),
						    s[2] } };
	}
	agg_sort_rows(&ag->sort, n, 3);
	return insert_rows(ag, T_SYN, id, n);
}

/* A UDP flow's (source, destination, ports) key in udp; reversed: its answer's. */
static void udp_key(const struct anomaly_agg *ag, const struct agg_udp_flow *u, int reversed,
		    uint64_t *k)
{
	const struct agg_conv *c = &ag->conv[u->conv];

	k[0] = (uint64_t)(reversed ? c->dst_id : c->src_id);
	k[1] = (uint64_t)(reversed ? c->src_id : c->dst_id);
	k[2] = reversed ? (uint64_t)u->dst_port << 16 | u->src_port
			: (uint64_t)u->src_port << 16 | u->dst_port;
}

/*
 * interval_udp_probes: each (source, destination, destination port) of a
 * UDP flow whose exchange has no flow the other way (its addresses and
 * ports reversed), traceroute's ports left out, once. Only the flows of
 * answered conversations (answers between their hosts) go into udp to be
 * compared port for port: a scan's probes need no table.
 */
static int write_probes(struct anomaly_agg *ag, int64_t id)
{
	size_t n = 0, kept = 0;
	uint64_t k[3];
	int added, found,
		err = agg_sort_room_for(&ag->sort.rows, &ag->sort.cap_rows,
					ag->n_uflows ? ag->n_uflows : 1);

	if (err) /* its own room: a no-op after anomaly_agg_write()'s, safe alone */
		return err;
	for (size_t i = 0; i < ag->n_uflows; i++) {
		udp_key(ag, &ag->uflows[i], 0, k);
		if (ag->conv[ag->uflows[i].conv].answered && !agg_map_get(&ag->udp, k, &added))
			return -ENOMEM;
	}
	for (size_t i = 0; i < ag->n_uflows; i++) {
		const struct agg_udp_flow *u = &ag->uflows[i];
		struct agg_conv *c = &ag->conv[u->conv];

		if (u->dst_port >= 33434 && u->dst_port <= 33534)
			continue;
		if (c->answered) {
			udp_key(ag, u, 1, k);
			agg_map_probe(&ag->udp, k, &found);
			if (found)
				continue;
		}
		/* a conversation's flows to one port (many source ports): one row */
		if (c->last_port == u->dst_port + 1u)
			continue;
		c->last_port = u->dst_port + 1u;
		udp_key(ag, u, 0, k);
		ag->sort.rows[n++] = (struct agg_key){ { k[0], k[1], u->dst_port, 0 } };
	}
	agg_sort_rows(&ag->sort, n, 3);
	for (size_t i = 0; i < n; i++) /* from two source ports: one probe */
		if (!kept ||
		    memcmp(&ag->sort.rows[i], &ag->sort.rows[kept - 1], sizeof(*ag->sort.rows)))
			ag->sort.rows[kept++] = ag->sort.rows[i];
	if ((!ag->probes_seen && (err = probe_seen_open(&ag->probes_seen, ag->db))) ||
	    (err = probe_seen_apply(ag->probes_seen, id, ag->sort.rows->k, 4, kept)))
		return err;
	return insert_rows(ag, T_PROBES, id, kept);
}

/* Whether a's key (three words) sorts before b's (-1), with it (0) or after (1). */
static int key_cmp(const struct agg_key *a, const struct agg_key *b)
{
	for (int w = 0; w < 3; w++)
		if (a->k[w] != b->k[w])
			return a->k[w] < b->k[w] ? -1 : 1;
	return 0;
}

/* rows[0..n) sorted, a row per key (the least k[3] kept); how many are left. */
static size_t sort_unique(struct anomaly_agg *ag, size_t n)
{
	size_t kept = 0;

	agg_sort_rows(&ag->sort, n, 3);
	for (size_t i = 0; i < n; i++) {
		if (kept && !key_cmp(&ag->sort.rows[i], &ag->sort.rows[kept - 1])) {
			if ((int64_t)ag->sort.rows[i].k[3] < (int64_t)ag->sort.rows[kept - 1].k[3])
				ag->sort.rows[kept - 1].k[3] = ag->sort.rows[i].k[3];
			continue;
		}
		ag->sort.rows[kept++] = ag->sort.rows[i];
	}
	return kept;
}

/* rows[0..n) become prev (the interval before of the next write). */
static int keep_as_prev(struct anomaly_agg *ag, size_t n)
{
	if (n > ag->cap_prev) {
		struct agg_key *p = realloc(ag->prev, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ag->prev = p;
		ag->cap_prev = n;
	}
	if (n) /* prev may be NULL yet */
		memcpy(ag->prev, ag->sort.rows, n * sizeof(*ag->sort.rows));
	ag->n_prev = n;
	return 0;
}

/* prev: the UDP flows of interval before, read from its flows (into rows, then sorted). */
static int read_prev(struct anomaly_agg *ag, int64_t before)
{
	size_t n = 0;
	int rc, err = agg_prepare_once(
			ag->db, &ag->before_udp,
			"SELECT c.src_id, c.dst_id, f.src_port, f.dst_port FROM "
			"intervals i CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id "
			"AND i.last_flow_id CROSS JOIN conversations c ON c.id = "
			"f.conversation_id WHERE i.id = ?1 AND c.protocol = 17");

	if (err)
		return err;
	ag->prev_id = 0;
	sqlite3_bind_int64(ag->before_udp, 1, before);
	while (!err && (rc = sqlite3_step(ag->before_udp)) == SQLITE_ROW) {
		if ((err = agg_sort_room(&ag->sort,
					 n + 1 > ag->sort.cap_rows ? 2 * n + 1024 : n + 1)))
			break;
		contact_key(ag->sort.rows[n].k, sqlite3_column_int64(ag->before_udp, 0),
			    sqlite3_column_int64(ag->before_udp, 1), 17,
			    (uint16_t)sqlite3_column_int(ag->before_udp, 2),
			    (uint16_t)sqlite3_column_int(ag->before_udp, 3));
		ag->sort.rows[n++].k[3] = 0;
	}
	sqlite3_reset(ag->before_udp);
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	if (!err)
		err = keep_as_prev(ag, sort_unique(ag, n));
	if (!err)
		ag->prev_id = before;
	return err;
}

/*
 * prev: the UDP flows of the interval stored before interval id (the
 * greatest smaller id) when it ended at ts_start, else none (*none). The
 * last interval written is still in prev; another (the recorder restarted,
 * or the write of the one before failed) is read from its flows.
 */
static int previous_udp(struct anomaly_agg *ag, int64_t id, int64_t ts_start, int *none)
{
	int64_t before;
	int err, rc;

	*none = 1;
	if ((err = agg_prepare_once(ag->db, &ag->before,
				    "SELECT id, ts_end FROM intervals WHERE id < ?1 "
				    "ORDER BY id DESC LIMIT 1")))
		return err;
	sqlite3_bind_int64(ag->before, 1, id);
	rc = sqlite3_step(ag->before);
	before = rc == SQLITE_ROW && sqlite3_column_int64(ag->before, 1) == ts_start
			 ? sqlite3_column_int64(ag->before, 0)
			 : 0;
	sqlite3_reset(ag->before);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -EIO;
	if (!before)
		return 0;
	*none = 0;
	return before == ag->prev_id ? 0 : read_prev(ag, before);
}

/* The row of key k among sorted u[0..n), or NULL. */
static const struct agg_key *find_key(const struct agg_key *u, size_t n, const struct agg_key *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(&u[mid], k);

		if (!c)
			return &u[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Whether UDP row r of the interval's sorted rows u[0..n) opened its
 * exchange: the other end sent nothing back (same addresses and ports
 * reversed), or its first packet came later (a tie: the lower address is
 * the opener). A host's flows to itself are each their exchange (the
 * migration's partition, ordered by the lower address first, sets them
 * apart).
 */
static int udp_opener(const struct anomaly_agg *ag, const struct agg_key *u, size_t n,
		      const struct agg_key *r)
{
	uint16_t sport = (uint16_t)(r->k[2] >> 16), dport = (uint16_t)r->k[2];
	uint64_t pair[2] = { r->k[1], r->k[0] };
	const struct agg_key *back;
	const uint64_t *flags;
	struct agg_key k;
	int found;

	if (r->k[0] == r->k[1])
		return 1;
	/* no UDP from the other host at all: the pairs table is small */
	if (!ag->pairs.cap)
		return 1;
	flags = agg_map_probe(&ag->pairs, pair, &found);
	if (!found || !(*flags & PAIR_UDP))
		return 1;
	contact_key(k.k, (int64_t)r->k[1], (int64_t)r->k[0], 17, dport, sport);
	if (!(back = find_key(u, n, &k)))
		return 1;
	if (back->k[3] != r->k[3])
		return (int64_t)r->k[3] < (int64_t)back->k[3];
	return r->k[0] < r->k[1];
}

/* contact_gaps_write()'s steps of ours: the contacts (rows) inserted; what is held counted. */
static int insert_contacts(void *ag, int64_t id, size_t n)
{
	return insert_rows(ag, T_CONTACTS, id, n);
}

static void note_peak_of(void *ag)
{
	note_peak(ag);
}

/*
 * interval_contacts: each TCP flow with a SYN; each UDP flow that opened its
 * exchange and whose addresses and ports sent nothing in the interval
 * before. The candidates sorted (rows), the interval before's walked along
 * them; the contacts into tmp, inserted from there; then this interval's
 * candidates become the next one's interval before.
 */
static int write_contacts(struct anomaly_agg *ag, int64_t id, int64_t ts_start)
{
	const struct contact_gaps_calls calls = { insert_contacts, note_peak_of, ag };
	size_t n, n_c = 0, at = 0;
	int64_t iv[4];
	int none, err = previous_udp(ag, id, ts_start, &none);

	if (!err)
		err = contact_gaps_interval(&ag->gaps, ag->db, id, iv);
	if (!err)
		err = contact_gaps_start(&ag->gaps, ag->db, &ag->sort, iv, ag->n_cands);
	if (!err)
		err = agg_sort_room(&ag->sort, ag->n_cands ? ag->n_cands : 1);
	if (err)
		return err;
	if (ag->n_cands) /* cands may be NULL yet */
		memcpy(ag->sort.rows, ag->cands, ag->n_cands * sizeof(*ag->cands));
	agg_array_give_back((void **)&ag->cands, &ag->cap_cands, sizeof(*ag->cands));
	n = sort_unique(ag, ag->n_cands);
	for (size_t i = 0; i < n; i++) {
		const struct agg_key *r = &ag->sort.rows[i];

		if (r->k[2] >> 32 == 17) {
			if (!udp_opener(ag, ag->sort.rows, n, r))
				continue;
			while (!none && at < ag->n_prev && key_cmp(&ag->prev[at], r) < 0)
				at++;
			if (!none && at < ag->n_prev && !key_cmp(&ag->prev[at], r))
				continue;
		}
		ag->sort.tmp[n_c++] = *r;
	}
	if ((err = keep_as_prev(ag, n)))
		return err;
	ag->prev_id = id;
	note_peak(ag);
	agg_sort_swap(&ag->sort);
	tmp_give_back(ag); /* the candidates, in prev now: nothing sorts after this */
	return contact_gaps_write(&ag->gaps, ag->db, ag->sort.rows, id, iv, n_c, &calls);
}

/* The sorting rows (both halves), given back when large. */
static void rows_give_back(struct anomaly_agg *ag)
{
	agg_array_give_back((void **)&ag->sort.rows, &ag->sort.cap_rows, sizeof(*ag->sort.rows));
	agg_array_give_back((void **)&ag->sort.tmp, &ag->sort.cap_tmp, sizeof(*ag->sort.tmp));
}

int anomaly_agg_write(struct anomaly_agg *ag, int64_t id, int64_t ts_start)
{
	size_t most, n = ag->convs.n;
	int err;

	note_peak(ag);
	/* conversation ids are looked up only while flows are added */
	agg_map_give_back(&ag->convs);
	ag->known_slot = NULL;
	err = add_conversations(ag, n);
	most = ag->addrs.n > ag->n_uflows ? ag->addrs.n : ag->n_uflows;
	most = most > ag->syn_keys.n ? most : ag->syn_keys.n;
	/* the sorts of these tables go in place when tmp has not the room */
	if (!err)
		err = agg_sort_room_for(&ag->sort.rows, &ag->sort.cap_rows, most ? most : 1);
	note_peak(ag);

	if (!err)
		err = write_sums(ag, T_DST, id);
	if (!err)
		err = write_sums(ag, T_OUT, id);
	agg_map_give_back(&ag->addrs);
	agg_array_give_back((void **)&ag->sums, &ag->cap_sums, sizeof(*ag->sums));
	if (!err)
		err = write_probes(ag, id);
	agg_map_give_back(&ag->udp);
	agg_array_give_back((void **)&ag->uflows, &ag->cap_uflows, sizeof(*ag->uflows));
	agg_array_give_back((void **)&ag->conv, &ag->cap_conv, sizeof(*ag->conv));
	if (!err)
		err = write_syn(ag, id);
	agg_map_give_back(&ag->syn_keys);
	agg_map_give_back(&ag->syn_srcs);
	agg_array_give_back((void **)&ag->syn_groups, &ag->cap_syn, sizeof(*ag->syn_groups));
	if (!err)
		err = write_contacts(ag, id, ts_start);
	agg_map_give_back(&ag->pairs);
	agg_array_give_back((void **)&ag->cands, &ag->cap_cands, sizeof(*ag->cands));
	contact_gaps_give_back(&ag->gaps);
	rows_give_back(ag);
	return err;
}

size_t anomaly_agg_bytes(const struct anomaly_agg *ag)
{
	return held_bytes(ag) - ag->cap_prev * sizeof(*ag->prev);
}

size_t anomaly_agg_peak_bytes(const struct anomaly_agg *ag)
{
	return ag->peak;
}
