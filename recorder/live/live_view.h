/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_view.h - one frame of the live view as text: a pure function of the
 * rates it is given, the terminal's size and whether it speaks ANSI, so the
 * layout is unit-tested on fixed input (tests/unit/test_live.c).
 *
 * Every string that comes from outside (process names, interface names,
 * application names, anomaly subjects) goes through fmt_table_escape(): a
 * control character shows as \xHH and never reaches the terminal.
 */
#ifndef NETMON_LIVE_VIEW_H
#define NETMON_LIVE_VIEW_H

#include <stdint.h>
#include "netmon_user.h"
#include "fmt_buf.h"

/* Protocol totals: kind is NETMON_KIND_IP (per protocol), _NON_IP or _MALFORMED. */
struct live_proto_row {
	int kind, protocol;
	double in_bps, in_pps, out_bps, out_pps; /* bytes and packets per second */
	uint64_t bytes;				 /* both directions since the start */
};

#define LIVE_LABEL_MAX 192 /* a user or service: 40 columns of any UTF-8 and more */

struct live_proc_row {
	uint32_t pid;
	char comm[NETMON_COMM_LEN];   /* as the kernel gave it: any bytes, maybe no NUL */
	char user[LIVE_LABEL_MAX];    /* the user's name, else the uid; "?": unknown */
	char service[LIVE_LABEL_MAX]; /* as process_log.service names it; "?" */
	double sent_bps, recv_bps;
};

/* Traffic per server port (the lower of the two ports) and protocol. */
struct live_port_row {
	int protocol, port;
	const char *app; /* NULL: no name in app_ports */
	double out_bps, in_bps, pps;
};

#define LIVE_HOST_NAME_MAX 256 /* a DNS name is at most 255 bytes */

struct live_flow_row {
	int family, protocol, direction;
	uint8_t src[16], dst[16];
	int src_port, dst_port;
	double bps, pps;
	char src_name[LIVE_HOST_NAME_MAX], dst_name[LIVE_HOST_NAME_MAX]; /* "": none */
};

struct live_anomaly_row {
	int64_t ts; /* interval start (unix s); 0 for a live hit */
	const char *kind, *subject;
	const struct live_flow_row *flow; /* a live hit's flow: the subject */
	double value, threshold;
};

struct live_frame {
	int64_t now;		   /* unix seconds, shown in UTC */
	const char *ifaces;	   /* "eth0, eth1" (escaped when drawn) */
	unsigned int interval;	   /* the recorder's interval, seconds */
	unsigned int running;	   /* seconds since the view started */
	int proc_on;		   /* per-process accounting is on */
	int keys;		   /* q is read (stdin is a terminal): say so */
	unsigned int anomaly_span; /* seconds of stored hits shown */
	const struct live_proto_row *protos;
	int n_protos;
	const struct live_proc_row *procs; /* the lists: largest first */
	int n_procs;
	const struct live_port_row *ports;
	int n_ports;
	const struct live_flow_row *flows;
	int n_flows;
	const struct live_anomaly_row *anomalies;
	int n_anomalies;
};

/*
 * The frame into out (appended). width, height: the terminal's; height 0
 * means no limit (plain output, every row given). ansi: move home first,
 * clear each line's rest and the screen below, leave the last column empty
 * and end without a newline, so a full screen never scrolls or wraps; else
 * plain lines ending in "\n".
 * 0 or -ENOMEM.
 */
int live_view_render(struct fmt_buf *out, const struct live_frame *f, int width, int height,
		     int ansi);

#endif
