/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * probe_seen.h - the previous occurrences of udp_scan's probes
 * (sql/0023_probe_prev.sql): per (source, destination, port) and per
 * (source, destination), the start of the last interval of the last hour
 * that held it, kept from one interval's write to the next.
 */
#ifndef NETMON_PROBE_SEEN_H
#define NETMON_PROBE_SEEN_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define PROBE_SEEN_NONE INT64_MIN /* a value written NULL */

struct probe_seen;

/* Nothing read yet: the first interval reloads what it needs. 0 or -ENOMEM. */
int probe_seen_open(struct probe_seen **out, sqlite3 *db);
void probe_seen_close(struct probe_seen *ps);

/*
 * The probes of interval id (stored, its probes not yet): n keys, key i the
 * words keys[i * stride .. + 3) (source, destination, port), sorted and
 * unique. Sets the word after each key to its prev_ts and host_prev_ts
 * (probe_seen_value() reads them) and marks the interval in
 * probe_prev_unknown when a key was not known. 0, -ENOMEM or -EIO.
 */
int probe_seen_apply(struct probe_seen *ps, int64_t id, uint64_t *keys, size_t stride, size_t n);
/* A key's prev_ts (c 0) or host_prev_ts (1) from its word, PROBE_SEEN_NONE for NULL. */
int64_t probe_seen_value(const struct probe_seen *ps, uint64_t word, int c);

/* The memory it holds, in bytes. */
size_t probe_seen_bytes(const struct probe_seen *ps);

#endif
