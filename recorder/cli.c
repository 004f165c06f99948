// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <net/if.h>
#include "cli.h"
#include "db.h"
#include "getopt_error.h"
#include "log.h"
#include "netmon_user.h"
#include "numparse.h"

#ifndef NETMON_VERSION
#define NETMON_VERSION "0.1.0"
#endif

enum {
	OPT_DURATION = 256,
	OPT_MAX_FLOWS,
	OPT_MAX_FLOWS6,
	OPT_HOOK,
	OPT_NO_PROCESS,
	OPT_DETACH,
	OPT_VERSION,
	OPT_KEEP_FLOWS,
	OPT_KEEP_PROCESSES,
	OPT_KEEP_TOTALS,
	OPT_KEEP_HOURLY,
	OPT_KEEP_DAILY,
	OPT_CHECK_CONFIG,
	OPT_THRESHOLD,
	OPT_KEEP_ATTACHED,
	OPT_SAMPLE,
	OPT_PCAP,
	OPT_SNAPLEN,
	OPT_PCAP_SIZE,
	OPT_PCAP_FILES,
	OPT_SAMPLE_RING,
	OPT_LIVE,
	OPT_FORCE_IMPORT,
};

static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "db", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 't' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "max-flows6", required_argument, NULL, OPT_MAX_FLOWS6 },
	{ "hook", required_argument, NULL, OPT_HOOK },
	{ "read", required_argument, NULL, 'r' },
	{ "force-import", no_argument, NULL, OPT_FORCE_IMPORT },
	{ "no-process", no_argument, NULL, OPT_NO_PROCESS },
	{ "keep-attached", no_argument, NULL, OPT_KEEP_ATTACHED },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "pcap-size", required_argument, NULL, OPT_PCAP_SIZE },
	{ "pcap-files", required_argument, NULL, OPT_PCAP_FILES },
	{ "sample-ring", required_argument, NULL, OPT_SAMPLE_RING },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "keep-flows", required_argument, NULL, OPT_KEEP_FLOWS },
	{ "keep-processes", required_argument, NULL, OPT_KEEP_PROCESSES },
	{ "keep-totals", required_argument, NULL, OPT_KEEP_TOTALS },
	{ "keep-hourly", required_argument, NULL, OPT_KEEP_HOURLY },
	{ "keep-daily", required_argument, NULL, OPT_KEEP_DAILY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "live", no_argument, NULL, OPT_LIVE },
	{ 0 },
};

