// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static const char *log_prog = "netmon";
static enum log_level log_level_max = LOGLVL_INFO;
static const char *log_context;

void log_init(const char *prog, enum log_level max)
{
	log_prog = prog;
	log_level_max = max;
}

void log_set_context(const char *where)
{
	log_context = where;
}

enum log_level log_max_level(void)
{
	return log_level_max;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if (level > log_level_max)
		return;
	fprintf(stderr, "%s: %s", log_prog, tag[level]);
	if (log_context)
		fprintf(stderr, "%s: ", log_context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
