// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * db.c - open, check and migrate a netmon database.
 *
 * Checks follow vnStat's dbsql.c: the file must be ours (application_id) and
 * of a version we know; WAL is read back; a busy timeout keeps ad-hoc readers
 * from failing the writer. Migrations are sql/NNNN_*.sql, embedded at build
 * time, each applied in its own BEGIN IMMEDIATE transaction together with the
 * user_version bump, so a crash leaves the database at a whole version.
 *
 * Before SQLite sees a file, stat() and its 100-byte header say what is
 * wrong in words SQLite does not have: a directory, a permission, a file cut
 * short. The writer also refuses another user's file, takes away other users'
 * write permission, and checks the b-trees (quick_check, bounded: see
 * docs/design.md) before it writes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "db_inuse.h"
#include "embed.h"
#include "log.h"
#include "sqlfile.h"

#define BUSY_TIMEOUT_MS 5000
/* The writer's check before it starts: docs/design.md has the measurements. */
#define CHECK_BUDGET_MS 2000
#define CHECK_EDGE_ROWS 10000
#define SQLITE_HEADER_SIZE 100

/* What the file system and the file's header say, before SQLite opens it. */
struct db_file {
	int wal_mode;	/* header bytes 18-19 are 2: WAL */
	int wal_exists; /* PATH-wal, not empty: a writer has it open, or left changes in it */
	int shm_exists; /* PATH-shm: the WAL's index; a reader needs it or a writable directory */
};

int db_schema_version(void)
{
	int n = 0;

	while (netmon_migrations[n].name)
		n++;
	return n;
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pr_err("%s: %s", sqlite3_db_filename(db, "main"), msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/* One integer from a pragma or query; -1 when it fails (e.g. not a database). */
static long long query_int(sqlite3 *db, const char *sql, int *rc_out)
{
	sqlite3_stmt *st;
	long long v = -1;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
	}
	if (rc_out)
		*rc_out = rc;
	return v;
}

/* PATH with SUFFIX ("-wal", "-shm") appended; 0 or -ENAMETOOLONG. */
static int sibling(char *buf, size_t size, const char *path, const char *suffix)
{
	return (size_t)snprintf(buf, size, "%s%s", path, suffix) < size ? 0 : -ENAMETOOLONG;
}

/* PATH-SUFFIX is there; with NONEMPTY, and holds something. */
static int exists(const char *path, const char *suffix, int nonempty)
{
	struct stat st;
	char p[4096];

	return !sibling(p, sizeof(p), path, suffix) && !stat(p, &st) && (!nonempty || st.st_size);
}

static unsigned int be16(const unsigned char *b)
{
	return (unsigned int)b[0] << 8 | b[1];
}

static unsigned int be32(const unsigned char *b)
{
	return (unsigned int)b[0] << 24 | (unsigned int)b[1] << 16 | (unsigned int)b[2] << 8 | b[3];
}

/*
 * The header (sqlite.org/fileformat2.html, 1.3): a file shorter than the
 * pages its header counts was cut (a copy stopped, a full disk), which SQLite
 * only reports as "malformed" once a query reaches the missing pages. The
 * page count is valid when the change counter (offset 24) equals offset 92.
 * Anything not a SQLite file is left to check_identity().
 */
static int check_header(const char *path, int fd, off_t size, struct db_file *f)
{
	unsigned char h[SQLITE_HEADER_SIZE];
	unsigned int page_size, pages;

	if (size < SQLITE_HEADER_SIZE || pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16))
		return 0;
	f->wal_mode = h[18] == 2 && h[19] == 2;
	page_size = be16(h + 16) == 1 ? 65536 : be16(h + 16);
	pages = be32(h + 28);
	if (page_size < 512 || (page_size & (page_size - 1)) || !pages ||
	    be32(h + 24) != be32(h + 92) || (long long)pages * page_size <= size)
		return 0;
	pr_err("%s: truncated: %lld bytes where its header counts %u pages of %u bytes "
	       "(%lld bytes); restore it from a backup",
	       path, (long long)size, pages, page_size, (long long)pages * page_size);
	return -EIO;
}

