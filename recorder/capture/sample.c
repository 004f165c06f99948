// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sample.c - from the ring buffer to rotated pcapng files (pcapng.h), or
 * classic pcap files written by libpcap for a FILE named *.pcap
 * (pcap_classic.h). A FILE left by an earlier run is appended to, never
 * truncated.
 *
 * The kernel counts every sample it put in the ring, and every one it could
 * not (the ring full), in the interval's totals (NETMON_KIND_SAMPLED and
 * NETMON_KIND_SAMPLE_DROP): the database holds exact figures whatever
 * happens here. A file that cannot be written is logged once and its samples
 * are skipped; recording goes on.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "netmon_user.h"
#include "pcap_classic.h"
#include "pcapng.h"
#include "sample.h"
#include "test_hooks.h"

struct sampler {
	struct sampler_opts opts;
	struct ring_buffer *ring;
	/* FILE is *.pcap: libpcap's classic format */
	int classic;
	/* The open file, one of the two; both NULL after a failure: samples are
	 * skipped. */
	struct pcapng *ng;
	struct pcap_classic *pcap;
	char comment[160];
	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int64_t mono_to_real_ns;
	uint64_t written;
	/* An error has been logged. */
	int failed;
};

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Samples carry CLOCK_MONOTONIC; the file wants wall-clock time. */
static void sync_clocks(struct sampler *s)
{
	s->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

/* FILE.i -> FILE.i+1 for every kept file, the oldest dropped, FILE -> FILE.1. */
static int rotate_names(const struct sampler *s)
{
	char from[PATH_MAX], to[PATH_MAX];

	for (unsigned int i = s->opts.files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", s->opts.path);
		else
			snprintf(from, sizeof(from), "%s.%u", s->opts.path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->opts.path, i);
		if (rename(from, to) && errno != ENOENT) {
			pr_err("cannot rename %s to %s: %s", from, to, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The current file, in whichever format FILE's name chose. */
static int open_file(struct sampler *s)
{
	return s->classic ? pcap_classic_open(&s->pcap, s->opts.path, s->opts.snaplen)
			  : pcapng_open(&s->ng, s->opts.path, s->comment, s->opts.snaplen);
}

static int file_is_open(const struct sampler *s)
{
	return s->ng || s->pcap;
}

static int write_file(struct sampler *s, const struct sample_record *r, uint64_t realtime_ns)
{
	return s->classic ? pcap_classic_write(s->pcap, r, realtime_ns)
			  : pcapng_write(s->ng, r, realtime_ns);
}

static uint64_t file_bytes(const struct sampler *s)
{
	return s->classic ? pcap_classic_bytes(s->pcap) : pcapng_bytes(s->ng);
}

static int flush_file(struct sampler *s)
{
	return s->classic ? pcap_classic_flush(s->pcap) : pcapng_flush(s->ng);
}

static int close_file(struct sampler *s)
{
	int err = s->classic ? pcap_classic_close(s->pcap) : pcapng_close(s->ng);

	s->pcap = NULL;
	s->ng = NULL;
	return err;
}

/* FILE is full: it becomes FILE.1 and a new FILE starts. */
static int rotate(struct sampler *s)
{
	int err = close_file(s);

	if (!err)
		err = rotate_names(s);
	if (!err)
		err = open_file(s);
	if (!err)
		pr_debug("%s reached %llu bytes: rotated", s->opts.path,
			 (unsigned long long)s->opts.max_bytes);
	return err;
}

/*
 * FILE as an earlier run left it: appended to, so that a restart (systemd
 * makes one for every stop, crash or upgrade) keeps every sample. A classic
 * pcap file of another snap length cannot take ours: it moves to FILE.1 as a
 * full one would. One that reached --pcap-size is rotated now.
 */
static int open_earlier(struct sampler *s)
{
	int err = open_file(s);

	if (err == -EXDEV) {
		err = rotate_names(s);
		if (!err)
			pr_info("--pcap %s: the earlier file is kept as %s.1", s->opts.path,
				s->opts.path);
		err = err ? err : open_file(s);
	}
	if (!err && s->opts.max_bytes && file_bytes(s) >= s->opts.max_bytes)
		err = rotate(s);
	return err;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct sampler *s = ctx;
	const struct sample_record *r = data;
	int err;

	if (!file_is_open(s) || size < sizeof(*r))
		return 0;
	err = write_file(s, r, (uint64_t)((int64_t)r->tstamp_ns + s->mono_to_real_ns));
	test_point("sample"); /* a sampled packet written, maybe not flushed */
	if (!err && s->opts.max_bytes && file_bytes(s) >= s->opts.max_bytes)
		err = rotate(s);
	if (err) {
		/* Logged by the writer or rotate; no more samples until the next start. */
		close_file(s);
		s->failed = 1;
		pr_err("packet samples are no longer written to %s", s->opts.path);
		return 0;
	}
	s->written++;
	return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

int sampler_open(struct sampler **out, int ring_fd, const struct sampler_opts *opts)
{
	struct sampler *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	s->classic = has_suffix(opts->path, ".pcap");
	snprintf(s->comment, sizeof(s->comment),
		 "netmon-record packet sample: 1 in %u packets (counted per CPU), snaplen %u",
		 opts->every, opts->snaplen);
	sync_clocks(s);
	err = open_earlier(s);
	if (err) {
		free(s);
		return err;
	}
	s->ring = ring_buffer__new(ring_fd, on_sample, s, NULL);
	if (!s->ring) {
		err = -errno;
		pr_err("cannot read the packet sample ring: %s", strerror(-err));
		sampler_close(s);
		return err;
	}
	*out = s;
	return 0;
}

int sampler_fd(const struct sampler *s)
{
	return s ? ring_buffer__epoll_fd(s->ring) : -1;
}

int sampler_consume(struct sampler *s)
{
	int n;

	if (!s)
		return 0;
	n = ring_buffer__consume(s->ring);
	if (n < 0) {
		pr_err("reading the packet sample ring failed: %s", strerror(-n));
		return n;
	}
	return 0;
}

int sampler_flush(struct sampler *s)
{
	int err;

	if (!s)
		return 0;
	err = sampler_consume(s);
	if (!err && file_is_open(s))
		err = flush_file(s);
	sync_clocks(s); /* follow NTP steps from interval to interval */
	return err;
}

void sampler_close(struct sampler *s)
{
	if (!s)
		return;
	if (s->ring)
		sampler_consume(s);
	ring_buffer__free(s->ring);
	close_file(s);
	pr_debug("%llu packet samples written", (unsigned long long)s->written);
	free(s);
}
