// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flow.bpf.c - per-flow and per-interface counters from TC clsact ingress and
 * egress, or XDP ingress. The programs only read the packet and always let it
 * go on (TC_ACT_UNSPEC: the next filter / the default action; XDP_PASS): the
 * observer never drops or alters a packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netmon.h"
#include "parse.bpf.h"
#include "flow_table.bpf.h"
#include "sample.bpf.h"
#include "dns.bpf.h"
#include "tls.bpf.h"
#include "filter.bpf.h"

#define TC_ACT_UNSPEC_ (-1)
#define EEXIST_ 17
#define E2BIG_ 7

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The flow tables (netmon.h, docs/design.md "Flow tables"): slots shared by
 * both generations, a counters block per generation. Sized by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NETMON_BUCKET_SLOTS);
	__type(key, __u32);
	__type(value, struct flow4_slot);
} slots4 SEC(".maps");

/* Both generations' counters of each slot, for either family. */
struct counts_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NETMON_BUCKET_SLOTS);
	__type(key, __u32);
	__type(value, struct flow_slot_counters);
} counts4 SEC(".maps"), counts6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NETMON_BUCKET_SLOTS);
	__type(key, __u32);
	__type(value, struct flow6_slot);
} slots6 SEC(".maps");


/* A tag byte per slot, 16 per bucket (flow_table.bpf.h): the kernel's own. */
struct tag_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ft_tags);
} tags4 SEC(".maps"), tags6 SEC(".maps");

struct total_table {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NETMON_MAX_TOTALS);
	__type(key, struct total_key);
	__type(value, struct total_counters);
} totals_0 SEC(".maps"), totals_1 SEC(".maps");

/*
 * The totals' generations in an ARRAY_OF_MAPS, only so that user space can
 * wait for in-flight programs: any update of a map-in-map returns only after
 * an RCU grace period (kernel/bpf/syscall.c, maybe_wait_bpf_programs()). The
 * programs name totals_0 and totals_1 directly (add_total()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NETMON_GENERATIONS);
	__type(key, __u32);
	__array(values, struct total_table);
} total_gens SEC(".maps") = {
	.values = { &totals_0, &totals_1 },
};

/*
 * Ports of fragmented datagrams, written by the first fragment and read by
 * the later ones, which carry no L4 header: the IP reassembly key of RFC 791
 * (addresses, protocol, identification). LRU because losing an entry only
 * costs ports, never bytes: a later fragment whose first was not seen (or was
 * evicted, or comes after it) is counted in a port-less row.
 */
struct frag_key {
	__u8 family;
	__u8 protocol;
	__u8 pad[2];
	__u32 id;
	__u8 src[16];
	__u8 dst[16];
};

struct frag_ports {
	__u16 src_port;
	__u16 dst_port;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct frag_key);
	__type(value, struct frag_ports);
} frag_ports SEC(".maps");

/*
 * Offline replay (netmon-record --read): the packet's time is the capture's,
 * passed in skb->tstamp (CLOCK_REALTIME ns) by BPF_PROG_TEST_RUN. Live, the
 * kernel's coarse monotonic clock (live_now()).
 */
const volatile __u8 clock_from_packet = 0;

/* Buckets of each flow table and the flows each may hold (set by the
 * loader), and the hash key (random per load: nobody can aim packets at one
 * bucket). */
const volatile __u32 buckets4 = 1, buckets6 = 1;
const volatile __u32 max_flows4 = NETMON_BUCKET_SLOTS, max_flows6 = NETMON_BUCKET_SLOTS;
const volatile __u64 hash_seed = 0;

/* The generation programs write to; only user space changes it. */
__u32 active_gen = 0;
/*
 * The tick clock (live_now()), beside active_gen on the line every packet
 * reads: the length of a tick in ns, and a tick with its CLOCK_MONOTONIC
 * time. Set by the loader after the load (recorder/kernel/tick_clock.c),
 * tick_ns last; 0 until then (a program run by BPF_PROG_TEST_RUN in the
 * tests, a clock the loader could not measure): the coarse clock.
 */
