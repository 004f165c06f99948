// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * attach.c - the TC programs on ingress and egress as tcx links (tcx.h) or,
 * on a kernel without tcx, as clsact filters (and XDP for ingress when
 * asked). The clsact part as libbpf-bootstrap's tc.c does it: create the
 * qdisc only when absent and remove only what we made. A filter outlives a
 * crashed loader, and so does a link, pinned with the maps (main.c); the
 * --detach action removes ours: filters by handle and priority, links by
 * their program's name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_arp.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "log.h"
#include "tcx.h"
#include "test_hooks.h"

/* An integer from /sys/class/net/NAME/FILE, or -1. */
static long sysfs_net_long(const char *name, const char *file)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%li", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int attach_check_iface(const char *name, struct attachment *a)
{
	long type, flags;

	memset(a, 0, sizeof(*a));
	a->xdp_prog_fd = a->link_in = a->link_out = -1;
	a->ifindex = (int)if_nametoindex(name);
	if (!a->ifindex) {
		pr_err("no such interface: %s", name);
		return -ENODEV;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	flags = sysfs_net_long(name, "flags");
	if (flags >= 0 && !(flags & IFF_UP)) {
		pr_err("interface %s is down", name);
		return -ENETDOWN;
	}
	type = sysfs_net_long(name, "type");
	if (type != ARPHRD_ETHER && type != ARPHRD_LOOPBACK) {
		pr_err("interface %s is not Ethernet-framed (link type %ld); "
		       "only Ethernet interfaces are supported",
		       name, type);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

int attach_default_ifaces(struct attachment *out, int max)
{
	struct if_nameindex *all = if_nameindex(), *it;
	int n = 0;

	if (!all) {
		pr_err("cannot list interfaces: %s", strerror(errno));
		return -errno;
	}
	for (it = all; it->if_index && n < max; it++) {
		long flags = sysfs_net_long(it->if_name, "flags");

		if (flags < 0 || !(flags & IFF_UP) || (flags & IFF_LOOPBACK) ||
		    sysfs_net_long(it->if_name, "type") != ARPHRD_ETHER)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].xdp_prog_fd = out[n].link_in = out[n].link_out = -1;
		snprintf(out[n].name, sizeof(out[n].name), "%s", it->if_name);
		out[n].ifindex = (int)it->if_index;
		n++;
	}
	if_freenameindex(all);
	if (!n)
		pr_err("no interface is up, Ethernet and not loopback: name one with -i");
	return n ? n : -ENODEV;
}

static const char *hook_name(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? "ingress" : "egress";
}

/* The clsact qdisc, created unless there is one (then not ours to remove). */
static int ensure_clsact(struct attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_create(&hook);

	if (!err)
		a->hook_created = 1;
	else if (err != -EEXIST)
		pr_err("%s: creating the clsact qdisc failed: %s", a->name, strerror(-err));
	return err == -EEXIST ? 0 : err;
}

static int attach_filter(struct attachment *a, enum bpf_tc_attach_point where, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ATTACH_TC_HANDLE, .priority = ATTACH_TC_PRIORITY,
		    .prog_fd = prog_fd);
	int err = ensure_clsact(a);

	if (err)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	if (err == -EEXIST)
		pr_err("%s: a netmon filter is already attached (another netmon-record, or one "
		       "that crashed: run 'netmon-record --detach -i %s')",
		       a->name, a->name);
	else if (err)
		pr_err("%s: attaching the %s filter failed: %s", a->name, hook_name(where),
		       strerror(-err));
	return err;
}

/*
 * A tcx link where the kernel has them, else a clsact filter. Unlike a
 * filter of our handle, a second link would be taken: another recorder's
 * (one on an overlapping set of interfaces) is looked for first.
 */
static int attach_one(struct attachment *a, enum bpf_tc_attach_point where, int prog_fd)
{
	int egress = where == BPF_TC_EGRESS, fd;
	__u32 link_id, prog;

	if (test_hooks()->tc_legacy)
		return attach_filter(a, where, prog_fd);
	fd = tcx_find_netmon(a->ifindex, egress, &link_id, &prog);
	if (fd > 0) {
		pr_err("%s: a netmon program is already attached (another netmon-record, or one "
		       "that crashed: run 'netmon-record --detach -i %s')",
		       a->name, a->name);
		return -EEXIST;
	}
	fd = tcx_attach(a->ifindex, prog_fd, egress);
	if (fd == -EINVAL) /* no tcx before Linux 6.6 */
		return attach_filter(a, where, prog_fd);
	if (fd < 0) {
		pr_err("%s: attaching the %s program failed: %s", a->name, hook_name(where),
		       strerror(-fd));
		return fd;
	}
	*(egress ? &a->link_out : &a->link_in) = fd;
	return 0;
}

static void detach_one(struct attachment *a, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ATTACH_TC_HANDLE, .priority = ATTACH_TC_PRIORITY);
	int *link = where == BPF_TC_EGRESS ? &a->link_out : &a->link_in;
	int err;

	if (*link >= 0) {
		/* Detached, not only closed: its pin would keep it attached. */
		err = bpf_link_detach(*link) ? -errno : 0;
		close(*link);
		*link = -1;
	} else {
		err = bpf_tc_detach(&hook, &opts);
	}
	if (err && err != -ENOENT)
		pr_warn("%s: removing the %s program failed: %s", a->name, hook_name(where),
			strerror(-err));
}

