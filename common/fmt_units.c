// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fmt_units.c - numbers as people read them (see fmt_units.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fmt_units.h"

int fmt_iec(struct fmt_buf *b, long long bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = 0;

	if (bytes < 1024)
		return fmt_buf_addf(b, "%lld B", bytes);
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	/* 1023.95 KiB would print as "1024.0 KiB": say "1.0 MiB" instead. */
	if (v >= 1023.95 && u < 6) {
		v /= 1024;
		u++;
	}
	return fmt_buf_addf(b, "%.1f %s", v, unit[u]);
}

int fmt_time(struct fmt_buf *b, long long t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm))
		return fmt_buf_addf(b, "%lld", t);
	return fmt_buf_add(b, s, strlen(s));
}

void fmt_utc(long long t, char *out, unsigned long size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, size, "@%lld", t);
}

const char *fmt_proto_name(long long proto)
{
	/* IANA "Assigned Internet Protocol Numbers", keywords in lower case. */
	static const struct {
		int number;
		const char *name;
	} protos[] = {
		{ 0, "hopopt" },      { 1, "icmp" },	   { 2, "igmp" },
		{ 4, "ipv4" },	      { 6, "tcp" },	   { 17, "udp" },
		{ 33, "dccp" },	      { 41, "ipv6" },	   { 43, "ipv6-route" },
		{ 44, "ipv6-frag" },  { 46, "rsvp" },	   { 47, "gre" },
		{ 50, "esp" },	      { 51, "ah" },	   { 58, "ipv6-icmp" },
		{ 59, "ipv6-nonxt" }, { 60, "ipv6-opts" }, { 89, "ospf" },
		{ 103, "pim" },	      { 112, "vrrp" },	   { 115, "l2tp" },
		{ 132, "sctp" },      { 136, "udplite" },  { 137, "mpls-in-ip" },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].number == proto)
			return protos[i].name;
	return NULL;
}
