// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_db.c - the live view's read-only database connection (live_db.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "live_db.h"
#include "log.h"

static void free_names(struct live_app_name *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}

/* app_ports (the user's names over netmon's) into d; 0 or -errno. */
static int read_names(struct live_db *d)
{
	struct live_app_name *names = NULL, *p;
	size_t n = 0;
	int rc, err = 0;

	while (!err && (rc = sqlite3_step(d->apps)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(d->apps, 2);

		p = realloc(names, (n + 1) * sizeof(*p));
		if (p)
			names = p;
		if (!p || !(name = strdup(name ? name : ""))) {
			err = -ENOMEM;
			break;
		}
		names[n++] = (struct live_app_name){ sqlite3_column_int(d->apps, 0),
						     sqlite3_column_int(d->apps, 1), (char *)name };
	}
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	sqlite3_reset(d->apps);
	if (err) {
		free_names(names, n);
		return err;
	}
	free_names(d->names, d->n_names);
	d->names = names;
	d->n_names = n;
	return 0;
}

/* PRAGMA data_version: another connection committed when it changed. */
static int64_t data_version(struct live_db *d)
{
	int64_t v = -1;

	if (sqlite3_step(d->version) == SQLITE_ROW)
		v = sqlite3_column_int64(d->version, 0);
	sqlite3_reset(d->version);
	return v;
}

int live_db_open(struct live_db *d, const char *path, int numeric)
{
	int err = db_open(path, DB_READ_ONLY, &d->db);

	if (err)
		return err;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT ts, kind, subject, value, threshold FROM anomaly_log "
			       "WHERE ts >= ?1 ORDER BY ts DESC, kind, subject",
			       -1, &d->hits, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->db,
			       "SELECT protocol, port, name FROM app_ports "
			       "ORDER BY protocol, port",
			       -1, &d->apps, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->db, "PRAGMA data_version", -1, &d->version, NULL) != SQLITE_OK ||
	    (!numeric &&
	     sqlite3_prepare_v2(d->db,
				"SELECT n.name FROM addresses a "
				"JOIN address_names an ON an.address_id = a.id "
				"JOIN dns_names n ON n.id = an.name_id WHERE a.bin = ?1 "
				"ORDER BY an.last_seen DESC, n.name LIMIT 1",
				-1, &d->host, NULL) != SQLITE_OK)) {
		pr_err("live view: %s: %s", path, sqlite3_errmsg(d->db));
		return -EIO;
	}
	d->data_version = data_version(d);
	err = read_names(d);
	if (err)
		pr_err("live view: %s: cannot read app_ports: %s", path,
		       err == -ENOMEM ? strerror(ENOMEM) : sqlite3_errmsg(d->db));
	return err;
}

void live_db_close(struct live_db *d)
{
	sqlite3_finalize(d->hits);
	sqlite3_finalize(d->apps);
	sqlite3_finalize(d->version);
	sqlite3_finalize(d->host);
	db_close(d->db);
	free_names(d->names, d->n_names);
	d->db = NULL;
	d->hits = d->apps = d->version = d->host = NULL;
	d->names = NULL;
	d->n_names = 0;
}

void live_db_refresh(struct live_db *d)
{
	int64_t v = data_version(d);

	/* The version is noted first: a commit during the read shows next time. */
	if (v == d->data_version)
		return;
	if (!read_names(d))
		d->data_version = v;
}

static int cmp_app(const void *key, const void *elem)
{
	const struct live_app_name *a = key, *b = elem;

	if (a->protocol != b->protocol)
		return a->protocol - b->protocol;
	return a->port - b->port;
}

const char *live_db_app(const struct live_db *d, int protocol, int port)
{
	struct live_app_name k = { protocol, port, NULL };
	const struct live_app_name *a = bsearch(&k, d->names, d->n_names, sizeof(k), cmp_app);

	return a ? a->name : NULL;
}

void live_db_host_name(const struct live_db *d, int family, const uint8_t *a, char *buf, size_t len)
{
	const char *name;

	buf[0] = '\0';
	if (!d->host ||
	    sqlite3_bind_blob(d->host, 1, a, family == NETMON_FAMILY_V6 ? 16 : 4, SQLITE_STATIC))
		return;
	if (sqlite3_step(d->host) == SQLITE_ROW &&
	    (name = (const char *)sqlite3_column_text(d->host, 0)))
		snprintf(buf, len, "%s", name);
	sqlite3_reset(d->host);
	sqlite3_clear_bindings(d->host);
}

int live_db_hits(struct live_db *d, int64_t since, struct live_anomaly_row *out, int max)
{
	int n = 0;

	if (max > LIVE_DB_MAX_HITS)
		max = LIVE_DB_MAX_HITS;
	sqlite3_bind_int64(d->hits, 1, since);
	while (n < max && sqlite3_step(d->hits) == SQLITE_ROW) {
		struct live_stored_hit *h = &d->stored[n];
		const char *k = (const char *)sqlite3_column_text(d->hits, 1);
		const char *s = (const char *)sqlite3_column_text(d->hits, 2);

		h->ts = sqlite3_column_int64(d->hits, 0);
		snprintf(h->kind, sizeof(h->kind), "%s", k ? k : "");
		snprintf(h->subject, sizeof(h->subject), "%s", s ? s : "");
		h->value = sqlite3_column_double(d->hits, 3);
		h->threshold = sqlite3_column_double(d->hits, 4);
		out[n++] = (struct live_anomaly_row){ .ts = h->ts,
						      .kind = h->kind,
						      .subject = h->subject,
						      .value = h->value,
						      .threshold = h->threshold };
	}
	sqlite3_reset(d->hits);
	return n;
}
