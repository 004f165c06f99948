// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ipfix.c - the IPFIX encoder (export/ipfix.h) byte by byte against
 * RFC 7011: the message header, the template set, data records, sequence
 * numbers and the split of records into messages that fit the MTU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ipfix.h"
#include "netmon_user.h"

#define MAX_MSGS 64

/* What the encoder emitted, message by message. */
struct sink {
	uint8_t msg[MAX_MSGS][IPFIX_MAX_MTU];
	size_t len[MAX_MSGS];
	int n;
	int fail; /* the emit callback's result */
};

static int collect(void *ctx, const uint8_t *msg, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->n < MAX_MSGS);
	memcpy(s->msg[s->n], msg, len);
	s->len[s->n++] = len;
	return s->fail;
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static struct ipfix_flow udp4(uint64_t packets)
{
	struct ipfix_flow f = { .start_ms = 1796545033504ull,
				.end_ms = 1796545033832ull,
				.octets = 1000 * packets,
				.packets = packets,
				.family = NETMON_FAMILY_V4,
				.protocol = 17,
				.direction = NETMON_DIR_OUT,
				.src = { 198, 18, 7, 1 },
				.dst = { 198, 18, 7, 2 },
				.src_port = 40000,
				.dst_port = 53,
				.ifindex = 7,
				.ifname = "eth0" };

	return f;
}

