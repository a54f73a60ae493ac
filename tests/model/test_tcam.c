#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/key_profile.h"
#include "model/tcam.h"
#include "model/tcam-private.h"

static struct tcam *mk(uint32_t depth, uint16_t key_bits)
{
	struct tcam_params p = { .depth = depth, .key_bits = key_bits };
	struct pnic_error err;
	struct tcam *t = NULL;
	int rc = tcam_create(&p, &t, &err);

	cr_assert_eq(rc, 0, "tcam_create(%u, %u): %s", depth, key_bits, err.msg);
	return t;
}

static struct pnic_key k1(uint64_t w0)
{
	struct pnic_key k;

	key_zero(&k);
	k.w[0] = w0;
	return k;
}

static void put(struct tcam *t, uint32_t i, uint64_t v, uint64_t m)
{
	struct pnic_key kv = k1(v), km = k1(m);
	struct pnic_error err;

	cr_assert_eq(tcam_write(t, i, &kv, &km, &err), 0, "write %u: %s", i, err.msg);
}

static void expect(struct tcam *t, uint64_t key, int32_t want)
{
	struct pnic_key k = k1(key);

	cr_assert_eq(tcam_lookup(t, &k), want, "key %#" PRIx64 ": fast %d, want %d",
		     key, tcam_lookup(t, &k), want);
	cr_assert_eq(tcam_lookup_linear(t, &k), want, "key %#" PRIx64 ": linear %d, want %d",
		     key, tcam_lookup_linear(t, &k), want);
}

Test(tcam, create_refuses_bad_params)
{
	struct tcam_params p = { .depth = 15, .key_bits = 104 };
	struct pnic_error err;
	struct tcam *t = (struct tcam *)&p;

	cr_assert_eq(tcam_create(&p, &t, &err), -EINVAL);
	cr_assert_null(t);
	cr_assert(strstr(err.msg, "depth 15"), "%s", err.msg);
	p.depth = TCAM_MAX_DEPTH + 1;
	cr_assert_eq(tcam_create(&p, &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, "depth 262145"), "%s", err.msg);
	p.depth = 64;
	p.key_bits = 0;
	cr_assert_eq(tcam_create(&p, &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, "key width 0"), "%s", err.msg);
	p.key_bits = PNIC_KEY_MAX_BITS + 1;
	cr_assert_eq(tcam_create(&p, &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, "key width 513"), "%s", err.msg);
	cr_assert_eq(tcam_create(NULL, &t, &err), -EINVAL);
	tcam_destroy(NULL);
}

Test(tcam, empty_table_misses)
{
	struct tcam *t = mk(16, 64);

	cr_assert_eq(tcam_depth(t), 16);
	cr_assert_eq(tcam_key_bits(t), 64);
	cr_assert_eq(tcam_used(t), 0);
	cr_assert_eq(tcam_mask_count(t), 0);
	expect(t, 0, TCAM_MISS);
	expect(t, ~0ull, TCAM_MISS);
	tcam_destroy(t);
}

Test(tcam, lowest_index_wins)
{
	struct tcam *t = mk(64, 32);

	put(t, 5, 0x1234, 0xffff);
	put(t, 3, 0x34, 0xff);
	put(t, 9, 0, 0);
	expect(t, 0x1234, 3);
	expect(t, 0x5534, 3);
	expect(t, 0x5535, 9);
	put(t, 1, 0x1234, 0xffff);
	expect(t, 0x1234, 1);
	cr_assert_eq(tcam_used(t), 4);
	cr_assert_eq(tcam_mask_count(t), 3);
	tcam_destroy(t);
}

Test(tcam, invalidate_exposes_lower_priority)
{
	struct tcam *t = mk(32, 48);
	struct pnic_error err;

	put(t, 10, 0xabcd, 0xffff);   /* exact */
	put(t, 2, 0xab00, 0xff00);    /* wildcard above it */
	put(t, 20, 0, 0);             /* catch-all */
	expect(t, 0xabcd, 2);
	cr_assert_eq(tcam_invalidate(t, 2, &err), 0);
	expect(t, 0xabcd, 10);
	expect(t, 0xab01, 20);
	cr_assert_eq(tcam_invalidate(t, 10, &err), 0);
	expect(t, 0xabcd, 20);
	/* invalidating an invalid entry is a no-op */
	cr_assert_eq(tcam_invalidate(t, 10, &err), 0);
	cr_assert_eq(tcam_used(t), 1);
	cr_assert_eq(tcam_mask_count(t), 1);
	cr_assert_eq(tcam_invalidate(t, 20, &err), 0);
	expect(t, 0xabcd, TCAM_MISS);
	cr_assert_eq(tcam_mask_count(t), 0);
	tcam_destroy(t);
}