/* Every other long option is also a key of the configuration file. */
static const char *const cmdline_only[] = { "read",    "force-import", "detach",       "help",
					    "version", "config",       "check-config", "live" };

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
		"                         (native; with TC where the driver has no native XDP);\n"
		"                         sent packets are always counted with TC\n"
		"      --no-process       do not count bytes per process (socket\n"
		"                         tracepoints); on by default where the kernel has them\n"
		"      --keep-attached    on SIGTERM or SIGINT leave the programs attached and\n"
		"                         their maps pinned in /sys/fs/bpf/netmon: the kernel\n"
		"                         keeps counting, and the next start on the same\n"
		"                         interfaces writes that traffic once (the systemd\n"
		"                         unit uses it, so a restart or upgrade loses nothing)\n"
		"      --threshold NAME=VALUE  an anomaly rule's threshold (repeatable); the\n"
		"                         rules run after every interval (see below)\n"
		"Packet sampling (docs/design.md, \"Packet sampling\"):\n"
		"      --sample N         write the first bytes of 1 in N packets (every Nth\n"
		"                         on each CPU; 1: all) to --pcap; 0: off (default);\n"
		"                         --read imports sample nothing\n"
		"      --pcap FILE        the pcapng file of the samples (mode 0640), with\n"
		"                         each packet's interface and direction and the rate\n"
		"                         in its header comment; read it with tshark -r FILE;\n"
		"                         a FILE named *.pcap is classic pcap written by\n"
		"                         libpcap (no direction, interface or rate inside);\n"
		"                         an existing FILE is appended to, never truncated\n"
		"                         (a pcapng FILE gets a new section); needs --sample\n"
		"      --snaplen BYTES    bytes kept per packet, %d..%d (default %d)\n"
		"      --pcap-size MB     start a new FILE once it reaches MB megabytes\n"
		"                         (10^6 bytes); the previous one becomes FILE.1,\n"
		"                         FILE.1 becomes FILE.2...; 0: never (default)\n"
		"      --pcap-files K     files kept with --pcap-size, FILE included,\n"
		"                         2..%d (default %d); the oldest is deleted\n"
		"      --sample-ring KiB  the kernel's buffer of samples not yet written, a\n"
		"                         power of 2 from 4 to 1048576 (default %d); samples\n"
		"                         that find it full are counted as dropped\n"
		"                         (collector_log.sample_drops)\n"
		"  -r, --read FILE        import a pcap/pcapng capture instead of watching\n"
		"                         interfaces: the same program counts it, intervals\n"
		"                         follow the capture's timestamps; -i NAME names the\n"
		"                         interface in the database (default: the file name);\n"
		"                         refused when the database already holds traffic\n"
		"                         of that name within the capture's time span;\n"
		"                         exit 1 when a frame could not be counted\n"
		"                         (collector_log.not_counted) or the file is cut short\n"
		"                         (what precedes the cut is imported)\n"
		"      --force-import     with --read: import even over traffic already\n"
		"                         stored (counted twice if it is the same)\n"
		"      --live             also show the traffic of every second on the\n"
		"                         terminal: protocols, processes, server ports and\n"
		"                         applications, flows, anomalies; q or ^C quits\n"
		"                         (the last interval is written); ^Z stops it and\n"
		"                         gives the terminal back until fg; without a terminal\n"
		"                         (or with TERM=dumb) one plain frame per second\n"
		"      --detach           remove netmon's TC filters, XDP program and pinned\n"
		"                         maps left on the -i interfaces (by a crashed\n"
		"                         recorder or --keep-attached; what they counted since\n"
		"                         the last interval is lost) and exit; a running\n"
		"                         recorder's are refused; an empty clsact qdisc stays: "
		"netmon cannot\n"
		"                         tell it made it ('tc qdisc del dev IFACE clsact')\n"
		"Retention, in days (0 keeps forever; docs/schema.md lists the disk each costs):\n"
		"      --keep-flows DAYS      flow rows, flow_log (default %d)\n"
		"      --keep-processes DAYS  per-process rows, process_log (default %d)\n"
		"      --keep-totals DAYS     per-interval totals and collector health,\n"
		"                             traffic_log and collector_log (default %d)\n"
		"      --keep-hourly DAYS     hourly rollups (default %d)\n"
		"      --keep-daily DAYS      daily rollups (default %d); monthly interface\n"
		"                             totals are always kept\n"
		"  Rows leave a level only once the next coarser level holds them.\n"
		"\n"
		"  -v, --verbose          debug messages, including libbpf's\n"
		"  -c, --config PATH      read options from PATH (default %s,\n"
		"                         where a missing file means the defaults); every\n"
		"                         long option above but --read, --force-import,\n"
		"                         --detach and --live is a key there (interval =\n"
		"                         10); options on the command line win over the file\n"
		"      --check-config     check the configuration file and the options,\n"
		"                         then exit (0: valid)\n"
		"  -h, --help             show this help and exit\n"
		"      --version          show the version and exit\n"
		"\n"
		"On SIGTERM or SIGINT the last partial interval is written and every filter\n"
		"netmon attached is removed (unless --keep-attached). A crashed recorder's\n"
		"filters go on counting into maps pinned in /sys/fs/bpf/netmon/IFACES; the\n"
		"next start on the same interfaces adopts them and writes every packet once.\n"
		"On SIGHUP the configuration file is read again:\n"
		"the current interval is written and a new --interval applies from then on,\n"
		"retention and anomaly thresholds apply at once; other changed options are\n"
		"logged as needing a restart and keep their value.\n"
		"Once attached, the recorder keeps only the capabilities it still needs.\n"
		"Exit status: 0 ok, 1 runtime failure, 64 usage or configuration error.\n"
		"\n"
		"Anomaly thresholds (NAME, default, unit; docs/anomalies.md says why):\n",
		NETMON_DEFAULT_DB, CLI_MAX_INTERVAL, CLI_DEFAULT_INTERVAL, NETMON_DEFAULT_MAX_FLOWS,
		netmon_table_bytes(NETMON_DEFAULT_MAX_FLOWS, NETMON_FAMILY_V4) / 1048576.0,
		netmon_table_bytes(NETMON_DEFAULT_MAX_FLOWS, NETMON_FAMILY_V6) / 1048576.0,
		CLI_MIN_SNAPLEN, NETMON_SNAP_MAX, NETMON_SNAP_DEFAULT, CLI_MAX_PCAP_FILES,
		CLI_DEFAULT_PCAP_FILES, CLI_DEFAULT_SAMPLE_RING_KB, RETENTION_DEFAULT_FLOWS,
		RETENTION_DEFAULT_PROCESSES, RETENTION_DEFAULT_TOTALS, RETENTION_DEFAULT_HOURLY,
		RETENTION_DEFAULT_DAILY, CLI_DEFAULT_CONFIG);
	anomaly_settings_usage(out);
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

