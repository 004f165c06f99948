// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_report_cli.c - netmon-report's command line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "db.h"
#include "log.h"
#include "report_cli.h"
#include "report_window.h"

#define NOW 1704067200 /* what "now" means in these tests */

/* Parse a NULL-terminated argument list after "netmon-report". */
static int parse(struct report_opts *o, ...)
{
	char *argv[32] = {"netmon-report"};
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return report_cli_parse(o, argc, argv, NOW);
}

static int setup(void **state)
{
	setenv("TZ", "UTC0", 1);
	log_init("test_report_cli", LOGLVL_ERR);
	return 0;
}

static void test_defaults(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, "summary", NULL), 0);
	assert_int_equal(o.command, REPORT_SUMMARY);
	assert_string_equal(o.db_path, NETMON_DEFAULT_DB);
	assert_int_equal(o.format, FMT_TABLE);
	assert_int_equal(o.limit, 10);
	assert_true(o.since == WINDOW_START);
	assert_true(o.until == WINDOW_END);
	assert_int_equal(o.verbose, 0);
	assert_false(o.help || o.version);
}

static void test_options_anywhere(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, "--db", "/tmp/x.db", "-v", "top", "hosts", "--limit", "5",
			       "--format", "json", "--since", "@100", "--until", "now", "-v", NULL),
			 0);
	assert_int_equal(o.command, REPORT_TOP_HOSTS);
	assert_string_equal(o.db_path, "/tmp/x.db");
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.limit, 5);
	assert_int_equal(o.format, FMT_JSON);
	assert_int_equal(o.since, 100);
	assert_int_equal(o.until, NOW);

	assert_int_equal(parse(&o, "top", "--db=/y", "flows", "--limit=1000000", "-vv", NULL), 0);
	assert_int_equal(o.command, REPORT_TOP_FLOWS);
	assert_string_equal(o.db_path, "/y");
	assert_int_equal(o.limit, 1000000);
	assert_int_equal(o.verbose, 2);

	assert_int_equal(parse(&o, "--format", "csv", "--", "top", "hosts", NULL), 0);
	assert_int_equal(o.command, REPORT_TOP_HOSTS);
	assert_int_equal(o.format, FMT_CSV);
}

static void test_window(void **state)
{
	struct report_opts o;

	assert_int_equal(
		parse(&o, "summary", "--since", "2024-01-01", "--until", "2024-01-02 00:00", NULL),
		0);
	assert_int_equal(o.since, 1704067200);
	assert_int_equal(o.until, 1704067200 + 86400);
	assert_int_equal(parse(&o, "summary", "--until", "2023-12-31T23:59:59", NULL), 0);
	assert_true(o.since == WINDOW_START);
	assert_int_equal(o.until, 1704067199);
	/* An empty window is a mistake, not a report of nothing. */
	assert_int_equal(parse(&o, "summary", "--since", "now", "--until", "now", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--since", "200", "--until", "100", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--since", "tomorrow", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--until", "2024-02-30", NULL), -EINVAL);
}

static void test_new_commands(void **state)
{
	static const struct {
		const char *word;
		enum report_command command;
	} cases[] = {
		{"ports", REPORT_TOP_PORTS},
		{"interfaces", REPORT_TOP_INTERFACES},
		{"protocols", REPORT_TOP_PROTOCOLS},
	};
	struct report_opts o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&o, "top", cases[i].word, "--limit", "3", NULL), 0);
		assert_int_equal(o.command, cases[i].command);
		assert_int_equal(o.limit, 3);
	}
}

/* top services, top users; --service and --user with top processes only; --numeric. */
static void test_names_options(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, "top", "services", NULL), 0);
	assert_int_equal(o.command, REPORT_TOP_SERVICES);
	assert_int_equal(parse(&o, "top", "users", NULL), 0);
	assert_int_equal(o.command, REPORT_TOP_USERS);
	assert_int_equal(parse(&o, "top", "hosts", "--numeric", NULL), 0);
	assert_int_equal(o.numeric, 1);
	assert_int_equal(parse(&o, "summary", NULL), 0);
	assert_int_equal(o.numeric, 0);
	assert_null(o.service);
	assert_null(o.user);
	assert_int_equal(parse(&o, "--service", "nginx.service", "top", "processes", "--user",
			       "www-data", NULL),
			 0);
	assert_string_equal(o.service, "nginx.service");
	assert_string_equal(o.user, "www-data");
	assert_int_equal(parse(&o, "top", "hosts", "--service", "x", NULL), -EINVAL);
	/* An option of other commands is refused, not ignored. */
	assert_int_equal(parse(&o, "top", "users", "--numeric", NULL), -EINVAL);
	assert_int_equal(parse(&o, "trend", "--numeric", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "hosts", "--pid", "5", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--comm", "curl", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "interfaces", "--threshold", "exfil_factor=3", NULL),
			 -EINVAL);
	assert_int_equal(parse(&o, "anomalies", "--limit", "5", NULL), -EINVAL);
	assert_int_equal(parse(&o, "export", "--ipfix", "127.0.0.1:4739", "--format", "json", NULL),
			 -EINVAL);
	assert_int_equal(parse(&o, "top", "processes", "--pid", "5", "--comm", "curl", NULL), 0);
	assert_int_equal(parse(&o, "summary", "--numeric", "--limit", "3", NULL), 0);
	assert_int_equal(parse(&o, "trend", "--by", "host", "--limit", "3", NULL), 0);
	assert_int_equal(parse(&o, "summary", "--user", "alice", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "processes", "--user", "", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "processes", "--service", NULL), -EINVAL);
}

