// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_store_ids.c - the store's id caches (store_ids.h): every key gets
 * back the id put for it, in two key lengths, past the index's growth and
 * its limit; a million IPv4 conversations cost at most 32 bytes each of the
 * heap as malloc counts it; a burst nobody asks for again leaves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <malloc.h>
#include <cmocka.h>
#include "store/store_ids.h"

/* Key i of len bytes: i spread over the key, the rest a pattern of len. */
static void key_of(uint8_t *k, size_t len, uint32_t i)
{
	memset(k, (int)len, len);
	memcpy(k + len - 4, &i, 4);
	if (len > 8)
		memcpy(k, &i, 4); /* the same word twice: hashing must mix it */
}

/* An id above 2^32 for odd i: ids are 64-bit rows. */
static int64_t id_of(uint32_t i, size_t len)
{
	return (int64_t)i * 3 + (int64_t)len + ((int64_t)(i & 1) << 40);
}

static void test_round_trip_two_lengths(void **state)
{
	struct store_ids *c = store_ids_new(1 << 20, 14, 38);
	uint8_t k[STORE_IDS_KEY_MAX];
	const uint32_t n = 200000;

	assert_non_null(c);
	for (uint32_t i = 0; i < n; i++) {
		key_of(k, 14, i);
		store_ids_put(c, k, 14, id_of(i, 14));
		key_of(k, 38, i);
		store_ids_put(c, k, 38, id_of(i, 38));
	}
	assert_int_equal(store_ids_count(c), 2 * n);
	for (uint32_t i = 0; i < n; i++) {
		key_of(k, 14, i);
		assert_int_equal(store_ids_get(c, k, 14), id_of(i, 14));
		key_of(k, 38, i);
		assert_int_equal(store_ids_get(c, k, 38), id_of(i, 38));
	}
	key_of(k, 14, n); /* never put */
	assert_int_equal(store_ids_get(c, k, 14), 0);
	assert_int_equal(store_ids_get(c, k, 16), 0); /* a length it does not keep */
	store_ids_put(c, k, 16, 5);
	assert_int_equal(store_ids_get(c, k, 16), 0);
	/* A put of a known key changes its id (the store's marks, then ids). */
	key_of(k, 14, 7);
	store_ids_put(c, k, 14, INT64_MAX);
	assert_int_equal(store_ids_get(c, k, 14), INT64_MAX);
	store_ids_put(c, k, 14, 99);
	assert_int_equal(store_ids_get(c, k, 14), 99);
	assert_int_equal(store_ids_count(c), 2 * n);
	store_ids_clear(c);
	assert_int_equal(store_ids_count(c), 0);
	assert_int_equal(store_ids_get(c, k, 14), 0);
	store_ids_free(c);
}

/* Full: it forgets everything and fills again, each answer still right. */
static void test_limit_starts_over(void **state)
{
	struct store_ids *c = store_ids_new(5000, 4, 16);
	uint8_t k[16];

	assert_non_null(c);
	for (uint32_t i = 0; i < 12000; i++) {
		key_of(k, i % 3 ? 4 : 16, i);
		store_ids_put(c, k, i % 3 ? 4 : 16, id_of(i, 4));
		assert_true(store_ids_count(c) <= 5000);
	}
	assert_int_equal(store_ids_count(c), 12000 - 2 * 5000);
	for (uint32_t i = 0; i < 12000; i++) {
		size_t len = i % 3 ? 4 : 16;

		key_of(k, len, i);
		assert_int_equal(store_ids_get(c, k, len), i >= 10000 ? id_of(i, 4) : 0);
	}
	store_ids_free(c);
}

/* What malloc hands out, mapped blocks included. */
static size_t heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/* The import of 1M new hosts (bench/RESULTS.md, "RSS at 1M flows"): a
 * million IPv4 conversations, and their million source addresses. */
