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

#define NETMON_ABI_VERSION 10

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
	__u16 tcp_flags;     /* OR of the TCP flag byte (FIN=0x01 .. CWR=0x80) */
	__u16 syn_request;   /* 1: a SYN without ACK, a connection request, among syn */
};

/* What a totals row counts. */
#define NETMON_KIND_IP 0         /* parsed IP packets, per protocol: summed by
				  * the recorder from the flows and the kinds
				  * TABLE_FULL and EXCLUDED (ip_totals.h), never
				  * written by the programs */
#define NETMON_KIND_MALFORMED 1  /* IP ethertype, but a header is invalid or ends
				  * past the packet, or the IP length does */
#define NETMON_KIND_NON_IP 2     /* ARP, LLDP, every other ethertype, VLAN stacks
				  * deeper than the parser walks (4 tags) */
#define NETMON_KIND_TABLE_FULL 3 /* IP packets whose flow did not fit the table */
#define NETMON_KIND_SAMPLED 4    /* packets sampled into the ring (--sample) */
#define NETMON_KIND_SAMPLE_DROP 5 /* packets sampled but the ring was full */
#define NETMON_KIND_NOT_COUNTED 6 /* user space only: frames of an imported capture
				   * that could not be replayed (replay.h) */
#define NETMON_KIND_EXCLUDED 7   /* IP packets left out of the flows by --include /
				  * --exclude (filter.bpf.h); in kind IP too */
/* Kinds from here on count messages passed for host names, no traffic. */
#define NETMON_KIND_DNS 8        /* DNS responses passed to user space (dns.bpf.h) */
#define NETMON_KIND_DNS_DROP 9   /* DNS responses lost: their ring buffer was full */
#define NETMON_KIND_TLS_HELLO 10 /* TLS ClientHellos passed to user space (tls.bpf.h) */
#define NETMON_KIND_TLS_DROP 11  /* TLS ClientHellos lost: the same ring was full */

/*
 * Key of the per-CPU totals. 8 bytes. For NETMON_KIND_IP,
 * NETMON_KIND_TABLE_FULL and NETMON_KIND_EXCLUDED family and protocol are
 * set; for the others zero.
 * The sampling kinds count every packet chosen by --sample, whatever it is
 * (IP or not), with its frame bytes.
 */
struct total_key {
	__u32 ifindex;
	__u8 direction;
	__u8 family;
	__u8 protocol;
	__u8 kind;
};

/*
 * Per-CPU totals value. 48 bytes. Bytes are L3 bytes for KIND_IP,
 * KIND_TABLE_FULL and KIND_EXCLUDED,
 * frame bytes (skb->len, L2 included) for the others, which have no
 * trustworthy L3 length.
 *
 * KIND_TABLE_FULL and KIND_EXCLUDED packets are in no flow of the table:
 * their totals keep what a flow row would (the overflow row, docs/design.md
 * "Flow tables"), so that a SYN flood that fills the table still has every
 * SYN in the history. Only those kinds fill the fields after bytes; the
 * others leave them 0 (the hot path counts packets and bytes only). Times
 * are the clock the programs pass to the flow table, in ns: CLOCK_MONOTONIC
 * (coarse) live, the capture's CLOCK_REALTIME offline. The flag counts are
 * 32 bits per CPU and interval, as a flow's (struct flow_counters).
 */
