// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include "cli.h"
#include "db.h"
#include "ipfix.h"
#include "ipfix_send.h"
#include "getopt_error.h"
#include "log.h"
#include "metrics/metrics_listen.h"
#include "netmon_user.h"
#include "numparse.h"

/* In a table: the value's place in struct cli_config. */
#define AT(member) offsetof(struct cli_config, member)

static const char *const hooks[] = { "tc", "xdp", NULL };

/*
 * Every option, in --help's order. A new option is one entry here (and its
 * field in struct cli_config); a key with reload 0 is logged as needing a
 * restart when a SIGHUP finds it changed.
 */
const struct cli_option cli_options[] = {
	/* clang-format off */
	{ .name = "interface", .short_name = 'i', .arg = "IFACE", .kind = CLI_IFACE, .key = 1,
	  .help = "interface to watch (repeatable); default: every\n"
		  "interface that is up, Ethernet and not loopback" },
	{ .name = "db", .short_name = 'd', .arg = "PATH", .kind = CLI_PATH, .offset = AT(db_path),
	  .def_path = NETMON_DEFAULT_DB, .key = 1, .help = "database file (default {default});\n"
						    "one recorder a database" },
	{ .name = "interval", .short_name = 't', .arg = "SECS", .kind = CLI_UINT,
	  .offset = AT(interval), .min = 1, .max = CLI_MAX_INTERVAL, .def = CLI_DEFAULT_INTERVAL,
	  .key = 1, .reload = RELOAD_LIVE | RELOAD_INTERVAL,
	  .help = "seconds per recorded interval, {min}..{max} (default {default});\n"
		  "intervals end on multiples of SECS (UTC)" },
	{ .name = "duration", .arg = "SECS", .kind = CLI_UINT, .offset = AT(duration), .min = 1,
	  .max = 10u * 365 * 86400, .key = 1,
	  .help = "stop after SECS seconds (default: run until\n"
		  "SIGTERM or SIGINT)" },
	{ .name = "max-flows", .arg = "N", .kind = CLI_UINT, .offset = AT(max_flows), .min = 1,
	  .max = 1u << 24, .def = NETMON_DEFAULT_MAX_FLOWS, .key = 1,
	  .help = "IPv4 flows per interval the kernel has room for\n"
		  "(default {default}: {v4_mib} MiB of kernel memory; 97 B per\n"
		  "flow, 97 MB for 1000000); packets of more flows\n"
		  "are still counted, in an overflow row" },
	{ .name = "max-flows6", .arg = "N", .kind = CLI_UINT, .offset = AT(max_flows6), .min = 1,
	  .max = 1u << 24, .key = 1,
	  .help = "IPv6 flows per interval (default: as --max-flows;\n"
		  "136 B per flow, {v6_mib} MiB for the default)" },
	{ .name = "hook", .arg = "tc|xdp", .kind = CLI_CHOICE, .offset = AT(hook_xdp),
	  .choices = hooks, .key = 1,
	  .help = "count received packets with TC (default) or XDP\n"
		  "(native; with TC where the driver has no native XDP);\n"
		  "sent packets are always counted with TC" },
	{ .name = "no-process", .kind = CLI_FLAG, .offset = AT(no_process), .key = 1,
	  .help = "do not count bytes per process (socket\n"
		  "tracepoints); on by default where the kernel has them" },
	{ .name = "no-names", .kind = CLI_FLAG, .offset = AT(no_names), .key = 1,
	  .help = "do not keep host names from the DNS responses\n"
		  "this host receives, nor the server names of the\n"
		  "TLS connections it opens (view host_names)" },
	{ .name = "keep-attached", .kind = CLI_FLAG, .offset = AT(keep_attached), .key = 1,
	  .reload = RELOAD_LIVE,
	  .help = "on SIGTERM or SIGINT leave the programs attached and\n"
		  "their maps pinned in /sys/fs/bpf/netmon: the kernel\n"
		  "keeps counting, and the next start on the same\n"
		  "interfaces writes that traffic once (the systemd\n"
		  "unit uses it, so a restart or upgrade loses nothing)" },
	{ .name = "threshold", .arg = "NAME=VALUE", .kind = CLI_THRESHOLD, .offset = AT(thresholds),
	  .key = 1, .reload = RELOAD_LIVE | RELOAD_THRESHOLDS,
	  .help = "an anomaly rule's threshold (repeatable); the\n"
		  "rules run after every interval (see below)" },
	{ .kind = CLI_TEXT, .column = 25,
	  .help = "IPFIX export (docs/ipfix.md):" },
	{ .name = "ipfix", .arg = "HOST:PORT", .kind = CLI_COLLECTOR, .key = 1,
	  .reload = RELOAD_LIVE | RELOAD_IPFIX,
	  .help = "send every flow row (and process row) of each\n"
		  "interval, once it is committed, to this IPFIX\n"
		  "collector over UDP\n"
		  "([IPV6ADDRESS]:PORT for an IPv6 one; repeatable,\n"
		  "at most " COLLECTOR_MAX_STR "); a collector that is down or slow never\n"
		  "holds up recording: what it cannot take is dropped\n"
		  "and counted" },
	{ .name = "ipfix-mtu", .arg = "BYTES", .kind = CLI_UINT, .offset = AT(ipfix_mtu),
	  .min = IPFIX_MIN_MTU, .max = IPFIX_MAX_MTU, .def = IPFIX_DEFAULT_MTU, .key = 1,
	  .reload = RELOAD_LIVE | RELOAD_IPFIX,
	  .help = "largest IPFIX message (UDP payload), {min}..{max}\n"
		  "(default {default}: with its IP and UDP headers within\n"
		  "a 1500-byte path MTU)" },
	{ .name = "ipfix-domain", .arg = "ID", .kind = CLI_UINT, .offset = AT(ipfix_domain),
	  .max = 4294967294ul, .def = IPFIX_DEFAULT_DOMAIN, .key = 1,
	  .reload = RELOAD_LIVE | RELOAD_IPFIX,
	  .help = "the observation domain id of the flow records\n"
		  "(default {default}); process records go in ID + 1" },
	{ .name = "ipfix-rate", .arg = "N", .kind = CLI_UINT, .offset = AT(ipfix_rate),
	  .max = IPFIX_MAX_RATE, .def = IPFIX_DEFAULT_RATE, .key = 1,
	  .reload = RELOAD_LIVE | RELOAD_IPFIX,
	  .help = "send at most N IPFIX messages a second (default\n"
		  "{default}, 0: at once), so that a collector's receive\n"
		  "buffer takes a large interval whole; pausing stops\n"
		  "after half the interval and the rest goes at once" },
	{ .kind = CLI_TEXT, .column = 25,
	  .help = "Capture filters (docs/design.md, \"Capture filters\"):" },
	{ .name = "exclude", .arg = "RULE", .kind = CLI_FILTER, .offset = AT(exclude), .key = 1,
	  .reload = RELOAD_LIVE | RELOAD_FILTERS,
	  .help = "leave the packets RULE matches out of the flows\n"
		  "(and so out of the IPFIX export and the anomaly\n"
		  "rules); they stay in the interface totals and are\n"
		  "counted as excluded (collector_log.excluded);\n"
		  "repeatable, at most " NETMON_FILTER_MAX_RULES_STR "; wins over --include.\n"
		  "RULE is PREFIX/LEN[:PROTO[/PORT]], the network with\n"
		  "no host bits set: 10.0.0.0/8, 2001:db8::/32,\n"
		  "192.0.2.7/32:tcp/22, 198.51.100.0/24:udp; PROTO\n"
		  "tcp, udp, udplite, icmp, icmpv6, sctp, gre, esp,\n"
		  "ah or 0..255; PORT 1..65535 (tcp, udp, udplite).\n"
		  "It matches a packet from the prefix (with PROTO\n"
		  "and that source port) or to it (with PROTO and\n"
		  "that destination port): both directions" },
	{ .name = "include", .arg = "RULE", .kind = CLI_FILTER, .offset = AT(include), .key = 1,
	  .reload = RELOAD_LIVE | RELOAD_FILTERS,
	  .help = "count in flows only the packets that a RULE\n"
		  "matches (repeatable, at most " NETMON_FILTER_MAX_RULES_STR "); the others\n"
		  "are excluded as above. Rules are applied in the\n"
		  "kernel; changed by SIGHUP, from the next interval" },
	{ .kind = CLI_TEXT, .column = 25,
	  .help = "Prometheus metrics (docs/metrics.md; a change needs a restart):" },
	{ .name = "metrics-listen", .arg = "[ADDR:]PORT", .kind = CLI_LISTEN,
	  .offset = AT(metrics_listen), .key = 1,
	  .help = "serve GET /metrics over HTTP on ADDR:PORT: the\n"
		  "counters of every interval written since the start\n"
		  "and the recorder's health, in Prometheus' text\n"
		  "format; a PORT alone listens on 127.0.0.1; an\n"
		  "IPv6 ADDR in brackets ([::1]:9464)" },
	{ .name = "metrics-file", .arg = "PATH", .kind = CLI_PATH, .offset = AT(metrics_file),
	  .key = 1,
	  .help = "write the same page to PATH after each interval\n"
		  "(replaced by rename, mode 0644) for node_exporter's\n"
		  "textfile collector, e.g. /var/lib/prometheus/\n"
		  "node-exporter/netmon.prom" },
	{ .kind = CLI_TEXT, .column = 25,
	  .help = "Packet sampling (docs/design.md, \"Packet sampling\"):" },
	{ .name = "sample", .arg = "N", .kind = CLI_UINT, .offset = AT(sample),
	  .max = CLI_MAX_SAMPLE, .key = 1,
	  .help = "write the first bytes of 1 in N packets (every Nth\n"
		  "on each CPU; 1: all) to --pcap; 0: off (default);\n"
		  "--read imports sample nothing" },
	{ .name = "pcap", .arg = "FILE", .kind = CLI_PATH, .offset = AT(pcap_path), .key = 1,
	  .help = "the pcapng file of the samples (mode 0640), with\n"
		  "each packet's interface and direction and the rate\n"
		  "in its header comment; read it with tshark -r FILE;\n"
		  "a FILE named *.pcap is classic pcap written by\n"
		  "libpcap (no direction, interface or rate inside);\n"
		  "an existing FILE is appended to, never truncated\n"
		  "(a pcapng FILE gets a new section); needs --sample" },
	{ .name = "snaplen", .arg = "BYTES", .kind = CLI_UINT, .offset = AT(snaplen),
	  .min = CLI_MIN_SNAPLEN, .max = NETMON_SNAP_MAX, .def = NETMON_SNAP_DEFAULT, .key = 1,
	  .help = "bytes kept per packet, {min}..{max} (default {default})" },
	{ .name = "pcap-size", .arg = "MB", .kind = CLI_UINT, .offset = AT(pcap_size_mb),
	  .max = 1u << 20, .key = 1,
	  .help = "start a new FILE once it reaches MB megabytes\n"
		  "(10^6 bytes); the previous one becomes FILE.1,\n"
		  "FILE.1 becomes FILE.2...; 0: never (default)" },
	{ .name = "pcap-files", .arg = "K", .kind = CLI_UINT, .offset = AT(pcap_files), .min = 2,
	  .max = CLI_MAX_PCAP_FILES, .def = CLI_DEFAULT_PCAP_FILES, .key = 1,
	  .help = "files kept with --pcap-size, FILE included,\n"
		  "{min}..{max} (default {default}); the oldest is deleted" },
	/* The kernel's ring buffer is a power of 2 pages (4 KiB pages here and up). */
	{ .name = "sample-ring", .arg = "KiB", .kind = CLI_POW2, .offset = AT(sample_ring_kb),
	  .min = 4, .max = 1u << 20, .def = CLI_DEFAULT_SAMPLE_RING_KB, .key = 1,
	  .help = "the kernel's buffer of samples not yet written, a\n"
		  "power of 2 from {min} to {max} (default {default}); samples\n"
		  "that find it full are counted as dropped\n"
		  "(collector_log.sample_drops)" },
	{ .name = "read", .short_name = 'r', .arg = "FILE", .kind = CLI_PATH,
	  .offset = AT(read_path),
	  .help = "import a pcap/pcapng capture instead of watching\n"
		  "interfaces: the same program counts it, intervals\n"
		  "follow the capture's timestamps; -i NAME names the\n"
		  "interface in the database (default: the file name);\n"
		  "refused when the database already holds traffic\n"
		  "of that name within the capture's time span;\n"
		  "exit 1 when a frame could not be counted\n"
		  "(collector_log.not_counted) or the file is cut short\n"
		  "(what precedes the cut is imported)" },
	{ .name = "force-import", .kind = CLI_FLAG, .offset = AT(force_import),
	  .help = "with --read: import even over traffic already\n"
		  "stored (counted twice if it is the same)" },
	{ .name = "live", .kind = CLI_FLAG, .offset = AT(live),
	  .help = "also show the traffic of every second on the\n"
		  "terminal: protocols, processes, server ports and\n"
		  "applications, flows, anomalies; q or ^C quits\n"
		  "(the last interval is written); ^Z stops it and\n"
		  "gives the terminal back until fg; without a terminal\n"
		  "(or with TERM=dumb) one plain frame per second" },
	{ .name = "numeric", .kind = CLI_FLAG, .offset = AT(numeric),
	  .help = "with --live: show addresses without the host names\n"
		  "the database holds for them (host_names)" },
	{ .name = "detach", .kind = CLI_ACTION, .offset = AT(action), .min = CLI_DETACH,
	  .help = "remove netmon's TC programs (tcx links or clsact\n"
		  "filters), XDP program and pinned maps left on the\n"
		  "-i interfaces (by a crashed recorder or\n"
		  "--keep-attached; what they counted since the last\n"
		  "interval is lost) and exit; a running recorder's are\n"
		  "refused; an empty clsact qdisc (a kernel without tcx)\n"
		  "stays: netmon cannot tell it made it\n"
		  "('tc qdisc del dev IFACE clsact')" },
	{ .name = "status", .kind = CLI_ACTION, .offset = AT(action), .min = CLI_STATUS,
	  .help = "say whether a recorder is running (on the -i\n"
		  "interfaces, or any), on which hooks and since when,\n"
		  "the last stored interval of --db, gaps, the backlog\n"
		  "and table-full counts, and exit: 0 recording, 3 not\n"
		  "(as systemctl is-active); reads only, attaches nothing" },
	{ .kind = CLI_TEXT, .column = 29,
	  .help = "Retention, in days (0 keeps forever; docs/schema.md lists the disk each "
		  "costs):" },
	{ .name = "keep-flows", .arg = "DAYS", .kind = CLI_UINT, .offset = AT(keep.flows),
	  .max = CLI_MAX_KEEP_DAYS, .def = RETENTION_DEFAULT_FLOWS, .key = 1, .reload = RELOAD_LIVE,
	  .help = "flow rows, flow_log (default {default})" },
	{ .name = "keep-processes", .arg = "DAYS", .kind = CLI_UINT, .offset = AT(keep.processes),
	  .max = CLI_MAX_KEEP_DAYS, .def = RETENTION_DEFAULT_PROCESSES, .key = 1,
	  .reload = RELOAD_LIVE, .help = "per-process rows, process_log (default {default})" },
	{ .name = "keep-totals", .arg = "DAYS", .kind = CLI_UINT, .offset = AT(keep.totals),
	  .max = CLI_MAX_KEEP_DAYS, .def = RETENTION_DEFAULT_TOTALS, .key = 1,
	  .reload = RELOAD_LIVE,
	  .help = "per-interval totals and collector health,\n"
		  "traffic_log and collector_log (default {default})" },
	{ .name = "keep-hourly", .arg = "DAYS", .kind = CLI_UINT, .offset = AT(keep.hourly),
	  .max = CLI_MAX_KEEP_DAYS, .def = RETENTION_DEFAULT_HOURLY, .key = 1,
	  .reload = RELOAD_LIVE, .help = "hourly rollups (default {default})" },
	{ .name = "keep-daily", .arg = "DAYS", .kind = CLI_UINT, .offset = AT(keep.daily),
	  .max = CLI_MAX_KEEP_DAYS, .def = RETENTION_DEFAULT_DAILY, .key = 1, .reload = RELOAD_LIVE,
	  .help = "daily rollups (default {default}); monthly interface\n"
		  "totals are always kept" },
	{ .kind = CLI_TEXT, .column = 25,
	  .help = "  Rows leave a level only once the next coarser level holds them.\n" },
	{ .name = "verbose", .short_name = 'v', .kind = CLI_COUNT, .offset = AT(verbose), .key = 1,
	  .help = "debug messages, including libbpf's" },
	{ .name = "config", .short_name = 'c', .arg = "PATH", .kind = CLI_PATH,
	  .offset = AT(config_path), .def_path = CLI_DEFAULT_CONFIG,
	  .help = "read options from PATH (default {default},\n"
		  "where a missing file means the defaults); every\n"
		  "long option above but --read, --force-import,\n"
		  "--detach, --status, --live and --numeric is a key\n"
		  "there (interval = 10); options on the command line\n"
		  "win over the file" },
	{ .name = "check-config", .kind = CLI_FLAG, .offset = AT(check_config),
	  .help = "check the configuration file and the options,\n"
		  "then exit (0: valid)" },
	{ .name = "help", .short_name = 'h', .kind = CLI_ACTION, .offset = AT(action),
	  .min = CLI_HELP, .help = "show this help and exit" },
	{ .name = "version", .kind = CLI_ACTION, .offset = AT(action), .min = CLI_VERSION,
	  .help = "show the version and exit" },
	/* clang-format on */
};

