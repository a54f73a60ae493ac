/* TCAM tuple index: what tuple space search reads, kept in step with the
 * entry store by every write and invalidate.
 *
 *   tuple      one per distinct mask among valid entries: the mask, an
 *              open-addressing table keyed by the masked value
 *              (tcam_hash.c), a min-heap of the tuple's entry indices (its
 *              best index is the heap top), while it has at most
 *              TCAM_SMALL_MAX distinct values a plain copy of them, and
 *              while it has at most TCAM_FILT_MAX a filter.
 *   slot       in a tuple's table: the lowest index among the entries
 *              with that value, and the value itself.
 *   dup ring   entries with the same value and mask form a circular list,
 *              so invalidating the lowest exposes the next one.
 *   order      tuples sorted by best index, which is what lets a lookup
 *              stop early; `big`, the tuple with the most values, which a
 *              lookup probes first.
 *
 * Allocation happens only in tcam_tuple_get() and tcam_tuple_reserve(),
 * before anything changes, so a refused write leaves the index as it was.
 */
#include "model/tcam-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- heap of a tuple's entry indices ----------------------------------- */

static void heap_set(struct tcam *t, struct tcam_tuple *tp, uint32_t pos,
		     uint32_t e)
{
	tp->heap[pos] = e;
	t->heap_pos[e] = pos;
}

static void heap_sift_up(struct tcam *t, struct tcam_tuple *tp, uint32_t pos)
{
	uint32_t e = tp->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (tp->heap[parent] <= e)
			break;
		heap_set(t, tp, pos, tp->heap[parent]);
		pos = parent;
	}
	heap_set(t, tp, pos, e);
}

static void heap_sift_down(struct tcam *t, struct tcam_tuple *tp, uint32_t pos)
{
	uint32_t e = tp->heap[pos];
	uint32_t n = tp->n_entries;

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= n)
			break;
		if (c + 1 < n && tp->heap[c + 1] < tp->heap[c])
			c++;
		if (e <= tp->heap[c])
			break;
		heap_set(t, tp, pos, tp->heap[c]);
		pos = c;
	}
	heap_set(t, tp, pos, e);
}

static void heap_push(struct tcam *t, struct tcam_tuple *tp, uint32_t e)
{
	uint32_t pos = tp->n_entries++;

	heap_set(t, tp, pos, e);
	heap_sift_up(t, tp, pos);
}

static void heap_remove(struct tcam *t, struct tcam_tuple *tp, uint32_t e)
{
	uint32_t pos = t->heap_pos[e];
	uint32_t last = --tp->n_entries;

	if (pos == last)
		return;
	heap_set(t, tp, pos, tp->heap[last]);
	if (pos > 0 && tp->heap[(pos - 1) / 2] > tp->heap[pos])
		heap_sift_up(t, tp, pos);
	else
		heap_sift_down(t, tp, pos);
}

static int heap_reserve(struct tcam_tuple *tp)
{
	uint32_t cap;
	uint32_t *h;

	if (tp->n_entries < tp->heap_cap)
		return 0;
	cap = tp->heap_cap ? tp->heap_cap * 2 : 4;
	h = realloc(tp->heap, cap * sizeof *h);
	if (!h)
		return -ENOMEM;
	tp->heap = h;
	tp->heap_cap = cap;
	return 0;
}

/* ---- tuple order -------------------------------------------------------- */

static void order_place(struct tcam *t, uint32_t pos, struct tcam_tuple *tp,
			uint32_t best)
{
	t->order[pos] = tp;
	t->order_best[pos] = best;
}

/* Where tp, whose best was `best` when it was placed, sits in the order:
 * the first position holding that best, then along the equal ones (only
 * empty tuples share one, UINT32_MAX, at the end). */
static uint32_t order_find(const struct tcam *t, const struct tcam_tuple *tp,
			   uint32_t best)
{
	uint32_t lo = 0, hi = t->n_order;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->order_best[mid] < best)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (t->order[lo] != tp)
		lo++;
	return lo;
}

/* Move a tuple whose best index changed from `old` to its place in the
 * order. */
static void order_fix(struct tcam *t, struct tcam_tuple *tp, uint32_t old)
{
	uint32_t pos = order_find(t, tp, old);

	while (pos > 0 && t->order_best[pos - 1] > tp->best) {
		order_place(t, pos, t->order[pos - 1], t->order_best[pos - 1]);
		pos--;
	}
	while (pos + 1 < t->n_order && t->order_best[pos + 1] < tp->best) {
		order_place(t, pos, t->order[pos + 1], t->order_best[pos + 1]);
		pos++;
	}
	order_place(t, pos, tp, tp->best);
}

