/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fmt_buf.h - a growable string, the buffer every text formatter appends to
 * (the reports' writers, the recorder's live view).
 *
 * Zero-initialise one ({0}); each append returns 0 or -ENOMEM and leaves
 * the string NUL-terminated once anything was added; fmt_buf_free() makes
 * it empty again.
 */
#ifndef NETMON_FMT_BUF_H
#define NETMON_FMT_BUF_H

#include <stddef.h>

struct fmt_buf {
	char *s;
	size_t len, cap;
};

int fmt_buf_add(struct fmt_buf *b, const char *s, size_t n);
int fmt_buf_addf(struct fmt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fmt_buf_free(struct fmt_buf *b);

#endif
