/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flow_table.bpf.h - find or insert a flow in an open-addressing table (an
 * mmapable ARRAY of slots, netmon.h) and add a packet to its counters.
 *
 * The rules that make it exact (docs/design.md, "Flow tables"):
 * - A flow lives in one of its two buckets; inside a bucket, slots are taken
 *   first-free, so NEVER slots form the bucket's tail and a search stops at
 *   the first one.
 * - Only an inserter holding the flow's lock (a stripe of the hash) takes a
 *   slot, after searching again under the lock: one flow is never inserted
 *   twice. Taking the slot is a compare-and-swap of its word 0 (inserters of
 *   other stripes may race for the same bucket), then the key is written
 *   while the slot is BUSY, which every search skips, then it becomes READY.
 * - A DOOMED slot (marked by the recorder) is brought back to READY with a
 *   compare-and-swap by a packet of its flow; when the recorder freed it
 *   first, the packet goes the insert way.
 * - A lock not obtained within a bound, a full pair of buckets or a table
 *   holding max_flows flows: the caller counts the packet as table-full.
 */
#ifndef NETMON_FLOW_TABLE_BPF_H
#define NETMON_FLOW_TABLE_BPF_H

#include "netmon.h"

#define FT_LOCK_SPINS 512
#define FT_FULL (-1)

/* Word 0 is the first 32 bits of a slot; as part of the first 64-bit word its
 * state bits sit where the byte order puts them. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FT_STATE_MASK64 ((__u64)NETMON_SLOT_STATE_MASK)
#else
#define FT_STATE_MASK64 ((__u64)NETMON_SLOT_STATE_MASK << 32)
#endif

/* A flow's key in slot form: word 0 with a zero state, then the key words. */
struct ft_key {
	__u64 w[6];
	__u64 hash;
};

