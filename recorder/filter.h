/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filter.h - the capture filters of --include and --exclude: their syntax,
 * and the entries of the kernel's trie they become (bpf/filter.bpf.h).
 *
 *     PREFIX/LEN[:PROTO[/PORT]]
 *
 * PREFIX/LEN an IPv4 or IPv6 network with no host bits set (10.0.0.0/8,
 * 2001:db8::/32, 192.0.2.7/32; the length is never implied); PROTO tcp, udp,
 * udplite, icmp (IPv4), icmpv6 (IPv6), sctp, gre, esp, ah or a number
 * 0..255; PORT 1..65535, for tcp, udp and udplite only. A rule matches a
 * packet whose source address is in the prefix (with that protocol and
 * source port) or whose destination address is (with that protocol and
 * destination port). Exclude wins over include; with include rules, only
 * the packets one of them matches are counted in flows.
 */
#ifndef NETMON_FILTER_H
#define NETMON_FILTER_H

#include <stdint.h>
#include "netmon_user.h"

#define FILTER_STR_(x) #x
#define FILTER_STR(x) FILTER_STR_(x)
#define NETMON_FILTER_MAX_RULES_STR FILTER_STR(NETMON_FILTER_MAX_RULES)

/* The longest rule text: a full IPv6 address, /128, :udplite/65535. */
#define FILTER_TEXT_MAX 63

/* One rule, parsed. */
struct filter_rule {
	uint8_t action; /* NETMON_FILTER_EXCLUDE or NETMON_FILTER_INCLUDE */
	uint8_t family; /* NETMON_FAMILY_V4 or NETMON_FAMILY_V6 */
	uint8_t plen;	/* prefix length, 0..32 or 0..128 */
	uint8_t has_protocol;
	uint8_t protocol;
	uint16_t port; /* 0: any */
	uint8_t addr[16];
};

/* The rules of one option as given (texts checked by filter_parse()). */
struct filter_list {
	const char *rules[NETMON_FILTER_MAX_RULES];
	int n;
};

/* One generation's trie: its entries (generation 0 in their keys) and mode. */
struct filter_table {
	struct {
		struct filter_key key;
		struct filter_value value;
	} e[NETMON_FILTER_MAX_PREFIXES];
	int n;
	__u32 mode; /* NETMON_FILTER_* bits; 0: no rule */
};

/*
 * Parse text, the value of --OPTION (include or exclude), into r. Logs one
 * line ("invalid --exclude '10.0.0.1/8': ...") and returns -EINVAL when it
 * is no rule.
 */
int filter_parse(const char *option, const char *text, struct filter_rule *r);

/* One more rule of --OPTION into l, checked; a rule given twice is there once. */
int filter_list_add(struct filter_list *l, const char *option, const char *text);

/*
 * The trie's entries for both lists. Logs one line and returns -EINVAL when
 * more rules with a protocol cover one address than a trie entry holds.
 */
int filter_compile(const struct filter_list *include, const struct filter_list *exclude,
		   struct filter_table *t);

#endif
