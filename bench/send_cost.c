// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * send_cost - CPU time per send() of a small UDP datagram over loopback:
 * what bench/send_cost.sh measures with and without netmon's per-process
 * programs (sock_send_length / sock_recv_length tracepoints) attached.
 *
 *   send_cost [--empty] COUNT SIZE [SOCKETS]
 *                   prints "ns_per_send=N" (user + system CPU / COUNT);
 *                   --empty: with empty programs on the same tracepoints
 *                   (bench/bpf/empty_tp.bpf.c) attached for the run: the floor;
 *                   SOCKETS (default 1): socket pairs used in turn
 *
 * The receiver socket is drained in the same loop, so each datagram also
 * crosses one recv() (the receive tracepoint), as an application's would.
 * With one pair every call after the first finds its key in netmon's
 * per-CPU cache of the last key (bpf/proc.bpf.c), the common case of a
 * transfer; with two or more, taken in turn, none does: the worst case.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "empty_tp.skel.h"

#define MAX_PAIRS 64

static double cpu_ns(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e9 +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1e3;
}

/* The empty programs' own time as the kernel counts it (bpf_stats, when
 * enabled): "NAME RUN_TIME_NS RUN_CNT" lines after the result. */
static void print_stats(struct empty_tp_bpf *empty)
{
	struct bpf_program *p[2];

	if (!empty)
		return;
	p[0] = empty->progs.empty_send;
	p[1] = empty->progs.empty_recv;
	for (int i = 0; i < 2; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(bpf_program__fd(p[i]), &info, &len))
			printf("%s %llu %llu\n", bpf_program__name(p[i]),
			       (unsigned long long)info.run_time_ns,
			       (unsigned long long)info.run_cnt);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	unsigned long count, size, pairs = 1;
	struct empty_tp_bpf *empty = NULL;
	struct rusage ru0, ru;
	char buf[1500] = { 0 };
	int tx[MAX_PAIRS], rx[MAX_PAIRS];

	if (argc > 1 && !strcmp(argv[1], "--empty")) {
		empty = empty_tp_bpf__open_and_load();
		if (!empty || empty_tp_bpf__attach(empty)) {
			fprintf(stderr, "send_cost: cannot attach the empty programs\n");
			return 1;
		}
		argc--;
		argv++;
	}
	if ((argc != 3 && argc != 4) || !(count = strtoul(argv[1], NULL, 10)) ||
	    count > 100000000 || (size = strtoul(argv[2], NULL, 10)) > sizeof(buf) ||
	    (argc == 4 && (!(pairs = strtoul(argv[3], NULL, 10)) || pairs > MAX_PAIRS))) {
		fprintf(stderr,
			"usage: send_cost [--empty] COUNT SIZE [SOCKETS] "
			"(SIZE <= 1500, SOCKETS 1..%d)\n",
			MAX_PAIRS);
		return 64;
	}
	alarm(120); /* a hard bound on the run */
	for (unsigned long p = 0; p < pairs; p++) {
		a.sin_port = 0;
		len = sizeof(a);
		rx[p] = socket(AF_INET, SOCK_DGRAM, 0);
		tx[p] = socket(AF_INET, SOCK_DGRAM, 0);
		if (rx[p] < 0 || tx[p] < 0 || bind(rx[p], (struct sockaddr *)&a, len) ||
		    getsockname(rx[p], (struct sockaddr *)&a, &len) ||
		    connect(tx[p], (struct sockaddr *)&a, len)) {
			perror("send_cost: socket setup");
			return 1;
		}
	}
	/* Only the loop: not the set-up (loading the empty programs). */
	getrusage(RUSAGE_SELF, &ru0);
	for (unsigned long i = 0; i < count; i++) {
		unsigned long p = i % pairs;

		if (send(tx[p], buf, size, 0) != (ssize_t)size ||
		    recv(rx[p], buf, sizeof(buf), 0) < 0) {
			perror("send_cost: send/recv");
			return 1;
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("ns_per_send=%.1f\n", (cpu_ns(&ru) - cpu_ns(&ru0)) / count);
	print_stats(empty);
	empty_tp_bpf__destroy(empty);
	return 0;
}
