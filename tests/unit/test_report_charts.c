// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_report_charts.c - terminal bars and SVG charts, counted exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "render_bars.h"
#include "render_svg.h"

static void check_bar(int err, struct fmt_buf *b, const char *want)
{
	assert_int_equal(err, 0);
	if (strcmp(b->s, want))
		fail_msg("got '%s', want '%s'", b->s, want);
	fmt_buf_free(b);
}

static void test_stacked(void **state)
{
	struct fmt_buf b = { 0 };

	check_bar(bars_stacked(&b, 3, 1, 4, 8, 0), &b, "######==");
	check_bar(bars_stacked(&b, 3, 1, 8, 8, 1), &b, "\u2588\u2588\u2588\u2591");
	check_bar(bars_stacked(&b, 0, 0, 8, 8, 0), &b, "");
	/* Too small for a column, and still shown. */
	check_bar(bars_stacked(&b, 1, 0, 1000, 8, 0), &b, ".");
	check_bar(bars_stacked(&b, 0, 1, 1000, 8, 1), &b, "\u258f");
	check_bar(bars_stacked(&b, 5, 5, 0, 8, 0), &b, "");
}

static void test_share(void **state)
{
	struct fmt_buf b = { 0 };

	check_bar(bars_share(&b, 100, 4, 0), &b, "####");
	check_bar(bars_share(&b, 50, 4, 1), &b, "\u2588\u2588");
	/* 10 % of 4 columns is 3.2 eighths: 3 eighths of one column. */
	check_bar(bars_share(&b, 10, 4, 1), &b, "\u258d");
	check_bar(bars_share(&b, 0.01, 4, 1), &b, "\u258f");
	check_bar(bars_share(&b, 0.01, 4, 0), &b, ".");
	check_bar(bars_share(&b, 0, 4, 1), &b, "");
	check_bar(bars_share(&b, 250, 2, 0), &b, "##");
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_svg_trend(void **state)
{
	const struct svg_bucket k[] = { { 0, 10, 5, 0 }, { 3600, 0, 0, 0 }, { 7200, 1, 0, 0 } };
	struct fmt_buf b = { 0 };

	setenv("TZ", "UTC0", 1);
	assert_int_equal(svg_trend(&b, "t", "<eth0>", k, 3, 0), 0);
	/* Two rects per bucket, zeros included, and nothing else is a rect. */
	assert_int_equal(count(b.s, "<rect "), 6);
	assert_int_equal(count(b.s, "<rect class=\"in\""), 3);
	assert_int_equal(count(b.s, "<rect class=\"out\""), 3);
	assert_int_equal(count(b.s, "&lt;eth0&gt;"), 1);
	assert_int_equal(count(b.s, "<eth0>"), 0);
	assert_non_null(strstr(b.s, "<title>1970-01-01 00:00: in 10 B, out 5 B</title>"));
	assert_non_null(strstr(b.s, "id=\"t\""));
	/* All recorded (missing 0): no band. */
	assert_int_equal(count(b.s, "<polygon"), 0);
	fmt_buf_free(&b);
}

/* A bucket no recorder covered is a gap, not a zero; one covered in part says so. */
static void test_svg_trend_gaps(void **state)
{
	const struct svg_bucket k[] = {
		{ 0, 10, 5, 0 }, { 3600, 0, 0, 100 }, { 7200, 0, 0, 0 }, { 10800, 1, 0, 62.5 }
	};
	struct fmt_buf b = { 0 };

	setenv("TZ", "UTC0", 1);
	assert_int_equal(svg_trend(&b, "t", NULL, k, 4, 0), 0);
	assert_int_equal(count(b.s, "<rect "), 8); /* the bars as before */
	assert_int_equal(count(b.s, "<polygon class=\"gap\""), 1);
	assert_int_equal(count(b.s, "<polygon class=\"partial\""), 1);
	assert_int_equal(count(b.s, "<polygon "), 2); /* the recorded zero is no gap */
	assert_non_null(
		strstr(b.s, "<title>1970-01-01 01:00: not recorded (no recorder ran)</title>"));
	assert_non_null(
		strstr(b.s, "<title>1970-01-01 03:00: recorded 37.5 % of the bucket</title>"));
	fmt_buf_free(&b);
}

static void test_svg_hbars(void **state)
{
	const struct svg_hbar bars[] = { { "a&b", 3, 2.0, "2 B" }, { "<x>", 3, 0, "0 B" } };
	struct fmt_buf b = { 0 };

	assert_int_equal(svg_hbars(&b, "h", bars, 2, 2.0), 0);
	assert_int_equal(count(b.s, "<rect class=\"bar\""), 2);
	assert_int_equal(count(b.s, "<rect "), 2);
	assert_non_null(strstr(b.s, "a&amp;b"));
	assert_non_null(strstr(b.s, "&lt;x&gt;"));
	assert_null(strstr(b.s, "<x>"));
	fmt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stacked),	  cmocka_unit_test(test_share),
		cmocka_unit_test(test_svg_trend), cmocka_unit_test(test_svg_trend_gaps),
		cmocka_unit_test(test_svg_hbars),
	};

	return cmocka_run_group_tests_name("report_charts", tests, NULL, NULL);
}
