/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fmt_units.h - numbers as people read them: bytes in IEC units, unix
 * seconds as local time, IP protocol numbers by name. Shared by the reports'
 * table and HTML formats and the recorder's live view, so that both show a
 * value the same way. Pure functions, appending to a fmt_buf.
 */
#ifndef NETMON_FMT_UNITS_H
#define NETMON_FMT_UNITS_H

#include "fmt_buf.h"

/* Bytes in IEC units: "512 B", "1.0 KiB", "1.5 MiB" ... "8.0 EiB". */
int fmt_iec(struct fmt_buf *b, long long bytes);

/*
 * Unix seconds as local time, "YYYY-MM-DD HH:MM:SS" (as the trend's time
 * column, to the second); the number when the time cannot be shown.
 */
int fmt_time(struct fmt_buf *b, long long t);

/*
 * Unix seconds as UTC into out, "YYYY-MM-DD HH:MM:SS" (logs and the
 * recorder's --status, which say "UTC"); "@N" when it cannot be shown.
 */
void fmt_utc(long long t, char *out, unsigned long size);

/* The IANA keyword of an IP protocol number in lower case, or NULL. */
const char *fmt_proto_name(long long proto);

#endif
