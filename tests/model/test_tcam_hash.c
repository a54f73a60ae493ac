/* The TCAM's open-addressing tables (model/tcam_hash.c) on their own.
 * The caller supplies the hash, so these tests choose it: a few hash
 * values shared by many keys make long chains, wrap-around and backward
 * shifts happen on purpose.  After every change the table is checked
 * against a plain list of what it should hold, and against the layout
 * invariants the search relies on: no empty slot between a key and its
 * home, and no key further from home than the table's reach. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam-private.h"

#define MAX_KEYS 512

struct model {
	unsigned n, stride;
	uint32_t count;
	uint64_t key[MAX_KEYS][PNIC_KEY_WORDS];
	uint32_t h[MAX_KEYS];
	uint32_t payload[MAX_KEYS];
};

static uint64_t rng = 7;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Every key of the model is found with its payload, the table holds no
 * other, and the layout invariants hold. */
static void check(const struct tcam_otab *o, const struct model *m)
{
	uint32_t size = o->size_mask + 1, used = 0;

	cr_assert_eq(o->count, m->count);
	cr_assert_leq(o->count * 2, size, "more than half full");
	for (uint32_t i = 0; i < m->count; i++) {
		uint64_t *s = tcam_otab_find(o, m->stride, m->n, m->key[i], m->h[i]);

		cr_assert_not_null(s, "key %u (hash %#x) not found", i, m->h[i]);
		cr_assert_eq(tcam_slot_payload(s), m->payload[i]);
		cr_assert_eq((uint32_t)(s[0] >> 32), m->h[i]);
	}
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = tcam_otab_slot(o, m->stride, pos);
		uint32_t home, dist;

		if (tcam_slot_payload(s) == TCAM_SLOT_EMPTY)
			continue;
		used++;
		home = (uint32_t)(s[0] >> 32) & o->size_mask;
		dist = (pos - home) & o->size_mask;
		cr_assert_leq(dist, o->reach, "slot %u is %u from home, reach %u",
			      pos, dist, o->reach);
		for (uint32_t d = 0; d < dist; d++) {
			const uint64_t *g = tcam_otab_slot(o, m->stride,
							   (home + d) & o->size_mask);

			cr_assert_neq(tcam_slot_payload(g), TCAM_SLOT_EMPTY,
				      "hole between slot %u and its home %u", pos, home);
		}
	}
	cr_assert_eq(used, m->count);
}

static void model_put(struct tcam_otab *o, struct model *m, uint32_t h)
{
	uint32_t i = m->count;

	for (unsigned w = 0; w < m->n; w++)
		m->key[i][w] = rnd();
	m->h[i] = h;
	m->payload[i] = (uint32_t)rnd() % 1000000u;
	cr_assert_null(tcam_otab_find(o, m->stride, m->n, m->key[i], h));
	cr_assert_eq(tcam_otab_reserve(o, m->stride, m->n), 0);
	tcam_otab_put(o, m->stride, m->n, m->key[i], h, m->payload[i]);
	m->count++;
}

static void model_remove(struct tcam_otab *o, struct model *m, uint32_t i)
{
	uint64_t *s = tcam_otab_find(o, m->stride, m->n, m->key[i], m->h[i]);
	uint64_t gone[PNIC_KEY_WORDS];
	uint32_t gone_h = m->h[i];

	cr_assert_not_null(s);
	tcam_otab_remove(o, m->stride, s);
	memcpy(gone, m->key[i], sizeof gone);
	cr_assert_null(tcam_otab_find(o, m->stride, m->n, gone, gone_h));
	m->count--;
	memcpy(m->key[i], m->key[m->count], sizeof m->key[i]);
	m->h[i] = m->h[m->count];
	m->payload[i] = m->payload[m->count];
}

static void model_init(struct tcam_otab *o, struct model *m, unsigned n,
		       unsigned stride)
{
	memset(m, 0, sizeof *m);
	m->n = n;
	m->stride = stride;
	cr_assert_eq(tcam_otab_init(o, stride, TCAM_OTAB_MIN_SLOTS), 0);
	cr_assert_eq(o->count, 0);
	cr_assert_eq(o->reach, 0);
	for (uint32_t pos = 0; pos <= o->size_mask; pos++)
		cr_assert_eq(tcam_slot_payload(tcam_otab_slot(o, stride, pos)),
			     TCAM_SLOT_EMPTY);
}

Test(tcam_hash, grows_and_finds)
{
	struct tcam_otab o;
	static struct model m;

	model_init(&o, &m, 6, 8);
	for (uint32_t i = 0; i < 300; i++) {
		model_put(&o, &m, (uint32_t)rnd());
		if (i % 37 == 0)
			check(&o, &m);
	}
	check(&o, &m);
	cr_assert_eq(o.size_mask + 1, 1024u, "300 keys at most half full: 1024 slots");
	tcam_otab_fini(&o);
}

/* Keys that differ only in their words, under one hash: found apart. */
Test(tcam_hash, same_hash_told_apart_by_the_key)
{
	struct tcam_otab o;
	static struct model m;

	model_init(&o, &m, 1, 2);
	for (uint32_t i = 0; i < 40; i++)
		model_put(&o, &m, 0x12345678u);
	check(&o, &m);
	cr_assert_geq(o.reach, 39u);
	tcam_otab_fini(&o);
}

/* A chain that runs past the last slot continues at slot 0, and removing
 * its head shifts the rest back across the edge. */
Test(tcam_hash, chain_wraps_and_shifts_back)
{
	struct tcam_otab o;
	static struct model m;

	model_init(&o, &m, 8, 16);
	for (uint32_t i = 0; i < 8; i++)
		model_put(&o, &m, (uint32_t)rnd());        /* grow to 16 slots */
	cr_assert_eq(o.size_mask, 15u);
	while (m.count)
		model_remove(&o, &m, 0);
	for (uint32_t i = 0; i < 6; i++)
		model_put(&o, &m, 14);                     /* home 14: 14, 15, 0, 1, ... */
	check(&o, &m);
	cr_assert_neq(tcam_slot_payload(tcam_otab_slot(&o, 16, 0)), TCAM_SLOT_EMPTY);
	model_remove(&o, &m, 0);
	check(&o, &m);
	model_remove(&o, &m, 2);
	check(&o, &m);
	tcam_otab_fini(&o);
}

/* Random puts and removes over a handful of hashes (long chains that
 * interleave), every key width; then the table shrinks as it empties. */
Test(tcam_hash, random_against_a_list)
{
	static const unsigned strides[PNIC_KEY_WORDS + 1] = {
		0, 2, 4, 4, 8, 8, 8, 8, 16 };

	for (unsigned n = 1; n <= PNIC_KEY_WORDS; n++) {
		struct tcam_otab o;
		static struct model m;
		uint32_t most = 0;

		model_init(&o, &m, n, strides[n]);
		for (unsigned step = 0; step < 3000; step++) {
			if (m.count < MAX_KEYS && (m.count < 8 || rnd() % 3))
				model_put(&o, &m, (uint32_t)(rnd() % 24) * 0x01000193u);
			else
				model_remove(&o, &m, (uint32_t)(rnd() % m.count));
			if (step % 50 == 0)
				check(&o, &m);
			if (o.size_mask + 1 > most)
				most = o.size_mask + 1;
		}
		check(&o, &m);
		while (m.count) {
			model_remove(&o, &m, (uint32_t)(rnd() % m.count));
			tcam_otab_shrink(&o, m.stride, n);
		}
		check(&o, &m);
		cr_assert_lt(o.size_mask + 1, most, "an emptied table gave memory back");
		tcam_otab_fini(&o);
	}
}
