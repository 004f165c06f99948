// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_series_set.c - the set of forgotten contact series (series_set.h):
 * every fingerprint added is found, past the table's growth, with those
 * that share their slot and the fingerprint 0; none other is; it
 * stays at most half full; cleared, it finds nothing and holds no memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "store/series_set.h"

/* Fingerprint i: spread as a hash's; every 1024th shares its low 32 bits (its slot). */
static uint64_t fp_of(uint64_t i)
{
	return i % 1024 ? i * 0x9e3779b97f4a7c15ull : i << 32 | 0x5bd1e995;
}

static void test_added_found_others_not(void **state)
{
	struct series_set s = { 0 };
	const uint64_t n = 300000;

	assert_false(series_set_has(&s, 0));
	assert_false(series_set_has(&s, 12345));
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(series_set_add(&s, fp_of(i)), 0);
		assert_int_equal(series_set_add(&s, fp_of(i)), 0); /* twice: once */
	}
	assert_int_equal(s.n, n);
	assert_true(2 * s.n <= s.cap);
	for (uint64_t i = 0; i < n; i++) {
		assert_true(series_set_has(&s, fp_of(i)));
		assert_false(series_set_has(&s, fp_of(i) ^ 1ull << 63));
	}
	assert_false(series_set_has(&s, fp_of(n)));
	assert_int_equal(series_set_add(&s, 0), 0); /* kept as 1 */
	assert_true(series_set_has(&s, 0));
	series_set_clear(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.slots);
	/* room made at once: no growth while n are added */
	assert_int_equal(series_set_reserve(&s, n), 0);
	{
		const uint64_t *slots = s.slots;

		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(series_set_add(&s, fp_of(i)), 0);
		assert_ptr_equal(s.slots, slots);
	}
	series_set_clear(&s);
	assert_null(s.slots);
	assert_false(series_set_has(&s, fp_of(1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_added_found_others_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
