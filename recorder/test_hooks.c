// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "test_hooks.h"

/* NETMON_TEST_STOP_AT=POINT[:N] into the hooks; anything else leaves it unset. */
static void read_stop_at(struct test_hooks *h, const char *v)
{
	const char *colon = v ? strchr(v, ':') : NULL;
	size_t len = colon ? (size_t)(colon - v) : v ? strlen(v) : 0;
	char *end = NULL;

	h->stop_nth = colon ? strtoul(colon + 1, &end, 10) : 1;
	if (!len || len >= sizeof(h->stop_point) || !h->stop_nth || (colon && *end))
		return;
	memcpy(h->stop_point, v, len);
	h->stop_point[len] = '\0';
}

/* NETMON_TEST_SLOW_WRITE=MS[:N] into the hooks; anything else leaves it unset. */
static void read_slow_write(struct test_hooks *h, const char *v)
{
	char *end = NULL;
	unsigned long ms = v && *v ? strtoul(v, &end, 10) : 0, nth = 1;

	if (end && *end == ':')
		nth = strtoul(end + 1, &end, 10);
	if (!end || *end || !ms || ms > 60000 || !nth)
		return;
	h->slow_write_ms = ms;
	h->slow_write_nth = nth;
}

/* A port from 1 to 65535; 0 for anything else (unset too). */
static unsigned int port_of(const char *v)
{
	char *end = NULL;
	unsigned long port = v && *v ? strtoul(v, &end, 10) : 0;

	return end && !*end && port <= 65535 ? (unsigned int)port : 0;
}

/* A whole number up to 2^31, else -1. */
static long window_of(const char *v)
{
	char *end = NULL;
	unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;

	return end && !*end && n <= (1ul << 31) ? (long)n : -1;
}

/* An empty value is as good as unset, as it always was for these two. */
static const char *nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

const struct test_hooks *test_hooks(void)
{
	static struct test_hooks hooks;
	static int read;

	if (!read) {
		const char *suffix = getenv("NETMON_TEST_PROC_TP_SUFFIX");

		hooks.proc_progs = nonempty(getenv("NETMON_PROC_PROGS"));
		hooks.proc_tp_suffix = suffix ? suffix : "";
		hooks.proc_keys = nonempty(getenv("NETMON_TEST_PROC_KEYS"));
		hooks.crash_before_commit = getenv("NETMON_TEST_CRASH_BEFORE_COMMIT") != NULL;
		hooks.tc_legacy = getenv("NETMON_TEST_TC_LEGACY") != NULL;
		hooks.crash_before_export = port_of(getenv("NETMON_TEST_CRASH_BEFORE_EXPORT"));
		read_stop_at(&hooks, getenv("NETMON_TEST_STOP_AT"));
		read_slow_write(&hooks, getenv("NETMON_TEST_SLOW_WRITE"));
		hooks.map_window = window_of(getenv("NETMON_TEST_MAP_WINDOW"));
		read = 1;
	}
	return &hooks;
}

void test_point(const char *point)
{
	const struct test_hooks *h = test_hooks();
	static unsigned long visits;

	if (!h->stop_point[0] || strcmp(point, h->stop_point) || ++visits < h->stop_nth)
		return;
	pr_info("test hook: stopped at %s (visit %lu), waiting to be killed", point, visits);
	/* Bounded: a test that never kills it does not leave it waiting for good. */
	for (int i = 0; i < 1200; i++)
		usleep(100000);
	raise(SIGKILL);
}

void test_slow_write(void)
{
	const struct test_hooks *h = test_hooks();
	static unsigned long visits;

	if (!h->slow_write_ms || ++visits != h->slow_write_nth)
		return;
	pr_info("test hook: this interval's write takes %lu ms longer", h->slow_write_ms);
	nanosleep(&(struct timespec){ .tv_sec = (time_t)(h->slow_write_ms / 1000),
				      .tv_nsec = (long)(h->slow_write_ms % 1000) * 1000000 },
		  NULL);
}
