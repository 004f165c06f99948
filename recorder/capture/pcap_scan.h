/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcap_scan.h - what a sample file a restart appends to holds (pcapng.c and
 * pcap_classic.c each read their own format into it), and what is kept.
 */
#ifndef NETMON_PCAP_SCAN_H
#define NETMON_PCAP_SCAN_H

#include <stdint.h>
#include <stdio.h>

struct pcap_scan {
	uint64_t size;    /* the file's bytes */
	uint64_t end;     /* where its last whole record ends */
	uint64_t samples; /* the whole records */
};

/*
 * Open path to scan it: sc zeroed, sc->size set. NULL with *err -errno:
 * -ENOENT (no file yet), -EINVAL (logged) when it is not a regular file.
 */
FILE *pcap_scan_open(const char *path, struct pcap_scan *sc, int *err);

/*
 * The samples of earlier runs stay: only a record cut short at the end (a
 * crash) is removed, with a warning, and what is kept is said. 0 or -errno.
 */
int pcap_scan_keep(const char *path, const struct pcap_scan *sc);

#endif
