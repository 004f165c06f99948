// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_cli.c - netmon-report's command line.
 *
 * getopt_long() with a leading '-' in the option string hands the command
 * words over in order, so "--db x top hosts" and "top hosts --db x" both
 * work, also with POSIXLY_CORRECT set. Every value is checked here, before
 * any file is opened: a usage error never depends on the database.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <string.h>
#include "db.h"
#include "getopt_error.h"
#include "ipfix.h"
#include "ipfix_send.h"
#include "log.h"
#include "numparse.h"
#include "report_cli.h"
#include "report_window.h"

enum {
	OPT_DB = 256,
	OPT_LIMIT,
	OPT_PID,
	OPT_COMM,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_LAST,
	OPT_DAY,
	OPT_FORMAT,
	OPT_VERSION,
	OPT_BUCKET,
	OPT_BY,
	OPT_ALERT,
	OPT_THRESHOLD,
	OPT_TIME_LIMIT,
	OPT_IPFIX,
	OPT_IPFIX_MTU,
	OPT_IPFIX_DOMAIN,
	OPT_IPFIX_RATE,
	OPT_NUMERIC,
	OPT_SERVICE,
	OPT_USER,
	OPT_JOBS,
};

static const struct option long_opts[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"pid", required_argument, NULL, OPT_PID},
	{"comm", required_argument, NULL, OPT_COMM},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"last", required_argument, NULL, OPT_LAST},
	{"day", required_argument, NULL, OPT_DAY},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"bucket", required_argument, NULL, OPT_BUCKET},
	{"by", required_argument, NULL, OPT_BY},
	{"alert", no_argument, NULL, OPT_ALERT},
	{"threshold", required_argument, NULL, OPT_THRESHOLD},
	{"time-limit", required_argument, NULL, OPT_TIME_LIMIT},
	{"ipfix", required_argument, NULL, OPT_IPFIX},
	{"ipfix-mtu", required_argument, NULL, OPT_IPFIX_MTU},
	{"ipfix-domain", required_argument, NULL, OPT_IPFIX_DOMAIN},
	{"ipfix-rate", required_argument, NULL, OPT_IPFIX_RATE},
	{"numeric", no_argument, NULL, OPT_NUMERIC},
	{"service", required_argument, NULL, OPT_SERVICE},
	{"user", required_argument, NULL, OPT_USER},
	{"jobs", required_argument, NULL, OPT_JOBS},
	{NULL, 0, NULL, 0},
};

static const struct {
	const char *word, *subword; /* subword NULL: a one-word command */
	enum report_command command;
} commands[] = {
	{"summary", NULL, REPORT_SUMMARY},
	{"top", "hosts", REPORT_TOP_HOSTS},
	{"top", "flows", REPORT_TOP_FLOWS},
	{"top", "ports", REPORT_TOP_PORTS},
	{"top", "processes", REPORT_TOP_PROCESSES},
	{"top", "interfaces", REPORT_TOP_INTERFACES},
	{"top", "protocols", REPORT_TOP_PROTOCOLS},
	{"top", "apps", REPORT_TOP_APPS},
	{"trend", NULL, REPORT_TREND},
	{"anomalies", NULL, REPORT_ANOMALIES},
	{"export", NULL, REPORT_EXPORT},
	{"top", "services", REPORT_TOP_SERVICES},
	{"top", "users", REPORT_TOP_USERS},
};

void report_cli_command_name(enum report_command command, char *buf, size_t len)
{
	snprintf(buf, len, "?");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].command == command)
			snprintf(buf, len, "%s%s%s", commands[i].word,
				 commands[i].subword ? " " : "",
				 commands[i].subword ? commands[i].subword : "");
}

#define RANKINGS "hosts, flows, ports, apps, processes, services, users, interfaces, protocols"
#define COMMAND_LIST "summary, trend, top " RANKINGS ", anomalies, export"