struct total_counters {
	__u64 packets;
	__u64 bytes;
	__u64 first_ns;  /* the first packet's time on this CPU */
	__u64 last_ns;   /* a late packet's time on this CPU */
	__u32 syn;       /* packets with SYN set */
	__u32 fin;       /* packets with FIN set */
	__u32 rst;       /* packets with RST set */
	__u32 tcp_flags; /* OR of the TCP flag byte */
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

/*
 * The per-CPU cache of the last key each per-process program counted
 * (bpf/proc.bpf.c): consecutive calls on one socket add to it, on the CPU's
 * own cache line, and reach the shared table only when another key takes the
 * entry. One entry per generation and direction, at NETMON_PROC_CACHE_SLOT;
 * user space drains a generation's entries with its table. 48 bytes.
 */
struct proc_cache_entry {
	struct proc_key key; /* with calls 0: empty */
	__u32 candidate;     /* the programs' own: which key last missed */
	__u64 bytes;
	__u64 calls;
};

/*
 * Calls whose key found its generation's per-process table full, and their
 * bytes: in no process row. One per generation in proc.bpf.c's .bss, read
 * and cleared with that generation's table. 16 bytes.
 */
struct proc_table_full {
	__u64 calls;
	__u64 bytes;
};

#define NETMON_PROC_CACHE_SLOTS (2 * 2)
#define NETMON_PROC_CACHE_SLOT(gen, sent) ((gen) * 2 + (sent))

#define NETMON_COMM_LEN 16

/*
 * A process's names, taken in the kernel at its first socket call of a
 * generation, so that a process living a millisecond still has them; with
 * the cgroup and uid of that call, which stand for the process's whole
 * interval (docs/design.md, "Services and users"). 48 bytes.
 */
struct proc_info {
	char comm[NETMON_COMM_LEN];
	char parent_comm[NETMON_COMM_LEN];
	__u32 ppid;
	__u32 uid;       /* the calling thread's real uid */
	__u64 cgroup_id; /* its cgroup v2 directory's inode (bpf_get_current_cgroup_id) */
};

#define NETMON_MAX_PROC_KEYS 16384
#define NETMON_MAX_PROCS 4096

/*
 * The path of a cgroup v2 directory at its removal (the cgroup_rmdir
 * tracepoint, bpf/proc.bpf.c), by cgroup id, for user space to name a
 * cgroup that is gone before the interval of its processes is written.
 * An LRU of NETMON_CGROUPS_GONE; a longer path is not kept. 256 bytes.
 */
#define NETMON_CGROUP_PATH_LEN 256
#define NETMON_CGROUPS_GONE 1024

struct cgroup_gone {
	char path[NETMON_CGROUP_PATH_LEN]; /* from the hierarchy's root, NUL ended */
};

/*
 * Map generations (see docs/design.md, "Exactness"). The programs read the
 * active generation once per packet and update only that generation's
 * counters and totals; user space flips the generation, waits for an RCU
 * grace period (every program that could still see the old generation has
 * finished), then drains the old generation alone.
 */
#define NETMON_GENERATIONS 2

/*
 * The flow tables (docs/design.md, "Flow tables"): open addressing in
 * mmapable ARRAYs, one for IPv4 flows (16-byte slots) and one for IPv6 flows
 * (48-byte slots; also IPv4 flows of interfaces whose ifindex does not fit
 * 16 bits). A flow lives in one of two buckets of NETMON_BUCKET_SLOTS slots
 * chosen by a keyed hash, the emptier one when it is inserted. Keys are shared
 * by the two generations; each slot has a counters block per generation in a
 * parallel ARRAY, and a tag byte (BPF-only, flow_table.bpf.h) in a third.
 *
 * Word 0 of every slot: bits 0-2 the state, bit 3 the direction, bit 4 set
 * for an IPv4 flow in the IPv6 table, bits 8-15 the protocol, bits 16-31 the
 * ifindex (IPv4 table only).
 */
#define NETMON_BUCKET_SLOTS 16
#define NETMON_SLOT_NEVER 0  /* never used: no later slot of its bucket is either */
#define NETMON_SLOT_BUSY 1   /* being filled by an inserter (which holds the lock) */
#define NETMON_SLOT_READY 2  /* holds a flow */
#define NETMON_SLOT_DOOMED 3 /* idle a whole interval: freed after a grace period
			      * unless a packet of its flow brings it back */
#define NETMON_SLOT_FREE 4   /* freed: an inserter may take it */
#define NETMON_SLOT_STATE_MASK 7u
#define NETMON_SLOT_DIR_SHIFT 3
#define NETMON_SLOT_V4_IN_V6 0x10u
#define NETMON_SLOT_PROTO_SHIFT 8
#define NETMON_SLOT_IFINDEX_SHIFT 16

/* IPv4 table slot. 16 bytes. Addresses in network byte order. */
struct flow4_slot {
	__u32 word0;
	__u8 src[4];
	__u8 dst[4];
	__u16 src_port; /* host byte order; ICMP: type */
	__u16 dst_port; /* host byte order; ICMP: code */
};

/* IPv6 table slot. 48 bytes. IPv4 in src[0..3]/dst[0..3] when word0 has
 * NETMON_SLOT_V4_IN_V6 (rest zero). */
struct flow6_slot {
	__u32 word0;
	__u32 ifindex;
	__u16 src_port;
	__u16 dst_port;
	__u32 pad; /* always zero */
	__u8 src[16];
	__u8 dst[16];
};

/*
 * Counters of one flow in one generation. 32 bytes, every field updated with
 * atomic adds (or OR) from any CPU. A packet of a flow costs one atomic add:
 * packets and bytes share a 64-bit word, and the rare carries out of their
 * fields are put right by the one CPU whose fetch-and-add made them
 * (bpf/flow_table.bpf.h, ft_count()):
 * - packets_bytes: packets modulo 2^24 in bits 0-23, bytes modulo 2^40 in
 *   bits 24-63;
 * - flags_wraps: the OR of the TCP flag byte in bits 0-7, the times the bytes
 *   field wrapped in bits 8-15, the packets field in bits 16-31: 48 bits of
 *   bytes (281 TB) and 40 of packets (1.1e12: 305 Mpps for an hour) per flow
 *   and interval (at most 3600 s);
 * - syn, fin, rst: packets with that flag, 32 bits (wrapping needs 1.19 M
 *   such packets/s on one 5-tuple for a whole hour); syn in bits 0-30 only
 *   (596 K SYNs/s for the hour), its bit 31 (NETMON_SYN_REQUEST) set by a SYN
 *   without ACK: the flow's side asked for the connection. The OR of the
 *   flags cannot say it once the same side has sent ACKs too, and the
 *   handshake's packets may fall in one tick of the clock (server ports,
 *   sql/0024_syn_request.sql);
 * - first, last: time of the first and of a late packet of the interval
 *   modulo 2^32 units: 1024 ns live (73 min; a shift, where a 64-bit
 *   division is dearer per packet), 1000 ns offline (71 min; capture times are
 *   whole microseconds and stay exact). The recorder knows the interval's end
 *   and restores the full value.
 */
struct flow_gen_counters {
	__u64 packets_bytes;
	__u32 syn;
	__u32 fin;
	__u32 rst;
	__u32 flags_wraps;
	__u32 first;
	__u32 last;
};

#define NETMON_SYN_REQUEST (1u << 31)
#define NETMON_PACKETS_BITS 24
#define NETMON_PACKETS_FIELD ((1ull << NETMON_PACKETS_BITS) - 1)
#define NETMON_BYTES_WRAP_SHIFT 8
#define NETMON_PACKETS_WRAP_SHIFT 16
#define NETMON_TIME_SHIFT_LIVE 10
#define NETMON_TIME_UNIT_NS_OFFLINE 1000

/* Packets and bytes of a generation's counters, once no program writes them
 * (after the generation's flip and a grace period). */
#define NETMON_GEN_PACKETS(c)                                                                      \
	(((c)->packets_bytes & NETMON_PACKETS_FIELD) |                                             \
	 (__u64)((c)->flags_wraps >> NETMON_PACKETS_WRAP_SHIFT) << NETMON_PACKETS_BITS)
#define NETMON_GEN_BYTES(c)                                                                        \
	(((c)->packets_bytes >> NETMON_PACKETS_BITS) |                                             \
	 (__u64)(((c)->flags_wraps >> NETMON_BYTES_WRAP_SHIFT) & 0xff)                             \
		 << (64 - NETMON_PACKETS_BITS))

/*
 * Whether counters whose two words read pb and fw hold a packet. A counted
 * packet has bytes (an IP header at least), so packets_bytes leaves 0 with
 * the first packet's add and comes back to it only if both its fields
 * wrapped to 0 at once, which the wrap counts then tell.
 */
#define NETMON_GEN_COUNTED(pb, fw) ((pb) != 0 || ((fw) >> NETMON_BYTES_WRAP_SHIFT) != 0)

/* One slot's counters, by generation. 64 bytes. */
struct flow_slot_counters {
	struct flow_gen_counters gen[NETMON_GENERATIONS];
};

/*
 * Packet sampling (bpf/sample.bpf.h, recorder/capture/sample.c): one record in the
 * ring buffer per sampled packet, its first caplen bytes from the Ethernet
 * header on. The reservation is always NETMON_SNAP_MAX bytes of data (the
 * ring needs a size the verifier knows); caplen <= --snaplen says how many
 * are the packet's. 32 + NETMON_SNAP_MAX bytes.
 */
#define NETMON_SNAP_MAX 256
#define NETMON_SNAP_DEFAULT 128

struct sample_record {
	__u64 tstamp_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) when sampled */
	__u32 ifindex;   /* interface the program is attached to */
	__u32 len;       /* the frame's length (skb->len, XDP buffer length) */
	__u16 caplen;    /* bytes of data[] that are the packet's */
	__u8 direction;  /* NETMON_DIR_IN or NETMON_DIR_OUT */
	__u8 pad[13];    /* always zero */
	__u8 data[NETMON_SNAP_MAX];
};

