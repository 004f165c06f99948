// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-ping - echo requests through an ICMP datagram ("ping") socket, the kind
 * an unprivileged process may open when its group is in
 * net.ipv4.ping_group_range (IPv4 and IPv6 alike), so that a test can hold
 * process_log against what each call passed.
 *
 *   nm-ping [-t SECS] ADDRESS COUNT SIZE
 *     ADDRESS  an IPv4 or IPv6 address (the test's peer)
 *     COUNT    echo requests, one at a time, each waiting for its reply
 *     SIZE     payload bytes after the 8-byte ICMP header
 *
 * The socket is connected to ADDRESS; the kernel chooses the echo
 * identifier (the socket's "port"). Prints "pid=P ident=I sent=S recv=R":
 * the bytes send() and recv() returned in total (ICMP header + payload).
 * Exit 0, 1 on a failure or the deadline (default 10 s), 64 on bad
 * arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "nm_tool.h"

#define MAX_SIZE 60000

const char *lp_prog = "nm-ping";
static unsigned char req[8 + MAX_SIZE], rep[8 + MAX_SIZE];

static void usage(void)
{
	fprintf(stderr, "usage: nm-ping [-t SECS] ADDRESS COUNT SIZE (SIZE <= %d)\n", MAX_SIZE);
	exit(64);
}

/* A ping socket connected to the address text; 64 if it is none. */
static int ping_socket(const char *text, int *family)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, text, &a->sin_addr) == 1) {
		a->sin_family = *family = AF_INET;
		len = sizeof(*a);
	} else if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = *family = AF_INET6;
		len = sizeof(*a6);
	} else {
		usage();
	}
	fd = socket(*family, SOCK_DGRAM, *family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0 && errno == EACCES) {
		fprintf(stderr,
			"nm-ping: ping sockets not allowed: group %u is not in "
			"net.ipv4.ping_group_range\n",
			(unsigned int)getegid());
		exit(1);
	}
	if (fd < 0)
		lp_die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		lp_die("connect");
	return fd;
}

int main(int argc, char **argv)
{
	int fd, family, a = lp_args(argc, argv, 3, usage);
	unsigned long count = lp_number(argv[a + 1], 1, 100000, usage);
	unsigned long size = lp_number(argv[a + 2], 0, MAX_SIZE, usage);
	unsigned long sent = 0, got = 0;

	fd = ping_socket(argv[a], &family);
	/* Echo request: type, code 0, checksum and identifier filled in by the
	 * kernel for a ping socket, sequence number, payload. */
	req[0] = family == AF_INET ? 8 : 128;
	memset(req + 8, 'x', size);
	for (unsigned long i = 1; i <= count; i++) {
		ssize_t r;

		req[6] = (unsigned char)(i >> 8);
		req[7] = (unsigned char)i;
		r = send(fd, req, 8 + size, 0);
		if (r != (ssize_t)(8 + size))
			lp_die("send");
		sent += (unsigned long)r;
		/* The socket gets only echo replies to its identifier: wait for
		 * this request's. */
		do {
			r = recv(fd, rep, sizeof(rep), 0);
			if (r < 8)
				lp_die("recv");
			got += (unsigned long)r;
		} while (rep[6] != req[6] || rep[7] != req[7]);
	}
	printf("pid=%d ident=%d sent=%lu recv=%lu\n", getpid(), lp_port_of(fd), sent, got);
	return 0;
}
