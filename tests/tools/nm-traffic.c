// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-traffic - send and receive a known amount of traffic, for the end-to-end
 * tests (tests/e2e). Plain sockets, IPv4 and IPv6, no libraries.
 *
 *   nm-traffic [-t SECS] [-b ADDR] [-p PORT] [-g USECS] [-s SOCKETS] \
 *              udp-send ADDR PORT COUNT SIZE
 *   nm-traffic [-t SECS] udp-recv ADDR PORT COUNT [SIZE]
 *   nm-traffic [-t SECS] [-b ADDR] [-p PORT] tcp-send ADDR PORT BYTES
 *   nm-traffic [-t SECS] tcp-recv ADDR PORT [BYTES]
 *
 * Every run has a hard deadline (-t, default 10 s, enforced with alarm()), so
 * a test can never hang on it. Receivers print "listening on ADDR PORT" to
 * stderr once bound, so a test can start the sender only then. On success one
 * summary line of key=value pairs goes to stdout and the exit status is 0; a
 * short send or receive, an unexpected size or count, any socket error or the
 * deadline gives one line on stderr and status 1; a bad command line gives
 * the usage on stderr and status 64.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 64

#define MAX_TIMEOUT 3600
#define MAX_COUNT 1000000UL
#define MAX_GAP_US 1000000UL
#define MAX_SOCKETS 1000UL
/* Largest UDP payload over IPv6 (65535 - 8); IPv4 refuses above 65507 itself. */
#define MAX_UDP_SIZE 65527UL
#define MAX_TCP_BYTES (1UL << 32)

static const char *prog = "nm-traffic";

struct opts {
	unsigned long timeout;	/* seconds, the hard deadline */
	unsigned long src_port; /* 0: let the kernel choose */
	const char *src_addr;	/* NULL: let the kernel choose */
	unsigned long gap_us;	/* pause between datagrams */
	unsigned long sockets;	/* udp-send: datagrams spread over this many */
};

/* An address parsed from the command line, with its text for messages. */
struct endpoint {
	struct sockaddr_storage ss;
	socklen_t len;
	int family;
	char text[INET6_ADDRSTRLEN];
	unsigned int port;
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s [-t SECS] [-b SRCADDR] [-p SRCPORT] [-g USECS] [-s SOCKETS] COMMAND "
		"ARGS...\n"
		"  udp-send ADDR PORT COUNT SIZE  send COUNT datagrams of SIZE payload bytes\n"
		"  udp-recv ADDR PORT COUNT [SIZE] receive exactly COUNT datagrams (each SIZE)\n"
		"  tcp-send ADDR PORT BYTES       connect, send BYTES, wait for the peer's close\n"
		"  tcp-recv ADDR PORT [BYTES]     accept one connection, read to EOF\n"
		"Options: -t deadline in seconds, 1..%d (default 10); -b source address and\n"
		"-p source port of the senders; -g pause between datagrams in microseconds,\n"
		"0..%lu; -s udp-send's datagrams go round-robin over that many sockets,\n"
		"1..%lu, each connected (with -p, from ports SRCPORT, SRCPORT + 1, ...).\n"
		"Exit status: 0 ok, 1 failure or deadline, 64 usage.\n",
		prog, MAX_TIMEOUT, MAX_GAP_US, MAX_SOCKETS);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_RUNTIME);
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage();
	exit(EXIT_USAGE);
}

/* The deadline: only async-signal-safe calls here. */
static void on_alarm(int sig)
{
	static const char msg[] = "nm-traffic: deadline reached, giving up\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(EXIT_RUNTIME);
}

/* A whole decimal number in [min, max]: no sign, no spaces, nothing after. */
static unsigned long parse_num(const char *what, const char *s, unsigned long min,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		die_usage("invalid %s '%s': expected a whole number from %lu to %lu", what, s, min,
			  max);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		die_usage("invalid %s '%s': expected a whole number from %lu to %lu", what, s, min,
			  max);
	return v;
}

static void parse_endpoint(const char *addr, const char *port, struct endpoint *ep)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->ss;

	memset(ep, 0, sizeof(*ep));
	ep->port = (unsigned int)parse_num("port", port, 1, 65535);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		ep->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		ep->len = sizeof(*sin6);
	} else {
		die_usage("invalid address '%s': expected a numeric IPv4 or IPv6 address", addr);
	}
	ep->family = ep->ss.ss_family;
	snprintf(ep->text, sizeof(ep->text), "%s", addr);
}

/* Text and port of a socket's own or peer address, for the summary line. */
static void sock_name(int fd, int peer, char *text, size_t size, unsigned int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a;
	int err = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
		       : getsockname(fd, (struct sockaddr *)&ss, &len);

	if (err)
		die("%s: %s", peer ? "getpeername" : "getsockname", strerror(errno));
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (!inet_ntop(ss.ss_family, a, text, (socklen_t)size))
		die("inet_ntop: %s", strerror(errno));
}

static int open_socket(int family, int type)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR: %s", strerror(errno));
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		die("setsockopt IPV6_V6ONLY: %s", strerror(errno));
	return fd;
}

