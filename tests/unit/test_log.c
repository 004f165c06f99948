// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_log.c - log.h lives beside <syslog.h> (its levels are LOGLVL_*, not
 * syslog's LOG_* macros, which this file includes first), and a message is
 * printed when its level is within the maximum, with its tag; its control
 * characters (a name from outside) are made visible, a debug message's line
 * breaks kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>
#include "log.h"

/* What log calls print to stderr, into buf. */
static void capture(char *buf, size_t size, void (*emit)(void))
{
	int saved = dup(STDERR_FILENO);
	FILE *f = tmpfile();
	size_t n;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_not_equal(dup2(fileno(f), STDERR_FILENO), -1);
	emit();
	fflush(stderr);
	assert_int_not_equal(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void emit_all(void)
{
	pr_err("e %d", 1);
	pr_warn("w");
	pr_info("i");
	pr_debug("d");
}

static void test_levels_beside_syslog(void **state)
{
	char out[256];

	/* syslog's macros keep their values: log.h redefines none of them. */
	assert_int_equal(LOG_ERR, 3);
	assert_int_equal(LOG_INFO, 6);
	assert_int_equal(LOG_DEBUG, 7);
	log_init("t", LOGLVL_WARN);
	assert_int_equal(log_max_level(), LOGLVL_WARN);
	capture(out, sizeof(out), emit_all);
	assert_string_equal(out, "t: error: e 1\nt: warning: w\n");
	log_init("t", LOGLVL_DEBUG);
	capture(out, sizeof(out), emit_all);
	assert_string_equal(out, "t: error: e 1\nt: warning: w\nt: i\nt: debug: d\n");
	log_init("t", LOGLVL_SILENT);
	capture(out, sizeof(out), emit_all);
	assert_string_equal(out, "");
}

static void emit_hostile(void)
{
	log_set_context("ctx\x1b]0;");
	pr_err("no such interface: %s", "zz\x1b[2J\nt: fake\x7f\tend");
	log_set_context(NULL);
	pr_debug("SELECT 1\n  FROM t\x1b");
}

static void test_control_characters_visible(void **state)
{
	char out[256];

	(void)state;
	log_init("t", LOGLVL_DEBUG);
	capture(out, sizeof(out), emit_hostile);
	assert_string_equal(out, "t: error: ctx\\x1b]0;: no such interface: "
				 "zz\\x1b[2J\\x0at: fake\\x7f\tend\n"
				 "t: debug: SELECT 1\n  FROM t\\x1b\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_beside_syslog),
		cmocka_unit_test(test_control_characters_visible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
