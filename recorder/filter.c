// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * filter.c - --include and --exclude rules: parsed, checked, and made into
 * the entries of the kernel's LPM trie (filter.h, bpf/filter.bpf.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"
#include "log.h"
#include "numparse.h"

#define IPPROTO_UDPLITE_ 136

static const struct {
	const char *name;
	uint8_t number;
	uint8_t family; /* 0: either */
} protocols[] = {
	{ "tcp", 6, 0 },  { "udp", 17, 0 },    { "udplite", 136, 0 },
	{ "icmp", 1, 4 }, { "icmpv6", 58, 6 }, { "sctp", 132, 0 },
	{ "gre", 47, 0 }, { "esp", 50, 0 },    { "ah", 51, 0 },
};

/* Ports the parser reads (bpf/parse.bpf.h): a port rule needs one of these. */
static int has_ports(uint8_t protocol)
{
	return protocol == 6 || protocol == 17 || protocol == IPPROTO_UDPLITE_;
}

/* Whether the first plen bits of a and b are equal. */
static int same_bits(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;

	if (memcmp(a, b, whole))
		return 0;
	return !rest || !((a[whole] ^ b[whole]) & (0xff00 >> rest));
}

/* PREFIX/LEN into r; the rest of the text after LEN in *rest. */
static int parse_prefix(const char *option, const char *text, struct filter_rule *r,
			const char **rest)
{
	const char *slash = strchr(text, '/'), *end;
	char addr[INET6_ADDRSTRLEN + 1], len[4], masked[INET6_ADDRSTRLEN];
	uint8_t net[16] = { 0 };
	unsigned long plen;
	unsigned int bits;

	if (!slash || (size_t)(slash - text) >= sizeof(addr)) {
		pr_err("invalid --%s '%s': expected PREFIX/LENGTH (10.0.0.0/8, 2001:db8::/32, "
		       "192.0.2.7/32), then maybe :PROTO or :PROTO/PORT",
		       option, text);
		return -EINVAL;
	}
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - text), text);
	if (inet_pton(AF_INET, addr, r->addr) == 1) {
		r->family = NETMON_FAMILY_V4;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, r->addr) == 1) {
		r->family = NETMON_FAMILY_V6;
		bits = 128;
	} else {
		pr_err("invalid --%s '%s': '%s' is no IPv4 or IPv6 address", option, text, addr);
		return -EINVAL;
	}
	end = slash + 1 + strcspn(slash + 1, ":");
	snprintf(len, sizeof(len), "%.*s", (int)(end - slash - 1), slash + 1);
	if (end - slash - 1 >= (long)sizeof(len) || parse_uint_range(len, 0, bits, &plen)) {
		pr_err("invalid --%s '%s': the prefix length must be 0..%u", option, text, bits);
		return -EINVAL;
	}
	r->plen = (uint8_t)plen;
	memcpy(net, r->addr, plen / 8);
	if (plen % 8)
		net[plen / 8] = r->addr[plen / 8] & (0xff00 >> (plen % 8));
	/* A typo in the address or the length is more likely than a wish to
	 * match its network: say which network that would be. */
	if (memcmp(net, r->addr, 16)) {
		inet_ntop(bits == 32 ? AF_INET : AF_INET6, net, masked, sizeof(masked));
		pr_err("invalid --%s '%s': host bits are set (the network is %s/%lu)", option, text,
		       masked, plen);
		return -EINVAL;
	}
	*rest = end;
	return 0;
}

