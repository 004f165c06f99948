/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_db.h - what the live view reads from the database, read-only: the
 * names of server ports (app_ports), the anomalies the rules stored
 * (anomaly_log) and the host names of addresses (address_names).
 *
 * The names are read at the start and again whenever the database changed
 * (PRAGMA data_version): app_ports_user is the user's to edit at any time
 * (sql/0004_apps.sql), and the recorder's own commits move data_version
 * once per interval, so the names are read again at most that often (a
 * read of a few hundred rows).
 */
#ifndef NETMON_LIVE_DB_H
#define NETMON_LIVE_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "live_view.h"

#define LIVE_DB_MAX_HITS 100

struct live_app_name {
	int protocol, port;
	char *name;
};

struct live_stored_hit {
	int64_t ts;
	char kind[32], subject[200];
	double value, threshold;
};

struct live_db {
	sqlite3 *db;
	sqlite3_stmt *hits, *apps, *version, *host;
	int64_t data_version;	     /* when the names were read */
	struct live_app_name *names; /* sorted by protocol, port */
	size_t n_names;
	struct live_stored_hit stored[LIVE_DB_MAX_HITS];
};

/* Opens path read-only and reads the names. 0 or -errno. numeric: look no
 * host name up (--numeric; live_db_host_name() then gives ""). */
int live_db_open(struct live_db *d, const char *path, int numeric);
/* Closes what live_db_open opened; a zeroed d is fine. */
void live_db_close(struct live_db *d);

/* Reads the names again when the database changed; on failure the old
 * ones stay (and the next call tries again). */
void live_db_refresh(struct live_db *d);

/* The name of a server port, or NULL. Valid until the next refresh. */
const char *live_db_app(const struct live_db *d, int protocol, int port);

/*
 * The name the host was told last for address a (family NETMON_FAMILY_V4
 * or _V6) into buf, "" when none (or no database): the rule of the reports
 * (sql/report/_names.sql) at the time of the traffic, now: of its names the
 * one with the latest last_seen, ties by name. One seek per call; the live
 * view asks for the flows it shows only.
 */
void live_db_host_name(const struct live_db *d, int family, const uint8_t *a, char *buf,
		       size_t len);

/* Stored hits since (unix s), newest first, as rows into out (at most max,
 * pointing into d until the next call). Returns how many. */
int live_db_hits(struct live_db *d, int64_t since, struct live_anomaly_row *out, int max);

#endif
