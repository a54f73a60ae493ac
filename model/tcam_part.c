/* TCAM partitioned index: entries placed by content, so that a lookup
 * visits the few blocks that can hold its match (PartitionSort /
 * TupleMerge style; docs/tcam.md, "Third strategy").
 *
 * Partitions.  A partition p dispatches on k key bits [lo, lo + k): an
 * entry whose mask is all ones there belongs to it (the first such
 * partition), in bucket (value >> lo) & (2^k - 1); a key can match only
 * entries of its own bucket, so a lookup visits one bucket per partition.
 * Entries no partition takes go to the residual partition (k = 0, one
 * bucket).  The partitions are chosen when the index is built, greedily:
 * each takes the (lo, k) that removes the most entries from an average
 * lookup's way (the entries it covers less its expected bucket size).
 *
 * Blocks.  A bucket holds its entries in blocks of 64 slots: per slice
 * and nibble value a 64-bit row (the bitmap index's rows in small), and
 * per slot the entry's global index.  A slot's order in a block means
 * nothing: a block answers the lowest global index among its slots that
 * accept the key.  A bucket keeps its blocks sorted by their lowest index
 * (min), and a lookup stops at the first block whose min is not below
 * the answer so far; partitions are visited in the order of their
 * bucket's first min, and a bucket whose first min cannot beat the
 * answer is skipped.  The build fills blocks in index order, so the mins
 * are far apart and the early exit bites; a later write goes to the block
 * whose min is just below its index (or the next one) when it has room,
 * else to a new block, so the order degrades slowly and the answers never.
 *
 * Writes touch one block: the rows accepting the entry (1 per exact
 * nibble, 16 per wildcard one, within 16 adjacent words), its slot, the
 * block's min and its place in the bucket's list.  They allocate only to
 * grow a bucket's list or the block pool; -ENOMEM leaves the index to be
 * dropped by the caller (lookups then fall back to the bitmap).
 */
#include "model/tcam-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VALUES TCAM_BM_VALUES
#define SB TCAM_BM_SLICE_BITS
#define SLOTS 64
#define NONE UINT32_MAX
/* The build leaves a block this full, so that later writes find room in
 * the block their index belongs to. */
#define BUILD_FILL 48
/* Entries the partition choice looks at (a sample of the table). */
#define SAMPLE 4096
/* Reads ANDed between two checks of a block. */
#define CHUNK 4         /* must stay 4: the scan is unrolled by it */

struct pt_block {
	uint64_t used;          /* slots holding an entry */
	uint32_t part, bucket;  /* where the block is listed */
	uint32_t gidx[SLOTS];   /* global index of each used slot */
};

/* A bucket's blocks, sorted by min: the min beside the id so that the
 * lookup's early exit reads no block. */
struct pt_bucket {
	uint32_t n, cap;
	uint32_t *min;
	uint32_t *blk;
};

struct pt_part {
	unsigned lo, k;         /* dispatch bits; k = 0: the residual */
	struct pt_bucket *bk;   /* 2^k buckets */
	/* Slices a lookup reads in this partition, most constrained first:
	 * care[s] counts the partition's entries whose mask is not zero in
	 * slice s; the dispatch slices are never read (the bucket has
	 * settled them).  At least one slice is read: free slots have every
	 * bit clear, so any read tells them apart. */
	unsigned n_read;
	uint32_t care[TCAM_BM_MAX_SLICES];
	uint8_t order[TCAM_BM_MAX_SLICES];
	/* The order as a read plan: read k is row rd_base[k] + the key's
	 * nibble at bit rd_sh[k] of word rd_w[k].  Padded to a multiple of
	 * CHUNK by repeating read 0 (ANDing a row twice changes nothing), so
	 * that the scan ANDs whole chunks without a bound check. */
	unsigned n_pad;
	struct tcam_plan plan;  /* a slice's first row: s * VALUES words */
};

typedef void (*pt_offsets_fn)(const struct pt_part *p,
			      const struct pnic_key *key, uint32_t *ro);