Test(tcam, rewrite_index_with_another_mask)
{
	struct tcam *t = mk(16, 16);
	struct pnic_key v, m;

	put(t, 4, 0x12, 0xff);
	cr_assert_eq(tcam_mask_count(t), 1);
	put(t, 4, 0x1200, 0xff00);
	cr_assert_eq(tcam_mask_count(t), 1);
	cr_assert_eq(tcam_used(t), 1);
	expect(t, 0x12, TCAM_MISS);
	expect(t, 0x1234, 4);
	cr_assert(tcam_read(t, 4, &v, &m));
	cr_assert_eq(v.w[0], 0x1200);
	cr_assert_eq(m.w[0], 0xff00);
	/* same mask, other value: the tuple survives the swap */
	put(t, 4, 0x3400, 0xff00);
	expect(t, 0x1234, TCAM_MISS);
	expect(t, 0x34ff, 4);
	cr_assert_eq(tcam_mask_count(t), 1);
	/* writing the same thing again changes nothing */
	put(t, 4, 0x3400, 0xff00);
	cr_assert_eq(tcam_used(t), 1);
	tcam_destroy(t);
}

Test(tcam, value_is_stored_masked)
{
	struct tcam *t = mk(16, 16);
	struct pnic_key v, m;

	put(t, 0, 0xabcd, 0x0ff0);
	cr_assert(tcam_read(t, 0, &v, &m));
	cr_assert_eq(v.w[0], 0x0bc0);
	cr_assert_eq(m.w[0], 0x0ff0);
	cr_assert_not(tcam_read(t, 1, &v, &m));
	cr_assert_not(tcam_read(t, 16, &v, &m));
	expect(t, 0x0bc0, 0);
	tcam_destroy(t);
}

Test(tcam, duplicates_with_same_value_and_mask)
{
	struct tcam *t = mk(16, 8);
	struct pnic_error err;

	put(t, 7, 0x5a, 0xff);
	put(t, 3, 0x5a, 0xff);
	put(t, 9, 0x5a, 0xff);
	put(t, 12, 0x5a, 0xff);
	expect(t, 0x5a, 3);
	cr_assert_eq(tcam_mask_count(t), 1);
	cr_assert_eq(tcam_invalidate(t, 3, &err), 0);
	expect(t, 0x5a, 7);
	cr_assert_eq(tcam_invalidate(t, 9, &err), 0);
	expect(t, 0x5a, 7);
	cr_assert_eq(tcam_invalidate(t, 7, &err), 0);
	expect(t, 0x5a, 12);
	put(t, 12, 0x5b, 0xff);
	expect(t, 0x5a, TCAM_MISS);
	expect(t, 0x5b, 12);
	put(t, 0, 0x5b, 0xff);
	expect(t, 0x5b, 0);
	tcam_destroy(t);
}

