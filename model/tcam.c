/* TCAM flow table: the entry store, writes, the linear oracle, and the
 * choice between the fast lookups.
 *
 * The entry store (value, mask, valid per index) is the truth; the linear
 * lookup reads only it.  The fast lookups read indexes derived from it and
 * kept in step by every write and invalidate: the tuple index
 * (tcam_tuple.c, searched by tcam_search.c) always, and, on tables with
 * many masks (compiled ACLs: thousands, which defeat tuple search), a
 * wide index as well, which then answers the lookups instead: the bitmap
 * (tcam_bitmap.c, the transposed TCAM) or, from 4096 entries, the
 * partitioned index (tcam_part.c).  The mask count from which a wide
 * index answers grows with the depth.
 *
 * Writes allocate (new tuple, table growth) before they change anything, so
 * a refused write leaves the table as it was.  Lookups never allocate and
 * never write.  tcam-private.h lists the files of the block; docs/tcam.md
 * has the costs and the measured figures.
 */
#include "model/tcam.h"
#include "model/tcam-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *tcam_alloc_table(size_t *bytes)
{
	void *p;

	if (*bytes >= TCAM_HUGE_PAGE) {
		*bytes = (*bytes + TCAM_HUGE_PAGE - 1) / TCAM_HUGE_PAGE *
			 TCAM_HUGE_PAGE;
		p = aligned_alloc(TCAM_HUGE_PAGE, *bytes);
#ifdef MADV_HUGEPAGE
		if (p)
			madvise(p, *bytes, MADV_HUGEPAGE);
#endif
		return p;
	}
	*bytes = (*bytes + TCAM_CACHE_LINE - 1) / TCAM_CACHE_LINE *
		 TCAM_CACHE_LINE;
	return aligned_alloc(TCAM_CACHE_LINE, *bytes);
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
	tcam_bitmap_set_portable(bm, t->bm_portable);
	t->bm = bm;
	return 0;
}

static void pt_drop(struct tcam *t)
{
	tcam_part_destroy(t->pt);
	t->pt = NULL;
	t->pt_use = false;
}

static void bm_drop(struct tcam *t)
{
	tcam_bitmap_destroy(t->bm);
	t->bm = NULL;
	t->bm_use = false;
}

/* The partitioned index beats the bitmap once a bitmap scan would pass
 * several groups: from PT_MIN_ENTRIES valid entries (measured,
 * docs/tcam.md), kept down to half of it. */
#define PT_MIN_ENTRIES 4096

/* Blocks of 64 entries the partitioned index may take when chosen by
 * itself: one per PT_ENTRIES_PER_BLOCK entries of depth, which keeps it
 * within 4x the bitmap's memory (key_bits / 2 bytes per entry of depth)
 * however sparse its buckets; tables whose entries spread thinner keep
 * the bitmap.  Forced, it may take a block per entry. */
#define PT_ENTRIES_PER_BLOCK 16
#define PT_MIN_BLOCKS 64

static int pt_build(struct tcam *t, bool forced)
{
	uint32_t max = t->depth / PT_ENTRIES_PER_BLOCK;

	if (forced)
		max = t->depth;
	else if (max < PT_MIN_BLOCKS)
		max = PT_MIN_BLOCKS;
	tcam_part_destroy(t->pt);
	t->pt = tcam_part_create(t->depth, t->key_bits, t->nw, t->valid,
				 t->val, t->msk, max);
	if (!t->pt)
		return -ENOMEM;
	tcam_part_set_portable(t->pt, t->bm_portable);
	return 0;
}

/* After the mask or entry count may have changed, the index for tables
 * with many masks ("wide"): built when the masks reach the crossover,
 * dropped when they fall to half of it (the gap keeps a table near the
 * crossover from rebuilding on every write), used from the crossover on.
 * It is the partitioned index from PT_MIN_ENTRIES entries on (down to
 * half), the bitmap below: one or the other, never both, so writes pay
 * for one.  The partitions are chosen from the entries there when the
 * index is built, so it is rebuilt when the table has doubled since
 * (amortised O(1) per write: a table being filled rebuilds log2(used)
 * times).  Both are best effort: without memory for the partitions the
 * bitmap serves, without memory for it tuple search does. */
