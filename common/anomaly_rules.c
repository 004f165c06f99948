// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anomaly_rules.h"
#include "log.h"

#define DAY 86400.0

/* Defaults and their reasons: docs/anomalies.md and each rule's header. */
const struct anomaly_threshold anomaly_thresholds[ANOMALY_N_THRESHOLDS] = {
	{ "high_bandwidth_rate", 10000000, 1, 1e15, 1, "bytes/s of one flow" },
	{ "port_scan_ports", 15, 1, 65535, 1, "ports of one host" },
	{ "port_scan_hosts", 25, 1, 1e9, 1, "hosts" },
	{ "port_scan_window", 300, 1, 30 * DAY, 1, "s" },
	{ "syn_flood_rate", 100, 0.001, 1e12, 0, "incomplete SYNs/s to one port" },
	{ "fan_in_sources", 50, 1, 1e9, 1, "sources of one destination" },
	{ "fan_in_factor", 10, 0, 1e9, 0, "times the baseline" },
	{ "fan_in_baseline", 3600, 1, 30 * DAY, 1, "s" },
	{ "beacon_contacts", 6, 3, 1e9, 1, "contacts (TCP or UDP)" },
	{ "beacon_jitter", 0.1, 0, 100, 0, "sd/mean of the gaps" },
	{ "beacon_min_period", 1, 0, 30 * DAY, 0, "s" },
	{ "beacon_window", 3600, 1, 30 * DAY, 1, "s" },
	{ "exfil_min_bytes", 10000000, 1, 1e18, 1, "bytes sent in an interval" },
	{ "exfil_factor", 10, 0, 1e9, 0, "times the baseline" },
	{ "exfil_baseline", 3600, 1, 30 * DAY, 1, "s" },
	{ "malformed_packets", 10, 1, 1e15, 1, "frames in an interval" },
	/* Appended, so the indexes above stay what tests and stored text knew. */
	{ "udp_scan_ports", 15, 1, 65535, 1, "UDP ports of one host" },
	{ "udp_scan_hosts", 25, 1, 1e9, 1, "hosts sent UDP" },
};

void anomaly_settings_init(struct anomaly_settings *s)
{
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		s->value[i] = anomaly_thresholds[i].def;
}

static int find_threshold(const char *name, size_t len)
{
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		if (strlen(anomaly_thresholds[i].name) == len &&
		    !strncmp(anomaly_thresholds[i].name, name, len))
			return i;
	return -1;
}

/* v is a whole number (v within +-2^53, where doubles hold integers exactly). */
static int is_whole(double v)
{
	return v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v;
}

/* A plain decimal number: digits with at most one '.', nothing else. */
static int parse_decimal(const char *s, double *out)
{
	int digits = 0, dots = 0;
	char *end;

	for (const char *c = s; *c; c++) {
		if (isdigit((unsigned char)*c))
			digits++;
		else if (*c == '.' && !dots)
			dots++;
		else
			return -EINVAL;
	}
	if (!digits)
		return -EINVAL;
	errno = 0;
	*out = strtod(s, &end);
	return errno || *end ? -EINVAL : 0;
}

int anomaly_settings_parse(struct anomaly_settings *s, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const struct anomaly_threshold *t;
	int i = eq ? find_threshold(arg, (size_t)(eq - arg)) : -1;
	double v;

	if (!eq) {
		pr_err("--threshold '%s': expected NAME=VALUE (see --help)", arg);
		return -EINVAL;
	}
	if (i < 0) {
		pr_err("--threshold '%s': unknown threshold '%.*s' (see --help)", arg,
		       (int)(eq - arg), arg);
		return -EINVAL;
	}
	t = &anomaly_thresholds[i];
	if (parse_decimal(eq + 1, &v) || (t->whole && !is_whole(v))) {
		pr_err("--threshold '%s': '%s' is not a %s number", arg, eq + 1,
		       t->whole ? "whole" : "decimal");
		return -EINVAL;
	}
	if (!(v >= t->min && v <= t->max)) {
		pr_err("--threshold '%s': %s must be from %g to %g", arg, t->name, t->min, t->max);
		return -EINVAL;
	}
	s->value[i] = v;
	return 0;
}

void anomaly_settings_usage(FILE *fp)
{
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		fprintf(fp, "  %-20s %12.15g  %s\n", anomaly_thresholds[i].name,
			anomaly_thresholds[i].def, anomaly_thresholds[i].unit);
}

static int bind_number(sqlite3_stmt *st, int idx, double v)
{
	if (is_whole(v))
		return sqlite3_bind_int64(st, idx, (sqlite3_int64)v);
	return sqlite3_bind_double(st, idx, v);
}

int anomaly_settings_text(const struct anomaly_settings *s, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++) {
		int n = snprintf(buf + len, size - len, "%s%s=%.17g", i ? " " : "",
				 anomaly_thresholds[i].name, s->value[i]);

		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return 0;
}

int anomaly_bind(sqlite3_stmt *st, const char *what, const struct anomaly_settings *s,
		 int64_t since, int64_t until)
{
	return anomaly_bind_window(st, what, s, since, since, until);
}

int anomaly_bind_window(sqlite3_stmt *st, const char *what, const struct anomaly_settings *s,
			int64_t window_since, int64_t since, int64_t until)
{
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *p = sqlite3_bind_parameter_name(st, i);
		int rc, t = p && p[0] == ':' ? find_threshold(p + 1, strlen(p + 1)) : -1;

		if (p && !strcmp(p, ":since"))
			rc = sqlite3_bind_int64(st, i, since);
		else if (p && !strcmp(p, ":window_since"))
			rc = sqlite3_bind_int64(st, i, window_since);
		else if (p && !strcmp(p, ":until"))
			rc = sqlite3_bind_int64(st, i, until);
		else if (t >= 0)
			rc = bind_number(st, i, s->value[t]);
		else {
			pr_err("%s: unknown parameter %s", what, p ? p : "?");
			return -EINVAL;
		}
		if (rc != SQLITE_OK) {
			pr_err("%s: binding %s: %s", what, p, sqlite3_errstr(rc));
			return -EIO;
		}
	}
	return 0;
}

size_t anomaly_rule_body_len(const char *text, size_t len)
{
	while (len && (isspace((unsigned char)text[len - 1]) || text[len - 1] == ';'))
		len--;
	return len;
}