static void cannot_open(const char *path, enum db_mode mode, int errnum)
{
	pr_err("%s: cannot open: %s%s", path, strerror(errnum),
	       errnum == EACCES && mode == DB_READ_ONLY
		       ? " (readers need the netmon group: see netmon-report(1))"
		       : "");
}

/*
 * stat() and the header: a directory, a missing or unreadable file or one
 * cut short is named as such, before SQLite would call it "disk I/O error",
 * "unable to open database file" or "not a netmon database".
 */
static int inspect(const char *path, enum db_mode mode, int in_use, struct db_file *f)
{
	struct stat st;
	int fd, err;

	if (stat(path, &st)) {
		err = -errno;
		if (err == -ENOENT && mode == DB_READ_WRITE)
			return 0; /* created below */
		cannot_open(path, mode, -err);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_err("%s: is a directory, not a database file (--db names the file)", path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s: not a regular file, so not a database", path);
		return -EINVAL;
	}
	/* A file this process has open was read when it was first opened, and
	 * closing a descriptor of it now would drop SQLite's locks (db_inuse.h). */
	err = 0;
	if (!in_use) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			cannot_open(path, mode, -err);
			return err;
		}
		err = check_header(path, fd, st.st_size, f);
		close(fd);
	}
	/* An empty -wal (left by a reader that could not remove it) holds nothing. */
	f->wal_exists = exists(path, "-wal", 1);
	f->shm_exists = exists(path, "-shm", 0);
	return err;
}

/* "name (uid N)" of a user id, for messages. */
static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	snprintf(buf, size, "%s (uid %u)", pw ? pw->pw_name : "?", (unsigned int)uid);
	return buf;
}

/*
 * The writer's own file only: another user's file could hold anything (a
 * crafted schema runs in our process), and a file others may write lets
 * them rewrite the history. SQLite gives -wal and -shm the database's mode,
 * so a loose mode spreads. Fixed on the open file, so no other file is hit.
 */
static int check_owner(const char *path)
{
	char owner[64], self[64];
	struct stat st;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		pr_err("%s: cannot open: %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		pr_err("%s: cannot stat: %s", path, strerror(-err));
	} else if (st.st_uid != geteuid()) {
		pr_err("%s: owned by %s, not by %s who records: not writing into another user's "
		       "file (chown it, or choose another --db)",
		       path, user_name(st.st_uid, owner, sizeof(owner)),
		       user_name(geteuid(), self, sizeof(self)));
		err = -EPERM;
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		mode_t to = st.st_mode & 07777 & ~(mode_t)(S_IWGRP | S_IWOTH);

		if (fchmod(fd, to)) {
			err = -errno;
			pr_err("%s: mode %04o lets other users rewrite the history, and chmod "
			       "failed: %s",
			       path, st.st_mode & 07777, strerror(-err));
		} else {
			pr_warn("%s: mode %04o let other users rewrite the history: changed to "
				"%04o",
				path, st.st_mode & 07777, to);
		}
	}
	close(fd);
	return err;
}

static int check_ownership(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[4096];
	int err;

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		err = sibling(p, sizeof(p), path, suffix[i]);
		if (!err)
			err = check_owner(p);
		if (err)
			return err;
	}
	return 0;
}

/* Can this process write PATH (W_OK is false on a read-only mount too)? */
static int writable(const char *path)
{
	return !faccessat(AT_FDCWD, path, W_OK, AT_EACCESS);
}

static int dir_writable(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return writable(".");
	if (slash == path)
		return writable("/");
	if ((size_t)(slash - path) >= sizeof(dir))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return writable(dir);
}

