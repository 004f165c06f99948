// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "flow.skel.h"
#include "flow_load.h"
#include "log.h"

/* libbpf speaks only when asked for debug output (-v). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (log_max_level() < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int flow_load(struct flow_bpf **out, unsigned int max_flows)
{
	struct flow_load_opts opts = { .max_flows = max_flows };

	return flow_load_with(out, &opts);
}

int flow_load_with(struct flow_bpf **out, const struct flow_load_opts *opts)
{
	unsigned int max_flows = opts->max_flows;
	struct flow_bpf *skel;
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
	if (max_flows) {
		/* The kernel does not compare max_entries of hash inner maps
		 * (bpf_map_meta_equal), so the template keeps its size; and
		 * libbpf 1.1 crashes when asked to resize it. */
		struct bpf_map *tables[] = { skel->maps.flows_0, skel->maps.flows_1 };

		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
			if (bpf_map__set_max_entries(tables[i], max_flows)) {
				pr_err("cannot size the flow table to %u entries", max_flows);
				err = -EINVAL;
				goto fail;
			}
		}
	}
	err = flow_bpf__load(skel);
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

void flow_snapshot_maps(struct flow_bpf *skel, struct snapshot_maps *maps)
{
	maps->flow_gens = bpf_map__fd(skel->maps.flow_gens);
	maps->total_gens = bpf_map__fd(skel->maps.total_gens);
	maps->flows[0] = bpf_map__fd(skel->maps.flows_0);
	maps->flows[1] = bpf_map__fd(skel->maps.flows_1);
	maps->totals[0] = bpf_map__fd(skel->maps.totals_0);
	maps->totals[1] = bpf_map__fd(skel->maps.totals_1);
	maps->active_gen = &skel->bss->active_gen;
	maps->proc_on = 0; /* proc_snapshot_maps() adds them */
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