struct tcam_part {
	pt_offsets_fn offsets;  /* AVX-512 when the CPU has it */
	unsigned n_slices;
	unsigned n_parts;       /* the last one is the residual */
	struct pt_part part[TCAM_PT_MAX_PARTS];
	size_t row_words;       /* per block: n_slices * VALUES */
	uint64_t *rows;         /* block b's rows at rows + b * row_words */
	struct pt_block *blk;
	uint32_t n_blk, cap_blk;
	uint32_t *free_blk;     /* emptied blocks (rows all clear) */
	uint32_t n_free;
	uint32_t max_blk;       /* blocks allowed (tcam_part_create()) */
	uint32_t *where;        /* per entry: block * SLOTS + slot, or NONE */
	uint32_t depth;
	uint32_t n_entries;
	uint32_t built_with;    /* entries when built */
};

static inline unsigned slice_of(const uint64_t *w, unsigned s)
{
	unsigned bit = s * SB;

	return (unsigned)(w[bit / 64] >> (bit % 64)) & (VALUES - 1);
}

/* Bits [lo, lo + k) of w, k <= MAX_K. */
static inline uint32_t bits_at(const uint64_t *w, unsigned lo, unsigned k)
{
	uint64_t x = w[lo / 64] >> (lo % 64);

	if (lo % 64 + k > 64)
		x |= w[lo / 64 + 1] << (64 - lo % 64);
	return (uint32_t)x & ((1u << k) - 1);
}

static bool takes(const struct pt_part *p, const uint64_t *msk)
{
	return !p->k || bits_at(msk, p->lo, p->k) == (1u << p->k) - 1;
}

static uint32_t bucket_of(const struct pt_part *p, const uint64_t *w)
{
	return p->k ? bits_at(w, p->lo, p->k) : 0;
}

static unsigned part_for(const struct tcam_part *pt, const uint64_t *msk)
{
	unsigned p = 0;

	while (!takes(&pt->part[p], msk))
		p++;
	return p;
}

/* ---- choosing the partitions ------------------------------------------ */

/* Dispatching the sampled entries e (of n) on bits (lo, k): how many it
 * takes (*took), into how many buckets (*used), and the expected size
 * of the bucket a key lands in (keys like the entries), returned. */
static double bucket_size(const uint32_t *e, uint32_t n, const uint64_t *val,
			  const uint64_t *msk, unsigned nw, unsigned lo,
			  unsigned k, uint32_t *took, uint32_t *used, uint32_t *hist)
{
	uint32_t all = (1u << k) - 1, cnt = 0, nb = 0;
	double sq = 0;

	/* hist is all zero between calls: counted up and back down over
	 * the sample, never swept whole (2^16 counts). */
	for (uint32_t i = 0; i < n; i++)
		if (bits_at(msk + (size_t)e[i] * nw, lo, k) == all) {
			uint32_t b = bits_at(val + (size_t)e[i] * nw, lo, k);

			nb += !hist[b];
			sq += 2.0 * hist[b]++ + 1;
			cnt++;
		}
	for (uint32_t i = 0; i < n; i++)
		if (bits_at(msk + (size_t)e[i] * nw, lo, k) == all)
			hist[bits_at(val + (size_t)e[i] * nw, lo, k)] = 0;
	*took = cnt;
	*used = nb;
	return cnt ? sq / cnt : 0;
}

/* A partition costs a lookup about this many entries of scanning even
 * when its bucket is small (its plan, its bucket's first block): one
 * is added only when it saves more. */
#define PART_COST 16.0

#define MAX_K 16

struct pt_sample {
	uint32_t *e, n;         /* sampled entries not taken yet */
	uint32_t *hist;         /* 2^MAX_K counts */
	uint32_t step;          /* table entries per sampled one */
	double blocks;          /* blocks left to the partitions (estimate) */
	const uint64_t *val, *msk;
	unsigned nw;
	uint16_t key_bits;
};

/* Blocks a partition taking `took` sampled entries into `used` buckets
 * needs, about: one per bucket, and the rest at the build's fill. */
static double blocks_for(const struct pt_sample *sm, uint32_t took, uint32_t used)
{
	return used + (double)took * sm->step / BUILD_FILL;
}

/* The dispatch (lo, k) that saves a lookup the most entries of the
 * sample's: those it takes less the bucket a key lands in, among those
 * whose blocks fit what is left of the budget.  False when none saves
 * more than PART_COST. */
