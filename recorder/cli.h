/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cli.h - netmon-record's command line. */
#ifndef NETMON_CLI_H
#define NETMON_CLI_H

#include <stdio.h>
#include "store/retention.h"
#include "collector.h"
#include "anomaly_rules.h"
#include "filter.h"

#ifndef NETMON_VERSION
#define NETMON_VERSION "0.1.0"
#endif

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
	CLI_STATUS,  /* say whether a recorder runs (status.h), then exit */
	CLI_HELP,    /* usage printed: exit 0 */
	CLI_VERSION, /* version printed: exit 0 */
};

struct cli_config {
	enum cli_action action;
	const char *ifaces[CLI_MAX_IFACES]; /* empty: every up Ethernet interface */
	int n_ifaces;
	const char *db_path;
	unsigned int interval;	 /* seconds, 1..CLI_MAX_INTERVAL */
	unsigned int duration;	 /* seconds; 0: until SIGTERM/SIGINT */
	unsigned int max_flows;	 /* IPv4 flows per interval the kernel holds */
	unsigned int max_flows6; /* IPv6 flows; 0: as max_flows */
	int hook_xdp;		 /* --hook xdp: XDP counts ingress, TC egress */
	const char *read_path;	 /* --read FILE: import a capture, attach nothing */
	int force_import;	 /* --force-import: even over traffic already stored */
	int no_process;		 /* --no-process: no per-process accounting */
	int no_names;		 /* --no-names: no host names from DNS responses */
	int keep_attached;	 /* --keep-attached: SIGTERM leaves programs and pins */
	int verbose;		 /* -v: debug messages and libbpf's log */
	struct retention keep;	 /* --keep-*: days per level, 0 forever */
	const char *config_path; /* --config, else CLI_DEFAULT_CONFIG */
	int check_config;	 /* --check-config: validate, then exit */
	int live;		 /* --live: draw every second's traffic (live.h) */
	int numeric;		 /* --numeric: the live view shows no host names */
	/* Bit i: cli_options[i] was on the command line; was set, there or in the file. */
	unsigned long long argv_opts, given;
	struct anomaly_settings thresholds; /* --threshold NAME=VALUE */
	unsigned int sample;		    /* --sample N: 1 in N packets to --pcap; 0 off */
	const char *pcap_path;		    /* --pcap FILE */
	unsigned int snaplen;		    /* --snaplen BYTES per sampled packet */
	unsigned int pcap_size_mb;	    /* --pcap-size MB: rotate at this size; 0 never */
	unsigned int pcap_files;	    /* --pcap-files K: files kept when rotating */
	unsigned int sample_ring_kb;	    /* --sample-ring KiB: the kernel's ring buffer */
	const char *ipfix[COLLECTOR_MAX];   /* --ipfix HOST:PORT (checked and resolved) */
	int n_ipfix;
	unsigned int ipfix_mtu;	   /* --ipfix-mtu BYTES: the largest message */
	unsigned int ipfix_domain; /* --ipfix-domain ID: observation domain id */
	struct filter_list include; /* --include RULE (filter.h) */
	struct filter_list exclude; /* --exclude RULE */
	const char *metrics_listen; /* --metrics-listen [ADDR:]PORT (checked) */
	const char *metrics_file;   /* --metrics-file PATH */
	unsigned int ipfix_rate;   /* --ipfix-rate N: messages a second at most */
};

/*
 * What a reload changed, for the caller to act on (0: nothing to do); in
 * cli_options[], what a SIGHUP does with a changed key (0: needs a restart).
 */
enum reload_change {
	RELOAD_LIVE = 1 << 0,	  /* a value the running code reads as it goes */
	RELOAD_INTERVAL = 1 << 1, /* --interval: end this interval, re-arm the timer */
	RELOAD_THRESHOLDS = 1 << 2, /* --threshold: hand them to the rule evaluator */
	RELOAD_IPFIX = 1 << 3,	    /* --ipfix*: start the export again with them */
	RELOAD_FILTERS = 1 << 4,    /* --include/--exclude: from the next interval on */
};

/* How an option's value is parsed, stored and shown (in --help and reloads). */
enum cli_kind {
	CLI_TEXT,      /* no option: a line of --help between options */
	CLI_UINT,      /* unsigned int, a whole number min..max */
	CLI_POW2,      /* unsigned int, a power of 2 min..max */
	CLI_PATH,      /* const char *, not empty */
	CLI_CHOICE,    /* int, the index of the value in choices[] */
	CLI_IFACE,     /* ifaces[] and n_ifaces: one more interface (repeatable) */
	CLI_THRESHOLD, /* struct anomaly_settings: one NAME=VALUE (repeatable) */
	CLI_COLLECTOR, /* ipfix[] and n_ipfix: one more collector (repeatable) */
	CLI_FILTER,    /* struct filter_list: one more rule (repeatable) */
	CLI_LISTEN,    /* const char *, [ADDR:]PORT to listen on (metrics.h) */
	CLI_FLAG,      /* int, set to 1 (no value) */
	CLI_COUNT,     /* int, one more each time (no value) */
	CLI_ACTION,    /* enum cli_action, set to min (no value) */
};

/*
 * One option of netmon-record, described once: getopt_long's table and
 * short options, --help, the configuration file's keys and what a SIGHUP
 * reload does with it are all made from cli_options[].
 */
struct cli_option {
	const char *name; /* the long option, and the configuration key */
	char short_name;  /* 0: none */
	const char *arg;  /* the value's name in --help; NULL: takes no value */
	enum cli_kind kind;
	size_t offset;	   /* where the value lives in struct cli_config */
	unsigned long min; /* CLI_UINT, CLI_POW2: the range; CLI_ACTION: the action */
	unsigned long max;
	unsigned long def;	    /* the default of a number */
	const char *def_path;	    /* the default of a path */
	const char *const *choices; /* CLI_CHOICE: the values, NULL-terminated */
	int key;		    /* also a key of the configuration file */
	unsigned int reload;	    /* a key's reload_change bits; 0: restart */
	/*
	 * --help's text, lines without their indent; {min}, {max} and {default}
	 * stand for the option's own values, {v4_mib} and {v6_mib} for the kernel
	 * memory of the default --max-flows. CLI_TEXT: the line(s) as they are.
	 */
	const char *help;
	int column; /* CLI_TEXT: where the text of the options after it starts */
};

extern const struct cli_option cli_options[];
extern const int cli_n_options;

/* The option called name, or NULL. */
const struct cli_option *cli_option_find(const char *name);
/* Whether option name was set, on the command line or in the file. */
int cli_given(const struct cli_config *cfg, const char *name);

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
