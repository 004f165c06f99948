// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_cli.c - netmon-record's argument parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "cli.h"
#include "db.h"
#include "log.h"
#include "netmon_user.h"
#include "numparse.h"

/* Parse a NULL-terminated argument list after "netmon-record". */
static int parse(struct cli_config *cfg, ...)
{
	char *argv[32] = { "netmon-record" };
	int argc = 1;
	va_list ap;
	FILE *out = fopen("/dev/null", "w");
	int err;

	va_start(ap, cfg);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err = cli_parse(argc, argv, cfg, out);
	fclose(out);
	return err;
}

static void test_defaults(void **state)
{
	struct cli_config cfg;

	assert_int_equal(parse(&cfg, NULL), 0);
	assert_int_equal(cfg.action, CLI_RECORD);
	assert_int_equal(cfg.n_ifaces, 0);
	assert_string_equal(cfg.db_path, NETMON_DEFAULT_DB);
	assert_int_equal(cfg.interval, CLI_DEFAULT_INTERVAL);
	assert_int_equal(cfg.duration, 0);
	assert_int_equal(cfg.max_flows, NETMON_DEFAULT_MAX_FLOWS);
	assert_int_equal(cfg.max_flows6, 0); /* as many as IPv4 */
}

static void test_full_command_line(void **state)
{
	struct cli_config cfg;

	assert_int_equal(parse(&cfg, "-i", "eth0", "--interface", "eth1", "-i", "eth0", "--db",
			       "/tmp/x.db", "--interval", "5", "--duration", "30", "--max-flows",
			       "1024", "--max-flows6", "512", "-v", NULL),
			 0);
	assert_int_equal(cfg.n_ifaces, 2); /* eth0 named twice is watched once */
	assert_string_equal(cfg.ifaces[0], "eth0");
	assert_string_equal(cfg.ifaces[1], "eth1");
	assert_string_equal(cfg.db_path, "/tmp/x.db");
	assert_int_equal(cfg.interval, 5);
	assert_int_equal(cfg.duration, 30);
	assert_int_equal(cfg.max_flows, 1024);
	assert_int_equal(cfg.max_flows6, 512);
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(cfg.hook_xdp, 0);
	assert_int_equal(parse(&cfg, "--hook", "xdp", NULL), 0);
	assert_int_equal(cfg.hook_xdp, 1);
	assert_int_equal(parse(&cfg, "--hook", "tc", NULL), 0);
	/* Anomaly thresholds: defaults unless given, the last one counts. */
	assert_true(cfg.thresholds.value[1] == 15); /* port_scan_ports */
	assert_int_equal(parse(&cfg, "--threshold", "port_scan_ports=40", "--threshold",
			       "port_scan_ports=30", "--threshold", "beacon_jitter=0.2", NULL),
			 0);
	assert_true(cfg.thresholds.value[1] == 30);
	assert_true(cfg.thresholds.value[9] == 0.2); /* beacon_jitter */
	assert_int_equal(cfg.hook_xdp, 0);
}

static void test_bad_values_are_usage_errors(void **state)
{
	struct cli_config cfg;

	assert_int_not_equal(parse(&cfg, "--interval", "0", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--interval", "3601", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--interval", "12abc", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--interval", "-5", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--interval", " 5", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--interval", "", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--duration", "99999999999999999999", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--max-flows", "0", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--max-flows6", "0", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--max-flows6", "16777217", NULL), 0);
	assert_int_not_equal(parse(&cfg, "-i", "", NULL), 0);
	assert_int_not_equal(parse(&cfg, "-i", "a-name-far-too-long-for-linux", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--db", "", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--no-such-flag", NULL), 0);
	assert_int_not_equal(parse(&cfg, "stray", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--hook", "XDP", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--hook", "", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--threshold", "bogus=1", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--threshold", "syn_flood_rate", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--threshold", "port_scan_ports=0", NULL), 0);
}

static void test_help_and_version(void **state)
{
	struct cli_config cfg;

	assert_int_equal(parse(&cfg, "--help", NULL), 0);
	assert_int_equal(cfg.action, CLI_HELP);
	assert_int_equal(parse(&cfg, "--version", NULL), 0);
	assert_int_equal(cfg.action, CLI_VERSION);
	assert_int_equal(parse(&cfg, "--detach", "-i", "eth0", NULL), 0);
	assert_int_equal(cfg.action, CLI_DETACH);
}

static void test_parse_uint_range(void **state)
{
	unsigned long v;

	assert_int_equal(parse_uint_range("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_uint_range("0", 0, 0, &v), 0);
	assert_int_not_equal(parse_uint_range("101", 1, 100, &v), 0);
	assert_int_not_equal(parse_uint_range("+4", 1, 100, &v), 0);
	assert_int_not_equal(parse_uint_range("4 ", 1, 100, &v), 0);
	assert_int_not_equal(parse_uint_range("0x10", 1, 100, &v), 0);
	assert_int_not_equal(parse_uint_range(NULL, 1, 100, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_bad_values_are_usage_errors),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_parse_uint_range),
	};

	log_init("test_cli", LOGLVL_SILENT); /* the errors are expected: keep quiet */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
