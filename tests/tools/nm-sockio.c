// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-sockio - move an exact number of bytes between two sockets of this one
 * process over loopback, through one chosen send path and one receive path,
 * so that a test can hold process_log against what each syscall passed.
 *
 *   nm-sockio [-t SECS] PROTO FAMILY SEND RECV BYTES
 *     PROTO   tcp | udp
 *     FAMILY  4 | 6          (127.0.0.1 or ::1 only)
 *     SEND    write send sendto sendmsg sendmmsg writev sendfile splice
 *     RECV    read recv recvfrom recvmsg recvmmsg readv splice
 *     BYTES   total payload, sent in chunks of at most 1000 bytes (UDP: one
 *             datagram per chunk)
 *
 * Prints "pid=P send_port=S recv_port=R bytes=N". Exit 0, 1 on a failure or
 * the deadline (default 10 s), 64 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "nm_tool.h"

#define CHUNK 1000

const char *lp_prog = "nm-sockio";
static char buf[CHUNK];

static void usage(void)
{
	fprintf(stderr, "usage: nm-sockio [-t SECS] tcp|udp 4|6 SEND RECV BYTES\n");
	exit(64);
}

/* Send n bytes with one call of the chosen path; returns what was sent. */
static ssize_t send_once(const char *how, int fd, size_t n, int src_fd)
{
	struct iovec iov = { buf, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };

	if (!strcmp(how, "write"))
		return write(fd, buf, n);
	if (!strcmp(how, "send"))
		return send(fd, buf, n, 0);
	if (!strcmp(how, "sendto"))
		return sendto(fd, buf, n, 0, NULL, 0);
	if (!strcmp(how, "sendmsg"))
		return sendmsg(fd, &mh, 0);
	if (!strcmp(how, "sendmmsg"))
		return sendmmsg(fd, &mm, 1, 0) == 1 ? (ssize_t)mm.msg_len : -1;
	if (!strcmp(how, "writev"))
		return writev(fd, &iov, 1);
	if (!strcmp(how, "sendfile")) {
		off_t off = 0;

		return sendfile(fd, src_fd, &off, n);
	}
	if (!strcmp(how, "splice")) {
		int p[2];
		ssize_t r;

		if (pipe(p) || write(p[1], buf, n) != (ssize_t)n)
			lp_die("pipe");
		r = splice(p[0], NULL, fd, NULL, n, 0);
		close(p[0]);
		close(p[1]);
		return r;
	}
	usage();
	return -1;
}

/* Receive up to n bytes with one call of the chosen path. */
static ssize_t recv_once(const char *how, int fd, size_t n)
{
	struct iovec iov = { buf, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };

	if (!strcmp(how, "read"))
		return read(fd, buf, n);
	if (!strcmp(how, "recv"))
		return recv(fd, buf, n, 0);
	if (!strcmp(how, "recvfrom"))
		return recvfrom(fd, buf, n, 0, NULL, NULL);
	if (!strcmp(how, "recvmsg"))
		return recvmsg(fd, &mh, 0);
	if (!strcmp(how, "recvmmsg"))
		return recvmmsg(fd, &mm, 1, 0, NULL) == 1 ? (ssize_t)mm.msg_len : -1;
	if (!strcmp(how, "readv"))
		return readv(fd, &iov, 1);
	if (!strcmp(how, "splice")) {
		int p[2];
		ssize_t r;

		if (pipe(p))
			lp_die("pipe");
		r = splice(fd, NULL, p[1], NULL, n, 0);
		if (r > 0 && read(p[0], buf, (size_t)r) != r)
			lp_die("pipe read");
		close(p[0]);
		close(p[1]);
		return r;
	}
	usage();
	return -1;
}

/* A file of CHUNK bytes for sendfile to read from. */
static int source_file(void)
{
	char path[] = "/tmp/nm-sockio-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, buf, CHUNK) != CHUNK)
		lp_die("source file");
	unlink(path);
	return fd;
}

int main(int argc, char **argv)
{
	int tcp, family, tx, rx, src, a = lp_args(argc, argv, 5, usage);
	unsigned long total = lp_number(argv[a + 4], 0, 100000000, usage);
	size_t sent = 0, got = 0;

	lp_proto_family(argv[a], argv[a + 1], &tcp, &family, usage);
	memset(buf, 'x', sizeof(buf));
	src = source_file();
	lp_make_pair(tcp, family, &tx, &rx);
	while (sent < total) {
		size_t n = total - sent < CHUNK ? total - sent : CHUNK;
		ssize_t r = send_once(argv[a + 2], tx, n, src);

		if (r <= 0)
			lp_die(argv[a + 2]);
		sent += (size_t)r;
		/* Drain as we go, so that UDP buffers never overflow. */
		while (got < sent) {
			ssize_t g = recv_once(argv[a + 3], rx, CHUNK);

			if (g <= 0)
				lp_die(argv[a + 3]);
			got += (size_t)g;
		}
	}
	printf("pid=%d send_port=%d recv_port=%d bytes=%zu\n", getpid(), lp_port_of(tx),
	       lp_port_of(rx), got);
	return got == total ? 0 : 1;
}
