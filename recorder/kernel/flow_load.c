// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "flow.skel.h"
#include "flow_load.h"
#include "log.h"
#include "tick_clock.h"

/* libbpf speaks only when asked for debug output (-v). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (log_max_level() < LOGLVL_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Size one table: its slots and its counters, and tell the programs. */
static int size_table(struct bpf_map *slots, struct bpf_map *counts, struct bpf_map *tags,
		      unsigned int max_flows, volatile __u32 *buckets, volatile __u32 *max)
{
	__u32 nb = netmon_table_buckets(max_flows);

	if (bpf_map__set_max_entries(slots, nb * NETMON_BUCKET_SLOTS) ||
	    bpf_map__set_max_entries(counts, nb * NETMON_BUCKET_SLOTS) ||
	    bpf_map__set_max_entries(tags, nb)) {
		pr_err("cannot size the flow table to %u flows", max_flows);
		return -EINVAL;
	}
	*buckets = nb;
	*max = max_flows;
	return 0;
}

/* Maps pinned (or reused); when adopting, the programs the filters run are
 * the pinned ones: loading ours would only cost verifier time. */
static int flow_pin_before_load(struct flow_bpf *skel, const struct pin_dir *pins)
{
	struct bpf_program *prog;

	if (pins->adopted)
		bpf_object__for_each_program(prog, skel->obj)
			bpf_program__set_autoload(prog, 0);
	return pin_object_maps(pins, skel->obj, "flow_");
}

/* --sample: the rate and snap length the programs read, the ring's size. */
static int setup_sampling(struct flow_bpf *skel, const struct flow_load_opts *opts)
{
	unsigned int snaplen = opts->snaplen ? opts->snaplen : NETMON_SNAP_DEFAULT;
	long page = sysconf(_SC_PAGESIZE);
	unsigned int ring = opts->ring_bytes ? opts->ring_bytes : (unsigned int)page;

	/* The kernel wants a power of 2 that is a multiple of the page size. */
	if (snaplen > NETMON_SNAP_MAX || ring < page || (ring & (ring - 1))) {
		pr_err("invalid sampling setup: snap length %u (1..%d), ring %u bytes", snaplen,
		       NETMON_SNAP_MAX, ring);
		return -EINVAL;
	}
	skel->rodata->sample_every = opts->sample_every;
	skel->rodata->sample_snaplen = snaplen;
	if (bpf_map__set_max_entries(skel->maps.samples, ring)) {
		pr_err("cannot size the sample ring to %u bytes", ring);
		return -EINVAL;
	}
	return 0;
}

int flow_load(struct flow_bpf **out, unsigned int max_flows)
{
	struct flow_load_opts opts = { .max_flows = max_flows };

	return flow_load_with(out, &opts);
}

/* Whether the loaded (or adopted) programs sample as opts asks. */
static int sampling_matches(const struct flow_bpf *skel, const struct flow_load_opts *opts)
{
	unsigned int snaplen = opts->snaplen ? opts->snaplen : NETMON_SNAP_DEFAULT;

	return skel->rodata->sample_every == opts->sample_every &&
	       (!opts->sample_every || skel->rodata->sample_snaplen == snaplen);
}

