// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * datapath-udp - the traffic of bench/datapath.sh: a bounded burst of small
 * UDP datagrams, and a receiver that counts them, each reporting the CPU time
 * it consumed (CLOCK_PROCESS_CPUTIME_ID: the scheduler's exact runtime, which
 * includes the softirq work the kernel did in the process's context).
 *
 *   datapath-udp [-t SECS] [-b BATCH] [-r PPS] send ADDR PORT COUNT SIZE
 *   datapath-udp [-t SECS] [-w MSECS] recv ADDR PORT COUNT
 *
 * send: COUNT datagrams of SIZE payload bytes on a connected socket, BATCH
 * per sendmmsg() call (default 64; 1 uses send()). Batching leaves less
 * syscall overhead around each packet, so the kernel datapath (and what
 * netmon adds to it) is a larger share of the CPU time measured. -r paces
 * the datagrams at PPS per second (default 0: as fast as they go), sleeping
 * whenever the sender is more than a millisecond ahead of the schedule.
 * recv: receive until COUNT datagrams arrived, or until none arrived for
 * MSECS (default 1000) after the first; a shortfall is reported (dropped
 * datagrams), not an error. 64 MiB receive buffer (SO_RCVBUFFORCE, root).
 *
 * Every run has a hard deadline (-t, default 60 s, alarm()). The receiver
 * prints "listening on ADDR PORT" to stderr once bound. On success one line
 * of key=value pairs goes to stdout (sent=/received=, cpu_ns=, wall_ns=) and
 * the status is 0; socket errors and the deadline give status 1, a bad
 * command line 64.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define MAX_COUNT 100000000UL
#define MAX_SIZE 1472UL

static void on_alarm(int sig)
{
	static const char msg[] = "datapath-udp: deadline reached, giving up\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: datapath-udp [-t SECS] [-b BATCH] [-r PPS] send ADDR PORT COUNT SIZE\n"
		"       datapath-udp [-t SECS] [-w MSECS] recv ADDR PORT COUNT\n");
}

static unsigned long num(const char *what, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v < min || v > max) {
		fprintf(stderr, "datapath-udp: invalid %s '%s' (%lu..%lu)\n", what, s, min, max);
		usage();
		exit(64);
	}
	return v;
}

static unsigned long long ns_of(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int ipv4(const char *addr, const char *port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)num("port", port, 1, 65535));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "datapath-udp: invalid IPv4 address '%s'\n", addr);
		exit(64);
	}
	return 0;
}

/* Sleep while more than a millisecond ahead of RATE datagrams per second
 * since T0 (CLOCK_MONOTONIC ns): a steady flood without a syscall per
 * datagram. */
static void pace(unsigned long long t0, unsigned long sent, unsigned long rate)
{
	unsigned long long due = t0 + (unsigned long long)sent * 1000000000ULL / rate;
	struct timespec ts;

	if (due <= ns_of(CLOCK_MONOTONIC) + 1000000ULL)
		return;
	ts.tv_sec = (time_t)(due / 1000000000ULL);
	ts.tv_nsec = (long)(due % 1000000000ULL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

static int do_send(char **argv, unsigned long batch, unsigned long rate)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	static char buf[MAX_SIZE];
	unsigned long count = num("count", argv[2], 1, MAX_COUNT);
	unsigned long size = num("size", argv[3], 0, MAX_SIZE);
	unsigned long long wall0 = ns_of(CLOCK_MONOTONIC);
	unsigned long sent = 0;
	struct sockaddr_in dst;
	int fd;

	ipv4(argv[0], argv[1], &dst);
	memset(buf, 'd', sizeof(buf));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		fprintf(stderr, "datapath-udp: socket/connect %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	for (unsigned long i = 0; i < batch; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < count) {
		unsigned long n = count - sent < batch ? count - sent : batch;
		int r;

		if (batch == 1)
			r = send(fd, buf, size, 0) == (ssize_t)size ? 1 : -1;
		else
			r = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (r < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
				continue;
			fprintf(stderr, "datapath-udp: send after %lu of %lu datagrams: %s\n", sent,
				count, strerror(errno));
			return 1;
		}
		sent += (unsigned long)r;
		if (rate)
			pace(wall0, sent, rate);
	}
	close(fd);
	printf("sent=%lu size=%lu cpu_ns=%llu wall_ns=%llu\n", sent, size,
	       ns_of(CLOCK_PROCESS_CPUTIME_ID), ns_of(CLOCK_MONOTONIC) - wall0);
	return 0;
}

static int do_recv(char **argv, unsigned long wait_ms)
{
	static struct mmsghdr msgs[64];
	static struct iovec iov[64];
	static char bufs[64][2048];
	unsigned long count = num("count", argv[2], 1, MAX_COUNT), got = 0;
	unsigned long long wall0 = 0, last = 0;
	struct sockaddr_in local;
	int fd, rcvbuf = 64 << 20, one = 1;
	struct timeval tv = { .tv_sec = (time_t)(wait_ms / 1000),
			      .tv_usec = (suseconds_t)(wait_ms % 1000) * 1000 };

	ipv4(argv[0], argv[1], &local);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(fd, (struct sockaddr *)&local, sizeof(local))) {
		fprintf(stderr, "datapath-udp: socket/bind %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	for (int i = 0; i < 64; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	fprintf(stderr, "datapath-udp: listening on %s %s\n", argv[0], argv[1]);
	while (got < count) {
		int r = recvmmsg(fd, msgs, 64, MSG_WAITFORONE, NULL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break; /* idle for wait_ms after the first datagram */
			fprintf(stderr, "datapath-udp: recv after %lu datagrams: %s\n", got,
				strerror(errno));
			return 1;
		}
		if (!got) {
			wall0 = ns_of(CLOCK_MONOTONIC);
			/* From now on, an idle receive ends the run. */
			if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
				fprintf(stderr, "datapath-udp: SO_RCVTIMEO: %s\n", strerror(errno));
				return 1;
			}
		}
		got += (unsigned long)r;
		last = ns_of(CLOCK_MONOTONIC);
	}
	close(fd);
	printf("received=%lu cpu_ns=%llu wall_ns=%llu\n", got, ns_of(CLOCK_PROCESS_CPUTIME_ID),
	       got ? last - wall0 : 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned long timeout = 60, batch = 64, wait_ms = 1000, rate = 0;
	int opt;

	while ((opt = getopt(argc, argv, "+t:b:r:w:h")) != -1) {
		switch (opt) {
		case 't':
			timeout = num("timeout", optarg, 1, 3600);
			break;
		case 'b':
			batch = num("batch", optarg, 1, MAX_BATCH);
			break;
		case 'r':
			rate = num("rate", optarg, 1, 100000000);
			break;
		case 'w':
			wait_ms = num("wait", optarg, 1, 60000);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 64;
		}
	}
	if (sigaction(SIGALRM, &sa, NULL))
		return 1;
	alarm((unsigned int)timeout);
	argv += optind;
	argc -= optind;
	if (argc == 5 && !strcmp(argv[0], "send"))
		return do_send(argv + 1, batch, rate);
	if (argc == 4 && !strcmp(argv[0], "recv"))
		return do_recv(argv + 1, wait_ms);
	usage();
	return 64;
}
