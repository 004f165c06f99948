/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* reload.h - SIGHUP: read the configuration again and apply what can change. */
#ifndef NETMON_RELOAD_H
#define NETMON_RELOAD_H

#include "cli.h"

/* enum reload_change, what a reload of an option does: cli.h. */

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