/* The kernel's ring buffer is a power of 2 pages (4 KiB pages here and up). */
static int parse_ring(const char *val, unsigned int *out)
{
	unsigned int kb;

	if (parse_num("--sample-ring", val, 4, 1u << 20, &kb))
		return -EINVAL;
	if (kb & (kb - 1)) {
		pr_err("invalid --sample-ring '%s': expected a power of 2 (4, 8, ... 1048576)",
		       val);
		return -EINVAL;
	}
	*out = kb;
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
	case OPT_KEEP_ATTACHED:
		cfg->keep_attached = 1;
		return 0;
	case OPT_DETACH:
		cfg->action = CLI_DETACH;
		return 0;
	case OPT_KEEP_FLOWS:
		return parse_num("--keep-flows", arg, 0, CLI_MAX_KEEP_DAYS, &cfg->keep.flows);
	case OPT_KEEP_PROCESSES:
		return parse_num("--keep-processes", arg, 0, CLI_MAX_KEEP_DAYS,
				 &cfg->keep.processes);
	case OPT_KEEP_TOTALS:
		return parse_num("--keep-totals", arg, 0, CLI_MAX_KEEP_DAYS, &cfg->keep.totals);
	case OPT_KEEP_HOURLY:
		return parse_num("--keep-hourly", arg, 0, CLI_MAX_KEEP_DAYS, &cfg->keep.hourly);
	case OPT_KEEP_DAILY:
		return parse_num("--keep-daily", arg, 0, CLI_MAX_KEEP_DAYS, &cfg->keep.daily);
	case OPT_THRESHOLD:
		return anomaly_settings_parse(&cfg->thresholds, arg);
	case OPT_SAMPLE:
		cfg->sample_given = 1;
		return parse_num("--sample", arg, 0, CLI_MAX_SAMPLE, &cfg->sample);
	case OPT_PCAP:
		if (!*arg) {
			pr_err("invalid --pcap: empty path");
			return -EINVAL;
		}
		cfg->pcap_path = arg;
		return 0;
	case OPT_SNAPLEN:
		return parse_num("--snaplen", arg, CLI_MIN_SNAPLEN, NETMON_SNAP_MAX, &cfg->snaplen);
	case OPT_PCAP_SIZE:
		return parse_num("--pcap-size", arg, 0, 1u << 20, &cfg->pcap_size_mb);
	case OPT_PCAP_FILES:
		return parse_num("--pcap-files", arg, 2, CLI_MAX_PCAP_FILES, &cfg->pcap_files);
	case OPT_SAMPLE_RING:
		return parse_ring(arg, &cfg->sample_ring_kb);
	case 'v':
		cfg->verbose++;
		return 0;
	case 'h':
		cfg->action = CLI_HELP;
		return 0;
	case OPT_VERSION:
		cfg->action = CLI_VERSION;
		return 0;
	case 'c':
		if (!*arg) {
			pr_err("invalid --config: empty path");
			return -EINVAL;
		}
		cfg->config_path = arg;
		cfg->config_given = 1;
		return 0;
	case OPT_CHECK_CONFIG:
		cfg->check_config = 1;
		return 0;
	case OPT_LIVE:
		cfg->live = 1;
		return 0;
	case OPT_FORCE_IMPORT:
		cfg->force_import = 1;
		return 0;
	default: /* never: getopt_error has said what was wrong */
		return -EINVAL;
	}
}

/* The position in long_opts of the option getopt_long returned. */
static int opt_index(int val)
{
	int i = 0;

	_Static_assert(sizeof(long_opts) / sizeof(long_opts[0]) <= 64, "argv_opts has 64 bits");
	while (long_opts[i].name && long_opts[i].val != val)
		i++;
	return i; /* not found ('?'): the terminator's bit, never looked at */
}

