/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* attach.h - interfaces to watch, and the clsact filters on them. */
#ifndef NETMON_ATTACH_H
#define NETMON_ATTACH_H

#include <net/if.h>

/* Our filters' identity on every clsact hook: handle "nm", run first. */
#define ATTACH_TC_HANDLE 0x6e6d
#define ATTACH_TC_PRIORITY 1

struct tc_attachment {
	char name[IF_NAMESIZE];
	int ifindex;
	int hook_created; /* we created clsact, so we remove it */
	int attached_in, attached_out;
};

/*
 * Check that name exists, is up and Ethernet-framed (or loopback). Fills
 * a->name and a->ifindex. Logs one line and returns -errno otherwise.
 */
int attach_check_iface(const char *name, struct tc_attachment *a);

/*
 * Every interface that is up, Ethernet-framed and not loopback, at most max.
 * Returns how many, or -errno.
 */
int attach_default_ifaces(struct tc_attachment *out, int max);

/* Attach prog_in to ingress and prog_out to egress; on failure undo all. */
int attach_tc(struct tc_attachment *a, int prog_in, int prog_out);

/* Remove what attach_tc() added (and clsact when we created it). */
void attach_detach(struct tc_attachment *a);

/* Remove netmon filters left on name by a crashed recorder; 0 if none. */
int attach_remove_stale(const char *name);

#endif
