/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mix64.h - MurmurHash3's 64-bit finalizer: every bit of the word moves
 * every bit of the hash, so the low bits (a power-of-two table's slot) and
 * the high bits (a tag) are both well mixed.
 */
#ifndef NETMON_MIX64_H
#define NETMON_MIX64_H

#include <stdint.h>

static inline uint64_t mix64(uint64_t h)
{
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

#endif