/* PROTO[/PORT] into r. */
static int parse_service(const char *option, const char *text, const char *s, struct filter_rule *r)
{
	const char *slash = strchr(s, '/');
	size_t i, n = slash ? (size_t)(slash - s) : strlen(s);
	char name[16];
	unsigned long v;

	/* A name too long for name[] is cut, and then matches none. */
	snprintf(name, sizeof(name), "%.*s", (int)n, s);
	for (i = 0; n < sizeof(name) && i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (!strcmp(name, protocols[i].name))
			break;
	if (n < sizeof(name) && i < sizeof(protocols) / sizeof(protocols[0])) {
		if (protocols[i].family && protocols[i].family != r->family) {
			pr_err("invalid --%s '%s': %s is not a protocol of IPv%d (%s is)", option,
			       text, name, r->family, r->family == 4 ? "icmp" : "icmpv6");
			return -EINVAL;
		}
		r->protocol = protocols[i].number;
	} else if (n < sizeof(name) && !parse_uint_range(name, 0, 255, &v)) {
		r->protocol = (uint8_t)v;
	} else {
		pr_err("invalid --%s '%s': unknown protocol '%s' (tcp, udp, udplite, icmp, "
		       "icmpv6, sctp, gre, esp, ah or a number 0..255)",
		       option, text, name);
		return -EINVAL;
	}
	r->has_protocol = 1;
	if (!slash)
		return 0;
	if (!has_ports(r->protocol)) {
		pr_err("invalid --%s '%s': a port goes with tcp, udp or udplite only", option,
		       text);
		return -EINVAL;
	}
	if (parse_uint_range(slash + 1, 1, 65535, &v)) {
		pr_err("invalid --%s '%s': the port must be 1..65535", option, text);
		return -EINVAL;
	}
	r->port = (uint16_t)v;
	return 0;
}

int filter_parse(const char *option, const char *text, struct filter_rule *r)
{
	const char *rest;

	memset(r, 0, sizeof(*r));
	r->action = !strcmp(option, "include") ? NETMON_FILTER_INCLUDE : NETMON_FILTER_EXCLUDE;
	if (strlen(text) > FILTER_TEXT_MAX) {
		pr_err("invalid --%s '%.*s...': longer than any rule (%d characters)", option, 20,
		       text, FILTER_TEXT_MAX);
		return -EINVAL;
	}
	if (parse_prefix(option, text, r, &rest))
		return -EINVAL;
	if (!*rest)
		return 0;
	if (!rest[1]) {
		pr_err("invalid --%s '%s': a protocol after ':' (tcp, udp...)", option, text);
		return -EINVAL;
	}
	return parse_service(option, text, rest + 1, r);
}

int filter_list_add(struct filter_list *l, const char *option, const char *text)
{
	struct filter_rule r;

	if (filter_parse(option, text, &r))
		return -EINVAL;
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->rules[i], text))
			return 0;
	if (l->n == NETMON_FILTER_MAX_RULES) {
		pr_err("too many --%s rules (at most %d)", option, NETMON_FILTER_MAX_RULES);
		return -EINVAL;
	}
	l->rules[l->n++] = text;
	return 0;
}

/* Does rule r cover every address of entry k's prefix? */
static int covers(const struct filter_rule *r, const struct filter_key *k)
{
	return r->family == k->family && 32u + r->plen <= k->prefixlen &&
	       same_bits(r->addr, k->addr, r->plen);
}

/* Rule r into the value of a prefix it covers. */
static int add_to_value(const struct filter_rule *r, const struct filter_key *k,
			struct filter_value *v)
{
	struct filter_service s = { .action = r->action, .protocol = r->protocol, .port = r->port };
	char addr[INET6_ADDRSTRLEN];

	if (!r->has_protocol) {
		v->any |= r->action;
		return 0;
	}
	for (int i = 0; i < v->n; i++)
		if (!memcmp(&v->services[i], &s, sizeof(s)))
			return 0;
	if (v->n == NETMON_FILTER_MAX_SERVICES) {
		inet_ntop(k->family == NETMON_FAMILY_V4 ? AF_INET : AF_INET6, k->addr, addr,
			  sizeof(addr));
		pr_err("too many --include/--exclude rules with a protocol cover %s/%u (at most "
		       "%d apply to one address)",
		       addr, k->prefixlen - 32, NETMON_FILTER_MAX_SERVICES);
		return -EINVAL;
	}
	v->services[v->n++] = s;
	return 0;
}

/* The entry of r's prefix, added unless another rule made it. */
static void add_prefix(struct filter_table *t, const struct filter_rule *r)
{
	struct filter_key k = { .prefixlen = 32u + r->plen, .family = r->family };

	memcpy(k.addr, r->addr, sizeof(k.addr));
	for (int i = 0; i < t->n; i++)
		if (!memcmp(&t->e[i].key, &k, sizeof(k)))
			return;
	memset(&t->e[t->n], 0, sizeof(t->e[t->n]));
	t->e[t->n++].key = k;
}

int filter_compile(const struct filter_list *include, const struct filter_list *exclude,
		   struct filter_table *t)
{
	struct filter_rule r[2 * NETMON_FILTER_MAX_RULES];
	int n = 0;

	t->n = 0;
	t->mode = include->n   ? NETMON_FILTER_ON | NETMON_FILTER_INCLUDING
		  : exclude->n ? NETMON_FILTER_ON
			       : 0;
	for (int i = 0; i < include->n; i++)
		if (filter_parse("include", include->rules[i], &r[n++]))
			return -EINVAL;
	for (int i = 0; i < exclude->n; i++)
		if (filter_parse("exclude", exclude->rules[i], &r[n++]))
			return -EINVAL;
	for (int i = 0; i < n; i++)
		add_prefix(t, &r[i]);
	/* Each entry holds every rule covering it: an address's longest match
	 * then tells every rule that applies to it (netmon.h). */
	for (int e = 0; e < t->n; e++)
		for (int i = 0; i < n; i++)
			if (covers(&r[i], &t->e[e].key) &&
			    add_to_value(&r[i], &t->e[e].key, &t->e[e].value))
				return -EINVAL;
	return 0;
}
