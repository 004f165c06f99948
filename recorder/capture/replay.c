// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay.c - offline import through BPF_PROG_TEST_RUN.
 *
 * The TC program, not a user-space copy of the parser, counts every packet,
 * so an imported capture and a live recording are counted by the same code.
 * TC test_run costs no RCU sync per call (XDP's does, ~20 ms), so one call per
 * packet is fine. The capture's timestamp travels in skb->tstamp, the length
 * of a frame longer than test_run takes in skb->cb[0]. What cannot be
 * replayed is counted in the interval's totals (NETMON_KIND_NOT_COUNTED).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
/* linux/bpf.h and pcap/bpf.h both define struct bpf_insn: keep pcap's out. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "kernel/flow_load.h"
#include "kernel/snapshot.h"
#include "fmt_units.h"
#include "log.h"
#include "names/names.h"
#include "replay.h"
#include "store/store.h"

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

int replay_to_ethernet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen, uint8_t *out,
		       uint32_t *out_len, uint32_t *frame_len, int *direction)
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
	*frame_len = at + (wirelen - hlen);
	if (*frame_len < min_frame(ethertype))
		*frame_len = min_frame(ethertype);
	/* A longer frame goes as its head: the program reads its headers there
	 * and takes its length from cb[0] (bpf/flow.bpf.c, count_skb()). */
	len = *frame_len < REPLAY_LINEAR_MAX ? *frame_len : REPLAY_LINEAR_MAX;
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
	struct replay_result *res;
	struct snapshot cur;
	int prog_fd[2];			     /* by direction */
	int check_each;			     /* the capture was not scanned: check every interval */
	int64_t start, end;		     /* the open interval, unix seconds */
	uint64_t last_ns;		     /* the newest packet time seen */
	uint64_t nc_packets[2], nc_bytes[2]; /* not counted in the open interval */
	char cut[PCAP_ERRBUF_SIZE];	     /* libpcap's words for the cut */
};

/* The open interval's frames that were not replayed, as totals of their own. */
static int add_not_counted(struct replay *r)
{
	struct snapshot *s = &r->cur;

	for (int dir = 0; dir < 2; dir++) {
		if (!r->nc_packets[dir])
			continue;
		if (s->n_totals == s->cap_totals) {
			size_t cap = s->cap_totals ? 2 * s->cap_totals : 8;
			void *p = realloc(s->totals, cap * sizeof(*s->totals));

			if (!p)
				return -ENOMEM;
			s->totals = p;
			s->cap_totals = cap;
		}
		s->totals[s->n_totals++] = (struct total_record){
			.key = { .ifindex = 1,
				 .direction = (__u8)dir,
				 .kind = NETMON_KIND_NOT_COUNTED },
			.c = { .packets = r->nc_packets[dir], .bytes = r->nc_bytes[dir] },
		};
		r->nc_packets[dir] = r->nc_bytes[dir] = 0;
	}
	return 0;
}

/* Close the open interval at ts_end: the same rows live capture writes. */
static int flush_interval(struct replay *r, int64_t ts_end)
{
	struct replay_span one = { .scanned = 1, .packets = 1, .first = r->start, .last = ts_end };
	int err = 0;

	/* A pipe was not read ahead: each interval is checked before it is written. */
	if (r->check_each)
		err = replay_check_stored(r->opts, r->store, &one);
	/* The programs' clock is the capture's: at the flip it reads ts_end. */
	if (!err)
		err = snapshot_take_at(r->snap, &r->cur, (uint64_t)ts_end * 1000000000ull);
	if (!err)
		err = add_not_counted(r);
	if (err)
		return err;
	/* Times in the maps are the capture's, so the clock conversion of the
	 * store must be the identity: "now" is the interval's end. */
	r->cur.wall.tv_sec = ts_end;
	r->cur.wall.tv_nsec = 0;
	r->cur.mono_ns = (uint64_t)ts_end * 1000000000ull;
	/* The ring is read after every frame: its splits are this interval's. */
	r->cur.dns_tcp_split = names_take_tcp_split(r->opts->names);
	err = store_write_interval(r->store, &r->cur, r->start, ts_end);
	if (!err)
		r->res->intervals++;
	/* Host names as live: after the interval, in their own transaction. */
	if (!err)
		names_flush(r->opts->names, r->store);
	return err;
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

static void not_counted(struct replay *r, int dir, const struct pcap_pkthdr *h, const char *why)
{
	struct replay_result *res = r->res;

	if (!res->not_counted)
		pr_debug("%s: the first frame not counted (%u bytes) %s", r->opts->path, h->len,
			 why);
	r->nc_packets[dir]++;
	r->nc_bytes[dir] += h->len;
	res->not_counted++;
	res->not_counted_bytes += h->len;
}

static int replay_packet(struct replay *r, int dlt, const struct pcap_pkthdr *h, const uint8_t *pkt,
			 uint8_t *frame)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	uint32_t len, frame_len;
	int dir = NETMON_DIR_IN, err;

	err = advance(r, h->ts.tv_sec);
	if (err)
		return err;
	if (ns > r->last_ns)
		r->last_ns = ns; /* the last interval reaches every frame, counted or not */
	err = replay_to_ethernet(dlt, pkt, h->caplen, h->len, frame, &len, &frame_len, &dir);
	if (err) {
		not_counted(r, dir, h, "is shorter than its link header");
		return 0;
	}
	ctx.tstamp = ns; /* nanosecond precision: tv_usec holds ns here */
	ctx.cb[0] = frame_len > len ? frame_len : 0;
	run.data_size_in = len;
	if (bpf_prog_test_run_opts(r->prog_fd[dir], &run)) {
		not_counted(r, dir, h, "was refused by the kernel");
		return 0;
	}
	r->res->packets++;
	/* The ring's room is bounded: read it as the kernel fills it. */
	return names_consume(r->opts->names);
}