/* "file:PATH?immutable=1", with the characters a URI gives meaning escaped. */
static int immutable_uri(char *buf, size_t size, const char *path)
{
	size_t n = (size_t)snprintf(buf, size, "file:%s", path[0] == '/' ? "//" : "");
	const unsigned char *c = (const unsigned char *)path;

	for (; *c && n + 4 < size; c++) {
		if (*c == '%' || *c == '?' || *c == '#' || *c <= ' ' || *c >= 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "%%%02X", *c);
		else
			buf[n++] = (char)*c;
	}
	if (*c || (size_t)snprintf(buf + n, size - n, "?immutable=1") >= size - n)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A reader of a WAL database needs PATH-wal and PATH-shm, and creates them
 * when they are missing; a read-only connection cannot remove them again,
 * so every report left both behind, and where it may not create them (a
 * reader of the netmon group, a read-only mount) it could not open at all.
 * Without PATH-wal every committed change is in the file itself, so:
 * - where this process may write the file and its directory, it opens
 *   read-write with query_only on: it writes nothing, and as the last
 *   connection SQLite's own close removes the two files again;
 * - elsewhere it opens the file immutable (no locks, no -wal, no -shm).
 * With PATH-wal present a writer runs, or left changes: read as usual.
 */
static int open_reader(const char *path, const struct db_file *f, sqlite3 **db, int *query_only)
{
	char uri[4200];
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;

	*query_only = 0;
	if (!f->wal_mode || f->wal_exists)
		return sqlite3_open_v2(path, db, flags, NULL);
	if (writable(path) && dir_writable(path)) {
		*query_only = 1;
		return sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	}
	if (immutable_uri(uri, sizeof(uri), path))
		return SQLITE_CANTOPEN;
	pr_debug("%s: opened immutable: no -wal, and it cannot create one here", path);
	return sqlite3_open_v2(uri, db, flags | SQLITE_OPEN_URI, NULL);
}

/*
 * Why SQLite could not read the file, in one line: its code says damaged or
 * not SQLite; the errno under it says "Permission denied" or "Read-only
 * file system" where SQLite says "unable to open database file".
 */
/*
 * What a writer meets: SQLite's last system errno is its last failed call's,
 * often a fallback's (a file it could not open read-write on a read-only
 * mount is tried read-only; a new one then is not there: ENOENT). Asked of
 * the file, or of its directory for a new one: EROFS, EACCES; else sys.
 */
static int writer_errno(const char *path, int sys)
{
	if (!access(path, F_OK))
		return writable(path) ? sys : errno;
	return dir_writable(path) ? sys : errno;
}

static void explain_failure(sqlite3 *db, const char *path, const struct db_file *f,
			    enum db_mode mode, int rc)
{
	int sys = db ? sqlite3_system_errno(db) : 0;

	if (mode == DB_READ_WRITE && (rc & 0xff) == SQLITE_CANTOPEN)
		sys = writer_errno(path, sys);

	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		pr_err("%s: not a netmon database (not a SQLite file)", path);
		return;
	case SQLITE_CORRUPT:
		pr_err("%s: damaged database (%s); restore it from a backup", path,
		       sqlite3_errstr(rc));
		return;
	}
	if (f->wal_mode && f->wal_exists && !f->shm_exists)
		pr_err("%s: its -wal holds changes not yet in the file, and its -shm cannot be "
		       "created here (%s): read it where the directory is writable",
		       path, sys ? strerror(sys) : sqlite3_errstr(rc));
	else
		pr_err("%s: cannot open: %s%s%s", path, sqlite3_errstr(rc), sys ? ": " : "",
		       sys ? strerror(sys) : "");
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * The check's time budget. SQLite 3.40 runs a quick_check inside one VDBE
 * instruction, so a progress handler is not called until it ends; the
 * interrupt flag is read inside it, and sqlite3_interrupt() may be called
 * from another thread (sqlite.org/c3ref/interrupt.html).
 */
struct watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	sqlite3 *db;
	int done, running;
};

