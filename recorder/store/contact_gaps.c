// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * contact_gaps.c - each contact's gaps to its series' contacts before
 * (sql/0021_contact_gaps.sql), and the runs of six within the hour they
 * end (sql/0022_contact_runs.sql), from the last five contact times of
 * each series of the last hour, kept from one write to the next: a
 * contact that ends a run adds a row per interval of its run to
 * contact_runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "contact_gaps.h"

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

struct gap_ring {
	int64_t t[GAP_RING], iv[GAP_RING]; /* each contact's time and interval */
	int n;
	unsigned int in_run; /* bit k: t[k]'s contact_runs row written (1 << 0 newest) */
};

enum { GAPS_KEEP = 1, GAPS_RUNS = 2 }; /* gaps_apply(): into the rings; contact_runs rows */

void contact_gaps_init(struct contact_gaps *g)
{
	g->series.width = 3;
}

void contact_gaps_free(struct contact_gaps *g)
{
	series_set_clear(&g->forgot);
	agg_map_free(&g->series);
	free(g->rings);
	free(g->v);
	free(g->runs);
	sqlite3_finalize(g->run);
	sqlite3_finalize(g->iv);
	sqlite3_finalize(g->back);
	sqlite3_finalize(g->reload);
}

/* Empty rings: they hold every contact in place from known_ms on. */
static void rings_forget(struct contact_gaps *g, int64_t known_ms)
{
	agg_map_clear(&g->series);
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
		if (!(v = agg_map_get(&m, s, &added))) {
			agg_map_free(&m);
			free(rings);
			return -ENOMEM;
		}
		rings[kept] = g->rings[s[3]];
		*v = kept++;
	}
	agg_map_free(&g->series);
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

	if (agg_room_for_one((void **)&g->rings, g->n_rings, &g->cap_rings, sizeof(*g->rings)))
		return NULL;
	if (!(v = agg_map_get(&g->series, k, &added)))
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
 * The rings forgotten for want of room (contact_gaps_write()), their series
 * kept in forgot, and rows[0..n)'s (the interval's, when the rings do not take them):
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
			err = series_set_add(&g->forgot, agg_map_hash(slot, 3));
	}
	for (size_t i = 0; !err && i < n; i++) {
		series_key(k, &rows[i]);
		err = series_set_add(&g->forgot, agg_map_hash(k, 3));
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
	if (agg_room_for_one((void **)&g->runs, g->n_runs, &g->cap_runs, sizeof(*g->runs)))
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
		fp = g->forgot.n ? agg_map_hash(k, 3) : 0;
		for (end = i + 1; end < m; end++) {
			series_key(next, &rows[g->v[end].order]);
			if (memcmp(k, next, sizeof(k)))
				break;
		}
		if (flags & GAPS_KEEP) {
			if (!(r = gaps_ring(g, k)))
				return -ENOMEM;
		} else {
			const uint64_t *v =
				g->series.cap ? agg_map_probe(&g->series, k, &found) : NULL;

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

int contact_gaps_interval(struct contact_gaps *g, sqlite3 *db, int64_t id, int64_t *iv)
{
	int rc, err = agg_prepare_once(
			db, &g->iv,
			"SELECT i.ts_start, i.ts_end, b.id, b.ts_end FROM intervals i "
			"LEFT JOIN intervals b ON b.id = (SELECT max(id) FROM intervals "
			"WHERE id < i.id) WHERE i.id = ?1");

	if (err)
		return err;
	sqlite3_bind_int64(g->iv, 1, id);
	rc = sqlite3_step(g->iv);
	for (int c = 0; c < 4; c++)
		iv[c] = rc == SQLITE_ROW ? sqlite3_column_int64(g->iv, c) : 0;
	sqlite3_reset(g->iv);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* The contacts of interval id (from ts_start, len_ms long) into the rings, through sort's rows. */
static int gaps_read(struct contact_gaps *g, sqlite3 *db, struct agg_sort *sort, int64_t id,
		     int64_t ts_start, int64_t len_ms)
{
	size_t n = 0;
	int rc, err = agg_prepare_once(
			db, &g->reload,
			"SELECT src_id, dst_id, protocol, src_port, dst_port, first_ms "
			"FROM interval_contacts WHERE interval_id = ?1");

	if (err)
		return err;
	sqlite3_bind_int64(g->reload, 1, id);
	while ((rc = sqlite3_step(g->reload)) == SQLITE_ROW) {
		sqlite3_stmt *s = g->reload;

		if ((err = agg_sort_room(sort, n + 1 > sort->cap_rows ? 2 * n + 1024 : n + 1)))
			break;
		contact_key(sort->rows[n].k, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			    sqlite3_column_int(s, 2), (uint16_t)sqlite3_column_int(s, 3),
			    (uint16_t)sqlite3_column_int(s, 4));
		sort->rows[n++].k[3] = (uint64_t)sqlite3_column_int64(s, 5);
	}
	sqlite3_reset(g->reload);
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	if (!err)
		err = gaps_room(g, n);
	return err ? err
		   : gaps_apply(g, sort->rows, n, (const int64_t[]){ id, ts_start, len_ms },
				GAPS_KEEP);
}

/*
 * The rings from the table (the recorder started, or the write of the
 * interval before failed): the contacts of the intervals stored up to
 * before, back to the start of their stretch or the first that ended an
 * hour or more before lo_ms + the lookback, in id order.
 */
static int gaps_reload(struct contact_gaps *g, sqlite3 *db, struct agg_sort *sort, int64_t before,
		       int64_t lo_ms)
{
	int64_t(*ivs)[3] = NULL, start = INT64_MAX;
	size_t n = 0, cap = 0;
	int rc, err = agg_prepare_once(db, &g->back,
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
		if ((err = agg_room_for_one((void **)&ivs, n, &cap, sizeof(*ivs))))
			break;
		memcpy(ivs[n++], iv, sizeof(iv));
		start = iv[1];
	}
	sqlite3_reset(g->back);
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = -EIO;
	while (!err && n--) {
		err = gaps_read(g, db, sort, ivs[n][0], ivs[n][1], (ivs[n][2] - ivs[n][1]) * 1000);
		if (!err && g->n_rings > GAP_MAX_SERIES) {
			gaps_forget(g, ivs[0][2] * 1000);
			break;
		}
	}
	free(ivs);
	return err;
}

int contact_gaps_start(struct contact_gaps *g, sqlite3 *db, struct agg_sort *sort,
		       const int64_t *iv, size_t want)
{
	int64_t lo_ms = iv[0] * 1000 - GAP_LOOKBACK_MS;
	int err = 0;

	if (!iv[2] || iv[3] > iv[0])
		gaps_forget(g, INT64_MIN);
	else if (g->id != iv[2])
		err = gaps_reload(g, db, sort, iv[2], lo_ms);
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
static int write_runs(struct contact_gaps *g, sqlite3 *db, int64_t id)
{
	int err = 0;

	if (g->has_unknown) {
		if (agg_room_for_one((void **)&g->runs, g->n_runs, &g->cap_runs, sizeof(*g->runs)))
			return -ENOMEM;
		g->runs[g->n_runs++] =
			(struct agg_key){ { (uint64_t)id, g->unknown[0], g->unknown[1],
					    g->unknown[2] << 1 | 1 } };
		g->has_unknown = 0;
	}
	err = agg_prepare_once(db, &g->run,
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

int contact_gaps_write(struct contact_gaps *g, sqlite3 *db, const struct agg_key *rows, int64_t id,
		       const int64_t *iv, size_t n_c, const struct contact_gaps_calls *calls)
{
	const int64_t span[3] = { id, iv[0], (iv[1] - iv[0]) * 1000 };
	int keep = g->n_rings + n_c <= GAP_MAX_SERIES, err;

	g->n_runs = 0;
	g->has_unknown = 0;
	if ((err = gaps_room(g, n_c ? n_c : 1)) ||
	    (err = gaps_apply(g, rows, n_c, span, GAPS_RUNS | (keep ? GAPS_KEEP : 0))))
		return err;
	err = calls->insert(calls->ctx, id, n_c);
	if (!err)
		err = write_runs(g, db, id);
	if (!err && !keep) {
		gaps_overflow(g, rows, n_c <= GAP_MAX_SERIES ? 0 : n_c,
			      (n_c <= GAP_MAX_SERIES ? iv[0] : iv[1]) * 1000);
		calls->note_peak(calls->ctx);
		if (n_c <= GAP_MAX_SERIES)
			err = gaps_apply(g, rows, n_c, span, GAPS_KEEP);
	}
	if (!err)
		g->id = id;
	return err;
}

size_t contact_gaps_bytes(const struct contact_gaps *g)
{
	return g->cap_runs * sizeof(*g->runs) + g->cap_v * sizeof(*g->v) +
	       g->forgot.cap * sizeof(*g->forgot.slots);
}

void contact_gaps_give_back(struct contact_gaps *g)
{
	agg_array_give_back((void **)&g->runs, &g->cap_runs, sizeof(*g->runs));
	agg_array_give_back((void **)&g->v, &g->cap_v, sizeof(*g->v));
}
