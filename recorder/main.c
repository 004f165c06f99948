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
#include "capture/replay.h"
#include "capture/sample.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "export/exporter.h"
#include "kernel/adopt.h"
#include "kernel/attach.h"
#include "kernel/filter_gens.h"
#include "kernel/flow_load.h"
#include "kernel/pin.h"
#include "kernel/proc_load.h"
#include "kernel/snapshot.h"
#include "kernel/upgrade.h"
#include "live/live.h"
#include "log.h"
#include "names/names.h"
#include "metrics/metrics.h"
#include "privs.h"
#include "reload.h"
#include "status.h"
#include "store/anomaly_eval.h"
#include "store/backlog.h"
#include "store/db_lock.h"
#include "store/interval_bounds.h"
#include "store/maintain.h"
#include "store/run_tally.h"
#include "store/store.h"
#include "test_hooks.h"

struct recorder {
	struct cli_config cfg;
	struct attachment ifaces[CLI_MAX_IFACES];
	int n_ifaces;
	struct flow_bpf *skel;
	struct pin_dir pins;      /* maps and programs pinned for the next run */
	int leave_attached;       /* at exit: keep filters and pins (pin.h) */
	int pinned_progs[3];      /* adopted: TC in, TC out, XDP; else -1 */
	struct proc_bpf *proc;    /* NULL when per-process accounting is off */
	struct snapshotter *snap;
	struct backlog *backlog;
	struct store *store;
	int db_lock_fd;               /* one live recorder a database (db_lock.h) */
	struct anomaly_eval *anomaly; /* NULL: no rule evaluation */
	struct sampler *sampler;      /* NULL: no --sample */
	struct live *live;            /* --live: the view drawn every second */
	struct exporter *exporter;    /* NULL: no --ipfix */
	struct names *names;          /* NULL: the programs pass no DNS responses */
	struct filter_gens *filters;  /* --include/--exclude into the kernel */
	struct metrics *metrics;      /* NULL: no --metrics-listen or --metrics-file */
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

/* Tests only: snap has a flow from source port (never, for port 0). */
static int has_src_port(const struct snapshot *snap, unsigned int port)
{
	for (size_t i = 0; port && i < snap->n_flows; i++)
		if (snap->flows[i].key.src_port == port)
			return 1;
	return 0;
}

/*
 * Snapshot the kernel maps as the interval ending at ts_end and write every
 * interval that waits (backlog.h). With the backlog full the counts stay in
 * the kernel and the current interval simply goes on. final: the last one.
 * ts_end is after r->interval_start (interval_bounds.h).
 */
static int record_interval(struct recorder *r, int64_t ts_end, int final)
{
	struct snapshot *slot = backlog_slot(r->backlog, final);
	size_t held;
	int crash_after_commit;
	__u32 seq;
	int err;

	if (!slot) {
		backlog_flush(r->backlog, r->store);
		/* Before a written slot is filled again: its records are the export's. */
		exporter_run(r->exporter, store_db(r->store));
		slot = backlog_slot(r->backlog, final);
		if (!slot)
			return 0;
	}
	/* Counts leave the kernel only once written, or held in the backlog. */
	err = snapshot_hold_at(r->snap, slot, 0);
	if (err)
		return err;
	/* DNS messages the names reader could not read, up to the flip (and the
	 * moment after it that the ring is read in): the interval's. */
	slot->dns_tcp_split = names_take_tcp_split(r->names);
	/* Flipped, and past its grace period: new rules into the waiting one. */
	filter_gens_flipped(r->filters);
	seq = slot->seq;
	crash_after_commit = r->exporter && has_src_port(slot, test_hooks()->crash_before_export);
	sampler_flush(r->sampler); /* the interval's samples on disk (logged) */
	live_drained(r->live, slot); /* its rates span the flip */
	backlog_push(r->backlog, r->interval_start, ts_end);
	r->interval_start = ts_end;
	/* Tests only (tests/e2e/restart.bats): die as a crash between the flip
	 * and the commit would, the one moment a random kill -9 rarely hits. */
	if (test_hooks()->crash_before_commit)
		raise(SIGKILL);
	test_point("flip"); /* tests/crash: flipped, not committed */
	/* After the COMMIT, in their own transactions: they never cost an interval. */
	r->maint.keep = r->cfg.keep; /* SIGHUP may have changed it */
	held = backlog_flush(r->backlog, r->store);
	test_point("committed"); /* committed, not yet cleared in the kernel */
	/* Tests only (tests/e2e/ipfix.bats): die as a crash between a commit
	 * and its export would; the next start exports it (exporter.h). */
	if (crash_after_commit && !held)
		raise(SIGKILL);
	/* Host names told during the interval, in a transaction of their own. */
	if (!held)
		names_flush(r->names, r->store);
	/* What was committed, to the collectors (exporter.h). */
	exporter_run(r->exporter, store_db(r->store));
	err = snapshot_release(r->snap, seq);
	if (err)
		return err;
	if (!held && !final) {
		anomaly_eval_run(r->anomaly);
		/* Housekeeping only when everything is written: a tenth of the interval. */
		maintain_run(&r->maint, store_db(r->store), ts_end, r->cfg.interval * 100);
	}
	/* The counters as the database now holds them (metrics.h). */
	metrics_publish(r->metrics, held, r->anomaly);
	return 0;
}

/*
 * The anomaly rules' evaluator, on its own connection. Without it the
 * recorder records as before (the report evaluates the rules itself).
 * Each rule gets a quarter of an interval of CPU time, at most 10 s (and
 * four times that of wall-clock time: anomaly_eval.c), so a slow one
 * cannot hold up the next snapshot for long.
 */
static void start_anomaly_eval(struct recorder *r)
{
	unsigned int budget = r->cfg.interval >= 40 ? 10000 : r->cfg.interval * 250;

	if (anomaly_eval_open(&r->anomaly, r->cfg.db_path, &r->cfg.thresholds, budget))
		pr_warn("anomaly rules are not evaluated while recording; "
			"netmon-report anomalies still evaluates them");
}

/* backlog_on_written() (backlog.h): an interval is committed. */
static void interval_written(void *ctx, const struct snapshot *snap, int64_t start, int64_t end,
			     uint64_t write_us)
{
	struct recorder *r = ctx;

	if (r->metrics)
		metrics_interval_written(r->metrics, r->store, snap, end, write_us);
	exporter_committed(r->exporter, r->store, snap, start, end);
}

/*
 * --ipfix: the collectors of the configuration, from the watermark an
 * earlier run left (exporter.h). Again after a reload changed them.
 */
static int start_export(struct recorder *r)
{
	struct exporter_opts o = { .collectors = r->cfg.ipfix,
				   .n_collectors = r->cfg.n_ipfix,
				   .mtu = r->cfg.ipfix_mtu,
				   .domain = r->cfg.ipfix_domain,
				   .rate = r->cfg.ipfix_rate,
				   .interval = &r->cfg.interval };

	exporter_close(r->exporter);
	r->exporter = NULL;
	if (!r->cfg.n_ipfix) {
		exporter_forget(store_db(r->store)); /* logged; recording needs it not */
		return 0;
	}
	return exporter_open(&r->exporter, &o, store_db(r->store));
}

/*
 * --include/--exclude into the kernel (filter_gens.h): both generations
 * when idle (nothing attached yet), else the one that waits, which the next
 * interval uses.
 */
static int set_filters(struct recorder *r, int idle)
{
	struct filter_table *t = malloc(sizeof(*t));
	int err = t ? 0 : -ENOMEM;

	if (!err && !r->filters)
		err = filter_gens_open(&r->filters, r->skel);
	if (!err)
		err = filter_compile(&r->cfg.include, &r->cfg.exclude, t);
	if (!err)
		err = filter_gens_set(r->filters, t, idle);
	if (!err && t->mode)
		pr_info("capture filters: %d --include, %d --exclude rules", r->cfg.include.n,
			r->cfg.exclude.n);
	free(t);
	return err;
}

/* On a timer tick: the interval ends at the last boundary that has passed. */
static int on_timer(struct recorder *r)
{
	uint64_t expirations;
	struct timespec now;
	int64_t ts_end;

	if (read(r->timer_fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	ts_end = interval_tick_end(now.tv_sec, r->cfg.interval, r->interval_start);
	return ts_end ? record_interval(r, ts_end, 0) : 0;
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
	if ((applied & RELOAD_IPFIX) && start_export(r))
		pr_err("reload: the IPFIX export could not start again: it is off");
	/* From the next interval on: this one ends with the rules it began with. */
	if ((applied & RELOAD_FILTERS) && set_filters(r, 0))
		pr_err("reload: the capture filters could not be changed");
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
	/* Signals, the timer, the sample ring (-1 without --sample: poll skips
	 * it), the DNS ring (-1 without names), then the live view's descriptors. */
	struct pollfd pfd[4 + LIVE_MAX_FDS] = { { .fd = r->sig_fd, .events = POLLIN },
						{ .fd = r->timer_fd, .events = POLLIN },
						{ .fd = sampler_fd(r->sampler), .events = POLLIN },
						{ .fd = names_fd(r->names), .events = POLLIN } };
	struct timespec start, now;
	int timeout = -1, n = 4;

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
			n = 4 + live_fds(r->live, pfd + 4);
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
		if (pfd[2].revents & POLLIN)
			sampler_consume(r->sampler);
		if (pfd[3].revents & POLLIN)
			names_consume(r->names);
		if (r->live && live_handle(r->live, pfd + 4)) {
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

/* Adopted pins: the programs the earlier run's filters run. */
static int get_pinned_progs(struct recorder *r)
{
	static const char *const names[3] = { "flow_prog_netmon_tc_ingress",
					      "flow_prog_netmon_tc_egress",
					      "flow_prog_netmon_xdp_ingress" };

	for (int i = 0; i < 3; i++) {
		r->pinned_progs[i] = pin_get(&r->pins, names[i]);
		if (r->pinned_progs[i] < 0) {
			pr_err("%s/%s: %s", r->pins.path, names[i], strerror(-r->pinned_progs[i]));
			return r->pinned_progs[i];
		}
	}
	return 0;
}

/* The pin of an interface's tcx link (pin.h). */
static void link_pin_name(char *name, size_t size, const struct attachment *a, int egress)
{
	snprintf(name, size, "flow_tcx_%s_%d", egress ? "out" : "in", a->ifindex);
}

/*
 * The tcx links of an interface pinned with the maps, so that they outlive
 * a crash as clsact filters do (an adopted link's pin again: the same name).
 */
static int pin_links(struct recorder *r, const struct attachment *a)
{
	char name[40];
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		int fd = i ? a->link_out : a->link_in;

		link_pin_name(name, sizeof(name), a, i);
		if (fd >= 0)
			err = pin_fd(&r->pins, fd, name);
	}
	return err;
}

/* Adopting: the earlier run's tcx links from their pins, if any (attach.h). */
static void get_pinned_links(struct recorder *r, struct attachment *a)
{
	char name[40];

	for (int i = 0; i < 2; i++) {
		int fd;

		link_pin_name(name, sizeof(name), a, i);
		fd = pin_get(&r->pins, name); /* -ENOENT: no link pinned (clsact filters) */
		*(i ? &a->link_out : &a->link_in) = fd < 0 ? -1 : fd;
	}
}

static int attach_all(struct recorder *r)
{
	int adopt = r->pins.adopted, in, out, xdp, err = adopt ? get_pinned_progs(r) : 0;

	if (err)
		return err;
	in = adopt ? r->pinned_progs[0] : flow_prog_fd(r->skel, NETMON_DIR_IN);
	out = adopt ? r->pinned_progs[1] : flow_prog_fd(r->skel, NETMON_DIR_OUT);
	xdp = !r->cfg.hook_xdp ? -1 : adopt ? r->pinned_progs[2] : flow_xdp_prog_fd(r->skel);
	for (int i = 0; i < r->n_ifaces; i++) {
		if (adopt)
			get_pinned_links(r, &r->ifaces[i]);
		err = adopt ? attach_adopt_hooks(&r->ifaces[i], in, out, xdp)
			    : attach_hooks(&r->ifaces[i], in, out, xdp);

		if (!err)
			err = pin_links(r, &r->ifaces[i]);
		if (err)
			return err;
	}
	return adopt ? 0 : pin_mark_complete(&r->pins);
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
							.numeric = r->cfg.numeric,
							.thresholds = &r->cfg.thresholds });
}

static int detach_stale(const struct cli_config *cfg)
{
	int err = 0;

	if (!cfg->n_ifaces) {
		pr_err("--detach needs the interfaces to clean: -i IFACE");
		return EXIT_USAGE;
	}
	for (int i = 0; i < cfg->n_ifaces; i++) {
		/* A running recorder's filters and pins are left to it. The
		 * filters and links first: a link goes with its last pin, and
		 * would not be counted then. */
		if (!pin_iface_busy(cfg->ifaces[i]))
			err |= attach_remove_stale(cfg->ifaces[i]);
		err |= pin_remove_iface(cfg->ifaces[i]) < 0;
	}
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * A failed import leaves nothing behind in a database it created and wrote
 * no interval to: not even the empty file with its -wal and -shm.
 */
static void forget_created_db(struct recorder *r)
{
	anomaly_eval_close(r->anomaly);
	r->anomaly = NULL;
	store_close(r->store);
	r->store = NULL;
	replay_remove_db(r->cfg.db_path);
}

/*
 * Host names, when the programs pass DNS responses: loaded so unless
 * --no-names, or adopted from a run that did (then read and dropped).
 */
static int start_names(struct recorder *r, int offline)
{
	if (!flow_passes_dns(r->skel)) {
		if (!r->cfg.no_names)
			pr_info("the adopted programs pass no DNS responses: no host names until "
				"a start that loads its own");
		return 0;
	}
	if (r->cfg.no_names)
		pr_info("--no-names: the adopted programs still pass DNS responses; "
			"they are read and dropped");
	return names_open(&r->names, flow_dns_ring_fd(r->skel), offline, r->cfg.no_names);
}

/* netmon-record --read FILE: the capture through the same program and store. */
static int import_capture(struct recorder *r)
{
	struct flow_load_opts lo = { .max_flows = r->cfg.max_flows,
				     .max_flows6 = r->cfg.max_flows6,
				     .clock_from_packet = 1,
				     .names = !r->cfg.no_names };
	const char *base = strrchr(r->cfg.read_path, '/');
	struct replay_opts ro = {
		.path = r->cfg.read_path,
		.iface_name = r->cfg.n_ifaces ? r->cfg.ifaces[0] : base ? base + 1 : r->cfg.read_path,
		.interval = r->cfg.interval,
		.force = r->cfg.force_import,
	};
	struct replay_result res = { 0 };
	struct replay_span span;
	struct snapshot_maps maps = { 0 }; /* run 0: not pinned, not live */
	int created = 0, err;

	/* The capture first: a file that is none we read creates nothing. */
	err = replay_scan(ro.path, &span);
	if (!err)
		err = flow_load_with(&r->skel, &lo);
	if (!err)
		err = set_filters(r, 1);
	if (!err)
		err = ensure_db_dir(r->cfg.db_path);
	if (!err) {
		created = access(r->cfg.db_path, F_OK) != 0;
		err = store_open(&r->store, r->cfg.db_path);
	}
	/* Imported before (or recorded live): refused unless --force-import. */
	if (!err)
		err = replay_check_stored(&ro, r->store, &span);
	if (!err) {
		flow_snapshot_maps(r->skel, &maps);
		err = snapshot_open(&r->snap, &maps);
	}
	if (!err)
		err = start_names(r, 1);
	if (!err)
		start_anomaly_eval(r);
	ro.names = r->names;
	err = err ? err : replay_file(&ro, r->skel, r->snap, r->store, &res);
	/* Roll up what is complete; an old capture is history, not expired. */
	r->maint.no_retention = 1;
	if (!err && maintain_run(&r->maint, store_db(r->store), 0, 0) < 0)
		err = -EIO;
	/* The rules over every interval imported (what the capture wrote). */
	anomaly_eval_run(r->anomaly);
	/* Imported, but not all of it (logged): a failure all the same. */
	if (!err && (res.cut || res.not_counted))
		err = -EIO;
	if (err && created && !res.intervals)
		forget_created_db(r);
	return err;
}

/* The pin directory of the chosen interfaces (pin.h); another ABI's replaced. */
static int open_pins(struct recorder *r)
{
	const char *names[CLI_MAX_IFACES];
	int err;

	for (int i = 0; i < r->n_ifaces; i++)
		names[i] = r->ifaces[i].name;
	err = pin_open(&r->pins, names, r->n_ifaces);
	return !err && r->pins.old_abi ? upgrade_replace(&r->pins, names, r->n_ifaces) : err;
}

/* Per-process counting starts (or is adopted) here; without it, flows go on. */
static void start_proc(struct recorder *r, struct snapshot_maps *maps)
{
	if (r->cfg.no_process) {
		proc_detach(NULL, &r->pins); /* an earlier run's links stop counting */
		return;
	}
	if (!proc_start(&r->proc, &r->pins))
		proc_snapshot_maps(r->proc, maps);
}

/*
 * Where the first interval starts (interval_bounds.h): now, or where the
 * database ends, after writing what an earlier run left (adopt.h).
 */
static int first_interval(struct recorder *r)
{
	struct snapshot scratch = { 0 };
	struct timespec now;
	int64_t last_end, behind;
	int err;

	err = store_last_end(r->store, &last_end);
	if (err) {
		pr_err("%s", store_last_error(r->store));
		return err;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	r->interval_start = interval_first_start(now.tv_sec, last_end, r->pins.adopted, &behind);
	if (behind)
		pr_warn("the clock is %lld s behind the end of the last stored interval: "
			"the intervals recorded now overlap earlier ones",
			(long long)behind);
	/* Another ABI's pins replaced: what they counted is a gap (a failure to
	 * store it is logged; recording goes on). */
	if (r->pins.old_abi)
		upgrade_record_gap(store_db(r->store), &r->pins, last_end, &r->interval_start);
	if (!r->pins.adopted)
		return 0;
	err = adopt_settle(r->snap, r->store, &scratch, flow_run_id(r->skel),
			   &r->interval_start);
	snapshot_free(&scratch);
	return err;
}

static int start_sampling(struct recorder *r)
{
	struct sampler_opts so = { .path = r->cfg.pcap_path,
				   .every = r->cfg.sample,
				   .snaplen = r->cfg.snaplen,
				   .max_bytes = (uint64_t)r->cfg.pcap_size_mb * 1000000,
				   .files = r->cfg.pcap_files };

	store_set_sample_rate(r->store, r->cfg.sample);
	return sampler_open(&r->sampler, flow_sample_ring_fd(r->skel), &so);
}

/* The database locked for this recorder, once it exists (db_lock.h). */
static int lock_db(struct recorder *r)
{
	if (r->db_lock_fd >= 0 || access(r->cfg.db_path, F_OK))
		return 0;
	r->db_lock_fd = db_lock(r->cfg.db_path);
	return r->db_lock_fd < 0 ? r->db_lock_fd : 0;
}

static int record(struct recorder *r)
{
	struct timespec now;
	int err;

	/* The metrics' port and file first: taken or unwritable, nothing starts. */
	err = metrics_open(&r->metrics, &(struct metrics_opts){ .listen = r->cfg.metrics_listen,
								 .file = r->cfg.metrics_file,
								 .db_path = r->cfg.db_path });
	/* The database's lock, when it exists; interfaces, their pins, then the
	 * kernel side (needs privileges), then the file (locked if new). Until
	 * the loop ends, adopted pins stay whatever happens. */
	if (!err)
		err = lock_db(r);
	if (!err)
		err = choose_ifaces(r);
	if (!err)
		err = open_pins(r);
	r->leave_attached = r->pins.adopted;
	if (!err)
		err = flow_load_with(&r->skel, &(struct flow_load_opts){
						    .max_flows = r->cfg.max_flows,
						    .max_flows6 = r->cfg.max_flows6,
						    .pins = &r->pins,
						    .sample_every = r->cfg.sample,
						    .snaplen = r->cfg.snaplen,
						    .ring_bytes = r->cfg.sample_ring_kb * 1024,
						    .names = !r->cfg.no_names });
	/* Adopted programs count with the earlier run's rules until the
	 * first flip; a fresh load runs nothing yet. */
	if (!err)
		err = set_filters(r, !r->pins.adopted);
	if (!err)
		err = ensure_db_dir(r->cfg.db_path);
	if (!err)
		err = store_open(&r->store, r->cfg.db_path);
	if (!err)
		err = lock_db(r);
	if (!err)
		err = backlog_open(&r->backlog);
	if (!err)
		backlog_on_written(r->backlog, interval_written, r);
	if (!err)
		err = start_export(r);
	if (!err)
		start_anomaly_eval(r);
	/* The sample file now: rotating it later needs no capability. */
	if (!err && r->cfg.sample)
		err = start_sampling(r);
	if (!err)
		err = start_names(r, 0);
	if (!err) {
		struct snapshot_maps maps;

		flow_snapshot_maps(r->skel, &maps);
		maps.run = flow_run_id(r->skel);
		start_proc(r, &maps);
		err = snapshot_open(&r->snap, &maps);
	}
	/* Timer before attaching, so that counting starts with an interval open. */
	if (!err && (r->timer_fd = setup_timer(r->cfg.interval)) < 0)
		err = r->timer_fd;
	if (!err)
		err = first_interval(r);
	if (err)
		return err;
	/* Attach (or adopt); from here on every packet is counted. */
	err = attach_all(r);
	if (err)
		return err;
	privs_drop();
	/* The HTTP thread after the drop: it inherits only CAP_NET_ADMIN. */
	if ((err = metrics_serve(r->metrics)))
		return err;
	log_ready(r);
	if (r->cfg.live && (err = start_live(r)))
		return err;
	err = run_loop(r);
	/* The terminal back first, so that what follows reads as usual. */
	live_close(r->live);
	r->live = NULL;
	/* Detach first, so that the last snapshot holds every counted packet;
	 * --keep-attached leaves the kernel counting for the next run. */
	r->leave_attached = r->cfg.keep_attached;
	if (!r->leave_attached) {
		detach_all(r);
		proc_detach(r->proc, &r->pins);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (record_interval(r, interval_end_now(&now, r->interval_start), 1) && !err)
		err = -EIO;
	/* The last chance for held intervals: what still waits is lost. */
	if (backlog_flush(r->backlog, r->store)) {
		pr_err("some intervals could not be written to %s and are lost", r->cfg.db_path);
		err = err ? err : -EIO;
	}
	exporter_run(r->exporter, store_db(r->store));
	anomaly_eval_run(r->anomaly);
	/* What this run watched and wrote, said once (README: make run). */
	run_tally_log(store_tally(r->store), r->ifaces, r->n_ifaces, r->proc != NULL,
		      r->cfg.db_path);
	if (r->leave_attached)
		pr_info("left attached and pinned in %s: the next start on %s adopts it",
			r->pins.path, r->pins.ifaces);
	return err;
}

int main(int argc, char **argv)
{
	struct recorder r = { .sig_fd = -1, .timer_fd = -1, .db_lock_fd = -1, .argc = argc, .argv = argv,
			      .pins = { .lock_fd = -1 }, .pinned_progs = { -1, -1, -1 } };
	int err;

	/* Arguments, then the configuration file under them. */
	log_init("netmon-record", LOGLVL_INFO);
	test_hooks(); /* the environment's test hooks, read once (test_hooks.h) */
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
		log_init("netmon-record", LOGLVL_DEBUG);
	if (r.cfg.action == CLI_DETACH)
		return detach_stale(&r.cfg);
	if (r.cfg.action == CLI_STATUS)
		return status_run(&r.cfg);

	/* Signals are read from a signalfd in the main loop. */
	r.sig_fd = setup_signals();
	if (r.sig_fd < 0)
		return EXIT_FAILURE;

	/* Record until told to stop (or import); every phase is undone below. */
	err = r.cfg.read_path ? import_capture(&r) : record(&r);

	/* Teardown, in reverse. */
	if (!r.leave_attached)
		detach_all(&r);
	for (int i = 0; i < r.n_ifaces; i++)
		attach_release(&r.ifaces[i]); /* left attached: the pins hold the links */
	if (r.timer_fd >= 0)
		close(r.timer_fd);
	sampler_close(r.sampler); /* after detaching: every sample is in the ring */
	names_close(r.names);
	backlog_close(r.backlog);
	exporter_close(r.exporter);
	metrics_close(r.metrics);
	anomaly_eval_close(r.anomaly);
	live_close(r.live);
	snapshot_close(r.snap);
	filter_gens_close(r.filters);
	store_close(r.store);
	if (r.db_lock_fd >= 0)
		close(r.db_lock_fd);
	proc_stop(r.proc);
	flow_unload(r.skel);
	for (int i = 0; i < 3; i++)
		if (r.pinned_progs[i] >= 0)
			close(r.pinned_progs[i]);
	pin_close(&r.pins, !r.leave_attached);
	close(r.sig_fd);
	config_free();
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
