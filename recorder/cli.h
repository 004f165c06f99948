/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cli.h - netmon-record's command line. */
#ifndef NETMON_CLI_H
#define NETMON_CLI_H

#include <stdio.h>

#define CLI_MAX_IFACES 64
#define CLI_DEFAULT_INTERVAL 60
#define CLI_MAX_INTERVAL 3600 /* keeps the 32-bit SYN/FIN/RST counts from wrapping */

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
	int no_process;          /* --no-process: no per-process accounting */
	int verbose;             /* -v: debug messages and libbpf's log */
};

/*
 * Parse argv into cfg (defaults first). Usage errors print one line on
 * stderr and return -EINVAL (exit EXIT_USAGE); --help and --version print
 * on out and set cfg->action.
 */
int cli_parse(int argc, char **argv, struct cli_config *cfg, FILE *out);
void cli_usage(FILE *out);

#endif
