// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * table_env.c - the flow programs loaded, a snapshotter over their maps and
 * the IPv4 flow table mapped into the test (slots and counters, read and
 * written as the kernel's programs and the recorder see them), for the
 * tests that look inside the table: test_snapshot.c, test_count_carry.c.
 * Included, as frames.c is (the Makefile links each test alone).
 */
#include <stdlib.h>
#include <sys/mman.h>
#include "flow.skel.h"
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "log.h"

struct env {
	struct flow_bpf *skel;
	struct snapshot_maps maps;
	struct snapshotter *snapper;
	struct snapshot snap;
	struct flow4_slot *slots; /* the IPv4 table, mapped */
	struct flow_slot_counters *counts;
	size_t slots_len, counts_len;
};

/* A cmocka setup: *state the env, tables of max_flows; the log as name. */
static int env_setup(void **state, const char *name, unsigned int max_flows)
{
	struct env *e = calloc(1, sizeof(*e));
	const struct snapshot_table *t;

	if (!e)
		return -1;
	*state = e;
	log_init(name, getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	if (flow_load(&e->skel, max_flows))
		return -1;
	flow_snapshot_maps(e->skel, &e->maps);
	if (snapshot_open(&e->snapper, &e->maps))
		return -1;
	t = &e->maps.tables[0];
	e->slots_len = (size_t)t->nslots * t->slot_size;
	e->counts_len = (size_t)t->nslots * sizeof(*e->counts);
	e->slots = mmap(NULL, e->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED, t->slots_fd, 0);
	e->counts = mmap(NULL, e->counts_len, PROT_READ | PROT_WRITE, MAP_SHARED, t->counts_fd, 0);
	return e->slots == MAP_FAILED || e->counts == MAP_FAILED ? -1 : 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	if (e->slots && e->slots != MAP_FAILED)
		munmap(e->slots, e->slots_len);
	if (e->counts && e->counts != MAP_FAILED)
		munmap(e->counts, e->counts_len);
	snapshot_free(&e->snap);
	snapshot_close(e->snapper);
	flow_unload(e->skel);
	free(e);
	return 0;
}