static bool best_dispatch(struct pt_sample *sm, unsigned *lo, unsigned *k)
{
	static const unsigned widths[] = { 4, 8, 12, MAX_K };
	double best = PART_COST, blocks = 0;

	for (unsigned w = 0; w < sizeof widths / sizeof *widths; w++)
		for (unsigned l = 0; l + widths[w] <= sm->key_bits; l += SB) {
			uint32_t took, used;
			double g = -bucket_size(sm->e, sm->n, sm->val, sm->msk,
						sm->nw, l, widths[w], &took,
						&used, sm->hist);

			g += took;
			if (g > best && blocks_for(sm, took, used) <= sm->blocks) {
				best = g;
				*lo = l;
				*k = widths[w];
				blocks = blocks_for(sm, took, used);
			}
		}
	sm->blocks -= blocks;
	return best > PART_COST;
}

/* Keep in the sample the entries partition (lo, k) does not take. */
static void take(struct pt_sample *sm, unsigned lo, unsigned k)
{
	struct pt_part p = { .lo = lo, .k = k };
	uint32_t m = 0;

	for (uint32_t i = 0; i < sm->n; i++)
		if (!takes(&p, sm->msk + (size_t)sm->e[i] * sm->nw))
			sm->e[m++] = sm->e[i];
	sm->n = m;
}

/* Partitions for the valid entries, from a sample of SAMPLE of them:
 * greedy, the dispatch that saves the most first, while one saves more
 * than it costs, within half the block budget (the other half is room
 * for the buckets the sample missed and for later writes).  (Choosing the first partition by looking ahead, the
 * whole greedy from each of the 4 best, and keeping the cheapest by
 * this estimate, picked finer first partitions that measured worse on
 * fw 10K: the estimate ignores the early exit.) */
static void choose_parts(struct tcam_part *pt, uint16_t key_bits, unsigned nw,
			 const uint8_t *valid, const uint64_t *val,
			 const uint64_t *msk)
{
	struct pt_sample sm = { malloc(SAMPLE * sizeof(uint32_t)), 0,
				calloc((size_t)1 << MAX_K, sizeof(uint32_t)), 1,
				pt->max_blk / 2.0, val, msk, nw, key_bits };
	uint32_t used = 0;
	unsigned n = 0, lo, k;

	for (uint32_t i = 0; i < pt->depth; i++)
		used += valid[i];
	sm.step = used / SAMPLE + 1;
	for (uint32_t i = 0, c = 0; sm.e && i < pt->depth && sm.n < SAMPLE; i++)
		if (valid[i] && c++ % sm.step == 0)
			sm.e[sm.n++] = i;
	while (sm.e && sm.hist && n < TCAM_PT_MAX_PARTS - 1 &&
	       best_dispatch(&sm, &lo, &k)) {
		pt->part[n].lo = lo;
		pt->part[n++].k = k;
		take(&sm, lo, k);
	}
	free(sm.e);
	free(sm.hist);
	pt->part[n].k = 0;
	pt->n_parts = n + 1;
}

/* ---- the read order ----------------------------------------------------- */

static bool dispatch_slice(const struct pt_part *p, unsigned s)
{
	return p->k && s * SB >= p->lo && s * SB < p->lo + p->k;
}

static void plan_reads(struct pt_part *p)
{
	p->n_pad = (p->n_read + CHUNK - 1) / CHUNK * CHUNK;
	for (unsigned k = 0; k < p->n_pad; k++) {
		unsigned s = p->order[k < p->n_read ? k : 0];

		p->plan.dw[k] = s * SB / 32;
		p->plan.sh[k] = s * SB % 32;
		p->plan.base[k] = s * VALUES;
	}
}

/* Count entry mask msk in (d = 1) or out (d = -1) of p's care, and
 * restore the order (insertion sort: a write moves a count by one). */
static void care_update(struct tcam_part *pt, struct pt_part *p,
			const uint64_t *msk, int d)
{
	unsigned n = pt->n_slices, k = 0;

	for (unsigned s = 0; s < n && d; s++)
		if (slice_of(msk, s) && !dispatch_slice(p, s))
			p->care[s] = (uint32_t)((int64_t)p->care[s] + d);
	for (unsigned i = 1; i < n; i++) {
		uint8_t x = p->order[i];
		unsigned j = i;

		while (j > 0 && p->care[p->order[j - 1]] < p->care[x]) {
			p->order[j] = p->order[j - 1];
			j--;
		}
		p->order[j] = x;
	}
	while (k < n && p->care[p->order[k]])
		k++;
	p->n_read = k ? k : 1;
	plan_reads(p);
}

