/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * series_set.h - a set of 64-bit fingerprints: what the recorder forgot
 * for want of room, the contact series (recorder/store/contact_gaps.c) and
 * udp_scan's probe keys (probe_seen.c). A series found in it may have had
 * contacts the recorder no longer knows; one not found had none (a
 * fingerprint shared by two series only makes the other one "not known":
 * never a wrong gap). Likewise for a probe key and its previous occurrence.
 */
#ifndef NETMON_SERIES_SET_H
#define NETMON_SERIES_SET_H

#include <stddef.h>
#include <stdint.h>

struct series_set {
	uint64_t *slots; /* 0: free (a fingerprint of 0 is kept as 1) */
	size_t cap, n;	 /* cap a power of two, at most half full */
};

/* Room for n fingerprints in all, made at once (no doubling on the way); 0 or -ENOMEM. */
int series_set_reserve(struct series_set *s, size_t n);
/* Add fp; 0 or -ENOMEM (the set as it was). */
int series_set_add(struct series_set *s, uint64_t fp);
/* Whether fp was added. */
int series_set_has(const struct series_set *s, uint64_t fp);
/* Empty, its memory given back. */
void series_set_clear(struct series_set *s);

#endif