/* The window options as given; checked and parsed once all are seen. */
struct window_args {
	const char *since, *until, *last, *day;
	const char *bucket, *by; /* trend only */
	const char *ipfix_opt;	 /* export only: the first --ipfix* option given */
	unsigned long long given; /* bit opt - OPT_DB of each long option given */
};

void report_cli_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: netmon-report [--db PATH] [-v] COMMAND [OPTIONS]\n"
		"\n"
		"Report on the traffic netmon-record has stored.\n"
		"\n"
		"Commands:\n"
		"  summary          totals per interface, direction and protocol, in and out\n"
		"                   per interface, collector health when packets (or process\n"
		"                   bytes) were missed, the top hosts (with names), processes,\n"
		"                   services and users and the window's anomalies\n"
		"  top hosts        addresses by bytes sent plus received, with the name each\n"
		"                   had then (DNS answers, TLS server names; --numeric: none)\n"
		"  top flows        flows (interface, direction, protocol, addresses, ports)\n"
		"                   by bytes, with the names of both addresses\n"
		"  top ports        TCP and UDP server ports by bytes, in and out, with their\n"
		"                   application and the number of distinct remote peers (a\n"
		"                   flow counts for the port its connection's SYN went to,\n"
		"                   else its named, else its lower port; not the client's)\n"
		"  top apps         applications (named server ports, app_ports table) by bytes\n"
		"  top processes    processes by bytes through their sockets: sent, received,\n"
		"                   total, and the first and last interval they were seen in;\n"
		"                   host-wide (all sockets, loopback included, whatever -i\n"
		"                   recorded)\n"
		"  top services     services (systemd unit, container, login session) by the\n"
		"                   bytes through their processes' sockets: sent, received,\n"
		"                   total, calls\n"
		"  top users        users (name and uid) by the bytes through their\n"
		"                   processes' sockets: sent, received, total, calls\n"
		"  top interfaces   interfaces by bytes received plus sent\n"
		"  top protocols    IP protocols per family by bytes, with their share of all\n"
		"                   bytes in percent\n"
		"  trend            bytes and packets in and out per time bucket, with a chart;\n"
		"                   a bucket no recorder covered is a gap, not a zero\n"
		"                   [--bucket 5m|1h|1d] [--by interface|protocol|host]\n"
		"  anomalies        what the anomaly rules found: the hits netmon-record stored\n"
		"                   and the rules evaluated over the window (summary lists them\n"
		"                   too)\n"
		"  export           re-send the window's flow and process rows to IPFIX\n"
		"                   collectors, as netmon-record --ipfix sent them (for a\n"
		"                   collector that was down; docs/ipfix.md); --ipfix HOST:PORT\n"
		"                   (repeatable, [IPV6ADDRESS]:PORT) [--ipfix-mtu BYTES]\n"
		"                   [--ipfix-domain ID] [--ipfix-rate N] as for netmon-record;\n"
		"                   the recorder's export watermark is left as it is\n"
		"\n"
		"Options (before or after the command):\n"
		"  --db PATH      database to read (default %s)\n"
		"  --since T      intervals that start at T or later (default: all of history)\n"
		"  --until T      intervals that start before T (default: all of history)\n"
		"  --last D       from D before now to now: 90s, 30m, 24h, 7d or 2w\n"
		"  --day DAY      one local calendar day, midnight to midnight:\n"
		"                 today, yesterday or YYYY-MM-DD\n"
		"  --limit N      rows of a top command and of summary's rankings, series of\n"
		"                 trend --by; 1 to %d (default %d)\n"
		"  --pid N        top processes: only this process id\n"
		"  --comm NAME    top processes: only processes of this name\n"
		"  --service NAME top processes: only processes of this service (as top\n"
		"                 services names it; read from raw process rows)\n"
		"  --user NAME    top processes: only processes of this user (its name, or\n"
		"                 the uid where no name is known; read from raw process rows)\n"
		"  --numeric      addresses without host names (top hosts, top flows,\n"
		"                 summary): no name is looked up\n"
		"  --format FMT   table, csv, json or html (default table)\n"
		"  --bucket B     trend: 5m, 1h or 1d (a local calendar day; default 1h)\n"
		"  --by WHAT      trend: one series per interface, protocol or host (the\n"
		"                 --limit busiest; default: one series of all traffic)\n"
		"  --alert        anomalies: exit 2 when the window has anomalies, 0 when not\n"
		"  --threshold NAME=VALUE  an anomaly rule's threshold (repeatable; below)\n"
		"  --jobs N       anomalies: run the rules N at once, each on a connection of\n"
		"                 its own, 1 to %d (default: one a CPU this process may use;\n"
		"                 1: as one statement)\n"
		"  --time-limit D  the queries' time in all, a duration as for --last (default\n"
		"                  10m); past it the running query is stopped, exit 1\n"
		"  -v, --verbose  more messages on stderr; -vv also shows each query run\n"
		"  -h, --help     show this help\n"
		"  --version      show the version\n"
		"\n"
		"T is unix seconds (1700000000 or @1700000000), YYYY-MM-DD,\n"
		"\"YYYY-MM-DD HH:MM[:SS]\" or YYYY-MM-DDTHH:MM[:SS] in local time, or now.\n"
		"--last, --day and --since/--until are three ways to give the window: use one.\n"
		"\n"
		"Exit status: 0 ok, 1 runtime failure, 64 usage error; with --alert, 2 when\n"
		"there are anomalies.\n"
		"\n"
		"Anomaly thresholds (NAME, default, unit; docs/anomalies.md says why):\n",
		NETMON_DEFAULT_DB, REPORT_MAX_LIMIT, REPORT_DEFAULT_LIMIT, REPORT_MAX_JOBS);
	anomaly_settings_usage(fp);
}