/* ---- blocks and buckets ------------------------------------------------ */

static int bucket_reserve(struct pt_bucket *b)
{
	uint32_t cap = b->cap ? 2 * b->cap : 2;
	uint32_t *min, *blk;

	if (b->n < b->cap)
		return 0;
	min = realloc(b->min, cap * sizeof *min);
	if (!min)
		return -ENOMEM;
	b->min = min;
	blk = realloc(b->blk, cap * sizeof *blk);
	if (!blk)
		return -ENOMEM;
	b->blk = blk;
	b->cap = cap;
	return 0;
}

/* A block with no entry: an emptied one, or a new one (pool grown by
 * doubling).  NONE when out of memory or at max_blk. */
static uint32_t block_new(struct tcam_part *pt)
{
	uint32_t b;

	if (pt->n_free)
		return pt->free_blk[--pt->n_free];
	if (pt->n_blk == pt->max_blk)
		return NONE;
	if (pt->n_blk == pt->cap_blk) {
		uint32_t cap = pt->cap_blk ? 2 * pt->cap_blk : 16;

		cap = cap < pt->max_blk ? cap : pt->max_blk;
		uint64_t *rows = realloc(pt->rows, cap * pt->row_words * sizeof *rows);
		struct pt_block *blk;
		uint32_t *fr;

		if (!rows)
			return NONE;
		pt->rows = rows;
		blk = realloc(pt->blk, cap * sizeof *blk);
		if (!blk)
			return NONE;
		pt->blk = blk;
		fr = realloc(pt->free_blk, cap * sizeof *fr);
		if (!fr)
			return NONE;
		pt->free_blk = fr;
		pt->cap_blk = cap;
	}
	b = pt->n_blk++;
	memset(pt->rows + b * pt->row_words, 0, pt->row_words * sizeof *pt->rows);
	pt->blk[b].used = 0;
	return b;
}

