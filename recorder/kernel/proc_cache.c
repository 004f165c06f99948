// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "log.h"
#include "proc_cache.h"

/* Our record of key k: an existing one, else a new zeroed one at the end. */
static struct proc_record *record_of(struct snapshot *snap, const struct proc_key *k)
{
	struct proc_record *r;

	for (size_t i = 0; i < snap->n_procs; i++)
		if (!memcmp(&snap->procs[i].key, k, sizeof(*k)))
			return &snap->procs[i];
	if (snap->n_procs == snap->cap_procs) {
		size_t cap = snap->cap_procs ? 2 * snap->cap_procs : 64;

		r = realloc(snap->procs, cap * sizeof(*r));
		if (!r)
			return NULL;
		snap->procs = r;
		snap->cap_procs = cap;
	}
	r = &snap->procs[snap->n_procs++];
	r->key = *k;
	memset(&r->c, 0, sizeof(r->c));
	return r;
}

static int add_entry(struct snapshot *snap, const struct proc_cache_entry *e, int sent)
{
	struct proc_record *r;

	if (!e->key.family || !e->calls)
		return 0;
	r = record_of(snap, &e->key);
	if (!r)
		return -ENOMEM;
	if (sent) {
		r->c.bytes_sent += e->bytes;
		r->c.sends += e->calls;
	} else {
		r->c.bytes_recv += e->bytes;
		r->c.recvs += e->calls;
	}
	return 0;
}

int proc_cache_read(int fd, int ncpus, __u32 gen, struct snapshot *snap)
{
	struct proc_cache_entry *v = calloc(ncpus, sizeof(*v));
	int err = v ? 0 : -ENOMEM;

	for (int sent = 0; sent < 2 && !err; sent++) {
		__u32 slot = NETMON_PROC_CACHE_SLOT(gen, sent);

		if (bpf_map_lookup_elem(fd, &slot, v)) {
			err = -errno;
			pr_err("reading the per-process cache failed: %s", strerror(-err));
			break;
		}
		for (int cpu = 0; cpu < ncpus && !err; cpu++)
			err = add_entry(snap, &v[cpu], sent);
	}
	free(v);
	return err;
}

int proc_cache_clear(int fd, int ncpus, __u32 gen)
{
	struct proc_cache_entry *v = calloc(ncpus, sizeof(*v));
	int err = v ? 0 : -ENOMEM;

	for (int sent = 0; sent < 2 && !err; sent++) {
		__u32 slot = NETMON_PROC_CACHE_SLOT(gen, sent);

		if (bpf_map_update_elem(fd, &slot, v, BPF_ANY)) {
			err = -errno;
			pr_err("clearing the per-process cache failed: %s", strerror(-err));
		}
	}
	free(v);
	return err;
}