static int replay_loop(struct replay *r, pcap_t *pc, int dlt)
{
	static uint8_t frame[REPLAY_LINEAR_MAX];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int rc, err = 0;

	while (!err && (rc = pcap_next_ex(pc, &h, &pkt)) == 1) {
		r->res->records++;
		err = replay_packet(r, dlt, h, pkt, frame);
	}
	/* A cut file: what came before the cut is imported all the same. */
	if (!err && rc == PCAP_ERROR) {
		r->res->cut = 1;
		snprintf(r->cut, sizeof(r->cut), "%s", pcap_geterr(pc));
	}
	if (!err && r->start >= 0) {
		int64_t last_sec = (int64_t)((r->last_ns + 999999999ull) / 1000000000ull);

		err = flush_interval(r, last_sec > r->start ? last_sec : r->start);
	}
	return err;
}

/* Open the capture and check its link type; NULL when it is none we read. */
static pcap_t *open_capture(const char *path, int *dlt)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const char *name;
	pcap_t *pc;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		pr_err("%s: cannot read the capture: %s", path, errbuf);
		return NULL;
	}
	*dlt = pcap_datalink(pc);
	if (link_supported(*dlt))
		return pc;
	name = pcap_datalink_val_to_name(*dlt);
	pr_err("%s: link type %s (%d) is not supported (Ethernet, Linux cooked SLL "
	       "and SLL2, raw IP are)",
	       path, name ? name : "unknown", *dlt);
	pcap_close(pc);
	return NULL;
}

/* A pipe (or stdin, "-") cannot be read twice: it is not read ahead. */
static int is_pipe(const char *path)
{
	struct stat st;

	return !strcmp(path, "-") || (!stat(path, &st) && !S_ISREG(st.st_mode));
}

/*
 * Why libpcap stopped, in words for the message: a file cut short (its
 * "truncated ..." errors) is not one it refuses (a pcapng file whose
 * interfaces have different link types: libpcap reads one a file).
 */
static int cut_short(const char *err)
{
	return strstr(err, "truncated") != NULL;
}

static const char *stop_hint(const char *err)
{
	return strstr(err, "different from the type of the first interface")
		       ? "; one interface's packets can be taken out with tshark -r FILE -Y "
			 "'frame.interface_id == N' -w PART"
		       : "";
}

int replay_scan(const char *path, struct replay_span *span)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	struct stat st;
	pcap_t *pc;
	int dlt, rc;

	*span = (struct replay_span){ .first = INT64_MAX, .last = INT64_MIN };
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		pr_err("%s: a directory, not a capture: nothing to import", path);
		return -EINVAL;
	}
	/* A pipe is checked as it goes instead (flush_interval()). */
	if (is_pipe(path))
		return 0;
	pc = open_capture(path, &dlt);
	if (!pc)
		return -EINVAL;
	while ((rc = pcap_next_ex(pc, &h, &pkt)) == 1) {
		int64_t sec = h->ts.tv_sec, end = sec + (h->ts.tv_usec > 0);

		span->packets++;
		span->first = sec < span->first ? sec : span->first;
		span->last = end > span->last ? end : span->last;
	}
	if (rc == PCAP_ERROR && !span->packets)
		pr_err("%s: %s (%s): nothing to import%s", path,
		       cut_short(pcap_geterr(pc)) ? "cut short inside its first record"
						  : "cannot be read",
		       pcap_geterr(pc), stop_hint(pcap_geterr(pc)));
	pcap_close(pc);
	span->scanned = 1;
	return rc == PCAP_ERROR && !span->packets ? -EINVAL : 0;
}

