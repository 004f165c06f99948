/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_http.h - GET /metrics with libmicrohttpd: one internal polling
 * thread (epoll), bounded connections, request size and idle time. The page
 * is swapped in as a whole under a mutex; requests take a reference to it.
 */
#ifndef NETMON_METRICS_HTTP_H
#define NETMON_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

/* What the HTTP side allows (docs/metrics.md says why). */
#define METRICS_MAX_CONNECTIONS 32
#define METRICS_TIMEOUT_S 10	   /* a connection idle this long is closed */
#define METRICS_REQUEST_BYTES 8192 /* a request's line and headers, at most */

struct metrics_http;

/* Bind and listen on sa (logged as what, one line, on failure). 0 or -errno. */
int metrics_http_bind(struct metrics_http **out, const struct sockaddr_storage *sa, socklen_t len,
		      const char *what);

/* Serve from now on, from the HTTP library's own thread. 0 or -errno (logged). */
int metrics_http_start(struct metrics_http *h);

/* The page to serve from now on; it takes text (malloc'ed). 0 or -ENOMEM. */
int metrics_http_set_page(struct metrics_http *h, char *text, size_t len);

void metrics_http_close(struct metrics_http *h);

#endif
