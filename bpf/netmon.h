/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * netmon.h - the contract between the BPF programs and user space.
 *
 * Every struct that crosses the kernel/user boundary is defined here, with
 * fixed-width types and explicit padding only (hash keys compare padding, so
 * keys are zeroed before they are filled). No includes: the BPF side gets the
 * __u* types from vmlinux.h, user space from <linux/types.h>.
 *
 * Changing a layout changes NETMON_ABI_VERSION, which the recorder stores in
 * the database it writes.
 */
#ifndef NETMON_H
#define NETMON_H

#define NETMON_ABI_VERSION 1

/* Flow direction as seen by the interface: packets received or sent. */
#define NETMON_DIR_IN 0
#define NETMON_DIR_OUT 1

/* Address families as stored: 4 or 6, the way people write them. */
#define NETMON_FAMILY_V4 4
#define NETMON_FAMILY_V6 6

/*
 * One unidirectional flow, as on the wire (the NetFlow/IPFIX model).
 * 44 bytes.
 */
struct flow_key {
	__u32 ifindex;   /* interface the program is attached to */
	__u8 family;     /* NETMON_FAMILY_V4 or NETMON_FAMILY_V6 */
	__u8 protocol;   /* IP protocol number (IPv6: the last next-header) */
	__u8 direction;  /* NETMON_DIR_IN or NETMON_DIR_OUT */
	__u8 pad;        /* always zero */
	__u16 src_port;  /* host byte order; ICMP/ICMPv6: type; else 0 */
	__u16 dst_port;  /* host byte order; ICMP/ICMPv6: code; else 0 */
	__u8 src[16];    /* network byte order; IPv4 in src[0..3], rest zero */
	__u8 dst[16];    /* same layout as src */
};

/*
 * Counters of one flow over one map generation (one interval). 48 bytes.
 * Updated with atomic adds from every CPU. Bytes are L3 bytes: the IPv4 total
 * length or the IPv6 payload length + 40 of every wire packet (the IPFIX
 * octet count, tshark's ip.len); a GSO/GRO super-packet counts as the
 * segments it stands for. SYN/FIN/RST counts are 32 bits: wrapping needs
 * 4.29e9 of them on one 5-tuple within one interval (at most 3600 s), i.e.
 * more than 1.19 M packets/s on that single flow for a whole hour.
 */
struct flow_counters {
	__u64 packets;
	__u64 bytes;
	__u64 first_seen_ns; /* CLOCK_MONOTONIC (coarse) of the first packet */
	__u64 last_seen_ns;  /* CLOCK_MONOTONIC (coarse) of a late packet */
	__u32 syn;           /* packets with SYN set */
	__u32 fin;           /* packets with FIN set */
	__u32 rst;           /* packets with RST set */
	__u32 tcp_flags;     /* OR of the TCP flag byte (FIN=0x01 .. CWR=0x80) */
};

/* What a totals row counts. */
#define NETMON_KIND_IP 0         /* parsed IP packets, per protocol */
#define NETMON_KIND_MALFORMED 1  /* IP ethertype, but a header is invalid or ends
				  * past the packet, or the IP length does */
#define NETMON_KIND_NON_IP 2     /* ARP, LLDP, every other ethertype, VLAN stacks
				  * deeper than the parser walks (4 tags) */
#define NETMON_KIND_TABLE_FULL 3 /* IP packets whose flow did not fit the table */

/*
 * Key of the per-CPU totals. 8 bytes. For NETMON_KIND_IP and
 * NETMON_KIND_TABLE_FULL family and protocol are set; for the others zero.
 */
struct total_key {
	__u32 ifindex;
	__u8 direction;
	__u8 family;
	__u8 protocol;
	__u8 kind;
};

/*
 * Per-CPU totals value. Bytes are L3 bytes for KIND_IP and KIND_TABLE_FULL,
 * frame bytes (skb->len, L2 included) for the others, which have no
 * trustworthy L3 length.
 */
struct total_counters {
	__u64 packets;
	__u64 bytes;
};

/*
 * Per-process socket traffic (bpf/proc.bpf.c), from the sock_send_length and
 * sock_recv_length tracepoints: what the application passed through the
 * socket (payload bytes the syscalls returned). 28 bytes.
 */
struct proc_key {
	__u32 tgid;        /* the process (thread group) */
	__u8 family;       /* NETMON_FAMILY_V4 or NETMON_FAMILY_V6 */
	__u8 protocol;     /* the socket's IP protocol (TCP, UDP, ICMP ping...) */
	__u16 local_port;  /* host byte order; 0 when unbound */
	__u16 remote_port; /* host byte order; 0 when not connected */
	__u8 pad[2];       /* always zero */
	__u8 remote[16];   /* network order, IPv4 in remote[0..3]; zero when not
			    * connected (e.g. sendto on a UDP socket) */
};

/* 32 bytes. */
struct proc_counters {
	__u64 bytes_sent;
	__u64 bytes_recv;
	__u64 sends; /* calls that sent at least one byte */
	__u64 recvs; /* calls that received at least one byte */
};

#define NETMON_COMM_LEN 16

/* A process's names, taken in the kernel at its first packet of a
 * generation, so that a process living a millisecond still has them. */
struct proc_info {
	char comm[NETMON_COMM_LEN];
	char parent_comm[NETMON_COMM_LEN];
	__u32 ppid;
	__u32 pad;
};

#define NETMON_MAX_PROC_KEYS 16384
#define NETMON_MAX_PROCS 4096

/*
 * Map generations (see docs/design.md, "Exactness"). The programs read the
 * active generation once per packet and update only that generation's maps;
 * user space flips the generation, waits for an RCU grace period (every
 * program that could still see the old generation has finished), then drains
 * the old generation alone.
 */
#define NETMON_GENERATIONS 2

/* Parser bounds. VLAN tags walked (802.1ad + 802.1Q is 2; allow stacks): a
 * deeper stack counts as non-IP. IPv6 extension headers walked: a longer
 * chain counts as malformed. */
#define NETMON_MAX_VLAN 4
#define NETMON_MAX_IPV6_EXT 8

/* Default size of each flow-table generation (entries). */
#define NETMON_DEFAULT_MAX_FLOWS 65536
/* Size of each totals generation: interfaces x directions x protocols. */
#define NETMON_MAX_TOTALS 4096

#endif /* NETMON_H */
