// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty_tp - the empty programs of bench/bpf/empty_tp.bpf.c on the socket
 * tracepoints the per-process programs use (sock_send_length,
 * sock_recv_length), attached as netmon-record attaches its own (tp_btf,
 * through the raw tracepoint interface) and held until SIGTERM or SIGINT:
 * what a program on every send and receive call costs by itself, for
 * bench/datapath.sh --proc-floor ("tcnpe": netmon-record --no-process with
 * these beside it).
 *
 *   empty_tp     prints "attached" once both programs are attached
 *
 * Exit 0 after the signal (the links go with the process), 1 on an error.
 */
#include <signal.h>
#include <stdio.h>
#include "empty_tp.skel.h"

int main(int argc, char **argv)
{
	struct empty_tp_bpf *skel;
	sigset_t set;
	int sig;

	if (argc != 1) {
		fprintf(stderr, "usage: empty_tp\n");
		return 64;
	}
	/* The signals first: one that comes while attaching is not lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = empty_tp_bpf__open_and_load();
	if (!skel || empty_tp_bpf__attach(skel)) {
		fprintf(stderr, "empty_tp: loading or attaching the empty programs failed\n");
		empty_tp_bpf__destroy(skel);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	sigwait(&set, &sig);
	empty_tp_bpf__destroy(skel);
	return 0;
}
