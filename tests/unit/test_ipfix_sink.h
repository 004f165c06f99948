/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_ipfix_sink.h - a collector for the IPFIX unit tests: a UDP socket
 * of the test on 127.0.0.1, read after the export (which is synchronous).
 * Included by test_ipfix_fast.c and test_ipfix_send.c after cmocka.h.
 */
#ifndef NETMON_TEST_IPFIX_SINK_H
#define NETMON_TEST_IPFIX_SINK_H

#include <stdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* A UDP socket on 127.0.0.1, an ephemeral port, its HOST:PORT into name. */
static inline int sink(char *name, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(name, size, "127.0.0.1:%u", ntohs(a.sin_port));
	return fd;
}

#endif