struct wide_want {
	bool wide;      /* a wide index kept */
	bool part;      /* and it is the partitioned one */
	bool use;       /* lookups use it */
};

static struct wide_want wide_wanted(const struct tcam *t)
{
	struct wide_want w = { true, t->strategy == TCAM_STRATEGY_PART, true };
	bool kept = t->bm || t->pt;

	if (t->strategy != TCAM_STRATEGY_AUTO)
		return w;
	w.wide = t->n_order >= (kept ? t->bm_masks_on / 2 : t->bm_masks_on) &&
		 tcam_bitmap_bytes(t->depth, t->key_bits) <= BM_MAX_BYTES;
	w.part = w.wide && t->used >= (t->pt ? PT_MIN_ENTRIES / 2 : PT_MIN_ENTRIES);
	w.use = t->n_order >= t->bm_masks_on;
	return w;
}

static void wide_follow(struct tcam *t)
{
	struct wide_want w;

	if (t->strategy == TCAM_STRATEGY_TUPLE)
		return;
	w = wide_wanted(t);
	if (w.part && !t->pt && t->used < t->pt_retry)
		w.part = false;
	if (w.part && (!t->pt || t->used > 2 * tcam_part_built_with(t->pt) + 64) &&
	    pt_build(t, t->strategy == TCAM_STRATEGY_PART)) {
		/* Out of memory, or its block budget: not again before the
		 * table has doubled. */
		t->pt_retry = 2 * t->used + 64;
		w.part = false;
	}
	if (w.part)
		bm_drop(t);
	else
		pt_drop(t);
	if (!w.wide)
		bm_drop(t);
	else if (!w.part)
		(void)bm_build(t);
	t->bm_use = t->bm && w.use;
	t->pt_use = t->pt && w.use;
}

int tcam_set_strategy(struct tcam *t, enum tcam_strategy s)
{
	switch (s) {
	case TCAM_STRATEGY_TUPLE:
		bm_drop(t);
		pt_drop(t);
		break;
	case TCAM_STRATEGY_BITMAP:
		if (bm_build(t))
			return -ENOMEM;
		break;
	case TCAM_STRATEGY_PART:
		/* rebuilt: partitions chosen from the entries there now */
		if (pt_build(t, true))
			return -ENOMEM;
		break;
	default:
		s = TCAM_STRATEGY_AUTO;
		break;
	}
	t->strategy = s;
	t->pt_retry = 0;
	wide_follow(t);
	return 0;
}

const char *tcam_set_portable(struct tcam *t, bool portable)
{
	t->bm_portable = portable;
	if (t->pt)
		tcam_part_set_portable(t->pt, portable);
	if (!t->bm)
		return portable ? "portable" : "widest";
	return tcam_bitmap_set_portable(t->bm, portable);
}

bool tcam_uses_bitmap(const struct tcam *t)
{
	return t->bm_use;
}

