// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * names.c - from the DNS ring buffer to address_names (names.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "dns_parse.h"
#include "log.h"
#include "names.h"
#include "tls_hello.h"
#include "netmon_user.h"
#include "store/host_names.h"

#define PENDING_SLOTS (2 * NAMES_PENDING_MAX) /* a power of 2, at most half full */
#define PAIRS_MAX 256			      /* pairs taken from one message */
#define SPLITS_MAX 32			      /* TCP messages followed at once */

/* A TCP message that goes on past its first segment: seq up to end is its. */
struct split {
	__u8 family;
	__u16 src_port, dst_port;
	__u8 src[16], dst[16];
	__u32 end;
};

struct names {
	struct ring_buffer *ring;
	int offline, discard;
	int64_t mono_to_real_ns; /* live: CLOCK_REALTIME - CLOCK_MONOTONIC */
	struct dns_scratch *scratch;
	struct dns_pair *pairs;
	/* The pending set: entries in order, and an index of them by hash. */
	struct host_name items[NAMES_PENDING_MAX];
	size_t n_items;
	int32_t slots[PENDING_SLOTS]; /* index into items + 1; 0 empty */
	struct split splits[SPLITS_MAX];
	unsigned int next_split;
	struct names_stats stats;
	uint64_t lost_logged;
	uint64_t split_taken; /* stats.tcp_split at the last take */
};

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t pair_hash(int family, int source, const uint8_t *addr, const char *name)
{
	uint32_t h = (2166136261u ^ (uint32_t)family) * 16777619u ^ (uint32_t)source;

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

/* One pair told at time t (unix seconds): a new entry, or a later last_seen. */
static void remember(struct names *n, const struct dns_pair *p, int source, int64_t t)
{
	uint32_t i = pair_hash(p->family, source, p->addr, p->name) & (PENDING_SLOTS - 1);
	struct host_name *h;

	n->stats.pairs++;
	for (;; i = (i + 1) & (PENDING_SLOTS - 1)) {
		if (!n->slots[i])
			break;
		h = &n->items[n->slots[i] - 1];
		if (h->family == p->family && h->source == source && !memcmp(h->addr, p->addr, 16) &&
		    !strcmp(h->name, p->name)) {
			h->first_seen = t < h->first_seen ? t : h->first_seen;
			h->last_seen = t > h->last_seen ? t : h->last_seen;
			return;
		}
	}
	if (n->n_items == NAMES_PENDING_MAX) {
		n->stats.lost++;
		return;
	}
	h = &n->items[n->n_items];
	h->name = strdup(p->name);
	if (!h->name) {
		n->stats.lost++;
		return;
	}
	h->family = p->family;
	h->source = source;
	memcpy(h->addr, p->addr, 16);
	h->first_seen = h->last_seen = t;
	n->slots[i] = (int32_t)++n->n_items;
}

/* One DNS message of the record; whole: msg is all of it. */
static void read_message(struct names *n, const uint8_t *msg, size_t len, int whole, int64_t t)
{
	struct dns_info info;
	size_t k;

	if (dns_parse(msg, len, whole, n->scratch, n->pairs, PAIRS_MAX, &k, &info)) {
		n->stats.malformed++;
		return;
	}
	n->stats.messages++;
	n->stats.truncated += info.truncated;
	for (size_t i = 0; i < k && !n->discard; i++)
		remember(n, &n->pairs[i], HOST_NAME_DNS, t);
}

static struct split *find_split(struct names *n, const struct dns_head *h)
{
	for (unsigned int i = 0; i < SPLITS_MAX; i++) {
		struct split *s = &n->splits[i];

		if (s->family == h->family && s->src_port == h->src_port &&
		    s->dst_port == h->dst_port && !memcmp(s->src, h->src, 16) &&
		    !memcmp(s->dst, h->dst, 16))
			return s;
	}
	return NULL;
}

/* A message starting in this segment goes on up to seq end: remember it. */
static void add_split(struct names *n, const struct dns_head *h, __u32 end)
{
	struct split *s = find_split(n, h);

	if (!s) {
		s = &n->splits[n->next_split];
		n->next_split = (n->next_split + 1) % SPLITS_MAX;
	}
	*s = (struct split){
		.family = h->family, .src_port = h->src_port, .dst_port = h->dst_port, .end = end
	};
	memcpy(s->src, h->src, 16);
	memcpy(s->dst, h->dst, 16);
	n->stats.tcp_split++;
}

/*
 * A TCP segment: messages behind their 2-byte lengths (RFC 1035 4.2.2).
 * Bytes of a message begun in an earlier segment are skipped: the segment
 * is read only from where its connection's messages start.
 */
static void read_tcp(struct names *n, const struct dns_record *r, int64_t t)
{
	const struct dns_head *h = &r->h;
	struct split *s = find_split(n, h);
	size_t pos = 0;

	if (s && (int32_t)(h->seq - s->end) < 0) {
		/* The rest of a message already counted. Seen from its end on,
		 * this segment could still start one: not worth the guess. */
		n->stats.tcp_split += (int32_t)(h->seq + h->len - s->end) > 0;
		return;
	}
	if (s)
		s->family = 0; /* past it: forget */
	while (pos < h->len) {
		size_t mlen;

		/* A length that goes on in the next segment: its message may be
		 * up to 64 KiB longer, all of it skipped. */
		if (pos + 2 > h->len) {
			add_split(n, h, h->seq + (__u32)(pos + 2 + 0xffff));
			return;
		}
		/* The rest was not captured (a GRO super-packet over the bound):
		 * where its messages end is unknown, so skip as much. */
		if (pos + 2 > h->caplen) {
			add_split(n, h, h->seq + (__u32)(h->len + 2 + 0xffff));
			return;
		}
		mlen = (size_t)r->data[pos] << 8 | r->data[pos + 1];
		if (pos + 2 + mlen > h->len) {
			add_split(n, h, h->seq + (__u32)(pos + 2 + mlen));
			return;
		}
		if (pos + 2 + mlen <= h->caplen)
			read_message(n, r->data + pos + 2, mlen, 1, t);
		else /* longer than captured: its start */
			read_message(n, r->data + pos + 2, h->caplen - pos - 2, 0, t);
		pos += 2 + mlen;
	}
}

/* A ClientHello the host sent: its server name for the address it went to. */
static void read_hello(struct names *n, const struct dns_record *r, int64_t t)
{
	struct dns_pair *p = &n->pairs[0];

	n->stats.hellos++;
	switch (tls_hello_name(r->data, r->h.caplen, p->name)) {
	case TLS_HELLO_NAME:
		p->family = r->h.family;
		memcpy(p->addr, r->h.dst, 16);
		n->stats.hello_names++;
		if (!n->discard)
			remember(n, p, HOST_NAME_SNI, t);
		break;
	case TLS_HELLO_NO_NAME:
		break;
	case TLS_HELLO_MALFORMED:
		n->stats.hello_malformed++;
		break;
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct dns_record *r = data;
	struct names *n = ctx;
	int64_t t;

	if (size < sizeof(r->h) || r->h.caplen > NETMON_DNS_MAX || r->h.caplen > r->h.len)
		return 0;
	t = ((int64_t)r->h.tstamp_ns + n->mono_to_real_ns) / 1000000000;
	if (r->h.direction == NETMON_DIR_OUT) {
		read_hello(n, r, t);
		return 0;
	}
	n->stats.records++;
	if (r->h.protocol == 6)
		read_tcp(n, r, t);
	else
		read_message(n, r->data, r->h.caplen, r->h.caplen == r->h.len, t);
	return 0;
}

int names_open(struct names **out, int ring_fd, int offline, int discard)
{
	struct names *n = calloc(1, sizeof(*n));
	int err;

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->offline = offline;
	n->discard = discard;
	n->scratch = malloc(sizeof(*n->scratch));
	n->pairs = calloc(PAIRS_MAX, sizeof(*n->pairs));
	if (!n->scratch || !n->pairs) {
		names_close(n);
		return -ENOMEM;
	}
	if (!offline)
		n->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	n->ring = ring_buffer__new(ring_fd, on_record, n, NULL);
	if (!n->ring) {
		err = -errno;
		pr_err("cannot read the DNS response ring: %s", strerror(-err));
		names_close(n);
		return err;
	}
	*out = n;
	return 0;
}

int names_fd(const struct names *n)
{
	return n ? ring_buffer__epoll_fd(n->ring) : -1;
}

int names_consume(struct names *n)
{
	int k;

	if (!n)
		return 0;
	k = ring_buffer__consume(n->ring);
	if (k < 0) {
		pr_err("reading the DNS response ring failed: %s", strerror(-k));
		return k;
	}
	return 0;
}

uint64_t names_take_tcp_split(struct names *n)
{
	uint64_t k;

	if (!n)
		return 0;
	names_consume(n); /* logged; what was read is counted all the same */
	k = n->stats.tcp_split - n->split_taken;
	n->split_taken = n->stats.tcp_split;
	return k;
}

static void forget_pending(struct names *n)
{
	for (size_t i = 0; i < n->n_items; i++)
		free((char *)n->items[i].name);
	n->n_items = 0;
	memset(n->slots, 0, sizeof(n->slots));
}

int names_flush(struct names *n, struct store *st)
{
	int err;

	if (!n)
		return 0;
	err = names_consume(n);
	if (!n->offline) /* follow NTP steps from interval to interval */
		n->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	if (n->stats.lost > n->lost_logged) {
		pr_warn("%llu host names were not kept: more than %d new ones in an interval",
			(unsigned long long)(n->stats.lost - n->lost_logged), NAMES_PENDING_MAX);
		n->lost_logged = n->stats.lost;
	}
	if (err || !n->n_items)
		return err;
	err = host_names_write(st, n->items, n->n_items);
	if (err)
		return err; /* kept for the next interval */
	n->stats.written += n->n_items;
	forget_pending(n);
	return 0;
}

void names_close(struct names *n)
{
	const struct names_stats *s;

	if (!n)
		return;
	s = &n->stats;
	if (n->ring)
		pr_info("host names: %llu DNS responses read, %llu messages, %llu names written; "
			"%llu malformed, %llu read in part, %llu over TCP not whole in one "
			"segment (not read)",
			(unsigned long long)s->records, (unsigned long long)s->messages,
			(unsigned long long)s->written, (unsigned long long)s->malformed,
			(unsigned long long)s->truncated, (unsigned long long)s->tcp_split);
	if (n->ring && s->hellos)
		pr_info("host names: %llu TLS ClientHellos read, %llu with a server name, "
			"%llu malformed",
			(unsigned long long)s->hellos, (unsigned long long)s->hello_names,
			(unsigned long long)s->hello_malformed);
	forget_pending(n);
	ring_buffer__free(n->ring);
	free(n->pairs);
	free(n->scratch);
	free(n);
}
