// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcap_classic.c - packet samples into a classic pcap file through libpcap
 * (pcap_open_dead + pcap_dump_open), Ethernet frames, nanosecond times.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "log.h"
#include "pcap_scan.h"
#include "pcap_classic.h"

/* The file header and each record's header (pcap(5)). */
#define PCAP_FILE_HEADER_BYTES 24
#define PCAP_RECORD_HEADER_BYTES 16
#define MAGIC_NSEC 0xa1b23c4du /* nanosecond times, in the writer's byte order */
#define LINKTYPE_ETHERNET 1

struct pcap_classic {
	pcap_t *dead; /* a handle with no capture behind it */
	pcap_dumper_t *dump;
	char path[4096];
	uint64_t bytes;
};

/* What an existing file holds: where its last whole record ends, its records. */
/*
 * The records after the file header: sc->end stops at the first one cut short
 * (a crash), which is no more than a header and a snap length. 0, or -EINVAL
 * for a record longer than the file's snap length (damaged).
 */
static int scan_records(FILE *f, struct pcap_scan *sc, uint32_t snaplen)
{
	uint32_t rec[4];

	while (sc->end < sc->size) {
		uint64_t left = sc->size - sc->end;

		if (left < PCAP_RECORD_HEADER_BYTES || fread(rec, sizeof(rec), 1, f) != 1)
			return 0;
		if (rec[2] > snaplen)
			return -EINVAL;
		if (PCAP_RECORD_HEADER_BYTES + (uint64_t)rec[2] > left)
			return 0;
		if (fseeko(f, (off_t)rec[2], SEEK_CUR))
			return -EIO;
		sc->end += PCAP_RECORD_HEADER_BYTES + rec[2];
		sc->samples++;
	}
	return 0;
}

/*
 * Read path before appending to it: 0 (sc filled; sc->end < sc->size when a
 * crash cut its last record), -ENOENT, -EXDEV when it is a pcap file this
 * run's samples cannot join (another snap length, link type or time
 * precision), -EINVAL (logged) when it is no pcap file or damaged.
 */
static int scan(const char *path, unsigned int snaplen, struct pcap_scan *sc)
{
	static const uint32_t magic = MAGIC_NSEC;
	uint32_t h[6] = { 0 };
	size_t got;
	int err;
	FILE *f = pcap_scan_open(path, sc, &err);

	if (!f)
		return err;
	got = fread(h, 1, sizeof(h), f);
	if (got < sizeof(h)) /* empty, or a header cut short: no sample yet */
		err = memcmp(h, &magic, got < 4 ? got : 4) ? -EINVAL : 0;
	else if (h[0] != MAGIC_NSEC)
		err = h[0] == 0xa1b2c3d4u || __builtin_bswap32(h[0]) == 0xa1b2c3d4u ||
				      __builtin_bswap32(h[0]) == MAGIC_NSEC
			      ? -EXDEV
			      : -EINVAL;
	else if ((h[5] & 0x0fffffffu) != LINKTYPE_ETHERNET || h[4] != snaplen)
		err = -EXDEV;
	else {
		sc->end = PCAP_FILE_HEADER_BYTES;
		err = scan_records(f, sc, h[4]);
	}
	fclose(f);
	if (err == -EXDEV)
		pr_warn("--pcap %s was written with another snap length (%u), link type or time "
			"precision: this run's samples start a new file",
			path, got == sizeof(h) ? h[4] : 0);
	else if (err && !sc->end)
		pr_err("--pcap %s exists and is not a pcap file: netmon leaves it alone (move it "
		       "away, or name another file)",
		       path);
	else if (err)
		pr_err("--pcap %s is damaged at byte %llu (not a record netmon wrote): netmon "
		       "appends only to a file it can read whole (move it away, or name another "
		       "file)",
		       path, (unsigned long long)sc->end);
	return err == -EIO ? -EINVAL : err;
}

/* The samples of earlier runs stay: only a record cut short at the end goes. */
static int keep_earlier(const char *path, unsigned int snaplen, struct pcap_scan *sc)
{
	int err = scan(path, snaplen, sc);

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	return pcap_scan_keep(path, sc);
}

int pcap_classic_open(struct pcap_classic **out, const char *path, unsigned int snaplen)
{
	struct pcap_classic *p = calloc(1, sizeof(*p));
	struct pcap_scan sc;
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	snprintf(p->path, sizeof(p->path), "%s", path);
	err = keep_earlier(path, snaplen, &sc);
	if (err) {
		free(p);
		return err;
	}
	p->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!p->dead) {
		free(p);
		pr_err("libpcap cannot make a handle for %s", path);
		return -ENOMEM;
	}
	/* fopen() inside: mode 0666 & ~umask, like the database. A new or
	 * empty file gets its header; an existing one is checked and appended to. */
	errno = 0;
	p->dump = pcap_dump_open_append(p->dead, path);
	if (!p->dump) {
		err = errno ? -errno : -EIO;
		pr_err("cannot append to %s: %s", path, pcap_geterr(p->dead));
		pcap_close(p->dead);
		free(p);
		return err;
	}
	p->bytes = sc.end ? sc.end : PCAP_FILE_HEADER_BYTES;
	*out = p;
	return 0;
}

int pcap_classic_write(struct pcap_classic *p, const struct sample_record *r, uint64_t realtime_ns)
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
