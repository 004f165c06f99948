// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_filter.c - the --include/--exclude rules (recorder/filter.c): what
 * parses into what, what is refused, the trie entries they become (each
 * holding every rule that covers it), and a SIGHUP that changes them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "cli.h"
#include "filter.h"
#include "log.h"
#include "reload.h"

static void test_parse_rules(void **state)
{
	static const struct {
		const char *text;
		uint8_t family, plen, has_protocol, protocol;
		uint16_t port;
		const char *addr;
	} ok[] = {
		{ "10.0.0.0/8", 4, 8, 0, 0, 0, "10.0.0.0" },
		{ "0.0.0.0/0", 4, 0, 0, 0, 0, "0.0.0.0" },
		{ "192.0.2.7/32:tcp/22", 4, 32, 1, 6, 22, "192.0.2.7" },
		{ "198.51.100.0/24:udp", 4, 24, 1, 17, 0, "198.51.100.0" },
		{ "198.51.100.128/25:udplite/65535", 4, 25, 1, 136, 65535, "198.51.100.128" },
		{ "203.0.113.0/24:icmp", 4, 24, 1, 1, 0, "203.0.113.0" },
		{ "203.0.113.0/24:47", 4, 24, 1, 47, 0, "203.0.113.0" },
		{ "203.0.113.0/24:0", 4, 24, 1, 0, 0, "203.0.113.0" },
		{ "2001:db8::/32", 6, 32, 0, 0, 0, "2001:db8::" },
		{ "2001:db8:8000::/33:icmpv6", 6, 33, 1, 58, 0, "2001:db8:8000::" },
		{ "::/0:esp", 6, 0, 1, 50, 0, "::" },
		{ "2001:db8::1/128:udp/53", 6, 128, 1, 17, 53, "2001:db8::1" },
	};
	struct filter_rule r;
	uint8_t addr[16];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(filter_parse("exclude", ok[i].text, &r), 0);
		assert_int_equal(r.action, NETMON_FILTER_EXCLUDE);
		assert_int_equal(r.family, ok[i].family);
		assert_int_equal(r.plen, ok[i].plen);
		assert_int_equal(r.has_protocol, ok[i].has_protocol);
		assert_int_equal(r.protocol, ok[i].protocol);
		assert_int_equal(r.port, ok[i].port);
		memset(addr, 0, sizeof(addr));
		inet_pton(ok[i].family == 4 ? AF_INET : AF_INET6, ok[i].addr, addr);
		assert_memory_equal(r.addr, addr, 16);
	}
	assert_int_equal(filter_parse("include", "10.0.0.0/8", &r), 0);
	assert_int_equal(r.action, NETMON_FILTER_INCLUDE);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"10.0.0.0",	  /* no length */
		"2001:db8::1",	  /* no length: never read as an address and a port */
		"10.1.2.3/8",	  /* host bits */
		"2001:db8::1/64", /* host bits */
		"10.0.0.0/33",
		"2001:db8::/129",
		"10.0.0.0/",
		"10.0.0.0/8a",
		"10.0.0.0/-8",
		"10.0.0.0/0008", /* a length of four digits is none */
		"10.0.0.256/32",
		"example.com/32",
		"10.0.0.0/8:",
		"10.0.0.0/8:tcpp",
		"10.0.0.0/8:256",
		"10.0.0.0/8:tcp/",
		"10.0.0.0/8:tcp/0",
		"10.0.0.0/8:tcp/65536",
		"10.0.0.0/8:tcp/22x",
		"10.0.0.0/8:icmp/8", /* a port without ports */
		"10.0.0.0/8:gre/1",
		"10.0.0.0/8:icmpv6", /* the other family's ICMP */
		"2001:db8::/32:icmp",
		"10.0.0.0/8:averyveryverylongprotocolname",
		"1111:2222:3333:4444:5555:6666:7777:8888/128:udplite/65535x", /* too long */
	};
	struct filter_rule r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (filter_parse("exclude", bad[i], &r) != -EINVAL)
			print_message("accepted: '%s'\n", bad[i]);
		assert_int_equal(filter_parse("exclude", bad[i], &r), -EINVAL);
	}
}

static void test_list(void **state)
{
	static char text[NETMON_FILTER_MAX_RULES + 1][24];
	struct filter_list l = { 0 };

	(void)state;
	assert_int_equal(filter_list_add(&l, "exclude", "10.0.0.0/8"), 0);
	assert_int_equal(filter_list_add(&l, "exclude", "10.0.0.0/8"), 0);
	assert_int_equal(l.n, 1); /* given twice, there once */
	assert_int_equal(filter_list_add(&l, "exclude", "10.0.0.1/8"), -EINVAL);
	assert_int_equal(l.n, 1);
	for (int i = 1; i < NETMON_FILTER_MAX_RULES; i++) {
		snprintf(text[i], sizeof(text[i]), "10.%d.0.0/16", i);
		assert_int_equal(filter_list_add(&l, "exclude", text[i]), 0);
	}
	assert_int_equal(l.n, NETMON_FILTER_MAX_RULES);
	assert_int_equal(filter_list_add(&l, "exclude", "192.0.2.0/24"), -EINVAL);
}

