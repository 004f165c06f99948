// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * history_gen.c - write a synthetic history the way the recorder would:
 * one-minute intervals through the real store, housekeeping (rollups,
 * retention with the default windows) after every hour. Every address has
 * a host name and every process a cgroup, service and user
 * (tests/support/history.c, with_names), as the recorder stores them. For
 * bench/history_queries.sh.
 *
 * Usage: history_gen DB DAYS FLOWS_PER_MINUTE END [HOURS] (END: unix
 * seconds, the end of the history, a multiple of 3600; HOURS: only the last
 * HOURS hours of it).
 *
 * The anomaly rules judge every hour once it is written, as the recorder's
 * evaluation does after `--read` (the same hits as judging each interval:
 * tests/unit/test_anomaly_history.c), and the last hour interval by
 * interval, as the recorder does live: the time each such round took is
 * printed (median and largest), the rules' cost per interval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "anomaly_rules.h"
#include "history.h"
#include "log.h"
#include "store/anomaly_eval.h"
#include "store/maintain.h"
#include "store/store.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The last hour: one interval at a time, each followed by a round of the rules. */
static int last_hour(struct store *st, struct anomaly_eval *a, struct history_opts h)
{
	double ms[60];
	int err = 0, n = 0;

	for (h.n_intervals = 1; !err && n < 60; n++, h.start += h.interval) {
		double t0;

		err = history_write(st, &h);
		t0 = now_ms();
		if (!err && anomaly_eval_run(a) < 0)
			err = 1;
		ms[n] = now_ms() - t0;
	}
	qsort(ms, (size_t)n, sizeof(ms[0]), cmp_double);
	if (!err)
		printf("anomaly rules per interval (%u flows): median %.0f ms, max %.0f ms of %u s\n",
		       h.flows, ms[n / 2], ms[n - 1], h.interval);
	return err;
}

int main(int argc, char **argv)
{
	struct maintain m = { .keep = RETENTION_DEFAULTS };
	struct history_opts h = { .interval = 60, .n_intervals = 60, .clients = 500, .seed = 1,
				  .with_procs = 1, .with_names = 1 };
	struct anomaly_settings thresholds;
	struct anomaly_eval *a = NULL;
	struct store *st;
	long days, end, hours;
	double judge_ms = 0;
	int err;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: history_gen DB DAYS FLOWS_PER_MINUTE END [HOURS]\n");
		return 64;
	}
	log_init("history_gen", LOGLVL_WARN);
	days = strtol(argv[2], NULL, 10);
	h.flows = (unsigned int)strtoul(argv[3], NULL, 10);
	end = strtol(argv[4], NULL, 10);
	hours = argc == 6 ? strtol(argv[5], NULL, 10) : days * 24;
	if (days < 1 || !h.flows || end % 3600 || hours < 1 || hours > days * 24)
		return 64;
	anomaly_settings_init(&thresholds);
	err = store_open(&st, argv[1]);
	if (!err)
		err = anomaly_eval_open(&a, argv[1], &thresholds, 3600 * 1000);
	for (long hour = days * 24 - hours; !err && hour < days * 24; hour++) {
		double t0;

		h.start = end - days * 86400 + hour * 3600;
		h.seed = (unsigned int)hour + 1;
		if (hour == days * 24 - 1) {
			err = last_hour(st, a, h);
		} else {
			err = history_write(st, &h);
			t0 = now_ms();
			if (!err && anomaly_eval_run(a) < 0)
				err = 1;
			judge_ms += now_ms() - t0;
		}
		if (!err && maintain_run(&m, store_db(st), h.start + 3600, 0) < 0)
			err = 1;
	}
	if (!err && hours > 1)
		printf("anomaly rules per written hour: %.0f ms on average\n",
		       judge_ms / (double)(hours - 1));
	if (err)
		fprintf(stderr, "history_gen: failed (%d)\n", err);
	anomaly_eval_close(a);
	store_close(st);
	return err ? 1 : 0;
}
