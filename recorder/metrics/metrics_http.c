// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * metrics_http.c - the endpoint, with Debian's libmicrohttpd rather than a
 * server of our own. One thread polls every connection (epoll), so a client
 * that sends half a request holds a connection slot until its timeout and
 * nothing else: the recorder's loop never waits for this thread, and this
 * thread reads only the page it was handed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "log.h"
#include "metrics_http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	int fd; /* the listening socket; MHD's once started */
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock; /* guards page */
	struct MHD_Response *page;
	struct MHD_Response *not_found, *bad_method, *too_large;
};

int metrics_http_bind(struct metrics_http **out, const struct sockaddr_storage *sa, socklen_t len,
		      const char *what)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	int one = 1, err;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0)
		goto fail;
	/* A restart binds again at once, TIME_WAIT or not; a listener still fails. */
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->ss_family == AF_INET6)
		setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(h->fd, (const struct sockaddr *)sa, len) || listen(h->fd, 64))
		goto fail;
	*out = h;
	return 0;
fail:
	err = -errno;
	pr_err("--metrics-listen %s: %s", what, strerror(errno));
	metrics_http_close(h);
	return err;
}

/* A fixed answer (404, 405, 413): made once, served as often as needed. */
static struct MHD_Response *fixed(const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);

	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	return r;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct metrics_http *h = cls;
	const char *length;
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, h->bad_method);
	if (strcmp(url, "/metrics"))
		return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, h->not_found);
	/* A GET has no body: one announced is refused before it is read. */
	length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if ((length && strcmp(length, "0")) || *upload_size ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return MHD_queue_response(c, MHD_HTTP_CONTENT_TOO_LARGE, h->too_large);
	pthread_mutex_lock(&h->lock);
	ret = MHD_queue_response(c, MHD_HTTP_OK, h->page); /* takes its own reference */
	pthread_mutex_unlock(&h->lock);
	return ret;
}

/* libmicrohttpd's messages (a refused connection...): debug only. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	pr_debug("metrics: %s", line);
}

int metrics_http_start(struct metrics_http *h)
{
	h->not_found = fixed("not found: the metrics are at /metrics\n");
	h->bad_method = fixed("method not allowed: GET /metrics\n");
	h->too_large = fixed("a GET /metrics request has no body\n");
	if (!h->not_found || !h->bad_method || !h->too_large)
		return -ENOMEM;
	MHD_add_response_header(h->bad_method, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	h->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		answer, h, MHD_OPTION_LISTEN_SOCKET, h->fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)METRICS_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)METRICS_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)METRICS_REQUEST_BYTES, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
	if (!h->daemon) {
		pr_err("--metrics-listen: the HTTP server did not start");
		return -EIO;
	}
	h->fd = -1; /* the daemon's now: MHD_stop_daemon closes it */
	return 0;
}

int metrics_http_set_page(struct metrics_http *h, char *text, size_t len)
{
	struct MHD_Response *r, *old;

	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return -ENOMEM;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	pthread_mutex_lock(&h->lock);
	old = h->page;
	h->page = r;
	pthread_mutex_unlock(&h->lock);
	/* Freed once the last connection sending it is done with it. */
	if (old)
		MHD_destroy_response(old);
	return 0;
}

void metrics_http_close(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	if (h->fd >= 0)
		close(h->fd);
	struct MHD_Response *all[] = { h->page, h->not_found, h->bad_method, h->too_large };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i])
			MHD_destroy_response(all[i]);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
