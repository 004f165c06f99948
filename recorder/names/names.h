/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * names.h - host names from the DNS responses the host receives, and the
 * server names of the TLS connections it opens: read from the programs' ring
 * buffer (bpf/dns.bpf.h, tls.bpf.h), parsed (dns_parse.h, tls_hello.h), held in a
 * bounded set of (address, name) pairs with the first and last time each
 * was told, and written to address_names once an interval
 * (store/host_names.h). docs/design.md, "Host names".
 *
 * TCP: a segment is read when it holds whole messages (each behind its
 * 2-byte length); a message that goes on in a later segment is not read but
 * counted, and the segments that carry its rest are recognised by their
 * sequence numbers and skipped, never read as the start of a message.
 */
#ifndef NETMON_NAMES_H
#define NETMON_NAMES_H

#include <stdint.h>

struct names;
struct store;

/* What was read and what could not be. */
struct names_stats {
	uint64_t records;   /* ring records (responses) read */
	uint64_t messages;  /* DNS messages parsed */
	uint64_t malformed; /* records or messages that are no DNS response */
	uint64_t truncated; /* messages read in part: TC set, or longer than captured */
	uint64_t tcp_split; /* TCP messages not whole in one segment: not read */
	uint64_t hellos;    /* TLS ClientHellos read (tls_hello.h) */
	uint64_t hello_names;	  /* of them, with a server name */
	uint64_t hello_malformed; /* of them, breaking their own lengths or RFC 6066 */
	uint64_t pairs;	    /* (address, name) pairs told */
	uint64_t lost;	    /* new pairs dropped: the pending set was full */
	uint64_t written;   /* pairs written (a pair told in n intervals: n times) */
};

/* Pending pairs held between writes at most. */
#define NAMES_PENDING_MAX 8192

/*
 * Read the ring ring_fd. offline: record times are the capture's
 * (CLOCK_REALTIME), else CLOCK_MONOTONIC. discard: read and count, store
 * nothing (--no-names under adopted programs that pass responses).
 * 0 or -errno (logged).
 */
int names_open(struct names **out, int ring_fd, int offline, int discard);
/* The fd to poll (POLLIN), or -1 for NULL. */
int names_fd(const struct names *n);
/* Parse every response waiting in the ring. 0 or -errno (logged). */
int names_consume(struct names *n);
/*
 * Consume, then the TCP messages found not whole in one segment
 * (names_stats.tcp_split) since the last call: the interval's count
 * (intervals.dns_tcp_split). 0 for NULL.
 */
uint64_t names_take_tcp_split(struct names *n);
/*
 * Consume, then write the pending pairs in one transaction. A failed write
 * keeps them for the next (logged at debug: the interval's own write says
 * why). 0 or -errno.
 */
int names_flush(struct names *n, struct store *st);
/* Log what was read (info), free. Accepts NULL. */
void names_close(struct names *n);

#endif
