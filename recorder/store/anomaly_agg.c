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
 * the flows as the store writes them, in hash tables: the same groupings in
 * SQL over the just-written rows made the interval's write 5x dearer at
 * 200,000 flows (their sorts and the join of every flow to its
 * conversation; bench/RESULTS.md). The contacts are sorted instead, and
 * walked along the interval before's sorted keys, which the store keeps
 * from one write to the next (two more hash tables of every UDP flow cost
 * the steady write ~40 % more; bench/RESULTS.md). Each contact's gaps to
 * its series' contacts before (sql/0021_contact_gaps.sql) come from the
 * last five contact times of each series of the last hour, kept from one
 * write to the next (struct contact_gaps), with their intervals: a contact
 * that ends a run of six within the hour (sql/0022_contact_runs.sql) adds a
 * row per interval of its run to contact_runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "anomaly_agg.h"
#include "probe_seen.h"
#include "series_set.h"

/*
 * An open-addressing map from a key of width words (the first never 0: 0
 * marks a free slot) to one word of value, doubled at half full.
 */
struct agg_map {
	uint64_t *slots; /* cap * (width + 1) words: the key, then the value */
	size_t cap, n;
	int width;
};

/* A row to sort: up to three key words, in the table's key order, and a value. */
struct agg_key {
	uint64_t k[4];
};

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

/*
 * Contacts' gaps (sql/0021_contact_gaps.sql): per series (addresses,
 * protocol, destination port), the times of its last GAP_RING contacts in
 * place, newest first, kept from one write to the next while the series made
 * contact in the last GAP_LOOKBACK_MS. Open addressing would need tombstones
 * to forget a series: the map is made again without the old ones instead
 * (gaps_sweep()).
 */
#define GAP_LOOKBACK_MS 3600000
#define GAP_RING 5
#define GAP_MAX_SERIES 262144  /* more in the last hour: forgotten, written as -1 */
#define GAP_FORGOT_MAX 1048576 /* series forgotten in the last hour whose names are kept */
#define GAP_NULL INT64_MIN     /* a column written NULL (insert_rows()) */

struct gap_ring {
	int64_t t[GAP_RING], iv[GAP_RING]; /* each contact's time and interval */
	int n;
	unsigned int in_run; /* bit k: t[k]'s contact_runs row written (1 << 0 newest) */
};

enum { GAPS_KEEP = 1, GAPS_RUNS = 2 }; /* gaps_apply(): into the rings; contact_runs rows */

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

struct anomaly_agg {
	sqlite3 *db;
	struct probe_seen *probes_seen; /* the probes' previous occurrences (0023) */
	struct contact_gaps gaps;
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
	struct agg_key *rows, *tmp; /* a table's rows, sorted; tmp: sort_rows()'s other half */
	size_t cap_rows, cap_tmp;
	/* (dst, iface << 32 | split + 1 << 16 | port) -> index in syn_groups;
	 * (index + 1, src): the sources of a group's attempts */
	struct agg_map syn_keys, syn_srcs;
	struct agg_syn *syn_groups;
	size_t cap_syn;
	size_t peak; /* anomaly_agg_peak_bytes() */
};

/* Every bit of every word moves the slot (MurmurHash3's finalizer a word). */
static uint64_t hash_key(const uint64_t *k, int width)
{
	uint64_t h = 0;

	for (int i = 0; i < width; i++) {
		h ^= k[i];
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 33;
	}
	return h;
}

/* The value slot of key in m (cap a power of two, a free slot left). */
static uint64_t *map_probe(const struct agg_map *m, const uint64_t *key, int *found)
{
	size_t stride = (size_t)m->width + 1, mask = m->cap - 1;

	for (size_t i = hash_key(key, m->width) & mask;; i = (i + 1) & mask) {
		uint64_t *s = m->slots + i * stride;

		int same = s[0] == key[0];

		for (int w = 1; same && w < m->width; w++)
			same = s[w] == key[w];
		*found = s[0] != 0;
		if (!s[0] || same)
			return s + m->width;
	}
}

/* m made cap slots (a power of two, room for its keys) in one block. */
static int map_grow(struct agg_map *m, size_t cap)
{
	struct agg_map g = { .cap = cap, .width = m->width };
	size_t stride = (size_t)m->width + 1;
	int found;

	g.slots = calloc(g.cap, stride * sizeof(*g.slots));
	if (!g.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		const uint64_t *s = m->slots + i * stride;
		uint64_t *v;

		if (!s[0])
			continue;
		v = map_probe(&g, s, &found);
		memcpy(v - m->width, s, stride * sizeof(*s));
	}
	g.n = m->n;
	free(m->slots);
	*m = g;
	return 0;
}

/*
 * Room in m for n keys at most half full, made at once: a map doubled as it
 * fills holds its old and its new table at each step (a million pairs took
 * 72 MB at the last step for a table of 48).
 */
static int map_reserve(struct agg_map *m, size_t n)
{
	size_t cap = 1024;

	while (cap < (n + 1) * 2)
		cap *= 2;
	return cap > m->cap ? map_grow(m, cap) : 0;
}

/* key's value in m, added as 0 when absent (*added); NULL when out of memory. */
static uint64_t *map_get(struct agg_map *m, const uint64_t *key, int *added)
{
	uint64_t *v;
	int found;

	if ((m->n + 1) * 2 > m->cap && map_grow(m, m->cap ? m->cap * 2 : 1024))
		return NULL;
	v = map_probe(m, key, &found);
	*added = !found;
	if (!found) {
		memcpy(v - m->width, key, (size_t)m->width * sizeof(*key));
		*v = 0;
		m->n++;
	}
	return v;
}

/* Empty; a table much larger than its last interval needed is given back. */
static void map_clear(struct agg_map *m)
{
	if (m->cap > 4096 && m->n * 16 < m->cap) {
		free(m->slots);
		m->slots = NULL;
		m->cap = 0;
	} else if (m->n) {
		memset(m->slots, 0, m->cap * ((size_t)m->width + 1) * sizeof(*m->slots));
	}
	m->n = 0;
}

