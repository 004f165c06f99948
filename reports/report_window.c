// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_window.c - times on the command line, in the forms people type.
 *
 * Dates are parsed by hand with fixed widths rather than with strptime(),
 * which accepts "2024-1-5x" and fills in fields it did not see; every field
 * is range-checked before mktime(), which would otherwise roll 2024-02-30
 * over to March 1st without a word.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_window.h"

struct civil {
	int year, mon, day, hour, min, sec;
	int has_time;
};

/* Exactly n decimal digits at s. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "1700000000" or "@1700000000": digits only, no sign, blank or suffix. */
static int parse_seconds(const char *s, int64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s == '@')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > WINDOW_MAX_SECONDS)
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

/* YYYY-MM-DD, then optionally ' ' or 'T' and HH:MM, then optionally :SS. */
static int parse_civil(const char *s, struct civil *c)
{
	size_t n = strlen(s);

	memset(c, 0, sizeof(*c));
	if (n != 10 && n != 16 && n != 19)
		return -EINVAL;
	if (digits(s, 4, &c->year) || s[4] != '-' || digits(s + 5, 2, &c->mon) || s[7] != '-' ||
	    digits(s + 8, 2, &c->day))
		return -EINVAL;
	if (n == 10)
		return 0;
	if ((s[10] != ' ' && s[10] != 'T') || digits(s + 11, 2, &c->hour) || s[13] != ':' ||
	    digits(s + 14, 2, &c->min))
		return -EINVAL;
	c->has_time = 1;
	if (n == 16)
		return 0;
	if (s[16] != ':' || digits(s + 17, 2, &c->sec))
		return -EINVAL;
	return 0;
}

static int days_in_month(int year, int mon)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[mon - 1] + (mon == 2 && leap);
}

static int civil_to_time(const struct civil *c, int64_t *out)
{
	struct tm tm = {0};
	time_t t;

	if (c->year < 1970 || c->mon < 1 || c->mon > 12 || c->day < 1 ||
	    c->day > days_in_month(c->year, c->mon) || c->hour > 23 || c->min > 59 || c->sec > 59)
		return -ERANGE;
	tm.tm_year = c->year - 1900;
	tm.tm_mon = c->mon - 1;
	tm.tm_mday = c->day;
	tm.tm_hour = c->hour;
	tm.tm_min = c->min;
	tm.tm_sec = c->sec;
	tm.tm_isdst = -1; /* let the zone rules say whether DST applies */
	errno = 0;
	t = mktime(&tm);
	if (t == (time_t)-1 && errno)
		return -ERANGE;
	/*
	 * A time in a spring-forward gap does not exist; mktime() moves it by
	 * an hour. Refuse it rather than guess. A bare date keeps the moved
	 * time: where midnight is skipped, the day starts at 01:00.
	 */
	if (c->has_time && (tm.tm_hour != c->hour || tm.tm_min != c->min || tm.tm_mday != c->day))
		return -ERANGE;
	*out = t;
	return 0;
}

int window_parse_time(const char *s, time_t now, int64_t *out)
{
	struct civil c;
	int err;

	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (*s == '@' || strspn(s, "0123456789") == strlen(s))
		return *s ? parse_seconds(s, out) : -EINVAL;
	err = parse_civil(s, &c);
	if (err)
		return err;
	return civil_to_time(&c, out);
}

int window_parse_duration(const char *s, int64_t *out)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
	size_t n = strspn(s, "0123456789");
	unsigned long long v;

	/* Digits, then exactly one unit letter: "7" alone could mean anything. */
	if (!n || strlen(s) != n + 1)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[n] != units[i].unit)
			continue;
		errno = 0;
		v = strtoull(s, NULL, 10);
		if (errno == ERANGE || !v ||
		    v > (unsigned long long)WINDOW_MAX_SECONDS / units[i].seconds)
			return -ERANGE;
		*out = (int64_t)v * units[i].seconds;
		return 0;
	}
	return -EINVAL;
}

/* The calendar day before or after c (days only; the time is ignored). */
static void civil_add_day(struct civil *c, int delta)
{
	c->day += delta;
	if (c->day < 1) {
		if (--c->mon < 1) {
			c->mon = 12;
			c->year--;
		}
		c->day = days_in_month(c->year, c->mon);
	} else if (c->day > days_in_month(c->year, c->mon)) {
		c->day = 1;
		if (++c->mon > 12) {
			c->mon = 1;
			c->year++;
		}
	}
}

/* The local calendar day of now. */
static int civil_of(time_t now, struct civil *c)
{
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return -ERANGE;
	memset(c, 0, sizeof(*c));
	c->year = tm.tm_year + 1900;
	c->mon = tm.tm_mon + 1;
	c->day = tm.tm_mday;
	return 0;
}

int window_parse_day(const char *s, time_t now, int64_t *since, int64_t *until)
{
	struct civil c;
	int err;

	if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
		err = civil_of(now, &c);
		if (!err && s[0] == 'y')
			civil_add_day(&c, -1);
	} else {
		err = parse_civil(s, &c);
		if (!err && c.has_time)
			err = -EINVAL;
	}
	if (err)
		return err;
	/*
	 * Both ends are local midnights found by mktime(), not since + 86400:
	 * a day with a DST change has 23 or 25 hours, and consecutive days
	 * tile exactly because each end is computed the same way.
	 */
	err = civil_to_time(&c, since);
	if (err)
		return err;
	civil_add_day(&c, 1);
	return civil_to_time(&c, until);
}

void window_format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == WINDOW_START)
		snprintf(buf, len, "the start of history");
	else if (t == WINDOW_END)
		snprintf(buf, len, "the end of history");
	else if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, len, "@%" PRId64, t);
}

void window_span_text(const struct report_span *span, char *buf, size_t len)
{
	char since[64], until[64];

	window_format_time(span->since, since, sizeof(since));
	window_format_time(span->until, until, sizeof(until));
	if (span->intervals)
		snprintf(buf, len, "%s to %s, %lld interval%s recorded", since, until,
			 span->intervals, span->intervals == 1 ? "" : "s");
	else
		snprintf(buf, len, "%s to %s, nothing recorded", since, until);
}
