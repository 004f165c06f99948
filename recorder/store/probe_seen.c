// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_seen.c - the previous occurrences of udp_scan's probes, as
 * sql/0023_probe_prev.sql defines them (tests/unit/test_anomaly_agg.c and,
 * across bursts, test_probe_seen.c compare the two row for row): an
 * open-addressing table from each (source, destination, port) and (source,
 * destination) of the last hour to the start of the last interval that held
 * it, kept from one interval's write to the next. It is forgotten where a stretch starts (an
 * interval that starts before the one stored before it ended), read again from interval_udp_probes
 * when it is not up to the interval stored before (the recorder started, or a write failed), and
 * forgotten past SEEN_MAX_KEYS (a scan of new hosts). The interval that brings it past is looked up
 * in the table as it is (its values exact), then the table is forgotten and given that interval's
 * keys again when they alone fit (a reload forgets where that write did). The fingerprints of the
 * keys forgotten are kept (forgot, at most SEEN_FORGOT_MAX, given back an hour on): a later key
 * found in neither had no occurrence in the hour, its values are NULL, as
 * they are. Only an interval with a key that may have been forgotten (its
 * fingerprint in forgot, or forgot past its bound) is marked in
 * probe_prev_unknown, and the rule counts its windows in full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "agg_map.h"
#include "probe_seen.h"
#include "series_set.h"

#define SEEN_HORIZON 3600	/* s: an occurrence further back is NULL */
#define SEEN_MAX_KEYS 262144	/* keys of the last hour kept at most */
#define SEEN_FORGOT_MAX 1048576 /* fingerprints of forgotten keys kept at most */
#define SEEN_HOST 0x10000u	/* the port word of a (source, destination) key */

/* A key (src 0: a free slot) and the start of its last interval. */
struct seen_slot {
	uint64_t src, dst;
	int64_t ts;
	uint32_t port;
};

struct probe_seen {
	sqlite3 *db;
	sqlite3_stmt *iv, *back, *count, *read, *mark;
	struct seen_slot *slots;
	size_t cap, n;
	int64_t id;	 /* the last interval whose probes are in slots; 0: none */
	int64_t last_ts; /* its ts_start */
	/* every key of an interval that starts after forgot_ts is in slots
	 * (INT64_MIN: every key of the stretch); with forgot, every key of one
	 * that starts after forgot_from (a key in neither had none since) */
	int64_t forgot_ts, forgot_from;
	struct series_set forgot; /* the keys forgotten since forgot_from */
};

int probe_seen_open(struct probe_seen **out, sqlite3 *db)
{
	struct probe_seen *ps = calloc(1, sizeof(*ps));

	*out = ps;
	if (!ps)
		return -ENOMEM;
	ps->db = db;
	ps->forgot_ts = INT64_MIN;
	return 0;
}

void probe_seen_close(struct probe_seen *ps)
{
	if (!ps)
		return;
	sqlite3_finalize(ps->iv);
	sqlite3_finalize(ps->back);
	sqlite3_finalize(ps->count);
	sqlite3_finalize(ps->read);
	sqlite3_finalize(ps->mark);
	free(ps->slots);
	series_set_clear(&ps->forgot);
	free(ps);
}

size_t probe_seen_bytes(const struct probe_seen *ps)
{
	return ps ? ps->cap * sizeof(*ps->slots) + ps->forgot.cap * sizeof(*ps->forgot.slots) : 0;
}

/* A key's fingerprint in forgot: every bit of every word moves it (the aggregates' map hash). */
static uint64_t seen_fp(uint64_t src, uint64_t dst, uint32_t port)
{
	const uint64_t w[3] = { src, dst, port };

	return agg_map_hash(w, 3);
}

