// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * snapshot.c - flip the map generation, wait for in-flight programs, drain.
 *
 * Why not read-then-delete on a live map (as tcptop does): a packet counted
 * between the read and the delete is lost. Why not lookup_and_delete on a live
 * map: an update that finds the entry just before it is deleted adds to
 * memory that is then freed, lost again. Here nothing writes to the
 * generation being drained, so every drained byte is final.
 *
 * Slots of flows idle for a whole interval are freed in two steps around a
 * second grace period (free_idle()), so that no packet can add to a slot
 * that is being given to another flow.
 *
 * What it costs (bench/snapshot_cost.c, bench/RESULTS.md): the hold scans
 * each bucket only up to its first never-used slot (the tail the programs
 * never fill past, bpf/flow_table.bpf.h), and the release after a hold
 * visits only the slots that hold copied, not the whole table again, unless
 * they are half or more of it: then a scan is cheaper than the list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "proc_cache.h"
#include "ip_totals.h"
#include "snapshot.h"
#include "test_hooks.h"

/* Entries per batch call; doubled on -ENOSPC (a hash bucket larger than it). */
#define BATCH_START 4096
#define BATCH_MAX (1u << 20)

/*
 * A flow table, or windows of it, mapped into our memory. The kernel maps
 * every page of a BPF array at mmap() (remap_vmalloc_range()), so a mapping
 * counts whole in the recorder's RSS from the start: at --max-flows 1048576
 * the two tables are 236 MB. A table up to WHOLE_MAX_BYTES is mapped once,
 * whole; a larger one a window of its slots and one of its counters at a
 * time, each mapped when a pass (a hold's scan, a release, a peek) first
 * needs it and unmapped after the pass (docs/design.md, "Flow tables").
 */
struct window {
	char *p;      /* element lo's */
	__u32 lo, hi; /* the elements mapped: [lo, hi); none when equal */
	size_t len;   /* of the mapping */
};

struct mapped_table {
	struct window slots, counts;
	int whole; /* mapped at open, for good */
};

/*
 * Larger tables are mapped a window at a time. This VM's first touch of
 * each page of a new mapping costs ~2 us (the mmap and munmap ~0.5 more):
 * a table's pages touched in a pass cost that again at each pass
 * (bench/RESULTS.md, "RSS at 1M flows"), so the counters, which a sparse
 * table needs only at its few flows, have small windows of their own.
 *
 * Windows lower the RSS, not the memory: a table is the kernel's, held
 * (and counted in the map's memlock) whether it is mapped or not, and a
 * whole mapping only counts its pages in the recorder's RSS as well. At
 * --max-flows 1048576 (98 and 138 MB tables) windows took a hold of 2M flows
 * from ~30 to ~200 ms of CPU and its release from ~25 to ~400-900, and a
 * hold of an idle table from 5 to 65 ms, every interval (and every second
 * of the live view). So tables are mapped whole up to 256 MiB each
 * (--max-flows up to ~2.7M IPv4 or ~1.9M IPv6 flows), where a whole
 * mapping would start to crowd the address space and the page tables.
 */
#define WHOLE_MAX_BYTES (256ul << 20)
#define SLOTS_WINDOW 32768u /* 512 KiB of IPv4 slots, 1.5 MiB of IPv6 ones */
#define COUNTS_WINDOW 4096u /* 256 KiB of counters */

struct snapshotter {
	struct snapshot_maps maps;
	struct mapped_table tables[2];
	/* Slots a window maps, of slots and of counters; multiples of
	 * window_align(). */
	__u32 slots_window, counts_window;
	int ncpus;
	/* scratch for one batch call; capacities in bytes */
	void *keys, *values;
	size_t keys_cap, values_cap;
	/* slots marked DOOMED in this snapshot */
	__u32 *doomed;
	size_t n_doomed, cap_doomed;
	/* Slots whose counters the last hold copied, as index | table << 31,
	 * in table order: what the release of held_seq clears. Used only when
	 * held_ok; else the release scans every slot (see snapshot_release).
	 * Per table, how many of them and how many slots the hold's scan
	 * looked at: the release scans a table the list covers most of. */
	__u32 *held;
	size_t n_held, cap_held;
	__u32 held_in[2], scanned[2];
	__u32 held_seq;
	int held_ok;
	/* Keys the last hold read from the totals, process and name maps, for
	 * the release to delete (no walk of their empty buckets). */
	struct key_list {
		void *buf;
		size_t n, cap; /* keys; cap in bytes */
	} kept[3];
	/* The next release scans every slot: the first one of a snapshotter
	 * (an earlier run's crash may have left slots DOOMED, or READY with no
	 * packet, that no hold lists) and any after a failed one. */
	int scan_all;
};

/* Map elements [lo, hi) of an array of elem-byte elements: from a whole
 * page (lo a multiple of window_align()). 0 or -errno. */
static int map_window(int fd, size_t elem, struct window *w, __u32 lo, __u32 hi)
{
	w->len = (size_t)(hi - lo) * elem;
	w->p = mmap(NULL, w->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)lo * elem);
	if (w->p == MAP_FAILED) {
		w->p = NULL;
		w->lo = w->hi = 0;
		return -errno;
	}
	w->lo = lo;
	w->hi = hi;
	return 0;
}

static void unmap_window(struct window *w)
{
	if (w->p)
		munmap(w->p, w->len);
	w->p = NULL;
	w->lo = w->hi = 0;
}

