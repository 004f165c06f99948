// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_config.c - netmon.conf: keys are the long options, the command line
 * wins, errors are errors, and what SIGHUP applies or keeps.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "config.h"
#include "log.h"
#include "netmon_user.h"
#include "reload.h"

static char conf_path[] = "/tmp/netmon-test-config-XXXXXX";

/* Write text as the configuration file. */
static void write_conf(const char *text)
{
	FILE *fp = fopen(conf_path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* cli_parse() of "--config FILE" plus the NULL-terminated arguments, then config_load(). */
static int load(struct cli_config *cfg, const char *text, ...)
{
	char *argv[32] = { "netmon-record", "--config", conf_path };
	int argc = 3;
	va_list ap;

	write_conf(text);
	va_start(ap, text);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	if (cli_parse(argc, argv, cfg, stdout))
		return -1;
	return config_load(cfg);
}

static void test_keys_set_options(void **state)
{
	struct cli_config cfg;

	assert_int_equal(load(&cfg,
			      "# a comment\n"
			      "; another\n"
			      "interval = 7\n"
			      "interface = eth0\n"
			      "interface = eth1\n"
			      "\n"
			      "[record]\n"
			      "db = /tmp/x.db   ; inline comment\n"
			      "max-flows = 512\n"
			      "hook = xdp\n"
			      "no-process = yes\n"
			      "verbose = no\n",
			      NULL),
			 0);
	assert_int_equal(cfg.interval, 7);
	assert_int_equal(cfg.n_ifaces, 2);
	assert_string_equal(cfg.ifaces[0], "eth0");
	assert_string_equal(cfg.ifaces[1], "eth1");
	assert_string_equal(cfg.db_path, "/tmp/x.db");
	assert_int_equal(cfg.max_flows, 512);
	assert_int_equal(cfg.hook_xdp, 1);
	assert_int_equal(cfg.no_process, 1);
	assert_int_equal(cfg.verbose, 0);
}

static void test_command_line_wins(void **state)
{
	struct cli_config cfg;

	assert_int_equal(load(&cfg,
			      "interval = 7\ninterface = eth0\ninterface = eth1\n"
			      "max-flows = 512\n",
			      "--interval", "9", "-i", "wan0", NULL),
			 0);
	assert_int_equal(cfg.interval, 9);
	assert_int_equal(cfg.n_ifaces, 1); /* -i replaces the file's list */
	assert_string_equal(cfg.ifaces[0], "wan0");
	assert_int_equal(cfg.max_flows, 512);
	/* A bad value stays an error even where the command line wins. */
	assert_int_equal(load(&cfg, "interval = 0\n", "--interval", "9", NULL), -EINVAL);
}

static void test_bad_files_are_errors(void **state)
{
	static const char *const bad[] = {
		"interval = 0\n",	 "interval = 12abc\n", "interval = 10 # no\n",
		"no-such-key = 1\n",	 "read = x.pcap\n",    "detach = yes\n",
		"config = /etc/x\n",	 "help = yes\n",       "no-process = maybe\n",
		"hook = XDP\n",		 "interface = \n",     "just words\n",
		"[report]\nlimit = 5\n", "interval\n",
	};
	struct cli_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load(&cfg, bad[i], NULL) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_missing_files(void **state)
{
	struct cli_config cfg;
	char *argv[] = { "netmon-record", "--config", "/nonexistent/netmon.conf", NULL };

	/* A missing --config file is an error... */
	assert_int_equal(cli_parse(3, argv, &cfg, stdout), 0);
	assert_int_not_equal(config_load(&cfg), 0);
	/* ...a missing default one means the defaults. */
	assert_int_equal(cli_parse(1, argv, &cfg, stdout), 0);
	cfg.config_path = "/nonexistent/netmon.conf";
	assert_int_equal(config_load(&cfg), 0);
	assert_int_equal(cfg.interval, CLI_DEFAULT_INTERVAL);
}

/* cli_parse() then config_load() of path, not written by the test. */
static int load_path(struct cli_config *cfg, const char *path)
{
	char *argv[] = { "netmon-record", "--config", (char *)path, NULL };

	assert_int_equal(cli_parse(3, argv, cfg, stdout), 0);
	return config_load(cfg);
}

/* Files that are no configuration files are refused, at once and not line by line. */
static void test_not_configuration_files(void **state)
{
	static const char bin[19] = "\x7f"
				    "ELF\x02\x01\x01\0\0\n\0\0\0\0\0\0\x03\0>";
	char dir[] = "/tmp/netmon-test-confdir-XXXXXX";
	struct cli_config cfg;
	FILE *fp;

	/* A directory opens as a file and reads as an empty one. */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(load_path(&cfg, dir), -EISDIR);
	rmdir(dir);
	/* /dev/zero never ends: the first NUL stops it (the alarm fails a hang). */
	alarm(20);
	assert_int_equal(load_path(&cfg, "/dev/zero"), -EINVAL);
	alarm(0);
	fp = fopen(conf_path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(bin, 1, sizeof(bin), fp), sizeof(bin));
	fclose(fp);
	assert_int_equal(load_path(&cfg, conf_path), -EINVAL);
	/* Text still reads: tabs, CRLF and a last line without newline. */
	assert_int_equal(load(&cfg, "\tinterval = 7\r\nno-process = yes", NULL), 0);
	assert_int_equal(cfg.interval, 7);
	assert_int_equal(cfg.no_process, 1);
}

/* --pcap without --sample would write nothing, silently: refused. */
static void test_pcap_needs_sample(void **state)
{
	struct cli_config cfg;

	assert_int_equal(load(&cfg, "", "--pcap", "/tmp/s.pcapng", NULL), -EINVAL);
	assert_int_equal(load(&cfg, "pcap = /tmp/s.pcapng\n", NULL), -EINVAL);
	/* An explicit 0 is sampling turned off, from either place. */
	assert_int_equal(load(&cfg, "", "--sample", "0", "--pcap", "/tmp/s.pcapng", NULL), 0);
	assert_int_equal(load(&cfg, "pcap = /tmp/s.pcapng\nsample = 0\n", NULL), 0);
	assert_int_equal(load(&cfg, "pcap = /tmp/s.pcapng\n", "--sample", "3", NULL), 0);
	assert_int_equal(cfg.sample, 3);
}

/* Every long option --help lists is a key, except the command-line-only ones. */
static void test_every_option_is_a_key(void **state)
{
	static const char *const cmdline_only[] = { "read",	    "force-import", "detach",
						    "help",	    "version",	    "config",
						    "check-config", "live" };
	char *help = NULL, *p;
	size_t size = 0;
	FILE *fp = open_memstream(&help, &size);
	int keys = 0;

	cli_usage(fp);
	fclose(fp);
	for (p = help; (p = strstr(p, "--"));) {
		char name[32] = "";
		struct cli_config cfg;
		int only = 0;

		p += 2;
		if (sscanf(p, "%31[a-z-]", name) != 1)
			continue;
		for (size_t i = 0; i < sizeof(cmdline_only) / sizeof(cmdline_only[0]); i++)
			only |= !strcmp(name, cmdline_only[i]);
		assert_int_equal(cli_parse(1, (char *[]){ "netmon-record", NULL }, &cfg, stdout),
				 0);
		if (cli_set_option(&cfg, name, "1") == -ENOENT)
			fail_msg("--%s is not a configuration key", name);
		if (only && cli_set_option(&cfg, name, "1") != -EPERM)
			fail_msg("--%s is a key but should be command-line only", name);
		keys += !only;
	}
	free(help);
	assert_true(keys >= 8);
}

static void test_reload_applies_interval_keeps_the_rest(void **state)
{
	struct cli_config cur, next;

	assert_int_equal(load(&cur, "interval = 5\nmax-flows = 100\ninterface = eth0\n", NULL), 0);
	assert_int_equal(load(&next, "interval = 5\nmax-flows = 100\ninterface = eth0\n", NULL), 0);
	assert_int_equal(reload_merge(&cur, &next), 0);
	assert_int_equal(load(&next, "interval = 10\nmax-flows = 200\ninterface = eth1\n", NULL),
			 0);
	assert_int_equal(reload_merge(&cur, &next), RELOAD_LIVE | RELOAD_INTERVAL);
	assert_int_equal(cur.interval, 10);
	assert_int_equal(cur.max_flows, 100); /* needs a restart: kept */
	assert_int_equal(cur.n_ifaces, 1);
	assert_string_equal(cur.ifaces[0], "eth0");
	assert_int_equal(load(&next, "interval = 10\nmax-flows = 300\n", NULL), 0);
	assert_int_equal(reload_merge(&cur, &next), 0);
	assert_int_equal(cur.max_flows, 100);
	/* Retention and anomaly thresholds apply live. */
	assert_int_equal(load(&next,
			      "interval = 10\nmax-flows = 100\ninterface = eth0\n"
			      "keep-flows = 3\nthreshold = syn_flood_rate=50\n",
			      NULL),
			 0);
	assert_int_equal(reload_merge(&cur, &next), RELOAD_LIVE | RELOAD_THRESHOLDS);
	assert_int_equal(cur.keep.flows, 3);
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		if (!strcmp(anomaly_thresholds[i].name, "syn_flood_rate"))
			assert_true(cur.thresholds.value[i] == 50);
}

static int setup(void **state)
{
	int fd = mkstemp(conf_path);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	unlink(conf_path);
	config_free();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_set_options),
		cmocka_unit_test(test_command_line_wins),
		cmocka_unit_test(test_bad_files_are_errors),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_every_option_is_a_key),
		cmocka_unit_test(test_reload_applies_interval_keeps_the_rest),
		cmocka_unit_test(test_not_configuration_files),
		cmocka_unit_test(test_pcap_needs_sample),
	};

	log_init("test_config", LOGLVL_SILENT); /* the errors are expected: keep quiet */
	return cmocka_run_group_tests(tests, setup, teardown);
}
