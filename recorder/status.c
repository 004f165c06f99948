// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * status.c - netmon-record --status (status.h): the pin directories as
 * pin_status.c reads them, then the database, opened read-only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "fmt_units.h"
#include "kernel/pin.h"
#include "kernel/pin_status.h"
#include "log.h"
#include "netmon_user.h"
#include "status.h"

#define STATUS_MAX_DIRS 64

/* What the database says of the recording (status_db()). */
struct db_status {
	int have_last; /* an interval recorded live (or from before migration 0013) */
	int64_t last_start, last_end;
	int have_run; /* meta pin_run/pin_seq: the pins the last live interval came from */
	uint64_t run;
	uint32_t seq;
	int64_t full_last, full_day; /* table_full packets: last interval, last 24 h */
	int64_t gaps, gap_start, gap_end, gap_old_abi, gap_new_abi;
};

/* Everything --status says of the database, in one statement. */
static const char status_sql[] =
	"WITH last AS (SELECT id, ts_start, ts_end FROM intervals WHERE live IS NOT 0 "
	"ORDER BY ts_end DESC LIMIT 1), "
	"g AS (SELECT ts_start, ts_end, old_abi, new_abi FROM gaps ORDER BY ts_end DESC LIMIT 1) "
	"SELECT EXISTS (SELECT 1 FROM last), (SELECT ts_start FROM last), (SELECT ts_end FROM "
	"last), "
	"EXISTS (SELECT 1 FROM meta WHERE key = 'pin_run'), "
	"(SELECT value FROM meta WHERE key = 'pin_run'), "
	"(SELECT value FROM meta WHERE key = 'pin_seq'), "
	/* Kind 3: IP packets whose flow did not fit the table (collector_log). */
	"(SELECT coalesce(sum(packets), 0) FROM traffic "
	" WHERE kind = 3 AND interval_id = (SELECT id FROM last)), "
	"(SELECT coalesce(sum(t.packets), 0) FROM intervals i "
	" JOIN traffic t ON t.interval_id = i.id AND t.kind = 3 "
	" WHERE i.ts_start >= (SELECT ts_end FROM last) - 86400), "
	"(SELECT count(*) FROM gaps), (SELECT ts_start FROM g), (SELECT ts_end FROM g), "
	"(SELECT old_abi FROM g), (SELECT new_abi FROM g)";

