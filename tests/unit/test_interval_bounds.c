// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_interval_bounds.c - the recorder's interval boundaries never overlap
 * and never repeat a ts_start, across restarts within one second, adopted
 * pins and a clock that went back (interval_bounds.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "store/interval_bounds.h"

#define T0 1796528987 /* a whole second */

static struct timespec at(int64_t s, long ns)
{
	struct timespec t = { .tv_sec = s, .tv_nsec = ns };

	return t;
}

/* The case CI met: a run stopped at T0 + 0.4 wrote [T0, T0 + 1] (rounded up);
 * the next run started at T0 + 0.7 must not write [T0, T0 + 1] again. */
static void test_restart_within_the_second_continues_at_the_stored_end(void **state)
{
	struct timespec stop = at(T0, 400000000);
	int64_t end = interval_end_now(&stop, T0), behind, start;

	assert_int_equal(end, T0 + 1);
	for (int adopted = 0; adopted < 2; adopted++) {
		start = interval_first_start(T0, end, adopted, &behind);
		assert_int_equal(start, T0 + 1);
		assert_int_equal(behind, 0);
		/* The tick at T0 + 1 is not after that start: the interval goes on. */
		assert_int_equal(interval_tick_end(T0 + 1, 1, start), 0);
		assert_int_equal(interval_tick_end(T0 + 2, 1, start), T0 + 2);
	}
}

/* Adopted pins counted through the gap: the first interval covers it. A
 * plain start after a gap begins now: nobody counted the gap. */
static void test_gap_is_covered_only_when_the_kernel_counted_it(void **state)
{
	int64_t behind;

	assert_int_equal(interval_first_start(T0 + 30, T0, 1, &behind), T0);
	assert_int_equal(interval_first_start(T0 + 30, T0, 0, &behind), T0 + 30);
	assert_int_equal(interval_first_start(T0, T0, 0, &behind), T0);
	assert_int_equal(interval_first_start(T0, 0, 1, &behind), T0); /* empty database */
	assert_int_equal(behind, 0);
}

/* Two stops rounded up within one second: still continuous. */
static void test_two_quick_restarts_stay_continuous(void **state)
{
	struct timespec now = at(T0, 900000000);
	int64_t behind, start, end;

	start = interval_first_start(T0, T0 + 1, 0, &behind); /* after one rounded stop */
	end = interval_end_now(&now, start);		      /* stopped again within the second */
	assert_int_equal(end, T0 + 2); /* at least a second long, after its start */
	start = interval_first_start(T0, end, 0, &behind);
	assert_int_equal(start, T0 + 2);
	assert_int_equal(behind, 0);
}

/* A clock set back by a minute: recording goes on at the real time, and the
 * caller is told how far back, to say that intervals overlap. */
static void test_clock_set_back_is_reported(void **state)
{
	int64_t behind;

	assert_int_equal(interval_first_start(T0, T0 + 60, 1, &behind), T0);
	assert_int_equal(behind, 60);
	assert_int_equal(interval_first_start(T0, T0 + INTERVAL_SLACK_S + 1, 0, &behind), T0);
	assert_int_equal(behind, INTERVAL_SLACK_S + 1);
}

/* Timer ticks end intervals on multiples of the interval; a stop on a whole
 * second ends there, and an interval is never empty. */
static void test_ticks_and_stops(void **state)
{
	struct timespec whole = at(T0 + 5, 0);

	assert_int_equal(interval_tick_end(T0 + 61, 60, T0 - 20), (T0 + 61) / 60 * 60);
	assert_int_equal(interval_tick_end(T0 + 3, 60, (T0 + 3) / 60 * 60), 0);
	assert_int_equal(interval_end_now(&whole, T0), T0 + 5);
	assert_int_equal(interval_end_now(&whole, T0 + 5), T0 + 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_within_the_second_continues_at_the_stored_end),
		cmocka_unit_test(test_gap_is_covered_only_when_the_kernel_counted_it),
		cmocka_unit_test(test_two_quick_restarts_stay_continuous),
		cmocka_unit_test(test_clock_set_back_is_reported),
		cmocka_unit_test(test_ticks_and_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