static void *watchdog_run(void *arg)
{
	struct watchdog *w = arg;
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline);
	if (!w->done)
		sqlite3_interrupt(w->db);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void watchdog_start(struct watchdog *w, sqlite3 *db, unsigned int ms)
{
	pthread_condattr_t attr;
	long ns;

	*w = (struct watchdog){ .db = db, .lock = PTHREAD_MUTEX_INITIALIZER };
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	ns = w->deadline.tv_nsec + (long)(ms % 1000) * 1000000L;
	w->deadline.tv_sec += ms / 1000 + ns / 1000000000L;
	w->deadline.tv_nsec = ns % 1000000000L;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	/* Without a thread the check is whole, unbounded: said at -v. */
	w->running = !pthread_create(&w->thread, NULL, watchdog_run, w);
	if (!w->running)
		pr_debug("no thread for the check's time budget: checking every table whole");
}

/* After this no interrupt comes; one that came is cleared by SQLite's next statement. */
static void watchdog_stop(struct watchdog *w)
{
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->done = 1;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	pthread_cond_destroy(&w->cond);
}

static int damaged(const char *path, const char *what, const char *problem, int more)
{
	char line[512];
	const char *head = "*** in database main ***\n";
	size_t n;

	/* One line: quick_check heads its list with the schema's name, one problem a line. */
	if (!strncmp(problem, head, strlen(head)))
		problem += strlen(head);
	snprintf(line, sizeof(line), "%s", problem);
	for (n = 0; line[n]; n++)
		if (line[n] == '\n' || line[n] == '\r')
			line[n] = line[n + 1] ? ';' : '\0';
	problem = line;
	pr_err("%s: damaged database (%s: %s%s); not writing into it, left as it is: restore it "
	       "from a backup or move it aside",
	       path, what, problem, more ? ", and more" : "");
	return -EIO;
}

/* 0 when the statement's rows are one "ok", -EINTR when interrupted, else -EIO (logged). */
static int run_check(sqlite3 *db, const char *path, const char *what, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);

		if (row && strcmp(row, "ok")) {
			char *first = sqlite3_mprintf("%s", row);

			/* The next step frees row: copied first. */
			err = damaged(path, what, first ? first : "?",
				      sqlite3_step(st) == SQLITE_ROW);
			sqlite3_free(first);
			break;
		}
	}
	if (!err && rc == SQLITE_INTERRUPT)
		err = -EINTR;
	else if (!err && rc != SQLITE_DONE)
		err = damaged(path, what, sqlite3_errmsg(db), 0);
	sqlite3_finalize(st);
	return err;
}

/*
 * Every row at both ends of TABLE: where new rows go, and where retention
 * deletes (a WITHOUT ROWID table: its first rows only).
 */
static int check_edges(sqlite3 *db, const char *path, const char *table, int without_rowid)
{
	char *sql =
		sqlite3_mprintf(without_rowid ? "SELECT 'ok' FROM (SELECT * FROM \"%w\" LIMIT %d)"
					      : "SELECT 'ok' FROM (SELECT * FROM \"%w\" ORDER BY "
						"_rowid_ DESC LIMIT %d) UNION ALL SELECT 'ok' FROM "
						"(SELECT * FROM \"%w\" ORDER BY _rowid_ LIMIT %d)",
				table, CHECK_EDGE_ROWS, table, CHECK_EDGE_ROWS);
	int err = sql ? run_check(db, path, table, sql) : -ENOMEM;

	sqlite3_free(sql);
	return err;
}

#define CHECK_MAX_TABLES 64

struct check_list {
	char *name[CHECK_MAX_TABLES];
	int without_rowid[CHECK_MAX_TABLES];
	int n;
};

/* The tables, the raw flows (nine tenths of a long history) last. */
static int list_tables(sqlite3 *db, const char *path, struct check_list *l)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' "
			       "AND type = 'table' AND name NOT LIKE 'sqlite%' "
			       "ORDER BY name = 'flows', name",
			       -1, &st, NULL) != SQLITE_OK)
		return damaged(path, "schema", sqlite3_errmsg(db), 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && l->n < CHECK_MAX_TABLES) {
		l->name[l->n] = sqlite3_mprintf("%s", sqlite3_column_text(st, 0));
		l->without_rowid[l->n] = sqlite3_column_int(st, 1);
		if (!l->name[l->n++]) {
			err = -ENOMEM;
			break;
		}
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = damaged(path, "schema", sqlite3_errmsg(db), 0);
	sqlite3_finalize(st);
	return err;
}

