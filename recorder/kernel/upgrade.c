// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * upgrade.c - replace the pins of another netmon BPF ABI and record what
 * could not be read (upgrade.h).
 */
#include <errno.h>
#include <stdio.h>
#include "attach.h"
#include "fmt_units.h"
#include "log.h"
#include "netmon_user.h"
#include "upgrade.h"

int upgrade_replace(struct pin_dir *p, const char *const *names, int n)
{
	int err = 0;

	pr_info("%s holds the pins of netmon BPF ABI %u (this build: %u): replacing them; "
		"what they counted since their last stored interval cannot be read",
		p->path, p->old_abi, NETMON_ABI_VERSION);
	/* The filters first: unpinned, the programs would count on, unread. */
	for (int i = 0; i < n; i++)
		err = attach_remove_stale(names[i]) ? -EIO : err;
	if (err) {
		pr_err("%s: the old filters could not all be removed: pins kept", p->path);
		return err;
	}
	return pin_empty(p);
}

int upgrade_record_gap(sqlite3 *db, const struct pin_dir *p, int64_t last_live_end, int64_t *start)
{
	static const char sql[] = "INSERT INTO gaps (ts_start, ts_end, reason, old_abi, new_abi, "
				  "interfaces) VALUES (?1, ?2, 1, ?3, ?4, ?5)";
	char from[32], to[32];
	sqlite3_stmt *st = NULL;
	int rc;

	if (!last_live_end) {
		pr_warn("the pins of ABI %u were replaced, but this database holds no live "
			"recording to say where the loss began: no gap recorded",
			p->old_abi);
		return 0;
	}
	/* A restart within the second the old run's last interval ends in (it
	 * ends at the next whole second): the loss still gets a second of its
	 * own, and this run's first interval starts after it. */
	if (*start <= last_live_end)
		*start = last_live_end + 1;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, last_live_end);
		sqlite3_bind_int64(st, 2, *start);
		sqlite3_bind_int(st, 3, (int)p->old_abi);
		sqlite3_bind_int(st, 4, NETMON_ABI_VERSION);
		sqlite3_bind_text(st, 5, p->ifaces, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pr_err("cannot record the gap of the ABI upgrade: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	fmt_utc(last_live_end, from, sizeof(from));
	fmt_utc(*start, to, sizeof(to));
	pr_warn("gap: %s: not recorded from %s to %s UTC (%lld s): the pins of ABI %u were "
		"replaced; recorded in gap_log",
		p->ifaces, from, to, (long long)(*start - last_live_end), p->old_abi);
	return 0;
}