static struct sink *new_sink(void)
{
	struct sink *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

/* The header of message m: version, length, export time, sequence, domain. */
static void assert_header(const struct sink *s, int m, uint32_t time, uint32_t seq, uint32_t domain)
{
	const uint8_t *p = s->msg[m];

	assert_int_equal(get16(p), 10);
	assert_int_equal(get16(p + 2), s->len[m]);
	assert_int_equal(get32(p + 4), time);
	assert_int_equal(get32(p + 8), seq);
	assert_int_equal(get32(p + 12), domain);
}

/* The template message: one set (id 2) of the four templates, each field
 * an IANA element id and its length; the sets' lengths add up. */
static void test_template_set_layout(void **state)
{
	static const uint16_t v4[][2] = { { 152, 8 }, { 153, 8 },    { 1, 8 },	{ 2, 8 },
					  { 8, 4 },   { 12, 4 },     { 7, 2 },	{ 11, 2 },
					  { 4, 1 },   { 6, 2 },	     { 61, 1 }, { 10, 4 },
					  { 14, 4 },  { 82, 0xffff } };
	struct sink *s = new_sink();
	struct ipfix_enc e;
	const uint8_t *p;

	assert_int_equal(ipfix_enc_init(&e, 1400, 42, collect, s), 0);
	ipfix_enc_set_time(&e, 1796545034);
	assert_int_equal(ipfix_enc_templates(&e), 0);
	assert_int_equal(s->n, 1);
	assert_header(s, 0, 1796545034, 0, 42);
	p = s->msg[0] + 16;
	assert_int_equal(get16(p), 2);			/* template set */
	assert_int_equal(get16(p + 2), s->len[0] - 16); /* the only set */
	p += 4;
	assert_int_equal(get16(p), 256);
	assert_int_equal(get16(p + 2), 14);
	for (int i = 0; i < 14; i++) {
		assert_int_equal(get16(p + 4 + 4 * i), v4[i][0]);
		assert_int_equal(get16(p + 6 + 4 * i), v4[i][1]);
	}
	p += 4 + 14 * 4;
	assert_int_equal(get16(p), 257); /* IPv6: addresses 27 and 28, 16 bytes */
	assert_int_equal(get16(p + 4 + 4 * 4), 27);
	assert_int_equal(get16(p + 6 + 4 * 4), 16);
	assert_int_equal(get16(p + 4 + 5 * 4), 28);
	p += 4 + 14 * 4;
	assert_int_equal(get16(p), 258); /* ICMP: icmpTypeCodeIPv4 (32) for the ports */
	assert_int_equal(get16(p + 2), 13);
	assert_int_equal(get16(p + 4 + 6 * 4), 32);
	p += 4 + 13 * 4;
	assert_int_equal(get16(p), 259);
	assert_int_equal(get16(p + 4 + 6 * 4), 139);
	p += 4 + 13 * 4;
	assert_ptr_equal(p, s->msg[0] + s->len[0]);
	assert_int_equal(e.records, 0); /* templates are no data records */
	ipfix_enc_free(&e);
	free(s);
}

/* The RFC 5610 records an encoder of process records sends first. */
static const struct {
	uint32_t pen;
	uint16_t id; /* without the enterprise bit */
	uint8_t type, semantics;
	const char *name;
} type_info[] = {
	{ 35632, 57640 - 32768, 3, 4, "SRC_PROC_PID" },
	{ 35632, 57641 - 32768, 13, 0, "SRC_PROC_NAME" },
	{ 35632, 57845 - 32768, 3, 4, "SRC_FATHER_PROC_PID" },
	{ 35632, 57846 - 32768, 13, 0, "SRC_FATHER_PROC_NAME" },
	{ 35632, 57897 - 32768, 3, 4, "SRC_PROC_UID" },	       /* unsigned32, identifier */
	{ 35632, 57844 - 32768, 13, 0, "SRC_PROC_USER_NAME" }, /* string */
	{ 32473, 1000, 13, 0, "processServiceName" },	       /* netmon's own (docs/ipfix.md) */
};
#define N_TYPE_INFO (sizeof(type_info) / sizeof(type_info[0]))

/* The type information records of set p (id 262) against type_info[*next..]. */
static void assert_type_records(const uint8_t *p, size_t *next)
{
	const uint8_t *end = p + get16(p + 2);

	assert_int_equal(get16(p), 262);
	for (p += 4; p < end; ++*next) {
		assert_true(*next < N_TYPE_INFO);
		assert_int_equal(get32(p), type_info[*next].pen);
		assert_int_equal(get16(p + 4), type_info[*next].id);
		assert_int_equal(p[6], type_info[*next].type);
		assert_int_equal(p[7], type_info[*next].semantics);
		assert_int_equal(get16(p + 8), 0); /* units */
		assert_true(get64(p + 10) == 0 && get64(p + 18) == 0);
		assert_int_equal(p[26], strlen(type_info[*next].name));
		assert_memory_equal(p + 27, type_info[*next].name, p[26]);
		p += 27 + p[26];
		assert_true(p[0] > 0 && p[0] < 255); /* a description */
		p += 1 + p[0];
	}
	assert_ptr_equal(p, end);
}

/* The process encoder's templates: a set (id 3) of the options templates,
 * enterprise fields with their PEN; then RFC 5610's type information
 * records, which are data records (counted in the sequence). At the
 * smallest MTU they take two messages, at the default one. */
static void test_process_templates_layout(void **state)
{
	/* the fields after the scope: id, length, PEN (0: IANA) */
	static const uint32_t v4[][3] = {
		{ 152, 8, 0 },	      { 153, 8, 0 },
		{ 4, 1, 0 },	      { 12, 4, 0 },
		{ 7, 2, 0 },	      { 11, 2, 0 },
		{ 1, 8, 0 },	      { 1 | 0x8000, 8, 29305 },
		{ 57641, 16, 35632 }, { 57845, 4, 35632 },
		{ 57846, 16, 35632 }, { 57897, 4, 35632 },
		{ 57844, 32, 35632 }, { 0x8000 | 1000, 64, 32473 },
	};
	const size_t tlen = 6 + 15 * 4 + 8 * 4; /* eight fields carry a PEN */

	for (int mtu = 512; mtu <= 1400; mtu += 888) {
		struct sink *s = new_sink();
		int types = mtu == 512 ? 2 : 1; /* messages of type records */
		struct ipfix_enc e;
		const uint8_t *p;
		size_t next = 0;

		assert_int_equal(ipfix_enc_init(&e, (size_t)mtu, 43, collect, s), 0);
		ipfix_enc_set_time(&e, 1796545034);
		assert_int_equal(ipfix_enc_proc_templates(&e), 0);
		assert_int_equal(s->n, types + 1);
		/* First the type information: its options template, then its records. */
		assert_header(s, 0, 1796545034, 0, 43);
		p = s->msg[0] + 16;
		assert_int_equal(get16(p), 3); /* options template set */
		assert_int_equal(get16(p + 2), 4 + 6 + 9 * 4);
		p += 4;
		assert_int_equal(get16(p), 262); /* RFC 5610 type information */
		assert_int_equal(get16(p + 2), 9);
		assert_int_equal(get16(p + 4), 2);
		assert_int_equal(get16(p + 6), 346);
		assert_int_equal(get16(p + 10), 303);
		p += 6 + 9 * 4;
		assert_type_records(p, &next);
		assert_ptr_equal(p + get16(p + 2), s->msg[0] + s->len[0]);
		for (int m = 1; m < types; m++) { /* the rest, a set of their own */
			assert_true(s->len[m - 1] + get16(s->msg[m] + 18) > (size_t)mtu);
			assert_header(s, m, 1796545034, (uint32_t)next, 43);
			assert_type_records(s->msg[m] + 16, &next);
			assert_int_equal(get16(s->msg[m] + 18), s->len[m] - 16);
		}
		assert_int_equal(next, N_TYPE_INFO);
		/* Then the process templates, a set each (nfacctd lost the second of
		 * one set); the sequence counts the type records. */
		assert_header(s, types, 1796545034, N_TYPE_INFO, 43);
		p = s->msg[types] + 16;
		assert_int_equal(get16(p), 3);
		assert_int_equal(get16(p + 2), 4 + tlen);
		p += 4;
		assert_int_equal(get16(p), 260); /* process records, IPv4 */
		assert_int_equal(get16(p + 2), 15);
		assert_int_equal(get16(p + 4), 1); /* scope: the pid, */
		assert_int_equal(get16(p + 6),
				 57640); /* ntop's SRC_PROC_PID (enterprise bit set) */
		assert_int_equal(get16(p + 8), 4);
		assert_int_equal(get32(p + 10), 35632);
		p += 14;
		for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
			assert_int_equal(get16(p), v4[i][0]);
			assert_int_equal(get16(p + 2), v4[i][1]);
			if (v4[i][2])
				assert_int_equal(get32(p + 4), v4[i][2]);
			p += v4[i][2] ? 8 : 4;
		}
		assert_int_equal(get16(p), 3);
		assert_int_equal(get16(p + 2), 4 + tlen);
		p += 4;
		assert_int_equal(get16(p), 261);
		assert_int_equal(get16(p + 6 + 8 + 3 * 4), 28); /* destinationIPv6Address */
		assert_int_equal(get16(p + 6 + 8 + 3 * 4 + 2), 16);
		p += tlen;
		assert_ptr_equal(p, s->msg[types] + s->len[types]);
		assert_int_equal(e.records, N_TYPE_INFO);
		ipfix_enc_free(&e);
		free(s);
	}
}