static __always_inline __u64 ft_mix(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* Each word multiplied on its own (no chain through h: the multiplies
 * overlap), one mix at the end. */
static __always_inline void ft_hash(struct ft_key *k, int nwords, __u64 seed)
{
	__u64 h = seed;

	for (int i = 0; i < nwords; i++)
		h ^= (k->w[i] ^ seed) * (0x9e3779b97f4a7c15ull + 2 * i);
	k->hash = ft_mix(h);
}

/* The two buckets of a hash (equal only in a one-bucket table). */
static __always_inline void ft_buckets(__u64 hash, __u32 nbuckets, __u32 *b1, __u32 *b2)
{
	*b1 = (__u32)(((hash & 0xffffffffull) * nbuckets) >> 32);
	*b2 = (__u32)(((hash >> 32) * nbuckets) >> 32);
	if (*b2 == *b1 && nbuckets > 1)
		*b2 = *b1 + 1 < nbuckets ? *b1 + 1 : 0;
}

/* Does the slot hold this key (any state)? */
static __always_inline int ft_same_key(const __u64 *s, const struct ft_key *k, int nwords)
{
	if ((s[0] & ~FT_STATE_MASK64) != k->w[0])
		return 0;
	for (int i = 1; i < nwords; i++)
		if (s[i] != k->w[i])
			return 0;
	return 1;
}

/*
 * Bring a DOOMED slot of this flow back, or see that another packet did.
 * Returns 1 when the slot is READY with this key afterwards.
 */
static __always_inline int ft_revive(__u64 *s, const struct ft_key *k)
{
	__u32 *w0 = (__u32 *)s, kw0 = ((const __u32 *)k->w)[0];
	__u32 doomed = kw0 | NETMON_SLOT_DOOMED, ready = kw0 | NETMON_SLOT_READY;

	__sync_val_compare_and_swap(w0, doomed, ready);
	return *(volatile __u32 *)w0 == ready;
}

/*
 * Tags: a byte per slot, in an array of 16 per bucket, from the flow's hash,
 * written when a slot is taken. A search reads the bucket's 16 tags as two
 * words and checks only the slots whose tag matches: a flow deep in a full
 * bucket costs one key comparison, not a walk. Tags are a shortcut only: a
 * stale tag (a freed slot) is a wasted comparison, and a flow not found
 * through them is searched for slot by slot as before.
 */
struct ft_tags {
	union {
		__u64 w[2];
		__u8 b[NETMON_BUCKET_SLOTS];
	};
};

/* Never 0, the tag of a slot never taken. */
static __always_inline __u64 ft_tag(__u64 hash)
{
	return ((hash >> 32) & 0x7f) | 0x80;
}

/* Bit 7 of each byte of tags equal to tag (and maybe of a byte above one). */
static __always_inline __u64 ft_tag_match(__u64 tags, __u64 tag)
{
	__u64 x = tags ^ (tag * 0x0101010101010101ull);

	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

/* Index of the lowest byte with bit 7 set in m (m not 0). */
static __always_inline __u32 ft_lowest_byte(__u64 m)
{
	__u32 n = 0;

	if (!(m & 0xffffffffull)) {
		n += 4;
		m >>= 32;
	}
	if (!(m & 0xffff)) {
		n += 2;
		m >>= 16;
	}
	if (!(m & 0xff))
		n += 1;
	return n;
}

/* The READY slot of the key among the first two tag matches of each half of
 * a bucket whose tags are w0, w1, or -1 (then the slow search decides). */
static __always_inline long ft_by_tags(void *slots, __u64 w0, __u64 w1, __u32 bucket,
				       const struct ft_key *k, int nwords)
{
	__u64 tag = ft_tag(k->hash);

	for (int half = 0; half < 2; half++) {
		__u64 m = ft_tag_match(half ? w1 : w0, tag);

		for (int c = 0; c < 2 && m; c++) {
			__u32 idx = bucket * NETMON_BUCKET_SLOTS + half * 8 + ft_lowest_byte(m);
			__u64 *s = bpf_map_lookup_elem(slots, &idx);

			if (s && ((__u32)s[0] & NETMON_SLOT_STATE_MASK) == NETMON_SLOT_READY &&
			    ft_same_key(s, k, nwords))
				return idx;
			m &= m - 1;
		}
	}
	return -1;
}

/* What a search of one bucket reads and finds (bpf_loop's context). */
struct ft_search {
	struct ft_key k;
	__u32 base;     /* first slot of the bucket */
	__s64 found;    /* the slot holding the key (revived if it was doomed), or -1 */
	__s64 free_at;  /* the first free slot (FREE or NEVER), or -1 */
	__u32 nfree;    /* free slots */
};

/*
 * One slot of a search (bpf_loop callback body; returns 1 to stop). Run
 * through bpf_loop, so that the verifier checks it once and not once per
 * slot and path (it gave up on the unrolled form: E2BIG).
 */
static __always_inline long ft_search_step(void *slots, int nwords, __u32 i,
					   struct ft_search *q)
{
	__u32 idx = q->base + i;
	__u64 *s = bpf_map_lookup_elem(slots, &idx);
	__u32 st;

	if (!s)
		return 1;
	st = (__u32)s[0] & NETMON_SLOT_STATE_MASK;
	if (st == NETMON_SLOT_NEVER) {
		/* The tail of the bucket: all NEVER. */
		if (q->free_at < 0)
			q->free_at = idx;
		q->nfree += NETMON_BUCKET_SLOTS - i;
		return 1;
	}
	if (st == NETMON_SLOT_FREE) {
		if (q->free_at < 0)
			q->free_at = idx;
		q->nfree += 1;
		return 0;
	}
	if (st == NETMON_SLOT_BUSY || !ft_same_key(s, &q->k, nwords))
		return 0;
	if (st == NETMON_SLOT_READY || ft_revive(s, &q->k)) {
		q->found = idx;
		return 1;
	}
	return 0; /* freed under us: the slot is no longer this flow's */
}

/* Search one bucket with a table's step callback (see ft_search_step). */
static __always_inline void ft_search(__u32 bucket, struct ft_search *q,
				      long (*step)(__u32, void *))
{
	q->base = bucket * NETMON_BUCKET_SLOTS;
	q->found = -1;
	q->free_at = -1;
	q->nfree = 0;
	bpf_loop(NETMON_BUCKET_SLOTS, step, q, 0);
}

/* Take the free slot idx for the key (the caller holds the key's lock). */
static __always_inline int ft_claim(void *slots, void *tags, __u32 idx, const struct ft_key *k,
				    int nwords)
{
	__u32 bucket = idx / NETMON_BUCKET_SLOTS;
	struct ft_tags *t;
	__u64 *s = bpf_map_lookup_elem(slots, &idx);
	__u32 *w0, seen;

	if (!s)
		return 0;
	w0 = (__u32 *)s;
	seen = *(volatile __u32 *)w0;
	if ((seen & NETMON_SLOT_STATE_MASK) != NETMON_SLOT_NEVER &&
	    (seen & NETMON_SLOT_STATE_MASK) != NETMON_SLOT_FREE)
		return 0;
	if (__sync_val_compare_and_swap(w0, seen, NETMON_SLOT_BUSY) != seen)
		return 0; /* another stripe's inserter took it */
	/* The key after word 0; READY last, with a full barrier. */
	((__u32 *)s)[1] = ((const __u32 *)k->w)[1];
	for (int i = 1; i < nwords; i++)
		s[i] = k->w[i];
	__sync_lock_test_and_set(w0, ((const __u32 *)k->w)[0] | NETMON_SLOT_READY);
	t = bpf_map_lookup_elem(tags, &bucket);
	if (t)
		t->b[idx % NETMON_BUCKET_SLOTS] = (__u8)ft_tag(k->hash);
	return 1;
}

/* Insert locks: a word per stripe of the hash, 1 while an inserter holds it.
 * Not on the cache line of active_gen and filter_mode, which every packet
 * reads: each insert would take that line from every other CPU. */
__u32 insert_locks[NETMON_INSERT_LOCKS] __attribute__((aligned(64)));

/* One try at a lock (bpf_loop callback; the context is the lock's index). */
static long ft_lock_step(__u32 i, void *ctx)
{
	__u32 *lock = &insert_locks[*(__u32 *)ctx & (NETMON_INSERT_LOCKS - 1)];

	if (*(volatile __u32 *)lock == 0 && __sync_val_compare_and_swap(lock, 0, 1) == 0)
		return 1;
	return 0;
}

/* Take a lock within FT_LOCK_SPINS tries; 1 when taken. */
static __always_inline int ft_lock(__u32 lock_idx)
{
	return bpf_loop(FT_LOCK_SPINS, ft_lock_step, &lock_idx, 0) < FT_LOCK_SPINS;
}

/*
 * Nearly every packet: the slot of a READY flow (q->k) found through the
 * tags of its buckets, or -1: then ft_find_or_insert() decides. The second
 * bucket's tags are read before the first's are looked at (volatile: clang
 * would move the loads into the branch that uses them): in a table too big
 * for the caches, a flow placed in its second bucket (most of the later ones
 * in a full table) then waits for one cache miss there, not two in a row.
 */
static __always_inline long ft_find_fast(void *slots, void *tags, __u32 nbuckets,
					 const struct ft_search *q, int nwords)
{
	struct ft_tags *t1, *t2;
	__u64 t2w0, t2w1;
	__u32 b1, b2;
	long idx;

	ft_buckets(q->k.hash, nbuckets, &b1, &b2);
	t1 = bpf_map_lookup_elem(tags, &b1);
	t2 = bpf_map_lookup_elem(tags, &b2);
	if (!t1 || !t2)
		return -1;
	t2w0 = *(volatile __u64 *)&t2->w[0];
	t2w1 = *(volatile __u64 *)&t2->w[1];
	idx = ft_by_tags(slots, t1->w[0], t1->w[1], b1, &q->k, nwords);
	if (idx >= 0 || b2 == b1)
		return idx;
	return ft_by_tags(slots, t2w0, t2w1, b2, &q->k, nwords);
}

/*
 * The slot index of the key's flow (q->k), inserted if needed; FT_FULL when
 * it cannot be. used counts the table's taken slots (the recorder lowers it
 * when it frees one). The slow path, after ft_find_fast() found nothing: the
 * caller keeps it out of line (a BPF subprogram), so that the code every
 * packet runs stays short and together in the instruction cache.
 */
static __always_inline long ft_find_or_insert(void *slots, void *tags, __u32 nbuckets,
					      struct ft_search *q, int nwords,
					      long (*step)(__u32, void *), __u32 *used,
					      __u32 max_flows)
{
	__u32 b1, b2, n1, lock_idx = (__u32)(q->k.hash >> 20) & (NETMON_INSERT_LOCKS - 1);
	__u32 *lock = &insert_locks[lock_idx];
	__s64 f1, at;
	long idx;

	ft_buckets(q->k.hash, nbuckets, &b1, &b2);
	ft_search(b1, q, step);
	if (q->found >= 0)
		return q->found;
	if (b2 != b1) {
		ft_search(b2, q, step);
		if (q->found >= 0)
			return q->found;
	}

	if (!ft_lock(lock_idx))
		return FT_FULL; /* never got the lock: counted as table-full, exactly */
	/* Again under the lock: another packet of this flow may have won. */
	idx = FT_FULL;
	ft_search(b1, q, step);
	if (q->found >= 0) {
		idx = q->found;
		goto out;
	}
	f1 = q->free_at;
	n1 = q->nfree;
	at = f1;
	if (b2 != b1) {
		ft_search(b2, q, step);
		if (q->found >= 0) {
			idx = q->found;
			goto out;
		}
		if (q->nfree > n1)
			at = q->free_at;
	}
	if (at < 0)
		goto out;
	if (__sync_fetch_and_add(used, 1) >= max_flows) {
		__sync_fetch_and_add(used, -1);
		goto out;
	}
	if (ft_claim(slots, tags, (__u32)at, &q->k, nwords))
		idx = at;
	else
		__sync_fetch_and_add(used, -1); /* raced for the slot: table-full, exact */
out:
	__sync_lock_test_and_set(lock, 0);
	return idx;
}

/*
 * Add a packet to one generation's counters (netmon.h explains the packing).
 * now is in NETMON_TIME_UNIT_NS units.
 *
 * One atomic add for packets and bytes, which share a word: the only atomic
 * of most packets (a locked add takes ~20 cycles on Intel cores, and
 * waits for every store before it). Two carries can leave their field, each seen
 * by the one CPU whose fetch-and-add made it (fetch-and-adds are ordered, so
 * each carry happens in exactly one of them), which puts it right:
 * - packets past 2^24 carry one into the bytes field: that CPU takes it back
 *   (an add of -2^24) and counts the packets wrap;
 * - the word past 2^64 drops a bytes wrap off its top: the CPU whose add
 *   overflowed counts it, the one whose take-back borrowed uncounts it.
 * The sums are exact once no program writes the generation (after its flip
 * and a grace period), which is when the recorder reads it.
 */
static __always_inline void ft_count(struct flow_gen_counters *c, __u64 packets, __u64 bytes,
				     __u8 flags, __u32 now)
{
	__u64 add = packets | bytes << NETMON_PACKETS_BITS, old, back;
	__u32 wraps = 0;

	old = __sync_fetch_and_add(&c->packets_bytes, add);
	if (old + add < old)
		wraps += 1u << NETMON_BYTES_WRAP_SHIFT;
	if ((old & NETMON_PACKETS_FIELD) + packets > NETMON_PACKETS_FIELD) {
		back = __sync_fetch_and_add(&c->packets_bytes, -(1ull << NETMON_PACKETS_BITS));
		if (back < (1ull << NETMON_PACKETS_BITS))
			wraps -= 1u << NETMON_BYTES_WRAP_SHIFT;
		wraps += 1u << NETMON_PACKETS_WRAP_SHIFT;
	}
	if (wraps)
		__sync_fetch_and_add(&c->flags_wraps, wraps);
	if (flags & TCP_FLAG_SYN) {
		__sync_fetch_and_add(&c->syn, 1);
		/* A connection request (rare: set once, read first). */
		if (!(flags & TCP_FLAG_ACK) && !(c->syn & NETMON_SYN_REQUEST))
			__sync_fetch_and_or(&c->syn, NETMON_SYN_REQUEST);
	}
	if (flags & TCP_FLAG_FIN)
		__sync_fetch_and_add(&c->fin, 1);
	if (flags & TCP_FLAG_RST)
		__sync_fetch_and_add(&c->rst, 1);
	/* The OR only when it sets a flag not yet there: rarely a new one. */
	if (flags && (flags & ~c->flags_wraps & 0xff))
		__sync_fetch_and_or(&c->flags_wraps, (__u32)flags);
	if (!NETMON_GEN_COUNTED(old, c->flags_wraps))
		c->first = now;
	c->last = now;
}

#endif