int flow_load_with(struct flow_bpf **out, const struct flow_load_opts *opts)
{
	unsigned int max4 = opts->max_flows ? opts->max_flows : NETMON_DEFAULT_MAX_FLOWS;
	unsigned int max6 = opts->max_flows6 ? opts->max_flows6 : max4;
	struct flow_bpf *skel;
	__u64 seed;
	int err;

	*out = NULL;
	libbpf_set_print(libbpf_print);
	skel = flow_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	skel->rodata->clock_from_packet = !!opts->clock_from_packet;
	skel->rodata->dns_names = !!opts->names;
	err = setup_sampling(skel, opts);
	if (err)
		goto fail;
	err = size_table(skel->maps.slots4, skel->maps.counts4, skel->maps.tags4, max4,
			 &skel->rodata->buckets4, &skel->rodata->max_flows4);
	if (!err)
		err = size_table(skel->maps.slots6, skel->maps.counts6, skel->maps.tags6, max6,
				 &skel->rodata->buckets6, &skel->rodata->max_flows6);
	if (err)
		goto fail;
	/* A hash key nobody outside knows: no one can aim flows at one bucket. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		err = -errno;
		pr_err("cannot read random bytes for the flow hash: %s", strerror(-err));
		goto fail;
	}
	skel->rodata->hash_seed = seed;
	err = opts->pins ? flow_pin_before_load(skel, opts->pins) : 0;
	if (!err)
		err = flow_bpf__load(skel);
	if (err && opts->pins && opts->pins->adopted) {
		pr_err("cannot adopt the maps pinned in %s (%s): were they made with other "
		       "--max-flows/--max-flows6/--sample-ring? Restart with the same options, or "
		       "remove them "
		       "with 'netmon-record --detach -i IFACE' for each of %s",
		       opts->pins->path, strerror(-err), opts->pins->ifaces);
		goto fail;
	}
	if (err) {
		if (err == -EPERM || err == -EACCES)
			pr_err("loading the BPF programs was refused (%s): run as root or with "
			       "CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN",
			       strerror(-err));
		else
			pr_err("loading the BPF programs failed: %s (run with -v for the "
			       "verifier's log)",
			       strerror(-err));
		goto fail;
	}
	/* Adopted: the programs that run are the pinned ones, with the sampling
	 * they were loaded with (their .rodata, now mapped here). */
	if (opts->pins && opts->pins->adopted && !sampling_matches(skel, opts)) {
		pr_err("the programs pinned in %s sample 1 in %u packets (0: off), %u bytes each; "
		       "restart with the same --sample and --snaplen, or remove them with "
		       "'netmon-record --detach -i IFACE' for each of %s",
		       opts->pins->path, skel->rodata->sample_every, skel->rodata->sample_snaplen,
		       opts->pins->ifaces);
		err = -EINVAL;
		goto fail;
	}
	if (opts->pins && !opts->pins->adopted) {
		err = pin_object_progs(opts->pins, skel->obj, "flow_");
		if (err)
			goto fail;
	}
	/* Live packets' time from the tick count, once its length is known. */
	if (!opts->clock_from_packet)
		tick_clock_set(skel);
	*out = skel;
	return 0;
fail:
	flow_bpf__destroy(skel);
	return err;
}

void flow_unload(struct flow_bpf *skel)
{
	flow_bpf__destroy(skel);
}

static struct snapshot_table table_view(struct bpf_map *slots, struct bpf_map *counts,
				       __u32 *used)
{
	return (struct snapshot_table){
		.slots_fd = bpf_map__fd(slots),
		.counts_fd = bpf_map__fd(counts),
		.nslots = bpf_map__max_entries(slots),
		.slot_size = bpf_map__value_size(slots),
		.used = used,
	};
}

void flow_snapshot_maps(struct flow_bpf *skel, struct snapshot_maps *maps)
{
	maps->total_gens = bpf_map__fd(skel->maps.total_gens);
	maps->totals[0] = bpf_map__fd(skel->maps.totals_0);
	maps->totals[1] = bpf_map__fd(skel->maps.totals_1);
	maps->tables[0] = table_view(skel->maps.slots4, skel->maps.counts4, &skel->bss->used4);
	maps->tables[1] = table_view(skel->maps.slots6, skel->maps.counts6, &skel->bss->used6);
	maps->time_unit_ns = skel->rodata->clock_from_packet ? NETMON_TIME_UNIT_NS_OFFLINE
							     : 1u << NETMON_TIME_SHIFT_LIVE;
	maps->active_gen = &skel->bss->active_gen;
	maps->proc_on = 0; /* proc_snapshot_maps() adds them */
}

__u64 flow_run_id(const struct flow_bpf *skel)
{
	return skel->rodata->hash_seed;
}

int flow_prog_fd(struct flow_bpf *skel, int direction)
{
	return bpf_program__fd(direction == NETMON_DIR_IN ? skel->progs.netmon_tc_ingress
							  : skel->progs.netmon_tc_egress);
}

int flow_xdp_prog_fd(struct flow_bpf *skel)
{
	return bpf_program__fd(skel->progs.netmon_xdp_ingress);
}

int flow_sample_ring_fd(struct flow_bpf *skel)
{
	return bpf_map__fd(skel->maps.samples);
}

int flow_dns_ring_fd(struct flow_bpf *skel)
{
	return bpf_map__fd(skel->maps.dns_ring);
}

int flow_passes_dns(const struct flow_bpf *skel)
{
	return skel->rodata->dns_names;
}
