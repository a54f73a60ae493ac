/* TCAM internals shared by the files of the block, plus a hook that lets
 * the tests pick the lookup strategy.  Not a contract: nothing outside the
 * TCAM block and its tests includes this file.
 *
 *   tcam.c         the block: the entry store (the truth), writes and
 *                  invalidates, the linear oracle, and which of the two
 *                  fast lookups answers
 *   tcam_hash.c    hashing and the open-addressing tables
 *   tcam_tuple.c   the tuple index, kept in step with the entry store:
 *                  tuples, their heaps, the order, duplicate rings,
 *                  small-value copies and filters
 *   tcam_search.c  tcam_lookup() and tcam_lookup_burst(): tuple space
 *                  search, one probe for single keys and bursts
 *   tcam_bitmap.c  the bitmap index, for tables with many masks
 *   tcam_part.c    the partitioned index, for big tables with many masks
 *
 * The lookup path's helpers are inline here, so that the search is
 * compiled with them as one piece; writes go through functions.
 * docs/tcam.md has the algorithms, their costs and the measured figures.
 */
#ifndef PNIC_TCAM_PRIVATE_H
#define PNIC_TCAM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/key.h"
#include "model/tcam.h"

#define TCAM_CACHE_LINE 64
#define TCAM_HUGE_PAGE (2u << 20)

/* Memory for a table that lookups read at random or in long streams:
 * cache-line aligned, and from 2 MiB on huge-page aligned and advised (on
 * 4 KiB pages nearly every access far apart would also miss the TLB).
 * *bytes is rounded up to what was allocated.  NULL when out of memory;
 * free() releases it. */
void *tcam_alloc_table(size_t *bytes);

/* Two words at a time (SSE2 on x86-64, NEON on arm64; plain pairs
 * elsewhere).  Loads go through memcpy: slot values sit 8 bytes into their
 * slot. */
