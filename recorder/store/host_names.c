// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * host_names.c - host names into the database (host_names.h). Written once
 * an interval, after the interval's own transaction: a name does not belong
 * to an interval but to the address, with the times it was told, so a
 * failure here never costs an interval (the names wait for the next write).
 * Its statements are kept prepared on the store's connection (sqlfile.h):
 * one write an interval.
 */
#include <errno.h>
#include <sqlite3.h>
#include "db.h"
#include "host_names.h"
#include "log.h"
#include "sqlfile.h"
#include "store.h"

static const char name_sql[] = "INSERT INTO dns_names (name) VALUES (?1) "
			       "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id";
/* A name told again widens the span it was told in. */
static const char pair_sql[] =
	"INSERT INTO address_names (address_id, name_id, source, first_seen, last_seen) "
	"VALUES (?1, ?2, ?5, ?3, ?4) ON CONFLICT DO UPDATE SET "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen)";

static int write_one(struct store *st, sqlite3_stmt *name, sqlite3_stmt *pair,
		     const struct host_name *h)
{
	int64_t address, name_id;
	int rc, err;

	err = store_intern_address(st, h->family, h->addr, &address);
	if (err)
		return err;
	sqlite3_bind_text(name, 1, h->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(name);
	name_id = sqlite3_column_int64(name, 0);
	sqlite3_reset(name);
	if (rc != SQLITE_ROW)
		return -EIO;
	sqlite3_bind_int64(pair, 1, address);
	sqlite3_bind_int64(pair, 2, name_id);
	sqlite3_bind_int64(pair, 3, h->first_seen);
	sqlite3_bind_int64(pair, 4, h->last_seen);
	sqlite3_bind_int(pair, 5, h->source);
	rc = sqlite3_step(pair);
	sqlite3_reset(pair);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int host_names_write(struct store *st, const struct host_name *h, size_t n)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *name = NULL, *pair = NULL;
	int err;

	if (sqlfile_prepared(db, name_sql, &name, NULL) != SQLITE_OK ||
	    sqlfile_prepared(db, pair_sql, &pair, NULL) != SQLITE_OK) {
		err = -EIO;
		goto out;
	}
	err = db_exec(db, "BEGIN IMMEDIATE");
	for (size_t i = 0; !err && i < n; i++)
		err = write_one(st, name, pair, &h[i]);
	if (!err)
		err = db_exec(db, "COMMIT");
	if (err && !sqlite3_get_autocommit(db))
		db_exec(db, "ROLLBACK");
	if (err) /* ids handed out in the transaction are gone with it */
		store_forget_ids(st);
out:
	if (err)
		pr_debug("host names not written (%s): they wait for the next interval",
			 sqlite3_errmsg(db));
	return err;
}