/* Bind a sender's source address (-b) and port (-p); wildcard and 0 if not given. */
static void bind_src(int fd, int family, const struct opts *o)
{
	struct sockaddr_storage ss = { 0 };
	void *addr;
	socklen_t len;

	if (!o->src_port && !o->src_addr)
		return;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)o->src_port);
		addr = &sin->sin_addr;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)o->src_port);
		addr = &sin6->sin6_addr;
		len = sizeof(*sin6);
	}
	if (o->src_addr && inet_pton(family, o->src_addr, addr) != 1)
		die_usage("invalid source address '%s' for the destination's family", o->src_addr);
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind source %s port %lu: %s", o->src_addr ? o->src_addr : "*", o->src_port,
		    strerror(errno));
}

static void bind_listen(int fd, const struct endpoint *ep, int stream)
{
	if (bind(fd, (const struct sockaddr *)&ep->ss, ep->len))
		die("bind %s port %u: %s", ep->text, ep->port, strerror(errno));
	if (stream && listen(fd, 1))
		die("listen %s port %u: %s", ep->text, ep->port, strerror(errno));
	/* Unbuffered stderr: the test waits for this line before it sends. */
	fprintf(stderr, "%s: listening on %s %u\n", prog, ep->text, ep->port);
}

static void sleep_us(unsigned long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Socket i of udp-send's -s sockets: bound (port -p + i when -p), connected,
 * so that an ICMP port unreachable fails the next send. */
static int udp_sender(const struct opts *o, const struct endpoint *dst, unsigned long i)
{
	struct opts oi = *o;
	int fd = open_socket(dst->family, SOCK_DGRAM);

	if (o->src_port)
		oi.src_port = o->src_port + i;
	bind_src(fd, dst->family, &oi);
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len))
		die("connect %s port %u: %s", dst->text, dst->port, strerror(errno));
	return fd;
}

static int udp_send(const struct opts *o, char **argv)
{
	struct endpoint dst;
	unsigned long count, size;
	char src[INET6_ADDRSTRLEN], many[32] = "";
	unsigned int sport;
	char *buf;
	int fds[MAX_SOCKETS];

	parse_endpoint(argv[0], argv[1], &dst);
	count = parse_num("count", argv[2], 1, MAX_COUNT);
	size = parse_num("size", argv[3], 0, MAX_UDP_SIZE);
	if (o->src_port && o->src_port + o->sockets - 1 > 65535)
		die_usage("source ports %lu to %lu: the last is above 65535", o->src_port,
			  o->src_port + o->sockets - 1);
	buf = malloc(size ? size : 1);
	if (!buf)
		die("malloc %lu: %s", size, strerror(errno));
	memset(buf, 'u', size);

	for (unsigned long i = 0; i < o->sockets; i++)
		fds[i] = udp_sender(o, &dst, i);
	sock_name(fds[0], 0, src, sizeof(src), &sport);
	for (unsigned long i = 0; i < count; i++) {
		int fd = fds[i % o->sockets];
		ssize_t n = send(fd, buf, size, 0);

		if (n < 0)
			die("send datagram %lu of %lu to %s port %u: %s", i + 1, count, dst.text,
			    dst.port, strerror(errno));
		if ((unsigned long)n != size)
			die("short send: datagram %lu of %lu took %zd of %lu bytes", i + 1, count,
			    n, size);
		if (o->gap_us && i + 1 < count)
			sleep_us(o->gap_us);
	}
	for (unsigned long i = 0; i < o->sockets; i++)
		close(fds[i]);
	free(buf);
	if (o->sockets > 1)
		snprintf(many, sizeof(many), " sockets=%lu", o->sockets);
	printf("udp-send src=%s sport=%u dst=%s dport=%u datagrams=%lu size=%lu bytes=%lu%s\n", src,
	       sport, dst.text, dst.port, count, size, count * size, many);
	return 0;
}

static int udp_recv(const struct opts *o, char **argv, int argc)
{
	static char buf[65536];
	struct endpoint local;
	unsigned long count, size = ULONG_MAX, total = 0;
	int fd, rcvbuf = 4 << 20;

	parse_endpoint(argv[0], argv[1], &local);
	count = parse_num("count", argv[2], 1, MAX_COUNT);
	if (argc > 3)
		size = parse_num("size", argv[3], 0, MAX_UDP_SIZE);

	fd = open_socket(local.family, SOCK_DGRAM);
	/* Room for a whole burst: a drop would be a test failure, not traffic. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		die("setsockopt SO_RCVBUF: %s", strerror(errno));
	bind_listen(fd, &local, 0);
	for (unsigned long i = 0; i < count; i++) {
		/* MSG_TRUNC: the real datagram length even if it exceeds buf. */
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);

		if (n < 0)
			die("recv datagram %lu of %lu: %s", i + 1, count, strerror(errno));
		if (size != ULONG_MAX && (unsigned long)n != size)
			die("datagram %lu of %lu has %zd bytes, expected %lu", i + 1, count, n,
			    size);
		total += (unsigned long)n;
	}
	close(fd);
	printf("udp-recv local=%s port=%u datagrams=%lu bytes=%lu\n", local.text, local.port, count,
	       total);
	(void)o;
	return 0;
}