int fmt_format_parse(const char *s, enum fmt_format *out)
{
	static const char *const names[] = {
		[FMT_TABLE] = "table", [FMT_CSV] = "csv", [FMT_JSON] = "json", [FMT_HTML] = "html"
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum fmt_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_limit(const char *s, long long *out)
{
	unsigned long v;

	if (parse_uint_range(s, 1, REPORT_MAX_LIMIT, &v)) {
		pr_err("--limit: '%s' is not a number from 1 to %d", s, REPORT_MAX_LIMIT);
		return -EINVAL;
	}
	*out = (long long)v;
	return 0;
}

static int parse_time_limit(const char *s, int64_t *out)
{
	int err = window_parse_duration(s, out);

	if (err == -ERANGE)
		pr_err("--time-limit: '%s' is zero or too long", s);
	else if (err)
		pr_err("--time-limit: '%s' is not a duration (a whole number and s, m, h, d or "
		       "w: 90s, 30m, 2h)",
		       s);
	return err ? -EINVAL : 0;
}

static int parse_time(const char *opt, const char *s, time_t now, int64_t *out)
{
	int err = window_parse_time(s, now, out);

	if (err == -ERANGE)
		pr_err("%s: '%s' is not a valid time (out of range, or skipped by a clock change)",
		       opt, s);
	else if (err)
		pr_err("%s: '%s' is not a time (unix seconds, YYYY-MM-DD, "
		       "'YYYY-MM-DD HH:MM[:SS]', YYYY-MM-DDTHH:MM[:SS] or now)",
		       opt, s);
	return err ? -EINVAL : 0;
}

/* One more --ipfix collector, checked and resolved now (one line if not). */
static int add_collector(struct report_opts *o, const char *value)
{
	struct collector c;

	if (collector_parse(value, &c))
		return -EINVAL;
	if (o->n_ipfix == COLLECTOR_MAX) {
		pr_err("--ipfix: at most " COLLECTOR_MAX_STR " collectors");
		return -EINVAL;
	}
	o->ipfix[o->n_ipfix++] = value;
	return 0;
}

/* --ipfix and its settings, the values netmon-record takes. */
static int parse_ipfix_option(struct report_opts *o, int opt, const char *s)
{
	static const struct {
		int opt;
		const char *name;
		unsigned long min, max;
	} ranges[] = {
		{OPT_IPFIX_MTU, "--ipfix-mtu", IPFIX_MIN_MTU, IPFIX_MAX_MTU},
		{OPT_IPFIX_DOMAIN, "--ipfix-domain", 0, 4294967294ul},
		{OPT_IPFIX_RATE, "--ipfix-rate", 0, IPFIX_MAX_RATE},
	};
	unsigned long *out[] = {&o->ipfix_mtu, &o->ipfix_domain, &o->ipfix_rate};

	if (opt == OPT_IPFIX)
		return add_collector(o, s);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i].opt != opt)
			continue;
		if (!parse_uint_range(s, ranges[i].min, ranges[i].max, out[i]))
			return 0;
		pr_err("invalid %s '%s': expected a whole number from %lu to %lu", ranges[i].name,
		       s, ranges[i].min, ranges[i].max);
		return -EINVAL;
	}
	return -EINVAL;
}