/*
 * Native XDP, or -EOPNOTSUPP when the driver refuses it (logged once the
 * caller has counted ingress otherwise). No generic (skb) mode: it would run
 * in netif_receive_skb, where the TC ingress hook also runs, but after GRO
 * and with no segment count, so a merged packet would count as one; the TC
 * program counts gso_segs. The caller counts ingress with TC instead.
 */
static int attach_xdp(struct attachment *a, int prog_fd)
{
	unsigned int flags = XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_DRV_MODE;
	int err = bpf_xdp_attach(a->ifindex, prog_fd, flags, NULL);

	if (err == -EEXIST || err == -EBUSY) {
		pr_err("%s: an XDP program is already attached; netmon does not replace it "
		       "(if it is netmon's, left by a crash: 'netmon-record --detach -i %s')",
		       a->name, a->name);
		return err;
	}
	if (err) {
		a->xdp_refused = err;
		return -EOPNOTSUPP;
	}
	a->xdp_prog_fd = prog_fd;
	a->xdp_flags = flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST;
	pr_info("%s: XDP attached in native mode", a->name);
	return 0;
}

/* Said once ingress is counted with TC because native XDP was refused. */
static void say_tc_instead(const struct attachment *a)
{
	pr_warn("%s: no native XDP here (%s): counting its ingress with TC instead, as "
		"exactly (generic XDP would run at the same point, after GRO, and count a "
		"merged packet as one)",
		a->name, strerror(-a->xdp_refused));
}

static void detach_xdp(struct attachment *a)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = a->xdp_prog_fd);
	int err = bpf_xdp_attach(a->ifindex, -1, a->xdp_flags | XDP_FLAGS_REPLACE, &opts);

	if (err)
		pr_warn("%s: removing the XDP program failed: %s", a->name, strerror(-err));
	a->xdp_prog_fd = -1;
}

int attach_hooks(struct attachment *a, int prog_in, int prog_out, int xdp_in)
{
	int err = xdp_in >= 0 ? attach_xdp(a, xdp_in) : -EOPNOTSUPP;

	if (err == -EOPNOTSUPP) {
		err = attach_one(a, BPF_TC_INGRESS, prog_in);
		if (!err && xdp_in >= 0)
			say_tc_instead(a);
		a->attached_in = !err;
	}
	if (err)
		goto undo;
	err = attach_one(a, BPF_TC_EGRESS, prog_out);
	if (err)
		goto undo;
	a->attached_out = 1;
	return 0;
undo:
	attach_detach(a);
	return err;
}

void attach_detach(struct attachment *a)
{
	if (a->xdp_prog_fd >= 0)
		detach_xdp(a);
	if (a->attached_in)
		detach_one(a, BPF_TC_INGRESS);
	if (a->attached_out)
		detach_one(a, BPF_TC_EGRESS);
	if (a->hook_created) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
	}
	a->attached_in = a->attached_out = a->hook_created = 0;
}

