/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ipfix.h - IPFIX (RFC 7011) messages of flow records: pure encoding, no I/O.
 *
 * The encoder fills one message at a time and hands each finished message
 * to an emit callback (the collectors' sockets, or a test's array). A
 * message never exceeds the encoder's mtu: a record that would not fit
 * ends the message and starts the next. The header's sequence number is
 * the count of data records emitted before the message (RFC 7011, 3.1),
 * per encoder; template records are not counted. docs/ipfix.md lists the
 * templates and their elements.
 */
#ifndef NETMON_IPFIX_H
#define NETMON_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#define IPFIX_VERSION 10
#define IPFIX_HEADER_LEN 16
#define IPFIX_SET_HEADER_LEN 4
#define IPFIX_TEMPLATE_SET_ID 2
#define IPFIX_OPTIONS_TEMPLATE_SET_ID 3
/* Template ids: 256 and up are data sets (RFC 7011, 3.4.1). */
#define IPFIX_TMPL_V4 256      /* IPv4, transport ports */
#define IPFIX_TMPL_V6 257      /* IPv6, transport ports */
#define IPFIX_TMPL_V4_ICMP 258 /* IPv4, icmpTypeCodeIPv4 instead of ports */
#define IPFIX_TMPL_V6_ICMP 259 /* IPv6, icmpTypeCodeIPv6 instead of ports */
/* Options templates: process records, scoped by the process (docs/ipfix.md,
 * "Process records"), and RFC 5610's type information. */
#define IPFIX_TMPL_PROC_V4 260
#define IPFIX_TMPL_PROC_V6 261
#define IPFIX_TMPL_TYPE_INFO 262
/*
 * ntop's enterprise number and the element ids its host agent (nProbe's
 * agent mode) uses for the process of a flow, as ntop numbers them: with
 * the enterprise bit (57640 is id 24872 of PEN 35632).
 */
#define IPFIX_PEN_NTOP 35632
#define IPFIX_NTOP_PROC_PID 57640	/* SRC_PROC_PID, unsigned32 */
#define IPFIX_NTOP_PROC_NAME 57641	/* SRC_PROC_NAME, 16-byte string */
#define IPFIX_NTOP_PARENT_PID 57845	/* SRC_FATHER_PROC_PID */
#define IPFIX_NTOP_PARENT_NAME 57846	/* SRC_FATHER_PROC_NAME */
#define IPFIX_NTOP_PROC_UID 57897	/* SRC_PROC_UID, unsigned32 */
#define IPFIX_NTOP_PROC_USER_NAME 57844 /* SRC_PROC_USER_NAME, string */
#define IPFIX_DEFAULT_MTU 1400		/* with IPv6 and UDP headers: 1448 < 1500 */
#define IPFIX_MIN_MTU 512		/* the template set and the largest record fit */
#define IPFIX_MAX_MTU 65507		/* the largest UDP payload over IPv4 */
#define IPFIX_DEFAULT_DOMAIN 1
/*
 * netmon's own elements. netmon has no enterprise number of its own yet:
 * until IANA assigns one, they are under 32473, the number RFC 5612 sets
 * aside for documentation, where no vendor's element can be (docs/ipfix.md,
 * "Process records"). Numbered as ntop's are: with the enterprise bit.
 */
#define IPFIX_PEN_NETMON 32473
/* processServiceName, string: id 1000. Not an id of any other element of
 * the record (IANA's or under another PEN): pmacct's nfacctd tells repeated
 * ids apart whatever their PEN, and lost the service to 29305:1. */
#define IPFIX_NETMON_SERVICE (0x8000 | 1000)
/* Templates again after this many seconds (RFC 7011, 10.3.6's default). */
#define IPFIX_TEMPLATE_REFRESH 600
#define IPFIX_IFNAME_MAX 64 /* interfaceName bytes at most (longer: cut) */
/* A process record's user and service names: fixed bytes, zero-padded
 * (longer: cut at a UTF-8 character's start; docs/ipfix.md says why not of
 * variable length). */
#define IPFIX_USER_LEN 32
#define IPFIX_SERVICE_LEN 64
#define IPFIX_UID_UNKNOWN 0xffffffffu /* (uid_t)-1, which no process has */