/* export needs a collector, and the --ipfix options go with export only. */
static int check_export_options(const struct report_opts *o, const struct window_args *win)
{
	if (win->ipfix_opt && o->command != REPORT_EXPORT) {
		pr_err("--%s is an option of export only", win->ipfix_opt);
		return -EINVAL;
	}
	if (o->command == REPORT_EXPORT && !o->n_ipfix) {
		pr_err("export: say where to with --ipfix HOST:PORT");
		return -EINVAL;
	}
	return 0;
}

#define CMD(c) (1u << (c))
#define TOP_COMMANDS                                                                            \
	(CMD(REPORT_TOP_HOSTS) | CMD(REPORT_TOP_FLOWS) | CMD(REPORT_TOP_PORTS) |                 \
	 CMD(REPORT_TOP_PROCESSES) | CMD(REPORT_TOP_INTERFACES) | CMD(REPORT_TOP_PROTOCOLS) |    \
	 CMD(REPORT_TOP_APPS) | CMD(REPORT_TOP_SERVICES) | CMD(REPORT_TOP_USERS))
#define ALL_COMMANDS (TOP_COMMANDS | CMD(REPORT_SUMMARY) | CMD(REPORT_TREND) |                  \
		      CMD(REPORT_ANOMALIES) | CMD(REPORT_EXPORT))

/*
 * Options that mean something to some commands only. Given to another, an
 * error, not an option silently ignored (top hosts --pid ranked every
 * host) or half applied (summary --pid filtered its processes, not its
 * services and users).
 */
static const struct {
	int opt;
	const char *name;
	unsigned int commands;
	const char *which;
} scoped[] = {
	{ OPT_LIMIT, "--limit", TOP_COMMANDS | CMD(REPORT_SUMMARY) | CMD(REPORT_TREND),
	  "the top commands, summary and trend only" },
	{ OPT_PID, "--pid", CMD(REPORT_TOP_PROCESSES), "top processes only" },
	{ OPT_COMM, "--comm", CMD(REPORT_TOP_PROCESSES), "top processes only" },
	{ OPT_SERVICE, "--service", CMD(REPORT_TOP_PROCESSES), "top processes only" },
	{ OPT_USER, "--user", CMD(REPORT_TOP_PROCESSES), "top processes only" },
	{ OPT_NUMERIC, "--numeric", CMD(REPORT_TOP_HOSTS) | CMD(REPORT_TOP_FLOWS) | CMD(REPORT_SUMMARY),
	  "top hosts, top flows and summary only" },
	{ OPT_THRESHOLD, "--threshold", CMD(REPORT_ANOMALIES), "the anomalies command only" },
	{ OPT_ALERT, "--alert", CMD(REPORT_ANOMALIES), "the anomalies command only" },
	{ OPT_JOBS, "--jobs", CMD(REPORT_ANOMALIES), "the anomalies command only" },
	{ OPT_FORMAT, "--format", ALL_COMMANDS & ~CMD(REPORT_EXPORT), "the reports, not export (it sends IPFIX)" },
};

