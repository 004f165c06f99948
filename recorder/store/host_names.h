/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * host_names.h - (address, name) pairs into address_names and dns_names
 * (sql/0011_names.sql, docs/schema.md), in a transaction of their own.
 */
#ifndef NETMON_HOST_NAMES_H
#define NETMON_HOST_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* address_names.source */
#define HOST_NAME_DNS 1 /* a DNS answer the host received */
#define HOST_NAME_SNI 2 /* the server name of a TLS ClientHello the host sent */

struct host_name {
	int family;		       /* 4 or 6 */
	int source;		       /* HOST_NAME_DNS or HOST_NAME_SNI */
	uint8_t addr[16];	       /* network order; IPv4 in addr[0..3] */
	const char *name;	       /* lower case, no trailing dot, inert (dns_parse.h) */
	int64_t first_seen, last_seen; /* unix seconds */
};

/*
 * Insert each pair with its source, or widen its first_seen and
 * last_seen to cover these. All of them or none: 0 or -errno (rolled back).
 */
int host_names_write(struct store *st, const struct host_name *h, size_t n);

#endif
