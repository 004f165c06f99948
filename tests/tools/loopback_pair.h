/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * loopback_pair.h - a connected pair of sockets over loopback for the test
 * tools that move exact byte counts through one process (nm-sockio,
 * nm-uring) and the ping socket of nm-ping. Header-only: each tool is one
 * program.
 */
#ifndef NETMON_LOOPBACK_PAIR_H
#define NETMON_LOOPBACK_PAIR_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The tool's name for error messages. */
extern const char *lp_prog;

static inline void lp_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", lp_prog, what, strerror(errno));
	exit(1);
}

/* 127.0.0.1 or ::1 with PORT into ss; returns the address length. */
static inline socklen_t lp_loopback(int family, struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	a6->sin6_addr = in6addr_loopback;
	return sizeof(*a6);
}

static inline int lp_port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		lp_die("getsockname");
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A connected pair: tx sends to rx. Both connected (UDP too) so that every
 * send path, write included, works on tx. */
static inline void lp_make_pair(int tcp, int family, int *tx, int *rx)
{
	struct sockaddr_storage ss;
	socklen_t len = lp_loopback(family, &ss, 0);
	int type = tcp ? SOCK_STREAM : SOCK_DGRAM, l;

	l = socket(family, type, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&ss, len))
		lp_die("bind");
	lp_loopback(family, &ss, lp_port_of(l));
	*tx = socket(family, type, 0);
	if (tcp && listen(l, 1))
		lp_die("listen");
	if (connect(*tx, (struct sockaddr *)&ss, len))
		lp_die("connect");
	if (tcp) {
		*rx = accept(l, NULL, NULL);
		if (*rx < 0)
			lp_die("accept");
		close(l);
		return;
	}
	*rx = l;
	lp_loopback(family, &ss, lp_port_of(*tx));
	if (connect(*rx, (struct sockaddr *)&ss, len))
		lp_die("connect back");
}

#endif