Test(tcam, depth_limits)
{
	struct tcam *lo = mk(TCAM_MIN_DEPTH, 512), *hi = mk(TCAM_MAX_DEPTH, 372);
	struct pnic_key v, m;
	struct pnic_error err;

	key_zero(&v);
	key_zero(&m);
	v.w[7] = 1ull << 63;
	m.w[7] = 1ull << 63;
	cr_assert_eq(tcam_write(lo, TCAM_MIN_DEPTH - 1, &v, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_lookup(lo, &v), TCAM_MIN_DEPTH - 1);
	cr_assert_eq(tcam_write(lo, TCAM_MIN_DEPTH, &v, &m, &err), -ERANGE);
	cr_assert(strstr(err.msg, "entry 16"), "%s", err.msg);
	cr_assert(strstr(err.msg, "0..15"), "%s", err.msg);

	key_zero(&v);
	v.w[5] = 0xf; /* bits 320..323, below 372 */
	key_zero(&m);
	m.w[5] = 0xf;
	cr_assert_eq(tcam_write(hi, TCAM_MAX_DEPTH - 1, &v, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_write(hi, TCAM_MAX_DEPTH - 2, &v, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_lookup(hi, &v), TCAM_MAX_DEPTH - 2);
	cr_assert_eq(tcam_lookup_linear(hi, &v), TCAM_MAX_DEPTH - 2);
	cr_assert_eq(tcam_write(hi, TCAM_MAX_DEPTH, &v, &m, &err), -ERANGE);
	cr_assert_eq(tcam_invalidate(hi, TCAM_MAX_DEPTH, &err), -ERANGE);
	cr_assert(strstr(err.msg, "invalidate entry 262144"), "%s", err.msg);
	tcam_destroy(lo);
	tcam_destroy(hi);
}

Test(tcam, refuses_bits_above_key_width)
{
	struct tcam *t = mk(16, 104);
	struct pnic_key v, m;
	struct pnic_error err;

	key_zero(&v);
	key_zero(&m);
	v.w[1] = 1ull << 40; /* bit 104 */
	cr_assert_eq(tcam_write(t, 0, &v, &m, &err), -EINVAL);
	cr_assert(strstr(err.msg, "value has bit 104 set"), "%s", err.msg);
	cr_assert(strstr(err.msg, "104 bits"), "%s", err.msg);
	key_zero(&v);
	m.w[6] = 2;
	cr_assert_eq(tcam_write(t, 0, &v, &m, &err), -EINVAL);
	cr_assert(strstr(err.msg, "mask has bit 385 set"), "%s", err.msg);
	m.w[6] = 0;
	m.w[1] = (1ull << 40) - 1; /* bits 64..103: fine */
	cr_assert_eq(tcam_write(t, 0, &v, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_used(t), 1);
	cr_assert_eq(tcam_write(NULL, 0, &v, &m, &err), -EINVAL);
	cr_assert_eq(tcam_write(t, 0, NULL, &m, &err), -EINVAL);
	cr_assert_eq(tcam_invalidate(NULL, 0, &err), -EINVAL);
	/* a NULL error report is allowed */
	cr_assert_eq(tcam_write(t, 99, &v, &m, NULL), -ERANGE);
	tcam_destroy(t);
}

Test(tcam, many_masks_keep_order)
{
	struct tcam *t = mk(256, 16);

	/* One mask per entry, exact first; written lowest priority first so
	 * every write moves its tuple to the front of the order. */
	for (uint32_t i = 16; i-- > 0;)
		put(t, 185 + i, 0, 0xffffu << i & 0xffff);
	cr_assert_eq(tcam_mask_count(t), 16);
	expect(t, 0x0000, 185);
	expect(t, 0x0001, 186);
	expect(t, 0x0100, 194);
	expect(t, 0x4000, 200);
	expect(t, 0x8000, TCAM_MISS);
	expect(t, 0x8001, TCAM_MISS);
	tcam_destroy(t);
}

Test(tcam, one_big_tuple)
{
	struct tcam *t = mk(4096, 16);
	struct pnic_error err;

	/* Enough values in one table that many sit several slots from home. */
	for (uint32_t i = 0; i < 4096; i++)
		put(t, i, (i * 7919u) & 0xffff, 0xffff);
	cr_assert_eq(tcam_mask_count(t), 1);
	for (uint32_t i = 0; i < 4096; i++)
		expect(t, (i * 7919u) & 0xffff, (int32_t)i);
	expect(t, 1, TCAM_MISS);
	/* Shrinking back down keeps every remaining entry reachable. */
	for (uint32_t i = 0; i < 4096; i++)
		if (i % 97)
			cr_assert_eq(tcam_invalidate(t, i, &err), 0);
	for (uint32_t i = 0; i < 4096; i++)
		expect(t, (i * 7919u) & 0xffff, i % 97 ? TCAM_MISS : (int32_t)i);
	for (uint32_t i = 0; i < 4096; i += 97)
		cr_assert_eq(tcam_invalidate(t, i, &err), 0);
	cr_assert_eq(tcam_used(t), 0);
	cr_assert_eq(tcam_mask_count(t), 0);
	tcam_destroy(t);
}

/* tcam_memory counts the entry store, the tuples' tables and the bitmap:
 * it grows with entries, by the bitmap's size when one is built, and
 * returns to where it was when they go. */
Test(tcam, memory_follows_the_indexes)
{
	struct tcam *t = mk(4096, 64);
	size_t empty = tcam_memory(t), filled, with_bm;
	struct pnic_error err;

	cr_assert_geq(empty, 4096 * (2 * 8 + 1), "%zu", empty);
	for (uint32_t i = 0; i < 2048; i++)
		put(t, i, i * 0x9e3779b97f4a7c15ull, ~0ull);
	filled = tcam_memory(t);
	/* 2048 values of 2-word slots at most half full: at least 64 KiB */
	cr_assert_geq(filled, empty + 2048 * 2 * 16, "%zu -> %zu", empty, filled);
	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_BITMAP), 0);
	with_bm = tcam_memory(t);
	cr_assert_geq(with_bm, filled + tcam_bitmap_bytes(4096, 64),
		      "%zu -> %zu", filled, with_bm);
	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_TUPLE), 0);
	cr_assert_eq(tcam_memory(t), filled);
	for (uint32_t i = 0; i < 2048; i++)
		cr_assert_eq(tcam_invalidate(t, i, &err), 0);
	cr_assert_lt(tcam_memory(t), filled);
	tcam_destroy(t);
}

