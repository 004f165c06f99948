/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * replay.h - offline import: a pcap/pcapng file replayed through the same TC
 * program (BPF_PROG_TEST_RUN) into the same database rows as live capture,
 * with interval boundaries and packet times taken from the capture itself.
 */
#ifndef NETMON_REPLAY_H
#define NETMON_REPLAY_H

#include <stdint.h>

struct flow_bpf;
struct snapshotter;
struct store;

/* Largest frame replayed: an IP datagram can be 64 KiB, plus link headers. */
#define REPLAY_FRAME_MAX (65535 + 64)

/*
 * Turn one captured packet of link type dlt (a DLT_* value as pcap_datalink()
 * returns it: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6) (caplen bytes captured of
 * wirelen on the wire) into the Ethernet frame the TC program expects, in
 * out (REPLAY_FRAME_MAX bytes). Bytes the capture cut off (snaplen) are
 * zero-filled up to the wire length, so lengths in the headers stay true.
 * Sets *out_len and *direction (NETMON_DIR_OUT only when a cooked header
 * says "outgoing"). Returns 0, -EPROTONOSUPPORT for a link type we do not
 * know, or -EINVAL for a packet too short for its own link header.
 */
int replay_to_ethernet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
		       uint8_t *out, uint32_t *out_len, int *direction);

struct replay_opts {
	const char *path;       /* the capture file */
	const char *iface_name; /* interface name for the rows */
	unsigned int interval;  /* seconds */
};

/*
 * Replay the capture. The flow programs must have been loaded with
 * clock_from_packet. Errors are logged; returns 0 or -errno.
 */
int replay_file(const struct replay_opts *opts, struct flow_bpf *skel, struct snapshotter *snap,
		struct store *store);

#endif