static void tuple_update_best(struct tcam *t, struct tcam_tuple *tp)
{
	uint32_t best = tp->n_entries ? tp->heap[0] : UINT32_MAX, old = tp->best;

	if (best != old) {
		tp->best = best;
		order_fix(t, tp, old);
	}
}

/* Refresh a tuple's small-value array after its table changed (a value
 * came or went, or a value's lowest index moved). */
static void tuple_sync_small(const struct tcam *t, struct tcam_tuple *tp)
{
	uint32_t size = tp->tab.size_mask + 1, k = 0;

	if (tp->tab.count > TCAM_SMALL_MAX) {
		tp->n_small = TCAM_SMALL_NONE;
		return;
	}
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = tcam_otab_slot(&tp->tab, t->stride, pos);

		if (tcam_slot_payload(s) == TCAM_SLOT_EMPTY)
			continue;
		tp->small_idx[k] = tcam_slot_payload(s);
		memcpy(tp->small_val[k], s + 1, t->nw * sizeof *s);
		k++;
	}
	tp->n_small = k;
}

/* ---- filter ------------------------------------------------------------- */

static void filt_count(struct tcam_tuple *tp, unsigned b, int d)
{
	tp->filt_n[b] = (uint8_t)(tp->filt_n[b] + d);
	if (tp->filt_n[b])
		tp->filt[b / 64] |= 1ull << (b % 64);
	else
		tp->filt[b / 64] &= ~(1ull << (b % 64));
}

/* Count the tuple's values again (its table holds at most TCAM_FILT_MAX). */
static void filt_rebuild(const struct tcam *t, struct tcam_tuple *tp)
{
	uint32_t size = tp->tab.size_mask + 1;

	memset(tp->filt, 0, sizeof tp->filt);
	memset(tp->filt_n, 0, sizeof tp->filt_n);
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = tcam_otab_slot(&tp->tab, t->stride, pos);

		if (tcam_slot_payload(s) != TCAM_SLOT_EMPTY)
			filt_count(tp, tcam_filt_bucket(s + 1, tp->mask, t->nw), 1);
	}
}

/* Value v came into the tuple's table.  Past TCAM_FILT_MAX values the
 * filter passes everything and the counts are left to go stale. */
static void filt_add(const struct tcam *t, struct tcam_tuple *tp,
		     const uint64_t *v)
{
	if (tp->tab.count > TCAM_FILT_MAX)
		memset(tp->filt, 0xff, sizeof tp->filt);
	else
		filt_count(tp, tcam_filt_bucket(v, tp->mask, t->nw), 1);
}

/* Value v left the tuple's table. */
static void filt_remove(const struct tcam *t, struct tcam_tuple *tp,
			const uint64_t *v)
{
	if (tp->tab.count == TCAM_FILT_MAX)
		filt_rebuild(t, tp);    /* back under: the counts are stale */
	else if (tp->tab.count < TCAM_FILT_MAX)
		filt_count(tp, tcam_filt_bucket(v, tp->mask, t->nw), -1);
}

/* ---- tuples ------------------------------------------------------------- */

void tcam_tuple_free(struct tcam *t, struct tcam_tuple *tp)
{
	uint32_t h = tcam_hash32(tcam_hash_words(tp->mask, t->nw));
	uint64_t *s = tcam_otab_find(&t->masks, t->stride, t->nw, tp->mask, h);
	uint32_t pos;

	if (s)
		tcam_otab_remove(&t->masks, t->stride, s);
	pos = order_find(t, tp, tp->best);
	memmove(t->order + pos, t->order + pos + 1,
		(t->n_order - pos - 1) * sizeof *t->order);
	memmove(t->order_best + pos, t->order_best + pos + 1,
		(t->n_order - pos - 1) * sizeof *t->order_best);
	t->n_order--;
	t->tuples[tp->id] = NULL;
	t->free_ids[t->n_free++] = tp->id;
	if (t->big == tp)
		t->big = NULL;
	tcam_otab_fini(&tp->tab);
	free(tp->heap);
	free(tp);
}

int tcam_tuple_get(struct tcam *t, const uint64_t *mask,
		   struct tcam_tuple **out, bool *created)
{
	uint32_t h = tcam_hash32(tcam_hash_words(mask, t->nw));
	uint64_t *s = tcam_otab_find(&t->masks, t->stride, t->nw, mask, h);
	struct tcam_tuple *tp;
	uint32_t id;