void attach_release(struct attachment *a)
{
	for (int i = 0; i < 2; i++) {
		int *link = i ? &a->link_out : &a->link_in;

		if (*link >= 0)
			close(*link);
		*link = -1;
	}
}

/* An fd of the XDP program on ifindex when it is netmon's, else -1. */
static int netmon_xdp_fd(int ifindex)
{
	struct bpf_prog_info info = { 0 };
	__u32 id = 0, len = sizeof(info);
	int fd;

	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return -1;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -1;
	/* Program names are cut to 15 characters by the kernel. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    strncmp(info.name, "netmon_xdp_ingress", sizeof(info.name) - 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int xdp_is_netmon(int ifindex)
{
	int fd = netmon_xdp_fd(ifindex);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Our XDP program, when it is the one attached to ifindex (a crash leaves it). */
static int remove_stale_xdp(const struct attachment *a)
{
	int fd = netmon_xdp_fd(a->ifindex), err;

	if (fd < 0)
		return 0;
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);
	err = bpf_xdp_attach(a->ifindex, -1, XDP_FLAGS_REPLACE, &opts);
	close(fd);
	return err ? 0 : 1;
}

/* libbpf's own lines only with -v: a detach that finds nothing (no clsact
 * qdisc) would print the kernel's "Parent Qdisc doesn't exists" per hook. */
static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return log_max_level() >= LOGLVL_DEBUG ? vfprintf(stderr, fmt, ap) : 0;
}

/* Detach every netmon tcx link on one hook (one, unless two recorders raced). */
static int remove_stale_links(const struct attachment *a, int egress)
{
	__u32 link_id, prog;
	int removed = 0;

	for (int n = 0; n < 8 && tcx_find_netmon(a->ifindex, egress, &link_id, &prog) > 0; n++)
		if (!tcx_detach_id(link_id))
			removed++;
	return removed;
}

int attach_remove_stale(const char *name)
{
	struct attachment a = { 0 };
	libbpf_print_fn_t old = libbpf_set_print(quiet_libbpf);
	int removed = 0;

	a.ifindex = (int)if_nametoindex(name);
	if (!a.ifindex) {
		pr_err("no such interface: %s", name);
		libbpf_set_print(old);
		return -ENODEV;
	}
	snprintf(a.name, sizeof(a.name), "%s", name);
	for (int i = 0; i < 2; i++) {
		enum bpf_tc_attach_point where = i ? BPF_TC_EGRESS : BPF_TC_INGRESS;
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a.ifindex, .attach_point = where);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ATTACH_TC_HANDLE,
			    .priority = ATTACH_TC_PRIORITY);

		if (!bpf_tc_detach(&hook, &opts))
			removed++;
		removed += remove_stale_links(&a, i);
	}
	removed += remove_stale_xdp(&a);
	libbpf_set_print(old);
	if (removed)
		pr_info("%s: removed %d netmon filter(s)/program(s)", name, removed);
	else
		pr_info("%s: no netmon filter or XDP program attached", name);
	return 0;
}

/* The kernel's id of a program fd, or 0. */
static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* The program id of our filter on one hook: 0 none, -errno on error. */
static long tc_filter_id(const struct attachment *a, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ATTACH_TC_HANDLE, .priority = ATTACH_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &opts);

	/* no filter: ENOENT; no clsact qdisc at all: EINVAL */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	return err ? err : (long)opts.prog_id;
}

/*
 * The program id of netmon's on one hook: a filter of our handle, else a
 * tcx link (found among all links: root only). 0 none, -errno on error.
 */
static long tc_prog_id(const struct attachment *a, enum bpf_tc_attach_point where)
{
	long id = tc_filter_id(a, where);
	__u32 link_id, prog = 0;
	int err;

	if (id)
		return id;
	err = tcx_find_netmon(a->ifindex, where == BPF_TC_EGRESS, &link_id, &prog);
	return err < 0 ? err : (long)prog;
}

