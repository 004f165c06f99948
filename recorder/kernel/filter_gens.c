// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * filter_gens.c - the capture filters into the kernel, a generation at a
 * time (filter_gens.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flow.skel.h"
#include "filter_gens.h"
#include "log.h"

struct filter_gens {
	int trie_fd;
	__u32 *mode;	   /* filter_mode[] in the programs' .bss */
	__u32 *active_gen; /* its low bit: the generation the programs use */
	struct filter_table want;
	unsigned int version;	     /* of want: one more at each filter_gens_set() */
	unsigned int gen_version[2]; /* of the rules each generation holds; 0: unknown */
};

int filter_gens_open(struct filter_gens **out, struct flow_bpf *skel)
{
	struct filter_gens *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->trie_fd = bpf_map__fd(skel->maps.filter_rules);
	f->mode = skel->bss->filter_mode;
	f->active_gen = &skel->bss->active_gen;
	*out = f;
	return 0;
}

void filter_gens_close(struct filter_gens *f)
{
	free(f);
}

/* Remove generation gen's entries (all of them: an adopted trie holds the
 * earlier run's). */
static int clear_gen(struct filter_gens *f, __u8 gen)
{
	struct filter_key keys[NETMON_GENERATIONS * NETMON_FILTER_MAX_PREFIXES], *prev = NULL;
	int n = 0;

	while (n < (int)(sizeof(keys) / sizeof(keys[0])) &&
	       !bpf_map_get_next_key(f->trie_fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (int i = 0; i < n; i++)
		if (keys[i].gen == gen && bpf_map_delete_elem(f->trie_fd, &keys[i]) &&
		    errno != ENOENT)
			return -errno;
	return 0;
}

/* Generation gen, which no program uses, holds want from now on. */
static int write_gen(struct filter_gens *f, __u8 gen)
{
	int err;

	__atomic_store_n(&f->mode[gen], 0, __ATOMIC_SEQ_CST);
	f->gen_version[gen] = 0;
	err = clear_gen(f, gen);
	for (int i = 0; !err && i < f->want.n; i++) {
		struct filter_key k = f->want.e[i].key;

		k.gen = gen;
		if (bpf_map_update_elem(f->trie_fd, &k, &f->want.e[i].value, BPF_ANY))
			err = -errno;
	}
	if (err) {
		pr_err("cannot write the capture filters into the kernel: %s", strerror(-err));
		return err;
	}
	__atomic_store_n(&f->mode[gen], f->want.mode, __ATOMIC_SEQ_CST);
	f->gen_version[gen] = f->version;
	return 0;
}

int filter_gens_set(struct filter_gens *f, const struct filter_table *t, int idle)
{
	__u8 active = __atomic_load_n(f->active_gen, __ATOMIC_SEQ_CST) & 1;
	int err;

	f->want = *t;
	f->version++;
	err = write_gen(f, !active);
	if (!err && idle)
		err = write_gen(f, active);
	return err;
}

int filter_gens_flipped(struct filter_gens *f)
{
	__u8 waiting;

	if (!f || !f->version)
		return 0;
	waiting = !(__atomic_load_n(f->active_gen, __ATOMIC_SEQ_CST) & 1);
	return f->gen_version[waiting] == f->version ? 0 : write_gen(f, waiting);
}
