// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ipfix_send.h"
#include "ipfix.h"
#include "log.h"
#include "netmon_user.h"

/*
 * Every flow row of interval ?1, in id order, as flow_log shows them: the
 * flows table alone, its conversation resolved by conv_sql through the
 * per-interval cache (most rows of an interval share a conversation, and
 * four lookups a row were three quarters of the read).
 */
static const char rows_sql[] =
	"SELECT i.ts_start, f.conversation_id, f.src_port, f.dst_port, f.packets, f.bytes, "
	"f.tcp_flags, f.first_ms, f.span_ms "
	"FROM intervals i "
	"JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id "
	"WHERE i.id = ?1 ORDER BY f.id";

/* Conversation ?1, with the addresses' bytes instead of their text; no row
 * (a flow the join of flow_log leaves out): the flow is not exported. */
static const char conv_sql[] = "SELECT c.direction, s.family, c.protocol, s.bin, d.bin, n.name "
			       "FROM conversations c "
			       "JOIN interfaces n ON n.id = c.iface_id "
			       "JOIN addresses s ON s.id = c.src_id "
			       "JOIN addresses d ON d.id = c.dst_id "
			       "WHERE c.id = ?1";

/* Every process_log row of interval ?1, as stored. */
static const char procs_sql[] =
	"SELECT i.ts_start, i.ts_end, p.pid, n.name, pn.name, p.ppid, p.family, p.protocol, "
	"a.bin, p.remote_port, p.local_port, p.bytes_sent, p.bytes_recv, p.uid, "
	/* user and service as process_log has them (0011_names.sql) */
	"coalesce(u.name, CAST(p.uid AS TEXT)), s.name "
	"FROM processes p JOIN intervals i ON i.id = p.interval_id "
	"LEFT JOIN process_names n ON n.id = p.comm_id "
	"LEFT JOIN process_names pn ON pn.id = p.parent_comm_id "
	"LEFT JOIN addresses a ON a.id = p.remote_id "
	"LEFT JOIN cgroups c ON c.id = p.cgroup_ref LEFT JOIN services s ON s.id = c.service_id "
	"LEFT JOIN user_names u ON u.uid = p.uid "
	"WHERE p.interval_id = ?1 ORDER BY p.rowid";

#define IFINDEX_CACHE 64
#define CONV_CACHE (1 << 16) /* slots, direct-mapped by conversation id */
/*
 * Pacing: messages may go this far ahead of the rate (a short burst, which
 * any receive buffer takes), and a pause is taken only when the schedule is
 * ahead of the clock by 1 ms or by PACE_BATCH messages' time, the longer:
 * so the sender sleeps at most once a millisecond and sends PACE_BATCH
 * messages or more a system call. A pause costs this sender CPU (the
 * sleep, the timer, the wake-up, cold caches after it: about 100 us on this
 * project's VM, bench/RESULTS.md), as much as sending 40 messages; and
 * PACE_BATCH messages of 1400 bytes take 37 kB of a collector's receive
 * buffer (Linux's default: 208 kB).
 */
#define PACE_BURST_NS 2000000LL
#define PACE_SLEEP_NS 1000000LL
#define PACE_BATCH 16
/*
 * Messages a sendmmsg() call, at most: the system call, not the bytes, is
 * what a message cost the sender (bench/RESULTS.md); 64 of 1400 bytes stay
 * within a core's cache. Paced, a batch is what is due before a pause.
 */
#define BATCH 64

/* A conversation of conv_sql, as its flows' records carry it. */
struct conv {
	int64_t id;
	uint32_t gen; /* the interval it was read for; another: empty */
	uint32_t ifindex;
	uint8_t direction, family, protocol;
	uint8_t src[16], dst[16];
	char ifname[IF_NAMESIZE];
};

struct pacer {
	int64_t gap_ns;	     /* between two messages; 0: unpaced */
	int64_t sleep_ns;    /* ahead of the clock by this much: a pause */
	int64_t next_ns;     /* when the next message is due (CLOCK_MONOTONIC) */
	int64_t until_ns;    /* the run's budget ends; 0: none */
	int over, over_said; /* this run went past its budget; said so already */
	int64_t paused_ns;   /* asleep so far, waiting for the schedule */
};