static int tcp_send(const struct opts *o, char **argv)
{
	static char buf[65536];
	struct endpoint dst;
	unsigned long bytes, sent = 0;
	char src[INET6_ADDRSTRLEN];
	unsigned int sport;
	ssize_t n;
	int fd;

	parse_endpoint(argv[0], argv[1], &dst);
	bytes = parse_num("bytes", argv[2], 0, MAX_TCP_BYTES);
	memset(buf, 't', sizeof(buf));

	fd = open_socket(dst.family, SOCK_STREAM);
	bind_src(fd, dst.family, o);
	if (connect(fd, (struct sockaddr *)&dst.ss, dst.len))
		die("connect %s port %u: %s", dst.text, dst.port, strerror(errno));
	sock_name(fd, 0, src, sizeof(src), &sport);
	while (sent < bytes) {
		size_t chunk = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);

		n = send(fd, buf, chunk, MSG_NOSIGNAL);
		if (n <= 0)
			die("send after %lu of %lu bytes: %s", sent, bytes,
			    n < 0 ? strerror(errno) : "sent nothing");
		sent += (unsigned long)n;
	}
	/* Our FIN, then wait for the peer's: closing with its FIN unread
	 * would answer with a RST instead of the normal close. */
	if (shutdown(fd, SHUT_WR))
		die("shutdown: %s", strerror(errno));
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		die("recv (waiting for the peer's close): %s", strerror(errno));
	if (n > 0)
		die("peer sent %zd unexpected bytes", n);
	close(fd);
	printf("tcp-send src=%s sport=%u dst=%s dport=%u bytes=%lu\n", src, sport, dst.text,
	       dst.port, sent);
	return 0;
}

static int tcp_recv(const struct opts *o, char **argv, int argc)
{
	static char buf[65536];
	struct endpoint local;
	unsigned long expect = ULONG_MAX, total = 0;
	char peer[INET6_ADDRSTRLEN];
	unsigned int pport;
	int lfd, fd;
	ssize_t n;

	parse_endpoint(argv[0], argv[1], &local);
	if (argc > 2)
		expect = parse_num("bytes", argv[2], 0, MAX_TCP_BYTES);

	lfd = open_socket(local.family, SOCK_STREAM);
	bind_listen(lfd, &local, 1);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		die("accept: %s", strerror(errno));
	close(lfd);
	sock_name(fd, 1, peer, sizeof(peer), &pport);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += (unsigned long)n;
	if (n < 0)
		die("recv after %lu bytes: %s", total, strerror(errno));
	close(fd);
	if (expect != ULONG_MAX && total != expect)
		die("received %lu bytes, expected %lu", total, expect);
	printf("tcp-recv local=%s port=%u peer=%s pport=%u bytes=%lu\n", local.text, local.port,
	       peer, pport, total);
	(void)o;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout = 10, .sockets = 1 };
	struct sigaction sa = { .sa_handler = on_alarm };
	const char *cmd;
	int opt, nargs;

	/* Options: the deadline, a sender's source port, pacing, sockets. */
	while ((opt = getopt(argc, argv, "+t:b:p:g:s:h")) != -1) {
		switch (opt) {
		case 't':
			o.timeout = parse_num("timeout", optarg, 1, MAX_TIMEOUT);
			break;
		case 'b':
			o.src_addr = optarg;
			break;
		case 'p':
			o.src_port = parse_num("source port", optarg, 1, 65535);
			break;
		case 'g':
			o.gap_us = parse_num("gap", optarg, 0, MAX_GAP_US);
			break;
		case 's':
			o.sockets = parse_num("sockets", optarg, 1, MAX_SOCKETS);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		die_usage("missing command");
	cmd = argv[optind];
	argv += optind + 1;
	nargs = argc - optind - 1;

	/* The hard deadline, armed before any socket call can block. */
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction: %s", strerror(errno));
	alarm((unsigned int)o.timeout);

	/* One command, its argument count checked before anything is opened. */
	if (!strcmp(cmd, "udp-send") && nargs == 4)
		return udp_send(&o, argv);
	if (!strcmp(cmd, "udp-recv") && (nargs == 3 || nargs == 4))
		return udp_recv(&o, argv, nargs);
	if (!strcmp(cmd, "tcp-send") && nargs == 3)
		return tcp_send(&o, argv);
	if (!strcmp(cmd, "tcp-recv") && (nargs == 2 || nargs == 3))
		return tcp_recv(&o, argv, nargs);
	if (strcmp(cmd, "udp-send") && strcmp(cmd, "udp-recv") && strcmp(cmd, "tcp-send") &&
	    strcmp(cmd, "tcp-recv"))
		die_usage("unknown command '%s'", cmd);
	die_usage("wrong number of arguments for %s", cmd);
}