static int read_db(sqlite3 *db, struct db_status *d)
{
	int64_t v[13] = { 0 };
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, status_sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (int i = 0; rc == SQLITE_ROW && i < 13; i++)
		v[i] = sqlite3_column_int64(st, i);
	if (rc != SQLITE_ROW)
		pr_err("reading the database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	*d = (struct db_status){ .have_last = (int)v[0],
				 .last_start = v[1],
				 .last_end = v[2],
				 .have_run = (int)v[3],
				 .run = (uint64_t)v[4],
				 .seq = (uint32_t)v[5],
				 .full_last = v[6],
				 .full_day = v[7],
				 .gaps = v[8],
				 .gap_start = v[9],
				 .gap_end = v[10],
				 .gap_old_abi = v[11],
				 .gap_new_abi = v[12] };
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* "tc ingress, tc egress" (the hooks running the pins' programs). */
static void hooks_text(const struct pin_status_iface *f, char *out, size_t size)
{
	if (!f->present) {
		snprintf(out, size, "no such interface now");
		return;
	}
	snprintf(out, size, "%s%s%s",
		 f->xdp	    ? "xdp ingress"
		 : f->tc_in ? "tc ingress"
			    : "",
		 (f->xdp || f->tc_in) && f->tc_out ? ", " : "", f->tc_out ? "tc egress" : "");
	if (!*out)
		snprintf(out, size, "no netmon hook attached");
}

/* The interval flips these pins made that the database does not hold. */
static void print_backlog(const struct pin_status *st, const struct db_status *d, int have_db)
{
	if (!st->seq)
		printf("  backlog: 0 intervals (the first one is being counted)\n");
	else if (have_db && d->have_run && d->run == st->run)
		printf("  backlog: %lld intervals taken from the kernel and not yet stored\n",
		       (long long)st->seq - 1 - d->seq);
	else
		printf("  backlog: unknown: the database holds no interval of these pins "
		       "(another --db?)\n");
}

static void print_dir(const struct pin_status *st, const struct db_status *d, int have_db)
{
	char names[PIN_STATUS_MAX_IFACES * (IF_NAMESIZE + 2)] = "", when[32], hooks[64];

	for (int i = 0; i < st->n_ifaces; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", st->ifaces[i].name);
	fmt_utc(st->started, when, sizeof(when));
	if (st->locked && st->pid)
		printf("recording: %s (pid %d, since %s UTC)\n", names, st->pid, when);
	else if (st->locked)
		printf("recording: %s (by a process this namespace does not see)\n", names);
	else
		printf("not running: %s: pins left in %s (--keep-attached, or a crash)\n", names,
		       st->path);
	if (st->abi_err == -ENOENT && st->locked) {
		printf("  pins: %s: being made (a recorder is starting)\n", st->path);
		return;
	}
	if (st->abi_err) {
		printf("  pins: %s: not a complete netmon recorder's: 'netmon-record --detach -i "
		       "IFACE' removes them\n",
		       st->path);
		return;
	}
	if (st->abi != NETMON_ABI_VERSION) {
		printf("  pins: %s: BPF ABI %u, this build's is %u: the next start replaces them "
		       "(what they counted is lost, recorded as a gap)\n",
		       st->path, st->abi, NETMON_ABI_VERSION);
		return;
	}
	fmt_utc(st->loaded, when, sizeof(when));
	printf("  pins: %s, BPF ABI %u, programs loaded %s UTC%s\n", st->path, st->abi, when,
	       st->locked ? "" : "; the kernel counts on, the next start adopts them");
	for (int i = 0; i < st->n_ifaces; i++) {
		hooks_text(&st->ifaces[i], hooks, sizeof(hooks));
		printf("  %s: %s\n", st->ifaces[i].name, hooks);
	}
	if (!st->have_state)
		return;
	printf("  flow table: %u of %u IPv4 flows, %u of %u IPv6 flows in this interval\n",
	       st->used4, st->max4, st->used6, st->max6);
	print_backlog(st, d, have_db);
}

static void print_db(const char *path, const struct db_status *d)
{
	char from[32], to[32];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	printf("database: %s\n", path);
	if (d->have_last) {
		fmt_utc(d->last_start, from, sizeof(from));
		fmt_utc(d->last_end, to, sizeof(to));
		printf("  last interval: %s to %s UTC (ended %lld s ago)\n", from, to,
		       (long long)(now.tv_sec > d->last_end ? now.tv_sec - d->last_end : 0));
		printf("  table full: %lld packets in the last interval, %lld in the 24 h before "
		       "its end (collector_log.table_full)\n",
		       (long long)d->full_last, (long long)d->full_day);
	} else {
		printf("  last interval: none recorded\n");
	}
	if (!d->gaps) {
		printf("  gaps: none\n");
		return;
	}
	fmt_utc(d->gap_start, from, sizeof(from));
	fmt_utc(d->gap_end, to, sizeof(to));
	printf("  gaps: %lld (gap_log); the last from %s to %s UTC (%lld s, BPF ABI %lld "
	       "replaced by %lld)\n",
	       (long long)d->gaps, from, to, (long long)(d->gap_end - d->gap_start),
	       (long long)d->gap_old_abi, (long long)d->gap_new_abi);
}

/* The database, read-only, when there is one: 1 read, 0 none, -errno (logged). */
static int status_db(const char *path, struct db_status *d)
{
	sqlite3 *db;
	int err;

	if (access(path, F_OK))
		return 0;
	err = db_open(path, DB_READ_ONLY, &db);
	if (!err)
		err = read_db(db, d);
	db_close(db);
	return err ? err : 1;
}

/* Whether a running recorder of this build or another holds name. */
static int recording_on(const struct pin_status *dirs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (dirs[i].locked && pin_status_has(&dirs[i], name))
			return 1;
	return 0;
}

/* Whether dir concerns the -i interfaces (all of them without -i). */
static int wanted(const struct cli_config *cfg, const struct pin_status *dir)
{
	for (int i = 0; i < cfg->n_ifaces; i++)
		if (pin_status_has(dir, cfg->ifaces[i]))
			return 1;
	return !cfg->n_ifaces;
}

int status_run(const struct cli_config *cfg)
{
	struct pin_status *dirs = calloc(STATUS_MAX_DIRS, sizeof(*dirs));
	struct db_status d = { 0 };
	int n, have_db = 0, recording = 0;

	if (!dirs)
		return EXIT_FAILURE;
	n = pin_status_scan(dirs, STATUS_MAX_DIRS);
	if (n < 0) {
		free(dirs);
		return EXIT_FAILURE;
	}
	have_db = status_db(cfg->db_path, &d);
	for (int i = 0; i < n; i++) {
		if (!wanted(cfg, &dirs[i]))
			continue;
		print_dir(&dirs[i], &d, have_db > 0);
		recording |= dirs[i].locked;
	}
	for (int i = 0; i < cfg->n_ifaces; i++) {
		if (recording_on(dirs, n, cfg->ifaces[i]))
			continue;
		printf("not recording: %s\n", cfg->ifaces[i]);
		recording = 0;
	}
	if (!n)
		printf("not recording: no netmon-record pins in %s\n", PIN_ROOT);
	if (have_db > 0)
		print_db(cfg->db_path, &d);
	else if (!have_db)
		printf("database: %s: none (nothing recorded there yet)\n", cfg->db_path);
	free(dirs);
	return recording ? EXIT_SUCCESS : STATUS_NOT_RECORDING;
}