/*
 * The check before writing, bounded (docs/design.md): quick_check table by
 * table within CHECK_BUDGET_MS; the tables the budget does not reach whole
 * are read at both ends. Errors are logged; returns 0, -EIO or -ENOMEM.
 */
static int check_tables(sqlite3 *db, const char *path)
{
	struct check_list l = { .n = 0 };
	struct watchdog w;
	double t0 = now_s();
	int err, whole = 0, budget_out = 0;
	char partial[256] = "";

	err = list_tables(db, path, &l);
	watchdog_start(&w, db, CHECK_BUDGET_MS);
	for (int i = 0; !err && i < l.n; i++) {
		char *sql = sqlite3_mprintf("PRAGMA quick_check(\"%w\")", l.name[i]);

		err = budget_out ? -EINTR : sql ? run_check(db, path, "quick_check", sql) : -ENOMEM;
		sqlite3_free(sql);
		if (err == -EINTR) {
			budget_out = 1;
			err = check_edges(db, path, l.name[i], l.without_rowid[i]);
			snprintf(partial + strlen(partial), sizeof(partial) - strlen(partial),
				 "%s%s", *partial ? ", " : "", l.name[i]);
		} else {
			whole++;
		}
	}
	watchdog_stop(&w);
	for (int i = 0; i < l.n; i++)
		sqlite3_free(l.name[i]);
	if (!err && budget_out)
		pr_info("%s: checked in %.1f s: %d tables whole, %s at both ends only "
			"(sqlite3 %s 'PRAGMA quick_check' checks all)",
			path, now_s() - t0, whole, partial, path);
	else if (!err)
		pr_debug("%s: quick_check ok (%d tables, %.1f s)", path, whole, now_s() - t0);
	return err;
}

static int migrate(sqlite3 *db, const char *path, int from)
{
	char bump[64];
	int to = db_schema_version();

	for (int v = from + 1; v <= to; v++) {
		const struct embedded_file *m = &netmon_migrations[v - 1];

		if (atoi(m->name) != v) {
			pr_err("migration %s is out of sequence (expected %04d)", m->name, v);
			return -EINVAL;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d;", v);
		if (db_exec(db, "BEGIN IMMEDIATE;"))
			return -EIO;
		if (db_exec(db, m->text) || db_exec(db, bump) || db_exec(db, "COMMIT;")) {
			sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
			pr_err("%s: migration %s failed; the database is unchanged at version %d",
			       path, m->name, v - 1);
			return -EIO;
		}
		if (from > 0)
			pr_info("%s: upgraded schema to version %d (%s)", path, v, m->name);
	}
	return 0;
}

/* Is this file ours, and of a version we can use? Sets *version. */
static int check_identity(sqlite3 *db, const char *path, const struct db_file *f, enum db_mode mode,
			  int *version)
{
	long long app_id, tables;
	int rc;

	/* The first read: where an unreadable or damaged file shows. */
	app_id = query_int(db, "PRAGMA application_id;", &rc);
	if (rc != SQLITE_OK) {
		explain_failure(db, path, f, mode, rc);
		return (rc & 0xff) == SQLITE_NOTADB ? -EINVAL : -EIO;
	}
	*version = (int)query_int(db, "PRAGMA user_version;", NULL);
	tables = query_int(db, "SELECT count(*) FROM sqlite_schema;", NULL);
	if (app_id != NETMON_APPLICATION_ID && (tables > 0 || *version != 0 || app_id != 0)) {
		pr_err("%s: not a netmon database (another application's SQLite file); not "
		       "touching it",
		       path);
		return -EINVAL;
	}
	if (*version > db_schema_version()) {
		pr_err("%s: schema version %d is newer than version %d of this netmon; upgrade "
		       "netmon",
		       path, *version, db_schema_version());
		return -EPROTO;
	}
	if (mode == DB_READ_ONLY && *version < db_schema_version()) {
		if (*version == 0)
			pr_err("%s: empty database: nothing recorded yet (run netmon-record)",
			       path);
		else
			pr_err("%s: schema version %d is older than version %d; netmon-record "
			       "upgrades it",
			       path, *version, db_schema_version());
		return -EPROTO;
	}
	return 0;
}

/* Settings of the writer; see ../shared/NOTES-bpf.md for the measurements. */
static int configure_writer(sqlite3 *db, const char *path, int is_new)
{
	sqlite3_stmt *st;
	int wal = 0;

	/* auto_vacuum must be chosen before the first table exists. */
	if (is_new && db_exec(db, "PRAGMA auto_vacuum = INCREMENTAL;"))
		return -EIO;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL;", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			wal = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
	}
	if (!wal) {
		pr_err("%s: cannot switch to WAL journal mode: %s", path, sqlite3_errmsg(db));
		return -EIO;
	}
	/* Debian builds SQLite with FULL sync in WAL and SECURE_DELETE on:
	 * NORMAL is durable across application crashes, and FAST secure
	 * delete clears freed rows only where it costs no extra I/O. */
	return db_exec(db, "PRAGMA synchronous = NORMAL;"
			   "PRAGMA secure_delete = FAST;"
			   "PRAGMA cache_size = -65536;");
}