bool tcam_uses_part(const struct tcam *t)
{
	return t->pt_use;
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
	t->order_best = malloc(t->tuples_cap * sizeof *t->order_best);
	if (!t->val || !t->msk || !t->valid || !t->tuple_of || !t->heap_pos ||
	    !t->dup_next || !t->dup_prev || !t->tuples || !t->free_ids ||
	    !t->order || !t->order_best)
		goto nomem_table;
	if (tcam_otab_init(&t->masks, t->stride, 16))
		goto nomem_table;
	for (uint32_t i = 0; i < t->depth; i++) {
		t->tuple_of[i] = TCAM_NO_TUPLE;
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
				tcam_otab_fini(&t->tuples[i]->tab);
				free(t->tuples[i]->heap);
				free(t->tuples[i]);
			}
	tcam_otab_fini(&t->masks);
	tcam_bitmap_destroy(t->bm);
	tcam_part_destroy(t->pt);
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
	free(t->order_best);
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

static size_t otab_memory(const struct tcam_otab *o, unsigned stride)
{
	return ((size_t)o->size_mask + 1) * stride * sizeof(uint64_t);
}

size_t tcam_memory(const struct tcam *t)
{
	size_t per_entry = 2 * t->nw * sizeof(uint64_t) + 1 +
			   4 * sizeof(uint32_t);
	size_t per_id = sizeof(struct tcam_tuple *) * 2 + 2 * sizeof(uint32_t);
	size_t b = sizeof *t + (size_t)t->depth * per_entry +
		   (size_t)t->tuples_cap * per_id +
		   otab_memory(&t->masks, t->stride) +
		   tcam_bitmap_memory(t->bm) + tcam_part_memory(t->pt);

	for (uint32_t i = 0; i < t->n_ids; i++) {
		const struct tcam_tuple *tp = t->tuples[i];

		if (tp)
			b += sizeof *tp + tp->heap_cap * sizeof *tp->heap +
			     otab_memory(&tp->tab, t->stride);
	}
	return b;
}

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

static int check_write(const struct tcam *t, uint32_t index,
		       const struct pnic_key *value,
		       const struct pnic_key *mask, struct pnic_error *err)
{
	int bit, rc;

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
	return 0;
}

/* Take valid entry index out of the bitmap or partitioned index. */
static void index_clear(struct tcam *t, uint32_t index)
{
	if (t->bm)
		tcam_bitmap_clear(t->bm, index, tcam_entry_val(t, index),
				  tcam_entry_msk(t, index));
	if (t->pt)
		tcam_part_clear(t->pt, index, tcam_entry_val(t, index),
				tcam_entry_msk(t, index));
}

/* Put entry index, written in the store, in the bitmap or partitioned
 * index. */
static void index_set(struct tcam *t, uint32_t index)
{
	if (t->bm)
		tcam_bitmap_set(t->bm, index, tcam_entry_val(t, index),
				tcam_entry_msk(t, index));
	if (t->pt && tcam_part_set(t->pt, index, tcam_entry_val(t, index),
				   tcam_entry_msk(t, index)))
		pt_drop(t);     /* best effort: wide_follow() builds the bitmap */
}

int tcam_write(struct tcam *t, uint32_t index, const struct pnic_key *value,
	       const struct pnic_key *mask, struct pnic_error *err)
{
	uint64_t v[PNIC_KEY_WORDS];
	struct tcam_tuple *tp;
	bool created;
	unsigned nw;
	int rc;

	if (!t || !value || !mask)
		return pnic_err(err, EINVAL, "tcam: write needs a table, a value and a mask");
	rc = check_write(t, index, value, mask, err);
	if (rc)
		return rc;
	nw = t->nw;
	for (unsigned i = 0; i < nw; i++)
		v[i] = value->w[i] & mask->w[i];
	if (t->valid[index] && tcam_words_eq(tcam_entry_val(t, index), v, nw) &&
	    tcam_words_eq(tcam_entry_msk(t, index), mask->w, nw))
		return 0;

	rc = tcam_tuple_get(t, mask->w, &tp, &created);
	if (rc)
		goto nomem;
	/* Room for the new entry, unless it replaces one of its own tuple. */
	if (tcam_tuple_reserve(t, tp))
		goto nomem_tuple;

	if (t->valid[index]) {
		struct tcam_tuple *old;

		index_clear(t, index);
		old = tcam_entry_remove(t, index);
		if (!old->n_entries && old != tp)
			tcam_tuple_free(t, old);
	}
	memcpy(t->val + (size_t)index * nw, v, nw * sizeof *v);
	memcpy(t->msk + (size_t)index * nw, mask->w, nw * sizeof *v);
	tcam_entry_insert(t, index, tp);
	index_set(t, index);
	wide_follow(t);
	return 0;

nomem_tuple:
	if (created)
		tcam_tuple_free(t, tp);
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
		struct tcam_tuple *old;

		index_clear(t, index);
		old = tcam_entry_remove(t, index);
		if (!old->n_entries)
			tcam_tuple_free(t, old);
		wide_follow(t);
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
		memcpy(value->w, tcam_entry_val(t, index), t->nw * sizeof(uint64_t));
	}
	if (mask) {
		key_zero(mask);
		memcpy(mask->w, tcam_entry_msk(t, index), t->nw * sizeof(uint64_t));
	}
	return true;
}

/* The oracle: every entry in priority order, as the hardware would. */
int32_t tcam_lookup_linear(const struct tcam *t, const struct pnic_key *key)
{
	for (uint32_t i = 0; i < t->depth; i++) {
		const uint64_t *v = tcam_entry_val(t, i), *m = tcam_entry_msk(t, i);
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
