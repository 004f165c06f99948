/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcapng.h - write packet samples as a pcapng file (the IETF pcapng draft,
 * draft-ietf-opsawg-pcapng), read by tshark, Wireshark and tcpdump.
 *
 * Why pcapng and not libpcap's pcap_dump(): the classic pcap format (all
 * libpcap 1.10 writes) has no place for a packet's direction or interface,
 * nor for the sampling rate. Here each packet is an Enhanced Packet Block
 * with its direction in epb_flags (inbound/outbound), its interface is an
 * Interface Description Block named like the interface, and the Section
 * Header Block carries a comment stating the rate and snap length. Frames are
 * Ethernet (LINKTYPE_ETHERNET): what TC and XDP see. Timestamps in ns.
 */
#ifndef NETMON_PCAPNG_H
#define NETMON_PCAPNG_H

#include <stdint.h>
#include "netmon_user.h"

struct pcapng;

/*
 * Open path for appending, mode 0666 & ~umask when new, and write a section
 * header with comment. A file that holds samples keeps them: this run's are
 * a new section after them (tshark reads every section), and only a record
 * cut short at its end by a crash, which no reader can use, is removed. A
 * file that is not pcapng, or damaged before its end, is left alone and
 * refused. Returns 0 or -errno (logged).
 */
int pcapng_open(struct pcapng **out, const char *path, const char *comment, unsigned int snaplen);
/* One sample, stamped realtime_ns (CLOCK_REALTIME). 0 or -errno (logged). */
int pcapng_write(struct pcapng *p, const struct sample_record *r, uint64_t realtime_ns);
/* Bytes written so far (the file's size once flushed). */
uint64_t pcapng_bytes(const struct pcapng *p);
/* Hand what is buffered to the kernel. 0 or -errno (logged). */
int pcapng_flush(struct pcapng *p);
/* Flush and close; accepts NULL. 0 or -errno (logged). */
int pcapng_close(struct pcapng *p);

#endif
