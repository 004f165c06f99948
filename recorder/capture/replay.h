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
struct names;

/*
 * Bytes of a frame handed to the kernel at most. TC test_run refuses a frame
 * longer than a page less the skb's head- and tailroom (3712 bytes with 4 KiB
 * pages, less where skb_shared_info is larger): a longer frame goes as its
 * first REPLAY_LINEAR_MAX bytes, which hold its headers, with its whole
 * length beside it (docs/design.md, "Offline import").
 */
#define REPLAY_LINEAR_MAX 2048

/*
 * Turn one captured packet of link type dlt (a DLT_* value as pcap_datalink()
 * returns it: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6) (caplen bytes captured of
 * wirelen on the wire) into the Ethernet frame the TC program expects, in
 * out (REPLAY_LINEAR_MAX bytes). Bytes the capture cut off (snaplen) are
 * zero-filled, so lengths in the headers stay true. Sets *frame_len to the
 * whole frame's length, *out_len to the bytes written to out (the frame, or
 * its first REPLAY_LINEAR_MAX bytes) and *direction (NETMON_DIR_OUT only when
 * a cooked header says "outgoing"). Returns 0, -EPROTONOSUPPORT for a link
 * type we do not know, or -EINVAL for a packet too short for its own link
 * header.
 */
int replay_to_ethernet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen, uint8_t *out,
		       uint32_t *out_len, uint32_t *frame_len, int *direction);

struct replay_opts {
	const char *path;	/* the capture file */
	const char *iface_name; /* interface name for the rows */
	unsigned int interval;	/* seconds */
	int force;		/* --force-import: even over traffic already stored */
	struct names *names;	/* host names from the DNS responses replayed; NULL: none */
};

/* What a first pass over the capture found (replay_scan()). */
struct replay_span {
	int scanned;	  /* 0: not a regular file, not read ahead (a pipe) */
	uint64_t packets; /* records read before the end or the cut */
	int64_t first;	  /* unix seconds of the earliest packet (floor) */
	int64_t last;	  /* ... and of the latest (ceiling) */
};

/*
 * Open the capture and check its link type before anything is created, then
 * (a regular file) read its record headers for its time span. Logs and
 * returns -errno for a file that is no capture we read, or holds nothing
 * readable before a cut.
 */
int replay_scan(const char *path, struct replay_span *span);

/*
 * Unless opts->force: refuse (log, -EEXIST) when the database already holds
 * traffic of opts->iface_name in an interval overlapping span (an import of
 * the same capture, or live recording of the same traffic, counted twice).
 */
int replay_check_stored(const struct replay_opts *opts, struct store *store,
			const struct replay_span *span);

/* What an import did and could not do. */
struct replay_result {
	uint64_t records;	    /* records read from the file */
	uint64_t packets;	    /* frames counted by the program */
	uint64_t intervals;	    /* intervals written */
	uint64_t not_counted;	    /* frames not replayed (collector_log.not_counted) */
	uint64_t not_counted_bytes; /* their bytes as the capture records them */
	int cut;		    /* the file ends inside a record: the rest is lost */
};

/*
 * Replay the capture. The flow programs must have been loaded with
 * clock_from_packet. Returns 0 when every readable record was imported (res
 * says whether some could not be, and whether the file was cut short; both
 * logged as errors), or -errno when the import stopped early.
 */
int replay_file(const struct replay_opts *opts, struct flow_bpf *skel, struct snapshotter *snap,
		struct store *store, struct replay_result *res);

/* Remove a database file with its -wal and -shm (a failed import's own). */
void replay_remove_db(const char *path);

#endif