/*
 * Host names (bpf/dns.bpf.h, recorder/names/): every DNS response received
 * (UDP or TCP from port 53, either family, not a fragment, with a payload)
 * goes into its ring buffer as one record: its first caplen bytes from the
 * DNS payload on (TCP: from the 2-byte length prefix on). The reservation is
 * always NETMON_DNS_MAX bytes of data: 1232, the EDNS buffer size DNS Flag
 * Day 2020 settled on, so most UDP responses fit whole. 64 + NETMON_DNS_MAX
 * bytes.
 */
#define NETMON_DNS_PORT 53
#define NETMON_TLS_PORT 443 /* TLS ClientHellos sent to it share the ring (tls.bpf.h) */
#define NETMON_DNS_MAX 1232
#define NETMON_DNS_RING_BYTES (256 * 1024)

struct dns_head {
	__u64 tstamp_ns; /* CLOCK_MONOTONIC live (bpf_ktime_get_ns); offline the
			  * capture's time (CLOCK_REALTIME) */
	__u32 ifindex;   /* interface the program is attached to */
	__u32 len;       /* payload bytes in the packet (from the IP length) */
	__u32 seq;       /* TCP: sequence number of the payload's first byte; UDP 0 */
	__u16 caplen;    /* bytes of data[] that are the payload's */
	__u16 src_port;  /* host byte order */
	__u16 dst_port;  /* host byte order */
	__u8 family;     /* NETMON_FAMILY_V4 or NETMON_FAMILY_V6 */
	__u8 protocol;   /* 6 TCP or 17 UDP */
	__u8 direction;  /* NETMON_DIR_IN: a DNS response; NETMON_DIR_OUT: a TLS
			  * ClientHello's first segment (tls.bpf.h) */
	__u8 pad[3];     /* always zero */
	__u8 src[16];    /* network order; IPv4 in src[0..3], rest zero */
	__u8 dst[16];    /* same layout as src */
};