const int cli_n_options = sizeof(cli_options) / sizeof(cli_options[0]);

_Static_assert(sizeof(cli_options) / sizeof(cli_options[0]) <= 64,
	       "argv_opts and given have 64 bits");

const struct cli_option *cli_option_find(const char *name)
{
	for (int i = 0; i < cli_n_options; i++)
		if (cli_options[i].name && !strcmp(cli_options[i].name, name))
			return &cli_options[i];
	return NULL;
}

int cli_given(const struct cli_config *cfg, const char *name)
{
	const struct cli_option *o = cli_option_find(name);

	return o && (cfg->given >> (o - cli_options) & 1);
}

/* A {name} of an option's help text, printed; returns 0 or -ENOENT. */
static int help_value(FILE *out, const struct cli_option *o, const char *name, size_t n)
{
	unsigned long long v4 = netmon_table_bytes(NETMON_DEFAULT_MAX_FLOWS, NETMON_FAMILY_V4);
	unsigned long long v6 = netmon_table_bytes(NETMON_DEFAULT_MAX_FLOWS, NETMON_FAMILY_V6);

	if (n == 7 && !strncmp(name, "default", n) && o->def_path)
		fputs(o->def_path, out);
	else if (n == 7 && !strncmp(name, "default", n))
		fprintf(out, "%lu", o->def);
	else if (n == 3 && !strncmp(name, "min", n))
		fprintf(out, "%lu", o->min);
	else if (n == 3 && !strncmp(name, "max", n))
		fprintf(out, "%lu", o->max);
	else if (n == 6 && !strncmp(name, "v4_mib", n))
		fprintf(out, "%.1f", v4 / 1048576.0);
	else if (n == 6 && !strncmp(name, "v6_mib", n))
		fprintf(out, "%.1f", v6 / 1048576.0);
	else
		return -ENOENT;
	return 0;
}

