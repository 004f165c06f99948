/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cli.h - netmon-record's command line. */
#ifndef NETMON_CLI_H
#define NETMON_CLI_H

#include <stdio.h>
#include "store/retention.h"
#include "anomaly_rules.h"

#define CLI_MAX_IFACES 64
#define CLI_DEFAULT_INTERVAL 60
#define CLI_MAX_INTERVAL 3600 /* keeps the 32-bit SYN/FIN/RST counts from wrapping */
#define CLI_MAX_KEEP_DAYS 36500
#define CLI_MAX_SAMPLE 1000000
#define CLI_MIN_SNAPLEN 14 /* the Ethernet header */
#define CLI_DEFAULT_PCAP_FILES 10
#define CLI_MAX_PCAP_FILES 1000
#define CLI_DEFAULT_SAMPLE_RING_KB 1024
#define CLI_DEFAULT_CONFIG "/etc/netmon/netmon.conf"

/* Exit statuses (sysexits.h's EX_USAGE for usage errors). */
#define EXIT_USAGE 64

enum cli_action {
	CLI_RECORD,  /* the normal run */
	CLI_DETACH,  /* remove netmon filters left behind, then exit */
	CLI_HELP,    /* usage printed: exit 0 */
	CLI_VERSION, /* version printed: exit 0 */
};

struct cli_config {
	enum cli_action action;
	const char *ifaces[CLI_MAX_IFACES]; /* empty: every up Ethernet interface */
	int n_ifaces;
	const char *db_path;
	unsigned int interval;   /* seconds, 1..CLI_MAX_INTERVAL */
	unsigned int duration;   /* seconds; 0: until SIGTERM/SIGINT */
	unsigned int max_flows;  /* IPv4 flows per interval the kernel holds */
	unsigned int max_flows6; /* IPv6 flows; 0: as max_flows */
	int hook_xdp;            /* --hook xdp: XDP counts ingress, TC egress */
	const char *read_path;   /* --read FILE: import a capture, attach nothing */
	int force_import;        /* --force-import: even over traffic already stored */
	int no_process;          /* --no-process: no per-process accounting */
	int keep_attached;       /* --keep-attached: SIGTERM leaves programs and pins */
	int verbose;             /* -v: debug messages and libbpf's log */
	struct retention keep;   /* --keep-*: days per level, 0 forever */
	const char *config_path; /* --config, else CLI_DEFAULT_CONFIG */
	int config_given;        /* --config: a missing file is an error */
	int check_config;        /* --check-config: validate, then exit */
	int live;                /* --live: draw every second's traffic (live.h) */
	unsigned long long argv_opts; /* bit i: long_opts[i] was on the command line */
	struct anomaly_settings thresholds; /* --threshold NAME=VALUE */
	unsigned int sample;       /* --sample N: 1 in N packets to --pcap; 0 off */
	int sample_given;          /* --sample was given (0 included) */
	const char *pcap_path;     /* --pcap FILE */
	unsigned int snaplen;      /* --snaplen BYTES per sampled packet */
	unsigned int pcap_size_mb; /* --pcap-size MB: rotate at this size; 0 never */
	unsigned int pcap_files;   /* --pcap-files K: files kept when rotating */
	unsigned int sample_ring_kb; /* --sample-ring KiB: the kernel's ring buffer */
};

/*
 * Parse argv into cfg (defaults first). Usage errors print one line on
 * stderr and return -EINVAL (exit EXIT_USAGE); --help and --version print
 * on out and set cfg->action.
 */
int cli_parse(int argc, char **argv, struct cli_config *cfg, FILE *out);
void cli_usage(FILE *out);

/*
 * Set the option of long name key from a configuration file (config.c).
 * Options given on the command line win: their value is only checked.
 * Returns 0, -ENOENT (no such option), -EPERM (command line only) or
 * -EINVAL (bad value, logged).
 */
int cli_set_option(struct cli_config *cfg, const char *key, const char *value);
/* Options that cannot go together; logs and returns -EINVAL. */
int cli_check(const struct cli_config *cfg);
/*
 * Options that need another (--sample needs --pcap), once the command line
 * and the configuration file are both read; logs and returns -EINVAL.
 */
int cli_check_complete(const struct cli_config *cfg);

#endif
