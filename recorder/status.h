/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * status.h - netmon-record --status: is a recorder running (on the -i
 * interfaces, or any), on which hooks, since when; the last stored interval,
 * gaps, the backlog and the table-full counts. Read only: it attaches
 * nothing, locks nothing, and opens the database read-only.
 */
#ifndef NETMON_STATUS_H
#define NETMON_STATUS_H

#include "cli.h"

/* Exit status of --status when not recording (systemctl is-active's). */
#define STATUS_NOT_RECORDING 3

/* Print the status on stdout; returns the exit status: 0 recording,
 * STATUS_NOT_RECORDING not, 1 when the pins cannot be read. */
int status_run(const struct cli_config *cfg);

#endif