/*
 * The messages emitted and not sent yet, in order, each in its own buffer
 * (the encoders', ipfix_enc_exchange()); spare: the buffers free, BATCH - n
 * of them, so that an encoder always gets one back.
 */
struct batch {
	struct mmsghdr v[BATCH];
	struct iovec iov[BATCH];
	uint8_t *spare[BATCH];
	unsigned int n, n_spare;
};

struct ipfix_send {
	struct collector coll[COLLECTOR_MAX];
	int n_coll;
	struct ipfix_enc enc;		   /* flow records, in the domain of --ipfix-domain */
	struct ipfix_enc penc;		   /* process records, in the next domain */
	sqlite3_stmt *rows, *conv, *procs; /* prepared once */
	/* Read again each interval (gen), so that what is sent is what one
	 * statement would read: ids are never resolved from an older one. */
	struct conv *convs;
	uint32_t gen;
	time_t templates_at;	   /* when the templates were last sent; 0: never */
	uint64_t templates_errors; /* send errors counted when they were sent */
	struct pacer pace;
	struct batch batch;
	struct {
		char name[IF_NAMESIZE];
		uint32_t index;
	} ifindex[IFINDEX_CACHE]; /* interface names of one run -> ifindex */
	int n_ifindex;
	uint64_t records0; /* the data records sent before the open interval */
};

static int64_t max_ns(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * When the next message is due: 0 at once, else the time to wait for
 * (CLOCK_MONOTONIC ns). Time lost elsewhere (a slow read, the scheduler) is
 * not made up with a burst longer than PACE_BURST_NS: that burst is what a
 * collector's buffer must absorb.
 */
static int64_t pace_due(struct pacer *p)
{
	int64_t now;

	if (!p->gap_ns)
		return 0;
	now = mono_ns();
	if (p->next_ns < now - PACE_BURST_NS)
		p->next_ns = now - PACE_BURST_NS;
	p->next_ns += p->gap_ns;
	if (p->next_ns - now < p->sleep_ns)
		return 0;
	if (p->until_ns && p->next_ns > p->until_ns) {
		p->over = 1; /* the rest at once: the next interval must not wait */
		return 0;
	}
	return p->next_ns;
}

static void pace_wait(struct pacer *p, int64_t until)
{
	struct timespec t = { .tv_sec = until / 1000000000LL, .tv_nsec = until % 1000000000LL };
	int64_t t0 = mono_ns();

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
	p->paused_ns += mono_ns() - t0;
}

/* The messages queued, to every collector, one sendmmsg() each; their
 * buffers are free again. */
static void batch_send(struct ipfix_send *s)
{
	struct batch *b = &s->batch;

	if (!b->n)
		return;
	for (int i = 0; i < s->n_coll; i++)
		collector_send_batch(&s->coll[i], b->v, b->n);
	for (unsigned int i = 0; i < b->n; i++)
		b->spare[b->n_spare++] = b->iov[i].iov_base;
	b->n = 0;
}

/*
 * An encoder's finished message: queued as it is (the encoder goes on in a
 * spare buffer), sent with those before it when the batch is full or the
 * schedule calls for a pause. Errors are counted by the collectors.
 */
static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	struct ipfix_send *s = ctx;
	struct ipfix_enc *e = msg == s->enc.buf ? &s->enc : &s->penc;
	struct batch *b = &s->batch;
	int64_t due = pace_due(&s->pace);

	if (due) { /* what is due now goes before the pause, this after it */
		batch_send(s);
		pace_wait(&s->pace, due);
	}
	b->iov[b->n].iov_base = ipfix_enc_exchange(e, b->spare[--b->n_spare]);
	b->iov[b->n].iov_len = len;
	if (++b->n == BATCH)
		batch_send(s);
	return 0;
}

/* BATCH spare buffers of mtu bytes; b was zeroed (no address: connected). */
static int batch_init(struct batch *b, size_t mtu)
{
	for (int i = 0; i < BATCH; i++) {
		b->v[i].msg_hdr.msg_iov = &b->iov[i];
		b->v[i].msg_hdr.msg_iovlen = 1;
	}
	for (b->n_spare = 0; b->n_spare < BATCH; b->n_spare++) {
		b->spare[b->n_spare] = malloc(mtu);
		if (!b->spare[b->n_spare])
			return -ENOMEM;
	}
	return 0;
}

