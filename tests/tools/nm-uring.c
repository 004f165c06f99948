// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-uring - move an exact number of bytes between two sockets of this one
 * process over loopback through io_uring, so that a test can hold
 * process_log against what the completions reported.
 *
 *   nm-uring [-t SECS] PROTO FAMILY OP MODE BYTES
 *     PROTO   tcp | udp
 *     FAMILY  4 | 6          (127.0.0.1 or ::1 only)
 *     OP      send    IORING_OP_SEND and IORING_OP_RECV
 *             msg     IORING_OP_SENDMSG and IORING_OP_RECVMSG
 *             rw      IORING_OP_WRITE and IORING_OP_READ on the sockets
 *             zc      IORING_OP_SEND_ZC and IORING_OP_RECV
 *     MODE    inline  plain submissions: each completes in io_uring_enter,
 *                     in this thread (the data is always ready)
 *             async   IOSQE_ASYNC on every request: run by an io-wq worker
 *                     thread (iou-wrk-PID) of this process
 *             sqpoll  IORING_SETUP_SQPOLL: submitted by the ring's polling
 *                     thread (iou-sqp-PID)
 *     BYTES   total payload, in requests of at most 1000 bytes (UDP: one
 *             datagram each); one send then one receive at a time
 *
 * Prints "pid=P send_port=S recv_port=R bytes=N". Exit 0, 1 on a failure or
 * the deadline (default 10 s), 64 on bad arguments.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "nm_tool.h"

#define CHUNK 1000

const char *lp_prog = "nm-uring";
static char buf[CHUNK];

static void usage(void)
{
	fprintf(stderr, "usage: nm-uring [-t SECS] tcp|udp 4|6 send|msg|rw|zc inline|async|sqpoll "
			"BYTES\n");
	exit(64);
}

/* Wait for the one request in flight; its result (bytes, or -errno). A
 * zero-copy send also posts a notification once the buffer is free
 * (IORING_CQE_F_MORE on the first completion): wait for that too. */
static int complete(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int res, more, err;

	if ((err = io_uring_wait_cqe(ring, &cqe))) {
		errno = -err;
		lp_die("io_uring_wait_cqe");
	}
	res = cqe->res;
	more = cqe->flags & IORING_CQE_F_MORE;
	io_uring_cqe_seen(ring, cqe);
	if (more) {
		if ((err = io_uring_wait_cqe(ring, &cqe))) {
			errno = -err;
			lp_die("io_uring_wait_cqe (notification)");
		}
		io_uring_cqe_seen(ring, cqe);
	}
	return res;
}

/* One request of the chosen kind; returns its result. */
static int transfer(struct io_uring *ring, const char *op, int sending, int fd, size_t n, int async)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct iovec iov = { buf, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int err;

	if (!sqe)
		lp_die("io_uring_get_sqe");
	if (!strcmp(op, "send") || (!strcmp(op, "zc") && !sending)) {
		if (sending)
			io_uring_prep_send(sqe, fd, buf, n, 0);
		else
			io_uring_prep_recv(sqe, fd, buf, n, 0);
	} else if (!strcmp(op, "zc")) {
		io_uring_prep_send_zc(sqe, fd, buf, n, 0, 0);
	} else if (!strcmp(op, "msg")) {
		if (sending)
			io_uring_prep_sendmsg(sqe, fd, &mh, 0);
		else
			io_uring_prep_recvmsg(sqe, fd, &mh, 0);
	} else if (!strcmp(op, "rw")) {
		/* Offset -1: the file position, i.e. none for a socket. */
		if (sending)
			io_uring_prep_write(sqe, fd, buf, n, -1);
		else
			io_uring_prep_read(sqe, fd, buf, n, -1);
	} else {
		usage();
	}
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	/*
	 * With SQPOLL, liburing counts the entries the kernel thread has not
	 * taken yet: 0 when it was quicker than us. The completion says the rest.
	 */
	err = io_uring_submit(ring);
	if (err < 0 || (err != 1 && !(ring->flags & IORING_SETUP_SQPOLL))) {
		errno = err < 0 ? -err : EIO;
		lp_die("io_uring_submit");
	}
	return complete(ring);
}

static void ring_init(struct io_uring *ring, const char *mode)
{
	struct io_uring_params p = { 0 };
	int err;

	if (!strcmp(mode, "sqpoll")) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 1000; /* ms */
	} else if (strcmp(mode, "inline") && strcmp(mode, "async")) {
		usage();
	}
	if ((err = io_uring_queue_init_params(8, ring, &p))) {
		errno = -err;
		lp_die("io_uring_queue_init");
	}
}

int main(int argc, char **argv)
{
	int tcp, family, tx, rx, async, a = lp_args(argc, argv, 5, usage);
	unsigned long total = lp_number(argv[a + 4], 0, 100000000, usage);
	size_t sent = 0, got = 0;
	struct io_uring ring;

	lp_proto_family(argv[a], argv[a + 1], &tcp, &family, usage);
	async = !strcmp(argv[a + 3], "async");
	memset(buf, 'x', sizeof(buf));
	ring_init(&ring, argv[a + 3]);
	lp_make_pair(tcp, family, &tx, &rx);
	while (sent < total) {
		size_t n = total - sent < CHUNK ? total - sent : CHUNK;
		int r = transfer(&ring, argv[a + 2], 1, tx, n, async);

		if (r <= 0) {
			errno = r < 0 ? -r : EIO;
			lp_die("send request");
		}
		sent += (size_t)r;
		/* Receive what was sent before the next send: UDP buffers never
		 * overflow, and every receive finds its data ready. */
		while (got < sent) {
			int g = transfer(&ring, argv[a + 2], 0, rx, CHUNK, async);

			if (g <= 0) {
				errno = g < 0 ? -g : EIO;
				lp_die("receive request");
			}
			got += (size_t)g;
		}
	}
	printf("pid=%d send_port=%d recv_port=%d bytes=%zu\n", getpid(), lp_port_of(tx),
	       lp_port_of(rx), got);
	io_uring_queue_exit(&ring);
	return got == total ? 0 : 1;
}
