/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* flow_load.h - open and load bpf/flow.bpf.c (no attaching). */
#ifndef NETMON_FLOW_LOAD_H
#define NETMON_FLOW_LOAD_H

#include "pin.h"
#include "snapshot.h"

struct flow_bpf;

/*
 * Open and load the flow programs with room for max_flows IPv4 flows and as
 * many IPv6 flows (0: NETMON_DEFAULT_MAX_FLOWS). Errors are logged; libbpf's
 * own messages only at debug verbosity. Returns 0 or -errno.
 */
int flow_load(struct flow_bpf **out, unsigned int max_flows);

struct flow_load_opts {
	unsigned int max_flows;    /* IPv4 flows; 0: NETMON_DEFAULT_MAX_FLOWS */
	unsigned int max_flows6;   /* IPv6 flows; 0: as many as max_flows */
	int clock_from_packet;     /* offline replay: times come from skb->tstamp */
	/* Live recording: maps pinned there (pin.h); with adopt, the pinned
	 * maps are reused and no program is loaded (the pinned ones run). */
	const struct pin_dir *pins;
	unsigned int sample_every; /* --sample: 1 in N packets into the ring; 0 off */
	unsigned int snaplen;      /* bytes per sample, 1..NETMON_SNAP_MAX; 0: default */
	unsigned int ring_bytes;   /* the ring's size: a power of 2 pages; 0: a page */
	int names;                 /* pass received DNS responses (dns.bpf.h); 0: not */
};

/* flow_load() with every option. */
int flow_load_with(struct flow_bpf **out, const struct flow_load_opts *opts);
void flow_unload(struct flow_bpf *skel);

/* The maps snapshot_open() needs. */
void flow_snapshot_maps(struct flow_bpf *skel, struct snapshot_maps *maps);

/* The identity of the loaded (or adopted) maps: their random hash key. */
__u64 flow_run_id(const struct flow_bpf *skel);

/* Program fds for attaching and BPF_PROG_TEST_RUN: TC per direction, XDP. */
int flow_prog_fd(struct flow_bpf *skel, int direction);
int flow_xdp_prog_fd(struct flow_bpf *skel);

/* The ring buffer of packet samples (struct sample_record). */
int flow_sample_ring_fd(struct flow_bpf *skel);

/* The ring buffer of DNS responses (struct dns_record), and whether the
 * loaded (or adopted) programs fill it. */
int flow_dns_ring_fd(struct flow_bpf *skel);
int flow_passes_dns(const struct flow_bpf *skel);

#endif