static void map_free(struct agg_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

/*
 * A table or array larger than the steady state needs (200,000 flows an
 * interval fit in less), given back as soon as the write is done with it:
 * after an interval of a million new hosts they held ~180 MB until the next
 * interval's write (bench/RESULTS.md). Smaller ones are kept and reused.
 */
#define AG_KEEP_BYTES (16u << 20)

static size_t map_bytes(const struct agg_map *m)
{
	return m->cap * ((size_t)m->width + 1) * sizeof(*m->slots);
}

static void map_give_back(struct agg_map *m)
{
	if (map_bytes(m) > AG_KEEP_BYTES)
		map_free(m);
}

static void array_give_back(void **arr, size_t *cap, size_t elem)
{
	if (*cap * elem > AG_KEEP_BYTES) {
		free(*arr);
		*arr = NULL;
		*cap = 0;
	}
}

static void gaps_free(struct contact_gaps *g)
{
	series_set_clear(&g->forgot);
	map_free(&g->series);
	free(g->rings);
	free(g->v);
	free(g->runs);
	sqlite3_finalize(g->run);
	sqlite3_finalize(g->iv);
	sqlite3_finalize(g->back);
	sqlite3_finalize(g->reload);
}

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
	ag->gaps.series.width = 3;
	*out = ag;
	return 0;
}

void anomaly_agg_close(struct anomaly_agg *ag)
{
	if (!ag)
		return;
	for (int i = 0; i < AG_TABLES; i++)
		sqlite3_finalize(ag->batch[i]);
	map_free(&ag->convs);
	map_free(&ag->addrs);
	map_free(&ag->seen);
	map_free(&ag->pairs);
	map_free(&ag->udp);
	map_free(&ag->syn_keys);
	map_free(&ag->syn_srcs);
	free(ag->syn_groups);
	free(ag->cands);
	free(ag->prev);
	sqlite3_finalize(ag->before);
	sqlite3_finalize(ag->before_udp);
	gaps_free(&ag->gaps);
	probe_seen_close(ag->probes_seen);
	free(ag->sums);
	free(ag->conv);
	free(ag->uflows);
	free(ag->rows);
	free(ag->tmp);
	free(ag);
}

void anomaly_agg_start(struct anomaly_agg *ag)
{
	map_clear(&ag->convs);
	map_clear(&ag->addrs);
	map_clear(&ag->pairs);
	map_clear(&ag->udp);
	map_clear(&ag->syn_keys);
	map_clear(&ag->syn_srcs);
	ag->n_cands = 0;
	ag->n_sums = 0;
	ag->n_uflows = 0;
	ag->peak = 0;
}

/* Room for one more element in *arr (n used of *cap): doubled, from 1024. */
static int room_for_one(void **arr, size_t n, size_t *cap, size_t elem)
{
	size_t want = *cap ? *cap * 2 : 1024;
	void *grown;

	if (n < *cap)
		return 0;
	grown = realloc(*arr, want * elem);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = want;
	return 0;
}

/*
 * What the tables and arrays hold now, the UDP flows kept for the next write
 * (prev) too: the halves of rows and tmp apart (tmp is given back within the
 * write, tmp_give_back()).
 */
static size_t held_bytes(const struct anomaly_agg *ag)
{
	const struct contact_gaps *g = &ag->gaps;

	return map_bytes(&ag->convs) + map_bytes(&ag->addrs) + map_bytes(&ag->seen) +
	       map_bytes(&ag->pairs) + map_bytes(&ag->udp) + map_bytes(&ag->syn_keys) +
	       map_bytes(&ag->syn_srcs) + ag->cap_sums * sizeof(*ag->sums) +
	       ag->cap_conv * sizeof(*ag->conv) + ag->cap_uflows * sizeof(*ag->uflows) +
	       ag->cap_syn * sizeof(*ag->syn_groups) + ag->cap_cands * sizeof(*ag->cands) +
	       ag->cap_prev * sizeof(*ag->prev) + ag->cap_rows * sizeof(*ag->rows) +
	       ag->cap_tmp * sizeof(*ag->tmp) + g->cap_runs * sizeof(*g->runs) +
	       g->cap_v * sizeof(*g->v) + g->forgot.cap * sizeof(*g->forgot.slots) +
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

	if (room_for_one((void **)&ag->sums, ag->n_sums, &ag->cap_sums, sizeof(*ag->sums)))
		return NULL;
	v = map_get(&ag->addrs, &key, &added);
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
	ag->known_slot = map_probe(&ag->convs, &key, &found);
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
		__builtin_prefetch(ag->convs.slots + (hash_key(&key, 1) & (ag->convs.cap - 1)) * 2);
		return 0;
	}
	v = map_probe(&ag->convs, &key, &found);
	if (found)
		__builtin_prefetch(&ag->conv[*v]);
	return found;
}

/* The interval's entry of f's conversation; NULL when out of memory. */
static struct agg_conv *conv_entry(struct anomaly_agg *ag, const struct anomaly_agg_flow *f)
{
	uint64_t key = (uint64_t)f->conversation_id, *v;
	int added;

	if (room_for_one((void **)&ag->conv, ag->convs.n, &ag->cap_conv, sizeof(*ag->conv)))
		return NULL;
	/* a known conversation's slot as anomaly_agg_known() found it */
	if (ag->known_slot && ag->known_id == f->conversation_id && ag->known_slot[-1])
		return &ag->conv[*ag->known_slot];
	if (!(v = map_get(&ag->convs, &key, &added)))
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

/* A contacts key: addresses, protocol and ports. */
static void contact_key(uint64_t *k, int64_t src, int64_t dst, int proto, uint16_t sport,
			uint16_t dport)
{
	k[0] = (uint64_t)src;
	k[1] = (uint64_t)dst;
	k[2] = (uint64_t)proto << 32 | (uint64_t)sport << 16 | dport;
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
	if (room_for_one((void **)&ag->cands, ag->n_cands, &ag->cap_cands, sizeof(*ag->cands)))
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
	if (room_for_one((void **)&ag->syn_groups, ag->syn_keys.n, &ag->cap_syn,
			 sizeof(*ag->syn_groups)) ||
	    !(v = map_get(&ag->syn_keys, key, &added)))
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

		if (!(seen = map_get(&ag->syn_srcs, src, &added)))
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
	if (room_for_one((void **)&ag->uflows, ag->n_uflows, &ag->cap_uflows, sizeof(*ag->uflows)))
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
		map_free(&ag->seen);
		ag->seen.width = width;
	}
	map_clear(&ag->seen);
	return map_reserve(&ag->seen, n);
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
		if (!(flags = map_get(&ag->seen, pair, &added)))
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
		flags = map_probe(&ag->seen, back, &found);
		c->answered = found && (*flags & PAIR_UDP);
		if (c->answered && !(flags = map_get(&ag->pairs, pair, &added)))
			return -ENOMEM;
		if (c->answered)
			*flags |= PAIR_UDP;
	}
	note_peak(ag);
	map_give_back(&ag->seen);
	return err;
}

