// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live.c - netmon-record --live (live.h): the 1 s tick that peeks, builds a
 * frame and draws it. The terminal is live_term.c's, the numbers and rows
 * live_rows.c's, the database live_db.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "live.h"
#include "live_db.h"
#include "live_rows.h"
#include "live_term.h"
#include "live_view.h"
#include "log.h"
#include "test_hooks.h"

#define PLAIN_ROWS 10 /* rows per list without a terminal */
#define MAX_ANOMALIES 100
#define ANOMALY_INTERVALS 5 /* stored hits of this many intervals, at least 60 s */

struct live {
	struct live_opts o;
	struct live_term term;
	struct live_rows rows;
	struct live_db db;
	int timer_fd;
	int n_fds; /* what live_fds gave to poll */
	uint64_t last_ns, start_ns;
	double hb_rate; /* high_bandwidth_rate, bytes/s */
	struct fmt_buf frame;
	struct live_anomaly_row anomalies[MAX_ANOMALIES];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void live_drained(struct live *l, const struct snapshot *snap)
{
	if (l)
		live_rows_drained(&l->rows, snap);
}

/* Live hits (flows over the bandwidth threshold this second), then stored ones. */
static int anomaly_rows(struct live *l, const struct live_frame *f, int n_flows, int64_t since)
{
	int n = 0;

	for (int i = 0; i < n_flows && n < MAX_ANOMALIES; i++)
		if (f->flows[i].bps > l->hb_rate)
			l->anomalies[n++] = (struct live_anomaly_row){ .kind = "high_bandwidth",
								       .flow = &f->flows[i],
								       .value = f->flows[i].bps,
								       .threshold = l->hb_rate };
	return n + live_db_hits(&l->db, since, l->anomalies + n, MAX_ANOMALIES - n);
}

/* The last peek's frame, drawn. */
static int draw(struct live *l, double per_s, uint64_t now)
{
	struct live_frame f = { .ifaces = l->o.ifaces,
				.interval = l->o.interval,
				.proc_on = l->o.proc_on,
				.keys = l->term.key_fd >= 0 };
	unsigned int span = ANOMALY_INTERVALS * l->o.interval;
	int nf, err = 0;

	live_db_refresh(&l->db); /* the user may have named a port */
	nf = live_rows_frame(&l->rows, &f, per_s, l->term.ansi ? LIVE_ROWS_MAX : PLAIN_ROWS,
			     &l->db);
	if (nf < 0)
		return nf;
	span = span < 60 ? 60 : span;
	f.now = l->rows.peek.wall.tv_sec;
	f.running = (unsigned int)((now - l->start_ns) / 1000000000ull);
	f.anomaly_span = span;
	f.anomalies = l->anomalies;
	f.n_anomalies = anomaly_rows(l, &f, nf, f.now - span);
	l->frame.len = 0;
	/* The terminal reflowed the old frame when the window changed: start clean. */
	if (l->term.resized && l->term.ansi)
		err = fmt_buf_add(&l->frame, "\033[2J", 4);
	l->term.resized = 0;
	if (!err)
		err = live_view_render(&l->frame, &f, l->term.width,
				       l->term.ansi ? l->term.height : 0, l->term.ansi);
	if (!err && !l->term.ansi)
		err = fmt_buf_add(&l->frame, "\n", 1); /* frames apart */
	if (!err)
		live_term_write(&l->term, l->frame.s, l->frame.len);
	return err;
}

/*
 * Peek, difference, draw. Away from the terminal (^Z, then bg) the peeks go
 * on without drawing, so that the tables keep about two seconds of flows,
 * and each tick looks whether fg made the process the foreground again.
 * The first frame after a stop shows the rates averaged over the stop.
 */
static void tick(struct live *l)
{
	uint64_t now = mono_ns();
	double per_s = 1e9 / (double)(now - l->last_ns > 0 ? now - l->last_ns : 1);
	int err;

	if (l->term.broken)
		return;
	err = live_rows_peek(&l->rows, l->o.snap, 0);
	test_point("live"); /* the kernel's tables peeked, not drawn */
	l->last_ns = now;
	if (!err && (!l->term.away || live_term_back(&l->term)))
		err = draw(l, per_s, now);
	/* The view is an extra: its failure never stops the recording. */
	if (err) {
		pr_err("live view stopped: %s; recording goes on", strerror(-err));
		l->term.broken = 1;
	}
}

/* Ticks 1 s from now, every second. */
static int arm_timer(int fd)
{
	struct itimerspec its = { .it_interval = { .tv_sec = 1 }, .it_value = { .tv_sec = 1 } };

	return timerfd_settime(fd, 0, &its, NULL);
}

static int start_timer(struct live *l)
{
	/* A reader gone (a closed pipe) is a write error, not the end of the recorder. */
	signal(SIGPIPE, SIG_IGN);
	l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->timer_fd < 0 || arm_timer(l->timer_fd)) {
		pr_err("live view: cannot set up its timer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int live_open(struct live **out, const struct live_opts *o)
{
	struct live *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->timer_fd = l->term.key_fd = l->term.sig_fd = -1;
	for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++)
		if (!strcmp(anomaly_thresholds[i].name, "high_bandwidth_rate"))
			l->hb_rate = o->thresholds->value[i];
	err = live_rows_init(&l->rows);
	if (!err)
		err = live_db_open(&l->db, o->db_path, o->numeric);
	if (!err)
		err = start_timer(l);
	/* A first peek: rates start from here, not from the interval's start. */
	l->start_ns = l->last_ns = mono_ns();
	if (!err)
		err = live_rows_peek(&l->rows, o->snap, 1);
	if (!err)
		err = live_term_open(&l->term);
	if (err) {
		live_close(l);
		return err;
	}
	*out = l;
	return 0;
}

void live_close(struct live *l)
{
	if (!l)
		return;
	live_term_close(&l->term);
	if (l->timer_fd >= 0)
		close(l->timer_fd);
	live_db_close(&l->db);
	live_rows_free(&l->rows);
	fmt_buf_free(&l->frame);
	free(l);
}

int live_fds(struct live *l, struct pollfd *pfd)
{
	int n = 0;

	pfd[n++] = (struct pollfd){ .fd = l->timer_fd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = l->term.sig_fd, .events = POLLIN };
	/* Away in the background, the keys are the shell's. */
	if (l->term.key_fd >= 0 && !l->term.away)
		pfd[n++] = (struct pollfd){ .fd = l->term.key_fd, .events = POLLIN };
	l->n_fds = n;
	return n;
}

int live_handle(struct live *l, const struct pollfd *pfd)
{
	for (int i = 0; i < l->n_fds; i++) {
		uint64_t ticks;

		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == l->term.sig_fd) {
			/* Back from ^Z: a frame now, the next a second later. */
			if (live_term_signals(&l->term)) {
				arm_timer(l->timer_fd);
				tick(l);
			}
		} else if (pfd[i].fd == l->timer_fd) {
			if (read(l->timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
				tick(l);
		} else if (pfd[i].fd == l->term.key_fd &&
			   live_term_keys(&l->term, pfd[i].revents)) {
			return 1;
		}
	}
	return 0;
}
