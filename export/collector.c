// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "collector.h"
#include "log.h"
#include "numparse.h"

/* host and port of "HOST:PORT" or "[V6ADDR]:PORT", into the buffers. */
static int split(const char *value, char *host, size_t size, const char **port)
{
	const char *colon;
	size_t n;

	if (value[0] == '[') { /* RFC 3986's form: the address's colons stay inside */
		const char *end = strchr(value, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		n = (size_t)(end - value - 1);
		*port = end + 2;
		value++;
	} else {
		colon = strrchr(value, ':');
		/* a bare IPv6 address has more than one colon: ambiguous, refused */
		if (!colon || memchr(value, ':', (size_t)(colon - value)))
			return -EINVAL;
		n = (size_t)(colon - value);
		*port = colon + 1;
	}
	if (!n || n >= size)
		return -EINVAL;
	memcpy(host, value, n);
	host[n] = '\0';
	return 0;
}

int collector_parse(const char *value, struct collector *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char host[256];
	const char *port;
	unsigned long num;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (split(value, host, sizeof(host), &port)) {
		pr_err("invalid --ipfix '%s': expected HOST:PORT or [IPV6ADDRESS]:PORT", value);
		return -EINVAL;
	}
	if (parse_uint_range(port, 1, 65535, &num)) {
		pr_err("invalid --ipfix '%s': the port must be a whole number from 1 to 65535",
		       value);
		return -EINVAL;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		pr_err("invalid --ipfix '%s': cannot resolve '%s': %s", value, host,
		       gai_strerror(rc));
		return -EINVAL;
	}
	/* The first address: a collector is one place, not a list to try. */
	memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
	c->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(c->name, sizeof(c->name), "%s", value);
	return 0;
}

static void count_error(struct collector *c, int err)
{
	c->errors++;
	if (err == c->last_errno)
		return; /* said already: an outage is one line, not one per message */
	c->last_errno = err;
	pr_warn("ipfix %s: %s (the messages it refuses are dropped and counted)", c->name,
		strerror(err));
}

int collector_open(struct collector *c)
{
	int fd = socket(c->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		goto fail;
	/* Connected: a collector's ICMP "port unreachable" comes back as an
	 * error of a later send (ECONNREFUSED), counted like any other. */
	if (connect(fd, (struct sockaddr *)&c->addr, c->addr_len))
		goto fail;
	c->fd = fd;
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	count_error(c, err);
	return -err;
}

void collector_close(struct collector *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int collector_send(struct collector *c, const uint8_t *msg, size_t len)
{
	int err;

	if (c->fd < 0) { /* opened again once per export (exporter.c), not here */
		c->errors++;
		return -ENOTCONN;
	}
	if (send(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len) {
		c->sent++;
		return 0;
	}
	err = errno;
	count_error(c, err);
	return -err;
}

void collector_send_batch(struct collector *c, struct mmsghdr *v, unsigned int n)
{
	unsigned int i = 0;
	int r;

	if (c->fd < 0) { /* as collector_send(): each message dropped */
		c->errors += n;
		return;
	}
	while (i < n && !c->single) {
		r = sendmmsg(c->fd, v + i, n - i, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) { /* the first one failed, and said why */
			count_error(c, errno);
			i++;
			continue;
		}
		c->sent += (unsigned int)r;
		i += (unsigned int)r;
		if (i < n) { /* message i failed; sendmmsg() dropped its errno */
			c->errors++;
			c->lost++;
			c->single = 1;
			i++;
		}
	}
	for (; i < n; i++)
		collector_send(c, v[i].msg_hdr.msg_iov[0].iov_base,
			       v[i].msg_hdr.msg_iov[0].iov_len);
}

void collector_settle(struct collector *c)
{
	int pending = 0;
	socklen_t len = sizeof(pending);

	/* An ICMP error for the last message waits on the socket: its failure. */
	if (c->fd >= 0 && !getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &pending, &len) && pending)
		count_error(c, pending);
	/* Failures whose errno sendmmsg() lost, none told since: said here. */
	if (c->lost && !c->last_errno) {
		c->last_errno = -1;
		pr_warn("ipfix %s: %llu messages not taken (the kernel did not say why; messages "
			"are dropped and counted, recording goes on)",
			c->name, (unsigned long long)c->lost);
	}
	c->lost = 0;
	c->single = 0; /* batches again from the next export */
	/* A refusing collector fails every other send (each ICMP error is
	 * reported once, by the send after it): back only after an export of
	 * two messages or more without an error. */
	if (c->last_errno && c->errors == c->errors_settled && c->sent >= c->sent_settled + 2) {
		pr_info("ipfix %s: sending again", c->name);
		c->last_errno = 0;
	}
	c->errors_settled = c->errors;
	c->sent_settled = c->sent;
}
