// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcap_classic.c - packet samples into a classic pcap file through libpcap
 * (pcap_open_dead + pcap_dump_open), Ethernet frames, nanosecond times.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "log.h"
#include "pcap_classic.h"

/* The file header and each record's header (pcap(5)). */
#define PCAP_FILE_HEADER_BYTES 24
#define PCAP_RECORD_HEADER_BYTES 16

struct pcap_classic {
	pcap_t *dead;          /* a handle with no capture behind it */
	pcap_dumper_t *dump;
	char path[4096];
	uint64_t bytes;
};

int pcap_classic_open(struct pcap_classic **out, const char *path, unsigned int snaplen)
{
	struct pcap_classic *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!p->dead) {
		free(p);
		pr_err("libpcap cannot make a handle for %s", path);
		return -ENOMEM;
	}
	/* fopen() inside: mode 0666 & ~umask, like the database. */
	errno = 0;
	p->dump = pcap_dump_open(p->dead, path);
	if (!p->dump) {
		int err = errno ? -errno : -EIO;

		pr_err("cannot create %s: %s", path, pcap_geterr(p->dead));
		pcap_close(p->dead);
		free(p);
		return err;
	}
	p->bytes = PCAP_FILE_HEADER_BYTES;
	*out = p;
	return 0;
}

int pcap_classic_write(struct pcap_classic *p, const struct sample_record *r,
		       uint64_t realtime_ns)
{
	/* With nanosecond precision, ts.tv_usec holds nanoseconds (pcap(3PCAP)). */
	struct pcap_pkthdr h = {
		.ts = { .tv_sec = (time_t)(realtime_ns / 1000000000),
			.tv_usec = (suseconds_t)(realtime_ns % 1000000000) },
		.caplen = r->caplen,
		.len = r->len,
	};

	pcap_dump((u_char *)p->dump, &h, r->data);
	p->bytes += PCAP_RECORD_HEADER_BYTES + r->caplen;
	return 0;
}

uint64_t pcap_classic_bytes(const struct pcap_classic *p)
{
	return p->bytes;
}

int pcap_classic_flush(struct pcap_classic *p)
{
	if (pcap_dump_flush(p->dump)) {
		pr_err("cannot write %s", p->path);
		return -EIO;
	}
	return 0;
}

int pcap_classic_close(struct pcap_classic *p)
{
	int err;

	if (!p)
		return 0;
	err = pcap_classic_flush(p);
	pcap_dump_close(p->dump);
	pcap_close(p->dead);
	free(p);
	return err;
}
