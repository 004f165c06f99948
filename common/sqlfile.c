// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sqlfile.c - see sqlfile.h.
 *
 * Parsing a statement costs more than running most of these: the recorder's
 * housekeeping after each interval spent a quarter of its CPU in
 * sqlite3Parser while it prepared the same texts every interval
 * (bench/RESULTS.md, issue 18). So each text is prepared once per
 * connection and kept, found again by the address of its text (a literal,
 * or a statement inside an embedded file; both live as long as the
 * program). A statement of a file is prepared only when the file's run
 * reaches it, as before: a file may create the temporary table its next
 * statements read. A schema change re-prepares a kept statement by itself
 * (sqlite3_prepare_v3 keeps its text); one that fails is forgotten, and
 * prepared from its text again next time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "embed.h"
#include "log.h"
#include "sqlfile.h"

struct kept {
	const char *sql;  /* the text it was prepared from */
	const char *tail; /* what follows it in that text */
	sqlite3_stmt *s;
};

/* The statements kept for one connection: a few dozen, searched in order. */
struct conn_kept {
	sqlite3 *db;
	struct kept *k;
	size_t n, cap;
	struct conn_kept *next;
};

/* Connections may live in different threads; each uses its own entry. */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_kept *conns;
static int64_t last_changes;

int64_t sqlfile_changes(void)
{
	return last_changes;
}

static struct conn_kept *conn_of(sqlite3 *db, int create)
{
	struct conn_kept *c;

	pthread_mutex_lock(&conns_lock);
	for (c = conns; c && c->db != db; c = c->next)
		;
	if (!c && create && (c = calloc(1, sizeof(*c)))) {
		c->db = db;
		c->next = conns;
		conns = c;
	}
	pthread_mutex_unlock(&conns_lock);
	return c;
}

/* Keep s, prepared from sql: SQLITE_OK, or SQLITE_NOMEM with s finalized. */
static int keep(sqlite3 *db, const char *sql, const char *tail, sqlite3_stmt *s)
{
	struct conn_kept *c = conn_of(db, 1);

	if (c && c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct kept *k = realloc(c->k, cap * sizeof(*k));

		if (k) {
			c->k = k;
			c->cap = cap;
		}
	}
	if (!c || c->n == c->cap) {
		sqlite3_finalize(s);
		return SQLITE_NOMEM;
	}
	c->k[c->n++] = (struct kept){ sql, tail, s };
	return SQLITE_OK;
}

/* The statement kept for the text at sql, if any. */
static struct kept *find(sqlite3 *db, const char *sql)
{
	struct conn_kept *c = conn_of(db, 0);

	for (size_t i = 0; c && i < c->n; i++)
		if (c->k[i].sql == sql)
			return &c->k[i];
	return NULL;
}

int sqlfile_prepared(sqlite3 *db, const char *sql, sqlite3_stmt **out, const char **tail)
{
	struct kept *k = find(db, sql);
	const char *end;
	int rc;

	/* Another text at the same address (a caller's buffer): not this one. */
	if (k && memcmp(sqlite3_sql(k->s), sql, (size_t)(k->tail - k->sql))) {
		sqlfile_forget(db, k->s);
		k = NULL;
	}
	if (k) {
		*out = k->s;
		end = k->tail;
		sqlite3_reset(k->s);
		sqlite3_clear_bindings(k->s);
	} else {
		rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, &end);
		if (rc == SQLITE_OK && *out) /* NULL: only comments and space */
			rc = keep(db, sql, end, *out);
		if (rc != SQLITE_OK) {
			*out = NULL;
			return rc;
		}
	}
	if (tail)
		*tail = end;
	return SQLITE_OK;
}

void sqlfile_forget(sqlite3 *db, sqlite3_stmt *s)
{
	struct conn_kept *c = conn_of(db, 0);

	for (size_t i = 0; c && i < c->n; i++) {
		if (c->k[i].s == s) {
			c->k[i] = c->k[--c->n];
			break;
		}
	}
	sqlite3_finalize(s);
}

void sqlfile_close(sqlite3 *db)
{
	struct conn_kept **p, *c = NULL;

	pthread_mutex_lock(&conns_lock);
	for (p = &conns; *p; p = &(*p)->next) {
		if ((*p)->db == db) {
			c = *p;
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&conns_lock);
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		sqlite3_finalize(c->k[i].s);
	free(c->k);
	free(c);
}

/* Step s to its end (rows ignored) and reset it; a failed one is forgotten. */
static int run_kept(sqlite3 *db, sqlite3_stmt *s)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		sqlfile_forget(db, s);
		return rc;
	}
	sqlite3_reset(s);
	return SQLITE_OK;
}

int sqlfile_exec(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int rc = sqlfile_prepared(db, sql, &s, NULL);

	return rc != SQLITE_OK || !s ? rc : run_kept(db, s);
}

int sqlfile_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t dflt, int64_t *out)
{
	sqlite3_stmt *s;
	int rc = sqlfile_prepared(db, sql, &s, NULL);

	*out = dflt;
	if (rc != SQLITE_OK || !s)
		return rc;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlfile_forget(db, s);
		return rc;
	}
	/* a statement left on its row would keep its read open */
	sqlite3_reset(s);
	return SQLITE_OK;
}

int sqlfile_finish(sqlite3 *db, int rc, const char *what)
{
	if (rc == SQLITE_OK)
		rc = sqlfile_exec(db, "COMMIT");
	if (rc == SQLITE_OK)
		return 0;
	pr_debug("%s: %s", what, sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlfile_exec(db, "ROLLBACK");
	return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

static void bind_params(sqlite3_stmt *s, const struct sql_param *params, int n_params)
{
	for (int i = 0; i < n_params; i++) {
		int idx = sqlite3_bind_parameter_index(s, params[i].name);

		if (!idx)
			continue;
		if (params[i].is_null)
			sqlite3_bind_null(s, idx);
		else
			sqlite3_bind_int64(s, idx, params[i].value);
	}
}

int sqlfile_run(sqlite3 *db, const char *name, const struct sql_param *params, int n_params)
{
	const struct embedded_file *f = embed_find(netmon_maintenance, name);
	const char *sql, *tail;
	int rc = SQLITE_OK;

	last_changes = 0;
	if (!f)
		return -ENOENT;
	for (sql = f->text; rc == SQLITE_OK && *sql; sql = tail) {
		sqlite3_stmt *s = NULL;

		rc = sqlfile_prepared(db, sql, &s, &tail);
		if (rc != SQLITE_OK || !s) /* error, or only comments/space left */
			break;
		bind_params(s, params, n_params);
		rc = run_kept(db, s);
		if (rc == SQLITE_OK)
			last_changes += sqlite3_changes64(db);
		else
			pr_debug("%s: %s", name, sqlite3_errmsg(db));
	}
	return rc;
}
