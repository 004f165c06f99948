/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* metrics_listen.h - where --metrics-listen listens (checked by cli.c, bound by metrics.c). */
#ifndef NETMON_METRICS_LISTEN_H
#define NETMON_METRICS_LISTEN_H

#include <sys/socket.h>

/*
 * --metrics-listen's value: PORT (on 127.0.0.1), IPV4:PORT or [IPV6]:PORT,
 * numeric, port 1..65535, into *sa. 0 or -EINVAL (not logged).
 */
int metrics_listen_parse(const char *value, struct sockaddr_storage *sa, socklen_t *len);

#endif