static void batch_free(struct batch *b)
{
	for (unsigned int i = 0; i < b->n; i++)
		free(b->iov[i].iov_base);
	for (unsigned int i = 0; i < b->n_spare; i++)
		free(b->spare[i]);
	b->n = b->n_spare = 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK)
		return 0;
	pr_err("ipfix: %s", sqlite3_errmsg(db));
	return -EIO;
}

int ipfix_send_open(struct ipfix_send **out, const struct ipfix_send_opts *o, sqlite3 *db)
{
	struct ipfix_send *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->pace.gap_ns = o->rate ? 1000000000LL / o->rate : 0;
	s->pace.sleep_ns = max_ns(PACE_SLEEP_NS, PACE_BATCH * s->pace.gap_ns);
	err = ipfix_enc_init(&s->enc, o->mtu, o->domain, emit, s);
	if (!err)
		err = ipfix_enc_init(&s->penc, o->mtu, o->domain + 1, emit, s);
	if (!err)
		err = batch_init(&s->batch, o->mtu);
	for (int i = 0; !err && i < o->n_collectors && i < COLLECTOR_MAX; i++) {
		err = collector_parse(o->collectors[i], &s->coll[i]);
		if (!err)
			s->n_coll++;
	}
	s->convs = calloc(CONV_CACHE, sizeof(*s->convs));
	if (!err && !s->convs)
		err = -ENOMEM;
	if (!err)
		err = prepare(db, rows_sql, &s->rows);
	if (!err)
		err = prepare(db, conv_sql, &s->conv);
	if (!err)
		err = prepare(db, procs_sql, &s->procs);
	if (err) {
		ipfix_send_close(s);
		return err;
	}
	for (int i = 0; i < s->n_coll; i++)
		collector_open(&s->coll[i]); /* a failure is logged and tried again */
	*out = s;
	return 0;
}

void ipfix_send_close(struct ipfix_send *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_coll; i++)
		collector_close(&s->coll[i]);
	ipfix_enc_free(&s->enc);
	ipfix_enc_free(&s->penc);
	batch_free(&s->batch);
	sqlite3_finalize(s->rows);
	sqlite3_finalize(s->conv);
	sqlite3_finalize(s->procs);
	free(s->convs);
	free(s);
}

uint32_t ipfix_send_ifindex(struct ipfix_send *s, const char *name)
{
	uint32_t index;

	for (int i = 0; i < s->n_ifindex; i++)
		if (!strcmp(s->ifindex[i].name, name))
			return s->ifindex[i].index;
	index = if_nametoindex(name);
	if (s->n_ifindex < IFINDEX_CACHE && strlen(name) < IF_NAMESIZE) {
		strcpy(s->ifindex[s->n_ifindex].name, name);
		s->ifindex[s->n_ifindex++].index = index;
	}
	return index;
}

/* Column i of q, an address of len bytes, into out. */
static void column_addr(sqlite3_stmt *q, int i, uint8_t *out, size_t len)
{
	const void *b = sqlite3_column_blob(q, i);

	memset(out, 0, 16);
	if (b && (size_t)sqlite3_column_bytes(q, i) == len)
		memcpy(out, b, len);
}

/*
 * Conversation id as read by s->conv into c; 1 when there is none. The
 * statement stays on its row: c->ifname may be too long for the cache, and
 * f->ifname then points into the row (read before the next lookup).
 */
static int conv_read(struct ipfix_send *s, int64_t id, struct conv *c, struct ipfix_flow *f)
{
	sqlite3_stmt *q = s->conv;
	const char *name;

	c->gen = 0; /* the slot's old conversation is overwritten */
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW)
		return 1;
	c->direction = (uint8_t)sqlite3_column_int(q, 0);
	c->family = (uint8_t)sqlite3_column_int(q, 1);
	c->protocol = (uint8_t)sqlite3_column_int(q, 2);
	column_addr(q, 3, c->src, c->family == NETMON_FAMILY_V4 ? 4 : 16);
	column_addr(q, 4, c->dst, c->family == NETMON_FAMILY_V4 ? 4 : 16);
	name = (const char *)sqlite3_column_text(q, 5);
	c->ifindex = name ? ipfix_send_ifindex(s, name) : 0;
	f->ifname = name;
	if (name && strlen(name) < IF_NAMESIZE) {
		strcpy(c->ifname, name);
		c->id = id;
		c->gen = s->gen;
	}
	return 0;
}

