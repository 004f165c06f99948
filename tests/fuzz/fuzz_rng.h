/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fuzz_rng.h - what every fuzz test shares: a seeded generator (the same
 * sequence for the same seed, so a failure reproduces), the buffer an input
 * is built in, and the alarm that turns a hang into a failure.
 */
#ifndef NETMON_FUZZ_RNG_H
#define NETMON_FUZZ_RNG_H

#include <stddef.h>
#include <stdint.h>

#define MAX_LEN 1600
#define FUZZ_SECONDS 120

static uint64_t rng_state;

/* xorshift64*: fast, and the same sequence for the same seed. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

struct buf {
	uint8_t b[MAX_LEN];
	size_t n;
};

#endif
