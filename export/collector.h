/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * collector.h - the IPFIX collectors of --ipfix, over UDP.
 *
 * A collector must never slow or stop recording: its socket is
 * non-blocking, a message it cannot take now (buffer full, unreachable,
 * refused) is dropped and counted, and nothing is ever retried in a loop.
 * Messages go out in batches (sendmmsg), each still counted sent or
 * dropped once, per collector.
 */
#ifndef NETMON_COLLECTOR_H
#define NETMON_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define COLLECTOR_MAX 4 /* --ipfix given at most this many times */
#define COLLECTOR_MAX_STR "4"

struct collector {
	char name[300]; /* as given: HOST:PORT or [V6ADDR]:PORT */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int fd;		 /* -1: not open (or its connect failed: tried again later) */
	uint64_t sent;	 /* messages the kernel took */
	uint64_t errors; /* messages dropped (send failed) */
	int last_errno;	 /* of the last failure, logged once per new errno; -1:
			  * failures whose errno sendmmsg lost, logged */
	uint64_t lost;	 /* failures since the last export whose errno was lost */
	int single;	 /* a batch failed part way: one by one until the export ends */
	uint64_t errors_settled, sent_settled; /* the counts at the end of the last export */
};

/*
 * Parse "HOST:PORT" or "[V6ADDR]:PORT" (PORT 1..65535) and resolve HOST (a
 * name, an IPv4 or an IPv6 address) into c. Logs one line and returns
 * -EINVAL on a bad value or an unresolvable host.
 */
int collector_parse(const char *value, struct collector *c);

/*
 * A non-blocking UDP socket connected to c; on failure (no route yet) its
 * fd stays -1, the failure is counted and logged once, and the next export
 * tries again. Returns 0 or -errno.
 */
int collector_open(struct collector *c);
void collector_close(struct collector *c);

/* Send one message without waiting; 0 or -errno (counted in c). */
int collector_send(struct collector *c, const uint8_t *msg, size_t len);

/*
 * Send n messages without waiting, in one sendmmsg() call when all go:
 * each message is tried once and counted as sent or as an error, as
 * collector_send() would. sendmmsg() reports the failure of a message after
 * the first only by stopping there, without its errno: that message is
 * counted as an error and the rest of this export goes one by one, so
 * that the next failure is told with its errno (a failing collector costs
 * no batching that matters).
 */
void collector_send_batch(struct collector *c, struct mmsghdr *v, unsigned int n);

/* After an export: a failing collector that took everything is said to be back. */
void collector_settle(struct collector *c);

#endif
