/* TCAM flow table: entry store, linear oracle, tuple space search.
 *
 * The entry store (value, mask, valid per index) is the truth; the linear
 * lookup reads only it.  The fast lookup reads a derived index kept in step
 * by every write and invalidate:
 *
 *   tuple      one per distinct mask among valid entries: the mask, an
 *              open-addressing hash table keyed by the masked value, a
 *              min-heap of the tuple's entry indices (its best index is the
 *              heap top) and, while it has at most SMALL_MAX distinct
 *              values, a plain copy of them (compared without hashing).
 *   slot       in a tuple's table: 32 bits of hash, the lowest index among
 *              the entries with that value, and the value itself, padded to
 *              a power-of-two number of words so a probe touches one cache
 *              line for keys up to 448 bits.  Tables are at most half full
 *              (linear probing, backward-shift deletion, no tombstones).
 *   dup ring   entries with the same value and mask form a circular list, so
 *              invalidating the lowest exposes the next one.
 *   order      tuples sorted by best index.  A lookup probes them in that
 *              order and stops as soon as the next tuple cannot beat what it
 *              found.  The biggest tuple is probed first, out of order: its
 *              slot is the one likely to come from memory.
 *
 * Tables with many masks (compiled ACLs: thousands) defeat tuple search;
 * from a mask count that grows with the depth, a bitmap index
 * (tcam_bitmap.c, the transposed TCAM) is kept as well and answers the
 * lookups instead.
 *
 * Writes allocate (new tuple, table growth) before they change anything, so
 * a refused write leaves the table as it was.  Lookups never allocate and
 * never write.  docs/tcam.md has the costs and the measured figures.
 */
#include "model/tcam.h"
#include "model/tcam-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SLOT_EMPTY UINT32_MAX
#define NO_TUPLE UINT32_MAX
#define OTAB_MIN_SLOTS 4u
#define CACHE_LINE 64
#define HUGE_PAGE (2u << 20)

__extension__ typedef unsigned __int128 u128;

/* Open-addressing table, linear probing, at most half full.  A slot is
 * `stride` words: word 0 holds the payload (low 32 bits, SLOT_EMPTY when
 * free) and 32 bits of the key's hash (high 32 bits); words 1..n the key. */
struct otab {
	uint64_t *slots;
	uint32_t size_mask;
	uint32_t count;
	uint32_t reach;         /* no key sits further than this past its home */
};

/* A tuple with at most SMALL_MAX distinct values also keeps them in a
 * plain array: comparing a few values costs less than hashing the key. */
#define SMALL_MAX 4
#define SMALL_NONE UINT32_MAX

/* A tuple with at most FILT_MAX distinct values keeps a filter: one bit
 * per bucket of a cheap fold of the masked key, set for the buckets its
 * values fall in.  Before hashing, a single-key lookup turns away most
 * keys the tuple does not hold with one multiply and one bit test: that
 * is most of the work on a small table with a few dozen masks (the lookup
 * core's).  A tuple with more values has every bit set (it would pass
 * most keys anyway); the burst lookup, made for tables that outgrow the
 * caches, does not look. */
#define FILT_LOG2 8
#define FILT_WORDS ((1u << FILT_LOG2) / 64)
#define FILT_MAX 32

struct tuple {
	/* What a lookup reads, first. */
	uint64_t mask[PNIC_KEY_WORDS];
	uint32_t best;          /* lowest entry index in the tuple (heap top) */
	uint32_t n_small;       /* values in small_*, or SMALL_NONE */
	struct otab tab;        /* masked value -> lowest index with it */
	uint64_t filt[FILT_WORDS];  /* bit b: filt_n[b] != 0; all set past FILT_MAX */
	uint32_t small_idx[SMALL_MAX];
	uint64_t small_val[SMALL_MAX][PNIC_KEY_WORDS];

	uint8_t filt_n[1u << FILT_LOG2];  /* values per filter bucket */
	uint32_t order_pos;     /* position in tcam.order */
	uint32_t id;
	uint32_t n_entries;
	uint32_t heap_cap;
	uint32_t *heap;         /* min-heap of entry indices */
};

struct tcam {
	uint32_t depth;
	uint16_t key_bits;
	unsigned nw;            /* key_words(key_bits) */
	unsigned stride;        /* words per hash slot, power of two > nw */
	uint32_t used;
	uint64_t above[PNIC_KEY_WORDS]; /* ones at and above key_bits */

	/* Entry store: the truth, and all the oracle reads. */
	uint64_t *val;          /* depth * nw, stored as value & mask */
	uint64_t *msk;          /* depth * nw */
	uint8_t *valid;

	/* Per-entry links into the derived index. */
	uint32_t *tuple_of;
	uint32_t *heap_pos;
	uint32_t *dup_next;
	uint32_t *dup_prev;

	/* Tuples by id (NULL when free), and ids free for reuse. */
	struct tuple **tuples;
	uint32_t tuples_cap;
	uint32_t n_ids;         /* ids handed out so far */
	uint32_t *free_ids;
	uint32_t n_free;

	struct tuple **order;   /* live tuples by best index */
	uint32_t n_order;
	/* The tuple with the most values, roughly (forgotten when freed,
	 * taken over by the next tuple to grow past it); NULL when unknown. */
	struct tuple *big;

	struct otab masks;      /* mask -> tuple id */

	/* Bitmap index (tcam_bitmap.c), kept while the masks are many; used
	 * by lookups when bm_use.  Best effort: without memory for it,
	 * lookups stay with tuple search. */
	struct tcam_bitmap *bm;
	bool bm_use;
	enum tcam_strategy strategy;
	uint32_t bm_masks_on;   /* mask count from which the bitmap wins */
};

/* ---- hashing --------------------------------------------------------- */

