// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_report_window.c - time arguments of netmon-report.
 *
 * Time zones are POSIX TZ strings, not zoneinfo names, so the tests need no
 * tzdata and mean the same on every machine.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>
#include "report_window.h"

#define BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Parse s with now = 1000; the result, or the error as -errno. */
static int64_t parse(const char *s)
{
	int64_t t = -12345;
	int err = window_parse_time(s, 1000, &t);

	return err ? err : t;
}

/* Fail naming the string, which a bare assert in a loop would not. */
static void expect_parse(const char *s, int64_t want)
{
	int64_t got = parse(s);

	if (got != want)
		fail_msg("'%s': got %lld, want %lld", s, (long long)got, (long long)want);
}

static void test_unix_seconds(void **state)
{
	assert_int_equal(parse("0"), 0);
	assert_int_equal(parse("1700000000"), 1700000000);
	assert_int_equal(parse("@1700000000"), 1700000000);
	assert_int_equal(parse("@0"), 0);
	assert_int_equal(parse("253402300799"), WINDOW_MAX_SECONDS);
	assert_int_equal(parse("253402300800"), -ERANGE);
	assert_int_equal(parse("99999999999999999999999"), -ERANGE);
}

static void test_not_a_time(void **state)
{
	static const char *const bad[] = {
		"",
		"@",
		"@@1",
		"12abc",
		"-5",
		"+5",
		" 5",
		"5 ",
		"1.5",
		"0x10",
		"yesterday",
		"NOW",
		"now ",
		"2024-1-01",
		"2024-01-1",
		"2024/01/01",
		"2024-01-01x",
		"2024-01-01 10",
		"2024-01-01 10:2",
		"2024-01-01_10:20",
		"2024-01-01 10:20:3",
		"2024-01-01 10:20:30Z",
		"2024-01-01T10:20:30+01:00",
		"24-01-01",
		"２０２４",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_parse(bad[i], -EINVAL);
}

static void test_now(void **state)
{
	assert_int_equal(parse("now"), 1000);
}

static void test_dates_utc(void **state)
{
	set_tz("UTC0");
	assert_int_equal(parse("2024-01-01"), 1704067200);
	assert_int_equal(parse("2024-01-01 10:20"), 1704067200 + 10 * 3600 + 20 * 60);
	assert_int_equal(parse("2024-01-01T10:20"), 1704067200 + 10 * 3600 + 20 * 60);
	assert_int_equal(parse("2024-01-01 10:20:30"), 1704067200 + 10 * 3600 + 20 * 60 + 30);
	assert_int_equal(parse("2024-01-01T23:59:59"), 1704067200 + 86399);
	assert_int_equal(parse("1970-01-01"), 0);
	assert_int_equal(parse("2024-02-29"), 1709164800);
	assert_int_equal(parse("2000-02-29"), 951782400);
}

static void test_dates_out_of_range(void **state)
{
	static const char *const bad[] = {
		"2023-02-29",	    "1900-02-29",	   "2024-04-31", "2024-00-10",
		"2024-13-01",	    "2024-01-00",	   "2024-01-32", "2024-01-01 24:00",
		"2024-01-01 23:60", "2024-01-01 23:59:60", "1969-12-31",
	};

	set_tz("UTC0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_parse(bad[i], -ERANGE);
}

static void test_dates_local_time(void **state)
{
	int64_t t;

	set_tz(BERLIN);
	/* Winter: UTC+1; summer: UTC+2. */
	assert_int_equal(parse("2024-01-01"), 1704067200 - 3600);
	assert_int_equal(parse("2024-07-01 12:00"), 1719835200 - 2 * 3600);
	/* 2024-03-31 02:00-03:00 does not exist there. */
	assert_int_equal(parse("2024-03-31 02:30"), -ERANGE);
	assert_int_equal(parse("2024-03-31 03:00"), 1711846800);
	/* 02:30 on 2024-10-27 happens twice; either reading is an answer. */
	t = parse("2024-10-27 02:30");
	assert_true(t == 1729992600 - 3600 || t == 1729992600);
}

static void test_format(void **state)
{
	char buf[64];

	set_tz("UTC0");
	window_format_time(1704067200, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-01 00:00:00 UTC");
	window_format_time(WINDOW_START, buf, sizeof(buf));
	assert_string_equal(buf, "the start of history");
	window_format_time(WINDOW_END, buf, sizeof(buf));
	assert_string_equal(buf, "the end of history");
	set_tz(BERLIN);
	window_format_time(1719828000, buf, sizeof(buf));
	assert_string_equal(buf, "2024-07-01 12:00:00 CEST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix_seconds),
		cmocka_unit_test(test_not_a_time),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_dates_utc),
		cmocka_unit_test(test_dates_out_of_range),
		cmocka_unit_test(test_dates_local_time),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("report_window", tests, NULL, NULL);
}
