/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* proc_load.h - per-process accounting: load bpf/proc.bpf.c and attach it. */
#ifndef NETMON_PROC_LOAD_H
#define NETMON_PROC_LOAD_H

#include "pin.h"
#include "snapshot.h"

struct proc_bpf;

/*
 * Load the programs and attach them to the sock_send_length and
 * sock_recv_length raw tracepoints. When the kernel lacks them (older than
 * 6.3) or refuses, says once why per-process accounting is off and returns
 * -errno; the recorder goes on without it. With pins (else NULL), maps and
 * links are pinned there; when pins->adopted and the links are pinned, the
 * pinned maps are reused and nothing is attached (those links still count).
 */
int proc_start(struct proc_bpf **out, const struct pin_dir *pins);
void proc_stop(struct proc_bpf *skel);

/* Stop counting (the maps stay for the last snapshot), pinned links too.
 * NULL is fine for either. */
void proc_detach(struct proc_bpf *skel, const struct pin_dir *pins);

/* Add the per-process maps to what snapshot_open() drains. */
void proc_snapshot_maps(struct proc_bpf *skel, struct snapshot_maps *maps);

#endif