/* An option's help text, each line after the first indented to column. */
static void help_text(FILE *out, const struct cli_option *o, int column)
{
	for (const char *p = o->help; *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;

		if (end && !help_value(out, o, p + 1, end - p - 1)) {
			p = end;
			continue;
		}
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", column, "");
	}
	fputc('\n', out);
}

/* "  -i, --interface IFACE" then the help text at column (two spaces at least). */
static void help_option(FILE *out, const struct cli_option *o, int column)
{
	int len;

	if (o->short_name)
		len = fprintf(out, "  -%c, --%s", o->short_name, o->name);
	else
		len = fprintf(out, "      --%s", o->name);
	if (o->arg)
		len += fprintf(out, " %s", o->arg);
	fprintf(out, "%*s", len + 2 <= column ? column - len : 2, "");
	help_text(out, o, column);
}

void cli_usage(FILE *out)
{
	int column = 25;

	fputs("Usage: netmon-record [OPTION]...\n"
	      "Record per-flow and per-interface traffic with eBPF into a SQLite database.\n"
	      "\n",
	      out);
	for (int i = 0; i < cli_n_options; i++) {
		const struct cli_option *o = &cli_options[i];

		if (o->kind != CLI_TEXT) {
			help_option(out, o, column);
			continue;
		}
		fprintf(out, "%s\n", o->help);
		column = o->column;
	}
	fputs("\n"
	      "The TC programs are tcx links where the kernel has them (6.6 and later),\n"
	      "else clsact filters. On SIGTERM or SIGINT the last partial interval is\n"
	      "written and every program netmon attached is removed (unless\n"
	      "--keep-attached). A crashed recorder's programs, their links pinned,\n"
	      "go on counting into maps pinned in /sys/fs/bpf/netmon/IFACES; the\n"
	      "next start on the same interfaces adopts them and writes every packet once.\n"
	      "On SIGHUP the configuration file is read again:\n"
	      "the current interval is written and a new --interval applies from then on,\n"
	      "retention, anomaly thresholds and the IPFIX collectors apply at once,\n"
	      "--include and --exclude from the next interval on; other\n"
	      "changed options are logged as needing a restart and keep their value.\n"
	      "Once attached, the recorder keeps only the capabilities it still needs.\n"
	      "A start that finds the pins of another netmon BPF ABI (an upgrade) replaces\n"
	      "them and records what they counted and it could not read as a gap (gap_log).\n"
	      "Exit status: 0 ok, 1 runtime failure, 64 usage or configuration error;\n"
	      "--status: 0 recording, 3 not recording.\n"
	      "\n"
	      "Anomaly thresholds (NAME, default, unit; docs/anomalies.md says why):\n",
	      out);
	anomaly_settings_usage(out);
}

