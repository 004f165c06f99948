/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tls_hello.h - the server name of a TLS ClientHello (RFC 8446 4.1.2, the
 * server_name extension of RFC 6066 section 3), from the first bytes of the
 * TCP payload that carries it (bpf/tls.bpf.h).
 *
 * Input is hostile, as a DNS message is (dns_parse.h): every read is checked
 * against the end of the data and against each enclosing length, the one
 * loop (over the extensions) advances by at least 4 bytes a turn, nothing is
 * allocated. The record may be longer than the data (the rest of a long
 * ClientHello is in later segments, never passed): the extensions are read
 * as far as the data goes.
 *
 * A name is what RFC 6066 allows: a DNS host name in ASCII (an IDN as its
 * A-label), letters, digits, '-', '_' and '.', without a trailing dot, at
 * most 253 characters; it comes out lower case. Any other byte makes the
 * hello malformed: no name is taken from it, so a stored name is inert
 * wherever it is shown.
 */
#ifndef NETMON_TLS_HELLO_H
#define NETMON_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* The longest name taken, plus its NUL. */
#define TLS_NAME_MAX 254

enum tls_hello_result {
	TLS_HELLO_NAME = 0,	/* a host_name, in name */
	TLS_HELLO_NO_NAME = 1,	/* a ClientHello, no server_name within the data */
	TLS_HELLO_MALFORMED = 2 /* no ClientHello, or one that breaks its own lengths */
};

/* The server name of the ClientHello that data (len bytes) starts with. */
enum tls_hello_result tls_hello_name(const uint8_t *data, size_t len, char name[TLS_NAME_MAX]);

#endif