	*created = false;
	if (s) {
		*out = t->tuples[tcam_slot_payload(s)];
		return 0;
	}
	if (tcam_otab_reserve(&t->masks, t->stride, t->nw))
		return -ENOMEM;
	if (!t->n_free && t->n_ids == t->tuples_cap)
		return -ENOMEM; /* cannot happen: ids <= depth + 1 */
	/* On a cache line: the mask and what a lookup reads after it are
	 * then two lines, not three. */
	tp = aligned_alloc(TCAM_CACHE_LINE, (sizeof *tp + TCAM_CACHE_LINE - 1) &
					    ~(size_t)(TCAM_CACHE_LINE - 1));
	if (!tp)
		return -ENOMEM;
	memset(tp, 0, sizeof *tp);
	if (tcam_otab_init(&tp->tab, t->stride, TCAM_OTAB_MIN_SLOTS)) {
		free(tp);
		return -ENOMEM;
	}
	memcpy(tp->mask, mask, t->nw * sizeof *mask);
	tp->best = UINT32_MAX;
	tp->n_small = 0;
	id = t->n_free ? t->free_ids[--t->n_free] : t->n_ids++;
	tp->id = id;
	t->tuples[id] = tp;
	tcam_otab_put(&t->masks, t->stride, t->nw, mask, h, id);
	order_place(t, t->n_order++, tp, tp->best);
	*created = true;
	*out = tp;
	return 0;
}

int tcam_tuple_reserve(struct tcam *t, struct tcam_tuple *tp)
{
	if (heap_reserve(tp) || tcam_otab_reserve(&tp->tab, t->stride, t->nw))
		return -ENOMEM;
	return 0;
}

/* ---- entries ------------------------------------------------------------ */

/* Take e out of its duplicate ring; if the slot named it, name the lowest
 * of the others. */
static void dup_unlink(struct tcam *t, struct tcam_tuple *tp, uint32_t e,
		       uint64_t *s)
{
	uint32_t next = t->dup_next[e], prev = t->dup_prev[e];

	t->dup_next[prev] = next;
	t->dup_prev[next] = prev;
	if (tcam_slot_payload(s) == e) {
		uint32_t low = next;

		for (uint32_t i = t->dup_next[next]; i != next; i = t->dup_next[i])
			if (i < low)
				low = i;
		tcam_slot_set_payload(s, low);
		tuple_sync_small(t, tp);
	}
}

struct tcam_tuple *tcam_entry_remove(struct tcam *t, uint32_t e)
{
	struct tcam_tuple *tp = t->tuples[t->tuple_of[e]];
	const uint64_t *v = tcam_entry_val(t, e);
	uint32_t h = tcam_hash32(tcam_hash_words(v, t->nw));
	uint64_t *s = tcam_otab_find(&tp->tab, t->stride, t->nw, v, h);

	if (t->dup_next[e] == e) {
		tcam_otab_remove(&tp->tab, t->stride, s);
		tcam_otab_shrink(&tp->tab, t->stride, t->nw);
		filt_remove(t, tp, v);
		tuple_sync_small(t, tp);
	} else {
		dup_unlink(t, tp, e, s);
	}
	t->dup_next[e] = t->dup_prev[e] = e;
	heap_remove(t, tp, e);
	tuple_update_best(t, tp);
	t->valid[e] = 0;
	t->tuple_of[e] = TCAM_NO_TUPLE;
	t->used--;
	return tp;
}

/* Put e in the duplicate ring of the entry the slot names; the slot names
 * e from now on if e is lower. */
static void dup_link(struct tcam *t, struct tcam_tuple *tp, uint32_t e,
		     uint64_t *s)
{
	uint32_t head = tcam_slot_payload(s);
	uint32_t prev = t->dup_prev[head];

	t->dup_next[e] = head;
	t->dup_prev[e] = prev;
	t->dup_next[prev] = e;
	t->dup_prev[head] = e;
	if (e < head) {
		tcam_slot_set_payload(s, e);
		tuple_sync_small(t, tp);
	}
}

void tcam_entry_insert(struct tcam *t, uint32_t e, struct tcam_tuple *tp)
{
	const uint64_t *v = tcam_entry_val(t, e);
	uint32_t h = tcam_hash32(tcam_hash_words(v, t->nw));
	uint64_t *s = tcam_otab_find(&tp->tab, t->stride, t->nw, v, h);

	if (s) {
		dup_link(t, tp, e, s);
	} else {
		t->dup_next[e] = t->dup_prev[e] = e;
		tcam_otab_put(&tp->tab, t->stride, t->nw, v, h, e);
		filt_add(t, tp, v);
		tuple_sync_small(t, tp);
	}
	if (!t->big || tp->tab.count > t->big->tab.count)
		t->big = tp;
	heap_push(t, tp, e);
	tuple_update_best(t, tp);
	t->valid[e] = 1;
	t->tuple_of[e] = tp->id;
	t->used++;
}
