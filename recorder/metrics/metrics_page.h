/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_page.h - the recorder's counters since it started, and their page
 * in the Prometheus text format (version 0.0.4; docs/metrics.md).
 *
 * metrics_state_add() takes each interval as it was committed (the snapshot
 * the store wrote, backlog.h), so that after a commit every counter equals
 * what the database holds for the intervals of this run: the figures come
 * from the same records, not from reading the database back.
 */
#ifndef NETMON_METRICS_PAGE_H
#define NETMON_METRICS_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/snapshot_records.h"

struct store;

/* The "protocol" label: TCP, UDP, ICMP and ICMPv6, everything else. */
enum metrics_proto {
	METRICS_TCP,
	METRICS_UDP,
	METRICS_ICMP,
	METRICS_OTHER,
};

/* Interface names as the store writes them (a gone interface: "if7"). */
#define METRICS_IFACE_LEN 24

/* One total_key's sum since the start, with the protocol as its class. */
struct metrics_series {
	char iface[METRICS_IFACE_LEN];
	uint8_t direction; /* NETMON_DIR_IN or NETMON_DIR_OUT */
	uint8_t kind;	   /* NETMON_KIND_*; 0: IP traffic */
	uint8_t family;	   /* NETMON_FAMILY_V4 or _V6 (kinds 0 and 3), else 0 */
	uint8_t proto;	   /* enum metrics_proto (kinds 0 and 3), else 0 */
	uint64_t packets, bytes;
};

struct metrics_state {
	struct metrics_series *series; /* in order of first appearance */
	size_t n_series, cap_series;
	uint64_t intervals; /* committed since the start */
	uint64_t proc_full_calls, proc_full_bytes;
	uint64_t dns_tcp_split; /* intervals.dns_tcp_split */
	uint64_t late_ms;	/* intervals.late_ms (store_late_ms()) */
	/* The last committed interval. */
	int64_t last_end;			  /* unix seconds; 0: none yet */
	uint64_t last_flows;			  /* intervals.flows */
	uint64_t last_snapshot_us, last_write_us; /* flip + drain; rows + COMMIT */
};

/* What is not a sum of intervals: read when the page is made. */
struct metrics_health {
	uint64_t backlog; /* intervals waiting to be written (backlog.h) */
	int64_t db_bytes; /* the database file's size; < 0: unknown (left out) */
	size_t n_anomaly; /* kinds of anomaly, with the hits this run stored */
	const char *const *anomaly_kind;
	const uint64_t *anomaly_hits;
};

void metrics_state_free(struct metrics_state *s);

/*
 * Add one committed interval, ending at end, its rows and COMMIT having taken
 * write_us into store st, which named the interfaces of its rows
 * (store_iface_name()). 0 or -ENOMEM (then nothing of it is added).
 */
int metrics_state_add(struct metrics_state *s, const struct store *st, const struct snapshot *snap,
		      int64_t end, uint64_t write_us);

/* The protocol label of an IP protocol number. */
enum metrics_proto metrics_proto_of(uint8_t protocol);

/*
 * The page: every family with its HELP and TYPE, build info first. *text is
 * malloc'ed and NUL-terminated, *len its length. 0 or -ENOMEM.
 */
int metrics_page_build(const struct metrics_state *s, const struct metrics_health *h, char **text,
		       size_t *len);

#endif