/* ---- differential test: tcam_lookup == tcam_lookup_linear ------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* A key is cut into segments of at most 64 bits (a profile's fields, 128-bit
 * ones in two halves, or random cuts) so masks look like real rules. */
struct seg {
	unsigned off, width;
};

#define MAX_SEGS 64
#define VALUE_CHOICES 4

struct world {
	unsigned key_bits, nw, n_segs;
	struct seg segs[MAX_SEGS];
	uint64_t choices[MAX_SEGS][VALUE_CHOICES];
	unsigned n_masks;
	struct pnic_key masks[256];
};

static uint64_t width_mask(unsigned w)
{
	return w >= 64 ? ~0ull : (1ull << w) - 1;
}

static void key_trim(struct pnic_key *k, unsigned key_bits)
{
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++) {
		if (i * 64 >= key_bits)
			k->w[i] = 0;
		else if (key_bits - i * 64 < 64)
			k->w[i] &= width_mask(key_bits - i * 64);
	}
}

static void add_seg(struct world *w, unsigned off, unsigned width)
{
	while (width && w->n_segs < MAX_SEGS) {
		unsigned n = width > 64 ? 64 : width;

		w->segs[w->n_segs].off = off;
		w->segs[w->n_segs].width = n;
		w->n_segs++;
		off += n;
		width -= n;
	}
}

static void world_init(struct world *w, unsigned key_bits, unsigned n_masks)
{
	const struct key_profile *p = NULL;

	memset(w, 0, sizeof *w);
	w->key_bits = key_bits;
	w->nw = key_words(key_bits);
	if (key_bits == key_profile_default()->key_bits)
		p = key_profile_default();
	else if (key_bits == key_profile_ipv4_5tuple()->key_bits)
		p = key_profile_ipv4_5tuple();
	if (p) {
		for (unsigned i = 0; i < p->n_fields; i++)
			add_seg(w, p->fields[i].offset, p->fields[i].width);
	} else {
		for (unsigned off = 0; off < key_bits;) {
			unsigned n = 1 + (unsigned)rnd_below(key_bits - off < 40 ? key_bits - off : 40);

			add_seg(w, off, n);
			off += n;
		}
	}
	/* Few values per segment, so that entries overlap and keys hit. */
	for (unsigned s = 0; s < w->n_segs; s++)
		for (unsigned c = 0; c < VALUE_CHOICES; c++)
			w->choices[s][c] = rnd() & width_mask(w->segs[s].width);

	if (n_masks > 256)
		n_masks = 256;
	for (unsigned i = 0; i < n_masks; i++) {
		struct pnic_key *m = &w->masks[i];
		unsigned kind = (unsigned)rnd_below(8);

		key_zero(m);
		if (i == 0 || kind == 0) {
			/* exact match on everything */
			for (unsigned s = 0; s < w->n_segs; s++)
				key_put_u64(m, w->segs[s].off, w->segs[s].width, ~0ull);
		} else if (kind == 1) {
			/* random bits */
			for (unsigned j = 0; j < w->nw; j++)
				m->w[j] = rnd() & rnd();
		} else {
			/* per segment: exact, wildcard or a prefix */
			for (unsigned s = 0; s < w->n_segs; s++) {
				unsigned wd = w->segs[s].width, len;

				switch (rnd_below(3)) {
				case 0: len = wd; break;
				case 1: len = 0; break;
				default: len = (unsigned)rnd_below(wd + 1); break;
				}
				key_put_u64(m, w->segs[s].off, wd,
					    len ? width_mask(len) << (wd - len) : 0);
			}
		}
		key_trim(m, key_bits);
	}
	w->n_masks = n_masks;
}

