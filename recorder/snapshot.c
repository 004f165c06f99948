// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * snapshot.c - flip the map generation, wait for in-flight programs, drain.
 *
 * Why not read-then-delete on a live map (as tcptop does): a packet counted
 * between the read and the delete is lost. Why not lookup_and_delete on a live
 * map: an update that finds the entry just before it is deleted adds to
 * memory that is then freed, lost again. Here nothing writes to the
 * generation being drained, so every drained byte is final.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "snapshot.h"

/* Entries per batch call; doubled on -ENOSPC (a hash bucket larger than it). */
#define BATCH_START 4096
#define BATCH_MAX (1u << 20)

struct snapshotter {
	struct snapshot_maps maps;
	int ncpus;
	/* scratch for one batch call; capacities in bytes */
	void *keys, *values;
	size_t keys_cap, values_cap;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int snapshot_open(struct snapshotter **out, const struct snapshot_maps *maps)
{
	struct snapshotter *s;
	int ncpus = libbpf_num_possible_cpus();

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
	*out = s;
	return 0;
}

void snapshot_close(struct snapshotter *s)
{
	if (!s)
		return;
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
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Hands each batch of (keys, values, n) to a consumer. */
typedef int (*batch_fn)(struct snapshotter *s, struct snapshot *snap, size_t n);

static int drain_map(struct snapshotter *s, struct snapshot *snap, int fd, size_t ksz,
		     size_t vsz, batch_fn consume)
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
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_batch, &out_batch,
						      s->keys, s->values, &count, &opts);
		if (err && errno)
			err = -errno;
		if (err == -ENOSPC && chunk < BATCH_MAX) {
			chunk *= 2; /* a bucket larger than the batch: retry wider */
			continue;
		}
		if (err && err != -ENOENT) {
			pr_err("draining map fd %d failed: %s", fd, strerror(-err));
			return err;
		}
		/* -ENOENT ends the walk but may come with a last partial batch. */
		if (count) {
			int cerr = consume(s, snap, count);

			if (cerr)
				return cerr;
		}
		if (err == -ENOENT)
			return 0;
		in_batch = out_batch;
		first = 0;
	}
}

static int consume_flows(struct snapshotter *s, struct snapshot *snap, size_t n)
{
	const struct flow_key *k = s->keys;
	const struct flow_counters *v = s->values;
	int err = grow((void **)&snap->flows, &snap->cap_flows, snap->n_flows + n,
		       sizeof(*snap->flows));

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		snap->flows[snap->n_flows].key = k[i];
		snap->flows[snap->n_flows].c = v[i];
		snap->n_flows++;
	}
	return 0;
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
		for (int cpu = 0; cpu < s->ncpus; cpu++) {
			r->c.packets += v[i * s->ncpus + cpu].packets;
			r->c.bytes += v[i * s->ncpus + cpu].bytes;
		}
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
 * Make the programs use the other generation and return once none can still
 * be using the old one. Re-inserting a map into a map-in-map returns after
 * synchronize_rcu(), and TC/XDP programs run inside RCU read-side sections.
 */
static int flip(struct snapshotter *s, __u32 *old)
{
	__u32 cur = __atomic_load_n(s->maps.active_gen, __ATOMIC_SEQ_CST) & 1;
	int fd = s->maps.flows[cur];

	__atomic_store_n(s->maps.active_gen, cur ^ 1, __ATOMIC_SEQ_CST);
	/* The per-process programs follow the same generation: one grace period
	 * below covers them too (raw tracepoints also run under RCU). */
	if (s->maps.proc_on)
		__atomic_store_n(s->maps.proc_active_gen, cur ^ 1, __ATOMIC_SEQ_CST);
	if (bpf_map_update_elem(s->maps.flow_gens, &cur, &fd, BPF_ANY)) {
		int err = -errno;

		pr_err("waiting for in-flight BPF programs failed: %s", strerror(-err));
		return err;
	}
	*old = cur;
	return 0;
}

int snapshot_take(struct snapshotter *s, struct snapshot *snap)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	__u32 old = 0;
	int err;

	snap->n_flows = 0;
	snap->n_totals = 0;
	snap->n_procs = 0;
	snap->n_infos = 0;
	clock_gettime(CLOCK_REALTIME, &snap->wall);
	snap->mono_ns = now_ns(CLOCK_MONOTONIC_COARSE);
	err = flip(s, &old);
	if (err)
		return err;
	err = drain_map(s, snap, s->maps.flows[old], sizeof(struct flow_key),
			sizeof(struct flow_counters), consume_flows);
	if (err)
		return err;
	err = drain_map(s, snap, s->maps.totals[old], sizeof(struct total_key),
			((sizeof(struct total_counters) + 7) & ~7ul) * s->ncpus, consume_totals);
	if (err)
		return err;
	if (s->maps.proc_on) {
		err = drain_map(s, snap, s->maps.procs[old], sizeof(struct proc_key),
				sizeof(struct proc_counters), consume_procs);
		if (!err)
			err = drain_map(s, snap, s->maps.infos[old], sizeof(__u32),
					sizeof(struct proc_info), consume_infos);
		if (err)
			return err;
		snap->proc_table_full = *s->maps.proc_table_full;
		qsort(snap->infos, snap->n_infos, sizeof(*snap->infos), cmp_tgid);
	}
	snap->duration_us = (now_ns(CLOCK_MONOTONIC) - t0) / 1000;
	return 0;
}