typedef uint64_t tcam_v2u __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) tcam_v2u
tcam_ld2(const uint64_t *p)
{
	tcam_v2u v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* ---- hashing (tcam_hash.c) ------------------------------------------- */

__extension__ typedef unsigned __int128 tcam_u128;

static inline uint64_t tcam_mum(uint64_t a, uint64_t b)
{
	tcam_u128 r = (tcam_u128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Multilinear over the words (one independent multiply each, so the CPU
 * overlaps them), then a 64x64->128 multiply folds high bits into low
 * ones.  Collisions cost probes, never answers.  The constants are here,
 * not in tcam_hash.c, so that they become immediates in the search. */
static inline __attribute__((always_inline)) uint64_t
tcam_hash_words(const uint64_t *w, unsigned n)
{
	static const uint64_t salt[PNIC_KEY_WORDS] = {
		0xa0761d6478bd642full, 0xe7037ed1a0b428dbull,
		0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull,
		0x1d8e4e27c47d124full, 0x9e3779b97f4a7c15ull,
		0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
	};
	static const uint64_t mul[PNIC_KEY_WORDS] = {
		0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull,
		0x94d049bb133111ebull, 0xd6e8feb86659fd93ull,
		0xa0761d6478bd642full, 0xe7037ed1a0b428dbull,
		0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull,
	};
	uint64_t h = n;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		h += (w[i] ^ salt[i]) * mul[i];
	return tcam_mum(h ^ 0x2d358dccaa6c78a5ull, 0x8bb84b93962eacc9ull);
}

/* The 32 bits of a hash that a slot keeps and that pick the home slot. */
static inline uint32_t tcam_hash32(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

static inline __attribute__((always_inline)) bool
tcam_words_eq(const uint64_t *a, const uint64_t *b, unsigned n)
{
	uint64_t d = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* ---- open-addressing tables (tcam_hash.c) ---------------------------- */

/* Linear probing, at most half full, power-of-two size, backward-shift
 * deletion (no tombstones, so probes stay short however long a table
 * lives).  A slot is `stride` words: word 0 holds the payload (low 32
 * bits, TCAM_SLOT_EMPTY when free) and 32 bits of the key's hash (high 32
 * bits); words 1..n the key.  The caller keeps stride and n: every table
 * of a TCAM has the same. */
#define TCAM_SLOT_EMPTY UINT32_MAX
#define TCAM_OTAB_MIN_SLOTS 4u

struct tcam_otab {
	uint64_t *slots;
	uint32_t size_mask;
	uint32_t count;
	uint32_t reach;         /* no key sits further than this past its home */
};

static inline uint64_t *tcam_otab_slot(const struct tcam_otab *o,
				       unsigned stride, uint32_t pos)
{
	return o->slots + (size_t)pos * stride;
}

static inline uint32_t tcam_slot_payload(const uint64_t *s)
{
	return (uint32_t)s[0];
}

static inline void tcam_slot_set_payload(uint64_t *s, uint32_t p)
{
	s[0] = (s[0] & 0xffffffff00000000ull) | p;
}

/* An empty table of `slots` (a power of two) slots; -ENOMEM. */
int tcam_otab_init(struct tcam_otab *o, unsigned stride, uint32_t slots);
void tcam_otab_fini(struct tcam_otab *o);
/* The slot holding key (n words, hash h), or NULL.  Inline: every write
 * looks up its mask, the value it removes and the value it adds. */
static inline uint64_t *tcam_otab_find(const struct tcam_otab *o,
				       unsigned stride, unsigned n,
				       const uint64_t *key, uint32_t h)
{
	for (uint32_t pos = h & o->size_mask;; pos = (pos + 1) & o->size_mask) {
		uint64_t *s = tcam_otab_slot(o, stride, pos);

		if (tcam_slot_payload(s) == TCAM_SLOT_EMPTY)
			return NULL;
		if ((uint32_t)(s[0] >> 32) == h && tcam_words_eq(s + 1, key, n))
			return s;
	}
}
/* Make room for one more key; -ENOMEM (table unchanged). */
int tcam_otab_reserve(struct tcam_otab *o, unsigned stride, unsigned n);
/* Add a key that is absent, after tcam_otab_reserve(). */
void tcam_otab_put(struct tcam_otab *o, unsigned stride, unsigned n,
		   const uint64_t *key, uint32_t h, uint32_t payload);
/* Empty the slot `victim` (from tcam_otab_find()). */
void tcam_otab_remove(struct tcam_otab *o, unsigned stride, uint64_t *victim);
/* Give memory back when the table is mostly empty (best effort). */
void tcam_otab_shrink(struct tcam_otab *o, unsigned stride, unsigned n);

/* ---- tuples (tcam_tuple.c) ------------------------------------------- */

/* A tuple with at most TCAM_SMALL_MAX distinct values also keeps them in
 * a plain array: comparing a few values costs less than hashing the key. */
#define TCAM_SMALL_MAX 4
#define TCAM_SMALL_NONE UINT32_MAX

/* A tuple with 2 to TCAM_FILT_MAX distinct values keeps a filter: one bit
 * per bucket of a cheap fold of the masked key, set for the buckets its
 * values fall in.  Before hashing, a single-key lookup turns away most
 * keys the tuple does not hold with one multiply and one bit test: that
 * is most of the work on a small table with a few dozen masks (the lookup
 * core's).  A tuple with more values has every bit set (it would pass
 * most keys anyway); the burst lookup, made for tables that outgrow the
 * caches, does not look. */
#define TCAM_FILT_LOG2 8
#define TCAM_FILT_WORDS ((1u << TCAM_FILT_LOG2) / 64)
#define TCAM_FILT_MAX 32

#define TCAM_NO_TUPLE UINT32_MAX

struct tcam_tuple {
	/* What a lookup reads, first. */
	uint64_t mask[PNIC_KEY_WORDS];
	uint32_t best;          /* lowest entry index in the tuple (heap top) */
	uint32_t n_small;       /* values in small_*, or TCAM_SMALL_NONE */
	struct tcam_otab tab;   /* masked value -> lowest index with it */
	/* bit b: filt_n[b] != 0; all set past TCAM_FILT_MAX */
	uint64_t filt[TCAM_FILT_WORDS];
	uint32_t small_idx[TCAM_SMALL_MAX];
	uint64_t small_val[TCAM_SMALL_MAX][PNIC_KEY_WORDS];

	uint8_t filt_n[1u << TCAM_FILT_LOG2];  /* values per filter bucket */
	uint32_t id;
	uint32_t n_entries;
	uint32_t heap_cap;
	uint32_t *heap;         /* min-heap of entry indices */
};

/* The filter's bucket of a masked value: its words folded into one, then
 * a multiplicative hash, whose top bits every bit of the fold can move. */
static inline __attribute__((always_inline)) unsigned
tcam_filt_bucket(const uint64_t *w, const uint64_t *mask, unsigned n)
{
	uint64_t x = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		x ^= w[i] & mask[i];
	return (unsigned)((x * 0x9e3779b97f4a7c15ull) >> (64 - TCAM_FILT_LOG2));
}

/* False when the tuple certainly holds no value that key matches. */
static inline __attribute__((always_inline)) bool
tcam_filt_pass(const struct tcam_tuple *tp, const struct pnic_key *key,
	       unsigned n)
{
	unsigned b;

	/* One value is compared as cheaply as it is filtered. */
	if (tp->tab.count < 2 || tp->tab.count > TCAM_FILT_MAX)
		return true;
	b = tcam_filt_bucket(key->w, tp->mask, n);
	return (tp->filt[b / 64] >> (b % 64)) & 1;
}

/* ---- the table ------------------------------------------------------- */

struct tcam_bitmap;

/* Which lookup tcam_lookup() and tcam_lookup_burst() use. */
enum tcam_strategy {
	TCAM_STRATEGY_AUTO,     /* by mask count, depth and key width */
	TCAM_STRATEGY_TUPLE,    /* tuple space search only, no bitmap kept */
	TCAM_STRATEGY_BITMAP,   /* bitmap always, whatever the masks */
	TCAM_STRATEGY_PART,     /* partitioned index always (no bitmap kept) */
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

	/* Per-entry links into the tuple index. */
	uint32_t *tuple_of;
	uint32_t *heap_pos;
	uint32_t *dup_next;
	uint32_t *dup_prev;

	/* Tuples by id (NULL when free), and ids free for reuse. */
	struct tcam_tuple **tuples;
	uint32_t tuples_cap;
	uint32_t n_ids;         /* ids handed out so far */
	uint32_t *free_ids;
	uint32_t n_free;

	struct tcam_tuple **order;  /* live tuples by best index */
	/* order[k]->best, kept beside the order: moving a tuple in it, or
	 * taking one out, shifts these two arrays and reads no tuple (a
	 * tuple's position is found by its best, by bisection).  Touching
	 * every tuple it passed, a few thousand cold lines, made an
	 * invalidate that frees an early tuple take 10-30 us. */
	uint32_t *order_best;
	uint32_t n_order;
	/* The tuple with the most values, roughly (forgotten when freed,
	 * taken over by the next tuple to grow past it); NULL when unknown. */
	struct tcam_tuple *big;

	struct tcam_otab masks; /* mask -> tuple id */

	/* Bitmap index (tcam_bitmap.c), kept while the masks are many; used
	 * by lookups when bm_use.  Best effort: without memory for it,
	 * lookups stay with tuple search. */
	struct tcam_bitmap *bm;
	bool bm_use;
	enum tcam_strategy strategy;
	uint32_t bm_masks_on;   /* mask count from which the bitmap wins */
	bool bm_portable;       /* tests: the bitmap scan without AVX */
	/* Partitioned index (tcam_part.c): in place of the bitmap on tables
	 * of many entries (never both); used when pt_use.  Best effort too:
	 * without memory for it, the bitmap serves. */
	struct tcam_part *pt;
	bool pt_use;
	uint32_t pt_retry;      /* after a failed build: entries to retry at */
};

static inline const uint64_t *tcam_entry_val(const struct tcam *t,
					     uint32_t e)
{
	return t->val + (size_t)e * t->nw;
}

static inline const uint64_t *tcam_entry_msk(const struct tcam *t,
					     uint32_t e)
{
	return t->msk + (size_t)e * t->nw;
}

/* The tuple of `mask`, made empty if there is none (*created says so);
 * -ENOMEM with nothing changed. */
int tcam_tuple_get(struct tcam *t, const uint64_t *mask,
		   struct tcam_tuple **out, bool *created);
/* Free an empty tuple. */
void tcam_tuple_free(struct tcam *t, struct tcam_tuple *tp);
/* Make room in tp for one more entry; -ENOMEM with nothing changed. */
int tcam_tuple_reserve(struct tcam *t, struct tcam_tuple *tp);
/* Index entry e, whose value and mask the store holds now, in tp (its
 * mask's tuple, with room reserved), and mark it valid. */
void tcam_entry_insert(struct tcam *t, uint32_t e, struct tcam_tuple *tp);
/* Take valid entry e out of the index and mark it invalid.  Returns its
 * tuple, which the caller frees if now empty (unless a replacement entry
 * goes there). */
struct tcam_tuple *tcam_entry_remove(struct tcam *t, uint32_t e);

/* ---- bitmap index (tcam_bitmap.c) ------------------------------------ */

/* The bitmap index ("transposed" TCAM, the FPGA construction of
 * rtl/tcam.sv with Transposed=1) cuts the key into TCAM_BM_SLICE_BITS-bit
 * slices.  For slice s and each value v of it, a row of depth bits says
 * which valid entries accept v in that slice under their mask.  A key
 * selects one row per slice; ANDing them gives the match vector, and its
 * lowest set bit is the answer.  Rows are scanned 512 entries at a time
 * from index 0 up, so the scan stops at the first group holding a match:
 * priority costs nothing. */
#define TCAM_BM_SLICE_BITS 4
#define TCAM_BM_VALUES (1u << TCAM_BM_SLICE_BITS)
#define TCAM_BM_MAX_SLICES \
	((PNIC_KEY_MAX_BITS + TCAM_BM_SLICE_BITS - 1) / TCAM_BM_SLICE_BITS)

/* A read plan, shared by the bitmap and the partitioned index: for read
 * k of a lookup, the key's 32-bit word holding its slice (dw), the shift
 * to the slice's nibble in it (sh), and the offset of the slice's first
 * row (base).  Past the reads, up to a multiple of 16, anything in range
 * (zero). */
struct tcam_plan {
	uint32_t dw[TCAM_BM_MAX_SLICES];
	uint32_t sh[TCAM_BM_MAX_SLICES];
	uint32_t base[TCAM_BM_MAX_SLICES];
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
/* The row offsets of the first n reads of plan p for key, 16 at a time:
 * the key's 32-bit words permuted into each read's lane, shifted to its
 * nibble, times the row's stride (1 << scale words), plus base.  A few
 * instructions where a scalar loop spends ten per slice, which on a
 * small table is a third of a lookup. */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
tcam_plan_offsets_avx512(const struct tcam_plan *p, unsigned n, unsigned scale,
			 const struct pnic_key *key, uint32_t *off)
{
	__m512i kd = _mm512_loadu_si512(key->w);
	__m512i lo = _mm512_set1_epi32(TCAM_BM_VALUES - 1);
	__m512i sc = _mm512_set1_epi32((int)scale);

	for (unsigned k = 0; k < n; k += 16) {
		__m512i x = _mm512_permutexvar_epi32(_mm512_loadu_si512(p->dw + k), kd);

		x = _mm512_and_si512(_mm512_srlv_epi32(x, _mm512_loadu_si512(p->sh + k)), lo);
		x = _mm512_add_epi32(_mm512_sllv_epi32(x, sc),
				     _mm512_loadu_si512(p->base + k));
		_mm512_storeu_si512(off + k, x);
	}
}
#endif

/* Bytes the bitmap index of such a table takes (for the docs and the
 * memory budget). */
size_t tcam_bitmap_bytes(uint32_t depth, uint16_t key_bits);
/* An index with no entry in it; NULL when out of memory. */
struct tcam_bitmap *tcam_bitmap_create(uint32_t depth, uint16_t key_bits);
void tcam_bitmap_destroy(struct tcam_bitmap *bm);
/* Bytes it holds (its rows and itself). */
size_t tcam_bitmap_memory(const struct tcam_bitmap *bm);
/* Make entry e, which accepts nothing now, accept exactly the keys with
 * (key & msk) == val (val is already masked). */
void tcam_bitmap_set(struct tcam_bitmap *bm, uint32_t e, const uint64_t *val,
		     const uint64_t *msk);
/* Fill an empty index from an entry store (depth entries of nw words,
 * values already masked): what tcam_bitmap_set() on each valid entry
 * would do, in far fewer cache misses. */
void tcam_bitmap_build(struct tcam_bitmap *bm, uint32_t depth, unsigned nw,
		       const uint8_t *valid, const uint64_t *val,
		       const uint64_t *msk);
/* Make entry e, set before with value val and mask msk, accept nothing. */
void tcam_bitmap_clear(struct tcam_bitmap *bm, uint32_t e, const uint64_t *val,
		       const uint64_t *msk);
/* The lookup uses the widest vectors the CPU has (AVX-512, AVX2; picked
 * at run time) or, when `portable`, the build's baseline (SSE2 on
 * x86-64): same answers, which the tests check.  Returns which. */
const char *tcam_bitmap_set_portable(struct tcam_bitmap *bm, bool portable);
/* Lowest index accepting key, or TCAM_MISS. */
int32_t tcam_bitmap_lookup(const struct tcam_bitmap *bm,
			   const struct pnic_key *key);

/* ---- partitioned index (tcam_part.c) --------------------------------- */

/* Entries placed by content: partitions dispatching on a few key bits
 * each (an entry goes to the first whose bits its mask covers), then a
 * residual; per bucket, blocks of 64 entries with bitmap rows of their
 * own and the entries' global indices, sorted by their lowest index.
 * A lookup visits one bucket per partition and stops at the first block
 * that cannot beat its answer.  tcam_part.c has the details. */
#define TCAM_PT_MAX_PARTS 8     /* residual included */

struct tcam_part;
struct tcam_part_stats {
	unsigned parts;
	unsigned lo[TCAM_PT_MAX_PARTS], k[TCAM_PT_MAX_PARTS];
	uint32_t entries[TCAM_PT_MAX_PARTS];
	uint32_t blocks;
};

/* Choose partitions for the valid entries of an entry store and index
 * them, in at most max_blocks blocks of 64 entries (a write that needs
 * more fails like one out of memory); NULL when out of memory or
 * blocks. */
struct tcam_part *tcam_part_create(uint32_t depth, uint16_t key_bits,
				   unsigned nw, const uint8_t *valid,
				   const uint64_t *val, const uint64_t *msk,
				   uint32_t max_blocks);
void tcam_part_destroy(struct tcam_part *pt);
size_t tcam_part_memory(const struct tcam_part *pt);
/* Entries it held when built (the caller rebuilds as the table grows). */
uint32_t tcam_part_built_with(const struct tcam_part *pt);
void tcam_part_stats(const struct tcam_part *pt, struct tcam_part_stats *st);
/* Tests: the whole index against the entry store (every entry in its
 * bucket's block and exactly its rows, lists sorted by true mins, free
 * slots clear, care counts); false with the first fault in why. */
bool tcam_part_check(const struct tcam_part *pt, unsigned nw,
		     const uint8_t *valid, const uint64_t *val,
		     const uint64_t *msk, char *why, size_t len);
/* Index entry e (value val, already masked, mask msk), absent now;
 * -ENOMEM leaves the index unusable: the caller destroys it. */
int tcam_part_set(struct tcam_part *pt, uint32_t e, const uint64_t *val,
		  const uint64_t *msk);
/* Take out entry e, set before with val and msk. */
void tcam_part_clear(struct tcam_part *pt, uint32_t e, const uint64_t *val,
		     const uint64_t *msk);
/* Row offsets computed with AVX-512 when the CPU has it, or, when
 * portable, in plain C: same answers.  Returns which. */
const char *tcam_part_set_portable(struct tcam_part *pt, bool portable);
/* Lowest index accepting key, or TCAM_MISS. */
int32_t tcam_part_lookup(const struct tcam_part *pt,
			 const struct pnic_key *key);

/* ---- strategy (tcam.c) ----------------------------------------------- */

/* For tests: force a strategy.  -ENOMEM (table unchanged) if the bitmap
 * cannot be built. */
int tcam_set_strategy(struct tcam *t, enum tcam_strategy s);
/* For tests: the bitmap lookup in the build's baseline instructions
 * (portable) or the widest the CPU has (the default), for this bitmap and
 * every one built later.  Returns which ("portable", "avx2", "avx512f"). */
const char *tcam_set_portable(struct tcam *t, bool portable);
/* True when lookups use the bitmap now. */
bool tcam_uses_bitmap(const struct tcam *t);
/* True when lookups use the partitioned index now. */
bool tcam_uses_part(const struct tcam *t);

#endif
