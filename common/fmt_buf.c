// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fmt_buf.c - a growable string (see fmt_buf.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt_buf.h"

int fmt_buf_add(struct fmt_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int fmt_buf_addf(struct fmt_buf *b, const char *fmt, ...)
{
	char small[128], *big;
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return fmt_buf_add(b, small, n);
	big = malloc(n + 1);
	if (!big)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, n + 1, fmt, ap);
	va_end(ap);
	err = fmt_buf_add(b, big, n);
	free(big);
	return err;
}

void fmt_buf_free(struct fmt_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
