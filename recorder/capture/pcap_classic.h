/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcap_classic.h - write packet samples as a classic pcap file with
 * libpcap's pcap_dump(), for a --pcap FILE named *.pcap: the format every
 * tool reads, with nanosecond timestamps. It has no place for a packet's
 * direction or interface, nor for the sampling rate (that one is in the
 * database's collector_log); pcapng.h writes those.
 */
#ifndef NETMON_PCAP_CLASSIC_H
#define NETMON_PCAP_CLASSIC_H

#include <stdint.h>
#include "netmon_user.h"

struct pcap_classic;

/*
 * Open path for appending, mode 0666 & ~umask when new. The samples a file
 * holds stay; only a record cut short at its end by a crash, which no reader
 * can use, is removed. -EXDEV (logged) when path is a pcap file of another
 * snap length, link type or time precision, which cannot take this run's
 * samples; -EINVAL (logged) when it is no pcap file or damaged before its end:
 * left alone. Otherwise 0 or -errno (logged).
 */
int pcap_classic_open(struct pcap_classic **out, const char *path, unsigned int snaplen);
/* One sample, stamped realtime_ns (CLOCK_REALTIME). 0 or -errno (logged). */
int pcap_classic_write(struct pcap_classic *p, const struct sample_record *r, uint64_t realtime_ns);
/* Bytes written so far (the file's size once flushed). */
uint64_t pcap_classic_bytes(const struct pcap_classic *p);
/* Hand what is buffered to the kernel. 0 or -errno (logged). */
int pcap_classic_flush(struct pcap_classic *p);
/* Flush and close; accepts NULL. 0 or -errno (logged). */
int pcap_classic_close(struct pcap_classic *p);

#endif