static int parse_num(const struct cli_option *o, const char *val, unsigned int *out)
{
	unsigned long v;

	if (parse_uint_range(val, o->min, o->max, &v)) {
		pr_err("invalid --%s '%s': expected a whole number from %lu to %lu", o->name, val,
		       o->min, o->max);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int parse_pow2(const struct cli_option *o, const char *val, unsigned int *out)
{
	unsigned int v;

	if (parse_num(o, val, &v))
		return -EINVAL;
	if (v & (v - 1)) {
		pr_err("invalid --%s '%s': expected a power of 2 (%lu, %lu, ... %lu)", o->name, val,
		       o->min, o->min * 2, o->max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_choice(const struct cli_option *o, const char *val, int *out)
{
	char expected[128] = "";
	int i;

	for (i = 0; o->choices[i]; i++)
		if (!strcmp(val, o->choices[i])) {
			*out = i;
			return 0;
		}
	for (i = 0; o->choices[i]; i++) { /* "a, b or c" */
		size_t len = strlen(expected);

		snprintf(expected + len, sizeof(expected) - len, "%s%s",
			 !i		     ? ""
			 : o->choices[i + 1] ? ", "
					     : " or ",
			 o->choices[i]);
	}
	pr_err("invalid --%s '%s': expected %s", o->name, val, expected);
	return -EINVAL;
}

/* value once more in list[0..*n) of max: named twice, it is there once. */
static int add_unique(const char **list, int *n, int max, const char *value, const char *what)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(list[i], value))
			return 0;
	if (*n == max) {
		pr_err("too many %s (at most %d)", what, max);
		return -EINVAL;
	}
	list[(*n)++] = value;
	return 0;
}

static int add_iface(struct cli_config *cfg, const char *name)
{
	if (!*name || strlen(name) >= IF_NAMESIZE) {
		pr_err("invalid interface name '%s'", name);
		return -EINVAL;
	}
	return add_unique(cfg->ifaces, &cfg->n_ifaces, CLI_MAX_IFACES, name, "interfaces");
}

/* One more --ipfix collector: checked (and its host resolved) now. */
static int add_collector(struct cli_config *cfg, const char *value)
{
	struct collector c;

	if (collector_parse(value, &c))
		return -EINVAL;
	return add_unique(cfg->ipfix, &cfg->n_ipfix, COLLECTOR_MAX, value, "--ipfix collectors");
}

/* An address to listen on, checked now (bound only when recording starts). */
static int parse_listen(const struct cli_option *o, const char *val, const char **out)
{
	struct sockaddr_storage sa;
	socklen_t len;

	if (metrics_listen_parse(val, &sa, &len)) {
		pr_err("invalid --%s '%s': expected PORT, IPV4:PORT or [IPV6]:PORT (numeric "
		       "address, port 1 to 65535)",
		       o->name, val);
		return -EINVAL;
	}
	*out = val;
	return 0;
}

/* Option o with value arg (NULL for one that takes none) into cfg. */
static int parse_one(struct cli_config *cfg, const struct cli_option *o, const char *arg)
{
	void *at = (char *)cfg + o->offset;

	cfg->given |= 1ull << (o - cli_options);
	switch (o->kind) {
	case CLI_UINT:
		return parse_num(o, arg, at);
	case CLI_POW2:
		return parse_pow2(o, arg, at);
	case CLI_PATH:
		if (!*arg) {
			pr_err("invalid --%s: empty path", o->name);
			return -EINVAL;
		}
		*(const char **)at = arg;
		return 0;
	case CLI_CHOICE:
		return parse_choice(o, arg, at);
	case CLI_IFACE:
		return add_iface(cfg, arg);
	case CLI_COLLECTOR:
		return add_collector(cfg, arg);
	case CLI_FILTER:
		return filter_list_add(at, o->name, arg);
	case CLI_LISTEN:
		return parse_listen(o, arg, at);
	case CLI_THRESHOLD:
		return anomaly_settings_parse(at, arg);
	case CLI_FLAG:
		*(int *)at = 1;
		return 0;
	case CLI_COUNT:
		++*(int *)at;
		return 0;
	case CLI_ACTION:
		*(enum cli_action *)at = (enum cli_action)o->min;
		return 0;
	case CLI_TEXT:
		break;
	}
	return -EINVAL;
}

/* Every option at its default. */
static void set_defaults(struct cli_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->action = CLI_RECORD;
	for (const struct cli_option *o = cli_options; o < cli_options + cli_n_options; o++) {
		void *at = (char *)cfg + o->offset;

		if (o->kind == CLI_UINT || o->kind == CLI_POW2)
			*(unsigned int *)at = (unsigned int)o->def;
		else if (o->kind == CLI_PATH)
			*(const char **)at = o->def_path;
		else if (o->kind == CLI_THRESHOLD)
			anomaly_settings_init(at);
	}
}

int cli_check(const struct cli_config *cfg)
{
	struct filter_table *t = malloc(sizeof(*t));
	int err;

	/* Each rule is checked as it comes; together they must fit the trie. */
	if (!t)
		return -ENOMEM;
	err = filter_compile(&cfg->include, &cfg->exclude, t);
	free(t);
	if (err)
		return err;
	if (cfg->read_path &&
	    (cfg->duration || cfg->hook_xdp || cfg->n_ifaces > 1 || cfg->action == CLI_DETACH)) {
		pr_err("--read takes at most one -i NAME, and no --duration, --hook or --detach");
		return -EINVAL;
	}
	if (cfg->force_import && !cfg->read_path) {
		pr_err("--force-import goes with --read FILE");
		return -EINVAL;
	}
	if (cfg->numeric && !cfg->live) {
		pr_err("--numeric goes with --live (netmon-report has its own)");
		return -EINVAL;
	}
	if (cfg->live && (cfg->read_path || cfg->action == CLI_DETACH)) {
		pr_err("--live shows a recording: not with --read or --detach");
		return -EINVAL;
	}
	if (cfg->action == CLI_STATUS && (cfg->read_path || cfg->live)) {
		pr_err("--status reads what runs: not with --read or --live");
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
	if (cfg->pcap_path && !cli_given(cfg, "sample")) {
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
	const struct cli_option *o = cli_option_find(key);
	struct cli_config scratch = *cfg;
	int on = 1;

	if (!o)
		return -ENOENT;
	if (!o->key)
		return -EPERM;
	if (!o->arg && parse_flag(key, value, &on))
		return -EINVAL;
	/* Given on the command line: that value stays, this one is only checked. */
	if (cfg->argv_opts >> (o - cli_options) & 1)
		cfg = &scratch;
	if (!on)
		return 0; /* "no" for an option without value: its default */
	return parse_one(cfg, o, value) ? -EINVAL : 0;
}

/*
 * getopt_long's options and short options, from cli_options: an option's
 * val is its short name, or 256 + its index in cli_options.
 */
static void getopt_tables(struct option *opts, char *shorts)
{
	int n = 0;

	*shorts++ = ':'; /* a missing value returns ':', told from an unknown option */
	for (int i = 0; i < cli_n_options; i++) {
		const struct cli_option *o = &cli_options[i];

		if (o->kind == CLI_TEXT)
			continue;
		opts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					     NULL, o->short_name ? o->short_name : 256 + i };
		if (!o->short_name)
			continue;
		*shorts++ = o->short_name;
		if (o->arg)
			*shorts++ = ':';
	}
	opts[n] = (struct option){ 0 };
	*shorts = '\0';
}

/* The option getopt_long returned as val. */
static const struct cli_option *opt_of(int val)
{
	if (val >= 256)
		return &cli_options[val - 256];
	for (int i = 0; i < cli_n_options; i++)
		if (cli_options[i].short_name == val)
			return &cli_options[i];
	return NULL; /* never: getopt_long returns only the values it was given */
}

int cli_parse(int argc, char **argv, struct cli_config *cfg, FILE *out)
{
	struct option opts[sizeof(cli_options) / sizeof(cli_options[0]) + 1];
	char shorts[2 * sizeof(cli_options) / sizeof(cli_options[0]) + 2];
	int opt, err;

	set_defaults(cfg);
	getopt_tables(opts, shorts);
	optind = 1; /* parse may run more than once (tests, SIGHUP) */
	opterr = 0; /* its messages lack our "error:" form: getopt_error says them */
	for (;;) {
		const struct cli_option *o;
		int before = optind;

		opt = getopt_long(argc, argv, shorts, opts, NULL);
		if (opt == -1)
			break;
		o = opt_of(opt);
		if (opt == '?' || opt == ':' || !o) {
			getopt_error(opts, opt, argv, before, " (see --help)");
			return -EINVAL;
		}
		err = parse_one(cfg, o, optarg);
		if (err)
			return err;
		cfg->argv_opts |= 1ull << (o - cli_options);
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
