/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* report_window.h - the time window of a report: parsing and showing times. */
#ifndef NETMON_REPORT_WINDOW_H
#define NETMON_REPORT_WINDOW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The defaults: a window that holds all of history. */
#define WINDOW_START INT64_MIN
#define WINDOW_END INT64_MAX

/* The largest unix time accepted: 9999-12-31 23:59:59 UTC. */
#define WINDOW_MAX_SECONDS 253402300799LL

/*
 * Parse a time: unix seconds ("1700000000" or "@1700000000"), "YYYY-MM-DD"
 * (midnight), "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]" in local
 * time, or "now" (the now argument, so that one command sees one now).
 * Returns 0, -EINVAL when s has none of these forms, or -ERANGE when it has
 * one but names no time (2024-02-30, 25:00, a local time skipped by a DST
 * change, a number past WINDOW_MAX_SECONDS).
 */
int window_parse_time(const char *s, time_t now, int64_t *out);

/*
 * Parse a duration for --last: a whole number of seconds, minutes, hours,
 * days or weeks with its unit ("90s", "30m", "24h", "7d", "2w"), no sign,
 * blank or bare number. Returns 0, -EINVAL when s has no such form, or
 * -ERANGE when it is 0 or longer than WINDOW_MAX_SECONDS.
 */
int window_parse_duration(const char *s, int64_t *out);

/*
 * Parse a day for --day: "today", "yesterday" (of now) or "YYYY-MM-DD", and
 * set [*since, *until) to that calendar day in local time, from its midnight
 * to the next one (23 or 25 hours on a DST change). Returns 0, -EINVAL when s
 * has none of these forms, or -ERANGE when it names no day (2024-02-30).
 */
int window_parse_day(const char *s, time_t now, int64_t *since, int64_t *until);

/*
 * t as "YYYY-MM-DD HH:MM:SS ZONE" in local time, or for the defaults "the
 * start of history" / "the end of history".
 */
void window_format_time(int64_t t, char *buf, size_t len);

/* What window.sql says: the window as a report states it. */
struct report_span {
	int64_t since, until; /* WINDOW_START, WINDOW_END: open, nothing recorded */
	long long intervals;  /* recorded in the window */
};

/*
 * The span as text: "2024-01-01 00:00:00 UTC to 2024-01-02 00:00:00 UTC,
 * 1440 intervals recorded" (local time, as the window is given).
 */
void window_span_text(const struct report_span *span, char *buf, size_t len);

#endif
