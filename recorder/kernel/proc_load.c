// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "netmon_user.h" /* before the skeleton: its .bss has a netmon.h struct */
#include "numparse.h"
#include "proc.skel.h"
#include "proc_load.h"
#include "test_hooks.h"

/*
 * Two program sets of the same code (bpf/proc.bpf.c). tp_btf: typed
 * arguments, struct sock read with direct loads, the cheaper. raw_tp: every
 * field through bpf_probe_read_kernel, the fallback for a kernel that
 * refuses the first.
 */
enum proc_kind { PROC_BTF, PROC_RAW };

struct proc_tp {
	const char *name; /* the tracepoint */
	char full[64];	  /* name + NETMON_TEST_PROC_TP_SUFFIX */
};

/* The tracepoints, in program order: send, receive. A test names missing
 * ones (NETMON_TEST_PROC_TP_SUFFIX) to go through what an older kernel
 * does, for real: libbpf finds no BTF for tp_btf, the kernel no raw one. */
static void tracepoint_names(struct proc_tp tp[2])
{
	const char *suffix = test_hooks()->proc_tp_suffix;

	tp[0].name = "sock_send_length";
	tp[1].name = "sock_recv_length";
	for (int i = 0; i < 2; i++)
		snprintf(tp[i].full, sizeof(tp[i].full), "%s%s", tp[i].name, suffix);
}

static void progs_of(struct proc_bpf *skel, enum proc_kind kind, struct bpf_program *p[2],
		     struct bpf_link ***l)
{
	int btf = kind == PROC_BTF;

	p[0] = btf ? skel->progs.netmon_send_btf : skel->progs.netmon_send_raw;
	p[1] = btf ? skel->progs.netmon_recv_btf : skel->progs.netmon_recv_raw;
	l[0] = btf ? &skel->links.netmon_send_btf : &skel->links.netmon_send_raw;
	l[1] = btf ? &skel->links.netmon_recv_btf : &skel->links.netmon_recv_raw;
}

/* The pinned links of the per-process programs (pin.h), in program order. */
static const char *const link_pins[2] = { "proc_link_send", "proc_link_recv" };

/* The pinned link of the cgroup_rmdir program (pin.h). */
static const char rmdir_pin[] = "proc_link_rmdir";

/*
 * Keep the path of each cgroup removed (proc.bpf.c), pinned with the
 * counting links: while no recorder runs (a crash, a --keep-attached stop)
 * the kernel goes on counting the processes of units that end meanwhile,
 * and their cgroups' paths must be kept too for the next run to name them.
 * Not needed to count, so a refusal only says what is lost.
 */
static void attach_rmdir(struct proc_bpf *skel, const struct pin_dir *pins)
{
	skel->links.netmon_cgroup_rmdir =
		bpf_program__attach_raw_tracepoint(skel->progs.netmon_cgroup_rmdir, "cgroup_rmdir");
	if (!skel->links.netmon_cgroup_rmdir) {
		pr_warn("cgroups removed before their interval is written are named by their id: "
			"the cgroup_rmdir tracepoint refused the program (%s)",
			strerror(errno));
		return;
	}
	if (!pins)
		return;
	pin_unlink(pins, rmdir_pin); /* one left without its links: replaced */
	if (pin_link(pins, skel->links.netmon_cgroup_rmdir, rmdir_pin))
		pr_warn("cgroups removed while no recorder runs are named by their id");
}

/* Keep the links attached across a crash or a --keep-attached stop. */
static int pin_links(struct bpf_link **l[2], const struct pin_dir *pins)
{
	int err = 0;

	for (int i = 0; i < 2 && !err; i++)
		err = pin_link(pins, *l[i], link_pins[i]);
	return err;
}

/*
 * NETMON_TEST_PROC_KEYS=N: per-process tables of N keys instead of
 * NETMON_MAX_PROC_KEYS, so that a test fills them with a few sockets. 0 when
 * unset, -EINVAL (said why) when not a number in range.
 */
static int test_table_keys(unsigned long *keys)
{
	const char *v = test_hooks()->proc_keys;

	*keys = 0;
	if (!v)
		return 0;
	if (parse_uint_range(v, 1, NETMON_MAX_PROC_KEYS, keys)) {
		pr_warn("per-process accounting is off: NETMON_TEST_PROC_KEYS must be a whole "
			"number from 1 to %d, not '%s'",
			NETMON_MAX_PROC_KEYS, v);
		return -EINVAL;
	}
	return 0;
}

/* Open the object with one program set enabled, load it, attach it. keys:
 * entries of each per-process table, 0 for the built-in size. */