/*
 * The b-trees, once per file and process (the recorder opens it twice); a
 * new database (version 0) has none to check.
 */
static int check_once(sqlite3 *db, const char *path, int version)
{
	static dev_t checked_dev;
	static ino_t checked_ino;
	struct stat st;
	int err;

	if (stat(path, &st))
		return 0; /* SQLite has it open: nothing to say beyond its own errors */
	if (checked_ino && st.st_dev == checked_dev && st.st_ino == checked_ino)
		return 0;
	err = version > 0 ? check_tables(db, path) : 0;
	if (!err) {
		checked_dev = st.st_dev;
		checked_ino = st.st_ino;
	}
	return err;
}

int db_open(const char *path, enum db_mode mode, sqlite3 **out)
{
	struct db_file f = { 0 };
	sqlite3 *db = NULL;
	int err, rc, query_only = 0, version = 0, in_use = db_inuse(path);

	*out = NULL;
	err = inspect(path, mode, in_use, &f);
	if (err)
		return err;
	if (mode == DB_READ_WRITE) {
		/* Checked when this process first opened it (db_inuse.h). */
		err = in_use ? 0 : check_ownership(path);
		if (err)
			return err;
		rc = sqlite3_open_v2(
			path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			NULL);
	} else {
		rc = open_reader(path, &f, &db, &query_only);
	}
	if (rc != SQLITE_OK) {
		explain_failure(db, path, &f, mode, rc);
		err = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if (query_only && (err = db_exec(db, "PRAGMA query_only = ON;")))
		goto fail;
	err = check_identity(db, path, &f, mode, &version);
	if (err)
		goto fail;
	if (mode == DB_READ_WRITE) {
		/* Checked before the first write, once per file and process. */
		if ((err = check_once(db, path, version)))
			goto fail;
		err = configure_writer(db, path, version == 0);
		if (err)
			goto fail;
		if (version == 0 && (err = db_exec(db, "PRAGMA application_id = 1852665710;")))
			goto fail;
		err = migrate(db, path, version);
		if (err)
			goto fail;
	}
	err = db_inuse_add(db, path);
	if (err)
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return err;
}

void db_close(sqlite3 *db)
{
	if (!db)
		return;
	/* Statistics for the next reader; a reader writes nothing. */
	if (!sqlite3_db_readonly(db, "main") && query_int(db, "PRAGMA query_only;", NULL) == 0)
		sqlite3_exec(db, "PRAGMA optimize;", NULL, NULL, NULL);
	db_inuse_remove(db);
	sqlfile_close(db); /* its kept statements would keep it open */
	sqlite3_close(db);
}