/* Position of the last block of bk whose min is at most e, or -1. */
static int32_t bucket_find(const struct pt_bucket *bk, uint32_t e)
{
	int32_t lo = 0, hi = (int32_t)bk->n;

	while (lo < hi) {
		int32_t mid = (lo + hi) / 2;

		if (bk->min[mid] <= e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* Move position i of bk, whose min changed, to its place. */
static void bucket_resort(struct pt_bucket *bk, uint32_t i)
{
	uint32_t m = bk->min[i], b = bk->blk[i];

	while (i > 0 && bk->min[i - 1] > m) {
		bk->min[i] = bk->min[i - 1];
		bk->blk[i] = bk->blk[i - 1];
		i--;
	}
	while (i + 1 < bk->n && bk->min[i + 1] < m) {
		bk->min[i] = bk->min[i + 1];
		bk->blk[i] = bk->blk[i + 1];
		i++;
	}
	bk->min[i] = m;
	bk->blk[i] = b;
}

static void bucket_delete(struct pt_bucket *bk, uint32_t i)
{
	bk->n--;
	memmove(bk->min + i, bk->min + i + 1, (bk->n - i) * sizeof *bk->min);
	memmove(bk->blk + i, bk->blk + i + 1, (bk->n - i) * sizeof *bk->blk);
}

/* The entry's bit in the rows of block b that accept its value: per
 * slice the values vv | d for every d under the don't-care bits. */
static void rows_of_entry(struct tcam_part *pt, uint32_t b, unsigned slot,
			  const uint64_t *val, const uint64_t *msk, bool on)
{
	uint64_t bit = 1ull << slot, *r = pt->rows + b * pt->row_words;

	for (unsigned s = 0; s < pt->n_slices; s++, r += VALUES) {
		unsigned mm = slice_of(msk, s), vv = slice_of(val, s);
		unsigned dc = ~mm & (VALUES - 1);

		for (unsigned d = dc;; d = (d - 1) & dc) {
			if (on)
				r[vv | d] |= bit;
			else
				r[vv | d] &= ~bit;
			if (!d)
				break;
		}
	}
}

/* Where entry e goes in bk: the block whose min is just below e, or the
 * next one, when it has fewer than `fill` entries; else a new block,
 * listed at its place.  Returns the list position, -ENOMEM. */
static int32_t place(struct tcam_part *pt, uint32_t p, uint32_t bucket,
		     uint32_t e, unsigned fill)
{
	struct pt_bucket *bk = &pt->part[p].bk[bucket];
	int32_t i = bucket_find(bk, e);
	uint32_t b;

	for (int32_t j = i < 0 ? 0 : i; j <= i + 1 && j < (int32_t)bk->n; j++)
		if (__builtin_popcountll(pt->blk[bk->blk[j]].used) < (int)fill)
			return j;
	if (bucket_reserve(bk))
		return -ENOMEM;
	b = block_new(pt);
	if (b == NONE)
		return -ENOMEM;
	pt->blk[b].part = p;
	pt->blk[b].bucket = bucket;
	i++;
	memmove(bk->min + i + 1, bk->min + i, (bk->n - (uint32_t)i) * sizeof *bk->min);
	memmove(bk->blk + i + 1, bk->blk + i, (bk->n - (uint32_t)i) * sizeof *bk->blk);
	bk->n++;
	bk->min[i] = e;
	bk->blk[i] = b;
	return i;
}

static int insert(struct tcam_part *pt, uint32_t e, const uint64_t *val,
		  const uint64_t *msk, unsigned fill)
{
	uint32_t p = part_for(pt, msk), bucket = bucket_of(&pt->part[p], val);
	struct pt_bucket *bk = &pt->part[p].bk[bucket];
	int32_t i = place(pt, p, bucket, e, fill);
	struct pt_block *blk;
	unsigned slot;

	if (i < 0)
		return i;
	blk = &pt->blk[bk->blk[i]];
	slot = (unsigned)__builtin_ctzll(~blk->used);
	blk->used |= 1ull << slot;
	blk->gidx[slot] = e;
	rows_of_entry(pt, bk->blk[i], slot, val, msk, true);
	pt->where[e] = bk->blk[i] * SLOTS + slot;
	if (e < bk->min[i]) {
		bk->min[i] = e;
		bucket_resort(bk, (uint32_t)i);
	}
	care_update(pt, &pt->part[p], msk, 1);
	pt->n_entries++;
	return 0;
}

int tcam_part_set(struct tcam_part *pt, uint32_t e, const uint64_t *val,
		  const uint64_t *msk)
{
	return insert(pt, e, val, msk, SLOTS);
}

static uint32_t block_min(const struct pt_block *blk)
{
	uint32_t m = NONE;

	for (uint64_t u = blk->used; u; u &= u - 1) {
		uint32_t g = blk->gidx[__builtin_ctzll(u)];

		m = g < m ? g : m;
	}
	return m;
}

void tcam_part_clear(struct tcam_part *pt, uint32_t e, const uint64_t *val,
		     const uint64_t *msk)
{
	uint32_t b = pt->where[e] / SLOTS, slot = pt->where[e] % SLOTS;
	struct pt_block *blk = &pt->blk[b];
	struct pt_part *p = &pt->part[blk->part];
	struct pt_bucket *bk = &p->bk[blk->bucket];
	int32_t i;

	rows_of_entry(pt, b, slot, val, msk, false);
	blk->used &= ~(1ull << slot);
	pt->where[e] = NONE;
	care_update(pt, p, msk, -1);
	pt->n_entries--;
	/* Find the block by a min it holds: the old one, at most e. */
	i = bucket_find(bk, e);
	while (bk->blk[i] != b)
		i--;
	if (!blk->used) {
		bucket_delete(bk, (uint32_t)i);
		pt->free_blk[pt->n_free++] = b;
	} else if (bk->min[i] == e) {
		bk->min[i] = block_min(blk);
		bucket_resort(bk, (uint32_t)i);
	}
}

/* ---- create ------------------------------------------------------------ */

static int alloc_parts(struct tcam_part *pt)
{
	for (unsigned p = 0; p < pt->n_parts; p++) {
		struct pt_part *pp = &pt->part[p];

		pp->bk = calloc((size_t)1 << pp->k, sizeof *pp->bk);
		if (!pp->bk)
			return -ENOMEM;
		for (unsigned s = 0; s < pt->n_slices; s++)
			pp->order[s] = (uint8_t)s;
		pp->n_read = 1;
		plan_reads(pp);
	}
	return 0;
}

struct tcam_part *tcam_part_create(uint32_t depth, uint16_t key_bits,
				   unsigned nw, const uint8_t *valid,
				   const uint64_t *val, const uint64_t *msk,
				   uint32_t max_blocks)
{
	struct tcam_part *pt = calloc(1, sizeof *pt);

	if (!pt)
		return NULL;
	pt->depth = depth;
	pt->max_blk = max_blocks;
	pt->n_slices = (key_bits + SB - 1) / SB;
	pt->row_words = (size_t)pt->n_slices * VALUES;
	pt->where = malloc(depth * sizeof *pt->where);
	if (!pt->where)
		goto fail;
	memset(pt->where, 0xff, depth * sizeof *pt->where);
	tcam_part_set_portable(pt, false);
	choose_parts(pt, key_bits, nw, valid, val, msk);
	if (alloc_parts(pt))
		goto fail;
	for (uint32_t e = 0; e < depth; e++)
		if (valid[e] && insert(pt, e, val + (size_t)e * nw,
				       msk + (size_t)e * nw, BUILD_FILL))
			goto fail;
	pt->built_with = pt->n_entries;
	return pt;
fail:
	tcam_part_destroy(pt);
	return NULL;
}

void tcam_part_destroy(struct tcam_part *pt)
{
	if (!pt)
		return;
	for (unsigned p = 0; p < pt->n_parts; p++)
		for (uint32_t b = 0; pt->part[p].bk && b < 1u << pt->part[p].k; b++) {
			free(pt->part[p].bk[b].min);
			free(pt->part[p].bk[b].blk);
		}
	for (unsigned p = 0; p < pt->n_parts; p++)
		free(pt->part[p].bk);
	free(pt->rows);
	free(pt->blk);
	free(pt->free_blk);
	free(pt->where);
	free(pt);
}

size_t tcam_part_memory(const struct tcam_part *pt)
{
	size_t b;

	if (!pt)
		return 0;
	b = sizeof *pt + pt->depth * sizeof *pt->where +
	    pt->cap_blk * (pt->row_words * sizeof *pt->rows +
			   sizeof *pt->blk + sizeof *pt->free_blk);
	for (unsigned p = 0; p < pt->n_parts; p++) {
		b += ((size_t)1 << pt->part[p].k) * sizeof(struct pt_bucket);
		for (uint32_t k = 0; k < 1u << pt->part[p].k; k++)
			b += pt->part[p].bk[k].cap * 2 * sizeof(uint32_t);
	}
	return b;
}

uint32_t tcam_part_built_with(const struct tcam_part *pt)
{
	return pt->built_with;
}

void tcam_part_stats(const struct tcam_part *pt, struct tcam_part_stats *st)
{
	memset(st, 0, sizeof *st);
	st->parts = pt->n_parts;
	st->blocks = pt->n_blk - pt->n_free;
	for (unsigned p = 0; p < pt->n_parts; p++) {
		st->lo[p] = pt->part[p].lo;
		st->k[p] = pt->part[p].k;
	}
	for (uint32_t b = 0; b < pt->n_blk; b++)
		if (pt->blk[b].used)
			st->entries[pt->blk[b].part] +=
				(uint32_t)__builtin_popcountll(pt->blk[b].used);
}

/* ---- self-check (tests) ------------------------------------------------ */

#include <stdio.h>

#define FAIL(...) (snprintf(why, len, __VA_ARGS__), false)

/* Entry slot `slot` of block b is in exactly the rows accepting val/msk. */
static bool check_rows(const struct tcam_part *pt, uint32_t b, unsigned slot,
		       const uint64_t *val, const uint64_t *msk, char *why,
		       size_t len)
{
	const uint64_t *r = pt->rows + b * pt->row_words;

	for (unsigned s = 0; s < pt->n_slices; s++)
		for (unsigned v = 0; v < VALUES; v++) {
			bool want = ((v ^ slice_of(val, s)) & slice_of(msk, s)) == 0;
			bool has = (r[s * VALUES + v] >> slot) & 1;

			if (want != has)
				return FAIL("block %u slot %u: row (%u, %u) is %d", b, slot, s, v, has);
		}
	return true;
}

/* Free slots of block b are in no row. */
static bool check_free(const struct tcam_part *pt, uint32_t b, char *why,
		       size_t len)
{
	const uint64_t *r = pt->rows + b * pt->row_words;

	for (size_t i = 0; i < pt->row_words; i++)
		if (r[i] & ~pt->blk[b].used)
			return FAIL("block %u: a free slot in row word %zu", b, i);
	return true;
}

static bool check_entries(const struct tcam_part *pt, unsigned nw,
			  const uint8_t *valid, const uint64_t *val,
			  const uint64_t *msk, char *why, size_t len)
{
	uint32_t n = 0;

	for (uint32_t e = 0; e < pt->depth; e++) {
		const uint64_t *v = val + (size_t)e * nw, *m = msk + (size_t)e * nw;
		uint32_t b = pt->where[e] / SLOTS, slot = pt->where[e] % SLOTS;
		unsigned p;

		if (!valid[e]) {
			if (pt->where[e] != NONE)
				return FAIL("invalid entry %u is in block %u", e, b);
			continue;
		}
		n++;
		if (pt->where[e] == NONE || b >= pt->n_blk ||
		    !((pt->blk[b].used >> slot) & 1) || pt->blk[b].gidx[slot] != e)
			return FAIL("entry %u: not in the slot it names", e);
		p = part_for(pt, m);
		if (pt->blk[b].part != p || pt->blk[b].bucket != bucket_of(&pt->part[p], v))
			return FAIL("entry %u: in partition %u bucket %u, belongs in %u, %u",
				    e, pt->blk[b].part, pt->blk[b].bucket, p,
				    bucket_of(&pt->part[p], v));
		if (!check_rows(pt, b, slot, v, m, why, len))
			return false;
	}
	if (n != pt->n_entries)
		return FAIL("%u entries counted, %u valid", pt->n_entries, n);
	return true;
}

/* Every bucket's list: its blocks, once each, sorted by their true min;
 * free slots in no row. */
static bool check_buckets(const struct tcam_part *pt, char *why, size_t len)
{
	uint32_t listed = 0;

	for (unsigned p = 0; p < pt->n_parts; p++)
		for (uint32_t k = 0; k < 1u << pt->part[p].k; k++) {
			const struct pt_bucket *bk = &pt->part[p].bk[k];

			for (uint32_t i = 0; i < bk->n; i++) {
				const struct pt_block *blk = &pt->blk[bk->blk[i]];

				if (!blk->used || blk->part != p || blk->bucket != k)
					return FAIL("partition %u bucket %u: block %u misplaced", p, k, bk->blk[i]);
				if (bk->min[i] != block_min(blk))
					return FAIL("partition %u bucket %u: block %u min %u, holds %u",
						    p, k, bk->blk[i], bk->min[i], block_min(blk));
				if (i && bk->min[i - 1] >= bk->min[i])
					return FAIL("partition %u bucket %u: mins out of order at %u", p, k, i);
				if (!check_free(pt, bk->blk[i], why, len))
					return false;
				listed++;
			}
		}
	if (listed + pt->n_free != pt->n_blk)
		return FAIL("%u blocks listed, %u free, %u made", listed, pt->n_free, pt->n_blk);
	return true;
}

/* Care counts and read plans against a recount. */
static bool check_plans(const struct tcam_part *pt, unsigned nw,
			const uint8_t *valid, const uint64_t *msk, char *why,
			size_t len)
{
	for (unsigned p = 0; p < pt->n_parts; p++) {
		const struct pt_part *pp = &pt->part[p];

		for (unsigned s = 0; s < pt->n_slices; s++) {
			uint32_t c = 0;

			for (uint32_t e = 0; e < pt->depth; e++) {
				const uint64_t *m = msk + (size_t)e * nw;

				c += valid[e] && part_for(pt, m) == p &&
				     slice_of(m, s) && !dispatch_slice(pp, s);
			}
			if (c != pp->care[s])
				return FAIL("partition %u slice %u: care %u, recount %u", p, s, pp->care[s], c);
		}
		for (unsigned k = 0; k < pt->n_slices; k++)
			if ((k < pp->n_read) != (pp->care[pp->order[k]] > 0) && !(k == 0 && pp->n_read == 1))
				return FAIL("partition %u: read %u of %u is slice %u, care %u", p, k,
					    pp->n_read, pp->order[k], pp->care[pp->order[k]]);
	}
	return true;
}

bool tcam_part_check(const struct tcam_part *pt, unsigned nw,
		     const uint8_t *valid, const uint64_t *val,
		     const uint64_t *msk, char *why, size_t len)
{
	return check_entries(pt, nw, valid, val, msk, why, len) &&
	       check_buckets(pt, why, len) &&
	       check_plans(pt, nw, valid, msk, why, len);
}

/* ---- lookup ------------------------------------------------------------ */

/* Row offsets of partition p's reads for key (ro[k] for k < n_pad). */
static void offsets_generic(const struct pt_part *p, const struct pnic_key *key,
			    uint32_t *ro)
{
	for (unsigned k = 0; k < p->n_pad; k++) {
		uint32_t dw = (uint32_t)(key->w[p->plan.dw[k] / 2] >>
					 (p->plan.dw[k] % 2 * 32));

		ro[k] = p->plan.base[k] + ((dw >> p->plan.sh[k]) & (VALUES - 1));
	}
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The same 16 at a time. */
__attribute__((target("avx512f"))) static void
offsets_avx512(const struct pt_part *p, const struct pnic_key *key,
	       uint32_t *ro)
{
	tcam_plan_offsets_avx512(&p->plan, p->n_pad, 0, key, ro);
}
#define HAVE_AVX512 1
#endif

const char *tcam_part_set_portable(struct tcam_part *pt, bool portable)
{
#ifdef HAVE_AVX512
	if (!portable && __builtin_cpu_supports("avx512f")) {
		pt->offsets = offsets_avx512;
		return "avx512f";
	}
#endif
	pt->offsets = offsets_generic;
	return "portable";
}

/* The lowest index below *best among bucket bk's entries accepting the
 * key, into *best.  Most blocks have no candidate left after a chunk or
 * two of reads; a block holding a match reads them all. */
static inline __attribute__((always_inline)) void
scan_bucket(const struct tcam_part *pt, const struct pt_part *p,
	    const struct pt_bucket *bk, const struct pnic_key *key,
	    uint32_t *best)
{
	uint32_t ro[TCAM_BM_MAX_SLICES];
	unsigned n = p->n_pad;

	pt->offsets(p, key, ro);
	for (uint32_t i = 0; i < bk->n && bk->min[i] < *best; i++) {
		const uint64_t *r = pt->rows + bk->blk[i] * pt->row_words;
		uint64_t a = ~0ull;

		for (unsigned k = 0; k < n && a; k += CHUNK)
			a &= (r[ro[k]] & r[ro[k + 1]]) & (r[ro[k + 2]] & r[ro[k + 3]]);
		for (const uint32_t *g = pt->blk[bk->blk[i]].gidx; a; a &= a - 1) {
			uint32_t x = g[__builtin_ctzll(a)];

			*best = x < *best ? x : *best;
		}
	}
}

int32_t tcam_part_lookup(const struct tcam_part *pt, const struct pnic_key *key)
{
	const struct pt_bucket *bk[TCAM_PT_MAX_PARTS];
	unsigned pi[TCAM_PT_MAX_PARTS], n = 0;
	uint32_t best = NONE;

	/* The non-empty buckets, by their first min (insertion). */
	for (unsigned p = 0; p < pt->n_parts; p++) {
		const struct pt_bucket *b = &pt->part[p].bk[bucket_of(&pt->part[p], key->w)];
		unsigned j = n;

		if (!b->n)
			continue;
		while (j > 0 && bk[j - 1]->min[0] > b->min[0]) {
			bk[j] = bk[j - 1];
			pi[j] = pi[j - 1];
			j--;
		}
		bk[j] = b;
		pi[j] = p;
		n++;
	}
	for (unsigned j = 0; j < n && bk[j]->min[0] < best; j++)
		scan_bucket(pt, &pt->part[pi[j]], bk[j], key, &best);
	return best == NONE ? TCAM_MISS : (int32_t)best;
}
