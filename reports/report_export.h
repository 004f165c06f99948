/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_export.h - netmon-report export: a window of history, again, to
 * IPFIX collectors (docs/ipfix.md, "Re-sending a window").
 */
#ifndef NETMON_REPORT_EXPORT_H
#define NETMON_REPORT_EXPORT_H

#include <stdio.h>
#include <sqlite3.h>
#include "report_cli.h"

/*
 * Every interval whose start is in o's window, in id order: its flow rows
 * and process rows sent to o's collectors as netmon-record --ipfix sends
 * them (export/ipfix_send.h), paced at o->ipfix_rate. Reads db only: the
 * recorder's watermark stays. One line of what was sent on fp. Returns 0,
 * -EIO when rows could not be read or a collector did not take every
 * message (logged).
 */
int report_export(sqlite3 *db, const struct report_opts *o, FILE *fp);

#endif
