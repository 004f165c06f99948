// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * netmon-record - record per-flow and per-interface traffic into SQLite.
 *
 * main() reads as a checklist: each phase has a one-line comment, and the
 * teardown undoes the phases in reverse.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "anomaly_eval.h"
#include "attach.h"
#include "backlog.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "flow_load.h"
#include "live.h"
#include "log.h"
#include "maintain.h"
#include "privs.h"
#include "proc_load.h"
#include "reload.h"
#include "replay.h"
#include "snapshot.h"
#include "store.h"

struct recorder {
	struct cli_config cfg;
	struct attachment ifaces[CLI_MAX_IFACES];
	int n_ifaces;
	struct flow_bpf *skel;
	struct proc_bpf *proc;    /* NULL when per-process accounting is off */
	struct snapshotter *snap;
	struct backlog *backlog;
	struct store *store;
	struct anomaly_eval *anomaly; /* NULL: no rule evaluation */
	struct live *live;            /* --live: the view drawn every second */
	int sig_fd, timer_fd;
	int64_t interval_start; /* unix seconds */
	struct maintain maint;  /* rollups and retention between intervals */
	int argc;               /* the command line, read again on SIGHUP */
	char **argv;
};

/*
 * SIGTERM (what systemd and the tests send) always stops the recorder.
 * SIGINT does too, unless it was inherited as ignored: a shell starts
 * background jobs that way so that ^C in the terminal spares them, and we
 * keep that promise. Signals are read through signalfd, never in a handler.
 */
static int setup_signals(void)
{
	struct sigaction old;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaddset(&set, SIGINT);
	signal(SIGTERM, SIG_DFL);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		pr_err("sigprocmask: %s", strerror(errno));
		return -errno;
	}
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* A CLOCK_REALTIME timer firing on every multiple of interval seconds. */
static int setup_timer(unsigned int interval)
{
	struct itimerspec its = { .it_interval = { .tv_sec = interval } };
	struct timespec now;
	int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0) {
		pr_err("timerfd_create: %s", strerror(errno));
		return -errno;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = (now.tv_sec / interval + 1) * interval;
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		pr_err("timerfd_settime: %s", strerror(errno));
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * Snapshot the kernel maps as the interval ending at ts_end and write every
 * interval that waits (backlog.h). With the backlog full the counts stay in
 * the kernel and the current interval simply goes on. final: the last one.
 */
static int record_interval(struct recorder *r, int64_t ts_end, int final)
{
	struct snapshot *slot = backlog_slot(r->backlog, final);
	int err;

	if (!slot) {
		backlog_flush(r->backlog, r->store);
		slot = backlog_slot(r->backlog, final);
		if (!slot)
			return 0;
	}
	err = snapshot_take(r->snap, slot);
	if (err)
		return err;
	live_drained(r->live, slot); /* its rates span the flip */
	if (ts_end < r->interval_start)
		ts_end = r->interval_start;
	backlog_push(r->backlog, r->interval_start, ts_end);
	r->interval_start = ts_end;
	/* After the COMMIT, in their own transactions: they never cost an interval. */
	r->maint.keep = r->cfg.keep; /* SIGHUP may have changed it */
	if (!backlog_flush(r->backlog, r->store) && !final) {
		anomaly_eval_run(r->anomaly);
		/* Housekeeping only when everything is written: a tenth of the interval. */
		maintain_run(&r->maint, store_db(r->store), ts_end, r->cfg.interval * 100);
	}
	return 0;
}

/*
 * The anomaly rules' evaluator, on its own connection. Without it the
 * recorder records as before (the report evaluates the rules itself).
 * Each rule gets a quarter of an interval, at most 10 s, so a slow one
 * cannot hold up the next snapshot for long.
 */
static void start_anomaly_eval(struct recorder *r)
{
	unsigned int budget = r->cfg.interval >= 40 ? 10000 : r->cfg.interval * 250;

	if (anomaly_eval_open(&r->anomaly, r->cfg.db_path, &r->cfg.thresholds, budget))
		pr_warn("anomaly rules are not evaluated while recording; "
			"netmon-report anomalies still evaluates them");
}

/* On a timer tick: the interval ends at the last boundary that has passed. */
static int on_timer(struct recorder *r)
{
	uint64_t expirations;
	struct timespec now;

	if (read(r->timer_fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	return record_interval(r, now.tv_sec / r->cfg.interval * r->cfg.interval, 0);
}

/*
 * SIGHUP: read the configuration again. A new interval length ends the
 * current interval now (written as usual) and the timer runs on multiples of
 * the new length from here; nothing is counted twice or lost (record_interval).
 */
static int on_reload(struct recorder *r)
{
	struct cli_config next;
	struct timespec now;
	unsigned int applied;
	int fd;

	pr_info("SIGHUP: reading the configuration again");
	if (reload_read(r->argc, r->argv, &next)) {
		pr_err("reload failed: the configuration stays as it was");
		return 0;
	}
	applied = reload_merge(&r->cfg, &next);
	if (applied & RELOAD_THRESHOLDS)
		anomaly_eval_set(r->anomaly, &r->cfg.thresholds);
	if (!(applied & RELOAD_INTERVAL))
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec > r->interval_start && record_interval(r, now.tv_sec, 0))
		return -EIO;
	fd = setup_timer(r->cfg.interval);
	if (fd < 0)
		return fd;
	close(r->timer_fd);
	r->timer_fd = fd;
	return 0;
}

/* Poll until a stop signal or --duration; returns 0 or -errno. */
static int run_loop(struct recorder *r)
{
	struct pollfd pfd[2 + LIVE_MAX_FDS] = { { .fd = r->sig_fd, .events = POLLIN },
						{ .fd = r->timer_fd, .events = POLLIN } };
	struct timespec start, now;
	int timeout = -1, n = 2;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (r->cfg.duration) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			double left = r->cfg.duration - (now.tv_sec - start.tv_sec) -
				      (now.tv_nsec - start.tv_nsec) / 1e9;
			if (left <= 0)
				return 0;
			timeout = (int)(left * 1000) + 1;
		}
		if (r->live)
			n = 2 + live_fds(r->live, pfd + 2);
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			return -errno;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(r->sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo != SIGHUP) {
				pr_info("signal %d: writing the last interval", si.ssi_signo);
				return 0;
			}
			if (on_reload(r))
				return -EIO;
			pfd[1].fd = r->timer_fd;
			continue; /* the old timer's revents are stale */
		}
		if ((pfd[1].revents & POLLIN) && on_timer(r))
			return -EIO;
		if (r->live && live_handle(r->live, pfd + 2)) {
			pr_info("q: writing the last interval");
			return 0;
		}
	}
}