/* A value built from the per-segment choices. */
static void world_value(const struct world *w, struct pnic_key *v)
{
	key_zero(v);
	for (unsigned s = 0; s < w->n_segs; s++)
		key_put_u64(v, w->segs[s].off, w->segs[s].width,
			    w->choices[s][rnd_below(VALUE_CHOICES)]);
}

static void key_print(const char *what, const struct pnic_key *k, unsigned nw)
{
	fprintf(stderr, "  %s:", what);
	for (unsigned i = nw; i-- > 0;)
		fprintf(stderr, " %016" PRIx64, k->w[i]);
	fprintf(stderr, "\n");
}

/* Distinct masks among valid entries, the slow way. */
static uint32_t count_masks(const struct tcam *t, unsigned nw)
{
	uint32_t depth = tcam_depth(t), n = 0;

	for (uint32_t i = 0; i < depth; i++) {
		struct pnic_key mi, mj;
		bool first = true;

		if (!tcam_read(t, i, NULL, &mi))
			continue;
		for (uint32_t j = 0; j < i && first; j++)
			if (tcam_read(t, j, NULL, &mj) && key_equal(&mi, &mj, nw))
				first = false;
		n += first;
	}
	return n;
}

/* Keys looked up since the table last changed, with the oracle's answers:
 * tcam_lookup_burst() must give them all back. */
#define BURST_CHECK 45

struct burst {
	uint32_t n;
	struct pnic_key keys[BURST_CHECK];
	int32_t want[BURST_CHECK];
};

static void burst_check(const struct tcam *t, struct burst *b, uint64_t seed,
			uint64_t step)
{
	int32_t got[BURST_CHECK];

	tcam_lookup_burst(t, b->keys, b->n, got);
	for (uint32_t i = 0; i < b->n; i++)
		if (got[i] != b->want[i]) {
			fprintf(stderr, "tcam burst mismatch: seed %#" PRIx64 " step %" PRIu64
				" key %u of %u\n", seed, step, i, b->n);
			key_print("key", &b->keys[i], key_words(tcam_key_bits(t)));
			cr_assert_fail("seed %#" PRIx64 " step %" PRIu64
				       ": burst %d != linear %d", seed, step, got[i], b->want[i]);
		}
	b->n = 0;
}

struct diff_cfg {
	uint32_t depth;
	uint16_t key_bits;
	unsigned n_masks;
	unsigned lookups;
	bool random_values;  /* else from the few choices per segment */
	/* TUPLE, BITMAP or PART: forced (BITMAP is dropped and rebuilt from
	 * the entries halfway; PART goes to tuple search, to the bitmap and
	 * back to partitions chosen from the entries there then).  AUTO: the mask pool changes by phase so the
	 * mask count crosses the bitmap threshold both ways: few masks, all,
	 * a dozen (the bitmap is kept but unused), all again, then the table
	 * is emptied and refilled with few masks. */
	enum tcam_strategy strategy;
	bool portable;          /* the bitmap's scan without AVX */
};

/* Masks drawn from in each fifth of an AUTO run (0 = all). */
static const unsigned phase_masks[5] = { 4, 0, 12, 0, 4 };

