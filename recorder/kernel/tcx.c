// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcx.c - tcx links for the TC programs (tcx.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "tcx.h"

/* The kernel's enum bpf_attach_type and link type (uapi, Linux 6.6). */
#define TCX_INGRESS 46
#define TCX_EGRESS 47
#define LINK_TYPE_TCX 11
#define MPROG_BEFORE (1U << 3) /* BPF_F_BEFORE: no relative program: first */

/* struct bpf_link_info as the kernel fills it for a tcx link. */
struct tcx_link_info {
	__u32 type, id, prog_id;
	__u32 pad; /* the union that follows is 8-byte aligned */
	__u32 ifindex, attach_type;
	__u64 rest[8]; /* the union's larger members, unread */
};

int tcx_attach(int ifindex, int prog_fd, int egress)
{
	union bpf_attr attr;
	int fd;

	/* Not libbpf's bpf_link_create(): 1.1 refuses flags for attach types it does not know. */
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (__u32)prog_fd;
	attr.link_create.target_fd = (__u32)ifindex;
	attr.link_create.attach_type = egress ? TCX_EGRESS : TCX_INGRESS;
	attr.link_create.flags = MPROG_BEFORE;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* Whether program id is one of netmon's TC programs (names cut to 15 characters). */
static int netmon_tc_prog(__u32 id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), ours;

	if (fd < 0)
		return 0;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "netmon_tc_", 10);
	close(fd);
	return ours;
}

/* A link's info: 0, or -errno. */
static int link_info(int fd, struct tcx_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

__u32 tcx_link_prog(int link_fd, int ifindex, int egress)
{
	struct tcx_link_info info;

	if (link_info(link_fd, &info) || info.type != LINK_TYPE_TCX ||
	    (int)info.ifindex != ifindex || info.attach_type != (egress ? TCX_EGRESS : TCX_INGRESS))
		return 0;
	return info.prog_id;
}

/*
 * BPF_PROG_QUERY's attributes as Linux 6.6 has them, with the links' ids
 * that 6.1's uapi (and libbpf 1.1's bpf_prog_query()) do not know.
 */
struct tcx_query {
	__u32 target_ifindex, attach_type, query_flags, attach_flags;
	__u64 prog_ids;
	__u32 count, pad;
	__u64 prog_attach_flags, link_ids, link_attach_flags, revision;
};

int tcx_find_netmon(int ifindex, int egress, __u32 *link_id, __u32 *prog_id)
{
	__u32 progs[64], links[64];
	struct tcx_query q = { .target_ifindex = (__u32)ifindex,
			       .attach_type = egress ? TCX_EGRESS : TCX_INGRESS,
			       .prog_ids = (__u64)(unsigned long)progs,
			       .count = 64,
			       .link_ids = (__u64)(unsigned long)links };

	/*
	 * The hook's own list, not every link of the system: an ifindex is
	 * only unique within its network namespace, and a recorder in
	 * another one may watch a device of the same index.
	 */
	if (syscall(__NR_bpf, BPF_PROG_QUERY, &q, sizeof(q)))
		return errno == EINVAL ? 0 : -errno; /* EINVAL: no tcx here */
	for (__u32 i = 0; i < q.count && i < 64; i++) {
		if (links[i] && netmon_tc_prog(progs[i])) {
			*link_id = links[i];
			*prog_id = progs[i];
			return 1;
		}
	}
	return 0;
}

int tcx_detach_id(__u32 link_id)
{
	int fd = bpf_link_get_fd_by_id(link_id), err;

	if (fd < 0)
		return -errno;
	err = bpf_link_detach(fd) ? -errno : 0;
	close(fd);
	return err;
}
