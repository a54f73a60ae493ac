/* The TCAM's tuple space search (model/tcam_search.c), path by path.
 * Each case builds a table that sends lookups down one path of the probe
 * (small-value compare, filter, short reach scanned whole, long reach
 * walked past the first two slots, biggest tuple first, bursts of every
 * length) and checks, through the internals, that the table really is
 * that shape, then that tcam_lookup(), tcam_lookup_burst() and the linear
 * oracle agree on keys that hit and keys that miss.  The random
 * differential test in test_tcam.c covers the mixtures. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"
#include "model/tcam-private.h"
#include "tools/splitmix.h"

#define KEY_BITS 372            /* the default profile: 6 words, 8-word slots */

static uint64_t rng = 3;

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

static struct tcam *mk(uint32_t depth)
{
	struct tcam_params p = { .depth = depth, .key_bits = KEY_BITS };
	struct pnic_error err;
	struct tcam *t;

	cr_assert_eq(tcam_create(&p, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_TUPLE), 0);
	return t;
}

/* Bits spread over the whole key, as the profile's fields are. */
static struct pnic_key spread(uint64_t x, uint64_t y)
{
	struct pnic_key k;

	key_zero(&k);
	k.w[0] = x;
	k.w[2] = y;
	k.w[5] = (x ^ y) & ((1ull << (KEY_BITS - 320)) - 1);
	return k;
}

static void put(struct tcam *t, uint32_t i, const struct pnic_key *v,
		const struct pnic_key *m)
{
	struct pnic_error err;

	cr_assert_eq(tcam_write(t, i, v, m, &err), 0, "entry %u: %s", i, err.msg);
}

/* Every key: fast == linear, and the keys as bursts of every length up to
 * a few bursts (so partial bursts too) give the same. */
static void agree(const struct tcam *t, const struct pnic_key *keys, uint32_t n)
{
	int32_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
	uint32_t hits = 0;

	cr_assert(want && got);
	for (uint32_t i = 0; i < n; i++) {
		want[i] = tcam_lookup_linear(t, &keys[i]);
		cr_assert_eq(tcam_lookup(t, &keys[i]), want[i], "key %u", i);
		hits += want[i] != TCAM_MISS;
	}
	cr_assert(hits > 0 && hits < n, "%u of %u keys hit: want both kinds", hits, n);
	for (uint32_t len = 0; len <= 70 && len <= n; len += len < 40 ? 1 : 29) {
		for (uint32_t off = 0; off + len <= n; off += len ? len : 1) {
			tcam_lookup_burst(t, keys + off, len, got);
			for (uint32_t i = 0; i < len; i++)
				cr_assert_eq(got[i], want[off + i], "burst of %u at %u, key %u",
					     len, off, i);
			if (!len)
				break;
		}
	}
	free(want);
	free(got);
}

/* Keys: every entry's value (with don't-care bits flipped) and as many
 * random ones, which miss. */
static struct pnic_key *keys_for(const struct tcam *t, uint32_t *n)
{
	struct pnic_key *k = calloc(2 * t->depth, sizeof *k), v, m;
	uint32_t c = 0;

	cr_assert_not_null(k);
	for (uint32_t i = 0; i < t->depth; i++) {
		if (!tcam_read(t, i, &v, &m))
			continue;
		k[c] = spread(rnd(), rnd());
		for (unsigned w = 0; w < PNIC_KEY_WORDS; w++)
			k[c].w[w] = v.w[w] | (k[c].w[w] & ~m.w[w]);
		c++;
		k[c++] = spread(rnd(), rnd());
	}
	*n = c;
	return k;
}

static void check_table(const struct tcam *t)
{
	uint32_t n;
	struct pnic_key *keys = keys_for(t, &n);

	agree(t, keys, n);
	free(keys);
}

/* Tuples of 1 to TCAM_SMALL_MAX values: compared without hashing. */
Test(tcam_search, small_tuples)
{
	struct tcam *t = mk(64);
	struct pnic_key m0 = spread(~0ull, 0), m1 = spread(0xffff0000ull, ~0ull);
	uint32_t e = 0;

	for (uint32_t v = 0; v < TCAM_SMALL_MAX; v++) {
		struct pnic_key a = spread(rnd(), 0), b = spread(rnd(), rnd());

		for (unsigned w = 0; w < PNIC_KEY_WORDS; w++) {
			a.w[w] &= m0.w[w];
			b.w[w] &= m1.w[w];
		}
		put(t, e++, &a, &m0);
		put(t, e++, &b, &m1);
	}
	for (uint32_t k = 0; k < t->n_order; k++)
		cr_assert_neq(t->order[k]->n_small, TCAM_SMALL_NONE);
	check_table(t);
	tcam_destroy(t);
}

