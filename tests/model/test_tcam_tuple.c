/* The TCAM's tuple index (model/tcam_tuple.c) against the entry store it
 * is derived from.  Tables are changed only through tcam.h (writes,
 * rewrites, duplicates, invalidates); after each change the whole index is
 * recomputed from the store, plainly, and compared field by field: tuples
 * and their masks, the mask table, best indices and the order, heaps,
 * slots naming the lowest of their values, duplicate rings, small-value
 * copies, filters, and the entry counts.  test_tcam.c checks the answers;
 * this checks the structure that gives them, so a slip shows where it is
 * made rather than some lookups later. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"
#include "model/tcam-private.h"

static uint64_t rng = 11;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool same_key(const struct tcam *t, uint32_t a, uint32_t b)
{
	return !memcmp(tcam_entry_val(t, a), tcam_entry_val(t, b),
		       t->nw * sizeof(uint64_t)) &&
	       !memcmp(tcam_entry_msk(t, a), tcam_entry_msk(t, b),
		       t->nw * sizeof(uint64_t));
}

static bool same_mask(const struct tcam *t, uint32_t e, const uint64_t *m)
{
	return !memcmp(tcam_entry_msk(t, e), m, t->nw * sizeof(uint64_t));
}

/* Entry e's duplicate ring is exactly the valid entries with its value
 * and mask, and the slot of that value names the lowest of them. */
static void check_ring(const struct tcam *t, const struct tcam_tuple *tp,
		       uint32_t e)
{
	uint32_t n_ring = 0, n_same = 0, low = e;
	const uint64_t *v = tcam_entry_val(t, e);
	const uint64_t *s;

	for (uint32_t i = e;; i = t->dup_next[i]) {
		cr_assert(t->valid[i] && same_key(t, i, e), "entry %u: ring holds %u", e, i);
		cr_assert_eq(t->dup_prev[t->dup_next[i]], i, "ring of %u broken at %u", e, i);
		low = i < low ? i : low;
		n_ring++;
		if (t->dup_next[i] == e)
			break;
		cr_assert_leq(n_ring, t->depth);
	}
	for (uint32_t i = 0; i < t->depth; i++)
		n_same += t->valid[i] && same_key(t, i, e);
	cr_assert_eq(n_ring, n_same, "entry %u: ring of %u, %u duplicates", e, n_ring, n_same);
	s = tcam_otab_find(&tp->tab, t->stride, t->nw, v,
			   tcam_hash32(tcam_hash_words(v, t->nw)));
	cr_assert_not_null(s, "entry %u: its value is not in its tuple", e);
	cr_assert_eq(tcam_slot_payload(s), low, "entry %u: slot names %u, lowest is %u",
		     e, tcam_slot_payload(s), low);
}

/* The heap is a min-heap of exactly the tuple's entries. */
static void check_heap(const struct tcam *t, const struct tcam_tuple *tp)
{
	for (uint32_t p = 0; p < tp->n_entries; p++) {
		uint32_t e = tp->heap[p];

		cr_assert(t->valid[e] && t->tuple_of[e] == tp->id);
		cr_assert_eq(t->heap_pos[e], p);
		if (p)
			cr_assert_leq(tp->heap[(p - 1) / 2], e, "heap order at %u", p);
	}
	cr_assert_eq(tp->best, tp->n_entries ? tp->heap[0] : UINT32_MAX);
}

/* The small-value copy and the filter agree with the tuple's table. */
static void check_copies(const struct tcam *t, const struct tcam_tuple *tp)
{
	uint64_t filt[TCAM_FILT_WORDS] = { 0 };
	uint32_t k = 0;

	for (uint32_t pos = 0; pos <= tp->tab.size_mask; pos++) {
		const uint64_t *s = tcam_otab_slot(&tp->tab, t->stride, pos);
		unsigned b;

		if (tcam_slot_payload(s) == TCAM_SLOT_EMPTY)
			continue;
		b = tcam_filt_bucket(s + 1, tp->mask, t->nw);
		filt[b / 64] |= 1ull << (b % 64);
		if (tp->n_small == TCAM_SMALL_NONE)
			continue;
		/* In any order: a table that grew keeps the copy it had. */
		for (k = 0; k < tp->n_small; k++)
			if (!memcmp(tp->small_val[k], s + 1, t->nw * sizeof(uint64_t)))
				break;
		cr_assert_lt(k, tp->n_small, "a value of tuple %u is not in its copy", tp->id);
		cr_assert_eq(tp->small_idx[k], tcam_slot_payload(s),
			     "copy names %u, slot %u", tp->small_idx[k], tcam_slot_payload(s));
	}
	if (tp->tab.count <= TCAM_SMALL_MAX)
		cr_assert_eq(tp->n_small, tp->tab.count);
	else
		cr_assert_eq(tp->n_small, TCAM_SMALL_NONE);
	if (tp->tab.count > TCAM_FILT_MAX)
		memset(filt, 0xff, sizeof filt);
	if (tp->tab.count >= 2)
		cr_assert_arr_eq(tp->filt, filt, sizeof filt, "filter of a tuple of %u values",
				 tp->tab.count);
}