/* Room for n rows in *arr (of *cap). */
static int room_for(struct agg_key **arr, size_t *cap, size_t n)
{
	struct agg_key *r;

	if (n <= *cap)
		return 0;
	if (!(r = realloc(*arr, n * sizeof(*r))))
		return -ENOMEM;
	*arr = r;
	*cap = n;
	return 0;
}

/* Room for n rows to sort, and as many in tmp. */
static int rows_room(struct anomaly_agg *ag, size_t n)
{
	int err = room_for(&ag->rows, &ag->cap_rows, n);

	return err ? err : room_for(&ag->tmp, &ag->cap_tmp, n);
}

/* tmp given back when large, once nothing sorts rows any more in the write. */
static void tmp_give_back(struct anomaly_agg *ag)
{
	array_give_back((void **)&ag->tmp, &ag->cap_tmp, sizeof(*ag->tmp));
}

/* rows and tmp swapped, with their room. */
static void swap_halves(struct anomaly_agg *ag)
{
	struct agg_key *r = ag->rows;
	size_t cap = ag->cap_rows;

	ag->rows = ag->tmp;
	ag->cap_rows = ag->cap_tmp;
	ag->tmp = r;
	ag->cap_tmp = cap;
}

/* Whether a sorts before b on words [0, words), or with it. */
static int row_before(const struct agg_key *a, const struct agg_key *b, int words)
{
	for (int w = 0; w < words; w++)
		if (a->k[w] != b->k[w])
			return a->k[w] < b->k[w];
	return 1;
}

/* The byte after (*w, *shift), most significant first; 0 past the last word's lowest. */
static int next_byte(int *w, int *shift, int words)
{
	if ((*shift -= 8) >= 0)
		return 1;
	*shift = 56;
	return ++*w < words;
}

/*
 * r[0..n) sorted on words [0, words) in place, from byte (w, shift) on: an
 * American flag sort (each row swapped into its byte's bucket, then each
 * bucket on the next byte; bytes every row of a range has the same
 * skipped), small ranges by insertion. Not stable: no table needs it (their
 * keys are unique, or the rows that tie are the same, or sort_unique()
 * takes the least of them).
 */
static void sort_in_place(struct agg_key *r, size_t n, int words, int w, int shift)
{
	size_t at[256], end[256], lo = 0;

	for (;;) {
		if (n < 32) {
			for (size_t i = 1; i < n; i++) {
				struct agg_key v = r[i];
				size_t j = i;

				for (; j && !row_before(&r[j - 1], &v, words); j--)
					r[j] = r[j - 1];
				r[j] = v;
			}
			return;
		}
		memset(end, 0, sizeof(end));
		for (size_t i = 0; i < n; i++)
			end[r[i].k[w] >> shift & 0xff]++;
		if (end[r[0].k[w] >> shift & 0xff] != n)
			break;
		if (!next_byte(&w, &shift, words))
			return;
	}
	for (int b = 0; b < 256; b++) {
		at[b] = lo;
		end[b] = lo += end[b];
	}
	for (int b = 0; b < 256; b++) {
		while (at[b] < end[b]) {
			struct agg_key v = r[at[b]];
			int d = (int)(v.k[w] >> shift & 0xff);

			while (d != b) { /* v into its bucket, what was there on */
				struct agg_key t = r[at[d]];

				r[at[d]++] = v;
				v = t;
				d = (int)(v.k[w] >> shift & 0xff);
			}
			r[at[b]++] = v;
		}
	}
	if (!next_byte(&w, &shift, words))
		return;
	lo = 0;
	for (int b = 0; b < 256; b++) {
		if (end[b] - lo > 1)
			sort_in_place(r + lo, end[b] - lo, words, w, shift);
		lo = end[b];
	}
}

/*
 * rows[0..n) sorted on words [0, words) (a radix sort, a byte at a time from
 * the last word's lowest; bytes every row has the same skipped: ids are
 * small numbers). Into tmp and back when tmp has the room; else in place
 * (sort_in_place()): after a burst tmp is given back, and the burst's own
 * sums, probes and SYN groups are sorted without a second copy of their
 * rows (32 MB at 1M probes, the aggregates' peak: bench/RESULTS.md).
 *
 * The rows end in the array they started in, with its room: tmp can be the
 * smaller of the two (only rows grows for a table's rows, room_for()), and
 * an odd number of passes left them in tmp, where the next table's rows
 * overran it (a heap overflow, fixed in d6fd200;
 * tests/fuzz/fuzz_anomaly_agg.c).
 */
