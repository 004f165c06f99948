// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ip_totals.c - the IP totals rows a snapshot gets from its flows and
 * its table-full and excluded rows (recorder/kernel/ip_totals.h), against a
 * plain sum written here: many interfaces and protocols (the summing table
 * grows several times), rows of an earlier read left alone, the other kinds
 * not added. The BPF tests check the same rows against the packets sent
 * (tests/bpf/test_flow_prog.c, test_filter.c, test_fuzz.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/ip_totals.h"

static void add_flow(struct snapshot *s, uint32_t ifindex, uint8_t dir, uint8_t family,
		     uint8_t protocol, uint64_t packets, uint64_t bytes)
{
	struct flow_record *f;

	s->flows = realloc(s->flows, (s->n_flows + 1) * sizeof(*s->flows));
	assert_non_null(s->flows);
	f = &s->flows[s->n_flows++];
	memset(f, 0, sizeof(*f));
	f->key.ifindex = ifindex;
	f->key.direction = dir;
	f->key.family = family;
	f->key.protocol = protocol;
	f->key.src_port = (uint16_t)s->n_flows; /* distinct flows, same totals key */
	f->c.packets = packets;
	f->c.bytes = bytes;
	f->c.syn = 1;
}

static void add_total(struct snapshot *s, uint8_t kind, uint32_t ifindex, uint8_t family,
		      uint8_t protocol, uint64_t packets, uint64_t bytes)
{
	struct total_record *t;

	s->totals = realloc(s->totals, (s->n_totals + 1) * sizeof(*s->totals));
	assert_non_null(s->totals);
	s->cap_totals = s->n_totals + 1;
	t = &s->totals[s->n_totals++];
	memset(t, 0, sizeof(*t));
	t->key = (struct total_key){ .ifindex = ifindex,
				     .direction = 1,
				     .family = family,
				     .protocol = protocol,
				     .kind = kind };
	t->c.packets = packets;
	t->c.bytes = bytes;
	t->c.syn = 9;
}

/* The plain sum: packets and bytes of kind IP's key k, as the rows say. */
static void want(const struct snapshot *s, size_t flows_from, size_t totals_from,
		 const struct total_key *k, uint64_t *packets, uint64_t *bytes)
{
	*packets = *bytes = 0;
	for (size_t i = flows_from; i < s->n_flows; i++) {
		const struct flow_key *f = &s->flows[i].key;

		if (f->ifindex == k->ifindex && f->direction == k->direction &&
		    f->family == k->family && f->protocol == k->protocol) {
			*packets += s->flows[i].c.packets;
			*bytes += s->flows[i].c.bytes;
		}
	}
	for (size_t i = totals_from; i < s->n_totals; i++) {
		const struct total_record *t = &s->totals[i];

		if ((t->key.kind == NETMON_KIND_TABLE_FULL ||
		     t->key.kind == NETMON_KIND_EXCLUDED) &&
		    t->key.ifindex == k->ifindex && t->key.direction == k->direction &&
		    t->key.family == k->family && t->key.protocol == k->protocol) {
			*packets += t->c.packets;
			*bytes += t->c.bytes;
		}
	}
}

static void test_sums_by_interface_direction_family_protocol(void **state)
{
	struct snapshot s = { 0 };
	size_t flows_from, totals_from, before, keys = 0;

	(void)state;
	/* An earlier read's rows: its flows and its IP row stay as they are. */
	add_flow(&s, 1, 0, 4, 6, 1000, 1000000);
	add_total(&s, NETMON_KIND_IP, 1, 4, 6, 1000, 1000000);
	flows_from = s.n_flows;
	totals_from = s.n_totals;
	/* 40 interfaces x 2 directions x 2 families x 3 protocols, 2 flows each. */
	for (uint32_t ifx = 1; ifx <= 40; ifx++)
		for (uint8_t dir = 0; dir < 2; dir++)
			for (uint8_t fam = 4; fam <= 6; fam += 2)
				for (int p = 0; p < 3; p++) {
					uint8_t proto = (uint8_t[]){ 6, 17, 58 }[p];

					add_flow(&s, ifx, dir, fam, proto, ifx + p,
						 100u * ifx + dir);
					add_flow(&s, ifx, dir, fam, proto, 7, 77);
					keys++;
				}
	add_total(&s, NETMON_KIND_TABLE_FULL, 3, 4, 17, 5, 500);
	add_total(&s, NETMON_KIND_EXCLUDED, 3, 4, 17, 2, 60);
	add_total(&s, NETMON_KIND_EXCLUDED, 41, 6, 132, 4, 400); /* in no flow: a row of its own */
	add_total(&s, NETMON_KIND_NON_IP, 3, 0, 0, 50, 5000);	 /* not IP: not added */
	add_total(&s, NETMON_KIND_SAMPLED, 3, 4, 17, 1, 60);	 /* counted twice otherwise */
	keys++;
	before = s.n_totals;

	assert_int_equal(ip_totals_add(&s, flows_from, totals_from), 0);
	assert_int_equal(s.n_totals, before + keys);
	assert_true(s.cap_totals >= s.n_totals);
	/* The earlier rows are untouched. */
	assert_int_equal(s.totals[0].c.packets, 1000);
	assert_int_equal(s.totals[0].c.syn, 9);
	for (size_t i = before; i < s.n_totals; i++) {
		const struct total_record *t = &s.totals[i];
		uint64_t p, b;

		assert_int_equal(t->key.kind, NETMON_KIND_IP);
		want(&s, flows_from, totals_from, &t->key, &p, &b);
		assert_true(p > 0);
		assert_int_equal(t->c.packets, p);
		assert_int_equal(t->c.bytes, b);
		assert_int_equal(t->c.syn, 0);	    /* as the programs left IP rows */
		for (size_t j = before; j < i; j++) /* one row a key */
			assert_memory_not_equal(&s.totals[j].key, &t->key, sizeof(t->key));
	}
	free(s.flows);
	free(s.totals);
}

/* Nothing counted: no row. */
static void test_empty(void **state)
{
	struct snapshot s = { 0 };

	(void)state;
	add_total(&s, NETMON_KIND_NON_IP, 3, 0, 0, 1, 60);
	assert_int_equal(ip_totals_add(&s, 0, 0), 0);
	assert_int_equal(s.n_totals, 1);
	free(s.totals);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_by_interface_direction_family_protocol),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
