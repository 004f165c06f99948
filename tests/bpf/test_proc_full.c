// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_proc_full.c - the per-process programs' table-full counters
 * (proc_table_full[gen] in bpf/proc.bpf.c's .bss) through the snapshotter,
 * on the real maps in the kernel: each interval gets its own generation's
 * calls and bytes, which are cleared once released and only then, so a
 * re-read after a crash (adoption) finds them again. The values are written
 * where the programs would add them, from user space, so that the exact
 * figures are known; tests/e2e/process.bats fills a real table. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <bpf/libbpf.h>

#include "kernel/flow_load.h"
#include "kernel/proc_load.h"
#include "kernel/snapshot.h"
#include "log.h"
#include "netmon_user.h" /* before the skeleton: its .bss has a netmon.h struct */
#include "proc.skel.h"

struct env {
	struct flow_bpf *flow;
	struct proc_bpf *proc;
	struct snapshotter *snapper;
	struct snapshot snap;
};

/* The per-process maps without programs (what an adopting recorder does):
 * nothing but this test writes the counters. */
static struct proc_bpf *proc_maps_only(void)
{
	struct proc_bpf *skel = proc_bpf__open();
	struct bpf_program *prog;

	if (!skel)
		return NULL;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, 0);
	if (proc_bpf__load(skel)) {
		proc_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int setup(void **state)
{
	struct snapshot_maps maps;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	log_init("test_proc_full", getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	if (flow_load(&e->flow, 64))
		goto fail;
	e->proc = proc_maps_only();
	if (!e->proc)
		goto fail;
	flow_snapshot_maps(e->flow, &maps);
	proc_snapshot_maps(e->proc, &maps);
	if (snapshot_open(&e->snapper, &maps))
		goto fail;
	*state = e;
	return 0;
fail:
	proc_bpf__destroy(e->proc);
	flow_unload(e->flow);
	free(e);
	return -1;
}

static int teardown(void **state)
{
	struct env *e = *state;

	snapshot_free(&e->snap);
	snapshot_close(e->snapper);
	proc_bpf__destroy(e->proc);
	flow_unload(e->flow);
	free(e);
	return 0;
}

static void set_full(struct env *e, int gen, uint64_t calls, uint64_t bytes)
{
	e->proc->bss->proc_table_full[gen].calls = calls;
	e->proc->bss->proc_table_full[gen].bytes = bytes;
}

static void assert_snap_full(const struct env *e, uint64_t calls, uint64_t bytes)
{
	assert_int_equal(e->snap.proc_full_calls, calls);
	assert_int_equal(e->snap.proc_full_bytes, bytes);
}

/* Interval n reads generation n & 1 alone and leaves it at zero. */
static void test_per_interval(void **state)
{
	struct env *e = *state;

	set_full(e, 0, 3, 300);
	set_full(e, 1, 5, 5000000000ull);
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	assert_int_equal(e->snap.seq, 0);
	assert_snap_full(e, 3, 300);
	assert_int_equal(e->proc->bss->proc_table_full[0].calls, 0);
	assert_int_equal(e->proc->bss->proc_table_full[0].bytes, 0);
	assert_int_equal(e->proc->bss->proc_table_full[1].calls, 5);
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	assert_snap_full(e, 5, 5000000000ull);
	/* Generation 0 again: cleared, not counted a second time. */
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	assert_snap_full(e, 0, 0);
	assert_int_equal(snapshot_take(e->snapper, &e->snap), 0);
	assert_snap_full(e, 0, 0);
}

/* Held but not released (a crash before the commit): read again the same. */
static void test_kept_until_released(void **state)
{
	struct env *e = *state;
	uint32_t seq;

	set_full(e, 0, 2, 222);
	assert_int_equal(snapshot_hold_at(e->snapper, &e->snap, 0), 0);
	seq = e->snap.seq;
	assert_snap_full(e, 2, 222);
	assert_int_equal(snapshot_read_pending(e->snapper, &e->snap, seq), 0);
	assert_snap_full(e, 2, 222);
	assert_int_equal(snapshot_release(e->snapper, seq), 0);
	assert_int_equal(snapshot_read_pending(e->snapper, &e->snap, seq), 0);
	assert_snap_full(e, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_until_released, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