__u32 tick_ns = 0;
__u64 tick_base = 0, tick_base_ns = 0;
/* Slots taken in each table: inserters add, the recorder subtracts when it
 * frees one. On a cache line of their own (with the insert locks), away from
 * active_gen, which every packet of every CPU reads. */
__u32 used4 __attribute__((aligned(64))) = 0;
__u32 used6 = 0;
/* What netmon_clock_sample() read last: for the loader only. */
__u64 sample_jiffies = 0, sample_coarse_ns = 0, sample_live_ns = 0;

/*
 * A new totals row, out of line: its value (struct total_counters, 48
 * bytes) is zeroed on the stack only when a row is new, not for every
 * packet of the hot path.
 */
static __noinline long insert_total(void *totals, struct total_key *tk, __u64 packets, __u64 bytes)
{
	struct total_counters init = { .packets = packets, .bytes = bytes };

	return bpf_map_update_elem(totals, tk, &init, BPF_NOEXIST);
}

/* Non-atomic adds are safe: per-CPU, and TC never nests on one CPU. */
static __always_inline void add_total_to(void *totals, struct total_key *tk, __u64 packets,
					 __u64 bytes)
{
	struct total_counters *t = bpf_map_lookup_elem(totals, tk);

	if (t) {
		t->packets += packets;
		t->bytes += bytes;
		return;
	}
	if (insert_total(totals, tk, packets, bytes) == -EEXIST_) {
		t = bpf_map_lookup_elem(totals, tk);
		if (t) {
			t->packets += packets;
			t->bytes += bytes;
		}
	}
	/* A totals table full (4096 interface/protocol rows) loses nothing
	 * that the flow table does not also hold. */
}

/*
 * Each generation's map named at its own call sites: the verifier then makes
 * each lookup a direct call for that map. A map taken out of the
 * ARRAY_OF_MAPS (or one call site fed either map) is reached through the
 * map's ops, an indirect call (a retpoline here). The empty asm keeps clang
 * from merging the two branches' calls.
 */
static __always_inline void add_total(__u32 gen, struct total_key *tk, __u64 packets,
				      __u64 bytes)
{
	if (gen) {
		add_total_to(&totals_1, tk, packets, bytes);
		asm volatile("" ::: "memory");
	} else {
		add_total_to(&totals_0, tk, packets, bytes);
	}
}

/*
 * A packet in no flow row (its flow did not fit the table, or a filter left
 * it out): its totals also keep what a flow row holds (netmon.h, struct
 * total_counters), for the overflow row. Never the hot path: only packets
 * that found the table full or were excluded come here.
 */
static __always_inline void add_full_to(void *totals, struct total_key *tk, __u64 packets,
					__u64 bytes, __u8 flags, __u64 now)
{
	struct total_counters *t = bpf_map_lookup_elem(totals, tk), init = {};

	if (!t) {
		bpf_map_update_elem(totals, tk, &init, BPF_NOEXIST);
		t = bpf_map_lookup_elem(totals, tk);
		if (!t)
			return; /* totals full: see add_total_to() */
	}
	if (!t->packets)
		t->first_ns = now;
	t->last_ns = now;
	t->packets += packets;
	t->bytes += bytes;
	t->syn += (flags & TCP_FLAG_SYN) ? 1 : 0;
	t->fin += (flags & TCP_FLAG_FIN) ? 1 : 0;
	t->rst += (flags & TCP_FLAG_RST) ? 1 : 0;
	t->tcp_flags |= flags;
}

/* add_full_to() for the generation gen, each map at its own call (add_total()). */
static __always_inline void add_full(__u32 gen, struct total_key *tk, __u64 packets, __u64 bytes,
				     __u8 flags, __u64 now)
{
	if (gen) {
		add_full_to(&totals_1, tk, packets, bytes, flags, now);
		asm volatile("" ::: "memory");
	} else {
		add_full_to(&totals_0, tk, packets, bytes, flags, now);
	}
}