static struct proc_bpf *proc_open_attach(enum proc_kind kind, unsigned long keys,
					 const struct pin_dir *pins, int *err)
{
	struct bpf_program *p[2], *other[2];
	struct bpf_link **l[2], **ol[2];
	struct proc_tp tp[2];
	struct proc_bpf *skel;

	tracepoint_names(tp);
	skel = proc_bpf__open();
	if (!skel) {
		*err = -errno;
		return NULL;
	}
	progs_of(skel, kind, p, l);
	progs_of(skel, kind == PROC_BTF ? PROC_RAW : PROC_BTF, other, ol);
	*err = 0;
	for (int i = 0; i < 2 && !*err; i++) {
		bpf_program__set_autoload(other[i], 0);
		/* tp_btf: the BTF id of the tracepoint is looked up here. */
		if (kind == PROC_BTF)
			*err = bpf_program__set_attach_target(p[i], 0, tp[i].full);
	}
	if (!*err && keys)
		*err = bpf_map__set_max_entries(skel->maps.procs_0, keys);
	if (!*err && keys)
		*err = bpf_map__set_max_entries(skel->maps.procs_1, keys);
	if (!*err && pins)
		*err = pin_object_maps(pins, skel->obj, "proc_");
	if (!*err)
		*err = proc_bpf__load(skel);
	for (int i = 0; i < 2 && !*err; i++) {
		*l[i] = kind == PROC_BTF ? bpf_program__attach_trace(p[i])
					 : bpf_program__attach_raw_tracepoint(p[i], tp[i].full);
		if (!*l[i])
			*err = -errno;
	}
	if (!*err && pins)
		*err = pin_links(l, pins);
	if (!*err)
		attach_rmdir(skel, pins);
	if (*err) {
		proc_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The links an earlier run pinned still count into its pinned maps: reuse the
 * maps, load no program, attach nothing (but the cgroup_rmdir program when
 * an earlier build of this ABI left no link of it). */
static int proc_adopt(struct proc_bpf **out, const struct pin_dir *pins)
{
	struct proc_bpf *skel = proc_bpf__open();
	int rmdir = !pin_exists(pins, rmdir_pin);
	struct bpf_program *prog;
	int err;

	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, rmdir && prog == skel->progs.netmon_cgroup_rmdir);
	err = pin_object_maps(pins, skel->obj, "proc_");
	if (!err)
		err = proc_bpf__load(skel);
	if (!err && rmdir)
		attach_rmdir(skel, pins);
	if (err) {
		pr_err("cannot adopt the per-process maps pinned in %s: %s", pins->path,
		       strerror(-err));
		proc_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/*
 * NETMON_PROC_PROGS=raw skips the tp_btf set (tests and benchmarks run the
 * fallback with it); =btf forbids the fallback. NETMON_TEST_PROC_KEYS: see
 * test_table_keys(); pinned maps adopted keep their size.
 */
int proc_start(struct proc_bpf **out, const struct pin_dir *pins)
{
	const char *only = test_hooks()->proc_progs;
	struct proc_bpf *skel = NULL;
	unsigned long keys;
	int err = test_table_keys(&keys);

	*out = NULL;
	if (err)
		return err;
	if (only && strcmp(only, "raw") && strcmp(only, "btf")) {
		pr_warn("per-process accounting is off: NETMON_PROC_PROGS must be raw or btf, "
			"not '%s'",
			only);
		return -EINVAL;
	}
	if (pins && pins->adopted && pin_exists(pins, link_pins[0]) &&
	    pin_exists(pins, link_pins[1]))
		return proc_adopt(out, pins);
	if (!only || !strcmp(only, "btf"))
		skel = proc_open_attach(PROC_BTF, keys, pins, &err);
	if (!skel && !only)
		pr_info("per-process accounting: the typed (tp_btf) programs were refused (%s), "
			"falling back to raw tracepoint programs (slower)",
			strerror(-err));
	if (!skel && (!only || !strcmp(only, "raw")))
		skel = proc_open_attach(PROC_RAW, keys, pins, &err);
	if (!skel) {
		pr_warn("per-process accounting is off: the kernel lacks the "
			"sock_send_length/sock_recv_length tracepoints (Linux 6.3+) or refused "
			"the programs on them (%s); flows are recorded as usual",
			strerror(-err));
		return err;
	}
	*out = skel;
	return 0;
}

void proc_detach(struct proc_bpf *skel, const struct pin_dir *pins)
{
	/* A pinned link stays attached until its pin is gone too. */
	for (int i = 0; pins && i < 2; i++)
		pin_unlink(pins, link_pins[i]);
	if (pins)
		pin_unlink(pins, rmdir_pin);
	if (skel)
		proc_bpf__detach(skel);
}

void proc_stop(struct proc_bpf *skel)
{
	proc_bpf__destroy(skel);
}

void proc_snapshot_maps(struct proc_bpf *skel, struct snapshot_maps *maps)
{
	maps->proc_on = 1;
	maps->procs[0] = bpf_map__fd(skel->maps.procs_0);
	maps->procs[1] = bpf_map__fd(skel->maps.procs_1);
	maps->infos[0] = bpf_map__fd(skel->maps.infos_0);
	maps->infos[1] = bpf_map__fd(skel->maps.infos_1);
	maps->proc_cache = bpf_map__fd(skel->maps.proc_cache);
	maps->proc_active_gen = &skel->bss->active_gen;
	maps->proc_table_full = skel->bss->proc_table_full;
	maps->cgroups_gone = bpf_map__fd(skel->maps.cgroups_gone);
}