/* One IPv4 UDP record: every field at its place, in network byte order. */
static void test_data_record_layout(void **state)
{
	struct ipfix_flow f = udp4(3);
	struct sink *s = new_sink();
	struct ipfix_enc e;
	const uint8_t *p;

	assert_int_equal(ipfix_enc_init(&e, 1400, 1, collect, s), 0);
	ipfix_enc_set_time(&e, 1796545040);
	assert_int_equal(ipfix_enc_flow(&e, &f), 0);
	assert_int_equal(s->n, 0); /* held until full or flushed */
	assert_int_equal(ipfix_enc_flush(&e), 0);
	assert_int_equal(s->n, 1);
	assert_int_equal(ipfix_record_len(&f), 56 + 1 + 4);
	assert_int_equal(s->len[0], 16 + 4 + 61);
	assert_header(s, 0, 1796545040, 0, 1);
	p = s->msg[0] + 16;
	assert_int_equal(get16(p), 256);
	assert_int_equal(get16(p + 2), 4 + 61);
	p += 4;
	assert_true(get64(p) == 1796545033504ull);
	assert_true(get64(p + 8) == 1796545033832ull);
	assert_true(get64(p + 16) == 3000);
	assert_true(get64(p + 24) == 3);
	assert_memory_equal(p + 32, ((uint8_t[]){ 198, 18, 7, 1, 198, 18, 7, 2 }), 8);
	assert_int_equal(get16(p + 40), 40000);
	assert_int_equal(get16(p + 42), 53);
	assert_int_equal(p[44], 17);
	assert_int_equal(get16(p + 45), 0);
	assert_int_equal(p[47], 1);	    /* egress */
	assert_int_equal(get32(p + 48), 0); /* ingressInterface */
	assert_int_equal(get32(p + 52), 7); /* egressInterface */
	assert_int_equal(p[56], 4);
	assert_memory_equal(p + 57, "eth0", 4);
	ipfix_enc_free(&e);
	free(s);
}

