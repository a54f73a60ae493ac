/* The TCAM's partitioned index (model/tcam_part.c) against the entry store
 * it is derived from.  Tables are changed only through tcam.h; after
 * changes tcam_part_check() recomputes the index's contents from the
 * store (every entry in the bucket its mask and value pick, in exactly the
 * rows that accept it, bucket lists sorted by the blocks' true lowest
 * indices, free slots clear, care counts) and lookups are compared with
 * the linear oracle.  test_tcam.c's differential test checks the answers
 * at length; this checks the structure, the partition choice and the
 * automatic switch. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"
#include "model/tcam-private.h"
#include "tools/splitmix.h"

static uint64_t rng = 23;

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

static struct tcam *mk(uint32_t depth)
{
	struct tcam_params p = { .depth = depth, .key_bits = 104 };
	struct pnic_error err;
	struct tcam *t;

	cr_assert_eq(tcam_create(&p, &t, &err), 0);
	return t;
}

/* Bits [lo, lo + n) of a 104-bit key set to x (n <= 32). */
static void put(struct pnic_key *k, unsigned lo, unsigned n, uint64_t x)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned b = lo + i;

		k->w[b / 64] &= ~(1ull << (b % 64));
		k->w[b / 64] |= ((x >> i) & 1) << (b % 64);
	}
}

/* An ACL-like entry of the ipv4_5tuple layout (source and destination
 * addresses at 0 and 32, ports at 64 and 80, protocol at 96): address
 * prefixes of 0, 8, 16, 24 or 32 bits from a few networks, ports exact
 * or wildcard, protocol exact or wildcard. */
static void acl_entry(struct pnic_key *v, struct pnic_key *m)
{
	static const unsigned plen[] = { 0, 8, 16, 24, 32 };

	key_zero(v);
	key_zero(m);
	for (unsigned f = 0; f < 2; f++) {
		unsigned len = plen[rnd() % 5];
		uint64_t net = (rnd() % 24) << 24 | (rnd() % 4) << 16 | (rnd() & 0xffff);

		put(v, 32 * f, 32, net);
		put(m, 32 * f, 32, len ? ~0ull << (32 - len) : 0);
	}
	for (unsigned f = 0; f < 2; f++)
		if (rnd() % 2) {
			put(v, 64 + 16 * f, 16, rnd() % 8 * 1000);
			put(m, 64 + 16 * f, 16, 0xffff);
		}
	if (rnd() % 4) {
		put(v, 96, 8, rnd() % 2 ? 6 : 17);
		put(m, 96, 8, 0xff);
	}
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		v->w[i] &= m->w[i];
}

static void check_index(const struct tcam *t, const char *when)
{
	char why[256];

	cr_assert_not_null(t->pt, "%s: no partitioned index", when);
	cr_assert(tcam_part_check(t->pt, t->nw, t->valid, t->val, t->msk, why, sizeof why),
		  "%s: %s", when, why);
}

/* Keys: an entry's value with random don't-care bits, or random. */
static void check_lookups(const struct tcam *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pnic_key k, v, m;
		uint32_t e = (uint32_t)(rnd() % t->depth);

		for (unsigned j = 0; j < PNIC_KEY_WORDS; j++)
			k.w[j] = rnd();
		if (i % 4 && tcam_read(t, e, &v, &m))
			for (unsigned j = 0; j < PNIC_KEY_WORDS; j++)
				k.w[j] = v.w[j] | (k.w[j] & ~m.w[j]);
		k.w[1] &= (1ull << 40) - 1;     /* 104 bits */
		for (unsigned j = 2; j < PNIC_KEY_WORDS; j++)
			k.w[j] = 0;
		cr_assert_eq(tcam_lookup(t, &k), tcam_lookup_linear(t, &k),
			     "key %u", i);
	}
}

/* Fill in random order (the index is rebuilt as the table doubles), then
 * rewrite and invalidate at random; the index is checked whole every 50
 * changes and the lookups against the oracle. */
Test(tcam_part, index_matches_store, .timeout = 60)
{
	struct tcam *t = mk(4096);
	struct pnic_error err;
	struct pnic_key v, m;

	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_PART), 0);
	for (unsigned i = 0; i < 6000; i++) {
		uint32_t e = (uint32_t)(rnd() % 4096);

		if (i < 3000 || rnd() % 3) {
			acl_entry(&v, &m);
			cr_assert_eq(tcam_write(t, e, &v, &m, &err), 0);
		} else {
			cr_assert_eq(tcam_invalidate(t, e, &err), 0);
		}
		if (i % 50 == 49) {
			check_index(t, "after writes");
			check_lookups(t, 20);
		}
	}
	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_PART), 0);
	check_index(t, "rebuilt");
	check_lookups(t, 2000);
	tcam_destroy(t);
}

/* Entries all exact on one byte (bits 56..63) and on little else: the
 * first partition dispatches on that byte and takes every entry.  The
 * index is there from the empty table on: the partitions are chosen
 * again as the table doubles. */