static void check_tuple(const struct tcam *t, const struct tcam_tuple *tp,
			uint32_t k)
{
	uint32_t n = 0, values = 0;
	const uint64_t *s;

	cr_assert_eq(t->order[k], tp);
	cr_assert_eq(t->order_best[k], tp->best, "order_best[%u] %u, tuple's best %u",
		     k, t->order_best[k], tp->best);
	cr_assert_eq(t->tuples[tp->id], tp);
	s = tcam_otab_find(&t->masks, t->stride, t->nw, tp->mask,
			   tcam_hash32(tcam_hash_words(tp->mask, t->nw)));
	cr_assert(s && tcam_slot_payload(s) == tp->id, "mask table misses tuple %u", tp->id);
	for (uint32_t e = 0; e < t->depth; e++) {
		if (!t->valid[e] || !same_mask(t, e, tp->mask))
			continue;
		cr_assert_eq(t->tuple_of[e], tp->id, "entry %u in the wrong tuple", e);
		n++;
		check_ring(t, tp, e);
	}
	for (uint32_t e = 0; e < t->depth; e++) {
		uint32_t low = e;

		if (!t->valid[e] || t->tuple_of[e] != tp->id)
			continue;
		for (uint32_t i = t->dup_next[e]; i != e; i = t->dup_next[i])
			low = i < low ? i : low;
		values += low == e;
	}
	cr_assert(n > 0, "tuple %u is empty but alive", tp->id);
	cr_assert_eq(tp->n_entries, n);
	cr_assert_eq(tp->tab.count, values, "tuple %u: %u slots, %u distinct values",
		     tp->id, tp->tab.count, values);
	check_heap(t, tp);
	check_copies(t, tp);
}

/* The whole index against the store. */
static void check_index(const struct tcam *t)
{
	uint32_t used = 0, live = 0;
	bool big_alive = t->big == NULL;

	for (uint32_t e = 0; e < t->depth; e++) {
		used += t->valid[e];
		if (!t->valid[e])
			cr_assert_eq(t->tuple_of[e], TCAM_NO_TUPLE);
	}
	cr_assert_eq(t->used, used);
	for (uint32_t k = 0; k < t->n_order; k++) {
		const struct tcam_tuple *tp = t->order[k];

		if (k)
			cr_assert_lt(t->order[k - 1]->best, tp->best, "order broken at %u", k);
		check_tuple(t, tp, k);
		big_alive |= tp == t->big;
	}
	for (uint32_t id = 0; id < t->n_ids; id++)
		live += t->tuples[id] != NULL;
	cr_assert_eq(live, t->n_order);
	cr_assert_eq(t->masks.count, t->n_order);
	cr_assert(big_alive, "big names a freed tuple");
}

static void put(struct tcam *t, uint32_t i, uint64_t v, uint64_t m)
{
	struct pnic_key kv, km;
	struct pnic_error err;

	key_zero(&kv);
	key_zero(&km);
	kv.w[0] = v & 0xffffff;
	km.w[0] = m & 0xffffff;
	kv.w[1] = (v >> 40) & 0xff; /* a second word, for words past the first */
	km.w[1] = 0xff;
	cr_assert_eq(tcam_write(t, i, &kv, &km, &err), 0, "%s", err.msg);
}

static struct tcam *mk(uint32_t depth)
{
	struct tcam_params p = { .depth = depth, .key_bits = 72 };
	struct pnic_error err;
	struct tcam *t;

	cr_assert_eq(tcam_create(&p, &t, &err), 0, "%s", err.msg);
	/* The bitmap is kept beside the index, not instead: force it off so
	 * that many masks still exercise the tuples. */
	cr_assert_eq(tcam_set_strategy(t, TCAM_STRATEGY_TUPLE), 0);
	return t;
}

/* Duplicates: the slot follows the lowest, the ring shrinks and grows. */
Test(tcam_tuple, duplicate_rings)
{
	struct tcam *t = mk(64);
	struct pnic_error err;

	for (uint32_t i = 40; i >= 10; i -= 10)
		put(t, i, 0x5a5a, 0xffff);
	check_index(t);
	cr_assert_eq(tcam_invalidate(t, 10, &err), 0);
	check_index(t);
	put(t, 5, 0x5a5a, 0xffff);
	check_index(t);
	put(t, 30, 0x1111, 0xffff);     /* leaves the ring for another value */
	check_index(t);
	put(t, 20, 0x5a5a, 0xff00);     /* leaves for another mask */
	check_index(t);
	tcam_destroy(t);
}

/* A tuple grows past the small copy and the filter, and comes back. */
Test(tcam_tuple, small_copy_and_filter_thresholds)
{
	struct tcam *t = mk(128);
	struct pnic_error err;

	for (uint32_t i = 0; i < 60; i++) {
		put(t, i, i * 0x10101u + 7, 0xffffff);
		check_index(t);
	}
	for (uint32_t i = 0; i < 60; i++) {
		cr_assert_eq(tcam_invalidate(t, 59 - i, &err), 0);
		check_index(t);
	}
	cr_assert_eq(tcam_mask_count(t), 0);
	tcam_destroy(t);
}

/* Random writes, rewrites and invalidates over a few masks and values,
 * so tuples come and go, orders change and rings form. */
Test(tcam_tuple, random_changes_keep_the_index)
{
	static const uint64_t masks[] = {
		0xffffff, 0xffff00, 0xff0000, 0x0000ff, 0x00ff00, 0x000000,
		0xf0f0f0, 0x0f0f0f,
	};
	struct tcam *t = mk(256);
	struct pnic_error err;

	for (unsigned step = 0; step < 3000; step++) {
		uint32_t i = (uint32_t)(rnd() % 256);

		if (rnd() % 4 == 0) {
			cr_assert_eq(tcam_invalidate(t, i, &err), 0);
		} else {
			uint64_t m = masks[rnd() % 8];
			uint64_t v = (rnd() % 3) * 0x010203u + (rnd() % 2) * 0x500000u;

			put(t, i, (v & m) | (rnd() % 3) << 40, m);
		}
		if (step % 10 == 0)
			check_index(t);
	}
	check_index(t);
	for (uint32_t i = 0; i < 256; i++)
		cr_assert_eq(tcam_invalidate(t, i, &err), 0);
	check_index(t);
	cr_assert_eq(t->n_order, 0);
	tcam_destroy(t);
}