static size_t seen_slot(const struct probe_seen *ps, uint64_t src, uint64_t dst, uint32_t port)
{
	uint64_t h = (src * 0x9e3779b97f4a7c15ull) ^ (dst + port) * 0xff51afd7ed558ccdull;
	size_t i;

	h ^= h >> 29;
	for (i = h & (ps->cap - 1); ps->slots[i].src; i = (i + 1) & (ps->cap - 1))
		if (ps->slots[i].src == src && ps->slots[i].dst == dst && ps->slots[i].port == port)
			break;
	return i;
}

/* The table rebuilt for want more keys: only those of the hour before lo kept. */
static int seen_rebuild(struct probe_seen *ps, int64_t lo, size_t want)
{
	struct seen_slot *old = ps->slots;
	size_t old_cap = ps->cap, live = 0, cap = 1024;

	for (size_t i = 0; i < old_cap; i++)
		live += old[i].src && old[i].ts >= lo;
	while (cap < 2 * (live + want))
		cap *= 2;
	if (!(ps->slots = calloc(cap, sizeof(*ps->slots)))) {
		ps->slots = old;
		return -ENOMEM;
	}
	ps->cap = cap;
	ps->n = live;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].src && old[i].ts >= lo)
			ps->slots[seen_slot(ps, old[i].src, old[i].dst, old[i].port)] = old[i];
	free(old);
	return 0;
}

/* The table emptied: the keys of the intervals up to ts (INT64_MIN: none) not known. */
static void seen_empty(struct probe_seen *ps, int64_t ts)
{
	if (ps->slots)
		memset(ps->slots, 0, ps->cap * sizeof(*ps->slots));
	ps->n = 0;
	ps->forgot_ts = ts;
}

/* Everything forgotten, and that anything was: a new stretch, nothing missed. */
static void seen_forget(struct probe_seen *ps)
{
	series_set_clear(&ps->forgot);
	seen_empty(ps, INT64_MIN);
}

/*
 * The table forgotten for want of room, its keys' fingerprints kept in
 * forgot, and those of keys[0..n) (stride words each, sorted; an interval
 * whose keys the table does not take): the keys of the intervals up to ts
 * are then in neither the table nor forgot only if they had no occurrence
 * from forgot_from on. Past SEEN_FORGOT_MAX forgot is forgotten too: a key
 * not in the table is then not known, up to an hour after ts.
 */
static void seen_overflow(struct probe_seen *ps, const uint64_t *keys, size_t stride, size_t n,
			  int64_t ts)
{
	size_t want = ps->forgot.n + ps->n + n;
	int err;

	for (size_t i = 1; i <= n; i++) /* and a host key per (source, destination) */
		want += i == n || keys[i * stride] != keys[(i - 1) * stride] ||
			keys[i * stride + 1] != keys[(i - 1) * stride + 1];
	err = want > SEEN_FORGOT_MAX ? -ENOSPC : 0;
	if (!ps->forgot.n)
		ps->forgot_from = ps->forgot_ts;
	if (!err) /* at once: a doubling would hold both tables */
		err = series_set_reserve(&ps->forgot, want);
	for (size_t i = 0; !err && i < ps->cap; i++) {
		const struct seen_slot *s = &ps->slots[i];

		if (s->src)
			err = series_set_add(&ps->forgot, seen_fp(s->src, s->dst, s->port));
	}
	for (size_t i = 0; !err && i < n; i++) {
		const uint64_t *k = keys + i * stride;

		err = series_set_add(&ps->forgot, seen_fp(k[0], k[1], (uint32_t)k[2]));
		if (!err)
			err = series_set_add(&ps->forgot, seen_fp(k[0], k[1], SEEN_HOST));
	}
	if (err)
		series_set_clear(&ps->forgot);
	seen_empty(ps, ts);
}

/*
 * Whether key (src, dst, port), not in the table, may have had an
 * occurrence within the hour before ts that the table forgot: not if the
 * table knows every interval of that hour, nor if forgot does and has not
 * the key.
 */
