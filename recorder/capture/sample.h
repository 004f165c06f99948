/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sample.h - --sample N --pcap FILE: the packet samples the programs put in
 * their ring buffer (bpf/sample.bpf.h), written to FILE as pcapng (pcapng.h),
 * rotated by size: FILE is the current file, FILE.1 the one before, ...
 * FILE.<files-1> the oldest kept.
 */
#ifndef NETMON_SAMPLE_H
#define NETMON_SAMPLE_H

#include <stdint.h>

struct sampler_opts {
	const char *path;     /* FILE */
	unsigned int every;   /* 1 in every packets (for the file's comment) */
	unsigned int snaplen; /* bytes kept per packet */
	uint64_t max_bytes;   /* rotate once FILE reaches this; 0: never */
	unsigned int files;   /* files kept, FILE included (2.., with max_bytes) */
};

struct sampler;

/*
 * Open FILE and start reading the ring (the map fd ring_fd). Call before
 * dropping privileges: FILE is created with the process's umask (0640). An
 * existing FILE keeps its samples: this run's are appended (pcapng.h,
 * pcap_classic.h), or, for a classic pcap file of another snap length, it
 * is rotated to FILE.1 first. Returns 0 or -errno (logged).
 */
int sampler_open(struct sampler **out, int ring_fd, const struct sampler_opts *opts);
/* The fd to poll for samples (POLLIN), or -1 for NULL. */
int sampler_fd(const struct sampler *s);
/* Write every sample waiting in the ring. 0 or -errno (logged once). */
int sampler_consume(struct sampler *s);
/* End of an interval: write what waits and hand the file to the kernel. */
int sampler_flush(struct sampler *s);
/* Write what is left in the ring, close the file. Accepts NULL. */
void sampler_close(struct sampler *s);

#endif