static void unmap_table(struct mapped_table *m)
{
	unmap_window(&m->slots);
	unmap_window(&m->counts);
}

/* Slots a window starts at a multiple of: a page of 16-byte slots is 256 of
 * them; 48-byte slots and 64-byte counters then start on a page too. */
static __u32 window_align(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 16 ? (__u32)(page / 16) : 1;
}

/* Whether element i is in a window (or whole mapping). */
static inline int in_window(const struct window *w, __u32 i)
{
	return i - w->lo < w->hi - w->lo;
}

/* Map the window of size slots holding element i of table t's slots (!counts)
 * or counters in place of the last one. 0 or -errno. */
static int window_at(struct snapshotter *s, int t, int counts, __u32 i)
{
	const struct snapshot_table *tab = &s->maps.tables[t];
	struct window *w = counts ? &s->tables[t].counts : &s->tables[t].slots;
	__u32 size = counts ? s->counts_window : s->slots_window;
	__u32 lo = i - i % size;
	__u32 hi = tab->nslots - lo < size ? tab->nslots : lo + size;
	int err;

	unmap_window(w);
	err = counts ? map_window(tab->counts_fd, sizeof(struct flow_slot_counters), w, lo, hi)
		     : map_window(tab->slots_fd, tab->slot_size, w, lo, hi);
	if (err)
		pr_err("cannot map the flow table's %s %u-%u into memory: %s",
		       counts ? "counters" : "slots", lo, hi - 1, strerror(-err));
	return err;
}

/* Make slot i of table t, or its counters, mapped. 0 or -errno. */
static inline int reach_slot(struct snapshotter *s, int t, __u32 i)
{
	return in_window(&s->tables[t].slots, i) ? 0 : window_at(s, t, 0, i);
}

static inline int reach_counts(struct snapshotter *s, int t, __u32 i)
{
	return in_window(&s->tables[t].counts, i) ? 0 : window_at(s, t, 1, i);
}

/* A pass over the tables is over: windows leave our memory until the next. */
static void windows_done(struct snapshotter *s)
{
	for (int t = 0; t < 2; t++)
		if (!s->tables[t].whole)
			unmap_table(&s->tables[t]);
}

/* Each table whole (window 0), or windows of that many slots at a time;
 * as snapshot_open() chooses (window -1). */