static void sort_rows(struct anomaly_agg *ag, size_t n, int words)
{
	const struct agg_key *home = ag->rows;

	if (n < 2)
		return;
	/* no other half that large (a burst's, given back): in place */
	if (ag->cap_tmp < n) {
		sort_in_place(ag->rows, n, words, 0, 56);
		return;
	}
	for (int w = words - 1; w >= 0; w--) {
		for (int shift = 0; shift < 64; shift += 8) {
			size_t count[257] = { 0 };

			for (size_t i = 0; i < n; i++)
				count[((ag->rows[i].k[w] >> shift) & 0xff) + 1]++;
			if (count[((ag->rows[0].k[w] >> shift) & 0xff) + 1] == n)
				continue;
			for (int b = 0; b < 256; b++)
				count[b + 1] += count[b];
			for (size_t i = 0; i < n; i++)
				ag->tmp[count[(ag->rows[i].k[w] >> shift) & 0xff]++] = ag->rows[i];
			swap_halves(ag);
		}
	}
	if (ag->rows != home) { /* an odd number of passes: back home */
		memcpy(ag->tmp, ag->rows, n * sizeof(*ag->rows));
		swap_halves(ag);
	}
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
			return ag->gaps.v[r - ag->rows].gap[c - 6];
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
				int64_t v = row_col(ag, t, &ag->rows[at + i], c - 1);

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
	int err = room_for(&ag->rows, &ag->cap_rows, ag->addrs.n ? ag->addrs.n : 1);

	if (err)
		return err;
	for (size_t i = 0; i < ag->addrs.cap; i++) {
		const uint64_t *s = ag->addrs.slots + i * stride;
		const struct agg_addr *a = &ag->sums[s[1]];

		/* a destination has a source; an outbound source, a peer */
		if (s[0] && (t == T_DST ? a->sources : a->peers))
			ag->rows[n++] = (struct agg_key){ { s[0], s[1], 0, 0 } };
	}
	sort_rows(ag, n, 1);
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
	int err = room_for(&ag->rows, &ag->cap_rows, ag->syn_keys.n ? ag->syn_keys.n : 1);

	if (err)
		return err;
	for (size_t i = 0; i < ag->syn_keys.cap; i++) {
		const uint64_t *s = ag->syn_keys.slots + i * 3;

		if (s[0] && ag->syn_groups[s[2]].counted)
			ag->rows[n++] =
				(struct agg_key){ { s[1] >> 32, s[0],
						    (s[1] & 0xffff) << 16 | (s[1] >> 16 & 0xffff),
						    s[2] } };
	}
	sort_rows(ag, n, 3);
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
	int added, found, err = room_for(&ag->rows, &ag->cap_rows, ag->n_uflows ? ag->n_uflows : 1);

	if (err) /* its own room: a no-op after anomaly_agg_write()'s, safe alone */
		return err;
	for (size_t i = 0; i < ag->n_uflows; i++) {
		udp_key(ag, &ag->uflows[i], 0, k);
		if (ag->conv[ag->uflows[i].conv].answered && !map_get(&ag->udp, k, &added))
			return -ENOMEM;
	}
	for (size_t i = 0; i < ag->n_uflows; i++) {
		const struct agg_udp_flow *u = &ag->uflows[i];
		struct agg_conv *c = &ag->conv[u->conv];

		if (u->dst_port >= 33434 && u->dst_port <= 33534)
			continue;
		if (c->answered) {
			udp_key(ag, u, 1, k);
			map_probe(&ag->udp, k, &found);
			if (found)
				continue;
		}
		/* a conversation's flows to one port (many source ports): one row */
		if (c->last_port == u->dst_port + 1u)
			continue;
		c->last_port = u->dst_port + 1u;
		udp_key(ag, u, 0, k);
		ag->rows[n++] = (struct agg_key){ { k[0], k[1], u->dst_port, 0 } };
	}
	sort_rows(ag, n, 3);
	for (size_t i = 0; i < n; i++) /* from two source ports: one probe */
		if (!kept || memcmp(&ag->rows[i], &ag->rows[kept - 1], sizeof(*ag->rows)))
			ag->rows[kept++] = ag->rows[i];
	if ((!ag->probes_seen && (err = probe_seen_open(&ag->probes_seen, ag->db))) ||
	    (err = probe_seen_apply(ag->probes_seen, id, ag->rows->k, 4, kept)))
		return err;
	return insert_rows(ag, T_PROBES, id, kept);
}

