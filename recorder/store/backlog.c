// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backlog.h"
#include "log.h"
#include "store.h"

struct held {
	struct snapshot snap; /* its arrays are reused from interval to interval */
	int64_t start, end;
};

struct backlog {
	struct held slots[BACKLOG_MAX + 1]; /* + 1: the final interval */
	size_t n;			    /* slots[0..n) wait, oldest first */
	int failing;			    /* the last write failed */
	int behind;			    /* the last write took longer than its interval */
	size_t written_late;		    /* written since the failure began */
	backlog_written_fn *on_written;	    /* backlog_on_written() */
	void *on_written_ctx;
};

int backlog_open(struct backlog **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void backlog_on_written(struct backlog *b, backlog_written_fn *fn, void *ctx)
{
	b->on_written = fn;
	b->on_written_ctx = ctx;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void backlog_close(struct backlog *b)
{
	if (!b)
		return;
	for (size_t i = 0; i <= BACKLOG_MAX; i++)
		snapshot_free(&b->slots[i].snap);
	free(b);
}

struct snapshot *backlog_slot(struct backlog *b, int final)
{
	if (b->n >= BACKLOG_MAX + (final ? 1 : 0))
		return NULL;
	return &b->slots[b->n].snap;
}

void backlog_push(struct backlog *b, int64_t start, int64_t end)
{
	b->slots[b->n].start = start;
	b->slots[b->n].end = end;
	b->n++;
}

/* Drop the k written intervals from the front, keeping their arrays. */
static void drop_front(struct backlog *b, size_t k)
{
	struct held done[BACKLOG_MAX + 1];

	memcpy(done, b->slots, k * sizeof(done[0]));
	memmove(b->slots, b->slots + k, (b->n - k) * sizeof(b->slots[0]));
	memcpy(b->slots + (b->n - k), done, k * sizeof(done[0]));
	b->n -= k;
}

/*
 * A write slower than its interval makes the next flip late (its counts run
 * past its end: intervals.late_ms): said when it starts and when a write
 * fits its interval again, not for every interval (docs/design.md,
 * "Falling behind").
 */
static void note_behind(struct backlog *b, const struct held *h, uint64_t took_us)
{
	uint64_t span_us = (uint64_t)(h->end - h->start) * 1000000;

	if (took_us > span_us && !b->behind)
		pr_warn("writing the interval %lld-%lld (%zu flows) took %.1f s, longer than "
			"the interval: the next one is taken late (collector_log.late_ms)",
			(long long)h->start, (long long)h->end, h->snap.n_flows, took_us / 1e6);
	else if (took_us <= span_us && b->behind)
		pr_info("writing an interval takes less than the interval again: caught up");
	b->behind = took_us > span_us;
}

size_t backlog_flush(struct backlog *b, struct store *st)
{
	size_t k = 0;

	while (k < b->n) {
		struct held *h = &b->slots[k];
		uint64_t t0 = mono_us();

		uint64_t took;

		if (store_write_interval(st, &h->snap, h->start, h->end))
			break;
		took = mono_us() - t0;
		note_behind(b, h, took);
		if (b->on_written)
			b->on_written(b->on_written_ctx, &h->snap, h->start, h->end, took);
		pr_debug("interval %lld-%lld: %zu flows, %zu totals, snapshot %llu us",
			 (long long)h->start, (long long)h->end, h->snap.n_flows, h->snap.n_totals,
			 (unsigned long long)h->snap.duration_us);
		k++;
	}
	drop_front(b, k);
	if (b->failing)
		b->written_late += k;
	if (b->n && !b->failing) {
		pr_err("cannot write to the database (%s): keeping intervals in memory (at most "
		       "%d, then in the kernel) until it can",
		       store_last_error(st), BACKLOG_MAX);
		b->failing = 1;
		b->written_late = 0;
	} else if (!b->n && b->failing) {
		pr_info("the database can be written again: %zu held intervals written",
			b->written_late);
		b->failing = 0;
	}
	return b->n;
}