static inline uint64_t mum(uint64_t a, uint64_t b)
{
	u128 r = (u128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static const uint64_t hash_salt[PNIC_KEY_WORDS] = {
	0xa0761d6478bd642full, 0xe7037ed1a0b428dbull,
	0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull,
	0x1d8e4e27c47d124full, 0x9e3779b97f4a7c15ull,
	0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
};

static const uint64_t hash_mul[PNIC_KEY_WORDS] = {
	0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull,
	0x94d049bb133111ebull, 0xd6e8feb86659fd93ull,
	0xa0761d6478bd642full, 0xe7037ed1a0b428dbull,
	0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull,
};

/* Multilinear over the words (one independent multiply each, so the CPU
 * overlaps them), then a 64x64->128 multiply folds high bits into low
 * ones.  Collisions cost probes, never answers. */
static inline __attribute__((always_inline)) uint64_t
hash_words(const uint64_t *w, unsigned n)
{
	uint64_t h = n;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		h += (w[i] ^ hash_salt[i]) * hash_mul[i];
	return mum(h ^ 0x2d358dccaa6c78a5ull, 0x8bb84b93962eacc9ull);
}

static inline uint32_t hash32(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

static inline __attribute__((always_inline)) bool
words_eq(const uint64_t *a, const uint64_t *b, unsigned n)
{
	uint64_t d = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* ---- open-addressing table -------------------------------------------- */

static int otab_init(struct otab *o, unsigned stride, uint32_t slots)
{
	size_t bytes = (size_t)slots * stride * sizeof(uint64_t);

	if (bytes >= HUGE_PAGE) {
		/* A big table is probed at random: on 4 KiB pages nearly every
		 * probe would also miss the TLB. */
		bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
		o->slots = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
		if (o->slots)
			madvise(o->slots, bytes, MADV_HUGEPAGE);
#endif
	} else {
		bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
		o->slots = aligned_alloc(CACHE_LINE, bytes);
	}
	if (!o->slots)
		return -ENOMEM;
	/* All ones: payload SLOT_EMPTY in every slot. */
	memset(o->slots, 0xff, bytes);
	o->size_mask = slots - 1;
	o->count = 0;
	o->reach = 0;
	return 0;
}

static void otab_fini(struct otab *o)
{
	free(o->slots);
	o->slots = NULL;
}

static inline uint64_t *otab_slot(const struct otab *o, unsigned stride,
				  uint32_t pos)
{
	return o->slots + (size_t)pos * stride;
}

static inline uint32_t slot_payload(const uint64_t *s)
{
	return (uint32_t)s[0];
}

static inline void slot_set_payload(uint64_t *s, uint32_t p)
{
	s[0] = (s[0] & 0xffffffff00000000ull) | p;
}

static uint64_t *otab_find(const struct otab *o, unsigned stride, unsigned n,
			   const uint64_t *key, uint32_t h)
{
	for (uint32_t pos = h & o->size_mask;; pos = (pos + 1) & o->size_mask) {
		uint64_t *s = otab_slot(o, stride, pos);

		if (slot_payload(s) == SLOT_EMPTY)
			return NULL;
		if ((uint32_t)(s[0] >> 32) == h && words_eq(s + 1, key, n))
			return s;
	}
}

/* The key must be absent and otab_reserve() must have made room. */
static void otab_put(struct otab *o, unsigned stride, unsigned n,
		     const uint64_t *key, uint32_t h, uint32_t payload)
{
	uint32_t pos = h & o->size_mask;
	uint64_t *s;

	while (slot_payload(s = otab_slot(o, stride, pos)) != SLOT_EMPTY)
		pos = (pos + 1) & o->size_mask;
	s[0] = (uint64_t)h << 32 | payload;
	memcpy(s + 1, key, n * sizeof *key);
	o->count++;
	/* Removal only ever moves keys towards their home, so the bound
	 * holds until a resize recomputes it. */
	if (((pos - h) & o->size_mask) > o->reach)
		o->reach = (pos - h) & o->size_mask;
}

static int otab_resize(struct otab *o, unsigned stride, unsigned n,
		       uint32_t slots)
{
	uint32_t size = o->size_mask + 1;
	struct otab other;

	if (otab_init(&other, stride, slots))
		return -ENOMEM;
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = otab_slot(o, stride, pos);

		if (slot_payload(s) != SLOT_EMPTY)
			otab_put(&other, stride, n, s + 1,
				 (uint32_t)(s[0] >> 32), slot_payload(s));
	}
	otab_fini(o);
	*o = other;
	return 0;
}

/* Make room for one more key (at most half full). */
static int otab_reserve(struct otab *o, unsigned stride, unsigned n)
{
	uint32_t size = o->size_mask + 1;

	if ((o->count + 1) * 2 <= size)
		return 0;
	return otab_resize(o, stride, n, size * 2);
}

/* Give memory back when a table is mostly empty, so that a table which
 * once held many keys is cheap to scan and to probe.  Best effort. */
static void otab_shrink(struct otab *o, unsigned stride, unsigned n)
{
	uint32_t size = o->size_mask + 1;

	if (size > OTAB_MIN_SLOTS && o->count * 8 < size)
		(void)otab_resize(o, stride, n, size / 2);
}

/* Backward-shift deletion: no tombstones, so probes stay short however
 * many writes and invalidates a table sees. */
static void otab_remove(struct otab *o, unsigned stride, uint64_t *victim)
{
	uint32_t m = o->size_mask;
	uint32_t i = (uint32_t)((size_t)(victim - o->slots) / stride);
	uint32_t j = i;

	for (;;) {
		uint64_t *sj;
		uint32_t home;

		j = (j + 1) & m;
		sj = otab_slot(o, stride, j);
		if (slot_payload(sj) == SLOT_EMPTY)
			break;
		home = (uint32_t)(sj[0] >> 32) & m;
		/* sj may fill the hole at i if i lies on its probe path. */
		if (((j - home) & m) >= ((j - i) & m)) {
			memcpy(otab_slot(o, stride, i), sj,
			       stride * sizeof(uint64_t));
			i = j;
		}
	}
	slot_set_payload(otab_slot(o, stride, i), SLOT_EMPTY);
	o->count--;
}

/* ---- tuple heap -------------------------------------------------------- */

static void heap_set(struct tcam *t, struct tuple *tp, uint32_t pos,
		     uint32_t e)
{
	tp->heap[pos] = e;
	t->heap_pos[e] = pos;
}

static void heap_sift_up(struct tcam *t, struct tuple *tp, uint32_t pos)
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

static void heap_sift_down(struct tcam *t, struct tuple *tp, uint32_t pos)
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

static void heap_push(struct tcam *t, struct tuple *tp, uint32_t e)
{
	uint32_t pos = tp->n_entries++;

	heap_set(t, tp, pos, e);
	heap_sift_up(t, tp, pos);
}

static void heap_remove(struct tcam *t, struct tuple *tp, uint32_t e)
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

static int heap_reserve(struct tuple *tp)
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

static void order_place(struct tcam *t, uint32_t pos, struct tuple *tp)
{
	t->order[pos] = tp;
	tp->order_pos = pos;
}

/* Move a tuple whose best index changed to its place in the order. */
static void order_fix(struct tcam *t, struct tuple *tp)
{
	uint32_t pos = tp->order_pos;

	while (pos > 0 && t->order[pos - 1]->best > tp->best) {
		order_place(t, pos, t->order[pos - 1]);
		pos--;
	}
	while (pos + 1 < t->n_order && t->order[pos + 1]->best < tp->best) {
		order_place(t, pos, t->order[pos + 1]);
		pos++;
	}
	order_place(t, pos, tp);
}

static void tuple_update_best(struct tcam *t, struct tuple *tp)
{
	uint32_t best = tp->n_entries ? tp->heap[0] : UINT32_MAX;

	if (best != tp->best) {
		tp->best = best;
		order_fix(t, tp);
	}
}

/* Refresh a tuple's small-value array after its table changed (a value
 * came or went, or a value's lowest index moved). */
static void tuple_sync_small(const struct tcam *t, struct tuple *tp)
{
	uint32_t size = tp->tab.size_mask + 1, k = 0;

	if (tp->tab.count > SMALL_MAX) {
		tp->n_small = SMALL_NONE;
		return;
	}
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = otab_slot(&tp->tab, t->stride, pos);

		if (slot_payload(s) == SLOT_EMPTY)
			continue;
		tp->small_idx[k] = slot_payload(s);
		memcpy(tp->small_val[k], s + 1, t->nw * sizeof *s);
		k++;
	}
	tp->n_small = k;
}

/* The filter's bucket of a masked value: its words folded into one, then
 * a multiplicative hash, whose top bits every bit of the fold can move. */
static inline __attribute__((always_inline)) unsigned
filt_bucket_masked(const uint64_t *w, const uint64_t *mask, unsigned n)
{
	uint64_t x = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		x ^= w[i] & mask[i];
	return (unsigned)((x * 0x9e3779b97f4a7c15ull) >> (64 - FILT_LOG2));
}

static inline __attribute__((always_inline)) bool
filt_pass(const struct tuple *tp, const struct pnic_key *key, unsigned n)
{
	unsigned b;

	/* One value is compared as cheaply as it is filtered. */
	if (tp->tab.count < 2 || tp->tab.count > FILT_MAX)
		return true;
	b = filt_bucket_masked(key->w, tp->mask, n);
	return (tp->filt[b / 64] >> (b % 64)) & 1;
}

static void filt_count(struct tuple *tp, unsigned b, int d)
{
	tp->filt_n[b] = (uint8_t)(tp->filt_n[b] + d);
	if (tp->filt_n[b])
		tp->filt[b / 64] |= 1ull << (b % 64);
	else
		tp->filt[b / 64] &= ~(1ull << (b % 64));
}

/* Count the tuple's values again (its table holds at most FILT_MAX). */
static void filt_rebuild(const struct tcam *t, struct tuple *tp)
{
	uint32_t size = tp->tab.size_mask + 1;

	memset(tp->filt, 0, sizeof tp->filt);
	memset(tp->filt_n, 0, sizeof tp->filt_n);
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = otab_slot(&tp->tab, t->stride, pos);

		if (slot_payload(s) != SLOT_EMPTY)
			filt_count(tp, filt_bucket_masked(s + 1, tp->mask, t->nw), 1);
	}
}

/* Value v came into the tuple's table.  Past FILT_MAX values the filter
 * passes everything and the counts are left to go stale. */
static void filt_add(const struct tcam *t, struct tuple *tp, const uint64_t *v)
{
	if (tp->tab.count > FILT_MAX)
		memset(tp->filt, 0xff, sizeof tp->filt);
	else
		filt_count(tp, filt_bucket_masked(v, tp->mask, t->nw), 1);
}

/* Value v left the tuple's table. */
static void filt_remove(const struct tcam *t, struct tuple *tp,
			const uint64_t *v)
{
	if (tp->tab.count == FILT_MAX)
		filt_rebuild(t, tp);    /* back under: the counts are stale */
	else if (tp->tab.count < FILT_MAX)
		filt_count(tp, filt_bucket_masked(v, tp->mask, t->nw), -1);
}

/* ---- tuples -------------------------------------------------------------- */

static void tuple_free(struct tcam *t, struct tuple *tp)
{
	uint32_t h = hash32(hash_words(tp->mask, t->nw));
	uint64_t *s = otab_find(&t->masks, t->stride, t->nw, tp->mask, h);

	if (s)
		otab_remove(&t->masks, t->stride, s);
	for (uint32_t pos = tp->order_pos; pos + 1 < t->n_order; pos++)
		order_place(t, pos, t->order[pos + 1]);
	t->n_order--;
	t->tuples[tp->id] = NULL;
	t->free_ids[t->n_free++] = tp->id;
	if (t->big == tp)
		t->big = NULL;
	otab_fini(&tp->tab);
	free(tp->heap);
	free(tp);
}

/* Find the tuple of `mask`, creating an empty one if there is none. */
static int tuple_get(struct tcam *t, const uint64_t *mask,
		     struct tuple **out, bool *created)
{
	uint32_t h = hash32(hash_words(mask, t->nw));
	uint64_t *s = otab_find(&t->masks, t->stride, t->nw, mask, h);
	struct tuple *tp;
	uint32_t id;

	*created = false;
	if (s) {
		*out = t->tuples[slot_payload(s)];
		return 0;
	}
	if (otab_reserve(&t->masks, t->stride, t->nw))
		return -ENOMEM;
	if (!t->n_free && t->n_ids == t->tuples_cap)
		return -ENOMEM; /* cannot happen: ids <= depth + 1 */
	/* On a cache line: the mask and what a lookup reads after it are
	 * then two lines, not three. */
	tp = aligned_alloc(CACHE_LINE, (sizeof *tp + CACHE_LINE - 1) &
					~(size_t)(CACHE_LINE - 1));
	if (!tp)
		return -ENOMEM;
	memset(tp, 0, sizeof *tp);
	if (otab_init(&tp->tab, t->stride, OTAB_MIN_SLOTS)) {
		free(tp);
		return -ENOMEM;
	}
	memcpy(tp->mask, mask, t->nw * sizeof *mask);
	tp->best = UINT32_MAX;
	tp->n_small = 0;
	id = t->n_free ? t->free_ids[--t->n_free] : t->n_ids++;
	tp->id = id;
	t->tuples[id] = tp;
	otab_put(&t->masks, t->stride, t->nw, mask, h, id);
	order_place(t, t->n_order++, tp);
	*created = true;
	*out = tp;
	return 0;
}

/* ---- entries ---------------------------------------------------------- */

static inline const uint64_t *entry_val(const struct tcam *t, uint32_t e)
{
	return t->val + (size_t)e * t->nw;
}

static inline const uint64_t *entry_msk(const struct tcam *t, uint32_t e)
{
	return t->msk + (size_t)e * t->nw;
}

/* Remove valid entry e from the index.  Returns the tuple it was in, which
 * the caller frees if now empty (unless a replacement entry goes there). */
static struct tuple *entry_remove(struct tcam *t, uint32_t e)
{
	struct tuple *tp = t->tuples[t->tuple_of[e]];
	const uint64_t *v = entry_val(t, e);
	uint32_t h = hash32(hash_words(v, t->nw));
	uint64_t *s = otab_find(&tp->tab, t->stride, t->nw, v, h);

	if (t->dup_next[e] == e) {
		otab_remove(&tp->tab, t->stride, s);
		otab_shrink(&tp->tab, t->stride, t->nw);
		filt_remove(t, tp, v);
		tuple_sync_small(t, tp);
	} else {
		uint32_t next = t->dup_next[e], prev = t->dup_prev[e];

		t->dup_next[prev] = next;
		t->dup_prev[next] = prev;
		if (slot_payload(s) == e) {
			uint32_t low = next;

			for (uint32_t i = t->dup_next[next]; i != next;
			     i = t->dup_next[i])
				if (i < low)
					low = i;
			slot_set_payload(s, low);
			tuple_sync_small(t, tp);
		}
	}
	t->dup_next[e] = t->dup_prev[e] = e;
	heap_remove(t, tp, e);
	tuple_update_best(t, tp);
	t->valid[e] = 0;
	t->tuple_of[e] = NO_TUPLE;
	t->used--;
	return tp;
}

/* Insert entry e (store already holds its value and mask) into tuple tp,
 * which has room reserved. */
static void entry_insert(struct tcam *t, uint32_t e, struct tuple *tp)
{
	const uint64_t *v = entry_val(t, e);
	uint32_t h = hash32(hash_words(v, t->nw));
	uint64_t *s = otab_find(&tp->tab, t->stride, t->nw, v, h);

	if (s) {
		uint32_t head = slot_payload(s);
		uint32_t prev = t->dup_prev[head];

		t->dup_next[e] = head;
		t->dup_prev[e] = prev;
		t->dup_next[prev] = e;
		t->dup_prev[head] = e;
		if (e < head) {
			slot_set_payload(s, e);
			tuple_sync_small(t, tp);
		}
	} else {
		t->dup_next[e] = t->dup_prev[e] = e;
		otab_put(&tp->tab, t->stride, t->nw, v, h, e);
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

/* ---- bitmap strategy --------------------------------------------------- */

/* Crossover between the two lookups, measured on tables whose matches lie
 * deep (docs/tcam.md): tuple search costs a probe per mask, and its probes
 * slow down as tables outgrow the caches; the bitmap costs a few cache
 * lines per 512 entries scanned (a group is nearly always emptied by its
 * first CHUNK slices, whatever the key width).  Measured crossovers: about
 * 16 masks at 16K entries, 25-30 at 64K, 40-60 at 256K, i.e. roughly
 * 2.5 * sqrt(depth / 512), and never below BM_MIN_MASKS. */
#define BM_MIN_MASKS 16
/* Bitmap memory allowed per table; with 4-bit slices the largest table
 * (256K entries of 512 bits) needs exactly this. */
#define BM_MAX_BYTES ((size_t)64 << 20)

static uint32_t bm_crossover(uint32_t depth)
{
	uint32_t groups = (depth + 511) / 512, m = 0;

	/* m = ceil(sqrt(6.25 * groups)), by counting: at most 57 steps. */
	while (4 * m * m < 25 * groups)
		m++;
	return m < BM_MIN_MASKS ? BM_MIN_MASKS : m;
}

static int bm_build(struct tcam *t)
{
	struct tcam_bitmap *bm;

	if (t->bm)
		return 0;
	bm = tcam_bitmap_create(t->depth, t->key_bits);
	if (!bm)
		return -ENOMEM;
	tcam_bitmap_build(bm, t->depth, t->nw, t->valid, t->val, t->msk);
	t->bm = bm;
	return 0;
}

static void bm_drop(struct tcam *t)
{
	tcam_bitmap_destroy(t->bm);
	t->bm = NULL;
	t->bm_use = false;
}

/* After the mask count may have changed: build the bitmap when the masks
 * reach the crossover, drop it when they fall to half of it (the gap
 * keeps a table near the crossover from rebuilding on every write). */
static void bm_follow(struct tcam *t)
{
	if (t->strategy != TCAM_STRATEGY_AUTO)
		return;
	if (!t->bm && t->n_order >= t->bm_masks_on &&
	    tcam_bitmap_bytes(t->depth, t->key_bits) <= BM_MAX_BYTES)
		(void)bm_build(t);
	else if (t->bm && t->n_order < t->bm_masks_on / 2)
		bm_drop(t);
	t->bm_use = t->bm && t->n_order >= t->bm_masks_on;
}

int tcam_set_strategy(struct tcam *t, enum tcam_strategy s)
{
	switch (s) {
	case TCAM_STRATEGY_TUPLE:
		bm_drop(t);
		break;
	case TCAM_STRATEGY_BITMAP:
		if (bm_build(t))
			return -ENOMEM;
		t->bm_use = true;
		break;
	default:
		s = TCAM_STRATEGY_AUTO;
		break;
	}
	t->strategy = s;
	bm_follow(t);
	return 0;
}

bool tcam_uses_bitmap(const struct tcam *t)
{
	return t->bm_use;
}

/* ---- public ------------------------------------------------------------ */

int tcam_create(const struct tcam_params *p, struct tcam **out,
		struct pnic_error *err)
{
	struct tcam *t;
	size_t n;

	if (!p || !out)
		return pnic_err(err, EINVAL, "tcam: parameters and output handle are required");
	*out = NULL;
	if (p->depth < TCAM_MIN_DEPTH || p->depth > TCAM_MAX_DEPTH)
		return pnic_err(err, EINVAL,
				"tcam: depth %u is outside %u..%u entries",
				p->depth, TCAM_MIN_DEPTH, TCAM_MAX_DEPTH);
	if (p->key_bits < 1 || p->key_bits > PNIC_KEY_MAX_BITS)
		return pnic_err(err, EINVAL,
				"tcam: key width %u is outside 1..%u bits",
				p->key_bits, PNIC_KEY_MAX_BITS);
	t = calloc(1, sizeof *t);
	if (!t)
		goto nomem;
	t->depth = p->depth;
	t->key_bits = p->key_bits;
	t->nw = key_words(p->key_bits);
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		t->above[i] = i < p->key_bits / 64 ? 0 :
			      i > p->key_bits / 64 ? ~0ull :
			      ~0ull << (p->key_bits % 64);
	t->stride = 2;
	while (t->stride < t->nw + 1)
		t->stride *= 2;
	n = (size_t)t->depth * t->nw;
	t->val = calloc(n, sizeof *t->val);
	t->msk = calloc(n, sizeof *t->msk);
	t->valid = calloc(t->depth, 1);
	t->tuple_of = malloc(t->depth * sizeof *t->tuple_of);
	t->heap_pos = calloc(t->depth, sizeof *t->heap_pos);
	t->dup_next = malloc(t->depth * sizeof *t->dup_next);
	t->dup_prev = malloc(t->depth * sizeof *t->dup_prev);
	/* At most one tuple per valid entry, plus one being created while
	 * the entry it replaces still holds its own. */
	t->tuples_cap = t->depth + 1;
	t->tuples = calloc(t->tuples_cap, sizeof *t->tuples);
	t->free_ids = malloc(t->tuples_cap * sizeof *t->free_ids);
	t->order = malloc(t->tuples_cap * sizeof *t->order);
	if (!t->val || !t->msk || !t->valid || !t->tuple_of || !t->heap_pos ||
	    !t->dup_next || !t->dup_prev || !t->tuples || !t->free_ids ||
	    !t->order)
		goto nomem_table;
	if (otab_init(&t->masks, t->stride, 16))
		goto nomem_table;
	for (uint32_t i = 0; i < t->depth; i++) {
		t->tuple_of[i] = NO_TUPLE;
		t->dup_next[i] = t->dup_prev[i] = i;
	}
	t->strategy = TCAM_STRATEGY_AUTO;
	t->bm_masks_on = bm_crossover(t->depth);
	*out = t;
	return 0;

nomem_table:
	tcam_destroy(t);
nomem:
	return pnic_err(err, ENOMEM,
			"tcam: out of memory for %u entries of %u bits",
			p->depth, p->key_bits);
}

void tcam_destroy(struct tcam *t)
{
	if (!t)
		return;
	if (t->tuples)
		for (uint32_t i = 0; i < t->n_ids; i++)
			if (t->tuples[i]) {
				otab_fini(&t->tuples[i]->tab);
				free(t->tuples[i]->heap);
				free(t->tuples[i]);
			}
	otab_fini(&t->masks);
	tcam_bitmap_destroy(t->bm);
	free(t->val);
	free(t->msk);
	free(t->valid);
	free(t->tuple_of);
	free(t->heap_pos);
	free(t->dup_next);
	free(t->dup_prev);
	free(t->tuples);
	free(t->free_ids);
	free(t->order);
	free(t);
}

uint32_t tcam_depth(const struct tcam *t)
{
	return t->depth;
}

uint16_t tcam_key_bits(const struct tcam *t)
{
	return t->key_bits;
}

uint32_t tcam_used(const struct tcam *t)
{
	return t->used;
}

uint32_t tcam_mask_count(const struct tcam *t)
{
	return t->n_order;
}

/* Lowest bit set at or above key_bits, or -1. */
/* The lowest bit of k at or above the key width, or -1. */
static int bit_above(const struct tcam *t, const struct pnic_key *k)
{
	uint64_t any = 0;

	/* A fixed-length AND/OR the compiler vectorises: a write checks two
	 * keys, and nearly every key passes. */
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		any |= k->w[i] & t->above[i];
	if (!any)
		return -1;
	for (unsigned i = 0;; i++)
		if (k->w[i] & t->above[i])
			return (int)(i * 64 +
				     (unsigned)__builtin_ctzll(k->w[i] & t->above[i]));
}

static int check_index(const struct tcam *t, uint32_t index,
		       const char *what, struct pnic_error *err)
{
	if (index >= t->depth)
		return pnic_err(err, ERANGE,
				"tcam: cannot %s entry %u, the table has entries 0..%u",
				what, index, t->depth - 1);
	return 0;
}

int tcam_write(struct tcam *t, uint32_t index, const struct pnic_key *value,
	       const struct pnic_key *mask, struct pnic_error *err)
{
	uint64_t v[PNIC_KEY_WORDS];
	struct tuple *tp;
	bool created;
	unsigned nw;
	int bit, rc;

	if (!t || !value || !mask)
		return pnic_err(err, EINVAL, "tcam: write needs a table, a value and a mask");
	rc = check_index(t, index, "write", err);
	if (rc)
		return rc;
	bit = bit_above(t, value);
	if (bit >= 0)
		return pnic_err(err, EINVAL,
				"tcam: entry %u: value has bit %d set, at or above the key width of %u bits",
				index, bit, t->key_bits);
	bit = bit_above(t, mask);
	if (bit >= 0)
		return pnic_err(err, EINVAL,
				"tcam: entry %u: mask has bit %d set, at or above the key width of %u bits",
				index, bit, t->key_bits);
	nw = t->nw;
	for (unsigned i = 0; i < nw; i++)
		v[i] = value->w[i] & mask->w[i];
	if (t->valid[index] && words_eq(entry_val(t, index), v, nw) &&
	    words_eq(entry_msk(t, index), mask->w, nw))
		return 0;

	rc = tuple_get(t, mask->w, &tp, &created);
	if (rc)
		goto nomem;
	/* Room for the new entry, unless it replaces one of its own tuple. */
	if (heap_reserve(tp) || otab_reserve(&tp->tab, t->stride, nw))
		goto nomem_tuple;

	if (t->valid[index]) {
		struct tuple *old;

		if (t->bm)
			tcam_bitmap_clear(t->bm, index, entry_msk(t, index));
		old = entry_remove(t, index);
		if (!old->n_entries && old != tp)
			tuple_free(t, old);
	}
	memcpy(t->val + (size_t)index * nw, v, nw * sizeof *v);
	memcpy(t->msk + (size_t)index * nw, mask->w, nw * sizeof *v);
	entry_insert(t, index, tp);
	if (t->bm)
		tcam_bitmap_set(t->bm, index, v, mask->w);
	bm_follow(t);
	return 0;

nomem_tuple:
	if (created)
		tuple_free(t, tp);
nomem:
	return pnic_err(err, ENOMEM, "tcam: out of memory writing entry %u",
			index);
}

int tcam_invalidate(struct tcam *t, uint32_t index, struct pnic_error *err)
{
	int rc;

	if (!t)
		return pnic_err(err, EINVAL, "tcam: invalidate needs a table");
	rc = check_index(t, index, "invalidate", err);
	if (rc)
		return rc;
	if (t->valid[index]) {
		struct tuple *old;

		if (t->bm)
			tcam_bitmap_clear(t->bm, index, entry_msk(t, index));
		old = entry_remove(t, index);
		if (!old->n_entries)
			tuple_free(t, old);
		bm_follow(t);
	}
	return 0;
}

bool tcam_read(const struct tcam *t, uint32_t index, struct pnic_key *value,
	       struct pnic_key *mask)
{
	if (!t || index >= t->depth || !t->valid[index])
		return false;
	if (value) {
		key_zero(value);
		memcpy(value->w, entry_val(t, index), t->nw * sizeof(uint64_t));
	}
	if (mask) {
		key_zero(mask);
		memcpy(mask->w, entry_msk(t, index), t->nw * sizeof(uint64_t));
	}
	return true;
}

/* The oracle: every entry in priority order, as the hardware would. */
int32_t tcam_lookup_linear(const struct tcam *t, const struct pnic_key *key)
{
	for (uint32_t i = 0; i < t->depth; i++) {
		const uint64_t *v = entry_val(t, i), *m = entry_msk(t, i);
		uint64_t diff = 0;

		if (!t->valid[i])
			continue;
		for (unsigned j = 0; j < t->nw; j++)
			diff |= (key->w[j] & m[j]) ^ v[j];
		if (!diff)
			return (int32_t)i;
	}
	return TCAM_MISS;
}

/* The rest of a probe sequence, from `pos` on (rarely needed). */
static inline __attribute__((always_inline)) uint32_t
probe_rest(const struct tuple *tp, const uint64_t *mk, uint32_t h,
	   uint32_t pos, const unsigned n, const unsigned stride,
	   uint32_t found)
{
	uint32_t m = tp->tab.size_mask;

	for (;; pos = (pos + 1) & m) {
		const uint64_t *s = tp->tab.slots + (size_t)pos * stride;
		uint64_t w0 = s[0];

		if ((uint32_t)w0 == SLOT_EMPTY)
			return found;
		if ((uint32_t)(w0 >> 32) == h && words_eq(s + 1, mk, n))
			return (uint32_t)w0 < found ? (uint32_t)w0 : found;
	}
}

/* Two words at a time (SSE2 on x86-64, NEON on arm64; plain pairs
 * elsewhere).  Loads go through memcpy: slot values sit 8 bytes into their
 * slot. */
typedef uint64_t v2u __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) v2u ld2(const uint64_t *p)
{
	v2u v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* OR of (a[i] ^ b[i]) over n words: zero when equal. */
static inline __attribute__((always_inline)) uint64_t
diff_n(const v2u *a, const uint64_t *b, const unsigned n)
{
	v2u d = { 0, 0 };
	uint64_t r;

#pragma GCC unroll 4
	for (unsigned i = 0; i < n / 2; i++)
		d |= a[i] ^ ld2(b + 2 * i);
	r = d[0] | d[1];
	if (n & 1)
		r |= a[n / 2][0] ^ b[n - 1];
	return r;
}

/* Slots a probe compares without looking at what they hold, when the
 * table's reach allows: a branch on a slot's contents is one the CPU
 * guesses wrong about a third of the time at half load. */
#define SCAN_SLOTS 4

/* The slots from a key's home on, for the key masked by the tuple (mk)
 * with hash h: the lowest index stored under that value, or `found` if
 * lower.  A table whose keys all sit within SCAN_SLOTS of their home is
 * compared over that span whatever the slots hold; a longer one compares
 * the home slot and the next (where a key almost always is) and walks on
 * only when both hold other keys.  An empty slot's payload is SLOT_EMPTY,
 * never a hit, whatever stale value it holds. */
static inline __attribute__((always_inline)) uint32_t
probe_home(const struct tuple *tp, const struct pnic_key *key, const v2u *mk,
	   uint32_t h, uint32_t found, const unsigned n, const unsigned stride)
{
	uint32_t m = tp->tab.size_mask, pos = h & m, c0, c1;
	const uint64_t *s0, *s1;
	uint64_t hw[PNIC_KEY_WORDS];

	if (tp->tab.reach < SCAN_SLOTS) {
		for (uint32_t i = 0; i <= tp->tab.reach; i++) {
			s0 = tp->tab.slots + (size_t)((pos + i) & m) * stride;
			c0 = diff_n(mk, s0 + 1, n) ? SLOT_EMPTY : (uint32_t)s0[0];
			found = c0 < found ? c0 : found;
		}
		return found;
	}
	s0 = tp->tab.slots + (size_t)pos * stride;
	s1 = tp->tab.slots + (size_t)((pos + 1) & m) * stride;
	c0 = diff_n(mk, s0 + 1, n) ? SLOT_EMPTY : (uint32_t)s0[0];
	c1 = diff_n(mk, s1 + 1, n) ? SLOT_EMPTY : (uint32_t)s1[0];
	c0 = c0 < c1 ? c0 : c1;
	found = c0 < found ? c0 : found;
	if (c0 == SLOT_EMPTY && (uint32_t)s0[0] != SLOT_EMPTY &&
	    (uint32_t)s1[0] != SLOT_EMPTY) {
		for (unsigned i = 0; i < n; i++)
			hw[i] = key->w[i] & tp->mask[i];
		found = probe_rest(tp, hw, h, (pos + 2) & m, n, stride, found);
	}
	return found;
}

/* Tuple space search, written once and instantiated per key width so the
 * word loops unroll.  Branches depend only on the tuple order and on
 * counts, rarely on what a probe loads: a branch on a slot still on its
 * way from memory would hold back the lookups behind this one. */
static inline __attribute__((always_inline)) uint32_t
probe_tuple(const struct tuple *tp, const struct pnic_key *key,
	    uint32_t found, const unsigned n, const unsigned stride)
{
	v2u mk[PNIC_KEY_WORDS / 2];
	uint64_t hw[PNIC_KEY_WORDS];
	uint32_t c0;

	if (!filt_pass(tp, key, n))
		return found;
#pragma GCC unroll 4
	for (unsigned i = 0; i < (n + 1) / 2; i++)
		mk[i] = ld2(key->w + 2 * i) & ld2(tp->mask + 2 * i);

	if (tp->n_small != SMALL_NONE) {
		for (uint32_t j = 0; j < tp->n_small; j++) {
			c0 = diff_n(mk, tp->small_val[j], n) ?
			     SLOT_EMPTY : tp->small_idx[j];
			found = c0 < found ? c0 : found;
		}
		return found;
	}

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		hw[i] = key->w[i] & tp->mask[i];
	return probe_home(tp, key, mk, hash32(hash_words(hw, n)), found, n,
			  stride);
}

/* Table size from which a tuple's slots outgrow the first-level cache,
 * and its probe likely waits on memory. */
#define BIG_FIRST_BYTES ((size_t)64 << 10)

static inline __attribute__((always_inline)) int32_t
lookup_n(const struct tcam *t, const struct pnic_key *key, const unsigned n,
	 const unsigned stride)
{
	const struct tuple *big = t->big;
	uint32_t found = UINT32_MAX;

	/* The biggest tuple first, out of order, when its slot is likely to
	 * come from memory: the small tuples are compared while it does.  Any
	 * match only tightens the early exit below. */
	if (big && ((size_t)big->tab.size_mask + 1) * stride * sizeof(uint64_t) <
		   BIG_FIRST_BYTES)
		big = NULL;
	if (big)
		found = probe_tuple(big, key, found, n, stride);
	for (uint32_t k = 0; k < t->n_order; k++) {
		const struct tuple *tp = t->order[k];

		/* Every later tuple's entries lie above this one's best. */
		if (tp->best >= found)
			break;
		if (tp != big)
			found = probe_tuple(tp, key, found, n, stride);
	}
	return found == UINT32_MAX ? TCAM_MISS : (int32_t)found;
}

/* Many keys at once: tuple by tuple, first hash every key that still
 * needs the tuple and prefetch its slots, then compare.  The memory
 * accesses of a whole burst are in flight together instead of one by one.
 * Same answers as lookup_n() key by key. */
#define BURST 32

static inline __attribute__((always_inline)) void
burst_n(const struct tcam *t, const struct pnic_key *keys, uint32_t cnt,
	int32_t *out, const unsigned n, const unsigned stride)
{
	uint32_t found[BURST], act[BURST], hs[BURST], hs_big[BURST];
	const struct tuple *big = t->big;

	for (uint32_t i = 0; i < cnt; i++)
		found[i] = UINT32_MAX;
	/* The biggest tuple's slots are the ones likely to come from memory:
	 * ask for them before anything else, so they arrive while the tuples
	 * ahead of it in the order are compared.  Every key needs them
	 * unless one of those tuples matches it. */
	if (big && big->n_small == SMALL_NONE) {
		uint32_t m = big->tab.size_mask;

		for (uint32_t i = 0; i < cnt; i++) {
			uint64_t hw[PNIC_KEY_WORDS];
			uint32_t pos;

#pragma GCC unroll 8
			for (unsigned w = 0; w < n; w++)
				hw[w] = keys[i].w[w] & big->mask[w];
			hs_big[i] = hash32(hash_words(hw, n));
			pos = hs_big[i] & m;
			__builtin_prefetch(big->tab.slots + (size_t)pos * stride);
			__builtin_prefetch(big->tab.slots + (size_t)((pos + 1) & m) * stride);
		}
	} else {
		big = NULL;
	}
	for (uint32_t k = 0; k < t->n_order; k++) {
		const struct tuple *tp = t->order[k];
		uint32_t na = 0, m;

		for (uint32_t i = 0; i < cnt; i++) {
			act[na] = i;
			na += tp->best < found[i];
		}
		/* Tuples come by best index: no key needs any later one. */
		if (!na)
			break;
		if (tp->n_small != SMALL_NONE) {
			for (uint32_t a = 0; a < na; a++) {
				const struct pnic_key *key = &keys[act[a]];
				v2u mk[PNIC_KEY_WORDS / 2];
				uint32_t f = found[act[a]];

#pragma GCC unroll 4
				for (unsigned i = 0; i < (n + 1) / 2; i++)
					mk[i] = ld2(key->w + 2 * i) & ld2(tp->mask + 2 * i);
				for (uint32_t j = 0; j < tp->n_small; j++) {
					uint32_t c = diff_n(mk, tp->small_val[j], n) ?
						     SLOT_EMPTY : tp->small_idx[j];

					f = c < f ? c : f;
				}
				found[act[a]] = f;
			}
			continue;
		}
		m = tp->tab.size_mask;
		for (uint32_t a = 0; a < na && tp == big; a++)
			hs[a] = hs_big[act[a]];
		for (uint32_t a = 0; a < na && tp != big; a++) {
			const struct pnic_key *key = &keys[act[a]];
			uint64_t hw[PNIC_KEY_WORDS];
			uint32_t pos;

#pragma GCC unroll 8
			for (unsigned i = 0; i < n; i++)
				hw[i] = key->w[i] & tp->mask[i];
			hs[a] = hash32(hash_words(hw, n));
			pos = hs[a] & m;
			__builtin_prefetch(tp->tab.slots + (size_t)pos * stride);
			__builtin_prefetch(tp->tab.slots + (size_t)((pos + 1) & m) * stride);
		}
		for (uint32_t a = 0; a < na; a++) {
			const struct pnic_key *key = &keys[act[a]];
			v2u mk[PNIC_KEY_WORDS / 2];

#pragma GCC unroll 4
			for (unsigned i = 0; i < (n + 1) / 2; i++)
				mk[i] = ld2(key->w + 2 * i) & ld2(tp->mask + 2 * i);
			found[act[a]] = probe_home(tp, key, mk, hs[a],
						   found[act[a]], n, stride);
		}
	}
	for (uint32_t i = 0; i < cnt; i++)
		out[i] = found[i] == UINT32_MAX ? TCAM_MISS : (int32_t)found[i];
}

void tcam_lookup_burst(const struct tcam *t, const struct pnic_key *keys,
		       uint32_t n_keys, int32_t *out)
{
	if (t->bm_use) {
		for (uint32_t i = 0; i < n_keys; i++)
			out[i] = tcam_bitmap_lookup(t->bm, &keys[i]);
		return;
	}
	for (uint32_t b = 0; b < n_keys; b += BURST) {
		uint32_t cnt = n_keys - b < BURST ? n_keys - b : BURST;
		const struct pnic_key *k = keys + b;
		int32_t *o = out + b;

		switch (t->nw) {
		case 1: burst_n(t, k, cnt, o, 1, 2); break;
		case 2: burst_n(t, k, cnt, o, 2, 4); break;
		case 3: burst_n(t, k, cnt, o, 3, 4); break;
		case 4: burst_n(t, k, cnt, o, 4, 8); break;
		case 5: burst_n(t, k, cnt, o, 5, 8); break;
		case 6: burst_n(t, k, cnt, o, 6, 8); break;
		case 7: burst_n(t, k, cnt, o, 7, 8); break;
		default: burst_n(t, k, cnt, o, 8, 16); break;
		}
	}
}

int32_t tcam_lookup(const struct tcam *t, const struct pnic_key *key)
{
	if (t->bm_use)
		return tcam_bitmap_lookup(t->bm, key);
	switch (t->nw) {
	case 1: return lookup_n(t, key, 1, 2);
	case 2: return lookup_n(t, key, 2, 4);
	case 3: return lookup_n(t, key, 3, 4);
	case 4: return lookup_n(t, key, 4, 8);
	case 5: return lookup_n(t, key, 5, 8);
	case 6: return lookup_n(t, key, 6, 8);
	case 7: return lookup_n(t, key, 7, 8);
	default: return lookup_n(t, key, 8, 16);
	}
}
