/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* report_cli.h - netmon-report's command line. */
#ifndef NETMON_REPORT_CLI_H
#define NETMON_REPORT_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "anomaly_rules.h"
#include "collector.h"
#include "render.h"

#define REPORT_DEFAULT_LIMIT 10
#define REPORT_MAX_LIMIT 1000000

enum report_command {
	REPORT_SUMMARY,
	REPORT_TOP_HOSTS,
	REPORT_TOP_FLOWS,
	REPORT_TOP_PORTS,
	REPORT_TOP_PROCESSES,
	REPORT_TOP_INTERFACES,
	REPORT_TOP_PROTOCOLS,
	REPORT_TOP_APPS,
	REPORT_TREND,
	REPORT_ANOMALIES,
	REPORT_EXPORT, /* re-send a window to IPFIX collectors (report_export.h) */
	REPORT_TOP_SERVICES,
	REPORT_TOP_USERS,
};

/* trend --by: what a series is (reports/trend_BY.sql), or one series of all. */
enum report_by { REPORT_BY_NONE, REPORT_BY_INTERFACE, REPORT_BY_PROTOCOL, REPORT_BY_HOST };

#define REPORT_DEFAULT_BUCKET 3600

/*
 * --time-limit: a report's whole run, in seconds. Ten minutes: the anomaly
 * rules judging a busy week take some 25 CPU-seconds on the 2-core VM
 * (bench/RESULTS.md), while a crafted view that never ends (a recursive
 * CTE) must not hang the daily timer.
 */
#define REPORT_DEFAULT_TIME_LIMIT 600

/* --jobs: at most this many connections at once. */
#define REPORT_MAX_JOBS 64

struct report_opts {
	const char *db_path;
	int verbose; /* number of -v */
	enum report_command command;
	enum fmt_format format;
	long long limit;      /* rows of the top commands */
	long long pid;	      /* --pid: top processes of this pid only, or -1 */
	const char *comm;     /* --comm: top processes of this name only, or NULL */
	int64_t since, until; /* window [since, until) of ts_start */
	int64_t bucket;	      /* trend --bucket: seconds; 86400 is a local calendar day */
	enum report_by by;    /* trend --by */
	int help, version;    /* print this and exit 0, before anything else */
	int alert;	      /* anomalies --alert: exit 2 when there are any */
	int64_t time_limit;   /* --time-limit: seconds the queries may run in all */
	int jobs; /* --jobs: anomalies' parts at once (given none, report_cli_parse()
		   * makes it one a CPU); 0 or 1: one statement */
	struct anomaly_settings thresholds; /* --threshold NAME=VALUE */
	/* export: --ipfix HOST:PORT (checked and resolved), --ipfix-mtu,
	 * --ipfix-domain, --ipfix-rate, as netmon-record takes them */
	const char *ipfix[COLLECTOR_MAX];
	int n_ipfix;
	unsigned long ipfix_mtu, ipfix_domain, ipfix_rate;
	int numeric;			    /* --numeric: addresses without their host names */
	const char *service; /* --service: top processes of this service only, or NULL */
	const char *user;    /* --user: top processes of this user only, or NULL */
};

/* --format: "table", "csv", "json" or "html"; -EINVAL for anything else. */
int fmt_format_parse(const char *s, enum fmt_format *out);

/*
 * Parse argv into o. Options may come before or after the command words.
 * Returns 0, or -EINVAL after logging one line that names the bad value.
 * now is what "now" means in --since/--until, --last and --day.
 */
int report_cli_parse(struct report_opts *o, int argc, char **argv, time_t now);
void report_cli_usage(FILE *fp);

/* The command's words as typed ("summary", "top hosts"), into buf. */
void report_cli_command_name(enum report_command command, char *buf, size_t len);

#endif
