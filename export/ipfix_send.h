/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ipfix_send.h - the stored rows of an interval, as IPFIX, to collectors.
 *
 * Shared by the recorder's export after each commit (recorder/export/
 * exporter.c, which keeps the watermark) and by `netmon-report export`,
 * which re-sends a window of history: the rows are read back from the
 * database, or given as records by the recorder for the interval it just
 * committed (ipfix_send_records_begin()), which must equal what the rows
 * read back would give; so what is sent is exactly what is stored, the
 * overflow rows included (docs/ipfix.md). Writes nothing to the database.
 *
 * Messages are paced (docs/ipfix.md, "Pacing"): at most `rate` a second
 * after a short burst, so that a collector with an ordinary receive buffer
 * takes a large interval whole. A run given a budget stops pausing once
 * its time is spent and sends the rest at once, so that the export never
 * holds up the next interval. Messages are queued as the encoder ends
 * them, without a copy, and go to each collector in one sendmmsg() per
 * batch (at most 64, or what is due before a pause).
 */
#ifndef NETMON_IPFIX_SEND_H
#define NETMON_IPFIX_SEND_H

#include <stdint.h>
#include <sqlite3.h>
#include "collector.h"
#include "ipfix.h"

/* --ipfix-rate's default, messages a second: see docs/ipfix.md, "Pacing". */
#define IPFIX_DEFAULT_RATE 3000
#define IPFIX_MAX_RATE 1000000

struct ipfix_send_opts {
	const char *const *collectors; /* HOST:PORT values of --ipfix */
	int n_collectors;	       /* 1..COLLECTOR_MAX */
	unsigned int mtu;	       /* largest message, bytes */
	unsigned int domain;	       /* observation domain id of the flows */
	unsigned int rate;	       /* messages a second at most; 0: unpaced */
};

struct ipfix_send;

/* Collectors, encoders and the read statements on db. 0 or -errno (logged). */
int ipfix_send_open(struct ipfix_send **out, const struct ipfix_send_opts *o, sqlite3 *db);
void ipfix_send_close(struct ipfix_send *s); /* accepts NULL */

/*
 * Before a run of intervals: collectors whose socket could not be opened
 * are tried again (once a run, never in a loop) and interface indexes are
 * looked up again. budget_ms > 0: pacing stops after that long (logged once
 * until a run fits again); 0: no limit.
 */
void ipfix_send_begin(struct ipfix_send *s, int64_t budget_ms);

/*
 * Every flow row and process row of interval id, read from db in id order,
 * as data records (the templates first at the start and then every
 * IPFIX_TEMPLATE_REFRESH s); the interval's records end its last message.
 * *records: the data records of its rows sent (not the RFC 5610 type
 * records that go with the templates). Send errors are counted, never fatal;
 * returns 0, or -EIO (logged) when the rows could not all be read.
 */
int ipfix_send_interval(struct ipfix_send *s, sqlite3 *db, int64_t id, uint64_t *records);

/*
 * The same for records the caller already has (the recorder's interval just
 * committed, recorder/export/exporter.c): after ipfix_send_records_begin(),
 * the records of its flow rows and process rows in the rows' order, each
 * exactly as ipfix_send_interval() would read it back; then
 * ipfix_send_records_end() ends the interval's last message and says how
 * many data records it sent.
 */
void ipfix_send_records_begin(struct ipfix_send *s);
void ipfix_send_flow(struct ipfix_send *s, const struct ipfix_flow *f);
void ipfix_send_proc(struct ipfix_send *s, const struct ipfix_proc *p);
void ipfix_send_records_end(struct ipfix_send *s, uint64_t *records);

/* ingressInterface/egressInterface of a flow on interface name: its index
 * now (0: gone), looked up once a run. */
uint32_t ipfix_send_ifindex(struct ipfix_send *s, const char *name);

/* After a run: a collector that failed and now took everything is said to be back. */
void ipfix_send_end(struct ipfix_send *s);

/* Collector i (0.. the number given), its counts. */
const struct collector *ipfix_send_collector(const struct ipfix_send *s, int i);

/* Messages some collector did not take, so far. */
uint64_t ipfix_send_errors(const struct ipfix_send *s);

/* Time spent waiting for the pacing's schedule so far, ns (bench/export_cost.c
 * tells it apart from the export's work). */
int64_t ipfix_send_paused_ns(const struct ipfix_send *s);

/* Data records and messages sent so far (per collector). */
void ipfix_send_totals(const struct ipfix_send *s, uint64_t *records, uint64_t *messages);

#endif
