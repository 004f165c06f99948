/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pin.h - the BPF maps, programs and links of one recorder pinned under
 * /sys/fs/bpf/netmon/<interfaces>, so that the kernel keeps counting while
 * no recorder runs (a crash, or a stop with --keep-attached) and the next
 * recorder on the same interfaces adopts them (docs/design.md, "Restart and
 * crash").
 *
 * One directory per set of interfaces: their names, sorted, joined with '+'
 * ('.', '+' and '%' written as %2e, %2b, %25: bpffs refuses dots). A
 * recorder holds an flock on its directory while it runs, so a second one on
 * the same set is refused; one on an overlapping set is refused when it
 * finds the first one's TC filter. The directory holds (flat):
 *   abi                        ARRAY, one struct pin_abi: written last, so
 *                              a directory without it is an interrupted start
 *   flow_<map>, proc_<map>     every map of bpf/flow.bpf.c and bpf/proc.bpf.c
 *                              ('.' of libbpf's internal map names as '_')
 *   flow_prog_<program>        the TC and XDP programs the filters run
 *   proc_link_send, proc_link_recv  the per-process tracepoint links
 *   proc_link_rmdir            the cgroup_rmdir link (removed cgroups' paths)
 *   flow_tcx_in_<ifindex>, flow_tcx_out_<ifindex>  the TC programs' tcx
 *                              links (attach.h), where the kernel has tcx
 */
#ifndef NETMON_PIN_H
#define NETMON_PIN_H

#include <limits.h>
#include <bpf/libbpf.h>

#define PIN_ROOT "/sys/fs/bpf/netmon"

struct pin_dir {
	char path[PATH_MAX]; /* PIN_ROOT/<interfaces> */
	char ifaces[256];    /* "eth0, eth1": for messages */
	int lock_fd;         /* flock held while recording; -1 when closed */
	int adopted;         /* it held the pins of an earlier run */
	unsigned int old_abi; /* it held a netmon recorder's of another ABI: this one */
};

/*
 * Mount bpffs if needed, create or find the directory of these interfaces,
 * lock it, and check what it holds: nothing (a fresh start), pins of this
 * build (p->adopted), or a complete netmon recorder's of another BPF ABI
 * (p->old_abi: left for the caller to replace, upgrade.h). Pins of
 * something else are refused with a message naming the --detach command.
 * 0 or -errno (logged).
 */
int pin_open(struct pin_dir *p, const char *const *names, int n);

/*
 * The BPF ABI a netmon recorder wrote into the abi pin of directory dir:
 * 0 with *abi, -ENOENT when there is none, -EPROTO when it is not netmon's
 * (another value size or magic), else -errno. Reads only.
 */
int pin_read_abi(const char *dir, unsigned int *abi);

/* Unpin everything in the locked directory, the abi pin last, and keep the
 * directory (and its lock). 0 or -errno (logged). */
int pin_empty(struct pin_dir *p);

/* Unlock and forget; with remove, unpin everything first (the kernel frees
 * what no filter or fd still holds). NULL-safe on a closed p. */
void pin_close(struct pin_dir *p, int remove);

/* Before loading obj: pin (or reuse pinned) maps as <prefix><map name>. */
int pin_object_maps(const struct pin_dir *p, struct bpf_object *obj, const char *prefix);

/* After loading obj: pin its programs as <prefix>prog_<name>. 0 or -errno. */
int pin_object_progs(const struct pin_dir *p, struct bpf_object *obj, const char *prefix);

/* A pinned object's fd (name relative to the directory), or -errno. */
int pin_get(const struct pin_dir *p, const char *name);

/* Whether name is pinned in the directory. */
int pin_exists(const struct pin_dir *p, const char *name);

/* Pin link as name; unpin name (a pinned link then detaches). 0 or -errno. */
int pin_link(const struct pin_dir *p, struct bpf_link *link, const char *name);
void pin_unlink(const struct pin_dir *p, const char *name);

/* Pin the object of fd as name, replacing a pin of that name. 0 or -errno (logged). */
int pin_fd(const struct pin_dir *p, int fd, const char *name);

/* Whether a running recorder holds a pin directory that includes interface name. */
int pin_iface_busy(const char *name);

/* A fresh start is complete: write the abi pin that marks it adoptable. */
int pin_mark_complete(const struct pin_dir *p);

/*
 * --detach: remove every pin directory that includes interface name, unless
 * a recorder holds it. 1 if something was removed, 0 if nothing, -errno.
 */
int pin_remove_iface(const char *name);

#endif