/* Prepare *s once (kept: its text is one of this file's). */
static int prepare_once(struct anomaly_agg *ag, sqlite3_stmt **s, const char *sql)
{
	if (*s)
		return 0;
	return sqlite3_prepare_v3(ag->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) == SQLITE_OK
		       ? 0
		       : -EIO;
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

	sort_rows(ag, n, 3);
	for (size_t i = 0; i < n; i++) {
		if (kept && !key_cmp(&ag->rows[i], &ag->rows[kept - 1])) {
			if ((int64_t)ag->rows[i].k[3] < (int64_t)ag->rows[kept - 1].k[3])
				ag->rows[kept - 1].k[3] = ag->rows[i].k[3];
			continue;
		}
		ag->rows[kept++] = ag->rows[i];
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
		memcpy(ag->prev, ag->rows, n * sizeof(*ag->rows));
	ag->n_prev = n;
	return 0;
}

/* prev: the UDP flows of interval before, read from its flows (into rows, then sorted). */
static int read_prev(struct anomaly_agg *ag, int64_t before)
{
	size_t n = 0;
	int rc, err = prepare_once(ag, &ag->before_udp,
				   "SELECT c.src_id, c.dst_id, f.src_port, f.dst_port FROM "
				   "intervals i CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id "
				   "AND i.last_flow_id CROSS JOIN conversations c ON c.id = "
				   "f.conversation_id WHERE i.id = ?1 AND c.protocol = 17");

	if (err)
		return err;
	ag->prev_id = 0;
	sqlite3_bind_int64(ag->before_udp, 1, before);
	while (!err && (rc = sqlite3_step(ag->before_udp)) == SQLITE_ROW) {
		if ((err = rows_room(ag, n + 1 > ag->cap_rows ? 2 * n + 1024 : n + 1)))
			break;
		contact_key(ag->rows[n].k, sqlite3_column_int64(ag->before_udp, 0),
			    sqlite3_column_int64(ag->before_udp, 1), 17,
			    (uint16_t)sqlite3_column_int(ag->before_udp, 2),
			    (uint16_t)sqlite3_column_int(ag->before_udp, 3));
		ag->rows[n++].k[3] = 0;
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
	if ((err = prepare_once(ag, &ag->before,
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
	flags = map_probe(&ag->pairs, pair, &found);
	if (!found || !(*flags & PAIR_UDP))
		return 1;
	contact_key(k.k, (int64_t)r->k[1], (int64_t)r->k[0], 17, dport, sport);
	if (!(back = find_key(u, n, &k)))
		return 1;
	if (back->k[3] != r->k[3])
		return (int64_t)r->k[3] < (int64_t)back->k[3];
	return r->k[0] < r->k[1];
}

/* Empty rings: they hold every contact in place from known_ms on. */
static void rings_forget(struct contact_gaps *g, int64_t known_ms)
{
	map_clear(&g->series);
	if (g->cap_rings > 4096) { /* a burst of new hosts: given back */
		free(g->rings);
		g->rings = NULL;
		g->cap_rings = 0;
	}
	g->n_rings = g->swept = 0;
	g->known_ms = known_ms;
}

/* Forget every series, and that any was forgotten: nothing before known_ms is known. */
static void gaps_forget(struct contact_gaps *g, int64_t known_ms)
{
	series_set_clear(&g->forgot);
	rings_forget(g, known_ms);
}

/*
 * The series whose last contact is before lo_ms dropped (no contact in place
 * of a later interval of the stretch is within the lookback of theirs): the
 * map made again from the rings left.
 */
static int gaps_sweep(struct contact_gaps *g, int64_t lo_ms)
{
	struct agg_map m = { .width = 3 };
	struct gap_ring *rings = malloc((g->n_rings ? g->n_rings : 1) * sizeof(*rings));
	size_t stride = 4, kept = 0;
	int added;

	if (!rings)
		return -ENOMEM;
	for (size_t i = 0; i < g->series.cap; i++) {
		const uint64_t *s = g->series.slots + i * stride;
		uint64_t *v;

		if (!s[0] || g->rings[s[3]].t[0] < lo_ms)
			continue;
		if (!(v = map_get(&m, s, &added))) {
			map_free(&m);
			free(rings);
			return -ENOMEM;
		}
		rings[kept] = g->rings[s[3]];
		*v = kept++;
	}
	map_free(&g->series);
	free(g->rings);
	g->series = m;
	g->rings = rings;
	g->cap_rings = g->n_rings ? g->n_rings : 1;
	g->n_rings = g->swept = kept;
	if (lo_ms > g->known_ms)
		g->known_ms = lo_ms;
	return 0;
}

/* The ring of series key k, made empty when new; NULL when out of memory. */
static struct gap_ring *gaps_ring(struct contact_gaps *g, const uint64_t *k)
{
	uint64_t *v;
	int added;

	if (room_for_one((void **)&g->rings, g->n_rings, &g->cap_rings, sizeof(*g->rings)))
		return NULL;
	if (!(v = map_get(&g->series, k, &added)))
		return NULL;
	if (added) {
		*v = g->n_rings;
		g->rings[g->n_rings++] = (struct gap_ring){ .n = 0 };
	}
	return &g->rings[*v];
}

/* t (ms), a contact of interval id (its contact_runs row written: in_run), into ring r. */
static void ring_push(struct gap_ring *r, int64_t t, int64_t id, int in_run)
{
	memmove(r->t + 1, r->t, (GAP_RING - 1) * sizeof(*r->t));
	memmove(r->iv + 1, r->iv, (GAP_RING - 1) * sizeof(*r->iv));
	r->t[0] = t;
	r->iv[0] = id;
	r->in_run = (r->in_run << 1 | (in_run != 0)) & ((1u << GAP_RING) - 1);
	if (r->n < GAP_RING)
		r->n++;
}

/* A contact's series key (contact_key()'s words, source port left out). */
static void series_key(uint64_t *s, const struct agg_key *r)
{
	s[0] = r->k[0];
	s[1] = r->k[1];
	s[2] = (r->k[2] >> 32) << 16 | (r->k[2] & 0xffff);
}

/* Whether contact r of an interval of len_ms lies in it (its gaps are known). */
static int placed(const struct agg_key *r, int64_t len_ms)
{
	return (int64_t)r->k[3] >= 0 && (int64_t)r->k[3] < len_ms;
}

/* Series, then first packet, then source port (qsort_r over gap_row.order). */
static int series_cmp(const void *a, const void *b, void *arg)
{
	const struct agg_key *x = (const struct agg_key *)arg + ((const struct gap_row *)a)->order,
			     *y = (const struct agg_key *)arg + ((const struct gap_row *)b)->order;
	uint64_t kx[3], ky[3];

	series_key(kx, x);
	series_key(ky, y);
	for (int w = 0; w < 3; w++)
		if (kx[w] != ky[w])
			return kx[w] < ky[w] ? -1 : 1;
	if (x->k[3] != y->k[3])
		return (int64_t)x->k[3] < (int64_t)y->k[3] ? -1 : 1;
	return (x->k[2] >> 16 & 0xffff) < (y->k[2] >> 16 & 0xffff) ? -1 : 1;
}

/*
 * The rings forgotten for want of room (write_gaps()), their series kept in
 * forgot, and rows[0..n)'s (the interval's, when the rings do not take them):
 * a series of a later contact found in neither the rings nor forgot had no
 * contact from forgot_from on, so its gaps are still known (a burst of new
 * hosts spread over two intervals is judged in both). Past GAP_FORGOT_MAX
 * series forgot is forgotten too: every series not in the rings is then
 * not known, as before it was kept.
 */
static void gaps_overflow(struct contact_gaps *g, const struct agg_key *rows, size_t n,
			  int64_t known_ms)
{
	int err = g->forgot.n + g->n_rings + n > GAP_FORGOT_MAX ? -ENOSPC : 0;
	uint64_t k[3];

	if (!g->forgot.n)
		g->forgot_from = g->known_ms;
	if (!err) /* at once: a doubling would hold both tables (a million: 16 + 8 MB) */
		err = series_set_reserve(&g->forgot, g->forgot.n + g->n_rings + n);
	for (size_t i = 0; !err && i < g->series.cap; i++) {
		const uint64_t *slot = g->series.slots + i * 4;

		if (slot[0])
			err = series_set_add(&g->forgot, hash_key(slot, 3));
	}
	for (size_t i = 0; !err && i < n; i++) {
		series_key(k, &rows[i]);
		err = series_set_add(&g->forgot, hash_key(k, 3));
	}
	if (err)
		series_set_clear(&g->forgot);
	rings_forget(g, known_ms);
}

/*
 * The gap to the nth contact before (1 or GAP_RING) of a contact at t whose
 * series' last ones are r: NULL when there is none, or more than the
 * lookback before; -1 when the rings may have forgotten it.
 */
static int64_t ring_gap(const struct contact_gaps *g, const struct gap_ring *r, uint64_t fp, int n,
			int64_t t)
{
	int64_t lo = t - GAP_LOOKBACK_MS;

	if (r && r->n >= n)
		return t - r->t[n - 1] <= GAP_LOOKBACK_MS ? t - r->t[n - 1] : GAP_NULL;
	if (lo >= g->known_ms)
		return GAP_NULL;
	/* its contacts before known_ms: none if forgot knew them and has not the series */
	return g->forgot.n && lo >= g->forgot_from && !series_set_has(&g->forgot, fp) ? GAP_NULL
										      : -1;
}

/*
 * A contact_runs row: series s (series_key()'s words) in interval id. Of
 * unknown gaps (a contact of the interval written), the interval's mark only
 * when s is the least such series so far: one mark is all the rule asks (a
 * burst of a million new hosts would write as many rows otherwise).
 */
static int run_add(struct contact_gaps *g, int64_t id, const uint64_t *s, int unknown)
{
	if (unknown) {
		int w = 0;

		while (g->has_unknown && w < 2 && s[w] == g->unknown[w])
			w++;
		if (!g->has_unknown || s[w] < g->unknown[w])
			memcpy(g->unknown, s, sizeof(g->unknown));
		g->has_unknown = 1;
		return 0;
	}
	if (room_for_one((void **)&g->runs, g->n_runs, &g->cap_runs, sizeof(*g->runs)))
		return -ENOMEM;
	g->runs[g->n_runs++] = (struct agg_key){ { (uint64_t)id, s[0], s[1], s[2] << 1 } };
	return 0;
}

/*
 * The contact_runs rows of a contact in place of interval id whose gaps are
 * gap (r: its series' ring before it): of unknown gaps, the interval's mark;
 * the end of a run (gap5_ms under the hour), its own (*in_run) and its five
 * before's, those not written yet (a series calling every minute would
 * write each row six times).
 */
static int runs_of(struct contact_gaps *g, struct gap_ring *r, const uint64_t *s, int64_t id,
		   const int64_t *gap, int *in_run)
{
	int err = 0;

	*in_run = 0;
	if (gap[1] == -1)
		return run_add(g, id, s, 1);
	if (gap[1] < 0 || gap[1] >= GAP_LOOKBACK_MS)
		return 0;
	err = run_add(g, id, s, 0);
	*in_run = !err;
	for (int k = 0; !err && k < GAP_RING; k++) {
		if (r->in_run & 1u << k)
			continue;
		err = run_add(g, r->iv[k], s, 0);
		r->in_run |= 1u << k;
	}
	return err;
}

/*
 * gap_ms and gap5_ms (v) of rows[0..n), the contacts of interval id from
 * ts_start of len_ms, in place, in series then time order; each into its
 * series' ring (GAPS_KEEP: the rings take them; a ring of one contact's
 * series otherwise: a copy); with GAPS_RUNS, their contact_runs rows into
 * runs (a contact not in place, or of unknown gaps: the interval marked).
 */
static int gaps_apply(struct contact_gaps *g, const struct agg_key *rows, size_t n,
		      const int64_t *iv, int flags)
{
	int64_t id = iv[0], ts_start = iv[1], len_ms = iv[2];
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		g->v[i].gap[0] = g->v[i].gap[1] = GAP_NULL;
		if (placed(&rows[i], len_ms)) {
			g->v[m++].order = (uint32_t)i;
		} else if (flags & GAPS_RUNS) {
			uint64_t k[3];

			series_key(k, &rows[i]);
			if (run_add(g, id, k, 1))
				return -ENOMEM;
		}
	}
	if (m) /* v may be NULL yet */
		qsort_r(g->v, m, sizeof(*g->v), series_cmp, (void *)rows);
	for (size_t i = 0, end; i < m; i = end) {
		uint64_t k[3], next[3];
		struct gap_ring *r, copy = { .n = 0 };
		uint64_t fp;
		int found;

		series_key(k, &rows[g->v[i].order]);
		fp = g->forgot.n ? hash_key(k, 3) : 0;
		for (end = i + 1; end < m; end++) {
			series_key(next, &rows[g->v[end].order]);
			if (memcmp(k, next, sizeof(k)))
				break;
		}
		if (flags & GAPS_KEEP) {
			if (!(r = gaps_ring(g, k)))
				return -ENOMEM;
		} else {
			const uint64_t *v = g->series.cap ? map_probe(&g->series, k, &found) : NULL;

			if (v && found)
				copy = g->rings[*v];
			r = &copy;
		}
		for (size_t j = i; j < end; j++) {
			struct gap_row *row = &g->v[g->v[j].order];
			int64_t t = ts_start * 1000 + (int64_t)rows[g->v[j].order].k[3];
			int in_run = 0;

			row->gap[0] = ring_gap(g, r, fp, 1, t);
			row->gap[1] = ring_gap(g, r, fp, GAP_RING, t);
			if ((flags & GAPS_RUNS) && runs_of(g, r, k, id, row->gap, &in_run))
				return -ENOMEM;
			ring_push(r, t, id, in_run);
		}
	}
	return 0;
}

/* Room in v for n rows. */
static int gaps_room(struct contact_gaps *g, size_t n)
{
	struct gap_row *v;

	if (n <= g->cap_v)
		return 0;
	if (!(v = realloc(g->v, n * sizeof(*v))))
		return -ENOMEM;
	g->v = v;
	g->cap_v = n;
	return 0;
}

/* Interval id's start and end, and the id and end of the one stored before it (0: none). */
static int gaps_interval(struct anomaly_agg *ag, int64_t id, int64_t *iv)
{
	int rc, err = prepare_once(ag, &ag->gaps.iv,
				   "SELECT i.ts_start, i.ts_end, b.id, b.ts_end FROM intervals i "
				   "LEFT JOIN intervals b ON b.id = (SELECT max(id) FROM intervals "
				   "WHERE id < i.id) WHERE i.id = ?1");

	if (err)
		return err;
	sqlite3_bind_int64(ag->gaps.iv, 1, id);
	rc = sqlite3_step(ag->gaps.iv);
	for (int c = 0; c < 4; c++)
		iv[c] = rc == SQLITE_ROW ? sqlite3_column_int64(ag->gaps.iv, c) : 0;
	sqlite3_reset(ag->gaps.iv);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* The contacts of interval id (from ts_start, len_ms long) into the rings. */
static int gaps_read(struct anomaly_agg *ag, int64_t id, int64_t ts_start, int64_t len_ms)
{
	size_t n = 0;
	int rc, err = prepare_once(ag, &ag->gaps.reload,
				   "SELECT src_id, dst_id, protocol, src_port, dst_port, first_ms "
				   "FROM interval_contacts WHERE interval_id = ?1");

	if (err)
		return err;
	sqlite3_bind_int64(ag->gaps.reload, 1, id);
	while ((rc = sqlite3_step(ag->gaps.reload)) == SQLITE_ROW) {
		sqlite3_stmt *s = ag->gaps.reload;

		if ((err = rows_room(ag, n + 1 > ag->cap_rows ? 2 * n + 1024 : n + 1)))
			break;
		contact_key(ag->rows[n].k, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			    sqlite3_column_int(s, 2), (uint16_t)sqlite3_column_int(s, 3),
			    (uint16_t)sqlite3_column_int(s, 4));
		ag->rows[n++].k[3] = (uint64_t)sqlite3_column_int64(s, 5);
	}
	sqlite3_reset(ag->gaps.reload);
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	if (!err)
		err = gaps_room(&ag->gaps, n);
	return err ? err
		   : gaps_apply(&ag->gaps, ag->rows, n, (const int64_t[]){ id, ts_start, len_ms },
				GAPS_KEEP);
}

/*
 * The rings from the table (the recorder started, or the write of the
 * interval before failed): the contacts of the intervals stored up to
 * before, back to the start of their stretch or the first that ended an
 * hour or more before lo_ms + the lookback, in id order.
 */
static int gaps_reload(struct anomaly_agg *ag, int64_t before, int64_t lo_ms)
{
	struct contact_gaps *g = &ag->gaps;
	int64_t(*ivs)[3] = NULL, start = INT64_MAX;
	size_t n = 0, cap = 0;
	int rc, err = prepare_once(ag, &g->back,
				   "SELECT id, ts_start, ts_end FROM intervals WHERE id <= ?1 "
				   "ORDER BY id DESC");

	gaps_forget(g, lo_ms);
	if (err)
		return err;
	sqlite3_bind_int64(g->back, 1, before);
	while ((rc = sqlite3_step(g->back)) == SQLITE_ROW) {
		int64_t iv[3] = { sqlite3_column_int64(g->back, 0),
				  sqlite3_column_int64(g->back, 1),
				  sqlite3_column_int64(g->back, 2) };

		if (iv[2] > start || iv[2] * 1000 <= lo_ms)
			break; /* the stretch starts after it; or its contacts are too old */
		if ((err = room_for_one((void **)&ivs, n, &cap, sizeof(*ivs))))
			break;
		memcpy(ivs[n++], iv, sizeof(iv));
		start = iv[1];
	}
	sqlite3_reset(g->back);
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = -EIO;
	while (!err && n--) {
		err = gaps_read(ag, ivs[n][0], ivs[n][1], (ivs[n][2] - ivs[n][1]) * 1000);
		if (!err && g->n_rings > GAP_MAX_SERIES) {
			gaps_forget(g, ivs[0][2] * 1000);
			break;
		}
	}
	free(ivs);
	return err;
}

/*
 * The rings ready for the interval being written (iv: gaps_interval()'s)
 * and its n_cands candidate contacts: forgotten at the start of a stretch,
 * read again when they are not up to the interval before, old series swept
 * out as they grow (past GAP_MAX_SERIES they are forgotten by write_gaps()).
 */
static int gaps_start(struct anomaly_agg *ag, const int64_t *iv)
{
	struct contact_gaps *g = &ag->gaps;
	int64_t lo_ms = iv[0] * 1000 - GAP_LOOKBACK_MS;
	size_t want = ag->n_cands;
	int err = 0;

	if (!iv[2] || iv[3] > iv[0])
		gaps_forget(g, INT64_MIN);
	else if (g->id != iv[2])
		err = gaps_reload(ag, iv[2], lo_ms);
	g->id = 0;
	if (g->forgot.n && lo_ms >= g->known_ms) /* no contact from now on looks back so far */
		series_set_clear(&g->forgot);
	if (!err && g->n_rings + want > 2 * (g->swept > 4096 ? g->swept : 4096))
		err = gaps_sweep(g, lo_ms);
	return err;
}

/* runs[] sorted on all four words (interval, src, dst, then the rest). */
static int run_cmp(const void *a, const void *b)
{
	const struct agg_key *x = a, *y = b;

	for (int w = 0; w < 4; w++)
		if (x->k[w] != y->k[w])
			return x->k[w] < y->k[w] ? -1 : 1;
	return 0;
}

/*
 * The contact_runs rows of the interval written (runs), a row per interval
 * and series, unknown if any was: the rows of earlier intervals (a run's
 * contacts before) may be there already, unknown then kept if it was.
 */
static int write_runs(struct anomaly_agg *ag, int64_t id)
{
	struct contact_gaps *g = &ag->gaps;
	int err = 0;

	if (g->has_unknown) {
		if (room_for_one((void **)&g->runs, g->n_runs, &g->cap_runs, sizeof(*g->runs)))
			return -ENOMEM;
		g->runs[g->n_runs++] =
			(struct agg_key){ { (uint64_t)id, g->unknown[0], g->unknown[1],
					    g->unknown[2] << 1 | 1 } };
		g->has_unknown = 0;
	}
	err = prepare_once(ag, &g->run,
			   "INSERT INTO contact_runs (interval_id, src_id, dst_id, protocol, "
			   "dst_port, unknown) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO "
			   "UPDATE SET unknown = max(unknown, excluded.unknown)");

	if (g->n_runs) /* runs may be NULL yet */
		qsort(g->runs, g->n_runs, sizeof(*g->runs), run_cmp);
	for (size_t i = 0; !err && i < g->n_runs; i++) {
		const uint64_t *k = g->runs[i].k;

		/* the next row of the same series: unknown (1) sorts after 0 */
		if (i + 1 < g->n_runs && !memcmp(k, g->runs[i + 1].k, 3 * sizeof(*k)) &&
		    k[3] >> 1 == g->runs[i + 1].k[3] >> 1)
			continue;
		for (int c = 0; c < 3; c++)
			sqlite3_bind_int64(g->run, c + 1, (int64_t)k[c]);
		sqlite3_bind_int64(g->run, 4, (int64_t)(k[3] >> 17));
		sqlite3_bind_int64(g->run, 5, (int64_t)(k[3] >> 1 & 0xffff));
		sqlite3_bind_int64(g->run, 6, (int64_t)(k[3] & 1));
		if (sqlite3_step(g->run) != SQLITE_DONE)
			err = -EIO;
		sqlite3_reset(g->run);
	}
	g->n_runs = 0;
	return err;
}

/*
 * The gaps of the interval's contacts (rows[0..n_c), iv: gaps_interval()'s),
 * their rows and contact_runs'. With too many series for the rings (a burst
 * of new hosts) the gaps still come from the rings as they are, exact, so the
 * burst is judged; then the rings are forgotten and given this interval's
 * contacts alone (none if it has too many itself) once its rows are written.
 */
static int write_gaps(struct anomaly_agg *ag, int64_t id, const int64_t *iv, size_t n_c)
{
	const int64_t span[3] = { id, iv[0], (iv[1] - iv[0]) * 1000 };
	int keep = ag->gaps.n_rings + n_c <= GAP_MAX_SERIES, err;

	ag->gaps.n_runs = 0;
	ag->gaps.has_unknown = 0;
	if ((err = gaps_room(&ag->gaps, n_c ? n_c : 1)) ||
	    (err = gaps_apply(&ag->gaps, ag->rows, n_c, span, GAPS_RUNS | (keep ? GAPS_KEEP : 0))))
		return err;
	err = insert_rows(ag, T_CONTACTS, id, n_c);
	if (!err)
		err = write_runs(ag, id);
	if (!err && !keep) {
		gaps_overflow(&ag->gaps, ag->rows, n_c <= GAP_MAX_SERIES ? 0 : n_c,
			      (n_c <= GAP_MAX_SERIES ? iv[0] : iv[1]) * 1000);
		note_peak(ag);
		if (n_c <= GAP_MAX_SERIES)
			err = gaps_apply(&ag->gaps, ag->rows, n_c, span, GAPS_KEEP);
	}
	if (!err)
		ag->gaps.id = id;
	return err;
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
	size_t n, n_c = 0, at = 0;
	int64_t iv[4];
	int none, err = previous_udp(ag, id, ts_start, &none);

	if (!err)
		err = gaps_interval(ag, id, iv);
	if (!err)
		err = gaps_start(ag, iv);
	if (!err)
		err = rows_room(ag, ag->n_cands ? ag->n_cands : 1);
	if (err)
		return err;
	if (ag->n_cands) /* cands may be NULL yet */
		memcpy(ag->rows, ag->cands, ag->n_cands * sizeof(*ag->cands));
	array_give_back((void **)&ag->cands, &ag->cap_cands, sizeof(*ag->cands));
	n = sort_unique(ag, ag->n_cands);
	for (size_t i = 0; i < n; i++) {
		const struct agg_key *r = &ag->rows[i];

		if (r->k[2] >> 32 == 17) {
			if (!udp_opener(ag, ag->rows, n, r))
				continue;
			while (!none && at < ag->n_prev && key_cmp(&ag->prev[at], r) < 0)
				at++;
			if (!none && at < ag->n_prev && !key_cmp(&ag->prev[at], r))
				continue;
		}
		ag->tmp[n_c++] = *r;
	}
	if ((err = keep_as_prev(ag, n)))
		return err;
	ag->prev_id = id;
	note_peak(ag);
	swap_halves(ag);
	tmp_give_back(ag); /* the candidates, in prev now: nothing sorts after this */
	return write_gaps(ag, id, iv, n_c);
}

/* The sorting rows (both halves), given back when large. */
static void rows_give_back(struct anomaly_agg *ag)
{
	array_give_back((void **)&ag->rows, &ag->cap_rows, sizeof(*ag->rows));
	array_give_back((void **)&ag->tmp, &ag->cap_tmp, sizeof(*ag->tmp));
}

int anomaly_agg_write(struct anomaly_agg *ag, int64_t id, int64_t ts_start)
{
	size_t most, n = ag->convs.n;
	int err;

	note_peak(ag);
	/* conversation ids are looked up only while flows are added */
	map_give_back(&ag->convs);
	ag->known_slot = NULL;
	err = add_conversations(ag, n);
	most = ag->addrs.n > ag->n_uflows ? ag->addrs.n : ag->n_uflows;
	most = most > ag->syn_keys.n ? most : ag->syn_keys.n;
	/* the sorts of these tables go in place when tmp has not the room */
	if (!err)
		err = room_for(&ag->rows, &ag->cap_rows, most ? most : 1);
	note_peak(ag);

	if (!err)
		err = write_sums(ag, T_DST, id);
	if (!err)
		err = write_sums(ag, T_OUT, id);
	map_give_back(&ag->addrs);
	array_give_back((void **)&ag->sums, &ag->cap_sums, sizeof(*ag->sums));
	if (!err)
		err = write_probes(ag, id);
	map_give_back(&ag->udp);
	array_give_back((void **)&ag->uflows, &ag->cap_uflows, sizeof(*ag->uflows));
	array_give_back((void **)&ag->conv, &ag->cap_conv, sizeof(*ag->conv));
	if (!err)
		err = write_syn(ag, id);
	map_give_back(&ag->syn_keys);
	map_give_back(&ag->syn_srcs);
	array_give_back((void **)&ag->syn_groups, &ag->cap_syn, sizeof(*ag->syn_groups));
	if (!err)
		err = write_contacts(ag, id, ts_start);
	map_give_back(&ag->pairs);
	array_give_back((void **)&ag->cands, &ag->cap_cands, sizeof(*ag->cands));
	array_give_back((void **)&ag->gaps.runs, &ag->gaps.cap_runs, sizeof(*ag->gaps.runs));
	array_give_back((void **)&ag->gaps.v, &ag->gaps.cap_v, sizeof(*ag->gaps.v));
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
