/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcx.h - TC programs attached as tcx links (kernel 6.6 and later): the
 * kernel runs them straight from the device's ingress and egress paths,
 * without the clsact qdisc's classifier chain. An empty program costs the
 * datapath ~25 ns a packet that way against ~130 ns as a clsact filter
 * (bench/RESULTS.md). libbpf 1.1 predates tcx: the attach types and the
 * link's info are spelled out here, as the kernel's uapi has them.
 *
 * A link lives as long as an fd or a pin holds it; netmon pins its links
 * with the maps (pin.h), so that they outlive a crash as a clsact filter
 * does.
 */
#ifndef NETMON_TCX_H
#define NETMON_TCX_H

#include <linux/types.h>

/*
 * Attach prog_fd to ifindex's ingress (egress = 0) or egress as a tcx link,
 * ahead of any other tcx program there. The link's fd, or -errno: -EINVAL
 * when the kernel has no tcx (before 6.6).
 */
int tcx_attach(int ifindex, int prog_fd, int egress);

/*
 * The tcx link on ifindex's ingress or egress that runs a netmon TC program
 * (by name, whoever loaded it): 1 with *link_id and *prog_id, 0 when there
 * is none (or no tcx), -errno when the hook cannot be queried. Telling a
 * program's name needs CAP_SYS_ADMIN: without it (the service's
 * capabilities) no program is found to be netmon's.
 */
int tcx_find_netmon(int ifindex, int egress, __u32 *link_id, __u32 *prog_id);

/*
 * The program a tcx link fd runs when it is attached to ifindex's ingress
 * (egress = 0) or egress, else 0 (a link on another hook, or defunct: its
 * device is gone). Needs only the fd, no capability: how a recorder under
 * the service's capabilities takes over its pinned links.
 */
__u32 tcx_link_prog(int link_fd, int ifindex, int egress);

/* Detach the link of this id (it stays, defunct, while pins or fds hold it). 0 or -errno. */
int tcx_detach_id(__u32 link_id);

#endif
