// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-halfreq - hold many HTTP connections that each send half a request, for
 * tests/e2e/metrics.bats: the slow (or hostile) clients an endpoint must
 * bear without delaying anything else.
 *
 *   nm-halfreq [-t SECS] PORT CONNECTIONS
 *
 * Opens CONNECTIONS (at most 1000) TCP connections to 127.0.0.1:PORT at
 * once (non-blocking, so a server that stops accepting cannot stall the
 * others), waits up to 3 s for them to connect, sends each connected one
 * "GET /metrics HTTP/1.1\r\nHost: x\r\n" (no blank line: the request never
 * ends) and prints "connected=N" to stdout. Then it holds them until killed
 * or until the deadline (-t, default 10 s, at most 600: SIGALRM ends it), so
 * it never outlives a test. Exit status 1 on a socket error, 64 on usage.
 */
#include <errno.h>
#include <poll.h>
#include "nm_tool.h"

#define MAX_CONNS 1000
#define CONNECT_MS 3000

const char *lp_prog = "nm-halfreq";

static void usage(void)
{
	fputs("usage: nm-halfreq [-t SECS] PORT CONNECTIONS\n", stderr);
	exit(64);
}

/* Start n non-blocking connects to 127.0.0.1:port into fds. */
static void start_connects(int *fds, int n, unsigned short port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			lp_die("socket");
		if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS)
			lp_die("connect");
	}
}

/* Wait (bounded) for the connects; returns how many completed. */
static int await_connects(int *fds, int n)
{
	static struct pollfd p[MAX_CONNS];
	int pending = n, connected = 0;

	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLOUT };
	for (int round = 0; pending && round < CONNECT_MS / 100; round++) {
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR)
			lp_die("poll");
		for (int i = 0; i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			connected += !err;
			p[i].fd = -1; /* done, one way or the other */
			pending--;
		}
	}
	return connected;
}

int main(int argc, char **argv)
{
	static const char half[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
	static int fds[MAX_CONNS];
	int a = lp_args(argc, argv, 2, usage);
	unsigned short port = (unsigned short)lp_number(argv[a], 1, 65535, usage);
	int n = (int)lp_number(argv[a + 1], 1, MAX_CONNS, usage), connected;

	start_connects(fds, n, port);
	connected = await_connects(fds, n);
	for (int i = 0; i < n; i++) /* a socket not yet connected simply fails */
		if (send(fds[i], half, sizeof(half) - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
		    errno != ENOTCONN && errno != EAGAIN && errno != ECONNRESET &&
		    errno != ECONNREFUSED)
			lp_die("send");
	printf("connected=%d\n", connected);
	fflush(stdout);
	for (;;)
		pause();
}