/* One row of rows_sql as a flow record; 1: its conversation is gone. */
static int row_flow(struct ipfix_send *s, sqlite3_stmt *q, struct ipfix_flow *f)
{
	int64_t start = sqlite3_column_int64(q, 0) * 1000 + sqlite3_column_int64(q, 7);
	int64_t id = sqlite3_column_int64(q, 1);
	struct conv *c = &s->convs[(uint64_t)id % CONV_CACHE];

	memset(f, 0, sizeof(*f));
	if (c->gen == s->gen && c->id == id)
		f->ifname = c->ifname;
	else if (conv_read(s, id, c, f))
		return 1;
	f->direction = c->direction;
	f->family = c->family;
	f->protocol = c->protocol;
	memcpy(f->src, c->src, 16);
	memcpy(f->dst, c->dst, 16);
	f->ifindex = c->ifindex;
	f->src_port = (uint16_t)sqlite3_column_int(q, 2);
	f->dst_port = (uint16_t)sqlite3_column_int(q, 3);
	f->packets = (uint64_t)sqlite3_column_int64(q, 4);
	f->octets = (uint64_t)sqlite3_column_int64(q, 5);
	f->tcp_flags = (uint16_t)sqlite3_column_int(q, 6);
	f->start_ms = (uint64_t)start;
	f->end_ms = (uint64_t)(start + sqlite3_column_int64(q, 8));
	return 0;
}

/* Column i of q, a name, into out (16 bytes, zero-padded; NULL: empty). */
static void column_name(sqlite3_stmt *q, int i, char *out)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	memset(out, 0, 16);
	if (t)
		memcpy(out, t, strnlen((const char *)t, 16));
}

/* One row of procs_sql as a process record (its names q's until the next step). */
static void row_proc(sqlite3_stmt *q, struct ipfix_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->start_ms = (uint64_t)sqlite3_column_int64(q, 0) * 1000;
	p->end_ms = (uint64_t)sqlite3_column_int64(q, 1) * 1000;
	p->pid = (uint32_t)sqlite3_column_int64(q, 2);
	column_name(q, 3, p->comm);
	column_name(q, 4, p->parent_comm);
	p->ppid = (uint32_t)sqlite3_column_int64(q, 5); /* NULL: 0 */
	p->family = (uint8_t)sqlite3_column_int(q, 6);
	p->protocol = (uint8_t)sqlite3_column_int(q, 7);
	column_addr(q, 8, p->remote, p->family == NETMON_FAMILY_V4 ? 4 : 16);
	p->remote_port = (uint16_t)sqlite3_column_int(q, 9);
	p->local_port = (uint16_t)sqlite3_column_int(q, 10);
	p->bytes_sent = (uint64_t)sqlite3_column_int64(q, 11);
	p->bytes_recv = (uint64_t)sqlite3_column_int64(q, 12);
	p->uid = sqlite3_column_type(q, 13) == SQLITE_NULL ? IPFIX_UID_UNKNOWN
							   : (uint32_t)sqlite3_column_int64(q, 13);
	p->user = (const char *)sqlite3_column_text(q, 14);
	p->service = (const char *)sqlite3_column_text(q, 15);
}

