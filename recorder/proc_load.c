// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "proc.skel.h"
#include "proc_load.h"

int proc_start(struct proc_bpf **out)
{
	struct proc_bpf *skel;
	int err;

	*out = NULL;
	skel = proc_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		pr_warn("per-process accounting is off: loading its programs failed (%s)",
			strerror(-err));
		return err;
	}
	err = proc_bpf__attach(skel);
	if (err) {
		pr_warn("per-process accounting is off: the sock_send_length/sock_recv_length "
			"tracepoints cannot be attached (%s; they exist since Linux 6.3)",
			strerror(-err));
		proc_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

void proc_detach(struct proc_bpf *skel)
{
	if (skel)
		proc_bpf__detach(skel);
}

void proc_stop(struct proc_bpf *skel)
{
	proc_bpf__destroy(skel);
}

void proc_snapshot_maps(struct proc_bpf *skel, struct snapshot_maps *maps)
{
	maps->proc_gens = bpf_map__fd(skel->maps.proc_gens);
	maps->procs[0] = bpf_map__fd(skel->maps.procs_0);
	maps->procs[1] = bpf_map__fd(skel->maps.procs_1);
	maps->infos[0] = bpf_map__fd(skel->maps.infos_0);
	maps->infos[1] = bpf_map__fd(skel->maps.infos_1);
	maps->proc_active_gen = &skel->bss->active_gen;
	maps->proc_table_full = &skel->bss->proc_table_full;
}
