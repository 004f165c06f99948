// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty_tcx - the empty TC program (bench/bpf/empty.bpf.c) on an
 * interface's ingress and egress as tcx links, the way netmon-record
 * attaches its own where the kernel has tcx (recorder/kernel/tcx.h), held
 * until SIGTERM or SIGINT: what the hooks cost by themselves, for
 * bench/datapath.sh --empty ("etcx", beside "etc": the same program as
 * clsact filters).
 *
 *   empty_tcx IFACE     prints "attached" once both links are there
 *
 * Exit 0 after the signal (the links go with the process), 1 on an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include "empty.skel.h"
#include "kernel/tcx.h"

int main(int argc, char **argv)
{
	struct empty_bpf *skel;
	int ifindex, in, out, sig;
	sigset_t set;

	if (argc != 2) {
		fprintf(stderr, "usage: empty_tcx IFACE\n");
		return 64;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "empty_tcx: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* The signals first: one that comes while attaching is not lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = empty_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "empty_tcx: loading the empty programs failed\n");
		return 1;
	}
	in = tcx_attach(ifindex, bpf_program__fd(skel->progs.empty_tc), 0);
	out = in < 0 ? in : tcx_attach(ifindex, bpf_program__fd(skel->progs.empty_tc), 1);
	if (in < 0 || out < 0) {
		fprintf(stderr, "empty_tcx: %s: attaching tcx links failed: %s\n", argv[1],
			strerror(-(in < 0 ? in : out)));
		empty_bpf__destroy(skel);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	sigwait(&set, &sig);
	close(in);
	close(out);
	empty_bpf__destroy(skel);
	return 0;
}