static int seen_unknown(const struct probe_seen *ps, uint64_t src, uint64_t dst, uint32_t port,
			int64_t ts)
{
	if (ps->forgot_ts == INT64_MIN || ts - ps->forgot_ts > SEEN_HORIZON)
		return 0;
	return !ps->forgot.n ||
	       (ps->forgot_from != INT64_MIN && ts - ps->forgot_from <= SEEN_HORIZON) ||
	       series_set_has(&ps->forgot, seen_fp(src, dst, port));
}

/*
 * Key (src, dst, port) seen in the interval at ts: its start before
 * (PROBE_SEEN_NONE when none within the hour; *unknown set when it was not
 * found and may have been forgotten), then ts kept as its start when keep
 * (the table has room: seen_room()).
 */
static int64_t seen_put(struct probe_seen *ps, uint64_t src, uint64_t dst, uint32_t port,
			int64_t ts, int keep, int *unknown)
{
	struct seen_slot *s = ps->cap ? &ps->slots[seen_slot(ps, src, dst, port)] : NULL;
	int64_t prev = PROBE_SEEN_NONE;

	if (s && s->src && ts - s->ts <= SEEN_HORIZON)
		prev = s->ts;
	else if (!(s && s->src) && ps->forgot_ts != INT64_MIN && !*unknown)
		*unknown = seen_unknown(ps, src, dst, port, ts);
	if (keep) {
		ps->n += !s->src;
		*s = (struct seen_slot){ .src = src, .dst = dst, .ts = ts, .port = port };
	}
	return prev;
}

/* Room for want more keys at ts: the old ones swept out as the table grows. */
static int seen_room(struct probe_seen *ps, int64_t ts, size_t want)
{
	if (2 * (ps->n + want) <= ps->cap)
		return 0;
	return seen_rebuild(ps, ts - SEEN_HORIZON, want);
}

/*
 * Room for the keys of stored interval id (ts_start ts) as its write made
 * it (seen_start(), probe_seen_apply()): the table swept, then forgotten as
 * of the interval read before (at prev) when they would not fit beside it.
 */
static int seen_read_room(struct probe_seen *ps, int64_t id, int64_t ts, int64_t prev)
{
	size_t want;
	int rc;

	if (agg_prepare_once(ps->db, &ps->count,
			     "SELECT count(*) FROM interval_udp_probes WHERE interval_id = ?1"))
		return -EIO;
	sqlite3_bind_int64(ps->count, 1, id);
	rc = sqlite3_step(ps->count);
	want = rc == SQLITE_ROW ? 2 * (size_t)sqlite3_column_int64(ps->count, 0) : 0;
	sqlite3_reset(ps->count);
	if (rc != SQLITE_ROW)
		return -EIO;
	if (ps->n && ps->n + want > SEEN_MAX_KEYS && (rc = seen_rebuild(ps, ts - SEEN_HORIZON, 0)))
		return rc;
	if (ps->n && ps->n + want > SEEN_MAX_KEYS)
		seen_overflow(ps, NULL, 0, 0, prev);
	return 0;
}

/*
 * The keys of stored interval id (ts_start ts) into the table; one of more
 * keys than SEEN_MAX_KEYS alone forgotten into forgot on the way (those
 * read after that are in the table, exact).
 */
static int seen_read(struct probe_seen *ps, int64_t id, int64_t ts)
{
	int rc, err = 0, unknown = 0;

	if (agg_prepare_once(ps->db, &ps->read,
			     "SELECT src_id, dst_id, dst_port FROM interval_udp_probes "
			     "WHERE interval_id = ?1"))
		return -EIO;
	sqlite3_bind_int64(ps->read, 1, id);
	while (!err && (rc = sqlite3_step(ps->read)) == SQLITE_ROW) {
		uint64_t src = (uint64_t)sqlite3_column_int64(ps->read, 0),
			 dst = (uint64_t)sqlite3_column_int64(ps->read, 1);

		if (ps->n + 2 > SEEN_MAX_KEYS)
			seen_overflow(ps, NULL, 0, 0, ts);
		if (!(err = seen_room(ps, ts, 2))) {
			seen_put(ps, src, dst, (uint32_t)sqlite3_column_int(ps->read, 2), ts, 1,
				 &unknown);
			seen_put(ps, src, dst, SEEN_HOST, ts, 1, &unknown);
		}
	}
	sqlite3_reset(ps->read);
	return err ? err : rc == SQLITE_DONE ? 0 : -EIO;
}