/* The entry of prefix text in t, or NULL. */
static const struct filter_value *entry(const struct filter_table *t, int family, const char *addr,
					int plen)
{
	struct filter_key k = { .prefixlen = 32 + plen, .family = family };

	inet_pton(family == 4 ? AF_INET : AF_INET6, addr, k.addr);
	for (int i = 0; i < t->n; i++)
		if (!memcmp(&t->e[i].key, &k, sizeof(k)))
			return &t->e[i].value;
	return NULL;
}

static void test_compile(void **state)
{
	struct filter_list in = { 0 }, ex = { 0 };
	static struct filter_table t;
	const struct filter_value *v;

	(void)state;
	assert_int_equal(filter_compile(&in, &ex, &t), 0);
	assert_int_equal(t.mode, 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(filter_list_add(&ex, "exclude", "10.1.0.0/16:udp/53"), 0);
	assert_int_equal(filter_list_add(&ex, "exclude", "10.1.0.0/16:udp/53"), 0);
	assert_int_equal(filter_list_add(&ex, "exclude", "192.0.2.0/24"), 0);
	assert_int_equal(filter_compile(&in, &ex, &t), 0);
	assert_int_equal(t.mode, NETMON_FILTER_ON);
	assert_int_equal(filter_list_add(&in, "include", "10.0.0.0/8"), 0);
	assert_int_equal(filter_list_add(&in, "include", "10.1.0.0/16:tcp"), 0);
	assert_int_equal(filter_list_add(&in, "include", "2001:db8::/32"), 0);
	assert_int_equal(filter_compile(&in, &ex, &t), 0);
	assert_int_equal(t.mode, NETMON_FILTER_ON | NETMON_FILTER_INCLUDING);
	assert_int_equal(t.n, 4); /* 10/8, 10.1/16 (two rules), 192.0.2/24, 2001:db8::/32 */
	v = entry(&t, 4, "10.0.0.0", 8);
	assert_non_null(v);
	assert_int_equal(v->any, NETMON_FILTER_INCLUDE);
	assert_int_equal(v->n, 0);
	/* The /16 holds its own rules and the /8's, which covers it. */
	v = entry(&t, 4, "10.1.0.0", 16);
	assert_non_null(v);
	assert_int_equal(v->any, NETMON_FILTER_INCLUDE);
	assert_int_equal(v->n, 2);
	assert_int_equal(v->services[0].action, NETMON_FILTER_INCLUDE);
	assert_int_equal(v->services[0].protocol, 6);
	assert_int_equal(v->services[0].port, 0);
	assert_int_equal(v->services[1].action, NETMON_FILTER_EXCLUDE);
	assert_int_equal(v->services[1].protocol, 17);
	assert_int_equal(v->services[1].port, 53);
	v = entry(&t, 4, "192.0.2.0", 24);
	assert_non_null(v);
	assert_int_equal(v->any, NETMON_FILTER_EXCLUDE);
	v = entry(&t, 6, "2001:db8::", 32);
	assert_non_null(v);
	assert_int_equal(v->any, NETMON_FILTER_INCLUDE);
	/* Generation 0 in every key; user space sets each generation's. */
	for (int i = 0; i < t.n; i++)
		assert_int_equal(t.e[i].key.gen, 0);
}

/* A SIGHUP with other rules applies them (RELOAD_FILTERS); the same ones
 * change nothing. */
static void test_reload(void **state)
{
	char *a[] = { "netmon-record", "--config",   "/nonexistent/netmon-test.conf",
		      "--exclude",     "10.0.0.0/8", NULL };
	char *b[] = { "netmon-record", "--config",  "/nonexistent/netmon-test.conf", "--exclude",
		      "10.0.0.0/8",    "--include", "2001:db8::/32:tcp/443",	     NULL };
	static struct cli_config cur, next;

	(void)state;
	assert_int_equal(cli_parse(5, a, &cur, stdout), 0);
	assert_int_equal(cli_parse(5, a, &next, stdout), 0);
	assert_int_equal(reload_merge(&cur, &next) & RELOAD_FILTERS, 0);
	assert_int_equal(cli_parse(7, b, &next, stdout), 0);
	assert_int_equal(reload_merge(&cur, &next) & RELOAD_FILTERS, RELOAD_FILTERS);
	assert_int_equal(cur.include.n, 1);
	assert_string_equal(cur.include.rules[0], "2001:db8::/32:tcp/443");
	assert_int_equal(cur.exclude.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rules), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_list),	    cmocka_unit_test(test_compile),
		cmocka_unit_test(test_reload),
	};

	log_init("test_filter", getenv("NETMON_TEST_DEBUG") ? LOGLVL_DEBUG : LOGLVL_WARN);
	return cmocka_run_group_tests_name("recorder/filter.c", tests, NULL, NULL);
}