/* Remember a first fragment's ports, or give them to a later fragment. */
static __always_inline void attribute_fragment(struct parsed *p)
{
	struct frag_key fk = { .family = p->key.family, .protocol = p->key.protocol,
			       .id = p->frag_id };
	struct frag_ports *ports;

	__builtin_memcpy(fk.src, p->key.src, 16);
	__builtin_memcpy(fk.dst, p->key.dst, 16);
	if (p->frag == FRAG_FIRST) {
		struct frag_ports v = { p->key.src_port, p->key.dst_port };

		bpf_map_update_elem(&frag_ports, &fk, &v, BPF_ANY);
		return;
	}
	ports = bpf_map_lookup_elem(&frag_ports, &fk);
	if (ports) {
		p->key.src_port = ports->src_port;
		p->key.dst_port = ports->dst_port;
	}
}

/* The search step of each table (flow_table.bpf.h). */
static long search4_step(__u32 i, void *q)
{
	return ft_search_step(&slots4, 2, i, q);
}

static long search6_step(__u32 i, void *q)
{
	return ft_search_step(&slots6, 6, i, q);
}

/* The slow paths, out of line (flow_table.bpf.h, ft_find_or_insert()). */
static __noinline long find_or_insert4(struct ft_search *q)
{
	return ft_find_or_insert(&slots4, &tags4, buckets4, q, 2, search4_step, &used4,
				 max_flows4);
}

