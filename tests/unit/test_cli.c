// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_cli.c - netmon-record's argument parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cli.h"
#include "db.h"
#include "log.h"
#include "netmon_user.h"
#include "numparse.h"
#include "reload.h"

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
	/* --numeric is the live view's: alone it would do nothing */
	assert_int_not_equal(parse(&cfg, "--numeric", NULL), 0);
	assert_int_equal(parse(&cfg, "--live", "--numeric", NULL), 0);
	assert_int_equal(cfg.numeric, 1);
}

/* --ipfix: HOST:PORT or [V6]:PORT, resolved, at most COLLECTOR_MAX, once each. */
static void test_ipfix_collectors(void **state)
{
	struct cli_config cfg;

	assert_int_equal(parse(&cfg, "--ipfix", "127.0.0.1:4739", "--ipfix", "[::1]:2055",
			       "--ipfix", "localhost:9995", "--ipfix", "127.0.0.1:4739", NULL),
			 0);
	assert_int_equal(cfg.n_ipfix, 3);
	assert_string_equal(cfg.ipfix[1], "[::1]:2055");
	assert_int_equal(cfg.ipfix_mtu, 1400);
	assert_int_equal(cfg.ipfix_domain, 1);
	assert_int_not_equal(parse(&cfg, "--ipfix", "127.0.0.1", NULL), 0);   /* no port */
	assert_int_not_equal(parse(&cfg, "--ipfix", "127.0.0.1:0", NULL), 0); /* range */
	assert_int_not_equal(parse(&cfg, "--ipfix", "127.0.0.1:65536", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--ipfix", "127.0.0.1:12ab", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--ipfix", "::1:2055", NULL), 0); /* ambiguous */
	assert_int_not_equal(parse(&cfg, "--ipfix", "[::1:2055", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--ipfix", ":2055", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--ipfix", "no-such-host.invalid:2055", NULL), 0);
	assert_int_not_equal(parse(&cfg, "--ipfix", "1:1", "--ipfix", "1:2", "--ipfix", "1:3",
				   "--ipfix", "1:4", "--ipfix", "1:5", NULL),
			     0); /* more than COLLECTOR_MAX */
	assert_int_not_equal(parse(&cfg, "--ipfix-mtu", "511", NULL), 0);
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

/*
 * The options netmon-record has, as --help, the man page and docs/config.md
 * promise them: the table must hold exactly these, with these properties.
 * A new option is added here too, on purpose.
 */
static const struct expected_option {
	const char *name;
	char short_name;
	int takes_value;
	int key;	     /* a key of netmon.conf */
	unsigned int reload; /* what SIGHUP does when it changed; 0: restart */
} expected_options[] = {
	{ "interface", 'i', 1, 1, 0 },
	{ "db", 'd', 1, 1, 0 },
	{ "interval", 't', 1, 1, RELOAD_LIVE | RELOAD_INTERVAL },
	{ "duration", 0, 1, 1, 0 },
	{ "max-flows", 0, 1, 1, 0 },
	{ "max-flows6", 0, 1, 1, 0 },
	{ "hook", 0, 1, 1, 0 },
	{ "no-process", 0, 0, 1, 0 },
	{ "no-names", 0, 0, 1, 0 },
	{ "keep-attached", 0, 0, 1, RELOAD_LIVE },
	{ "threshold", 0, 1, 1, RELOAD_LIVE | RELOAD_THRESHOLDS },
	{ "ipfix", 0, 1, 1, RELOAD_LIVE | RELOAD_IPFIX },
	{ "ipfix-mtu", 0, 1, 1, RELOAD_LIVE | RELOAD_IPFIX },
	{ "ipfix-domain", 0, 1, 1, RELOAD_LIVE | RELOAD_IPFIX },
	{ "ipfix-rate", 0, 1, 1, RELOAD_LIVE | RELOAD_IPFIX },
	{ "exclude", 0, 1, 1, RELOAD_LIVE | RELOAD_FILTERS },
	{ "include", 0, 1, 1, RELOAD_LIVE | RELOAD_FILTERS },
	{ "sample", 0, 1, 1, 0 },
	{ "pcap", 0, 1, 1, 0 },
	{ "snaplen", 0, 1, 1, 0 },
	{ "pcap-size", 0, 1, 1, 0 },
	{ "pcap-files", 0, 1, 1, 0 },
	{ "sample-ring", 0, 1, 1, 0 },
	{ "read", 'r', 1, 0, 0 },
	{ "force-import", 0, 0, 0, 0 },
	{ "live", 0, 0, 0, 0 },
	{ "numeric", 0, 0, 0, 0 },
	{ "detach", 0, 0, 0, 0 },
	{ "status", 0, 0, 0, 0 },
	{ "keep-flows", 0, 1, 1, RELOAD_LIVE },
	{ "keep-processes", 0, 1, 1, RELOAD_LIVE },
	{ "keep-totals", 0, 1, 1, RELOAD_LIVE },
	{ "keep-hourly", 0, 1, 1, RELOAD_LIVE },
	{ "keep-daily", 0, 1, 1, RELOAD_LIVE },
	{ "verbose", 'v', 0, 1, 0 },
	{ "config", 'c', 1, 0, 0 },
	{ "check-config", 0, 0, 0, 0 },
	{ "help", 'h', 0, 0, 0 },
	{ "version", 0, 0, 0, 0 },
	{ "metrics-listen", 0, 1, 1, 0 },
	{ "metrics-file", 0, 1, 1, 0 },
};

#define N_EXPECTED (int)(sizeof(expected_options) / sizeof(expected_options[0]))

/* cli_options[] holds exactly the promised options, each as promised. */
static void test_options_table_is_the_interface(void **state)
{
	int n = 0;

	for (int i = 0; i < N_EXPECTED; i++) {
		const struct expected_option *e = &expected_options[i];
		const struct cli_option *o = cli_option_find(e->name);

		if (!o)
			fail_msg("--%s is missing from cli_options[]", e->name);
		if (o->short_name != e->short_name || !o->arg != !e->takes_value ||
		    o->key != e->key || o->reload != e->reload)
			fail_msg("--%s: short name, value, key or reload differ", e->name);
	}
	for (int i = 0; i < cli_n_options; i++)
		n += cli_options[i].kind != CLI_TEXT;
	assert_int_equal(n, N_EXPECTED);
}

/* Names once each, help for each, values where their kind takes one. */
static void test_options_table_invariants(void **state)
{
	for (int i = 0; i < cli_n_options; i++) {
		const struct cli_option *o = &cli_options[i];
		int no_value = o->kind == CLI_FLAG || o->kind == CLI_COUNT || o->kind == CLI_ACTION;

		if (!o->help || !o->help[0])
			fail_msg("cli_options[%d] has no help text", i);
		if (o->kind == CLI_TEXT) {
			assert_null(o->name);
			assert_true(o->column > 0);
			continue;
		}
		assert_non_null(o->name);
		assert_ptr_equal(cli_option_find(o->name), o); /* no duplicate name */
		for (int j = 0; j < i; j++)
			if (o->short_name && cli_options[j].short_name == o->short_name)
				fail_msg("-%c twice", o->short_name);
		if ((o->arg == NULL) != no_value)
			fail_msg("--%s: a value's name in --help iff it takes a value", o->name);
		if (o->reload && !o->key)
			fail_msg("--%s: reloaded but not a configuration key", o->name);
		if ((o->kind == CLI_UINT || o->kind == CLI_POW2) &&
		    (o->min > o->max || (o->def && (o->def < o->min || o->def > o->max))))
			fail_msg("--%s: default or range wrong", o->name);
		if (o->kind == CLI_CHOICE && (!o->choices || !o->choices[0] || !o->choices[1]))
			fail_msg("--%s: fewer than two choices", o->name);
	}
}

/* --help names every option, with every {value} of its text filled in. */
static void test_help_from_the_table(void **state)
{
	char *help = NULL, name[40];
	size_t size = 0;
	FILE *fp = open_memstream(&help, &size);

	cli_usage(fp);
	fclose(fp);
	assert_null(strchr(help, '{'));
	for (int i = 0; i < cli_n_options; i++) {
		if (!cli_options[i].name)
			continue;
		snprintf(name, sizeof(name), "--%s ", cli_options[i].name);
		if (!strstr(help, name))
			snprintf(name, sizeof(name), "--%s\n", cli_options[i].name);
		if (!strstr(help, name))
			fail_msg("--help does not show --%s", cli_options[i].name);
	}
	free(help);
}

/* --config's help names the command-line-only options above it: the table's. */
static void test_help_names_the_command_line_only_options(void **state)
{
	const struct cli_option *config = cli_option_find("config");
	const char *p = config->help;
	char name[40];
	int named = 0, only = 0;

	while ((p = strstr(p, "--"))) {
		const struct cli_option *o;

		p += 2;
		assert_int_equal(sscanf(p, "%39[a-z0-9-]", name), 1);
		o = cli_option_find(name);
		if (!o || o->key || o > config)
			fail_msg("--config's help names --%s", name);
		named++;
	}
	for (const struct cli_option *o = cli_options; o < config; o++)
		only += o->name && !o->key;
	assert_int_equal(named, only);
}

/* A value for option o (valid: 1, else one it refuses; NULL: none such). */
static const char *sample_value(const struct cli_option *o, int valid, char *buf, size_t size)
{
	switch (o->kind) {
	case CLI_UINT:
	case CLI_POW2:
		snprintf(buf, size, "%lu", valid ? o->max : o->max + 1);
		return buf;
	case CLI_PATH:
		return valid ? "/tmp/netmon-test-path" : "";
	case CLI_CHOICE:
		return valid ? o->choices[1] : "nope";
	case CLI_IFACE:
		return valid ? "eth7" : "";
	case CLI_THRESHOLD:
		return valid ? "port_scan_ports=30" : "bogus=1";
	case CLI_COLLECTOR:
		return valid ? "127.0.0.1:4739" : "127.0.0.1:0";
	case CLI_FILTER:
		return valid ? "192.0.2.0/24:tcp/22" : "192.0.2.1/24";
	case CLI_LISTEN:
		return valid ? "[::1]:9464" : "localhost:9464";
	default: /* no value: "yes" in the file */
		return valid ? "yes" : "maybe";
	}
}

/* cfg with the bits that record where a value came from cleared. */
static void values_only(struct cli_config *cfg)
{
	cfg->argv_opts = 0;
	cfg->given = 0;
}

/* Each key takes the values its option takes, to the same result. */
static void test_keys_parse_as_options(void **state)
{
	char *none[] = { "netmon-record", NULL }, flag[48], buf[32];
	struct cli_config from_argv, from_file, defaults;
	int keys = 0;

	assert_int_equal(cli_parse(1, none, &defaults, stdout), 0);
	values_only(&defaults);
	for (int i = 0; i < cli_n_options; i++) {
		const struct cli_option *o = &cli_options[i];
		const char *good = sample_value(o, 1, buf, sizeof(buf));
		char *argv[] = { "netmon-record", flag, (char *)good, NULL };

		if (!o->key)
			continue;
		keys++;
		snprintf(flag, sizeof(flag), "--%s", o->name);
		assert_int_equal(cli_parse(o->arg ? 3 : 2, argv, &from_argv, stdout), 0);
		assert_int_equal(cli_parse(1, none, &from_file, stdout), 0);
		assert_int_equal(cli_set_option(&from_file, o->name, good), 0);
		assert_true(cli_given(&from_file, o->name));
		values_only(&from_argv);
		values_only(&from_file);
		if (!memcmp(&from_argv, &defaults, sizeof(defaults)))
			fail_msg("--%s %s changed nothing", o->name, good);
		if (memcmp(&from_argv, &from_file, sizeof(from_file)))
			fail_msg("--%s %s: the file's value differs", o->name, good);
		/* And what one refuses, the other refuses. */
		argv[2] = (char *)sample_value(o, 0, buf, sizeof(buf));
		if (o->arg)
			assert_int_not_equal(cli_parse(3, argv, &from_argv, stdout), 0);
		assert_int_equal(cli_set_option(&from_file, o->name, argv[2]), -EINVAL);
	}
	assert_true(keys >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_bad_values_are_usage_errors),
		cmocka_unit_test(test_ipfix_collectors),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_parse_uint_range),
		cmocka_unit_test(test_options_table_is_the_interface),
		cmocka_unit_test(test_options_table_invariants),
		cmocka_unit_test(test_help_from_the_table),
		cmocka_unit_test(test_help_names_the_command_line_only_options),
		cmocka_unit_test(test_keys_parse_as_options),
	};

	log_init("test_cli", LOGLVL_SILENT); /* the errors are expected: keep quiet */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
