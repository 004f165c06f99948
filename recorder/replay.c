// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay.c - offline import through BPF_PROG_TEST_RUN.
 *
 * The TC program, not a user-space copy of the parser, counts every packet,
 * so an imported capture and a live recording are counted by the same code.
 * TC test_run costs no RCU sync per call (XDP's does, ~20 ms), so one call per
 * packet is fine. The capture's timestamp travels in skb->tstamp.
 */
#include <errno.h>
#include <string.h>
/* linux/bpf.h and pcap/bpf.h both define struct bpf_insn: keep pcap's out. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "flow_load.h"
#include "log.h"
#include "replay.h"
#include "snapshot.h"
#include "store.h"

#define ETH_HLEN_ 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define PACKET_OUTGOING_ 4 /* linux/if_packet.h */

/*
 * TC test_run refuses an IPv4 frame shorter than Ethernet + an IPv4 header,
 * and an IPv6 one shorter than Ethernet + an IPv6 header (measured on 6.18):
 * such frames are padded with zeros, which the parser sees as truncated.
 */
static uint32_t min_frame(uint16_t ethertype)
{
	if (ethertype == 0x0800)
		return ETH_HLEN_ + 20;
	if (ethertype == 0x86DD)
		return ETH_HLEN_ + 40;
	return ETH_HLEN_;
}

static int link_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
	       dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

/* Where the link header ends, and the ethertype and direction it names. */
static int link_header(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t *hlen,
		       uint16_t *ethertype, int *direction)
{
	*direction = NETMON_DIR_IN;
	switch (dlt) {
	case DLT_EN10MB:
		*hlen = 0; /* already Ethernet */
		return caplen < ETH_HLEN_ ? -EINVAL : 0;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return -EINVAL;
		*hlen = SLL_HLEN;
		*ethertype = (uint16_t)(pkt[14] << 8 | pkt[15]);
		if ((pkt[0] << 8 | pkt[1]) == PACKET_OUTGOING_)
			*direction = NETMON_DIR_OUT;
		return 0;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return -EINVAL;
		*hlen = SLL2_HLEN;
		*ethertype = (uint16_t)(pkt[0] << 8 | pkt[1]);
		if (pkt[10] == PACKET_OUTGOING_)
			*direction = NETMON_DIR_OUT;
		return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (caplen < 1)
			return -EINVAL;
		*hlen = 0;
		/* The version nibble tells; anything else counts as non-IP. */
		*ethertype = (pkt[0] >> 4) == 4 ? 0x0800 : (pkt[0] >> 4) == 6 ? 0x86DD : 0;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

int replay_to_ethernet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
		       uint8_t *out, uint32_t *out_len, int *direction)
{
	uint16_t ethertype = 0;
	uint32_t hlen, at, len, copy;
	int err = link_header(dlt, pkt, caplen, &hlen, &ethertype, direction);

	if (err)
		return err;
	if (wirelen < caplen)
		wirelen = caplen; /* a broken record header; trust what we hold */
	if (dlt == DLT_EN10MB) {
		at = 0; /* the frame as captured */
		ethertype = (uint16_t)(pkt[12] << 8 | pkt[13]);
	} else {
		/* A made-up Ethernet header: zero MACs, which the program ignores. */
		at = ETH_HLEN_;
		memset(out, 0, 12);
		out[12] = ethertype >> 8;
		out[13] = ethertype & 0xff;
	}
	len = at + (wirelen - hlen);
	if (len > REPLAY_FRAME_MAX)
		len = REPLAY_FRAME_MAX;
	if (len < min_frame(ethertype))
		len = min_frame(ethertype);
	copy = caplen - hlen < len - at ? caplen - hlen : len - at;
	memcpy(out + at, pkt + hlen, copy);
	memset(out + at + copy, 0, len - at - copy); /* what snaplen cut: zeros */
	*out_len = len;
	return 0;
}

struct replay {
	const struct replay_opts *opts;
	struct snapshotter *snap;
	struct store *store;
	struct snapshot cur;
	int prog_fd[2];         /* by direction */
	int64_t start, end;     /* the open interval, unix seconds */
	uint64_t last_ns;       /* the newest packet time seen */
	uint64_t packets, failed;
};

/* Close the open interval at ts_end: the same rows live capture writes. */
static int flush_interval(struct replay *r, int64_t ts_end)
{
	/* The programs' clock is the capture's: at the flip it reads ts_end. */
	int err = snapshot_take_at(r->snap, &r->cur, (uint64_t)ts_end * 1000000000ull);

	if (err)
		return err;
	/* Times in the maps are the capture's, so the clock conversion of the
	 * store must be the identity: "now" is the interval's end. */
	r->cur.wall.tv_sec = ts_end;
	r->cur.wall.tv_nsec = 0;
	r->cur.mono_ns = (uint64_t)ts_end * 1000000000ull;
	return store_write_interval(r->store, &r->cur, r->start, ts_end);
}

/* Move the interval forward to the one holding second sec. */
static int advance(struct replay *r, int64_t sec)
{
	int64_t iv = r->opts->interval;
	int err;

	if (r->start < 0) {
		r->start = sec;
		r->end = (sec / iv + 1) * iv;
		return 0;
	}
	if (sec < r->end)
		return 0; /* also a packet older than the interval: counted here */
	err = flush_interval(r, r->end);
	/* A gap in the capture is not recorded as empty intervals. */
	r->start = sec / iv * iv;
	r->end = r->start + iv;
	return err;
}

static int replay_packet(struct replay *r, int dlt, const struct pcap_pkthdr *h,
			 const uint8_t *pkt, uint8_t *frame)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	uint32_t len;
	int dir, err;

	err = advance(r, h->ts.tv_sec);
	if (err)
		return err;
	if (replay_to_ethernet(dlt, pkt, h->caplen, h->len, frame, &len, &dir)) {
		r->failed++; /* shorter than its own link header */
		return 0;
	}
	ctx.tstamp = ns; /* nanosecond precision: tv_usec holds ns here */
	run.data_size_in = len;
	if (bpf_prog_test_run_opts(r->prog_fd[dir], &run)) {
		r->failed++;
		return 0;
	}
	r->packets++;
	if (ns > r->last_ns)
		r->last_ns = ns;
	return 0;
}

static int replay_loop(struct replay *r, pcap_t *pc, int dlt)
{
	static uint8_t frame[REPLAY_FRAME_MAX];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int rc, err = 0;

	while (!err && (rc = pcap_next_ex(pc, &h, &pkt)) == 1)
		err = replay_packet(r, dlt, h, pkt, frame);
	if (!err && rc == PCAP_ERROR) {
		pr_err("%s: %s", r->opts->path, pcap_geterr(pc));
		err = -EIO;
	}
	if (!err && r->start >= 0) {
		int64_t last_sec = (int64_t)((r->last_ns + 999999999ull) / 1000000000ull);

		err = flush_interval(r, last_sec > r->start ? last_sec : r->start);
	}
	return err;
}

int replay_file(const struct replay_opts *opts, struct flow_bpf *skel, struct snapshotter *snap,
		struct store *store)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct replay r = { .opts = opts, .snap = snap, .store = store, .start = -1 };
	pcap_t *pc;
	int dlt, err;

	pc = pcap_open_offline_with_tstamp_precision(opts->path, PCAP_TSTAMP_PRECISION_NANO,
						     errbuf);
	if (!pc) {
		pr_err("%s: cannot read the capture: %s", opts->path, errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		pr_err("%s: link type %s (%d) is not supported (Ethernet, Linux cooked SLL "
		       "and SLL2, raw IP are)",
		       opts->path, name ? name : "unknown", dlt);
		pcap_close(pc);
		return -EPROTONOSUPPORT;
	}
	r.prog_fd[NETMON_DIR_IN] = flow_prog_fd(skel, NETMON_DIR_IN);
	r.prog_fd[NETMON_DIR_OUT] = flow_prog_fd(skel, NETMON_DIR_OUT);
	store_name_ifindex(store, 1, opts->iface_name); /* test_run's skb is on lo */
	err = replay_loop(&r, pc, dlt);
	pcap_close(pc);
	snapshot_free(&r.cur);
	if (!err)
		pr_info("%s: %llu packets imported", opts->path, (unsigned long long)r.packets);
	if (!err && r.failed)
		pr_warn("%s: %llu packets could not be replayed (shorter than their link "
			"header, or refused by the kernel)",
			opts->path, (unsigned long long)r.failed);
	return err;
}