static __noinline long find_or_insert6(struct ft_search *q)
{
	return ft_find_or_insert(&slots6, &tags6, buckets6, q, 6, search6_step, &used6,
				 max_flows6);
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "slot_key() composes slot words for a little-endian target"
#endif

/* Four bytes of an address as they lie in memory (4-byte aligned). */
static __always_inline __u64 addr32(const __u8 *a)
{
	return *(const __u32 *)a;
}

/*
 * The key in slot form: the IPv4 table's 16-byte slot when the ifindex fits
 * its 16 bits, else the IPv6 table's 48-byte one. Returns the words used.
 * Each word is composed in a register and stored whole: writing the fields
 * one by one and reading them back as 64-bit words stalls store forwarding
 * (measured here: IPv6 packets 13 ns, IPv4 ones a few ns cheaper this way).
 */
static __always_inline int slot_key(const struct flow_key *fk, struct ft_key *k)
{
	__u64 w0 = (__u64)fk->direction << NETMON_SLOT_DIR_SHIFT |
		   (__u64)fk->protocol << NETMON_SLOT_PROTO_SHIFT;
	__u64 ports = (__u64)fk->src_port | (__u64)fk->dst_port << 16;

	if (fk->family == NETMON_FAMILY_V4 && fk->ifindex <= 0xffff) {
		/* struct flow4_slot: word0, src, dst, src_port, dst_port */
		k->w[0] = w0 | (__u64)fk->ifindex << NETMON_SLOT_IFINDEX_SHIFT |
			  addr32(fk->src) << 32;
		k->w[1] = addr32(fk->dst) | ports << 32;
		ft_hash(k, 2, hash_seed);
		return 2;
	}
	/* struct flow6_slot: word0, ifindex, ports, pad, src[16], dst[16] */
	if (fk->family == NETMON_FAMILY_V4)
		w0 |= NETMON_SLOT_V4_IN_V6;
	k->w[0] = w0 | (__u64)fk->ifindex << 32;
	k->w[1] = ports;
	k->w[2] = addr32(fk->src) | addr32(fk->src + 4) << 32;
	k->w[3] = addr32(fk->src + 8) | addr32(fk->src + 12) << 32;
	k->w[4] = addr32(fk->dst) | addr32(fk->dst + 4) << 32;
	k->w[5] = addr32(fk->dst + 8) | addr32(fk->dst + 12) << 32;
	ft_hash(k, 6, hash_seed);
	return 6;
}

/* Returns 0, or -E2BIG when the flow did not fit its table. */
static __always_inline long add_flow(__u32 gen, struct parsed *p, __u64 packets, __u64 bytes,
				     __u64 now_ns)
{
	struct flow_slot_counters *c;
	struct ft_search q;
	long idx;
	__u32 i;

	/*
	 * Each table's counters looked up on its own branch: a lookup fed
	 * either map is not inlined by the verifier but becomes a call through
	 * the map's ops (an indirect call, a retpoline here). The empty asm
	 * keeps clang from merging the two lookups into one call again.
	 */
	if (slot_key(&p->key, &q.k) == 2) {
		idx = ft_find_fast(&slots4, &tags4, buckets4, &q, 2);
		if (idx < 0)
			idx = find_or_insert4(&q);
		if (idx < 0)
			return -E2BIG_;
		i = (__u32)idx;
		c = bpf_map_lookup_elem(&counts4, &i);
		asm volatile("" ::: "memory");
	} else {
		idx = ft_find_fast(&slots6, &tags6, buckets6, &q, 6);
		if (idx < 0)
			idx = find_or_insert6(&q);
		if (idx < 0)
			return -E2BIG_;
		i = (__u32)idx;
		c = bpf_map_lookup_elem(&counts6, &i);
	}
	if (!c)
		return -E2BIG_;
	/* Live: 1.024 us units, a shift (a 64-bit division is dearer).
	 * Offline: microseconds, so that capture times stay exact. */
	ft_count(&c->gen[gen & 1], packets, bytes, p->tcp_flags,
		 clock_from_packet ? (__u32)(now_ns / NETMON_TIME_UNIT_NS_OFFLINE)
				   : (__u32)(now_ns >> NETMON_TIME_SHIFT_LIVE));
	return 0;
}

/* What the hook tells about a packet besides its bytes. */
struct pkt_meta {
	__u32 ifindex;
	__u32 len;  /* bytes from the Ethernet header to the end, all fragments */
	__u32 segs; /* GSO segments (0 or 1: a plain packet) */
	__u64 tstamp; /* the capture's time, offline only */
};

/*
 * Wire packets and L3 bytes of one packet. A GSO/GRO super-packet stands for
 * segs wire packets, each with its own copy of the IP and TCP/UDP headers;
 * its payload is the L3 length minus one copy of them.
 */
static __always_inline void wire_size(const struct pkt_meta *m, const struct parsed *p,
				      __u64 *packets, __u64 *bytes)
{
	__u32 l3_avail = m->len > p->l3_off ? m->len - p->l3_off : 0;

	if (m->segs <= 1) {
		*packets = 1;
		*bytes = p->l3_len ? p->l3_len : l3_avail;
		return;
	}
	*packets = m->segs;
	*bytes = l3_avail + (__u64)(m->segs - 1) * (p->l3_hdr_len + p->l4_hdr_len);
}

/*
 * The sampler as global functions, one per context type: the verifier checks
 * each once, on its own, instead of walking the whole parser again behind
 * each of the sampler's outcomes (inlined, the programs went past the
 * verifier's million instructions). They return the totals kind, 0: none.
 */
__noinline int netmon_sample_skb(struct __sk_buff *skb, __u32 ifindex, __u32 len, __u32 direction)
{
	return skb ? sample_packet(skb, 0, ifindex, len, direction) : 0;
}

__noinline int netmon_sample_xdp(struct xdp_md *xdp, __u32 ifindex, __u32 len, __u32 direction)
{
	return xdp ? sample_packet(xdp, 1, ifindex, len, direction) : 0;
}

/* --sample: the packet into the ring if it is due, counted in the totals. */
static __always_inline void sample_and_count(void *ctx, int is_xdp, const struct pkt_meta *m,
					     __u8 direction, __u32 gen)
{
	struct total_key tk = { .ifindex = m->ifindex, .direction = direction };

	tk.kind = is_xdp ? netmon_sample_xdp(ctx, m->ifindex, m->len, direction)
			 : netmon_sample_skb(ctx, m->ifindex, m->len, direction);
	if (tk.kind)
		add_total(gen, &tk, 1, m->len);
}

/* A received DNS response to user space (dns.bpf.h), counted in the totals. */
static __always_inline void dns_and_count(void *ctx, int is_xdp, const struct pkt_meta *m,
					  const struct parsed *p, __u32 gen)
{
	struct total_key tk = { .ifindex = m->ifindex, .direction = NETMON_DIR_IN };
	__u64 now = clock_from_packet ? m->tstamp : bpf_ktime_get_ns();
	int r = is_xdp ? netmon_dns_xdp(ctx, p, m->len, now) : netmon_dns_skb(ctx, p, m->len, now);

	tk.kind = r & 0xff;
	if (tk.kind)
		add_total(gen, &tk, 1, (__u32)r >> 8);
}

/* A sent TLS ClientHello to user space (tls.bpf.h), counted in the totals. */
static __always_inline void tls_and_count(struct __sk_buff *skb, const struct pkt_meta *m,
					  const struct parsed *p, __u32 gen)
{
	struct total_key tk = { .ifindex = m->ifindex, .direction = NETMON_DIR_OUT };
	__u32 end = p->l3_len ? p->l3_off + p->l3_len : m->len;
	int r;

	/* No payload (a handshake, a bare ACK: most segments to 443): no call. */
	if (p->key.protocol != IPPROTO_TCP_ || end <= p->l3_off + p->l3_hdr_len + p->l4_hdr_len)
		return;
	/* Live, the clock is read only for a ClientHello passed (tls.bpf.h). */
	r = netmon_tls_skb(skb, p, m->len, clock_from_packet ? m->tstamp : 0);
	tk.kind = r & 0xff;
	if (tk.kind)
		add_total(gen, &tk, 1, (__u32)r >> 8);
}

/*
 * A live packet's time: CLOCK_MONOTONIC at one point of the current tick
 * (where the clock's update fell in it when the loader measured), from the
 * tick count. jiffies_64 counts ticks of exactly tick_ns of monotonic time
 * (the kernel advances it from the monotonic clock, in whole ticks), so
 * this is a coarse monotonic clock like bpf_ktime_get_coarse_ns() (the time
 * of the clock's last update, which comes when its own trimmed interval is
 * due, near the tick): the two differ by less than two ticks, and never
 * drift apart. The count is one load
 * (the verifier inlines bpf_jiffies64()) where the coarse clock is a helper
 * call: ~7 ns of the program's ~45 a packet on a host that pays for every
 * return (bench/RESULTS.md).
 */
static __always_inline __u64 live_now(void)
{
	__u32 tick = tick_ns;

	if (!tick)
		return bpf_ktime_get_coarse_ns();
	return tick_base_ns + (bpf_jiffies64() - tick_base) * tick;
}

/* Count one packet into the active generation; every hook ends up here. */
static __always_inline void count_packet(void *ctx, int is_xdp, const struct pkt_meta *m,
					 __u8 direction)
{
	struct parsed p = {};
	struct total_key tk = {};
	__u64 packets, bytes, now;
	__u32 gen = active_gen & 1;
	int verdict;

	if (sample_every)
		sample_and_count(ctx, is_xdp, m, direction, gen);
	tk.ifindex = m->ifindex;
	tk.direction = direction;
	verdict = parse_packet(ctx, is_xdp, m->len, &p);
	if (verdict != PARSE_IP) {
		tk.kind = verdict == PARSE_NON_IP ? NETMON_KIND_NON_IP : NETMON_KIND_MALFORMED;
		add_total(gen, &tk, m->segs > 1 ? m->segs : 1, m->len);
		return;
	}

	if (p.frag != FRAG_NONE)
		attribute_fragment(&p);
	wire_size(m, &p, &packets, &bytes);
	p.key.ifindex = m->ifindex;
	p.key.direction = direction;
	tk.family = p.key.family;
	tk.protocol = p.key.protocol;
	/*
	 * No IP totals row here: every IP packet goes into a flow, the
	 * table-full row or the excluded row, whose sums per interface,
	 * direction, family and protocol the recorder adds up into it
	 * (recorder/kernel/ip_totals.c). A totals lookup per packet was 4-5 of
	 * the ~11 data lines the hot path touches (bench/RESULTS.md).
	 */
	now = clock_from_packet ? m->tstamp : live_now();
	/* --include/--exclude: in no flow, in the excluded row (filter.bpf.h). */
	if (filter_excludes(gen, &p.key)) {
		tk.kind = NETMON_KIND_EXCLUDED;
		add_full(gen, &tk, packets, bytes, p.tcp_flags, now);
		return;
	}
	if (add_flow(gen, &p, packets, bytes, now)) {
		tk.kind = NETMON_KIND_TABLE_FULL;
		add_full(gen, &tk, packets, bytes, p.tcp_flags, now);
	}
	if (dns_names && direction == NETMON_DIR_IN && p.key.src_port == NETMON_DNS_PORT)
		dns_and_count(ctx, is_xdp, m, &p, gen);
	/* Egress is TC only: XDP sees received frames. */
	if (dns_names && !is_xdp && direction == NETMON_DIR_OUT &&
	    p.key.dst_port == NETMON_TLS_PORT)
		tls_and_count(ctx, m, &p, gen);
}

static __always_inline int count_skb(struct __sk_buff *skb, __u8 direction)
{
	struct pkt_meta m = { .ifindex = skb->ifindex, .len = skb->len, .segs = skb->gso_segs,
			      .tstamp = skb->tstamp };

	/*
	 * Offline, a frame longer than BPF_PROG_TEST_RUN takes (about a page)
	 * comes as its first bytes, with its whole length in cb[0]
	 * (recorder/capture/replay.c): headers are read from what is there, lengths
	 * are checked and counted as the frame's. Not wire_len: test_run caps
	 * it at 64 KiB, under a loopback capture's 65549-byte frames.
	 */
	if (clock_from_packet && skb->cb[0] > m.len)
		m.len = skb->cb[0];
	count_packet(skb, 0, &m, direction);
	return TC_ACT_UNSPEC_;
}

SEC("tc")
int netmon_tc_ingress(struct __sk_buff *skb)
{
	return count_skb(skb, NETMON_DIR_IN);
}

SEC("tc")
int netmon_tc_egress(struct __sk_buff *skb)
{
	return count_skb(skb, NETMON_DIR_OUT);
}

/*
 * For the loader (tick_clock.c), run by BPF_PROG_TEST_RUN, never attached:
 * the tick count and the coarse clock at one moment, the clock first (a tick
 * between the two reads then shows as a pair a tick early, never late), and
 * live_now() beside them.
 */
SEC("tc")
int netmon_clock_sample(struct __sk_buff *skb)
{
	sample_coarse_ns = bpf_ktime_get_coarse_ns();
	sample_jiffies = bpf_jiffies64();
	sample_live_ns = live_now();
	return TC_ACT_UNSPEC_;
}

/*
 * XDP sees received packets only, before any skb exists (no GSO: a
 * multi-buffer frame is one wire packet). Egress stays with TC.
 */
SEC("xdp")
int netmon_xdp_ingress(struct xdp_md *ctx)
{
	struct pkt_meta m = { .ifindex = ctx->ingress_ifindex, .len = bpf_xdp_get_buff_len(ctx) };

	count_packet(ctx, 1, &m, NETMON_DIR_IN);
	return XDP_PASS;
}