/* ICMPv6 received: type and code in icmpTypeCodeIPv6, ingressInterface set;
 * a TCP record after it opens a set of its own template. */
static void test_icmp_and_set_switch(void **state)
{
	struct ipfix_flow icmp = udp4(1), tcp = udp4(2);
	struct sink *s = new_sink();
	struct ipfix_enc e;
	const uint8_t *p;

	icmp.family = NETMON_FAMILY_V6;
	icmp.protocol = 58;
	icmp.direction = NETMON_DIR_IN;
	icmp.src_port = 128; /* echo request, code 0 */
	icmp.dst_port = 0;
	icmp.ifname = NULL;
	tcp.protocol = 6;
	tcp.tcp_flags = 0x1b; /* FIN SYN PSH ACK */
	assert_int_equal(ipfix_enc_init(&e, 1400, 1, collect, s), 0);
	assert_int_equal(ipfix_enc_flow(&e, &icmp), 0);
	assert_int_equal(ipfix_enc_flow(&e, &tcp), 0);
	assert_int_equal(ipfix_enc_flush(&e), 0);
	assert_int_equal(ipfix_record_len(&icmp), 32 + 32 + 2 + 12 + 1);
	p = s->msg[0] + 16;
	assert_int_equal(get16(p), 259);
	assert_int_equal(get16(p + 2), 4 + 79);
	assert_int_equal(get16(p + 4 + 64), 128 << 8);
	assert_int_equal(p[4 + 66], 58);
	assert_int_equal(p[4 + 69], 0);		/* ingress */
	assert_int_equal(get32(p + 4 + 70), 7); /* ingressInterface */
	assert_int_equal(get32(p + 4 + 74), 0);
	assert_int_equal(p[4 + 78], 0); /* no name: empty */
	p += 4 + 79;
	assert_int_equal(get16(p), 256);
	assert_int_equal(get16(p + 2), 4 + 61);
	assert_int_equal(get16(p + 4 + 45), 0x1b);
	assert_ptr_equal(p + 4 + 61, s->msg[0] + s->len[0]);
	ipfix_enc_free(&e);
	free(s);
}

/* Records over several messages: none longer than the MTU, each full up to
 * the record that did not fit, the sequence number the records before. */