_Static_assert(OPT_JOBS - OPT_DB < 64, "an option's bit in window_args.given");

static int check_scoped_options(const struct report_opts *o, const struct window_args *win)
{
	for (size_t i = 0; i < sizeof(scoped) / sizeof(scoped[0]); i++) {
		if (!(win->given & (1ull << (scoped[i].opt - OPT_DB))) ||
		    (scoped[i].commands & CMD(o->command)))
			continue;
		pr_err("%s goes with %s", scoped[i].name, scoped[i].which);
		return -EINVAL;
	}
	return 0;
}

/* --service NAME, --user NAME: a name as stored (compared exactly). */
static int parse_name_filter(struct report_opts *o, int opt, const char *s)
{
	const char *what = opt == OPT_SERVICE ? "--service" : "--user";

	if (!*s || strlen(s) > 4096) {
		pr_err("%s: '%s' is not a name (1 to 4096 bytes)", what, s);
		return -EINVAL;
	}
	*(opt == OPT_SERVICE ? &o->service : &o->user) = s;
	return 0;
}

/* The command named by the words outside options. */
static int parse_command(struct report_opts *o, const char **words, int n)
{
	if (n == 0) {
		pr_err("no command given (" COMMAND_LIST "); see --help");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(words[0], commands[i].word))
			continue;
		if (!commands[i].subword && n == 1) {
			o->command = commands[i].command;
			return 0;
		}
		if (commands[i].subword && n == 2 && !strcmp(words[1], commands[i].subword)) {
			o->command = commands[i].command;
			return 0;
		}
	}
	if (n == 1 && !strcmp(words[0], "top"))
		pr_err("top: say what to rank (" RANKINGS ")");
	else if (n >= 2 && !strcmp(words[0], "top"))
		pr_err("top: unknown ranking '%s' (" RANKINGS ")", words[1]);
	else if (n >= 2 && (!strcmp(words[0], "summary") || !strcmp(words[0], "trend") ||
			    !strcmp(words[0], "anomalies") || !strcmp(words[0], "export")))
		pr_err("%s: unexpected argument '%s'", words[0], words[1]);
	else
		pr_err("unknown command '%s' (" COMMAND_LIST ")", words[0]);
	return -EINVAL;
}

/* optind before the getopt_long() call whose option is being parsed. */
static int optind_before;

/* --jobs by default: the CPUs this process may run on (taskset, a cgroup's
 * cpuset), at least 1. */
static int cpus_allowed(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > REPORT_MAX_JOBS ? REPORT_MAX_JOBS : n;
}

