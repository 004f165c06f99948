// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The message's control characters made visible (\x1b, \x0a): a name from
 * the command line, a file or the network cannot move the cursor, clear the
 * screen or start a line that passes for another message. Tabs stay; debug
 * messages keep their line breaks (they show SQL text). One line is written
 * whole under the stream's lock: a report's threads log too.
 */
static void put_visible(const char *s, int keep_lines)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c < 0x20 && *c != '\t' && !(keep_lines && *c == '\n')) || *c == 0x7f)
			fprintf(stderr, "\\x%02x", *c);
		else
			putc_unlocked(*c, stderr);
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char *text = NULL;
	va_list ap;
	int n;

	if (level > log_level_max)
		return;
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	flockfile(stderr);
	fprintf(stderr, "%s: %s", log_prog, tag[level]);
	if (log_context) {
		put_visible(log_context, 0);
		fputs(": ", stderr);
	}
	if (n >= 0) {
		put_visible(text, level == LOGLVL_DEBUG);
	} else {
		/* No memory for the text: as it is rather than nothing. */
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	putc_unlocked('\n', stderr);
	funlockfile(stderr);
	if (n >= 0)
		free(text);
}