int replay_check_stored(const struct replay_opts *opts, struct store *store,
			const struct replay_span *span)
{
	static const char sql[] =
		"SELECT min(i.ts_start), max(i.ts_end) FROM intervals i "
		"JOIN traffic t ON t.interval_id = i.id JOIN interfaces n ON n.id = t.iface_id "
		"WHERE n.name = ?1 AND i.ts_start < ?3 AND i.ts_end > ?2";
	char from[32], to[32];
	sqlite3_stmt *q = NULL;
	int64_t s, e;
	int rc;

	if (opts->force || !span->scanned || !span->packets)
		return 0;
	rc = sqlite3_prepare_v2(store_db(store), sql, -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, opts->iface_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, span->first);
		/* An interval of one instant still covers its second. */
		sqlite3_bind_int64(q, 3, span->last > span->first ? span->last : span->first + 1);
		rc = sqlite3_step(q);
	}
	if (rc != SQLITE_ROW) {
		pr_err("%s: reading the intervals already stored: %s", opts->path,
		       sqlite3_errmsg(store_db(store)));
		sqlite3_finalize(q);
		return -EIO;
	}
	rc = sqlite3_column_type(q, 0) == SQLITE_NULL ? 0 : -EEXIST;
	s = sqlite3_column_int64(q, 0);
	e = sqlite3_column_int64(q, 1);
	sqlite3_finalize(q);
	if (!rc)
		return 0;
	fmt_utc(s, from, sizeof(from));
	fmt_utc(e, to, sizeof(to));
	pr_err("%s: the database already holds traffic of interface '%s' from %s to %s UTC, "
	       "within this capture's time span: imported before? (--force-import imports it "
	       "again, counting it twice; -i NAME imports it under another name)",
	       opts->path, opts->iface_name, from, to);
	return rc;
}

/* What the import did, in the log: errors for what is missing. */
static void log_result(const struct replay *r)
{
	const struct replay_result *res = r->res;
	const char *path = r->opts->path;

	pr_info("%s: %llu packets imported, %llu intervals written", path,
		(unsigned long long)res->packets, (unsigned long long)res->intervals);
	if (res->not_counted)
		pr_err("%s: %llu frames (%llu bytes) could not be counted (shorter than their "
		       "link header, or refused by the kernel): they are in "
		       "collector_log.not_counted",
		       path, (unsigned long long)res->not_counted,
		       (unsigned long long)res->not_counted_bytes);
	if (res->cut)
		pr_err("%s: %s record %llu (%s): the %llu records before it are imported, the "
		       "rest of the file is lost%s",
		       path, cut_short(r->cut) ? "cut short inside" : "cannot be read from",
		       (unsigned long long)res->records + 1, r->cut,
		       (unsigned long long)res->records, stop_hint(r->cut));
}

int replay_file(const struct replay_opts *opts, struct flow_bpf *skel, struct snapshotter *snap,
		struct store *store, struct replay_result *res)
{
	struct replay r = { .opts = opts, .snap = snap, .store = store, .res = res, .start = -1 };
	pcap_t *pc;
	int dlt, err;

	*res = (struct replay_result){ 0 };
	pc = open_capture(opts->path, &dlt);
	if (!pc)
		return -EINVAL;
	/* Scanned ahead (replay_scan()) unless it is a pipe. */
	r.check_each = is_pipe(opts->path);
	r.prog_fd[NETMON_DIR_IN] = flow_prog_fd(skel, NETMON_DIR_IN);
	r.prog_fd[NETMON_DIR_OUT] = flow_prog_fd(skel, NETMON_DIR_OUT);
	store_name_ifindex(store, 1, opts->iface_name); /* test_run's skb is on lo */
	err = replay_loop(&r, pc, dlt);
	pcap_close(pc);
	snapshot_free(&r.cur);
	if (!err)
		log_result(&r);
	return err;
}

void replay_remove_db(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char name[4096];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (snprintf(name, sizeof(name), "%s%s", path, suffix[i]) < (int)sizeof(name))
			unlink(name);
	}
}