/* One option from getopt_long(); *word collects a command word. */
static int parse_option(struct report_opts *o, int opt, char **argv, const char **word,
			struct window_args *win)
{
	switch (opt) {
	case 1:
		*word = optarg;
		return 0;
	case OPT_DB:
		o->db_path = optarg;
		if (!*optarg)
			pr_err("--db: the path is empty");
		return *optarg ? 0 : -EINVAL;
	case OPT_LIMIT:
		return parse_limit(optarg, &o->limit);
	case OPT_PID: {
		unsigned long v;

		if (parse_uint_range(optarg, 1, 4194304, &v)) {
			pr_err("--pid: '%s' is not a process id (1 to 4194304)", optarg);
			return -EINVAL;
		}
		o->pid = (long long)v;
		return 0;
	}
	case OPT_COMM:
		if (!*optarg || strlen(optarg) > 15) {
			pr_err("--comm: '%s' is not a process name (1 to 15 bytes, as the kernel "
			       "keeps them)",
			       optarg);
			return -EINVAL;
		}
		o->comm = optarg;
		return 0;
	case OPT_SINCE:
		win->since = optarg;
		return 0;
	case OPT_UNTIL:
		win->until = optarg;
		return 0;
	case OPT_LAST:
		win->last = optarg;
		return 0;
	case OPT_DAY:
		win->day = optarg;
		return 0;
	case OPT_BUCKET:
		win->bucket = optarg;
		return 0;
	case OPT_BY:
		win->by = optarg;
		return 0;
	case OPT_FORMAT:
		if (!fmt_format_parse(optarg, &o->format))
			return 0;
		pr_err("--format: '%s' is not one of table, csv, json, html", optarg);
		return -EINVAL;
	case 'v':
		o->verbose++;
		return 0;
	case 'h':
		o->help = 1;
		return 0;
	case OPT_VERSION:
		o->version = 1;
		return 0;
	case OPT_ALERT:
		o->alert = 1;
		return 0;
	case OPT_THRESHOLD:
		return anomaly_settings_parse(&o->thresholds, optarg);
	case OPT_TIME_LIMIT:
		return parse_time_limit(optarg, &o->time_limit);
	case OPT_JOBS: {
		unsigned long v;

		if (parse_uint_range(optarg, 1, REPORT_MAX_JOBS, &v)) {
			pr_err("--jobs: '%s' is not a number of jobs (1 to %d)", optarg,
			       REPORT_MAX_JOBS);
			return -EINVAL;
		}
		o->jobs = (int)v;
		return 0;
	}
	case OPT_IPFIX:
	case OPT_IPFIX_MTU:
	case OPT_IPFIX_DOMAIN:
	case OPT_IPFIX_RATE:
		for (size_t i = 0; !win->ipfix_opt && long_opts[i].name; i++)
			if (long_opts[i].val == opt)
				win->ipfix_opt = long_opts[i].name;
		return parse_ipfix_option(o, opt, optarg);
	case OPT_NUMERIC:
		o->numeric = 1;
		return 0;
	case OPT_SERVICE:
	case OPT_USER:
		return parse_name_filter(o, opt, optarg);
	}
	getopt_error(long_opts, opt, argv, optind_before, "");
	return -EINVAL;
}

/*
 * --last, --day and --since/--until each say the whole window; two of them
 * together would have to override one another silently, so refuse it.
 */
static int check_window_clash(const struct window_args *win)
{
	const char *first = NULL, *second = NULL;
	const char *given[] = {win->last ? "--last" : NULL, win->day ? "--day" : NULL,
			       win->since ? "--since" : win->until ? "--until" : NULL};

	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		if (!given[i])
			continue;
		if (first) {
			second = given[i];
			break;
		}
		first = given[i];
	}
	if (!second)
		return 0;
	pr_err("%s and %s cannot be used together: give the window one way", first, second);
	return -EINVAL;
}

static int parse_last(struct report_opts *o, const char *s, time_t now)
{
	int64_t d;
	int err = window_parse_duration(s, &d);

	if (err == -ERANGE)
		pr_err("--last: '%s' is zero or too long", s);
	else if (err)
		pr_err("--last: '%s' is not a duration (a whole number and s, m, h, d or w: "
		       "30m, 24h, 7d)",
		       s);
	if (err)
		return -EINVAL;
	o->since = (int64_t)now - d;
	o->until = now;
	return 0;
}

static int parse_day(struct report_opts *o, const char *s, time_t now)
{
	int err = window_parse_day(s, now, &o->since, &o->until);

	if (err == -ERANGE)
		pr_err("--day: '%s' is not a valid day", s);
	else if (err)
		pr_err("--day: '%s' is not a day (today, yesterday or YYYY-MM-DD)", s);
	return err ? -EINVAL : 0;
}

static int parse_window(struct report_opts *o, const struct window_args *win, time_t now)
{
	if (check_window_clash(win))
		return -EINVAL;
	if (win->last)
		return parse_last(o, win->last, now);
	if (win->day)
		return parse_day(o, win->day, now);
	if (win->since && parse_time("--since", win->since, now, &o->since))
		return -EINVAL;
	if (win->until && parse_time("--until", win->until, now, &o->until))
		return -EINVAL;
	if (o->since >= o->until) {
		pr_err("--since '%s' is not before --until '%s': the window is empty",
		       win->since ? win->since : "", win->until ? win->until : "");
		return -EINVAL;
	}
	return 0;
}