/*
 * The table from interval_udp_probes (the recorder started, or the write of
 * the interval before failed): the intervals stored up to before, back to
 * the start of their stretch or the hour before ts, in id order.
 */
static int seen_reload(struct probe_seen *ps, int64_t before, int64_t ts)
{
	int64_t(*ivs)[2] = NULL, start = INT64_MAX;
	size_t n = 0, cap = 0;
	int rc, err = 0;

	seen_forget(ps);
	if (agg_prepare_once(ps->db, &ps->back,
			     "SELECT id, ts_start, ts_end FROM intervals WHERE id <= ?1 "
			     "ORDER BY id DESC"))
		return -EIO;
	sqlite3_bind_int64(ps->back, 1, before);
	while ((rc = sqlite3_step(ps->back)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(ps->back, 1);

		if (sqlite3_column_int64(ps->back, 2) > start || ts - t > SEEN_HORIZON)
			break; /* the stretch starts after it; or its probes are too old */
		if (n == cap) {
			void *m = realloc(ivs, (cap = 2 * cap + 64) * sizeof(*ivs));

			if (!m) {
				err = -ENOMEM;
				break;
			}
			ivs = m;
		}
		ivs[n][0] = sqlite3_column_int64(ps->back, 0);
		ivs[n++][1] = start = t;
	}
	sqlite3_reset(ps->back);
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = -EIO;
	if (n)
		ps->last_ts = ivs[0][1];
	for (int64_t prev = INT64_MIN; !err && n--; prev = ivs[n][1]) {
		err = seen_read_room(ps, ivs[n][0], ivs[n][1], prev);
		if (!err)
			err = seen_read(ps, ivs[n][0], ivs[n][1]);
	}
	free(ivs);
	return err;
}

/* Interval id's start and end, and the id and end of the one stored before it (0: none). */
static int seen_interval(struct probe_seen *ps, int64_t id, int64_t *iv)
{
	int rc;

	if (agg_prepare_once(ps->db, &ps->iv,
			     "SELECT i.ts_start, i.ts_end, b.id, b.ts_end FROM intervals i "
			     "LEFT JOIN intervals b ON b.id = (SELECT max(id) FROM intervals "
			     "WHERE id < ?1) WHERE i.id = ?1"))
		return -EIO;
	sqlite3_bind_int64(ps->iv, 1, id);
	rc = sqlite3_step(ps->iv);
	for (int c = 0; c < 4; c++)
		iv[c] = rc == SQLITE_ROW ? sqlite3_column_int64(ps->iv, c) : 0;
	sqlite3_reset(ps->iv);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* Interval id in probe_prev_unknown: a key of it may have been forgotten. */
static int seen_mark(struct probe_seen *ps, int64_t id)
{
	int rc;

	if (agg_prepare_once(ps->db, &ps->mark,
			     "INSERT OR IGNORE INTO probe_prev_unknown VALUES (?1)"))
		return -EIO;
	sqlite3_bind_int64(ps->mark, 1, id);
	rc = sqlite3_step(ps->mark);
	sqlite3_reset(ps->mark);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/*
 * The table ready for interval iv (seen_interval()'s) and its want keys:
 * forgotten at the start of a stretch, read again when it is not up to the
 * interval before, its old keys swept out as it grows, forgot given back
 * once no key looks back to what it was forgotten for. Whether the last
 * hour's keys and these fit (probe_seen_apply() forgets them if not).
 */
static int seen_start(struct probe_seen *ps, const int64_t *iv, size_t want, int *fits)
{
	int err = 0;

	if (!iv[2] || iv[3] > iv[0])
		seen_forget(ps);
	else if (ps->id != iv[2])
		err = seen_reload(ps, iv[2], iv[0]);
	ps->id = 0;
	if (ps->forgot.n && ps->forgot_ts != INT64_MIN && iv[0] - ps->forgot_ts > SEEN_HORIZON)
		series_set_clear(&ps->forgot);
	if (!err && ps->n + want > SEEN_MAX_KEYS && ps->n)
		err = seen_rebuild(ps, iv[0] - SEEN_HORIZON, 0);
	*fits = ps->n + want <= SEEN_MAX_KEYS;
	return err ? err : *fits ? seen_room(ps, iv[0], want) : 0;
}

/* A value as its word's half: ts - prev + 1 (within the hour), 0 for NULL. */
static uint64_t seen_code(int64_t prev, int64_t ts)
{
	return prev == PROBE_SEEN_NONE ? 0 : (uint64_t)(ts - prev + 1);
}

int64_t probe_seen_value(const struct probe_seen *ps, uint64_t word, int c)
{
	uint64_t code = c ? word & 0xffffffffu : word >> 32;

	return code ? ps->last_ts - (int64_t)code + 1 : PROBE_SEEN_NONE;
}

/*
 * The values of keys[0..n) (probe_seen_apply()'s) at ts into their words,
 * from the table as it is, their own ts kept in it when keep; whether one
 * may have been forgotten.
 */
static int seen_lookup(struct probe_seen *ps, uint64_t *keys, size_t stride, size_t n, int64_t ts,
		       int keep)
{
	int unknown = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t *k = keys + i * stride;
		int64_t pairs = seen_put(ps, k[0], k[1], (uint32_t)k[2], ts, keep, &unknown);
		/* the host on its least port's row; its other rows: this interval */
		int64_t hosts =
			i && k[0] == k[-(ptrdiff_t)stride] && k[1] == k[1 - (ptrdiff_t)stride]
				? ts
				: seen_put(ps, k[0], k[1], SEEN_HOST, ts, keep, &unknown);

		k[3] = seen_code(pairs, ts) << 32 | seen_code(hosts, ts);
	}
	return unknown;
}

/* Keys keys[0..n) (probe_seen_apply()'s), seen at ts, into the table (its room made). */
static void seen_keep(struct probe_seen *ps, const uint64_t *keys, size_t stride, size_t n,
		      int64_t ts)
{
	int known = 1; /* nothing to look up */

	for (size_t i = 0; i < n; i++) {
		const uint64_t *k = keys + i * stride;

		seen_put(ps, k[0], k[1], (uint32_t)k[2], ts, 1, &known);
		seen_put(ps, k[0], k[1], SEEN_HOST, ts, 1, &known);
	}
}

int probe_seen_apply(struct probe_seen *ps, int64_t id, uint64_t *keys, size_t stride, size_t n)
{
	int64_t iv[4];
	int fits, unknown, err = seen_interval(ps, id, iv);

	if (!err)
		err = seen_start(ps, iv, 2 * n, &fits);
	if (err)
		return err;
	unknown = seen_lookup(ps, keys, stride, n, iv[0], fits);
	if (unknown && (err = seen_mark(ps, id)))
		return err;
	if (!fits) { /* the table forgotten, then given this interval's keys if they fit alone */
		int alone = 2 * n <= SEEN_MAX_KEYS;

		seen_overflow(ps, keys, stride, alone ? 0 : n, alone ? ps->last_ts : iv[0]);
		if (alone && (err = seen_room(ps, iv[0], 2 * n)))
			return err;
		if (alone)
			seen_keep(ps, keys, stride, n, iv[0]);
	}
	ps->id = id;
	ps->last_ts = iv[0];
	return 0;
}
