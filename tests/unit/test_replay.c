// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_replay.c - captured packets of each link type into Ethernet frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/dlt.h>
#include "capture/replay.h"
#include "netmon_user.h"

static uint8_t out[REPLAY_LINEAR_MAX];

/* An IPv4 header of total length 60 (only the bytes the tests look at). */
static const uint8_t ipv4[20] = { 0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17 };

static void test_ethernet_as_is_and_snaplen_zero_filled(void **state)
{
	uint8_t pkt[14 + 20];
	uint32_t len, flen;
	int dir;

	memset(pkt, 0xee, 12);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	memcpy(pkt + 14, ipv4, 20);
	memset(out, 0xaa, 200);
	/* 34 bytes captured of a 74-byte frame: the rest comes back as zeros */
	assert_int_equal(
		replay_to_ethernet(DLT_EN10MB, pkt, sizeof(pkt), 74, out, &len, &flen, &dir), 0);
	assert_int_equal(len, 74);
	assert_int_equal(dir, NETMON_DIR_IN);
	assert_memory_equal(out, pkt, sizeof(pkt));
	for (int i = 34; i < 74; i++)
		assert_int_equal(out[i], 0);
}

static void test_linux_cooked_gives_direction(void **state)
{
	uint8_t sll[16 + 20] = { 0, 4 /* outgoing */ }, sll2[20 + 20] = { 0x86, 0xdd };
	uint32_t len, flen;
	int dir;

	sll[14] = 0x08; /* IPv4 */
	memcpy(sll + 16, ipv4, 20);
	assert_int_equal(replay_to_ethernet(DLT_LINUX_SLL, sll, sizeof(sll), sizeof(sll), out, &len,
					    &flen, &dir),
			 0);
	assert_int_equal(dir, NETMON_DIR_OUT);
	assert_int_equal(len, 14 + 20);
	assert_int_equal(out[12], 0x08);
	assert_int_equal(out[13], 0x00);
	assert_memory_equal(out + 14, ipv4, 20);

	sll2[10] = 0; /* to us */
	assert_int_equal(replay_to_ethernet(DLT_LINUX_SLL2, sll2, sizeof(sll2), sizeof(sll2), out,
					    &len, &flen, &dir),
			 0);
	assert_int_equal(dir, NETMON_DIR_IN);
	assert_int_equal(out[12], 0x86);
	assert_int_equal(out[13], 0xdd);
	/* IPv6 frames are padded to Ethernet + 40, as TC test_run requires */
	assert_int_equal(len, 14 + 40);
}

static void test_raw_ip_by_version(void **state)
{
	uint8_t v6[40] = { 0x60 }, junk[8] = { 0x10 };
	uint32_t len, flen;
	int dir;

	assert_int_equal(replay_to_ethernet(DLT_RAW, ipv4, 20, 20, out, &len, &flen, &dir), 0);
	assert_int_equal(out[12] << 8 | out[13], 0x0800);
	assert_int_equal(replay_to_ethernet(DLT_IPV6, v6, 40, 40, out, &len, &flen, &dir), 0);
	assert_int_equal(out[12] << 8 | out[13], 0x86dd);
	assert_int_equal(replay_to_ethernet(DLT_RAW, junk, 8, 8, out, &len, &flen, &dir), 0);
	assert_int_equal(out[12] << 8 | out[13], 0); /* counted as non-IP */
}

/*
 * A GRO/TSO frame (64 KiB) is longer than test_run takes: its first
 * REPLAY_LINEAR_MAX bytes go, with its whole length beside them, so that the
 * IP header's length is checked against the real frame.
 */
static void test_long_frame_goes_as_its_head(void **state)
{
	static uint8_t pkt[65549];
	uint32_t len, flen;
	int dir;

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	assert_int_equal(replay_to_ethernet(DLT_EN10MB, pkt, sizeof(pkt), sizeof(pkt), out, &len,
					    &flen, &dir),
			 0);
	assert_int_equal(flen, sizeof(pkt)); /* a loopback capture's largest frame */
	assert_int_equal(len, REPLAY_LINEAR_MAX);
	assert_memory_equal(out, pkt, REPLAY_LINEAR_MAX);
	/* cut by the snaplen at 128 bytes: the head is those, then zeros */
	memset(out, 0xaa, REPLAY_LINEAR_MAX);
	assert_int_equal(replay_to_ethernet(DLT_EN10MB, pkt, 128, 9014, out, &len, &flen, &dir), 0);
	assert_int_equal(flen, 9014);
	assert_int_equal(len, REPLAY_LINEAR_MAX);
	assert_memory_equal(out, pkt, 128);
	for (int i = 128; i < REPLAY_LINEAR_MAX; i++)
		assert_int_equal(out[i], 0);
	/* a frame that fits goes whole, its length the same */
	assert_int_equal(replay_to_ethernet(DLT_EN10MB, pkt, 1514, 1514, out, &len, &flen, &dir),
			 0);
	assert_int_equal(len, 1514);
	assert_int_equal(flen, 1514);
}

static void test_refusals(void **state)
{
	uint8_t pkt[10] = { 0 };
	uint32_t len, flen;
	int dir;

	assert_int_equal(replay_to_ethernet(DLT_IEEE802_11, pkt, 10, 10, out, &len, &flen, &dir),
			 -EPROTONOSUPPORT);
	assert_int_equal(replay_to_ethernet(DLT_EN10MB, pkt, 10, 10, out, &len, &flen, &dir),
			 -EINVAL);
	assert_int_equal(replay_to_ethernet(DLT_LINUX_SLL, pkt, 10, 10, out, &len, &flen, &dir),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_as_is_and_snaplen_zero_filled),
		cmocka_unit_test(test_linux_cooked_gives_direction),
		cmocka_unit_test(test_raw_ip_by_version),
		cmocka_unit_test(test_long_frame_goes_as_its_head),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