/* --bucket and --by: trend only, one of a few words each. */
static int parse_trend_options(struct report_opts *o, const struct window_args *win)
{
	static const struct {
		const char *word;
		int64_t seconds;
	} buckets[] = {{"5m", 300}, {"1h", 3600}, {"1d", 86400}};
	static const char *const bys[] = {[REPORT_BY_INTERFACE] = "interface",
					  [REPORT_BY_PROTOCOL] = "protocol",
					  [REPORT_BY_HOST] = "host"};
	const char *given = win->bucket ? "--bucket" : win->by ? "--by" : NULL;

	if (given && o->command != REPORT_TREND) {
		pr_err("%s is an option of trend only", given);
		return -EINVAL;
	}
	for (size_t i = 0; win->bucket && i < sizeof(buckets) / sizeof(buckets[0]); i++)
		if (!strcmp(win->bucket, buckets[i].word))
			o->bucket = buckets[i].seconds;
	if (win->bucket && o->bucket == 0) {
		pr_err("--bucket: '%s' is not one of 5m, 1h, 1d", win->bucket);
		return -EINVAL;
	}
	if (!o->bucket)
		o->bucket = REPORT_DEFAULT_BUCKET;
	for (size_t i = 1; win->by && i < sizeof(bys) / sizeof(bys[0]); i++)
		if (!strcmp(win->by, bys[i]))
			o->by = (enum report_by)i;
	if (win->by && o->by == REPORT_BY_NONE) {
		pr_err("--by: '%s' is not one of interface, protocol, host", win->by);
		return -EINVAL;
	}
	return 0;
}

int report_cli_parse(struct report_opts *o, int argc, char **argv, time_t now)
{
	struct window_args win = {0};
	const char *words[3];
	int opt, nwords = 0;

	*o = (struct report_opts){.db_path = NETMON_DEFAULT_DB,
				  .format = FMT_TABLE,
				  .limit = REPORT_DEFAULT_LIMIT,
				  .pid = -1,
				  .since = WINDOW_START,
				  .until = WINDOW_END,
				  .time_limit = REPORT_DEFAULT_TIME_LIMIT,
				  .ipfix_mtu = IPFIX_DEFAULT_MTU,
				  .ipfix_domain = IPFIX_DEFAULT_DOMAIN,
				  .ipfix_rate = IPFIX_DEFAULT_RATE};
	anomaly_settings_init(&o->thresholds);
	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also resets its state between calls */
	while ((optind_before = optind,
		opt = getopt_long(argc, argv, "-:vh", long_opts, NULL)) != -1) {
		const char *word = NULL;

		if (parse_option(o, opt, argv, &word, &win))
			return -EINVAL;
		if (opt >= OPT_DB && opt - OPT_DB < 64)
			win.given |= 1ull << (opt - OPT_DB);
		if (word && nwords == 3)
			continue; /* reported below as unexpected */
		if (word)
			words[nwords++] = word;
	}
	/* After "--" everything is a command word. */
	for (; optind < argc && nwords < 3; optind++)
		words[nwords++] = argv[optind];
	if (o->help || o->version)
		return 0;
	if (parse_command(o, words, nwords > 2 ? 2 : nwords))
		return -EINVAL;
	if (nwords > 2) {
		pr_err("unexpected argument '%s'", words[2]);
		return -EINVAL;
	}
	if (parse_trend_options(o, &win) || check_export_options(o, &win))
		return -EINVAL;
	if (check_scoped_options(o, &win))
		return -EINVAL;
	if (o->command == REPORT_ANOMALIES && !o->jobs)
		o->jobs = cpus_allowed();
	return parse_window(o, &win, now);
}