static void test_mtu_split_and_sequence(void **state)
{
	struct ipfix_flow f = udp4(1);
	struct sink *s = new_sink();
	struct ipfix_enc e;
	size_t per = (600 - 16 - 4) / 61; /* records of 61 bytes in a 600-byte message */
	uint32_t seq = 0, total = 0;

	assert_int_equal(ipfix_enc_init(&e, 600, 7, collect, s), 0);
	ipfix_enc_set_time(&e, 100);
	assert_int_equal(ipfix_enc_templates(&e), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(ipfix_enc_flow(&e, &f), 0);
	assert_int_equal(ipfix_enc_flush(&e), 0);
	assert_int_equal(s->n, 1 + (50 + per - 1) / per);
	for (int m = 1; m < s->n; m++) {
		uint32_t n = (uint32_t)((s->len[m] - 20) / 61);

		assert_true(s->len[m] <= 600);
		assert_int_equal(s->len[m], 20 + 61 * n);
		if (m < s->n - 1)
			assert_int_equal(n, per);
		assert_header(s, m, 100, seq, 7);
		assert_int_equal(get16(s->msg[m] + 18), s->len[m] - 16);
		seq += n;
		total += n;
	}
	assert_int_equal(total, 50);
	assert_int_equal(e.seq, 50);
	assert_int_equal(e.records, 50);
	/* Templates again: sequence unchanged (no data records in them). */
	assert_int_equal(ipfix_enc_templates(&e), 0);
	assert_header(s, s->n - 1, 100, 50, 7);
	ipfix_enc_free(&e);
	free(s);
}

/* A failed send is counted, and the next message's sequence number still
 * counts its records: the collector sees the gap (RFC 7011, 10.3.2). */
static void test_failed_emit_counts_and_leaves_a_gap(void **state)
{
	struct ipfix_flow f = udp4(1);
	struct sink *s = new_sink();
	struct ipfix_enc e;

	assert_int_equal(ipfix_enc_init(&e, 1400, 1, collect, s), 0);
	s->fail = -11;
	assert_int_equal(ipfix_enc_flow(&e, &f), 0);
	assert_int_equal(ipfix_enc_flush(&e), -11);
	s->fail = 0;
	assert_int_equal(ipfix_enc_flow(&e, &f), 0);
	assert_int_equal(ipfix_enc_flush(&e), 0);
	assert_header(s, 1, 0, 1, 1);
	assert_int_equal(e.emit_errors, 1);
	assert_int_equal(ipfix_enc_flush(&e), 0); /* nothing open: nothing emitted */
	assert_int_equal(s->n, 2);
	ipfix_enc_free(&e);
	free(s);
}

static struct ipfix_proc nm_traffic(void)
{
	struct ipfix_proc pr = { .start_ms = 1796545020000ull,
				 .end_ms = 1796545080000ull,
				 .pid = 4242,
				 .ppid = 1,
				 .comm = "nm-traffic",
				 .parent_comm = "bash",
				 .family = NETMON_FAMILY_V4,
				 .protocol = 6,
				 .remote = { 198, 18, 7, 2 },
				 .local_port = 41001,
				 .remote_port = 6001,
				 .bytes_sent = 70001,
				 .bytes_recv = 3,
				 .uid = 1000,
				 .user = "alice",
				 .service = "nginx.service" };

	return pr;
}

/* A process record: an options record of template 260, the pid first (its
 * scope), bytes sent and received, names in 16 bytes each, the uid, then
 * the user in 32 bytes and the service in 64, zero-padded. */
static void test_process_record_layout(void **state)
{
	struct ipfix_proc pr = nm_traffic(), none = nm_traffic();
	struct sink *s = new_sink();
	struct ipfix_enc e;
	const uint8_t *p;
	uint8_t zeros[64] = { 0 };

	none.uid = IPFIX_UID_UNKNOWN;
	none.user = NULL;
	none.service = "";
	assert_int_equal(ipfix_enc_init(&e, 1400, 1, collect, s), 0);
	assert_int_equal(ipfix_enc_proc(&e, &pr), 0);
	assert_int_equal(ipfix_enc_proc(&e, &none), 0);
	assert_int_equal(ipfix_enc_flush(&e), 0);
	assert_int_equal(ipfix_proc_len(&pr), 85 + 32 + 64);
	assert_int_equal(ipfix_proc_len(&none), 181);
	p = s->msg[0] + 16;
	assert_int_equal(get16(p), 260);
	assert_int_equal(get16(p + 2), 4 + 2 * 181);
	p += 4;
	assert_int_equal(get32(p), 4242);
	assert_true(get64(p + 4) == 1796545020000ull);
	assert_true(get64(p + 12) == 1796545080000ull);
	assert_int_equal(p[20], 6);
	assert_memory_equal(p + 21, ((uint8_t[]){ 198, 18, 7, 2 }), 4);
	assert_int_equal(get16(p + 25), 41001); /* local port: source */
	assert_int_equal(get16(p + 27), 6001);	/* remote port: destination */
	assert_true(get64(p + 29) == 70001);	/* sent: octetDeltaCount */
	assert_true(get64(p + 37) == 3);	/* received: its reverse */
	assert_memory_equal(p + 45, "nm-traffic\0\0\0\0\0\0", 16);
	assert_int_equal(get32(p + 61), 1);
	assert_memory_equal(p + 65, "bash\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(get32(p + 81), 1000);
	assert_memory_equal(p + 85, "alice", 6);
	assert_memory_equal(p + 91, zeros, 32 - 6);
	assert_memory_equal(p + 117, "nginx.service", 14);
	assert_memory_equal(p + 131, zeros, 64 - 14);
	p += 181; /* no names: the uid unknown, both strings zeros */
	assert_int_equal(get32(p), 4242);
	assert_int_equal(get32(p + 81), 0xffffffffu);
	assert_memory_equal(p + 85, zeros, 32);
	assert_memory_equal(p + 117, zeros, 64);
	assert_ptr_equal(p + 181, s->msg[0] + s->len[0]);
	ipfix_enc_free(&e);
	free(s);
}

/* Names longer than their field are cut, never inside a UTF-8 character;
 * one that fills its field exactly has no zero after it. */
static void test_process_long_names(void **state)
{
	struct ipfix_proc pr = nm_traffic();
	char user[100], service[100], first[100];
	struct sink *s = new_sink();
	struct ipfix_enc e;
	const uint8_t *p;

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	memset(service, 's', sizeof(service) - 1);
	service[sizeof(service) - 1] = '\0';
	memcpy(service + 63, "\xe2\x82\xac", 3); /* a euro sign across the 64-byte cut */
	pr.user = user;
	pr.service = service;
	assert_int_equal(ipfix_enc_init(&e, 1400, 1, collect, s), 0);
	assert_int_equal(ipfix_enc_proc(&e, &pr), 0);
	memcpy(first, service, sizeof(first));
	memcpy(service + 61, "\xe2\x82\xacss", 5); /* one ending at the cut: kept */
	assert_int_equal(ipfix_enc_proc(&e, &pr), 0);
	assert_int_equal(ipfix_enc_flush(&e), 0);
	p = s->msg[0] + 20 + 85;
	assert_memory_equal(p, user, 32); /* IPFIX_USER_LEN, no zero */
	assert_memory_equal(p + 32, first, 63);
	assert_int_equal(p[32 + 63], 0); /* cut before the euro sign's first byte */
	p += 181;
	assert_memory_equal(p + 32, service, 64);
	assert_ptr_equal(p + 32 + 64, s->msg[0] + s->len[0]);
	ipfix_enc_free(&e);
	free(s);
}

static void test_mtu_range(void **state)
{
	struct ipfix_enc e;

	assert_int_equal(ipfix_enc_init(&e, IPFIX_MIN_MTU - 1, 1, collect, NULL), -22);
	assert_int_equal(ipfix_enc_init(&e, IPFIX_MAX_MTU + 1, 1, collect, NULL), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_set_layout),
		cmocka_unit_test(test_process_templates_layout),
		cmocka_unit_test(test_data_record_layout),
		cmocka_unit_test(test_icmp_and_set_switch),
		cmocka_unit_test(test_mtu_split_and_sequence),
		cmocka_unit_test(test_failed_emit_counts_and_leaves_a_gap),
		cmocka_unit_test(test_process_record_layout),
		cmocka_unit_test(test_process_long_names),
		cmocka_unit_test(test_mtu_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
