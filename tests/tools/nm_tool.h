/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nm_tool.h - what the nm-* test tools that move exact byte counts through
 * one process share (nm-sockio, nm-uring, nm-ping): their common arguments
 * and a connected pair of sockets over loopback. Header-only: each tool is
 * one program.
 */
#ifndef NETMON_NM_TOOL_H
#define NETMON_NM_TOOL_H

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

/*
 * "[-t SECS] ARG..." with exactly NARGS arguments: arms the hard deadline
 * (SIGALRM ends the tool after SECS, default 10, at most 600) and returns
 * the index of the first argument; usage() on anything else.
 */
static inline int lp_args(int argc, char **argv, int nargs, void (*usage)(void))
{
	unsigned long secs = 10;
	int a = 1;
	char *end;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		secs = strtoul(argv[2], &end, 10);
		if (*end || !secs || secs > 600)
			usage();
		a = 3;
	}
	if (argc - a != nargs)
		usage();
	alarm((unsigned int)secs);
	return a;
}

/* A decimal number in [min, max], else usage(). */
static inline unsigned long lp_number(const char *s, unsigned long min, unsigned long max,
				      void (*usage)(void))
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (!*s || *end || n < min || n > max)
		usage();
	return n;
}

/* "tcp"|"udp" and "4"|"6" into *tcp and *family, else usage(). */
static inline void lp_proto_family(const char *proto, const char *fam, int *tcp, int *family,
				   void (*usage)(void))
{
	*tcp = !strcmp(proto, "tcp");
	*family = !strcmp(fam, "4") ? AF_INET : !strcmp(fam, "6") ? AF_INET6 : 0;
	if ((!*tcp && strcmp(proto, "udp")) || !*family)
		usage();
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