static uint64_t run_diff(const struct diff_cfg *c, uint64_t seed)
{
	struct world *w = calloc(1, sizeof *w);
	struct tcam *t = mk(c->depth, c->key_bits);
	struct pnic_error err;
	uint32_t used = 0;
	uint8_t *shadow_valid = calloc(c->depth, 1);
	uint64_t step = 0, done = 0, hits = 0;
	struct burst *burst = calloc(1, sizeof *burst);

	cr_assert_not_null(w);
	cr_assert_not_null(shadow_valid);
	cr_assert_not_null(burst);
	uint64_t by_bitmap = 0, by_part = 0;
	unsigned phase = 0, pool = c->n_masks;

	rng_state = seed;
	world_init(w, c->key_bits, c->n_masks);
	cr_assert_eq(tcam_set_strategy(t, c->strategy), 0);
	tcam_set_portable(t, c->portable);
	if (c->strategy == TCAM_STRATEGY_AUTO)
		pool = phase_masks[0];

	while (done < c->lookups) {
		unsigned op = (unsigned)rnd_below(100);
		struct pnic_key key, v, m;
		uint32_t idx = (uint32_t)rnd_below(c->depth);

		step++;
		if (c->strategy == TCAM_STRATEGY_AUTO && done * 5 / c->lookups > phase) {
			phase = (unsigned)(done * 5 / c->lookups);
			pool = phase_masks[phase] ? phase_masks[phase] : c->n_masks;
			if (phase == 4) {
				burst_check(t, burst, seed, step);
				for (uint32_t i = 0; i < c->depth; i++)
					cr_assert_eq(tcam_invalidate(t, i, &err), 0);
				memset(shadow_valid, 0, c->depth);
				used = 0;
			}
		}
		if (c->strategy != TCAM_STRATEGY_AUTO && done == c->lookups / 2 &&
		    phase == 0) {
			/* rebuilt from the entries there now (the partitions
			 * by way of the bitmap) */
			phase = 1;
			burst_check(t, burst, seed, step);
			cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_TUPLE), 0);
			cr_assert_not(tcam_uses_bitmap(t) || tcam_uses_part(t));
			if (c->strategy == TCAM_STRATEGY_PART) {
				cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_BITMAP), 0);
				cr_assert(tcam_uses_bitmap(t) && !tcam_uses_part(t));
			}
			cr_assert_eq(tcam_set_strategy(t, c->strategy), 0);
		}
		if (op < 26 || used < c->depth / 8 || burst->n == BURST_CHECK)
			burst_check(t, burst, seed, step);
		if (op < 18 || used < c->depth / 8) {
			/* write: a fresh value, or a copy of another entry */
			if (rnd_below(8) == 0 && tcam_read(t, (uint32_t)rnd_below(c->depth), &v, &m)) {
				/* duplicate value and mask */
			} else {
				world_value(w, &v);
				if (c->random_values)
					for (unsigned j = 0; j < w->nw; j++)
						v.w[j] = rnd();
				else if (rnd_below(4) == 0)
					for (unsigned j = 0; j < w->nw; j++)
						v.w[j] ^= rnd() & rnd() & rnd();
				key_trim(&v, c->key_bits);
				m = w->masks[rnd_below(pool)];
			}
			cr_assert_eq(tcam_write(t, idx, &v, &m, &err), 0,
				     "seed %#" PRIx64 " step %" PRIu64 ": %s", seed, step, err.msg);
			used += !shadow_valid[idx];
			shadow_valid[idx] = 1;
			continue;
		}
		if (op < 26) {
			cr_assert_eq(tcam_invalidate(t, idx, &err), 0, "%s", err.msg);
			used -= shadow_valid[idx];
			shadow_valid[idx] = 0;
			continue;
		}
		switch (rnd_below(4)) {
		case 0:
			/* uniform */
			for (unsigned j = 0; j < PNIC_KEY_WORDS; j++)
				key.w[j] = rnd();
			break;
		case 1:
			/* from the value pools */
			world_value(w, &key);
			break;
		default:
			/* an entry's value with random don't-care bits */
			for (int tries = 0; tries < 16 && !shadow_valid[idx]; tries++)
				idx = (uint32_t)rnd_below(c->depth);
			if (tcam_read(t, idx, &v, &m)) {
				for (unsigned j = 0; j < PNIC_KEY_WORDS; j++)
					key.w[j] = v.w[j] | (rnd() & ~m.w[j]);
			} else {
				world_value(w, &key);
			}
			break;
		}
		key_trim(&key, c->key_bits);
		{
			int32_t fast = tcam_lookup(t, &key);
			int32_t slow = tcam_lookup_linear(t, &key);

			if (fast != slow) {
				fprintf(stderr, "tcam differential mismatch: seed %#" PRIx64
					" step %" PRIu64 " depth %u key_bits %u\n",
					seed, step, c->depth, c->key_bits);
				key_print("key", &key, w->nw);
				fprintf(stderr, "  tcam_lookup %d, tcam_lookup_linear %d\n",
					fast, slow);
				if (slow >= 0 && tcam_read(t, (uint32_t)slow, &v, &m)) {
					key_print("linear's value", &v, w->nw);
					key_print("linear's mask ", &m, w->nw);
				}
				cr_assert_fail("seed %#" PRIx64 " step %" PRIu64 ": fast %d != linear %d",
					 seed, step, fast, slow);
			}
			hits += fast != TCAM_MISS;
			by_bitmap += tcam_uses_bitmap(t);
			by_part += tcam_uses_part(t);
			burst->keys[burst->n] = key;
			burst->want[burst->n++] = slow;
		}
		done++;
		if (done % 4096 == 0 || done == c->lookups) {
			cr_assert_eq(tcam_used(t), used, "seed %#" PRIx64 " step %" PRIu64, seed, step);
			if (c->depth <= 1024)
				cr_assert_eq(tcam_mask_count(t), count_masks(t, w->nw),
					     "seed %#" PRIx64 " step %" PRIu64, seed, step);
		}
	}
	burst_check(t, burst, seed, step);
	free(burst);
	/* Each strategy must have answered what it was meant to. */
	if (c->strategy == TCAM_STRATEGY_TUPLE)
		cr_assert_eq(by_bitmap, 0);
	else if (c->strategy == TCAM_STRATEGY_BITMAP)
		cr_assert(by_bitmap == done && by_part == 0);
	else if (c->strategy == TCAM_STRATEGY_PART)
		cr_assert(by_part == done && by_bitmap == 0);
	else
		cr_assert(by_bitmap + by_part > done / 10 &&
			  by_bitmap + by_part < done * 9 / 10,
			  "seed %#" PRIx64 ": %" PRIu64 " + %" PRIu64 " of %" PRIu64
			  " lookups by bitmap and partitions", seed, by_bitmap, by_part, done);
	/* Tables of 4096 entries or more go from the bitmap to the
	 * partitions and back (the 8192-entry table fills past 4096 in its
	 * full run; the sanitizer build's quarter run stays below). */
	if (c->strategy == TCAM_STRATEGY_AUTO && c->depth >= 8192 &&
	    c->lookups >= 40000)
		cr_assert(by_part > done / 10 && by_bitmap > 0,
			  "seed %#" PRIx64 ": %" PRIu64 " of %" PRIu64 " lookups by partitions",
			  seed, by_part, done);
	else if (c->strategy == TCAM_STRATEGY_AUTO && c->depth < 8192)
		cr_assert_eq(by_part, 0);
	/* The stream must exercise hits, not just misses. */
	cr_assert_gt(hits, done / 4, "seed %#" PRIx64 ": only %" PRIu64 " hits of %" PRIu64,
		     seed, hits, done);
	/* Empty it the long way round: everything must miss afterwards. */
	for (uint32_t i = 0; i < c->depth; i++)
		cr_assert_eq(tcam_invalidate(t, i, &err), 0);
	cr_assert_eq(tcam_used(t), 0);
	cr_assert_eq(tcam_mask_count(t), 0);
	{
		struct pnic_key key;

		world_value(w, &key);
		key_trim(&key, c->key_bits);
		cr_assert_eq(tcam_lookup(t, &key), TCAM_MISS);
	}
	free(shadow_valid);
	free(w);
	tcam_destroy(t);
	return done;
}