int cli_check(const struct cli_config *cfg)
{
	if (cfg->read_path &&
	    (cfg->duration || cfg->hook_xdp || cfg->n_ifaces > 1 || cfg->action == CLI_DETACH)) {
		pr_err("--read takes at most one -i NAME, and no --duration, --hook or --detach");
		return -EINVAL;
	}
	if (cfg->force_import && !cfg->read_path) {
		pr_err("--force-import goes with --read FILE");
		return -EINVAL;
	}
	if (cfg->live && (cfg->read_path || cfg->action == CLI_DETACH)) {
		pr_err("--live shows a recording: not with --read or --detach");
		return -EINVAL;
	}
	return 0;
}

int cli_check_complete(const struct cli_config *cfg)
{
	if (cfg->action != CLI_RECORD || cfg->read_path)
		return 0;
	if (cfg->sample && !cfg->pcap_path) {
		pr_err("--sample needs --pcap FILE to write the samples to");
		return -EINVAL;
	}
	/* --pcap alone would write nothing without a word; an explicit
	 * --sample 0 (sample = 0 in a file) is sampling turned off. */
	if (cfg->pcap_path && !cfg->sample_given) {
		pr_err("--pcap needs --sample N: 1 in N packets is written to %s (--sample 0 "
		       "writes none)",
		       cfg->pcap_path);
		return -EINVAL;
	}
	return 0;
}

/* A configuration file's value for an option that takes none: yes or no. */
static int parse_flag(const char *key, const char *value, int *on)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(value, yes[i]) || !strcmp(value, no[i])) {
			*on = !strcmp(value, yes[i]);
			return 0;
		}
	}
	pr_err("invalid --%s '%s': expected yes or no", key, value);
	return -EINVAL;
}

int cli_set_option(struct cli_config *cfg, const char *key, const char *value)
{
	struct cli_config scratch = *cfg;
	int i, on = 1, err;

	for (i = 0; long_opts[i].name && strcmp(long_opts[i].name, key); i++)
		;
	if (!long_opts[i].name)
		return -ENOENT;
	for (size_t j = 0; j < sizeof(cmdline_only) / sizeof(cmdline_only[0]); j++)
		if (!strcmp(key, cmdline_only[j]))
			return -EPERM;
	if (long_opts[i].has_arg == no_argument && parse_flag(key, value, &on))
		return -EINVAL;
	/* Given on the command line: that value stays, this one is only checked. */
	if (cfg->argv_opts & (1ull << i))
		cfg = &scratch;
	if (!on)
		return 0; /* "no" for an option without value: its default */
	err = parse_one(cfg, long_opts[i].val, value);
	return err ? -EINVAL : 0;
}

int cli_parse(int argc, char **argv, struct cli_config *cfg, FILE *out)
{
	int opt, err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->action = CLI_RECORD;
	cfg->db_path = NETMON_DEFAULT_DB;
	cfg->interval = CLI_DEFAULT_INTERVAL;
	cfg->max_flows = NETMON_DEFAULT_MAX_FLOWS;
	cfg->keep = (struct retention)RETENTION_DEFAULTS;
	cfg->config_path = CLI_DEFAULT_CONFIG;
	cfg->snaplen = NETMON_SNAP_DEFAULT;
	cfg->pcap_files = CLI_DEFAULT_PCAP_FILES;
	cfg->sample_ring_kb = CLI_DEFAULT_SAMPLE_RING_KB;
	anomaly_settings_init(&cfg->thresholds);

	optind = 1; /* parse may run more than once (tests, SIGHUP) */
	opterr = 0; /* its messages lack our "error:" form: getopt_error says them */
	for (;;) {
		int before = optind;

		opt = getopt_long(argc, argv, ":i:d:t:r:c:vh", long_opts, NULL);
		if (opt == -1)
			break;
		if (opt == '?' || opt == ':') {
			getopt_error(long_opts, opt, argv, before, " (see --help)");
			return -EINVAL;
		}
		err = parse_one(cfg, opt, optarg);
		if (err)
			return err;
		cfg->argv_opts |= 1ull << opt_index(opt);
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	err = cli_check(cfg);
	if (err)
		return err;
	if (cfg->action == CLI_HELP)
		cli_usage(out);
	else if (cfg->action == CLI_VERSION)
		fprintf(out, "netmon-record %s (database schema %d, BPF ABI %d)\n", NETMON_VERSION,
			db_schema_version(), NETMON_ABI_VERSION);
	return 0;
}
