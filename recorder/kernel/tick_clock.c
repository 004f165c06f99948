// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tick_clock.c - see tick_clock.h.
 *
 * A reading is netmon_clock_sample() run once by BPF_PROG_TEST_RUN: it reads
 * the coarse clock, then the tick count. The kernel moves the count first
 * and the clock a few us later, and a tick may fall between the two reads,
 * so a single reading may pair a new count with the previous tick's time;
 * three equal readings in a row are one that did not (settled()).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flow.skel.h"
#include "log.h"
#include "tick_clock.h"

#define NSEC_PER_SEC 1000000000ull
#define MEASURE_NS (10 * 1000 * 1000ull)  /* at least this long, */
#define MEASURE_TICKS 4			  /* and this many ticks, */
#define GIVE_UP_NS (500 * 1000 * 1000ull) /* or give up */

/* The HZ a kernel can be built with (CONFIG_HZ choices across architectures). */
static const unsigned int known_hz[] = { 24,  32,  48,	64,  100,  128,	 200, 250,
					 256, 300, 500, 512, 1000, 1024, 1200 };

__u32 tick_length(const struct tick_sample *a, const struct tick_sample *b)
{
	double seen;

	if (b->jiffies <= a->jiffies || b->coarse_ns <= a->coarse_ns)
		return 0;
	seen = (double)(b->coarse_ns - a->coarse_ns) / (double)(b->jiffies - a->jiffies);
	for (size_t i = 0; i < sizeof(known_hz) / sizeof(known_hz[0]); i++) {
		__u64 tick = (NSEC_PER_SEC + known_hz[i] / 2) / known_hz[i]; /* TICK_NSEC */

		if (seen >= tick * 0.995 && seen <= tick * 1.005)
			return (__u32)tick;
	}
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static int read_once(struct flow_bpf *skel, int fd, struct tick_sample *s, __u64 *live)
{
	char frame[64] = { 0 }; /* TC's test_run wants an Ethernet header at least */
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &run))
		return -errno;
	s->coarse_ns = __atomic_load_n(&skel->bss->sample_coarse_ns, __ATOMIC_RELAXED);
	s->jiffies = __atomic_load_n(&skel->bss->sample_jiffies, __ATOMIC_RELAXED);
	*live = __atomic_load_n(&skel->bss->sample_live_ns, __ATOMIC_RELAXED);
	return 0;
}

/* A reading no tick fell into: three equal ones in a row (a few tries). */
static int settled(struct flow_bpf *skel, int fd, struct tick_sample *s, __u64 *live)
{
	struct tick_sample a, b;
	int err, tries;

	for (tries = 0; tries < 16; tries++) {
		err = read_once(skel, fd, &a, live);
		err = err ?: read_once(skel, fd, &b, live);
		err = err ?: read_once(skel, fd, s, live);
		if (err)
			return err;
		if (!memcmp(&a, &b, sizeof(a)) && !memcmp(&b, s, sizeof(b)))
			return 0;
	}
	return -EAGAIN;
}

/*
 * Settled readings a few ms apart until MEASURE_TICKS ticks and MEASURE_NS
 * have passed: the tick's length from the first and the last, and into *at
 * the last one's tick count with the time that tick started at. That time
 * is the latest any reading gives it (each reading's time, carried forward
 * in whole ticks): a reading the kernel's own gap between the count and
 * the clock caught three times over pairs a count with the tick before's
 * time, which only makes it earlier.
 */
#define MAX_READINGS (GIVE_UP_NS / (2 * 1000 * 1000) + 2)
static int measure(struct flow_bpf *skel, int fd, __u32 *tick, struct tick_sample *at)
{
	struct timespec pause = { .tv_nsec = 2 * 1000 * 1000 };
	struct tick_sample r[MAX_READINGS];
	__u64 start = mono_ns(), live, latest = 0;
	size_t n = 0;
	int err, enough = 0;

	while (!enough && n < MAX_READINGS && mono_ns() - start <= GIVE_UP_NS) {
		if (n)
			nanosleep(&pause, NULL);
		err = settled(skel, fd, &r[n], &live);
		if (err)
			return err;
		enough = r[n].jiffies - r[0].jiffies >= MEASURE_TICKS &&
			 r[n].coarse_ns - r[0].coarse_ns >= MEASURE_NS;
		n++;
	}
	if (!enough)
		return -ETIME;
	*tick = tick_length(&r[0], &r[n - 1]);
	if (!*tick)
		return -ERANGE;
	for (size_t i = 0; i < n; i++) {
		__u64 t = r[i].coarse_ns + (r[n - 1].jiffies - r[i].jiffies) * *tick;

		if (t > latest)
			latest = t;
	}
	at->jiffies = r[n - 1].jiffies;
	at->coarse_ns = latest;
	return 0;
}

int tick_clock_set(struct flow_bpf *skel)
{
	int fd = bpf_program__fd(skel->progs.netmon_clock_sample);
	struct tick_sample at, now;
	__u32 tick = 0;
	__u64 live;
	int err;

	if (__atomic_load_n(&skel->bss->tick_ns, __ATOMIC_RELAXED))
		return 1; /* adopted with the clock the pinning run set */
	err = measure(skel, fd, &tick, &at);
	if (err) {
		pr_debug("tick clock: not measured (%s): the programs read the coarse clock",
			 strerror(-err));
		return 0;
	}
	skel->bss->tick_base = at.jiffies;
	skel->bss->tick_base_ns = at.coarse_ns;
	__atomic_store_n(&skel->bss->tick_ns, tick, __ATOMIC_RELEASE);
	/*
	 * What the programs now compute must be the coarse clock's time within
	 * two ticks: each is the monotonic time of a point near the current
	 * tick (where the clock's update fell when measured, or its last
	 * update, which comes when its own trimmed interval is due and so may
	 * fall a tick early or late against the count).
	 */
	err = settled(skel, fd, &now, &live);
	if (err ||
	    (live > now.coarse_ns ? live - now.coarse_ns : now.coarse_ns - live) >= 2ull * tick) {
		__atomic_store_n(&skel->bss->tick_ns, 0, __ATOMIC_RELEASE);
		pr_debug("tick clock: %u ns ticks did not give the coarse clock's time (%llu "
			 "against %llu): the programs read the coarse clock",
			 tick, (unsigned long long)live, (unsigned long long)now.coarse_ns);
		return 0;
	}
	pr_debug("tick clock: %u ns a tick, tick %llu at %llu ns", tick,
		 (unsigned long long)at.jiffies, (unsigned long long)at.coarse_ns);
	return 1;
}