#if defined(__SANITIZE_ADDRESS__)
#define LOOKUP_SCALE 4 /* sanitizers are several times slower; the plain build runs all */
#else
#define LOOKUP_SCALE 1
#endif

Test(tcam, differential_fast_equals_linear, .timeout = 120)
{
	static const struct diff_cfg cfgs[] = {
		{ 16, 1, 4, 40000, false, TCAM_STRATEGY_TUPLE, false },
		{ 16, 13, 16, 60000, false, TCAM_STRATEGY_TUPLE, false },
		{ 64, 104, 8, 150000, false, TCAM_STRATEGY_TUPLE, false },
		{ 100, 64, 64, 100000, false, TCAM_STRATEGY_TUPLE, false },
		{ 256, 372, 12, 150000, false, TCAM_STRATEGY_TUPLE, false },
		{ 256, 104, 200, 100000, false, TCAM_STRATEGY_TUPLE, false },
		{ 512, 512, 32, 60000, false, TCAM_STRATEGY_TUPLE, false },
		{ 1024, 372, 6, 100000, false, TCAM_STRATEGY_TUPLE, false },
		{ 1024, 104, 100, 100000, false, TCAM_STRATEGY_TUPLE, false },
		{ 16384, 372, 8, 4000, false, TCAM_STRATEGY_TUPLE, false },
		{ 4096, 104, 2, 20000, true, TCAM_STRATEGY_TUPLE, false },
		{ 2048, 372, 3, 20000, true, TCAM_STRATEGY_TUPLE, false },
		/* the bitmap, forced */
		{ 16, 1, 4, 20000, false, TCAM_STRATEGY_BITMAP, false },
		{ 16, 13, 16, 30000, false, TCAM_STRATEGY_BITMAP, false },
		{ 100, 64, 64, 50000, false, TCAM_STRATEGY_BITMAP, false },
		{ 512, 512, 32, 40000, false, TCAM_STRATEGY_BITMAP, false },
		{ 1000, 372, 6, 40000, false, TCAM_STRATEGY_BITMAP, false },
		{ 4096, 104, 2, 15000, true, TCAM_STRATEGY_BITMAP, false },
		/* 20 groups of 512 entries: the AVX-512 scan's batches of 8
		 * groups, the last one partial */
		{ 10000, 104, 40, 15000, false, TCAM_STRATEGY_BITMAP, false },
		/* the same without AVX (a CPU without it takes this path) */
		{ 16, 13, 16, 20000, false, TCAM_STRATEGY_BITMAP, true },
		{ 512, 512, 32, 30000, false, TCAM_STRATEGY_BITMAP, true },
		{ 1000, 104, 200, 40000, false, TCAM_STRATEGY_BITMAP, true },
		{ 4096, 104, 2, 10000, true, TCAM_STRATEGY_BITMAP, true },
		/* the partitioned index, forced, its dispatches rechosen as
		 * the table fills and halfway (after tuple search and the
		 * bitmap); its row offsets with AVX-512 and without */
		{ 16, 13, 16, 10000, false, TCAM_STRATEGY_PART, false },
		{ 512, 512, 32, 30000, false, TCAM_STRATEGY_PART, false },
		{ 1000, 104, 200, 40000, false, TCAM_STRATEGY_PART, false },
		{ 4096, 104, 40, 20000, false, TCAM_STRATEGY_PART, false },
		{ 4096, 104, 2, 10000, true, TCAM_STRATEGY_PART, false },
		{ 2048, 372, 64, 20000, false, TCAM_STRATEGY_PART, true },
		{ 1000, 104, 200, 20000, false, TCAM_STRATEGY_PART, true },
		/* chosen by mask count, crossing the threshold both ways (and,
		 * at 8192 entries, filled past 4096, into and out of the
		 * partitions) */
		{ 8192, 104, 64, 40000, false, TCAM_STRATEGY_AUTO, false },
		{ 1024, 104, 64, 100000, false, TCAM_STRATEGY_AUTO, false },
		{ 256, 512, 100, 60000, false, TCAM_STRATEGY_AUTO, false },
		{ 2048, 372, 64, 40000, false, TCAM_STRATEGY_AUTO, false },
		{ 1024, 104, 64, 40000, false, TCAM_STRATEGY_AUTO, true },
	};
	uint64_t seed = 0x7ca5eedull, total = 0;
	const char *env = getenv("TCAM_SEED");

	if (env)
		seed = strtoull(env, NULL, 0);
	for (unsigned i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
		struct diff_cfg c = cfgs[i];

		c.lookups = c.lookups / LOOKUP_SCALE;
		total += run_diff(&c, seed + i);
	}
	cr_assert_geq(total, 1000000 / LOOKUP_SCALE);
}