/* One flow row, as stored (flow_log). */
struct ipfix_flow {
	uint64_t start_ms, end_ms; /* first and last packet, unix ms */
	uint64_t octets;	   /* L3 bytes */
	uint64_t packets;
	uint8_t family; /* NETMON_FAMILY_V4 or NETMON_FAMILY_V6 */
	uint8_t protocol;
	uint8_t direction;	     /* NETMON_DIR_IN (0) or NETMON_DIR_OUT (1) */
	uint8_t src[16], dst[16];    /* 4 bytes used for IPv4 */
	uint16_t src_port, dst_port; /* ICMP and ICMPv6: type and code */
	uint16_t tcp_flags;
	uint32_t ifindex; /* 0: unknown */
	const char *ifname;
};

/* One process_log row: a process's socket bytes of one interval. */
struct ipfix_proc {
	uint64_t start_ms, end_ms;	/* the interval, unix ms */
	uint32_t pid, ppid;		/* ppid 0: unknown */
	char comm[16], parent_comm[16]; /* zero-padded, not terminated when 16 long */
	uint8_t family, protocol;
	uint8_t remote[16]; /* 4 bytes used for IPv4; zeros: not connected */
	uint16_t local_port, remote_port;
	uint64_t bytes_sent, bytes_recv;
	uint32_t uid;		    /* IPFIX_UID_UNKNOWN: no names from the kernel */
	const char *user, *service; /* NULL: none (sent as zeros) */
};

/* Gets each finished message; returns 0, or -errno (counted, not fatal). */
typedef int (*ipfix_emit_fn)(void *ctx, const uint8_t *msg, size_t len);

struct ipfix_enc {
	uint8_t *buf; /* mtu bytes */
	size_t mtu;
	size_t len;	 /* bytes of the message so far; 0: none open */
	size_t set_at;	 /* where the open data set starts; 0: none */
	uint16_t set_id; /* its template */
	uint32_t domain; /* observation domain id */
	uint32_t seq;	 /* data records emitted before the open message */
	uint32_t in_msg; /* data records in the open message */
	uint32_t export_time;
	ipfix_emit_fn emit;
	void *ctx;
	uint64_t messages, records, emit_errors; /* emitted so far */
};

/* mtu: IPFIX_MIN_MTU..IPFIX_MAX_MTU. Returns 0 or -errno. */
int ipfix_enc_init(struct ipfix_enc *e, size_t mtu, uint32_t domain, ipfix_emit_fn emit, void *ctx);
void ipfix_enc_free(struct ipfix_enc *e);

/* The export time (unix seconds) of the messages started from now on. */
void ipfix_enc_set_time(struct ipfix_enc *e, uint32_t export_time);

/* Emit the message in progress (if any), then one of the flow templates. */
int ipfix_enc_templates(struct ipfix_enc *e);

/*
 * The same for an encoder of process records: a message of the options
 * templates, then one of the RFC 5610 type information records. Process
 * records go to an observation domain of their own (docs/ipfix.md).
 */
int ipfix_enc_proc_templates(struct ipfix_enc *e);

/* Add one data record; emits the message first when it would not fit. */
int ipfix_enc_flow(struct ipfix_enc *e, const struct ipfix_flow *f);

/* Add one process record (an options record, scoped by the pid). */
int ipfix_enc_proc(struct ipfix_enc *e, const struct ipfix_proc *p);

/* Emit the message in progress, if any. Returns the emit callback's result. */
int ipfix_enc_flush(struct ipfix_enc *e);

/*
 * From the emit callback: the message it got (the encoder's buffer, which
 * this returns) is the callback's to keep, and the encoder writes the next
 * one into buf (mtu bytes, malloc()ed: ipfix_enc_free() frees the one it
 * has then). A sender queues messages for one system call this way
 * without copying them.
 */
uint8_t *ipfix_enc_exchange(struct ipfix_enc *e, uint8_t *buf);

/* The template a flow goes under (IPFIX_TMPL_*). */
uint16_t ipfix_template_of(const struct ipfix_flow *f);

/* Bytes of f's data record. */
size_t ipfix_record_len(const struct ipfix_flow *f);
size_t ipfix_proc_len(const struct ipfix_proc *p);

#endif