/*
 * Adopt the program on one hook if it runs prog_fd, attach prog_fd if there
 * is none, refuse another program. The earlier run's tcx link comes from its
 * pin (a->link_in or link_out, -1 for none): listing links by id needs
 * CAP_SYS_ADMIN, which the service does not have. *attached set when it is
 * ours now.
 */
static int adopt_one(struct attachment *a, enum bpf_tc_attach_point where, int prog_fd,
		     int *attached)
{
	int egress = where == BPF_TC_EGRESS, err;
	int *link = egress ? &a->link_out : &a->link_in;
	long id = tc_filter_id(a, where);

	if (id < 0) {
		pr_err("%s: querying the TC filters failed: %s", a->name, strerror((int)-id));
		return (int)id;
	}
	if (!id && *link >= 0) {
		id = tcx_link_prog(*link, a->ifindex, egress);
		if (!id) { /* defunct: the device went and came back */
			close(*link);
			*link = -1;
		}
	}
	if (id && (__u32)id != prog_id(prog_fd)) {
		pr_err("%s: the netmon %s program is another than the pinned one "
		       "(another recorder's?): 'netmon-record --detach -i %s' removes both",
		       a->name, hook_name(where), a->name);
		return -EEXIST;
	}
	err = id ? 0 : attach_one(a, where, prog_fd);
	if (err)
		return err;
	*attached = 1;
	return 0;
}

/* Adopt our XDP program if attached (noting its mode), else attach it
 * (-EOPNOTSUPP: native XDP refused). */
static int adopt_xdp(struct attachment *a, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(a->ifindex, 0, &q) || !q.prog_id)
		return attach_xdp(a, prog_fd);
	if (q.prog_id != prog_id(prog_fd))
		return attach_xdp(a, prog_fd); /* refuses with its message */
	a->xdp_prog_fd = prog_fd;
	a->xdp_flags = q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	return 0;
}

int attach_adopt_hooks(struct attachment *a, int prog_in, int prog_out, int xdp_in)
{
	long tc_in = tc_filter_id(a, BPF_TC_INGRESS);
	int err = -EOPNOTSUPP;

	if (!tc_in && a->link_in >= 0) /* the earlier run's pinned ingress link */
		tc_in = tcx_link_prog(a->link_in, a->ifindex, 0);

	/* Ingress on both XDP and TC would count it twice: one hook only. */
	if (xdp_in < 0 && xdp_is_netmon(a->ifindex)) {
		pr_err("%s: the pinned recorder counted ingress with XDP: restart with --hook xdp, "
		       "or remove it first with 'netmon-record --detach -i %s'",
		       a->name, a->name);
		return -EEXIST;
	}
	/* A crashed run's clsact qdisc stays, as with --detach. Nothing is undone
	 * on failure: the adopted hooks keep counting into the pins. */
	a->hook_created = 0;
	if (xdp_in >= 0 && tc_in > 0)
		pr_info("%s: the pinned recorder counts ingress with TC (no native XDP here, or "
			"--hook tc): kept; 'netmon-record --detach -i %s' first moves it to XDP",
			a->name, a->name);
	else if (xdp_in >= 0)
		err = adopt_xdp(a, xdp_in);
	if (err == -EOPNOTSUPP) {
		err = adopt_one(a, BPF_TC_INGRESS, prog_in, &a->attached_in);
		if (!err && a->xdp_refused)
			say_tc_instead(a);
	}
	return err ? err : adopt_one(a, BPF_TC_EGRESS, prog_out, &a->attached_out);
}

int attach_query(int ifindex, __u32 *tc_in, __u32 *tc_out, __u32 *xdp)
{
	struct attachment a = { .ifindex = ifindex };
	libbpf_print_fn_t old = libbpf_set_print(quiet_libbpf);
	long in = tc_prog_id(&a, BPF_TC_INGRESS), out = tc_prog_id(&a, BPF_TC_EGRESS);

	libbpf_set_print(old);
	*tc_in = in > 0 ? (__u32)in : 0;
	*tc_out = out > 0 ? (__u32)out : 0;
	*xdp = 0;
	if (bpf_xdp_query_id(ifindex, 0, xdp))
		*xdp = 0;
	return in < 0 ? (int)in : out < 0 ? (int)out : 0;
}
