/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dns_parse.h - a bounded parser of DNS responses (RFC 1035 section 4), for
 * the host names the host is told (docs/design.md, "Host names").
 *
 * Input is hostile: every read is checked against the message's end, every
 * loop is bounded by a constant, a compression pointer must point strictly
 * backwards (so a chain of them ends), a name is at most 255 bytes on the
 * wire (RFC 1035 3.1) and a label at most 63. Nothing is allocated.
 *
 * What comes out: (address, name) pairs from the answer section's A and AAAA
 * records of class IN. An address gets the owner name of its record and
 * every name that leads to that one through the answer section's CNAME
 * records (the question's name among them, when it is an alias): asked for
 * www.example.com, told "www.example.com CNAME web.example.net" and
 * "web.example.net A 192.0.2.1", 192.0.2.1 gets both names. At most
 * DNS_MAX_CHAIN aliases are followed back from an address.
 *
 * Names are lower case without the trailing dot, in presentation format
 * (RFC 1035 5.1) restricted to letters, digits, '-' and '_': every other
 * byte of a label (a control character, '<', '"', '.', '\', a space, UTF-8)
 * is written as \DDD, its decimal value. A stored name is then inert
 * wherever it is shown (a terminal, HTML, CSV) and still says exactly what
 * the wire said.
 */
#ifndef NETMON_DNS_PARSE_H
#define NETMON_DNS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A name as text: 255 wire bytes, each at most 4 characters (\DDD). */
#define DNS_TEXT_MAX 1024
/* Records of the answer section read (a longer section: the rest ignored). */
#define DNS_MAX_ANSWERS 64
/* Aliases followed back from an address's own name. */
#define DNS_MAX_CHAIN 8
/* Questions accepted (every server sends one; RFC 9619 says exactly one). */
#define DNS_MAX_QUESTIONS 4
/* Pointers followed within one name. */
#define DNS_MAX_POINTERS 64

struct dns_pair {
	int family;	  /* 4 or 6 */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3], rest zero */
	uint32_t ttl;	  /* of the address record, seconds (RFC 2181 8: top bit set -> 0) */
	char name[DNS_TEXT_MAX];
};

/* What a message held besides its pairs. */
struct dns_info {
	unsigned int answers;	/* answer records read whole */
	unsigned int truncated; /* 1: the TC bit, or the data ended inside a record */
	unsigned int dropped;	/* pairs not returned: out had no room */
	unsigned int rcode;
};

/* The scratch space of one parse (about 140 KiB: keep one, not on a stack). */
struct dns_scratch {
	struct dns_rr {
		uint16_t type;
		uint32_t ttl;
		uint8_t addr[16];
		char owner[DNS_TEXT_MAX];
		char target[DNS_TEXT_MAX]; /* CNAME only */
	} rr[DNS_MAX_ANSWERS + 1];	   /* the last: a record read but not kept */
	unsigned int n;
};

/*
 * Parse the response msg of len bytes. whole: len is the whole message, which
 * must then be read exactly (every section, no byte left over: anything else
 * is no DNS message, e.g. the middle of a TCP stream). Not whole: msg is its
 * first len bytes (the rest was not captured); answers read whole before the
 * end are used, and info->truncated is set.
 *
 * Fills out[0..cap) and *n. Returns 0, or -EBADMSG for a message that is no
 * well-formed response (a query, an opcode other than QUERY, a bad name or
 * pointer, a count the data does not hold): then *n is 0.
 */
int dns_parse(const uint8_t *msg, size_t len, int whole, struct dns_scratch *scratch,
	      struct dns_pair *out, size_t cap, size_t *n, struct dns_info *info);

/*
 * The name at off of msg as text (see above) into text (DNS_TEXT_MAX), and
 * where the name ends in the message into *next. 0 or -EBADMSG. The root
 * name is "".
 */
int dns_read_name(const uint8_t *msg, size_t len, size_t off, char *text, size_t *next);

#endif
