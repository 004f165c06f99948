// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <net/if.h>
#include "cli.h"
#include "db.h"
#include "log.h"
#include "netmon_user.h"
#include "numparse.h"

#ifndef NETMON_VERSION
#define NETMON_VERSION "0.1.0"
#endif

enum { OPT_DURATION = 256, OPT_MAX_FLOWS, OPT_MAX_FLOWS6, OPT_HOOK, OPT_NO_PROCESS, OPT_DETACH, OPT_VERSION };

static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "db", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 't' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "max-flows6", required_argument, NULL, OPT_MAX_FLOWS6 },
	{ "hook", required_argument, NULL, OPT_HOOK },
	{ "read", required_argument, NULL, 'r' },
	{ "no-process", no_argument, NULL, OPT_NO_PROCESS },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 },
};

void cli_usage(FILE *out)
{
	fprintf(out,
		"Usage: netmon-record [OPTION]...\n"
		"Record per-flow and per-interface traffic with eBPF into a SQLite database.\n"
		"\n"
		"  -i, --interface IFACE  interface to watch (repeatable); default: every\n"
		"                         interface that is up, Ethernet and not loopback\n"
		"  -d, --db PATH          database file (default %s)\n"
		"  -t, --interval SECS    seconds per recorded interval, 1..%d (default %d);\n"
		"                         intervals end on multiples of SECS (UTC)\n"
		"      --duration SECS    stop after SECS seconds (default: run until\n"
		"                         SIGTERM or SIGINT)\n"
		"      --max-flows N      IPv4 flows per interval the kernel has room for\n"
		"                         (default %d: %.1f MiB of kernel memory; 97 B per\n"
		"                         flow, 97 MB for 1000000); packets of more flows\n"
		"                         are still counted, in an overflow row\n"
		"      --max-flows6 N     IPv6 flows per interval (default: as --max-flows;\n"
		"                         136 B per flow, %.1f MiB for the default)\n"
		"      --hook tc|xdp      count received packets with TC (default) or XDP\n"
		"                         (native where the driver supports it, else generic);\n"
		"                         sent packets are always counted with TC\n"
		"      --no-process       do not count bytes per process (socket\n"
		"                         tracepoints); on by default where the kernel has them\n"
		"  -r, --read FILE        import a pcap/pcapng capture instead of watching\n"
		"                         interfaces: the same program counts it, intervals\n"
		"                         follow the capture's timestamps; -i NAME names the\n"
		"                         interface in the database (default: the file name)\n"
		"      --detach           remove netmon's TC filters and XDP program left on\n"
		"                         the -i interfaces (e.g. by a crashed recorder) and\n"
		"                         exit; an empty clsact qdisc stays: netmon cannot\n"
		"                         tell it made it ('tc qdisc del dev IFACE clsact')\n"
		"  -v, --verbose          debug messages, including libbpf's\n"
		"  -h, --help             show this help and exit\n"
		"      --version          show the version and exit\n"
		"\n"
		"On SIGTERM or SIGINT the last partial interval is written and every filter\n"
		"netmon attached is removed. Exit status: 0 ok, 1 runtime failure, 64 usage.\n",
		NETMON_DEFAULT_DB, CLI_MAX_INTERVAL, CLI_DEFAULT_INTERVAL, NETMON_DEFAULT_MAX_FLOWS,
		netmon_table_bytes(NETMON_DEFAULT_MAX_FLOWS, NETMON_FAMILY_V4) / 1048576.0,
		netmon_table_bytes(NETMON_DEFAULT_MAX_FLOWS, NETMON_FAMILY_V6) / 1048576.0);
}

static int parse_num(const char *opt, const char *val, unsigned long min, unsigned long max,
		     unsigned int *out)
{
	unsigned long v;

	if (parse_uint_range(val, min, max, &v)) {
		pr_err("invalid %s '%s': expected a whole number from %lu to %lu", opt, val, min,
		       max);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int add_iface(struct cli_config *cfg, const char *name)
{
	if (!*name || strlen(name) >= IF_NAMESIZE) {
		pr_err("invalid interface name '%s'", name);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifaces[i], name))
			return 0; /* named twice: watch it once */
	if (cfg->n_ifaces == CLI_MAX_IFACES) {
		pr_err("too many interfaces (at most %d)", CLI_MAX_IFACES);
		return -EINVAL;
	}
	cfg->ifaces[cfg->n_ifaces++] = name;
	return 0;
}

static int parse_one(struct cli_config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case 'i':
		return add_iface(cfg, arg);
	case 'd':
		if (!*arg) {
			pr_err("invalid --db: empty path");
			return -EINVAL;
		}
		cfg->db_path = arg;
		return 0;
	case 't':
		return parse_num("--interval", arg, 1, CLI_MAX_INTERVAL, &cfg->interval);
	case OPT_DURATION:
		return parse_num("--duration", arg, 1, 10u * 365 * 86400, &cfg->duration);
	case OPT_MAX_FLOWS:
		return parse_num("--max-flows", arg, 1, 1u << 24, &cfg->max_flows);
	case OPT_MAX_FLOWS6:
		return parse_num("--max-flows6", arg, 1, 1u << 24, &cfg->max_flows6);
	case OPT_HOOK:
		if (strcmp(arg, "tc") && strcmp(arg, "xdp")) {
			pr_err("invalid --hook '%s': expected tc or xdp", arg);
			return -EINVAL;
		}
		cfg->hook_xdp = !strcmp(arg, "xdp");
		return 0;
	case 'r':
		if (!*arg) {
			pr_err("invalid --read: empty path");
			return -EINVAL;
		}
		cfg->read_path = arg;
		return 0;
	case OPT_NO_PROCESS:
		cfg->no_process = 1;
		return 0;
	case OPT_DETACH:
		cfg->action = CLI_DETACH;
		return 0;
	case 'v':
		cfg->verbose++;
		return 0;
	case 'h':
		cfg->action = CLI_HELP;
		return 0;
	case OPT_VERSION:
		cfg->action = CLI_VERSION;
		return 0;
	default: /* getopt has printed what was wrong */
		return -EINVAL;
	}
}

int cli_parse(int argc, char **argv, struct cli_config *cfg, FILE *out)
{
	int opt, err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->action = CLI_RECORD;
	cfg->db_path = NETMON_DEFAULT_DB;
	cfg->interval = CLI_DEFAULT_INTERVAL;
	cfg->max_flows = NETMON_DEFAULT_MAX_FLOWS;

	optind = 1; /* parse may run more than once (tests) */
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "i:d:t:r:vh", long_opts, NULL)) != -1) {
		err = parse_one(cfg, opt, optarg);
		if (err)
			return err;
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (cfg->read_path && (cfg->duration || cfg->hook_xdp || cfg->n_ifaces > 1 ||
			       cfg->action == CLI_DETACH)) {
		pr_err("--read takes at most one -i NAME, and no --duration, --hook or --detach");
		return -EINVAL;
	}
	if (cfg->action == CLI_HELP)
		cli_usage(out);
	else if (cfg->action == CLI_VERSION)
		fprintf(out, "netmon-record %s (database schema %d, BPF ABI %d)\n", NETMON_VERSION,
			db_schema_version(), NETMON_ABI_VERSION);
	return 0;
}