struct dns_record {
	struct dns_head h;
	__u8 data[NETMON_DNS_MAX];
};

/*
 * Capture filters (--include, --exclude; bpf/filter.bpf.h, recorder/filter.c):
 * one LPM trie holds the rules of both generations, the generation as the
 * first byte of the key, so that user space writes the rules of the next
 * interval into the generation not in use and a change applies from an
 * interval's first packet to its last (docs/design.md, "Capture filters").
 * Each prefix of a rule is an entry whose value holds every rule that covers
 * it (its own and those of shorter prefixes containing it): the longest match
 * of an address then tells all the rules that apply to it.
 */
#define NETMON_FILTER_MAX_RULES 128 /* --include, and --exclude, each */
#define NETMON_FILTER_MAX_PREFIXES (2 * NETMON_FILTER_MAX_RULES) /* per generation */
#define NETMON_FILTER_MAX_SERVICES 8 /* rules with a protocol covering one address */

/* Key of the trie. 24 bytes; prefixlen counts the bits of gen, family, pad
 * (32) and of the address. */
struct filter_key {
	__u32 prefixlen;
	__u8 gen;      /* the generation (0 or 1) */
	__u8 family;   /* NETMON_FAMILY_V4 or NETMON_FAMILY_V6 */
	__u8 pad[2];   /* always zero */
	__u8 addr[16]; /* network order; IPv4 in addr[0..3], rest zero */
};

/* What a rule does with a packet it matches (bits). */
#define NETMON_FILTER_EXCLUDE 1
#define NETMON_FILTER_INCLUDE 2

/* A rule with a protocol, and maybe a port. 4 bytes. */
struct filter_service {
	__u8 action;   /* NETMON_FILTER_EXCLUDE or NETMON_FILTER_INCLUDE */
	__u8 protocol; /* IP protocol number */
	__u16 port;    /* host byte order; 0: any port */
};

/* The rules that apply to the addresses of one prefix. 36 bytes. */
struct filter_value {
	__u8 any; /* actions of the rules of every protocol (bits) */
	__u8 n;   /* services[0..n) are set */
	__u8 pad[2];
	struct filter_service services[NETMON_FILTER_MAX_SERVICES];
};

/* Each generation's mode (filter_mode[], in flow.bpf.c's .bss): 0, no rule,
 * and no packet is looked up. */
#define NETMON_FILTER_ON 1        /* some rule: look the packet up */
#define NETMON_FILTER_INCLUDING 2 /* --include rules: only their packets are counted */

/* Insert locks: one per hash stripe, so that one flow is inserted once. */
#define NETMON_INSERT_LOCKS 4096

/* Parser bounds. VLAN tags walked (802.1ad + 802.1Q is 2; allow stacks): a
 * deeper stack counts as non-IP. IPv6 extension headers walked: a longer
 * chain counts as malformed. */
#define NETMON_MAX_VLAN 4
#define NETMON_MAX_IPV6_EXT 8

/* Default room of each flow table (IPv4, IPv6), in flows. Each table has
 * 1.2 slots per flow: two-choice buckets of 16 place a million flows in 1.2
 * million slots without a failure (bench/prog_cost.c). */
#define NETMON_DEFAULT_MAX_FLOWS 65536
#define NETMON_SLOTS_PER_FLOW_X10 12
/* Size of each totals generation: interfaces x directions x protocols. */
#define NETMON_MAX_TOTALS 4096

#endif /* NETMON_H */
