// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * interval_bounds.c - interval start and end times (interval_bounds.h).
 */
#include "interval_bounds.h"

int64_t interval_first_start(int64_t now_s, int64_t last_end, int counted_since, int64_t *behind_s)
{
	*behind_s = 0;
	if (!last_end)
		return now_s;
	if (last_end <= now_s)
		return counted_since ? last_end : now_s;
	if (last_end - now_s <= INTERVAL_SLACK_S)
		return last_end;
	*behind_s = last_end - now_s;
	return now_s;
}

int64_t interval_end_now(const struct timespec *now, int64_t start)
{
	int64_t end = now->tv_sec + (now->tv_nsec > 0);

	return end > start ? end : start + 1;
}

int64_t interval_tick_end(int64_t now_s, unsigned int interval_s, int64_t start)
{
	int64_t boundary = now_s / interval_s * interval_s;

	return boundary > start ? boundary : 0;
}
