// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-tcx - the programs attached to an interface as tcx links, as the
 * kernel lists them (BPF_PROG_QUERY), one "HOOK NAME" line each, ingress
 * first: what the e2e tests check netmon's attachments against. `tc filter
 * show` cannot see tcx links, and Debian 12's bpftool (7.1) lists a link's
 * type only by number, without its interface.
 *
 *   nm-tcx IFACE
 *
 * Exit 0 (no line: nothing attached, or a kernel without tcx), 1 on an
 * error (no such interface), 64 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>

/* enum bpf_attach_type's tcx hooks (uapi, Linux 6.6); libbpf 1.1 predates them. */
#define TCX_INGRESS 46
#define TCX_EGRESS 47

static int list_hook(int ifindex, int type, const char *hook)
{
	__u32 ids[64], n = 64;

	if (bpf_prog_query(ifindex, type, 0, NULL, ids, &n)) {
		/* No tcx in this kernel: no such attach type. */
		return errno == EINVAL ? 0 : -errno;
	}
	for (__u32 i = 0; i < n; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue; /* unloaded since */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("%s %s\n", hook, info.name);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ifindex, err;

	if (argc != 2) {
		fprintf(stderr, "usage: nm-tcx IFACE\n");
		return 64;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "nm-tcx: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = list_hook(ifindex, TCX_INGRESS, "ingress");
	if (!err)
		err = list_hook(ifindex, TCX_EGRESS, "egress");
	if (err) {
		fprintf(stderr, "nm-tcx: %s: querying the tcx hooks: %s\n", argv[1],
			strerror(-err));
		return 1;
	}
	return 0;
}