/* The interfaces named with -i, or every suitable one. */
static int choose_ifaces(struct recorder *r)
{
	int n;

	if (!r->cfg.n_ifaces) {
		n = attach_default_ifaces(r->ifaces, CLI_MAX_IFACES);
		if (n < 0)
			return n;
		r->n_ifaces = n;
		return 0;
	}
	for (int i = 0; i < r->cfg.n_ifaces; i++) {
		int err = attach_check_iface(r->cfg.ifaces[i], &r->ifaces[i]);

		if (err)
			return err;
	}
	r->n_ifaces = r->cfg.n_ifaces;
	return 0;
}

/* The database's directory, when missing, is ours to create: private (0750). */
static int ensure_db_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (mkdir(dir, 0750) && errno != EEXIST) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static int attach_all(struct recorder *r)
{
	int in = flow_prog_fd(r->skel, NETMON_DIR_IN), out = flow_prog_fd(r->skel, NETMON_DIR_OUT);
	int xdp = r->cfg.hook_xdp ? flow_xdp_prog_fd(r->skel) : -1;

	for (int i = 0; i < r->n_ifaces; i++) {
		int err = attach_hooks(&r->ifaces[i], in, out, xdp);

		if (err)
			return err;
	}
	return 0;
}

static void detach_all(struct recorder *r)
{
	for (int i = r->n_ifaces - 1; i >= 0; i--)
		attach_detach(&r->ifaces[i]);
}

/* "eth0, eth1": the interfaces watched. */
static void iface_names(const struct recorder *r, char *names)
{
	names[0] = '\0';
	for (int i = 0; i < r->n_ifaces; i++) {
		if (i)
			strcat(names, ", ");
		strcat(names, r->ifaces[i].name);
	}
}

static void log_ready(const struct recorder *r)
{
	char names[CLI_MAX_IFACES * (IF_NAMESIZE + 2)];

	iface_names(r, names);
	pr_info("recording on %s into %s every %u s", names, r->cfg.db_path, r->cfg.interval);
}

/* --live: the view takes the terminal once recording runs. */
static int start_live(struct recorder *r)
{
	static char names[CLI_MAX_IFACES * (IF_NAMESIZE + 2)];

	iface_names(r, names);
	return live_open(&r->live, &(struct live_opts){ .snap = r->snap,
							.db_path = r->cfg.db_path,
							.ifaces = names,
							.interval = r->cfg.interval,
							.proc_on = r->proc != NULL,
							.thresholds = &r->cfg.thresholds });
}

