/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * anomaly_rules.h - the anomaly rules (sql/anomaly/NAME.sql, embedded) and their
 * thresholds, shared by the recorder (after every interval) and the report
 * (over any window).
 *
 * Each rule is one SELECT with the named parameters :since and :until (the
 * intervals that start in [since, until)) and its own thresholds, and yields
 * the columns ts, kind, subject, value, threshold, detail. A threshold NAME
 * is the parameter :NAME; its default is written in the rule as
 * coalesce(:NAME, DEFAULT) and in the table here (a unit test holds the two
 * equal). docs/anomalies.md says why each default is what it is.
 */
#ifndef NETMON_ANOMALY_RULES_H
#define NETMON_ANOMALY_RULES_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

struct anomaly_threshold {
	const char *name; /* the SQL parameter without its ':' */
	double def;
	double min, max;  /* accepted range, inclusive */
	int whole;	  /* whole numbers only (counts, seconds, bytes) */
	const char *unit; /* for --help */
};

extern const struct anomaly_threshold anomaly_thresholds[];
#define ANOMALY_N_THRESHOLDS 18

/* The thresholds in force: the defaults unless --threshold said otherwise. */
struct anomaly_settings {
	double value[ANOMALY_N_THRESHOLDS];
};

void anomaly_settings_init(struct anomaly_settings *s);

/*
 * Apply one "NAME=VALUE" (--threshold). Logs one line naming what is wrong
 * (unknown name, not a number, out of range) and returns -EINVAL.
 */
int anomaly_settings_parse(struct anomaly_settings *s, const char *arg);

/* The thresholds, one per line, for --help. */
void anomaly_settings_usage(FILE *fp);

/*
 * Bind :since, :until and every threshold parameter of st by name (a whole
 * value as an integer, so the rules' numbers keep their SQLite type). A
 * parameter that is none of these is refused: -EINVAL, logged with what.
 */
int anomaly_bind(sqlite3_stmt *st, const char *what, const struct anomaly_settings *s,
		 int64_t since, int64_t until);

/*
 * As anomaly_bind, for a statement that also reads the stored hits of the
 * report's whole window: :window_since is bound to window_since, the rules'
 * :since to since (later when the recorder already judged the start).
 */
int anomaly_bind_window(sqlite3_stmt *st, const char *what, const struct anomaly_settings *s,
			int64_t window_since, int64_t since, int64_t until);

/*
 * The settings as one line of NAME=VALUE pairs (all of them, in table order,
 * 17 significant digits): what the recorder stores in meta
 * 'anomaly_thresholds' and the report compares with its own. 0 or -ENOSPC.
 */
#define ANOMALY_SETTINGS_TEXT_MAX 1024
int anomaly_settings_text(const struct anomaly_settings *s, char *buf, size_t size);

/* The length of a rule's text without its final ';' and trailing blanks. */
size_t anomaly_rule_body_len(const char *text, size_t len);

#endif