static int set_window(struct snapshotter *s, long window)
{
	__u32 align = window_align();

	s->slots_window = window > 0 ? (__u32)window : SLOTS_WINDOW;
	s->counts_window = window > 0 ? (__u32)window : COUNTS_WINDOW;
	s->slots_window = (s->slots_window + align - 1) / align * align;
	s->counts_window = (s->counts_window + align - 1) / align * align;
	for (int t = 0; t < 2; t++) {
		const struct snapshot_table *tab = &s->maps.tables[t];
		size_t bytes =
			(size_t)tab->nslots * (tab->slot_size + sizeof(struct flow_slot_counters));
		struct mapped_table *m = &s->tables[t];
		int err;

		unmap_table(m);
		m->whole = !window || (window < 0 && bytes <= WHOLE_MAX_BYTES);
		if (!m->whole && tab->nslots)
			pr_info("the %s flow table (%zu MiB) is mapped %u slots at a time",
				t ? "IPv6" : "IPv4", bytes >> 20, s->slots_window);
		if (!m->whole || !tab->nslots)
			continue;
		err = map_window(tab->slots_fd, tab->slot_size, &m->slots, 0, tab->nslots);
		if (!err)
			err = map_window(tab->counts_fd, sizeof(struct flow_slot_counters),
					 &m->counts, 0, tab->nslots);
		if (err) {
			unmap_table(m);
			m->whole = 0;
			pr_err("cannot map the flow table into memory: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

int snapshot_set_window(struct snapshotter *s, long window)
{
	return set_window(s, window);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int snapshot_open(struct snapshotter **out, const struct snapshot_maps *maps)
{
	struct snapshotter *s;
	int ncpus = libbpf_num_possible_cpus(), err;

	*out = NULL;
	if (ncpus <= 0) {
		pr_err("cannot read the number of possible CPUs: %s", strerror(-ncpus));
		return ncpus ? ncpus : -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->maps = *maps;
	s->ncpus = ncpus;
	s->scan_all = 1;
	err = set_window(s, test_hooks()->map_window);
	if (err) {
		snapshot_close(s);
		return err;
	}
	*out = s;
	return 0;
}

void snapshot_close(struct snapshotter *s)
{
	if (!s)
		return;
	for (int i = 0; i < 2; i++)
		unmap_table(&s->tables[i]);
	free(s->doomed);
	free(s->held);
	for (int i = 0; i < 3; i++)
		free(s->kept[i].buf);
	free(s->keys);
	free(s->values);
	free(s);
}

void snapshot_free(struct snapshot *snap)
{
	free(snap->flows);
	free(snap->totals);
	free(snap->procs);
	free(snap->infos);
	memset(snap, 0, sizeof(*snap));
}

/* Grow *buf to at least need bytes; it never shrinks, and a failure leaves it. */
static int reserve(void **buf, size_t *cap, size_t need)
{
	void *p;

	if (need <= *cap)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
}

static int ensure_scratch(struct snapshotter *s, size_t entries, size_t ksz, size_t vsz)
{
	int err = reserve(&s->keys, &s->keys_cap, entries * ksz);

	return err ? err : reserve(&s->values, &s->values_cap, entries * vsz);
}

/* Transparent huge pages, where the kernel gives them on request. */
#define HUGE_PAGE (2ul << 20)

/*
 * Ask for huge pages in the 2 MB blocks of [p, p + len): a large array
 * (the records of a burst, ~190 MB at 2M flows) is written first into
 * memory never touched, a fault per 4 KB page; per 2 MB the first hold of
 * 2M flows took ~485 ms of CPU instead of ~760-800, and a later one half
 * (fewer TLB misses), bench/RESULTS.md. glibc gives a block that large its
 * own mapping, untouched until written. Only a hint: without THP in
 * "madvise" or "always" mode it changes nothing.
 */
static void advise_huge(void *p, size_t len)
{
	uintptr_t from = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t to = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);

	if (to > from)
		(void)madvise((void *)from, to - from, MADV_HUGEPAGE);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 1024;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	if (ncap * elem >= 4 * HUGE_PAGE)
		advise_huge(p, ncap * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * An array grown for a burst (the records of 1M flows are 96 MiB) is kept
 * for the next interval's flows while they fill at least a quarter of it,
 * else cut to twice what they need: the memory of a burst leaves with the
 * first quiet interval after it, and a steady state never reallocates.
 * glibc shrinks a block that large in place (mremap), no copy.
 */
#define SHRINK_MIN_BYTES (1ul << 20)

static void shrink(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = 1024;
	void *p;

	if (*cap * elem < SHRINK_MIN_BYTES || n >= *cap / 4)
		return;
	while (ncap < 2 * n)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return; /* kept as it was: only memory */
	*arr = p;
	*cap = ncap;
}

/* Hands each batch of (keys, values, n) to a consumer. */
typedef int (*batch_fn)(struct snapshotter *s, struct snapshot *snap, size_t n);

/* Which of snapshotter.kept: the maps a hold reads besides the flow tables. */
enum { KEPT_TOTALS, KEPT_PROCS, KEPT_INFOS };

/* Append n keys of ksz bytes from the scratch to a key list. */
static int keep_keys(struct snapshotter *s, struct key_list *kl, size_t n, size_t ksz)
{
	int err = reserve(&kl->buf, &kl->cap, (kl->n + n) * ksz);

	if (err)
		return err;
	memcpy((char *)kl->buf + kl->n * ksz, s->keys, n * ksz);
	kl->n += n;
	return 0;
}

/* Every entry of a map to consume; take: delete what was read (drain);
 * kl: also note the keys read there (NULL: not). */
static int walk_map(struct snapshotter *s, struct snapshot *snap, int fd, size_t ksz, size_t vsz,
		    batch_fn consume, int take, struct key_list *kl)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in_batch = 0, out_batch = 0, count;
	size_t chunk = BATCH_START;
	int first = 1, err;

	for (;;) {
		err = ensure_scratch(s, chunk, ksz, vsz);
		if (err)
			return err;
		count = chunk;
		err = (take ? bpf_map_lookup_and_delete_batch
			    : bpf_map_lookup_batch)(fd, first ? NULL : &in_batch, &out_batch,
						    s->keys, s->values, &count, &opts);
		if (err && errno)
			err = -errno;
		if (err == -ENOSPC && chunk < BATCH_MAX) {
			chunk *= 2; /* a bucket larger than the batch: retry wider */
			continue;
		}
		if (err && err != -ENOENT) {
			pr_err("%s map fd %d failed: %s", take ? "draining" : "reading", fd,
			       strerror(-err));
			return err;
		}
		/* -ENOENT ends the walk but may come with a last partial batch. */
		if (count && consume) {
			int cerr = consume(s, snap, count);

			if (!cerr && kl)
				cerr = keep_keys(s, kl, count, ksz);
			if (cerr)
				return cerr;
		}
		if (err == -ENOENT)
			return 0;
		in_batch = out_batch;
		first = 0;
	}
}

/* A time kept modulo 2^32 units, restored next to the clock's reading now_ns:
 * at most 60 s after it (a packet stamped just after the flip), else before. */
static uint64_t restore_time(__u32 v, uint64_t now_ns, uint64_t unit)
{
	uint32_t ahead = (uint32_t)(60000000000ull / unit);
	uint64_t now_units = now_ns / unit;
	uint32_t behind = (uint32_t)now_units - v;

	if (behind > UINT32_MAX - ahead)
		return (now_units + (uint32_t)(v - (uint32_t)now_units)) * unit;
	return (now_units - behind) * unit;
}

/* A slot and one generation's counters as the record user space works with. */
static void to_record(const void *slot, int wide, const struct flow_gen_counters *c,
		      uint64_t now_ns, uint64_t unit, struct flow_record *r)
{
	__u32 w0 = *(const __u32 *)slot;

	memset(&r->key, 0, sizeof(r->key));
	r->key.direction = (w0 >> NETMON_SLOT_DIR_SHIFT) & 1;
	r->key.protocol = (w0 >> NETMON_SLOT_PROTO_SHIFT) & 0xff;
	if (!wide) {
		const struct flow4_slot *s4 = slot;

		r->key.family = NETMON_FAMILY_V4;
		r->key.ifindex = w0 >> NETMON_SLOT_IFINDEX_SHIFT;
		r->key.src_port = s4->src_port;
		r->key.dst_port = s4->dst_port;
		memcpy(r->key.src, s4->src, 4);
		memcpy(r->key.dst, s4->dst, 4);
	} else {
		const struct flow6_slot *s6 = slot;

		r->key.family = w0 & NETMON_SLOT_V4_IN_V6 ? NETMON_FAMILY_V4 : NETMON_FAMILY_V6;
		r->key.ifindex = s6->ifindex;
		r->key.src_port = s6->src_port;
		r->key.dst_port = s6->dst_port;
		memcpy(r->key.src, s6->src, 16);
		memcpy(r->key.dst, s6->dst, 16);
	}
	r->c.packets = NETMON_GEN_PACKETS(c);
	r->c.bytes = NETMON_GEN_BYTES(c);
	r->c.syn = c->syn & ~NETMON_SYN_REQUEST;
	r->c.syn_request = !!(c->syn & NETMON_SYN_REQUEST);
	r->c.fin = c->fin;
	r->c.rst = c->rst;
	r->c.tcp_flags = c->flags_wraps & 0xff;
	r->c.first_seen_ns = restore_time(c->first, now_ns, unit);
	r->c.last_seen_ns = restore_time(c->last, now_ns, unit);
	/* Two CPUs' first and later packets may store out of order. */
	if (r->c.last_seen_ns < r->c.first_seen_ns)
		r->c.last_seen_ns = r->c.first_seen_ns;
}

/* Whether counters the programs may still be writing hold a packet. */
static int gen_counted(const struct flow_gen_counters *c, int order)
{
	__u64 pb = __atomic_load_n(&c->packets_bytes, order);

	return NETMON_GEN_COUNTED(pb, __atomic_load_n(&c->flags_wraps, order));
}

/* Slots are noted as index | table << 31 (tables hold < 2^31 slots). */
static int note_slot(__u32 **list, size_t *n, size_t *cap, int t, __u32 idx)
{
	int err = grow((void **)list, cap, *n + 1, sizeof(**list));

	if (!err)
		(*list)[(*n)++] = idx | (__u32)t << 31;
	return err;
}

static int note_doomed(struct snapshotter *s, int t, __u32 idx)
{
	return note_slot(&s->doomed, &s->n_doomed, &s->cap_doomed, t, idx);
}

/* Word 0 of slot i of a table (reach_slot() first), its counters
 * (reach_counts() first). */
static __u32 *slot_word0(struct snapshotter *s, int t, __u32 i)
{
	const struct window *w = &s->tables[t].slots;

	return (__u32 *)(w->p + (size_t)(i - w->lo) * s->maps.tables[t].slot_size);
}

static struct flow_slot_counters *counts_of(struct snapshotter *s, int t, __u32 i)
{
	const struct window *w = &s->tables[t].counts;

	return (struct flow_slot_counters *)w->p + (i - w->lo);
}

/*
 * The slot after i worth reading in a scan: the next one, or the next
 * bucket's first when slot i was never used. Programs take a bucket's slots
 * first-free and no slot goes back to NEVER, so the slots after a NEVER one
 * have never been used either (bpf/flow_table.bpf.h); one taken after our
 * read was taken after the flip and counts only in the new generation.
 * Sparse tables are thus scanned at a slot per bucket.
 */
static __u32 scan_next(__u32 i, __u32 state)
{
	if (state == NETMON_SLOT_NEVER)
		return (i | (NETMON_BUCKET_SLOTS - 1)) + 1;
	return i + 1;
}

/*
 * Copy the old generation's counters of every flow in one table (nothing
 * writes them any more). They stay in the kernel until release_table(): a
 * crash before the database has them loses nothing (docs/design.md,
 * "Restart and crash").
 */
static int read_table(struct snapshotter *s, struct snapshot *snap, int t, __u32 old,
		      uint64_t now_ns)
{
	const struct snapshot_table *tab = &s->maps.tables[t];
	size_t held_before = s->n_held;
	__u32 st, i;

	/* No slot taken: none can hold a count (a program raises used before
	 * it takes a slot, and the flip's grace period is over). An unused
	 * table, often the IPv6 one, costs no scan. */
	s->held_in[t] = s->scanned[t] = 0;
	if (!__atomic_load_n(tab->used, __ATOMIC_ACQUIRE))
		return 0;
	for (i = 0; i < tab->nslots; i = scan_next(i, st)) {
		int err = reach_slot(s, t, i);
		const void *slot;
		const struct flow_gen_counters *c;

		if (err)
			return err;
		slot = slot_word0(s, t, i);
		s->scanned[t]++;
		st = __atomic_load_n((const __u32 *)slot, __ATOMIC_ACQUIRE) &
		     NETMON_SLOT_STATE_MASK;
		if (st != NETMON_SLOT_READY && st != NETMON_SLOT_DOOMED)
			continue;
		err = reach_counts(s, t, i);
		if (err)
			return err;
		c = &counts_of(s, t, i)->gen[old];
		if (!NETMON_GEN_COUNTED(c->packets_bytes, c->flags_wraps))
			continue;
		err = grow((void **)&snap->flows, &snap->cap_flows, snap->n_flows + 1,
			   sizeof(*snap->flows));
		if (!err)
			err = note_slot(&s->held, &s->n_held, &s->cap_held, t, i);
		if (err)
			return err;
		to_record(slot, tab->slot_size != sizeof(struct flow4_slot), c, now_ns,
			  s->maps.time_unit_ns, &snap->flows[snap->n_flows++]);
	}
	s->held_in[t] = (__u32)(s->n_held - held_before);
	return 0;
}

/*
 * Zero the old generation's counters of slot i (word 0 at w0, read as seen)
 * once the database has them, or they wait in memory. A flow with no packet
 * since the flip is marked DOOMED (noted in s->doomed) for free_idle(): the
 * table holds the flows of one interval, as max_flows promises, not of the
 * last two. Doing it twice (a crash in between, then adoption) does no harm.
 */
static inline int release_slot(struct snapshotter *s, int t, __u32 old, __u32 i, __u32 *w0,
			       __u32 seen)
{
	struct flow_slot_counters *sc;
	struct flow_gen_counters *c;
	__u32 st = seen & NETMON_SLOT_STATE_MASK;
	int err;

	if (st != NETMON_SLOT_READY && st != NETMON_SLOT_DOOMED)
		return 0;
	err = reach_counts(s, t, i);
	if (err)
		return err;
	sc = counts_of(s, t, i);
	c = &sc->gen[old];
	if (NETMON_GEN_COUNTED(c->packets_bytes, c->flags_wraps))
		memset(c, 0, sizeof(*c));
	if (st == NETMON_SLOT_READY) {
		/* Still sending since the flip: it keeps its slot. */
		if (gen_counted(&sc->gen[old ^ 1], __ATOMIC_RELAXED))
			return 0;
		if (!__atomic_compare_exchange_n(
			    w0, &seen, (seen & ~NETMON_SLOT_STATE_MASK) | NETMON_SLOT_DOOMED, 0,
			    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0; /* cannot happen: only we doom a READY slot */
	}
	return note_doomed(s, t, i);
}

/* Every slot of one table: after a crash or an adoption, slots left DOOMED
 * or READY with no packet are in no hold's list; and a table the list
 * covers most of is cheaper to scan (scan_cheaper()). */
static int release_table(struct snapshotter *s, int t, __u32 old)
{
	__u32 nslots = s->maps.tables[t].nslots, seen;

	for (__u32 i = 0; i < nslots; i = scan_next(i, seen & NETMON_SLOT_STATE_MASK)) {
		__u32 *w0;
		int err = reach_slot(s, t, i);

		if (err)
			return err;
		w0 = slot_word0(s, t, i);
		seen = __atomic_load_n(w0, __ATOMIC_ACQUIRE);
		err = release_slot(s, t, old, i, w0, seen);
		if (err)
			return err;
	}
	return 0;
}

/* Only the slots of table t the hold copied (n entries of its list from
 * held): every other slot had no packet in generation old (nothing adds to
 * it after the flip's grace period). */
static int release_held(struct snapshotter *s, int t, const __u32 *held, size_t n, __u32 old)
{
	for (size_t j = 0; j < n; j++) {
		__u32 i = held[j] & 0x7fffffff, *w0;
		int err = reach_slot(s, t, i);

		if (err)
			return err;
		w0 = slot_word0(s, t, i);
		err = release_slot(s, t, old, i, w0, __atomic_load_n(w0, __ATOMIC_ACQUIRE));
		if (err)
			return err;
	}
	return 0;
}

/*
 * Whether the release of a held table scans it rather than walk its part of
 * the hold's list: when the list covers at least RELEASE_SCAN_SHARE_PCT % of
 * the slots the hold's scan looked at. With half of them listed the scan
 * already costs less (1M flows, bench/RESULTS.md, "snapshot_release(): the
 * list or the scan"): it reads the slots in order, the list walk reads the
 * list (4 bytes a flow) too. The slots the scan passes over hold no count
 * of generation old, so it does what the list walk would.
 */
#define RELEASE_SCAN_SHARE_PCT 50

static int scan_cheaper(const struct snapshotter *s, int t)
{
	return s->held_in[t] &&
	       (__u64)s->held_in[t] * 100 >= (__u64)s->scanned[t] * RELEASE_SCAN_SHARE_PCT;
}

/*
 * Every program running when a slot was marked DOOMED has finished once a
 * grace period has passed; later ones saw DOOMED and either brought the slot
 * back to READY (a compare-and-swap) or will. So a slot still DOOMED with no
 * packet in the new generation can be freed: no program holds it. One that
 * got packets (from a program that saw it READY just before the mark) goes
 * back to READY. A flow freed here and seen again is inserted again.
 */
static int free_idle(struct snapshotter *s, __u32 cur)
{
	__u32 freed[2] = { 0, 0 };
	int err = 0;

	for (size_t j = 0; j < s->n_doomed; j++) {
		int t = s->doomed[j] >> 31;
		__u32 i = s->doomed[j] & 0x7fffffff, *w0, seen;
		const struct flow_gen_counters *c;
		__u32 to = NETMON_SLOT_FREE;

		err = reach_slot(s, t, i);
		if (!err)
			err = reach_counts(s, t, i);
		if (err)
			break; /* left DOOMED: the next release scans (scan_all) */
		w0 = slot_word0(s, t, i);
		seen = __atomic_load_n(w0, __ATOMIC_ACQUIRE);
		c = &counts_of(s, t, i)->gen[cur];
		if ((seen & NETMON_SLOT_STATE_MASK) != NETMON_SLOT_DOOMED)
			continue; /* a packet brought it back */
		if (gen_counted(c, __ATOMIC_ACQUIRE))
			to = (seen & ~NETMON_SLOT_STATE_MASK) | NETMON_SLOT_READY;
		if (__atomic_compare_exchange_n(w0, &seen, to, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST) &&
		    to == NETMON_SLOT_FREE)
			freed[t]++;
	}
	/* One atomic per table, not per slot: until it lands the programs see
	 * the table fuller than it is, never emptier. */
	for (int t = 0; t < 2; t++)
		if (freed[t])
			__atomic_fetch_sub(s->maps.tables[t].used, freed[t], __ATOMIC_SEQ_CST);
	return err;
}

/* One CPU's totals into their sum: times only from CPUs that counted. */
static void add_cpu_total(struct total_counters *sum, const struct total_counters *c)
{
	if (c->packets && (!sum->first_ns || c->first_ns < sum->first_ns))
		sum->first_ns = c->first_ns;
	if (c->packets && c->last_ns > sum->last_ns)
		sum->last_ns = c->last_ns;
	sum->packets += c->packets;
	sum->bytes += c->bytes;
	sum->syn += c->syn;
	sum->fin += c->fin;
	sum->rst += c->rst;
	sum->tcp_flags |= c->tcp_flags;
}

/* Per-CPU values come as round_up(value_size, 8) bytes per possible CPU. */
static int consume_totals(struct snapshotter *s, struct snapshot *snap, size_t n)
{
	const struct total_key *k = s->keys;
	const struct total_counters *v = s->values;
	int err = grow((void **)&snap->totals, &snap->cap_totals, snap->n_totals + n,
		       sizeof(*snap->totals));

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		struct total_record *r = &snap->totals[snap->n_totals++];

		r->key = k[i];
		memset(&r->c, 0, sizeof(r->c));
		for (int cpu = 0; cpu < s->ncpus; cpu++)
			add_cpu_total(&r->c, &v[i * s->ncpus + cpu]);
	}
	return 0;
}

static int consume_procs(struct snapshotter *s, struct snapshot *snap, size_t n)
{
	const struct proc_key *k = s->keys;
	const struct proc_counters *v = s->values;
	int err = grow((void **)&snap->procs, &snap->cap_procs, snap->n_procs + n,
		       sizeof(*snap->procs));

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		snap->procs[snap->n_procs].key = k[i];
		snap->procs[snap->n_procs].c = v[i];
		snap->n_procs++;
	}
	return 0;
}

static int consume_infos(struct snapshotter *s, struct snapshot *snap, size_t n)
{
	const __u32 *k = s->keys;
	const struct proc_info *v = s->values;
	int err = grow((void **)&snap->infos, &snap->cap_infos, snap->n_infos + n,
		       sizeof(*snap->infos));

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		snap->infos[snap->n_infos].tgid = k[i];
		snap->infos[snap->n_infos].info = v[i];
		snap->n_infos++;
	}
	return 0;
}

static int cmp_tgid(const void *a, const void *b)
{
	__u32 x = ((const struct proc_info_record *)a)->tgid;
	__u32 y = ((const struct proc_info_record *)b)->tgid;

	return x < y ? -1 : x > y;
}

/*
 * Return once no BPF program that started before the call is still running.
 * Re-inserting a map into a map-in-map returns after synchronize_rcu(), and
 * TC/XDP programs run inside RCU read-side sections.
 */
static int wait_for_programs(struct snapshotter *s)
{
	__u32 k = 0;
	int fd = s->maps.totals[0];

	if (bpf_map_update_elem(s->maps.total_gens, &k, &fd, BPF_ANY)) {
		int err = -errno;

		pr_err("waiting for in-flight BPF programs failed: %s", strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Make the programs use the other generation; return once none can still be
 * using the old one. active_gen counts flips (the programs use its low bit):
 * the interval counted under sequence n is written with n, which is how a
 * restarted recorder tells a written generation from one that is not.
 */
static int flip(struct snapshotter *s, __u32 *seq)
{
	__u32 cur = __atomic_load_n(s->maps.active_gen, __ATOMIC_SEQ_CST);
	int err;

	__atomic_store_n(s->maps.active_gen, cur + 1, __ATOMIC_SEQ_CST);
	/* The per-process programs follow the same generation: one grace period
	 * below covers them too (raw tracepoints also run under RCU). */
	if (s->maps.proc_on)
		__atomic_store_n(s->maps.proc_active_gen, cur + 1, __ATOMIC_SEQ_CST);
	err = wait_for_programs(s);
	if (!err)
		*seq = cur;
	return err;
}

/* Per-CPU totals values: round_up(value_size, 8) bytes per possible CPU. */
static size_t totals_value_size(const struct snapshotter *s)
{
	return ((sizeof(struct total_counters) + 7) & ~7ul) * s->ncpus;
}

/*
 * Generation gen's per-process rows (its table, then the programs' per-CPU
 * cache entries, proc_cache.h) and the names, sorted by tgid. Nothing when
 * per-process accounting is off.
 */
static int read_procs(struct snapshotter *s, struct snapshot *snap, __u32 gen, int keep)
{
	int err;

	if (!s->maps.proc_on)
		return 0;
	err = walk_map(s, snap, s->maps.procs[gen], sizeof(struct proc_key),
		       sizeof(struct proc_counters), consume_procs, 0,
		       keep ? &s->kept[KEPT_PROCS] : NULL);
	if (!err)
		err = proc_cache_read(s->maps.proc_cache, s->ncpus, gen, snap);
	if (!err)
		err = walk_map(s, snap, s->maps.infos[gen], sizeof(__u32), sizeof(struct proc_info),
			       consume_infos, 0, keep ? &s->kept[KEPT_INFOS] : NULL);
	if (!err)
		qsort(snap->infos, snap->n_infos, sizeof(*snap->infos), cmp_tgid);
	return err;
}

/* Copy generation old of every map into snap; the kernel keeps it. */
static int read_gen(struct snapshotter *s, struct snapshot *snap, __u32 old, uint64_t now_ns)
{
	size_t taken = (size_t)__atomic_load_n(s->maps.tables[0].used, __ATOMIC_RELAXED) +
		       __atomic_load_n(s->maps.tables[1].used, __ATOMIC_RELAXED);
	size_t flows_from = snap->n_flows, totals_from = snap->n_totals;
	/* Room for every slot taken before the first record: an array grown
	 * while it is written moves (mremap) and its huge pages are split. */
	int err = grow((void **)&snap->flows, &snap->cap_flows, snap->n_flows + taken,
		       sizeof(*snap->flows));

	if (!err)
		err = grow((void **)&s->held, &s->cap_held, s->n_held + taken, sizeof(*s->held));
	for (int t = 0; !err && t < 2; t++)
		err = read_table(s, snap, t, old, now_ns);
	windows_done(s);
	/* Room for the taken slots was made before: slots of a burst's flows
	 * idle since are taken until this release frees them. */
	shrink((void **)&snap->flows, &snap->cap_flows, snap->n_flows, sizeof(*snap->flows));
	shrink((void **)&s->held, &s->cap_held, s->n_held, sizeof(*s->held));
	if (!err)
		err = walk_map(s, snap, s->maps.totals[old], sizeof(struct total_key),
			       totals_value_size(s), consume_totals, 0, &s->kept[KEPT_TOTALS]);
	if (!err)
		err = ip_totals_add(snap, flows_from, totals_from);
	if (!err)
		err = read_procs(s, snap, old, 1);
	if (err || !s->maps.proc_on)
		return err;
	snap->proc_full_calls =
		__atomic_load_n(&s->maps.proc_table_full[old].calls, __ATOMIC_RELAXED);
	snap->proc_full_bytes =
		__atomic_load_n(&s->maps.proc_table_full[old].bytes, __ATOMIC_RELAXED);
	snap->cgroups_gone = s->maps.cgroups_gone;
	return 0;
}

static void start_snapshot(struct snapshot *snap)
{
	snap->n_flows = 0;
	snap->n_totals = 0;
	snap->n_procs = 0;
	snap->n_infos = 0;
	snap->proc_full_calls = 0;
	snap->proc_full_bytes = 0;
	snap->cgroups_gone = 0;
	snap->run = 0;
	clock_gettime(CLOCK_REALTIME, &snap->wall);
	snap->mono_ns = now_ns(CLOCK_MONOTONIC_COARSE);
}

/* Copy generation seq & 1 into snap (started at t0) and say which it is. */
static int read_seq(struct snapshotter *s, struct snapshot *snap, __u32 seq, uint64_t clock_ns,
		    uint64_t t0)
{
	int err;

	s->n_held = 0;
	s->held_ok = 0;
	for (int i = 0; i < 3; i++)
		s->kept[i].n = 0;
	err = read_gen(s, snap, seq & 1, clock_ns ? clock_ns : snap->mono_ns);
	if (err)
		return err;
	snap->seq = seq;
	snap->run = s->maps.run;
	snap->duration_us = (now_ns(CLOCK_MONOTONIC) - t0) / 1000;
	return 0;
}

int snapshot_hold_at(struct snapshotter *s, struct snapshot *snap, uint64_t clock_ns)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	__u32 seq = 0;
	int err;

	start_snapshot(snap);
	err = flip(s, &seq);
	if (!err)
		err = read_seq(s, snap, seq, clock_ns, t0);
	s->held_ok = !err;
	s->held_seq = seq;
	return err;
}

/* Clear generation old's flow counters and doom idle slots: in each table,
 * the slots the hold of its generation listed, or every slot. */
static int release_flows(struct snapshotter *s, __u32 old, int listed)
{
	const __u32 *held = s->held;
	int err = 0;

	s->n_doomed = 0;
	for (int t = 0; !err && t < 2; t++) {
		size_t n = listed ? s->held_in[t] : 0;

		if (!listed || scan_cheaper(s, t))
			err = release_table(s, t, old);
		else
			err = release_held(s, t, held, n, old);
		held += n;
	}
	return err;
}

/*
 * Empty one map of generation old: delete the keys the hold read there
 * (listed; nothing adds a key after the flip's grace period, so they are
 * all of them), else, or if one is gone already, drain what is left.
 */
static int clear_map(struct snapshotter *s, int fd, size_t ksz, size_t vsz,
		     const struct key_list *kl, int listed)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count = (__u32)kl->n;

	if (listed && (!count || !bpf_map_delete_batch(fd, kl->buf, &count, &opts)))
		return 0;
	return walk_map(s, NULL, fd, ksz, vsz, NULL, 1, NULL);
}

int snapshot_release(struct snapshotter *s, __u32 seq)
{
	__u32 old = seq & 1;
	/* Flipped by us after the last release: the hold's lists name every
	 * slot and key with a count in generation old. */
	int listed = !s->scan_all && s->held_ok && s->held_seq == seq;
	int err = release_flows(s, old, listed);

	s->held_ok = 0;
	test_point("release"); /* flows cleared, totals and processes not yet */
	if (!err && s->n_doomed) {
		err = wait_for_programs(s);
		if (!err)
			err = free_idle(s, old ^ 1);
	}
	if (!err)
		err = clear_map(s, s->maps.totals[old], sizeof(struct total_key),
				totals_value_size(s), &s->kept[KEPT_TOTALS], listed);
	if (!err && s->maps.proc_on)
		err = clear_map(s, s->maps.procs[old], sizeof(struct proc_key),
				sizeof(struct proc_counters), &s->kept[KEPT_PROCS], listed);
	if (!err && s->maps.proc_on)
		err = proc_cache_clear(s->maps.proc_cache, s->ncpus, old);
	if (!err && s->maps.proc_on)
		err = clear_map(s, s->maps.infos[old], sizeof(__u32), sizeof(struct proc_info),
				&s->kept[KEPT_INFOS], listed);
	if (!err && s->maps.proc_on) {
		/* Nothing adds to generation old until the next flip. */
		__atomic_store_n(&s->maps.proc_table_full[old].calls, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->maps.proc_table_full[old].bytes, 0, __ATOMIC_RELAXED);
	}
	windows_done(s);
	/* Needed within a release only, and large only when a burst's flows
	 * all go idle at once: not kept for the next burst (4 MiB at 1M). */
	if (s->cap_doomed * sizeof(*s->doomed) >= SHRINK_MIN_BYTES) {
		free(s->doomed);
		s->doomed = NULL;
		s->n_doomed = s->cap_doomed = 0;
	}
	s->scan_all = !!err; /* slots doomed and not freed are in no later list */
	return err;
}

__u32 snapshot_seq(const struct snapshotter *s)
{
	return __atomic_load_n(s->maps.active_gen, __ATOMIC_SEQ_CST);
}

int snapshot_settle(struct snapshotter *s)
{
	__u32 seq = snapshot_seq(s);

	if (s->maps.proc_on)
		__atomic_store_n(s->maps.proc_active_gen, seq, __ATOMIC_SEQ_CST);
	return wait_for_programs(s);
}

int snapshot_read_pending(struct snapshotter *s, struct snapshot *snap, __u32 seq)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);

	start_snapshot(snap);
	return read_seq(s, snap, seq, 0, t0);
}

int snapshot_take(struct snapshotter *s, struct snapshot *snap)
{
	return snapshot_take_at(s, snap, 0);
}

int snapshot_take_at(struct snapshotter *s, struct snapshot *snap, uint64_t clock_ns)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	int err = snapshot_hold_at(s, snap, clock_ns);

	if (!err)
		err = snapshot_release(s, snap->seq);
	snap->duration_us = (now_ns(CLOCK_MONOTONIC) - t0) / 1000;
	return err;
}

/*
 * The live view's look at the active generation: read, never flip, zero or
 * free. Programs keep adding while we read, so each value is a lower bound of
 * what the next snapshot_take() drains for that generation: a rate computed
 * as (drained - last peek) + next peek counts every byte once.
 */
static int peek_flows(struct snapshotter *s, struct snapshot *snap, __u32 cur)
{
	for (int t = 0; t < 2; t++) {
		const struct snapshot_table *tab = &s->maps.tables[t];
		__u32 w0;

		/* No slot taken, no count (as in read_table()): an unused table,
		 * often the IPv6 one, is not mapped or read each second. */
		if (!__atomic_load_n(tab->used, __ATOMIC_ACQUIRE))
			continue;
		for (__u32 i = 0; i < tab->nslots; i = scan_next(i, w0 & NETMON_SLOT_STATE_MASK)) {
			struct flow_gen_counters c;
			const void *slot;
			int err = reach_slot(s, t, i);

			if (err)
				return err;
			slot = slot_word0(s, t, i);
			w0 = __atomic_load_n((const __u32 *)slot, __ATOMIC_ACQUIRE);
			/* Keys change only while BUSY (an inserter) after a free. */
			if ((w0 & NETMON_SLOT_STATE_MASK) != NETMON_SLOT_READY)
				continue;
			err = reach_counts(s, t, i);
			if (err)
				return err;
			c = counts_of(s, t, i)->gen[cur];
			if (!NETMON_GEN_COUNTED(c.packets_bytes, c.flags_wraps))
				continue;
			err = grow((void **)&snap->flows, &snap->cap_flows, snap->n_flows + 1,
				   sizeof(*snap->flows));
			if (err)
				return err;
			to_record(slot, tab->slot_size != sizeof(struct flow4_slot), &c,
				  snap->mono_ns, s->maps.time_unit_ns,
				  &snap->flows[snap->n_flows++]);
		}
	}
	return 0;
}

int snapshot_peek(struct snapshotter *s, struct snapshot *snap)
{
	__u32 cur = __atomic_load_n(s->maps.active_gen, __ATOMIC_SEQ_CST) & 1;
	int err;

	snap->n_flows = snap->n_totals = snap->n_procs = snap->n_infos = 0;
	clock_gettime(CLOCK_REALTIME, &snap->wall);
	snap->mono_ns = now_ns(CLOCK_MONOTONIC_COARSE);
	err = peek_flows(s, snap, cur);
	windows_done(s);
	if (!err)
		err = walk_map(s, snap, s->maps.totals[cur], sizeof(struct total_key),
			       totals_value_size(s), consume_totals, 0, NULL);
	if (!err)
		err = ip_totals_add(snap, 0, 0);
	return err ? err : read_procs(s, snap, cur, 0);
}
