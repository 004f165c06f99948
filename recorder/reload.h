/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* reload.h - SIGHUP: read the configuration again and apply what can change. */
#ifndef NETMON_RELOAD_H
#define NETMON_RELOAD_H

#include "cli.h"

/* What a reload changed, for the caller to act on (0: nothing to do). */
enum reload_change {
	RELOAD_LIVE = 1 << 0,	    /* a value the running code reads as it goes */
	RELOAD_INTERVAL = 1 << 1,   /* --interval: end this interval, re-arm the timer */
	RELOAD_THRESHOLDS = 1 << 2, /* --threshold: hand them to the rule evaluator */
	RELOAD_IPFIX = 1 << 3,	    /* --ipfix*: start the export again with them */
};

/*
 * The configuration as a fresh start would see it: the same command line
 * (argc, argv), then the file. Returns 0, or -errno with the problems logged.
 */
int reload_read(int argc, char **argv, struct cli_config *next);

/*
 * Copy next's options that may change at runtime into cur and log each
 * change; log the others that differ as needing a restart (cur keeps them).
 * Returns the reload_change bits of what was applied.
 */
unsigned int reload_merge(struct cli_config *cur, const struct cli_config *next);

#endif