static void test_trend_options(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, "trend", NULL), 0);
	assert_int_equal(o.command, REPORT_TREND);
	assert_int_equal(o.bucket, 3600);
	assert_int_equal(o.by, REPORT_BY_NONE);
	assert_int_equal(parse(&o, "--bucket", "5m", "trend", "--by", "host", NULL), 0);
	assert_int_equal(o.bucket, 300);
	assert_int_equal(o.by, REPORT_BY_HOST);
	assert_int_equal(parse(&o, "trend", "--bucket", "1d", "--by", "protocol", NULL), 0);
	assert_int_equal(o.bucket, 86400);
	assert_int_equal(o.by, REPORT_BY_PROTOCOL);
	assert_int_equal(parse(&o, "top", "apps", "--format", "html", NULL), 0);
	assert_int_equal(o.command, REPORT_TOP_APPS);
	assert_int_equal(o.format, FMT_HTML);
	assert_int_equal(parse(&o, "trend", "--bucket", "1w", NULL), -EINVAL);
	assert_int_equal(parse(&o, "trend", "--bucket", "3600", NULL), -EINVAL);
	assert_int_equal(parse(&o, "trend", "--by", "port", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--bucket", "1h", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "hosts", "--by", "host", NULL), -EINVAL);
	assert_int_equal(parse(&o, "trend", "now", NULL), -EINVAL);
}

static void test_last_and_day(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, "summary", "--last", "30m", NULL), 0);
	assert_int_equal(o.since, NOW - 1800);
	assert_int_equal(o.until, NOW);
	assert_int_equal(parse(&o, "top", "ports", "--last=7d", NULL), 0);
	assert_int_equal(o.since, NOW - 7 * 86400);
	assert_int_equal(o.until, NOW);
	/* NOW is 2024-01-01 00:00 UTC (the tests run in UTC). */
	assert_int_equal(parse(&o, "--day", "today", "summary", NULL), 0);
	assert_int_equal(o.since, NOW);
	assert_int_equal(o.until, NOW + 86400);
	assert_int_equal(parse(&o, "summary", "--day", "yesterday", NULL), 0);
	assert_int_equal(o.since, NOW - 86400);
	assert_int_equal(o.until, NOW);
	assert_int_equal(parse(&o, "summary", "--day", "2024-02-29", NULL), 0);
	assert_int_equal(o.since, 1709164800);
	assert_int_equal(o.until, 1709164800 + 86400);
	/* Repeating one option keeps the last, as for --since. */
	assert_int_equal(parse(&o, "summary", "--last", "1h", "--last", "2h", NULL), 0);
	assert_int_equal(o.since, NOW - 7200);
}

static void test_window_clashes(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, "summary", "--last", "1h", "--day", "today", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--last", "1h", "--since", "now", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--until", "now", "--last", "1h", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--day", "today", "--since", "1", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--day", "today", "--until", "now", NULL), -EINVAL);
	/* The clash is named even when a value is bad too. */
	assert_int_equal(parse(&o, "summary", "--day", "bogus", "--last", "bogus", NULL), -EINVAL);
}

static void test_bad_last_and_day(void **state)
{
	static const char *const last[] = {"", "7", "0h", "1.5h", "-1h", "1h ", "7x", "1H", "now"};
	static const char *const day[] = {"", "Today", "tomorrow", "2024-02-30", "2024-01-01 00:00",
					  "1704067200", "now"};
	struct report_opts o;

	for (size_t i = 0; i < sizeof(last) / sizeof(last[0]); i++)
		if (parse(&o, "summary", "--last", last[i], NULL) != -EINVAL)
			fail_msg("--last '%s' was accepted", last[i]);
	for (size_t i = 0; i < sizeof(day) / sizeof(day[0]); i++)
		if (parse(&o, "summary", "--day", day[i], NULL) != -EINVAL)
			fail_msg("--day '%s' was accepted", day[i]);
	assert_int_equal(parse(&o, "summary", "--last", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--day", NULL), -EINVAL);
}

static void test_help_and_version(void **state)
{
	struct report_opts o;

	/* Help wins over everything else, even a missing command. */
	assert_int_equal(parse(&o, "-h", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, "bogus", "--help", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, "--version", NULL), 0);
	assert_true(o.version);
}

static void test_usage_errors(void **state)
{
	struct report_opts o;

	assert_int_equal(parse(&o, NULL), -EINVAL);
	assert_int_equal(parse(&o, "report", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "bogus", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "Ports", NULL), -EINVAL);
	assert_int_equal(parse(&o, "top", "hosts", "flows", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "hosts", NULL), -EINVAL);
	assert_int_equal(parse(&o, "hosts", "top", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--bogus", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "-x", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--db", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--db", "", NULL), -EINVAL);
	assert_int_equal(parse(&o, "summary", "--format", "xml", NULL), -EINVAL);
}

static void test_limit(void **state)
{
	static const char *const bad[] = {"0",	"-1",	 "+5",	    " 5",
					  "5 ", "12abc", "1000001", "99999999999999999999",
					  "",	"0x10"};
	struct report_opts o;

	assert_int_equal(parse(&o, "top", "hosts", "--limit", "1", NULL), 0);
	assert_int_equal(o.limit, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&o, "top", "hosts", "--limit", bad[i], NULL) != -EINVAL)
			fail_msg("--limit '%s' was accepted", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_options_anywhere),
		cmocka_unit_test(test_window),	     cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_usage_errors), cmocka_unit_test(test_limit),
		cmocka_unit_test(test_new_commands), cmocka_unit_test(test_last_and_day),
		cmocka_unit_test(test_window_clashes), cmocka_unit_test(test_bad_last_and_day),
		cmocka_unit_test(test_trend_options),
		cmocka_unit_test(test_names_options),
	};

	return cmocka_run_group_tests_name("report_cli", tests, setup, NULL);
}
