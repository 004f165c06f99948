// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * metrics.c - the metrics' two ways out: the endpoint (metrics_http.c) and
 * the file for node_exporter's textfile collector, replaced by rename so
 * that the collector reads either the last page or the one before, whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "embed.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "metrics_listen.h"
#include "metrics_page.h"
#include "store/anomaly_eval.h"

/* The anomaly rules there are (sql/anomaly/), one kind each. */
#define MAX_KINDS 32

struct metrics {
	struct metrics_state state;
	struct metrics_http *http; /* NULL: no --metrics-listen */
	const char *file;	   /* NULL: no --metrics-file */
	const char *db_path;
	int file_failing;  /* the last write of the file failed (logged once) */
	int state_failing; /* an interval could not be added (logged once) */
	char kind[MAX_KINDS][64];
	const char *kinds[MAX_KINDS];
	uint64_t hits[MAX_KINDS];
	size_t n_kinds;
};

/*
 * text into path through a temporary file in its directory, renamed over
 * it: named with a dot and without .prom, which the collector skips. Mode
 * 0644: the exporter runs as another user. 0 or -errno.
 */
static int write_file(const char *path, const char *text, size_t len)
{
	const char *slash = strrchr(path, '/');
	char tmp[PATH_MAX];
	size_t off = 0;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
		     slash ? slash + 1 : path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (!err && off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno != EINTR)
			err = -errno;
		off += n > 0 ? (size_t)n : 0;
	}
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* The anomaly kinds: one per rule file, "port_scan.sql" -> "port_scan". */
static void load_kinds(struct metrics *m)
{
	for (const struct embedded_file *f = netmon_anomaly_rules; f->name; f++) {
		size_t n = strcspn(f->name, ".");

		if (m->n_kinds == MAX_KINDS || n >= sizeof(m->kind[0]))
			break;
		snprintf(m->kind[m->n_kinds], sizeof(m->kind[0]), "%.*s", (int)n, f->name);
		m->kinds[m->n_kinds] = m->kind[m->n_kinds];
		m->n_kinds++;
	}
}

/* The page now, with what is not a sum of intervals read at this moment. */
static int build(struct metrics *m, size_t backlog, const struct anomaly_eval *a, char **text,
		 size_t *len)
{
	struct metrics_health h = { .backlog = backlog,
				    .db_bytes = -1,
				    .n_anomaly = m->n_kinds,
				    .anomaly_kind = m->kinds,
				    .anomaly_hits = m->hits };
	char rule[80], wal[PATH_MAX];
	struct stat st;

	/* What the database takes on disk: its file and the write-ahead log. */
	if (!stat(m->db_path, &st))
		h.db_bytes = st.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", m->db_path);
	if (h.db_bytes >= 0 && !stat(wal, &st))
		h.db_bytes += st.st_size;
	for (size_t i = 0; i < m->n_kinds; i++) {
		snprintf(rule, sizeof(rule), "%s.sql", m->kind[i]);
		m->hits[i] = anomaly_eval_stored(a, rule);
	}
	return metrics_page_build(&m->state, &h, text, len);
}

/* The file replaced; a failure logged when it starts and when it ends. */
static int publish_file(struct metrics *m, const char *text, size_t len)
{
	int err = write_file(m->file, text, len);

	if (err && !m->file_failing)
		pr_warn("--metrics-file %s: %s (written again after each interval)", m->file,
			strerror(-err));
	else if (!err && m->file_failing)
		pr_info("--metrics-file %s written again", m->file);
	m->file_failing = !!err;
	return err;
}

void metrics_publish(struct metrics *m, size_t backlog, const struct anomaly_eval *a)
{
	char *text;
	size_t len;

	if (!m)
		return;
	if (build(m, backlog, a, &text, &len)) {
		pr_warn("metrics: out of memory: the page stays as it was");
		return;
	}
	if (m->file)
		publish_file(m, text, len);
	if (m->http && metrics_http_set_page(m->http, text, len))
		pr_warn("metrics: out of memory: the page stays as it was");
	if (!m->http)
		free(text);
}

void metrics_interval_written(struct metrics *m, const struct store *st,
			      const struct snapshot *snap, int64_t end, uint64_t write_us)
{
	int err = metrics_state_add(&m->state, st, snap, end, write_us);

	/* Counters that skip an interval would lie from then on: say so. */
	if (err && !m->state_failing)
		pr_err("metrics: out of memory: the interval ending at %lld is not in the counters",
		       (long long)end);
	m->state_failing = !!err;
}

/* The listening socket of --metrics-listen, bound now. */
static int open_listener(struct metrics *m, const char *value)
{
	struct sockaddr_storage sa;
	socklen_t len;

	if (metrics_listen_parse(value, &sa, &len)) {
		pr_err("invalid --metrics-listen '%s'", value); /* cli.c checked it */
		return -EINVAL;
	}
	return metrics_http_bind(&m->http, &sa, len, value);
}

int metrics_open(struct metrics **out, const struct metrics_opts *o)
{
	struct metrics *m;
	char *text = NULL;
	size_t len;
	int err;

	*out = NULL;
	if (!o->listen && !o->file)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->file = o->file;
	m->db_path = o->db_path;
	load_kinds(m);
	err = o->listen ? open_listener(m, o->listen) : 0;
	if (!err)
		err = build(m, 0, NULL, &text, &len);
	if (!err && m->file && (err = write_file(m->file, text, len)))
		pr_err("--metrics-file %s: %s", m->file, strerror(-err));
	if (!err && m->http)
		err = metrics_http_set_page(m->http, text, len);
	else
		free(text);
	if (err) {
		metrics_close(m);
		return err;
	}
	*out = m;
	return 0;
}

int metrics_serve(struct metrics *m)
{
	return m && m->http ? metrics_http_start(m->http) : 0;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	metrics_http_close(m->http);
	metrics_state_free(&m->state);
	free(m);
}
