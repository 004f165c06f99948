// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * send_cost - CPU time per send() of a small UDP datagram over loopback:
 * what bench/send_cost.sh measures with and without netmon's per-process
 * programs (sock_send_length / sock_recv_length tracepoints) attached.
 *
 *   send_cost COUNT SIZE    prints "ns_per_send=N" (user + system CPU / COUNT)
 *
 * The receiver socket is drained in the same loop, so each datagram also
 * crosses one recv() (the receive tracepoint), as an application's would.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	unsigned long count, size;
	struct rusage ru;
	char buf[1500] = { 0 };
	int tx, rx;

	if (argc != 3 || !(count = strtoul(argv[1], NULL, 10)) || count > 100000000 ||
	    (size = strtoul(argv[2], NULL, 10)) > sizeof(buf)) {
		fprintf(stderr, "usage: send_cost COUNT SIZE (SIZE <= 1500)\n");
		return 64;
	}
	alarm(120); /* a hard bound on the run */
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, len) ||
	    getsockname(rx, (struct sockaddr *)&a, &len) || connect(tx, (struct sockaddr *)&a, len)) {
		perror("send_cost: socket setup");
		return 1;
	}
	for (unsigned long i = 0; i < count; i++) {
		if (send(tx, buf, size, 0) != (ssize_t)size || recv(rx, buf, sizeof(buf), 0) < 0) {
			perror("send_cost: send/recv");
			return 1;
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("ns_per_send=%.1f\n",
	       ((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3) / count);
	return 0;
}
