// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics_listen.c - the value of --metrics-listen, read strictly. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "metrics_listen.h"
#include "numparse.h"

int metrics_listen_parse(const char *value, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	const char *colon = strrchr(value, ':');
	char addr[INET6_ADDRSTRLEN + 2] = "127.0.0.1";
	unsigned long port;
	size_t n = colon ? (size_t)(colon - value) : 0;

	if (n >= sizeof(addr))
		return -EINVAL;
	if (colon)
		snprintf(addr, sizeof(addr), "%.*s", (int)n, value);
	if (parse_uint_range(colon ? colon + 1 : value, 1, 65535, &port))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	/* An IPv6 address in brackets, as in a URL: [::1]:9464. */
	if (n < 2 || addr[0] != '[' || addr[n - 1] != ']')
		return -EINVAL;
	addr[n - 1] = '\0';
	if (inet_pton(AF_INET6, addr + 1, &in6->sin6_addr) != 1)
		return -EINVAL;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	*len = sizeof(*in6);
	return 0;
}
