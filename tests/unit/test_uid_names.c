// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_uid_names.c - a uid's name as cgroup_namer_user() gives it: the
 * passwd database's answer (or the number) kept for a minute per uid, so
 * that the live view's rows do not ask NSS once each a second; asked again
 * after the minute, so a renamed or new user shows. The passwd database and
 * the clock are the test's own (cgroup_namer.h's hooks), plus one run
 * against the machine's real database for uid 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "names/cgroup_namer.h"

#define SECOND 1000000000ull

static uint64_t fake_now;
static unsigned asked[2048];  /* lookups per uid */
static char names[2048][300]; /* the fake database; "" means no such uid */

static uint64_t fake_clock(void)
{
	return fake_now;
}

static const char *fake_lookup(struct cgroup_namer *cn, uint32_t uid)
{
	(void)cn;
	asked[uid]++;
	return names[uid][0] ? names[uid] : NULL;
}

static int setup(void **state)
{
	static struct cgroup_namer cn;

	memset(&cn, 0, sizeof(cn));
	memset(asked, 0, sizeof(asked));
	memset(names, 0, sizeof(names));
	cn.lookup = fake_lookup;
	cn.clock_ns = fake_clock;
	fake_now = 5 * SECOND;
	*state = &cn;
	return 0;
}

static const char *user(struct cgroup_namer *cn, uint32_t uid)
{
	static char num[16];

	return cgroup_namer_user(cn, uid, num, sizeof(num));
}

/* Many rows of a few uids: one lookup per uid, each row named right. */
static void test_asked_once_per_uid(void **state)
{
	struct cgroup_namer *cn = *state;
	static const uint32_t uids[] = { 0, 1000, 1001, 33, 65534 % 2048, 1002 };

	snprintf(names[0], sizeof(names[0]), "root");
	snprintf(names[1000], sizeof(names[0]), "alice");
	snprintf(names[1001], sizeof(names[0]), "bob");
	snprintf(names[33], sizeof(names[0]), "www-data");
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
			uint32_t uid = uids[i];
			char want[16];

			snprintf(want, sizeof(want), "%u", uid);
			assert_string_equal(user(cn, uid), names[uid][0] ? names[uid] : want);
		}
		fake_now += SECOND / 4; /* 50 s in all: within the minute */
	}
	for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++)
		assert_int_equal(asked[uids[i]], 1);
}

/* A user renamed (or added) shows after the minute, not before. */
static void test_asked_again_after_a_minute(void **state)
{
	struct cgroup_namer *cn = *state;

	snprintf(names[1000], sizeof(names[0]), "alice");
	assert_string_equal(user(cn, 1000), "alice");
	assert_string_equal(user(cn, 1001), "1001");
	snprintf(names[1000], sizeof(names[0]), "alicia");
	snprintf(names[1001], sizeof(names[0]), "newuser");
	fake_now += CGROUP_NAMER_USER_TTL_NS - 1;
	assert_string_equal(user(cn, 1000), "alice");
	assert_string_equal(user(cn, 1001), "1001");
	fake_now += 1;
	assert_string_equal(user(cn, 1000), "alicia");
	assert_string_equal(user(cn, 1001), "newuser");
	assert_int_equal(asked[1000], 2);
	assert_int_equal(asked[1001], 2);
}

/* Two uids on one slot each get their own name (the later one replaces). */
static void test_uids_sharing_a_slot(void **state)
{
	struct cgroup_namer *cn = *state;
	uint32_t a = 1, b = 0;

	/* b: the first uid after a that the hash puts on a's slot. */
	for (uint32_t u = 2; u < 2048 && !b; u++)
		if ((uint32_t)(u * 2654435761u) >> 27 == (uint32_t)(a * 2654435761u) >> 27)
			b = u;
	assert_int_not_equal(b, 0);
	snprintf(names[a], sizeof(names[0]), "daemon");
	snprintf(names[b], sizeof(names[0]), "other");
	for (int i = 0; i < 3; i++) {
		assert_string_equal(user(cn, a), "daemon");
		assert_string_equal(user(cn, b), "other");
	}
	assert_int_equal(asked[a], 3);
	assert_int_equal(asked[b], 3);
}

/* A name longer than the slot's room is given whole, and asked each time. */
static void test_long_name_not_kept(void **state)
{
	struct cgroup_namer *cn = *state;

	memset(names[7], 'n', CGROUP_NAMER_USER_ROOM);
	names[7][CGROUP_NAMER_USER_ROOM] = '\0';
	assert_string_equal(user(cn, 7), names[7]);
	assert_string_equal(user(cn, 7), names[7]);
	assert_int_equal(asked[7], 2);
}

/* The real passwd database and clock: uid 0 is root on every machine. */
static void test_real_database(void **state)
{
	struct cgroup_namer cn;
	char num[16];

	(void)state;
	memset(&cn, 0, sizeof(cn));
	assert_string_equal(cgroup_namer_user(&cn, 0, num, sizeof(num)), "root");
	assert_string_equal(cgroup_namer_user(&cn, 0, num, sizeof(num)), "root");
	cgroup_namer_free(&cn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_asked_once_per_uid, setup),
		cmocka_unit_test_setup(test_asked_again_after_a_minute, setup),
		cmocka_unit_test_setup(test_uids_sharing_a_slot, setup),
		cmocka_unit_test_setup(test_long_name_not_kept, setup),
		cmocka_unit_test(test_real_database),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
