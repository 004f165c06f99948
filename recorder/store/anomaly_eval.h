/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * anomaly_eval.h - the recorder's side of the anomaly rules: after intervals
 * are written, evaluate every rule over them and keep the hits (anomalies,
 * anomaly_log; docs/anomalies.md).
 *
 * It has its own connection to the database and its own transactions, after
 * the interval's COMMIT: a failing or slow rule can cost hits, never an
 * interval. Progress (the last interval evaluated) is kept in meta, in the
 * same transaction as the hits, so a restart evaluates what the previous run
 * wrote but did not evaluate, and nothing twice.
 */
#ifndef NETMON_ANOMALY_EVAL_H
#define NETMON_ANOMALY_EVAL_H

#include <stdint.h>
#include "anomaly_rules.h"

struct anomaly_eval;

/*
 * Open the database at path (already created by store_open) and prepare the
 * rules. budget_ms bounds each rule's run (SQLite's progress handler
 * interrupts it). A rule that does not prepare is logged and left out.
 * Returns 0 or -errno (logged).
 */
int anomaly_eval_open(struct anomaly_eval **out, const char *path,
		      const struct anomaly_settings *settings, unsigned int budget_ms);
void anomaly_eval_close(struct anomaly_eval *a);

/*
 * Evaluate every rule over the intervals written since the last call and
 * store the new hits. A failing rule is logged (once, until it works again)
 * and skipped. Returns the number of new hits, or -errno when nothing could
 * be stored (logged; those intervals are tried again next time).
 */
int anomaly_eval_run(struct anomaly_eval *a);

/*
 * The hits rule (its file name, "port_scan.sql") stored since open: what this
 * process added to anomalies, counted once committed. 0 for a NULL a.
 */
uint64_t anomaly_eval_stored(const struct anomaly_eval *a, const char *rule);

/* Thresholds for the next evaluations (SIGHUP); a NULL a is ignored. */
void anomaly_eval_set(struct anomaly_eval *a, const struct anomaly_settings *settings);

#endif