static void test_a_million_entries_fit_in_32_bytes_each(void **state)
{
	size_t before = heap_bytes(), conv_bytes, addr_bytes;
	struct store_ids *conv = store_ids_new(1 << 20, 14, 38);
	struct store_ids *addr = store_ids_new(1 << 20, 4, 16);
	const uint32_t n = 1000000;
	uint8_t k[14];

	assert_non_null(conv);
	assert_non_null(addr);
	for (uint32_t i = 0; i < n; i++) {
		key_of(k, 14, i);
		store_ids_put(conv, k, 14, (int64_t)i + 1);
	}
	conv_bytes = heap_bytes() - before;
	for (uint32_t i = 0; i < n; i++)
		store_ids_put(addr, &i, 4, (int64_t)i + 1);
	addr_bytes = heap_bytes() - before - conv_bytes;
	print_message("1M IPv4 conversations: %zu bytes; 1M IPv4 addresses: %zu bytes\n",
		      conv_bytes, addr_bytes);
	assert_int_equal(store_ids_count(conv), n);
	assert_int_equal(store_ids_count(addr), n);
	assert_true(conv_bytes <= 32 * (size_t)n);
	assert_true(addr_bytes <= 22 * (size_t)n);
	/* its own count is what malloc counts, but for the blocks' headers */
	assert_true(store_ids_bytes(conv) + 65536 >= conv_bytes);
	assert_true(store_ids_bytes(addr) + 65536 >= addr_bytes);
	for (uint32_t i = 0; i < n; i += 997) {
		key_of(k, 14, i);
		assert_int_equal(store_ids_get(conv, k, 14), (int64_t)i + 1);
		assert_int_equal(store_ids_get(addr, &i, 4), (int64_t)i + 1);
	}
	store_ids_free(conv);
	store_ids_free(addr);
}

/* A burst of keys seen once leaves at the end of the first interval after
 * its own that asks for few of them; keys asked for every interval stay. */
static void test_idle_burst_is_given_back(void **state)
{
	struct store_ids *c = store_ids_new(1 << 20, 4, 16);
	const uint32_t n = 100000;

	assert_non_null(c);
	/* The burst's own interval puts them and asks for none (a burst's
	 * conversations): they are the next interval's to judge. */
	for (uint32_t i = 0; i < n; i++)
		store_ids_put(c, &i, 4, (int64_t)i + 1);
	store_ids_interval_done(c);
	assert_int_equal(store_ids_count(c), n);
	for (uint32_t i = 0; i < n / 8; i++) /* known from interval to interval */
		assert_int_equal(store_ids_get(c, &i, 4), (int64_t)i + 1);
	store_ids_interval_done(c);
	assert_int_equal(store_ids_count(c), n);
	for (uint32_t i = 0; i < n / 8 - 1; i++) /* a quiet interval */
		store_ids_get(c, &i, 4);
	store_ids_interval_done(c);
	assert_int_equal(store_ids_count(c), 0);
	assert_true(store_ids_bytes(c) < 1024);
	for (uint32_t i = 0; i < 10; i++) { /* and it fills again */
		store_ids_put(c, &i, 4, (int64_t)i + 7);
		assert_int_equal(store_ids_get(c, &i, 4), (int64_t)i + 7);
	}
	/* A small cache is never given back, asked or not. */
	store_ids_interval_done(c);
	store_ids_interval_done(c);
	assert_int_equal(store_ids_count(c), 10);
	store_ids_free(c);
}

/*
 * Lookups in a batch (store.c): hashed once, prefetched, then got and put
 * with the hash give what the plain calls give; room reserved for a burst
 * is not grown again while it fills, and never past the limit.
 */
static void test_hashed_and_reserved(void **state)
{
	struct store_ids *c = store_ids_new(1 << 16, 14, 38);
	const uint32_t n = 30000;
	uint8_t k[14];
	size_t bytes;

	assert_non_null(c);
	store_ids_reserve(c, 14, n);
	bytes = store_ids_bytes(c);
	assert_true(bytes >= n * (14 + 8) + 2 * n * 4);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h;

		key_of(k, 14, i);
		h = store_ids_hash(k, 14);
		store_ids_prefetch(c, 14, h);
		store_ids_prefetch_entry(c, 14, h);
		assert_int_equal(store_ids_get_h(c, k, 14, h), 0);
		store_ids_put_h(c, k, 14, h, id_of(i, 14));
	}
	assert_int_equal(store_ids_bytes(c), bytes); /* no growing on the way */
	for (uint32_t i = 0; i < n; i++) {
		key_of(k, 14, i);
		assert_int_equal(store_ids_get(c, k, 14), id_of(i, 14));
		assert_int_equal(store_ids_get_h(c, k, 14, store_ids_hash(k, 14)), id_of(i, 14));
	}
	/* more than the limit: reserved up to it, no further */
	store_ids_reserve(c, 38, 1 << 20);
	assert_true(store_ids_bytes(c) < bytes + (size_t)(1 << 16) * (38 + 8 + 2 * 4 * 2));
	store_ids_reserve(c, 16, 100); /* a length it does not keep: nothing */
	store_ids_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_two_lengths),
		cmocka_unit_test(test_limit_starts_over),
		cmocka_unit_test(test_a_million_entries_fit_in_32_bytes_each),
		cmocka_unit_test(test_idle_burst_is_given_back),
		cmocka_unit_test(test_hashed_and_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