Test(tcam_part, dispatches_on_an_exact_byte)
{
	struct tcam *t = mk(4096);
	struct tcam_part_stats st;
	struct pnic_error err;
	struct pnic_key v, m;

	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_PART), 0);
	for (uint32_t e = 0; e < 2000; e++) {
		key_zero(&v);
		key_zero(&m);
		put(&v, 56, 8, rnd() % 256);
		put(&m, 56, 8, 0xff);
		put(&m, (unsigned)(rnd() % 48), 4, rnd() % 16);
		put(&v, 96, 8, rnd() % 4);
		put(&m, 96, 8, 0xff);
		for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
			v.w[i] &= m.w[i];
		cr_assert_eq(tcam_write(t, e, &v, &m, &err), 0);
	}
	tcam_part_stats(t->pt, &st);
	cr_assert_geq(st.parts, 2);
	cr_assert(st.lo[0] >= 56 && st.lo[0] + st.k[0] <= 64 && st.k[0] >= 4,
		  "first partition on bits %u..%u", st.lo[0], st.lo[0] + st.k[0] - 1);
	cr_assert_eq(st.entries[0], 2000);
	check_index(t, "built");
	check_lookups(t, 2000);
	tcam_destroy(t);
}

/* The build leaves room in each block: an entry written later between two
 * others goes into the block that holds its neighbours, and the lists
 * stay sorted whatever order the writes come in. */
Test(tcam_part, later_writes_fill_the_gaps)
{
	struct tcam *t = mk(4096);
	struct tcam_part_stats before, after;
	struct pnic_error err;
	struct pnic_key v, m;

	key_zero(&v);
	key_zero(&m);
	put(&m, 96, 8, 0xff);
	for (uint32_t e = 0; e < 4096; e += 2) {
		put(&v, 96, 8, e % 7);
		cr_assert_eq(tcam_write(t, e, &v, &m, &err), 0);
	}
	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_PART), 0);
	tcam_part_stats(t->pt, &before);
	for (uint32_t e = 1; e < 4096; e += 64) {
		put(&v, 96, 8, e % 7);
		cr_assert_eq(tcam_write(t, e, &v, &m, &err), 0);
	}
	tcam_part_stats(t->pt, &after);
	cr_assert_eq(after.blocks, before.blocks, "%u blocks, %u before",
		     after.blocks, before.blocks);
	check_index(t, "gaps filled");
	for (uint32_t e = 4095; e > 0; e -= 3)
		cr_assert_eq(tcam_invalidate(t, e, &err), 0);
	check_index(t, "thinned");
	check_lookups(t, 1000);
	tcam_destroy(t);
}

/* Chosen automatically: in place of the bitmap from 4096 entries (which
 * is then dropped), back to the bitmap below 2048, and counted in
 * tcam_memory(). */
Test(tcam_part, automatic_in_and_out)
{
	struct tcam *t = mk(8192);
	struct pnic_error err;
	struct pnic_key v, m;
	size_t with;

	for (uint32_t e = 0; e < 4095; e++) {
		acl_entry(&v, &m);
		cr_assert_eq(tcam_write(t, e, &v, &m, &err), 0);
	}
	cr_assert(tcam_uses_bitmap(t) && !tcam_uses_part(t));
	acl_entry(&v, &m);
	cr_assert_eq(tcam_write(t, 4095, &v, &m, &err), 0);
	cr_assert(tcam_uses_part(t) && !tcam_uses_bitmap(t));
	cr_assert_null(t->bm);
	with = tcam_memory(t);
	cr_assert_gt(with, tcam_part_memory(t->pt));
	check_index(t, "switched on");
	for (uint32_t e = 0; e < 2050; e++)
		cr_assert_eq(tcam_invalidate(t, e, &err), 0);
	cr_assert(tcam_uses_bitmap(t) && !tcam_uses_part(t));
	cr_assert_null(t->pt);
	check_lookups(t, 500);
	tcam_destroy(t);
}

/* Entries exact on a 16-bit field, every value distinct: a dispatch on
 * all 16 bits would give each its own block, 4500 blocks of 3.6 KB.  The
 * choice keeps within the budget (a block per 16 entries of depth: 512
 * here) with a coarser dispatch, and the index stays within it. */
Test(tcam_part, blocks_within_budget)
{
	struct tcam *t = mk(8192);
	struct tcam_part_stats st;
	struct pnic_error err;
	struct pnic_key v, m;

	for (uint32_t e = 0; e < 4500; e++) {
		key_zero(&v);
		key_zero(&m);
		put(&v, 64, 16, e * 7919 % 65536);
		put(&m, 64, 16, 0xffff);
		put(&m, 4 * (unsigned)(rnd() % 12), 4, 0xf);
		put(&m, 4 * (unsigned)(rnd() % 12), 4, 0xf);
		put(&v, 0, 48, rnd());
		for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
			v.w[i] &= m.w[i];
		cr_assert_eq(tcam_write(t, e, &v, &m, &err), 0);
	}
	cr_assert(tcam_uses_part(t));
	tcam_part_stats(t->pt, &st);
	cr_assert_leq(st.blocks, 8192 / 16, "%u blocks", st.blocks);
	cr_assert_lt(st.k[0], 16);
	check_index(t, "within budget");
	check_lookups(t, 1000);
	tcam_destroy(t);
}
