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

/* Parse a duration; the seconds, or the error as -errno. */
static int64_t duration(const char *s)
{
	int64_t d = -12345;
	int err = window_parse_duration(s, &d);

	return err ? err : d;
}

static void test_durations(void **state)
{
	static const char *const bad[] = {
		"",   "7",	"d",   "7x",  "7D",   "1.5h", "-1h", "+1h", " 1h",
		"1h ", "1h30m", "0x1h", "7dd", "1 h", "１h",  "1e3s", "24H",
	};

	assert_int_equal(duration("1s"), 1);
	assert_int_equal(duration("90s"), 90);
	assert_int_equal(duration("30m"), 1800);
	assert_int_equal(duration("24h"), 86400);
	assert_int_equal(duration("7d"), 7 * 86400);
	assert_int_equal(duration("2w"), 14 * 86400);
	assert_int_equal(duration("007d"), 7 * 86400);
	assert_int_equal(duration("253402300799s"), WINDOW_MAX_SECONDS);
	/* Zero is an empty window; past WINDOW_MAX_SECONDS, or overflowing. */
	assert_int_equal(duration("0s"), -ERANGE);
	assert_int_equal(duration("0d"), -ERANGE);
	assert_int_equal(duration("253402300800s"), -ERANGE);
	assert_int_equal(duration("2932897d"), -ERANGE);
	assert_int_equal(duration("99999999999999999999999w"), -ERANGE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (duration(bad[i]) != -EINVAL)
			fail_msg("duration '%s' was not refused as -EINVAL", bad[i]);
}

/* Check --day s at now: [since, until), or the error. */
static void expect_day(const char *s, time_t now, int64_t since, int64_t until)
{
	int64_t a = -1, b = -1;
	int err = window_parse_day(s, now, &a, &b);

	if (err || a != since || b != until)
		fail_msg("day '%s': got %d [%lld, %lld), want [%lld, %lld)", s, err, (long long)a,
			 (long long)b, (long long)since, (long long)until);
}

static void test_days_utc(void **state)
{
	set_tz("UTC0");
	expect_day("2024-01-01", 0, 1704067200, 1704153600);
	expect_day("2024-02-29", 0, 1709164800, 1709251200);
	/* today and yesterday of now, also across a year and a leap day. */
	expect_day("today", 1704067200 + 43200, 1704067200, 1704153600);
	expect_day("today", 1704153599, 1704067200, 1704153600);
	expect_day("yesterday", 1704067200, 1703980800, 1704067200);
	expect_day("yesterday", 1709251200 + 60, 1709164800, 1709251200);
	expect_day("2023-12-31", 0, 1703980800, 1704067200);
}

static void test_days_refused(void **state)
{
	static const char *const bad[] = {
		"",	      "Today",	      "TODAY",		  "today ",	   "tomorrow",
		"now",	      "1704067200",   "@1704067200",	  "2024-1-01",	   "2024-01-01x",
		"2024-01-01 00:00", "2024-01-01T00:00", "2024-01-01T00:00:00", "24-01-01",
	};
	int64_t a, b;

	set_tz("UTC0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (window_parse_day(bad[i], 0, &a, &b) != -EINVAL)
			fail_msg("day '%s' was not refused as -EINVAL", bad[i]);
	assert_int_equal(window_parse_day("2023-02-29", 0, &a, &b), -ERANGE);
	assert_int_equal(window_parse_day("2024-13-01", 0, &a, &b), -ERANGE);
	assert_int_equal(window_parse_day("1969-12-31", 0, &a, &b), -ERANGE);
}

static void test_days_dst(void **state)
{
	int64_t a, b;

	set_tz(BERLIN);
	/* A winter day: 00:00 CET is 23:00 UTC the day before. */
	expect_day("2024-01-01", 0, 1704067200 - 3600, 1704153600 - 3600);
	/* Spring forward (2024-03-31): 23 hours. Fall back (2024-10-27): 25. */
	expect_day("2024-03-31", 0, 1711839600, 1711839600 + 23 * 3600);
	expect_day("2024-10-27", 0, 1729980000, 1729980000 + 25 * 3600);
	/* Local midnight, not UTC's: 00:30 CET on Jan 1st is still Dec 31st UTC. */
	expect_day("today", 1704067200 - 1800, 1704067200 - 3600, 1704153600 - 3600);
	expect_day("yesterday", 1704067200 - 1800, 1703980800 - 3600, 1704067200 - 3600);

	/*
	 * Where DST starts at midnight (Chile-like: 2024-09-08 00:00 -04 does
	 * not exist), the day starts when the clock shows 01:00 -03, the
	 * instant the day before ended; consecutive days still tile.
	 */
	set_tz("<-04>4<-03>,M9.1.6/24,M4.1.6/24");
	expect_day("2024-09-07", 0, 1725768000 - 86400, 1725768000);
	assert_int_equal(window_parse_day("2024-09-08", 0, &a, &b), 0);
	assert_int_equal(a, 1725768000);
	assert_int_equal(b - a, 23 * 3600);
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
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_days_utc),
		cmocka_unit_test(test_days_refused),
		cmocka_unit_test(test_days_dst),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("report_window", tests, NULL, NULL);
}
