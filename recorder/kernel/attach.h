/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* attach.h - interfaces to watch, and the TC filters / XDP programs on them. */
#ifndef NETMON_ATTACH_H
#define NETMON_ATTACH_H

#include <net/if.h>
#include <linux/types.h>

/*
 * TC programs are attached as tcx links where the kernel has them (6.6 and
 * later: tcx.h), else as clsact filters (NETMON_TEST_TC_LEGACY=1 forces
 * those, test_hooks.h). Our filters' identity on every clsact hook: handle
 * "nm", run first.
 */
#define ATTACH_TC_HANDLE 0x6e6d
#define ATTACH_TC_PRIORITY 1

struct attachment {
	char name[IF_NAMESIZE];
	int ifindex;
	int hook_created; /* we created clsact, so we remove it */
	int attached_in, attached_out; /* TC programs, either way */
	int link_in, link_out;	       /* their tcx links' fds, -1 for none (a clsact filter) */
	int xdp_prog_fd;               /* >= 0 once our XDP program is attached */
	unsigned int xdp_flags;        /* the mode it was attached in */
	int xdp_refused;               /* -errno: native XDP refused, TC counts ingress */
};

/*
 * Check that name exists, is up and Ethernet-framed (or loopback). Fills
 * a->name and a->ifindex. Logs one line and returns -errno otherwise.
 */
int attach_check_iface(const char *name, struct attachment *a);

/*
 * Every interface that is up, Ethernet-framed and not loopback, at most max.
 * Returns how many, or -errno.
 */
int attach_default_ifaces(struct attachment *out, int max);

/*
 * Count ingress with prog_in (TC) or, when xdp_in >= 0, with the XDP program
 * xdp_in in native mode, or with prog_in where the driver refuses native XDP
 * (said; generic XDP would count GRO-merged packets as one), and egress with
 * the TC program prog_out. On failure everything done here is undone.
 */
int attach_hooks(struct attachment *a, int prog_in, int prog_out, int xdp_in);

/*
 * The same for pinned programs an earlier run left attached (pin.h): a hook
 * already running the program is taken over, a missing one attached, one
 * running another program refused. Ingress stays where the earlier run
 * counted it: XDP is refused to --hook tc (it would count twice), TC ingress
 * is kept by --hook xdp (said). Nothing is undone on failure. 0 or -errno
 * (logged).
 */
int attach_adopt_hooks(struct attachment *a, int prog_in, int prog_out, int xdp_in);

/* Remove what attach_hooks() added (and clsact when we created it). */
void attach_detach(struct attachment *a);

/* Close the tcx links' fds and leave them attached (a pin holds them). */
void attach_release(struct attachment *a);

/*
 * The program ids of netmon's TC programs on ifindex's ingress and egress
 * (a clsact filter of handle and priority, or a tcx link) and of its XDP
 * program, whoever's (0: none). Queries only. 0 or -errno.
 */
int attach_query(int ifindex, __u32 *tc_in, __u32 *tc_out, __u32 *xdp);

/* Remove netmon filters and tcx links left on name by a crashed recorder
 * (the links of the pins, which pin.h removes next); 0 if none. */
int attach_remove_stale(const char *name);

#endif