/* The process rows of interval id through the encoder. */
static int send_procs(struct ipfix_send *s, sqlite3 *db, int64_t id)
{
	sqlite3_stmt *q = s->procs;
	struct ipfix_proc p;
	int rc;

	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row_proc(q, &p);
		ipfix_send_proc(s, &p);
	}
	if (rc != SQLITE_DONE)
		pr_err("ipfix: reading the process rows: %s", sqlite3_errmsg(db));
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* The flow rows of interval id through the encoder. */
static int send_flows(struct ipfix_send *s, sqlite3 *db, int64_t id)
{
	sqlite3_stmt *q = s->rows;
	struct ipfix_flow f;
	int rc;

	if (!++s->gen) { /* wrapped: no slot may look filled for this interval */
		memset(s->convs, 0, CONV_CACHE * sizeof(*s->convs));
		s->gen = 1;
	}
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (!row_flow(s, q, &f))
			ipfix_send_flow(s, &f);
	if (rc != SQLITE_DONE)
		pr_err("ipfix: reading the flow rows: %s", sqlite3_errmsg(db));
	sqlite3_reset(q);
	sqlite3_reset(s->conv);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

void ipfix_send_begin(struct ipfix_send *s, int64_t budget_ms)
{
	int64_t now = mono_ns();

	for (int i = 0; i < s->n_coll; i++)
		if (s->coll[i].fd < 0)
			collector_open(&s->coll[i]); /* once per run, never in a loop */
	s->n_ifindex = 0; /* interfaces come and go: looked up again each run */
	s->pace.until_ns = budget_ms > 0 ? now + budget_ms * 1000000LL : 0;
	s->pace.over = 0;
}

void ipfix_send_records_begin(struct ipfix_send *s)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	ipfix_enc_set_time(&s->enc, (uint32_t)now.tv_sec);
	ipfix_enc_set_time(&s->penc, (uint32_t)now.tv_sec);
	/*
	 * At the start, then every IPFIX_TEMPLATE_REFRESH s (RFC 7011, 8.4),
	 * and after a send failed: a collector that refused messages may have
	 * been restarted and knows no template, so that without them it could
	 * decode nothing until the next refresh.
	 */
	if (!s->templates_at || now.tv_sec - s->templates_at >= IPFIX_TEMPLATE_REFRESH ||
	    ipfix_send_errors(s) != s->templates_errors) {
		ipfix_enc_templates(&s->enc);
		ipfix_enc_proc_templates(&s->penc);
		s->templates_at = now.tv_sec;
		s->templates_errors = ipfix_send_errors(s);
	}
	/* The rows' records only: not the RFC 5610 ones sent with the templates. */
	s->records0 = s->enc.records + s->penc.records;
}

void ipfix_send_flow(struct ipfix_send *s, const struct ipfix_flow *f)
{
	ipfix_enc_flow(&s->enc, f); /* a failed send is counted in the collector */
}

void ipfix_send_proc(struct ipfix_send *s, const struct ipfix_proc *p)
{
	ipfix_enc_proc(&s->penc, p);
}

void ipfix_send_records_end(struct ipfix_send *s, uint64_t *records)
{
	ipfix_enc_flush(&s->enc); /* an interval's records end its last message */
	ipfix_enc_flush(&s->penc);
	batch_send(s); /* and are all sent: the interval's errors are counted */
	*records = s->enc.records + s->penc.records - s->records0;
}

int ipfix_send_interval(struct ipfix_send *s, sqlite3 *db, int64_t id, uint64_t *records)
{
	int err;

	ipfix_send_records_begin(s);
	err = send_flows(s, db, id);
	if (send_procs(s, db, id))
		err = -EIO;
	ipfix_send_records_end(s, records);
	return err;
}

void ipfix_send_end(struct ipfix_send *s)
{
	for (int i = 0; i < s->n_coll; i++)
		collector_settle(&s->coll[i]);
	if (s->pace.over && !s->pace.over_said)
		pr_warn("ipfix: the export took longer than its budget at --ipfix-rate: the "
			"rest was sent unpaced (a collector may drop some; docs/ipfix.md, "
			"\"Pacing\")");
	else if (!s->pace.over && s->pace.over_said)
		pr_info("ipfix: the export is paced again");
	s->pace.over_said = s->pace.over;
}

const struct collector *ipfix_send_collector(const struct ipfix_send *s, int i)
{
	return &s->coll[i];
}

uint64_t ipfix_send_errors(const struct ipfix_send *s)
{
	uint64_t n = 0;

	for (int i = 0; i < s->n_coll; i++)
		n += s->coll[i].errors;
	return n;
}

int64_t ipfix_send_paused_ns(const struct ipfix_send *s)
{
	return s->pace.paused_ns;
}

void ipfix_send_totals(const struct ipfix_send *s, uint64_t *records, uint64_t *messages)
{
	*records = s->enc.records + s->penc.records;
	*messages = s->enc.messages + s->penc.messages;
}
