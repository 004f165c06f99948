// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * history_gen.c - write a synthetic history the way the recorder would:
 * one-minute intervals through the real store, housekeeping (rollups,
 * retention with the default windows) after every hour. For
 * bench/history_queries.sh.
 *
 * Usage: history_gen DB DAYS FLOWS_PER_MINUTE END (END: unix seconds, the
 * end of the history, a multiple of 3600).
 */
#include <stdio.h>
#include <stdlib.h>
#include "history.h"
#include "log.h"
#include "maintain.h"
#include "store.h"

int main(int argc, char **argv)
{
	struct maintain m = { .keep = RETENTION_DEFAULTS };
	struct history_opts h = { .interval = 60, .n_intervals = 60, .clients = 500, .seed = 1,
				  .with_procs = 1 };
	struct store *st;
	long days, end;
	int err;

	if (argc != 5) {
		fprintf(stderr, "usage: history_gen DB DAYS FLOWS_PER_MINUTE END\n");
		return 64;
	}
	log_init("history_gen", LOG_WARN);
	days = strtol(argv[2], NULL, 10);
	h.flows = (unsigned int)strtoul(argv[3], NULL, 10);
	end = strtol(argv[4], NULL, 10);
	if (days < 1 || !h.flows || end % 3600)
		return 64;
	err = store_open(&st, argv[1]);
	for (long hour = 0; !err && hour < days * 24; hour++) {
		h.start = end - days * 86400 + hour * 3600;
		h.seed = (unsigned int)hour + 1;
		err = history_write(st, &h);
		if (!err && maintain_run(&m, store_db(st), h.start + 3600, 0) < 0)
			err = 1;
	}
	if (err)
		fprintf(stderr, "history_gen: failed (%d)\n", err);
	store_close(st);
	return err ? 1 : 0;
}