/* Tuples of a few dozen values: the filter turns most misses away and
 * must never turn a hit away. */
Test(tcam_search, filtered_tuples)
{
	struct tcam *t = mk(256);
	struct pnic_key m = spread(0xffffffffull, 0xff00ff00ull);

	for (uint32_t i = 0; i < 2 * TCAM_FILT_MAX; i++) {
		struct pnic_key v = spread(rnd(), rnd());
		struct pnic_key mi = i % 2 ? m : spread(0xffffull, 0);

		for (unsigned w = 0; w < PNIC_KEY_WORDS; w++)
			v.w[w] &= mi.w[w];
		put(t, i, &v, &mi);
	}
	for (uint32_t k = 0; k < t->n_order; k++) {
		const struct tcam_tuple *tp = t->order[k];

		cr_assert(tp->tab.count > TCAM_SMALL_MAX && tp->tab.count <= TCAM_FILT_MAX,
			  "tuple of %u values", tp->tab.count);
	}
	check_table(t);
	tcam_destroy(t);
}

/* One tuple so full that values sit well past their home: the probe walks
 * on past the first two slots. */
Test(tcam_search, long_probe_sequences)
{
	struct tcam *t = mk(4096);
	struct pnic_key m = spread(0xfffull, 0);

	/* 4096 of the 4096 values under a 12-bit mask: the table is half
	 * full, the most linear probing allows. */
	for (uint32_t i = 0; i < 4096; i++) {
		struct pnic_key v = spread(i, 0);

		put(t, i, &v, &m);
	}
	cr_assert_eq(t->n_order, 1);
	cr_assert_geq(t->order[0]->tab.reach, 4u, "reach %u", t->order[0]->tab.reach);
	for (uint32_t i = 0; i < 4096; i += 3)
		cr_assert_eq(tcam_invalidate(t, i, NULL), 0);
	check_table(t);
	tcam_destroy(t);
}

/* Many tuples of short reach, scanned whole; the matches lie in tuples at
 * every position of the order, so the early exit is taken everywhere. */
Test(tcam_search, short_reach_and_early_exit)
{
	struct tcam *t = mk(1024);
	uint32_t scanned = 0;

	for (uint32_t i = 0; i < 1024; i++) {
		struct pnic_key m = spread((1ull << (1 + i % 40)) - 1, 0);
		struct pnic_key v = spread(rnd() & m.w[0], 0);

		put(t, i, &v, &m);
	}
	for (uint32_t k = 0; k < t->n_order; k++)
		scanned += t->order[k]->n_small == TCAM_SMALL_NONE &&
			   t->order[k]->tab.reach < 4;
	cr_assert_geq(scanned, 10u, "%u hashed tuples of short reach", scanned);
	check_table(t);
	tcam_destroy(t);
}

/* A tuple whose table outgrows 64 KiB is probed first, out of order; a
 * better match in a tuple ahead of it in the order must still win. */
Test(tcam_search, biggest_tuple_first)
{
	struct tcam *t = mk(4096);
	struct pnic_key exact = spread(~0ull, ~0ull);
	struct pnic_key wide = spread(0xff, 0);

	for (uint32_t i = 0; i < 16; i++) {
		struct pnic_key v = spread(i, 0);

		put(t, i, &v, &wide);
	}
	for (uint32_t i = 16; i < 4096; i++) {
		struct pnic_key v = spread(rnd(), rnd());

		for (unsigned w = 0; w < PNIC_KEY_WORDS; w++)
			v.w[w] &= exact.w[w];
		if (i % 5 == 0)
			v.w[0] = (v.w[0] & ~0xffull) | (i % 16);  /* shadowed by a wide entry */
		put(t, i, &v, &exact);
	}
	cr_assert_not_null(t->big);
	cr_assert_geq((size_t)(t->big->tab.size_mask + 1) * t->stride * sizeof(uint64_t),
		      (size_t)64 << 10);
	cr_assert_neq(t->order[0], t->big);
	check_table(t);
	tcam_destroy(t);
}