static int detach_stale(const struct cli_config *cfg)
{
	int err = 0;

	if (!cfg->n_ifaces) {
		pr_err("--detach needs the interfaces to clean: -i IFACE");
		return EXIT_USAGE;
	}
	for (int i = 0; i < cfg->n_ifaces; i++)
		err |= attach_remove_stale(cfg->ifaces[i]);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* netmon-record --read FILE: the capture through the same program and store. */
static int import_capture(struct recorder *r)
{
	struct flow_load_opts lo = { .max_flows = r->cfg.max_flows,
				     .max_flows6 = r->cfg.max_flows6,
				     .clock_from_packet = 1 };
	const char *base = strrchr(r->cfg.read_path, '/');
	struct replay_opts ro = {
		.path = r->cfg.read_path,
		.iface_name = r->cfg.n_ifaces ? r->cfg.ifaces[0] : base ? base + 1 : r->cfg.read_path,
		.interval = r->cfg.interval,
	};
	struct snapshot_maps maps;
	int err;

	err = flow_load_with(&r->skel, &lo);
	if (!err)
		err = ensure_db_dir(r->cfg.db_path);
	if (!err)
		err = store_open(&r->store, r->cfg.db_path);
	if (!err) {
		flow_snapshot_maps(r->skel, &maps);
		err = snapshot_open(&r->snap, &maps);
	}
	if (!err)
		start_anomaly_eval(r);
	err = err ? err : replay_file(&ro, r->skel, r->snap, r->store);
	/* Roll up what is complete; an old capture is history, not expired. */
	r->maint.no_retention = 1;
	if (!err && maintain_run(&r->maint, store_db(r->store), 0, 0) < 0)
		err = -EIO;
	/* The rules over every interval imported (what the capture wrote). */
	anomaly_eval_run(r->anomaly);
	return err;
}

static int record(struct recorder *r)
{
	struct timespec now;
	int err;

	/* Interfaces, then the kernel side (needs privileges), then the file. */
	err = choose_ifaces(r);
	if (!err)
		err = flow_load_with(&r->skel, &(struct flow_load_opts){
						    .max_flows = r->cfg.max_flows,
						    .max_flows6 = r->cfg.max_flows6 });
	if (!err)
		err = ensure_db_dir(r->cfg.db_path);
	if (!err)
		err = store_open(&r->store, r->cfg.db_path);
	if (!err)
		err = backlog_open(&r->backlog);
	if (!err)
		start_anomaly_eval(r);
	if (!err) {
		struct snapshot_maps maps;

		flow_snapshot_maps(r->skel, &maps);
		/* Per-process counting starts here; without it, flows go on. */
		if (!r->cfg.no_process && !proc_start(&r->proc))
			proc_snapshot_maps(r->proc, &maps);
		err = snapshot_open(&r->snap, &maps);
	}
	/* Timer before attaching, so that counting starts with an interval open. */
	if (!err && (r->timer_fd = setup_timer(r->cfg.interval)) < 0)
		err = r->timer_fd;
	if (err)
		return err;
	clock_gettime(CLOCK_REALTIME, &now);
	r->interval_start = now.tv_sec;
	/* Attach; from here on every packet is counted. */
	err = attach_all(r);
	if (err)
		return err;
	privs_drop();
	log_ready(r);
	if (r->cfg.live && (err = start_live(r)))
		return err;
	err = run_loop(r);
	/* The terminal back first, so that what follows reads as usual. */
	live_close(r->live);
	r->live = NULL;
	/* Detach first, so that the last snapshot holds every counted packet. */
	detach_all(r);
	proc_detach(r->proc);
	clock_gettime(CLOCK_REALTIME, &now);
	if (record_interval(r, now.tv_sec + (now.tv_nsec > 0), 1) && !err)
		err = -EIO;
	/* The last chance for held intervals: what still waits is lost. */
	if (backlog_flush(r->backlog, r->store)) {
		pr_err("some intervals could not be written to %s and are lost", r->cfg.db_path);
		err = err ? err : -EIO;
	}
	anomaly_eval_run(r->anomaly);
	return err;
}

int main(int argc, char **argv)
{
	struct recorder r = { .sig_fd = -1, .timer_fd = -1, .argc = argc, .argv = argv };
	int err;

	/* Arguments, then the configuration file under them. */
	log_init("netmon-record", LOG_INFO);
	privs_private_files();
	if (cli_parse(argc, argv, &r.cfg, stdout))
		return EXIT_USAGE;
	if (r.cfg.action == CLI_HELP || r.cfg.action == CLI_VERSION)
		return EXIT_SUCCESS;
	if (config_load(&r.cfg))
		return EXIT_USAGE;
	if (r.cfg.check_config) {
		printf("configuration ok: %s%s\n", r.cfg.config_path,
		       access(r.cfg.config_path, F_OK) ? " (absent: the defaults)" : "");
		return EXIT_SUCCESS;
	}
	if (r.cfg.verbose)
		log_init("netmon-record", LOG_DEBUG);
	if (r.cfg.action == CLI_DETACH)
		return detach_stale(&r.cfg);

	/* Signals are read from a signalfd in the main loop. */
	r.sig_fd = setup_signals();
	if (r.sig_fd < 0)
		return EXIT_FAILURE;

	/* Record until told to stop (or import); every phase is undone below. */
	err = r.cfg.read_path ? import_capture(&r) : record(&r);

	/* Teardown, in reverse. */
	detach_all(&r);
	if (r.timer_fd >= 0)
		close(r.timer_fd);
	backlog_close(r.backlog);
	anomaly_eval_close(r.anomaly);
	live_close(r.live);
	snapshot_close(r.snap);
	store_close(r.store);
	proc_stop(r.proc);
	flow_unload(r.skel);
	close(r.sig_fd);
	config_free();
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
