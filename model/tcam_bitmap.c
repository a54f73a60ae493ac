/* TCAM bitmap index: the transposed TCAM of rtl/tcam.sv in software.
 *
 * Row (s, v) is the depth-bit vector of the entries that accept value v
 * in slice s.  Rows are stored slice by slice, and within a slice group
 * by group (512 entries, one cache line of a row), the 16 rows' lines of
 * a group side by side (row_word()).  A lookup reads one line per slice
 * and group, 512 entries at a time, so a scan that goes deep reads a few
 * streams of constant stride (1 KiB) the prefetchers follow, and one that
 * stops early touches one line per slice; a write touches the lines of
 * the rows that accept the entry, adjacent ones within a slice.  An
 * invalid entry has its bit clear in every row, so validity needs no row
 * of its own.
 *
 * The scan is written three times, for the vectors a CPU may have: a
 * group in one AVX-512 register (which also computes its rows 16 slices
 * at a time), in two AVX2 ones, or in four SSE2 ones (the x86-64
 * baseline, and pairs of words elsewhere).  One is picked at run time;
 * all give the same answers, which the tests check on both ends.
 */
#include "model/tcam-private.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#define VALUES TCAM_BM_VALUES
#define SB TCAM_BM_SLICE_BITS
#define GROUP_WORDS 8           /* one cache line of a row: 512 entries */
#define CHUNK 8                 /* slices ANDed between two checks */
/* Groups whose first CHUNK + 1 reads the AVX-512 scan does before it
 * looks at any: the few that keep a candidate (5 of the 23 a fw 10K
 * lookup passes) are noted without a branch and finished afterwards, in
 * order.  A branch per group, taken at random, cost more than the reads
 * past the matching group this wastes (fw 10K: 1.24x lookups/s). */
#define BATCH 8

struct tcam_bitmap;
typedef int32_t (*bm_lookup_fn)(const struct tcam_bitmap *bm,
				const struct pnic_key *key);

struct tcam_bitmap {
	bm_lookup_fn lookup;    /* the widest vectors the CPU has */
	uint32_t nblk;          /* words per row, a multiple of GROUP_WORDS */
	/* Lookups stop at scan_end (words): the end of the last group that
	 * holds a valid entry (grp_n counts them), so a key that matches
	 * nothing does not read the unused tail of a table. */
	uint32_t scan_end;
	uint16_t *grp_n;
	unsigned n_slices;
	size_t bytes;
	uint64_t *rows;
	/* Slices a lookup reads, most constrained first: care[s] counts the
	 * valid entries whose mask is not all zero in slice s.  A slice no
	 * entry cares about has every row equal to the valid vector, so it
	 * is skipped (but one slice is always read, to see validity); the
	 * most constrained slices are the likeliest to empty a group early. */
	unsigned n_read;
	uint32_t care[TCAM_BM_MAX_SLICES];
	uint8_t order[TCAM_BM_MAX_SLICES];
	/* The same order as a plan the AVX-512 lookup computes 16 row
	 * offsets at a time from (a slice's first row: s * VALUES * nblk
	 * words; a value's: 8 words further per value). */
	struct tcam_plan plan;
};

static uint32_t row_words(uint32_t depth)
{
	uint32_t w = (depth + 63) / 64;

	return (w + GROUP_WORDS - 1) / GROUP_WORDS * GROUP_WORDS;
}

static unsigned n_slices(uint16_t key_bits)
{
	return (key_bits + SB - 1) / SB;
}

size_t tcam_bitmap_bytes(uint32_t depth, uint16_t key_bits)
{
	return (size_t)n_slices(key_bits) * VALUES * row_words(depth) *
	       sizeof(uint64_t);
}

static void plan_reads(struct tcam_bitmap *bm);

struct tcam_bitmap *tcam_bitmap_create(uint32_t depth, uint16_t key_bits)
{
	struct tcam_bitmap *bm = calloc(1, sizeof *bm);
	size_t bytes = tcam_bitmap_bytes(depth, key_bits);

	if (!bm)
		return NULL;
	bm->nblk = row_words(depth);
	bm->grp_n = calloc(bm->nblk / GROUP_WORDS, sizeof *bm->grp_n);
	bm->n_slices = n_slices(key_bits);
	bm->rows = tcam_alloc_table(&bytes);
	if (!bm->rows || !bm->grp_n) {
		free(bm->rows);
		free(bm->grp_n);
		free(bm);
		return NULL;
	}
	memset(bm->rows, 0, bytes);
	bm->bytes = bytes;
	for (unsigned i = 0; i < bm->n_slices; i++)
		bm->order[i] = (uint8_t)i;
	bm->n_read = 1;
	plan_reads(bm);
	tcam_bitmap_set_portable(bm, false);
	return bm;
}

void tcam_bitmap_destroy(struct tcam_bitmap *bm)
{
	if (!bm)
		return;
	free(bm->rows);
	free(bm->grp_n);
	free(bm);
}

size_t tcam_bitmap_memory(const struct tcam_bitmap *bm)
{
	return bm ? sizeof *bm + bm->bytes +
		    bm->nblk / GROUP_WORDS * sizeof *bm->grp_n : 0;
}

/* Where word b of row (s, v) sits.  Slice by slice, then group by group,
 * the 16 rows' lines of a group side by side: a lookup reads one line of
 * a slice per group as before (its rows' lines for consecutive groups
 * now lie 1 KiB apart, a stride the prefetchers follow), and a write
 * that sets a wildcard nibble's 16 rows touches 16 adjacent lines of one
 * page rather than 16 lines in 16 pages. */
static inline size_t row_word(const struct tcam_bitmap *bm, unsigned s,
			      unsigned v, uint32_t b)
{
	return ((size_t)s * bm->nblk + b / GROUP_WORDS * GROUP_WORDS) * VALUES +
	       v * GROUP_WORDS + b % GROUP_WORDS;
}

static inline unsigned slice_of(const uint64_t *w, unsigned s)
{
	unsigned bit = s * SB;

	return (unsigned)(w[bit / 64] >> (bit % 64)) & (VALUES - 1);
}

static void plan_reads(struct tcam_bitmap *bm)
{
	for (unsigned k = 0; k < TCAM_BM_MAX_SLICES; k++) {
		unsigned s = bm->order[k];
		bool on = k < bm->n_read;

		bm->plan.dw[k] = on ? s / 8 : 0;
		bm->plan.sh[k] = on ? s % 8 * SB : 0;
		bm->plan.base[k] = on ? s * VALUES * bm->nblk : 0;
	}
}

/* Count entry masks in or out of care[], then restore the order by
 * insertion sort (a write moves a count by one, so this is nearly
 * linear). */
static void care_update(struct tcam_bitmap *bm, const uint64_t *msk, int d,
			bool sort)
{
	unsigned n = bm->n_slices, k = 0, n_read = bm->n_read;
	bool moved = false;

	for (unsigned s = 0; s < n && d; s++)
		if (slice_of(msk, s))
			bm->care[s] = (uint32_t)((int64_t)bm->care[s] + d);
	if (!sort)
		return;
	for (unsigned i = 1; i < n; i++) {
		uint8_t x = bm->order[i];
		unsigned j = i;

		while (j > 0 && bm->care[bm->order[j - 1]] < bm->care[x]) {
			bm->order[j] = bm->order[j - 1];
			j--;
		}
		moved |= j != i;
		bm->order[j] = x;
	}
	while (k < n && bm->care[bm->order[k]])
		k++;
	bm->n_read = k ? k : 1;
	/* The plan is TCAM_BM_MAX_SLICES entries of three arrays: rewritten
	 * only when the order changed (most writes leave it). */
	if (moved || bm->n_read != n_read)
		plan_reads(bm);
}

/* Entry e's bit in the rows that accept its value in each slice: with
 * mask nibble mm and value vv, the values vv | d for every d under the
 * don't-care bits (16 rows for a wildcard nibble, 1 for an exact one).
 * The other rows hold e's bit clear (before a set, after a clear), so
 * only these are touched: each is a cache line of its own. */
static void rows_of_entry(struct tcam_bitmap *bm, uint32_t e,
			  const uint64_t *val, const uint64_t *msk, bool on)
{
	uint64_t bit = 1ull << (e % 64);

	for (unsigned s = 0; s < bm->n_slices; s++) {
		unsigned mm = slice_of(msk, s), vv = slice_of(val, s);
		unsigned dc = ~mm & (VALUES - 1);
		uint64_t *r = bm->rows + row_word(bm, s, 0, e / 64);

		for (unsigned d = dc;; d = (d - 1) & dc) {
			if (on)
				r[(vv | d) * GROUP_WORDS] |= bit;
			else
				r[(vv | d) * GROUP_WORDS] &= ~bit;
			if (!d)
				break;
		}
	}
}

/* Entry e came (d = 1) or went (d = -1): its group's count, and where
 * lookups stop. */
static void group_count(struct tcam_bitmap *bm, uint32_t e, int d)
{
	uint32_t g = e / 64 / GROUP_WORDS;

	bm->grp_n[g] = (uint16_t)(bm->grp_n[g] + d);
	if (d > 0 && (g + 1) * GROUP_WORDS > bm->scan_end)
		bm->scan_end = (g + 1) * GROUP_WORDS;
	while (bm->scan_end && !bm->grp_n[bm->scan_end / GROUP_WORDS - 1])
		bm->scan_end -= GROUP_WORDS;
}

void tcam_bitmap_set(struct tcam_bitmap *bm, uint32_t e, const uint64_t *val,
		     const uint64_t *msk)
{
	rows_of_entry(bm, e, val, msk, true);
	group_count(bm, e, 1);
	care_update(bm, msk, 1, true);
}

void tcam_bitmap_clear(struct tcam_bitmap *bm, uint32_t e, const uint64_t *val,
		       const uint64_t *msk)
{
	rows_of_entry(bm, e, val, msk, false);
	group_count(bm, e, -1);
	care_update(bm, msk, -1, true);
}

/* Slice s's 16 words for the entries first..first + n - 1: bit i of w[v]
 * set when entry first + i is valid and accepts v there. */
static void block_words(unsigned s, uint32_t first, uint32_t n, unsigned nw,
			const uint8_t *valid, const uint64_t *val,
			const uint64_t *msk, uint64_t *w)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t e = first + i;
		unsigned mm, vv, dc;

		if (!valid[e])
			continue;
		mm = slice_of(msk + (size_t)e * nw, s);
		vv = slice_of(val + (size_t)e * nw, s);
		/* every value equal to vv where mm cares */
		dc = ~mm & (VALUES - 1);
		for (unsigned d = dc;; d = (d - 1) & dc) {
			w[vv | d] |= 1ull << i;
			if (!d)
				break;
		}
	}
}

void tcam_bitmap_build(struct tcam_bitmap *bm, uint32_t depth, unsigned nw,
		       const uint8_t *valid, const uint64_t *val,
		       const uint64_t *msk)
{

	/* Block by block, so the block's entries stay in cache while every
	 * slice's 16 words for it are computed; each row is then written
	 * in order. */
	for (uint32_t b = 0; b * 64 < depth; b++) {
		uint32_t end = depth - b * 64 < 64 ? depth - b * 64 : 64;

		for (unsigned s = 0; s < bm->n_slices; s++) {
			uint64_t w[VALUES] = { 0 };
			uint64_t *r = bm->rows + row_word(bm, s, 0, b);

			block_words(s, b * 64, end, nw, valid, val, msk, w);
			for (unsigned v = 0; v < VALUES; v++)
				r[v * GROUP_WORDS] = w[v];
		}
	}
	for (uint32_t e = 0; e < depth; e++)
		if (valid[e]) {
			care_update(bm, msk + (size_t)e * nw, 1, false);
			group_count(bm, e, 1);
		}
	care_update(bm, msk, 0, true);
}

/* The entry of the lowest bit set in group g (whose words w hold one). */
static inline __attribute__((always_inline)) int32_t
group_first(const uint64_t *w, uint32_t g)
{
	unsigned i = 0;

	while (!w[i])
		i++;
	return (int32_t)((g + i) * 64 + (unsigned)__builtin_ctzll(w[i]));
}

/* The row each slice read selects for key, in reading order. */
static inline __attribute__((always_inline)) void
key_rows(const struct tcam_bitmap *bm, const struct pnic_key *key,
	 const uint64_t **row)
{
	for (unsigned k = 0; k < bm->n_read; k++) {
		unsigned s = bm->order[k];

		row[k] = bm->rows + row_word(bm, s, slice_of(key->w, s), 0);
	}
}

/* The build's baseline: a group is four pairs of words (SSE2 registers
 * on x86-64). */
static int32_t lookup_generic(const struct tcam_bitmap *bm,
			      const struct pnic_key *key)
{
	const uint64_t *row[TCAM_BM_MAX_SLICES];
	unsigned ns = bm->n_read;

	key_rows(bm, key, row);
	for (uint32_t g = 0; g < bm->scan_end; g += GROUP_WORDS) {
		tcam_v2u a0 = tcam_ld2(row[0] + g * VALUES), a1 = tcam_ld2(row[0] + g * VALUES + 2);
		tcam_v2u a2 = tcam_ld2(row[0] + g * VALUES + 4), a3 = tcam_ld2(row[0] + g * VALUES + 6);
		tcam_v2u any = (a0 | a1) | (a2 | a3);

		/* A few slices usually leave no candidate in a group: check
		 * every CHUNK slices, so a deep scan reads a few rows of each
		 * group rather than all of them. */
		for (unsigned s = 1; s < ns && (any[0] | any[1]); s += CHUNK) {
			unsigned end = s + CHUNK < ns ? s + CHUNK : ns;

			for (unsigned k = s; k < end; k++) {
				const uint64_t *r = row[k] + g * VALUES;

				a0 &= tcam_ld2(r);
				a1 &= tcam_ld2(r + 2);
				a2 &= tcam_ld2(r + 4);
				a3 &= tcam_ld2(r + 6);
			}
			any = (a0 | a1) | (a2 | a3);
		}
		if (any[0] | any[1]) {
			uint64_t w[GROUP_WORDS];

			memcpy(w, &a0, sizeof a0);
			memcpy(w + 2, &a1, sizeof a1);
			memcpy(w + 4, &a2, sizeof a2);
			memcpy(w + 6, &a3, sizeof a3);
			return group_first(w, g);
		}
	}
	return TCAM_MISS;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* Group g's candidates a, ANDed with the reads from k on, checked every
 * CHUNK reads: the lowest entry left, or TCAM_MISS. */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
int32_t finish_avx512(const uint64_t *rows, const uint32_t *off, unsigned k,
		      unsigned ns, __m512i a, uint32_t g)
{
	__mmask8 any = _mm512_test_epi64_mask(a, a);

	for (; k < ns && any; k += CHUNK) {
		unsigned end = k + CHUNK < ns ? k + CHUNK : ns;

		for (unsigned j = k; j < end; j++)
			a = _mm512_and_si512(a, _mm512_load_si512(rows + off[j] + g * VALUES));
		any = _mm512_test_epi64_mask(a, a);
	}
	if (any) {
		/* The word from the mask, and only that word back from
		 * memory: reading the others through the 64-byte store
		 * costs a store-forwarding stall. */
		uint64_t w[GROUP_WORDS];
		unsigned i = (unsigned)__builtin_ctz(any);

		_mm512_storeu_si512(w, a);
		return (int32_t)((g + i) * 64 + (unsigned)__builtin_ctzll(w[i]));
	}
	return TCAM_MISS;
}

/* The first CHUNK + 1 reads (rows p) of the groups from g0 to end, which
 * most groups do not outlive, unrolled; the groups that keep a candidate
 * into sa and sg, in order, without a branch.  Returns how many. */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
unsigned batch_avx512(const uint64_t *const *p, uint32_t g0, uint32_t end,
		      __m512i *sa, uint32_t *sg)
{
	unsigned n = 0;

	for (uint32_t g = g0; g < end; g += GROUP_WORDS) {
		__m512i a = _mm512_load_si512(p[0] + g * VALUES);

#pragma GCC unroll 8
		for (unsigned k = 1; k <= CHUNK; k++)
			a = _mm512_and_si512(a, _mm512_load_si512(p[k] + g * VALUES));
		sa[n] = a;
		sg[n] = g;
		n += _mm512_test_epi64_mask(a, a) != 0;
	}
	return n;
}

/* The same scan with a group in one AVX-512 register, or two AVX2 ones:
 * a quarter or half the instructions, which is what a scan over a table
 * that fits the caches spends its time on.  Picked at run time.  Groups
 * go BATCH at a time through batch_avx512(), then its survivors through
 * finish_avx512(). */
__attribute__((target("avx512f"))) static int32_t
lookup_avx512(const struct tcam_bitmap *bm, const struct pnic_key *key)
{
	uint32_t off[TCAM_BM_MAX_SLICES], sg[BATCH];
	const uint64_t *rows = bm->rows, *p[CHUNK + 1];
	unsigned ns = bm->n_read;
	__m512i sa[BATCH];
	int32_t r;

	tcam_plan_offsets_avx512(&bm->plan, bm->n_read, 3, key, off);
	if (ns <= CHUNK) {
		for (uint32_t g = 0; g < bm->scan_end; g += GROUP_WORDS) {
			r = finish_avx512(rows, off, 1, ns,
					  _mm512_load_si512(rows + off[0] + g * VALUES), g);
			if (r != TCAM_MISS)
				return r;
		}
		return TCAM_MISS;
	}
#pragma GCC unroll 9
	for (unsigned k = 0; k <= CHUNK; k++)
		p[k] = rows + off[k];
	for (uint32_t g0 = 0; g0 < bm->scan_end; g0 += BATCH * GROUP_WORDS) {
		uint32_t end = bm->scan_end - g0 < BATCH * GROUP_WORDS ?
			       bm->scan_end : g0 + BATCH * GROUP_WORDS;
		unsigned n = batch_avx512(p, g0, end, sa, sg);

		for (unsigned i = 0; i < n; i++) {
			r = finish_avx512(rows, off, CHUNK + 1, ns, sa[i], sg[i]);
			if (r != TCAM_MISS)
				return r;
		}
	}
	return TCAM_MISS;
}


__attribute__((target("avx2"))) static int32_t
lookup_avx2(const struct tcam_bitmap *bm, const struct pnic_key *key)
{
	const uint64_t *row[TCAM_BM_MAX_SLICES];
	unsigned ns = bm->n_read;

	key_rows(bm, key, row);
	for (uint32_t g = 0; g < bm->scan_end; g += GROUP_WORDS) {
		const __m256i *p = (const __m256i *)(row[0] + g * VALUES);
		__m256i a = _mm256_load_si256(p), b = _mm256_load_si256(p + 1);
		int none = _mm256_testz_si256(_mm256_or_si256(a, b),
					      _mm256_or_si256(a, b));

		for (unsigned s = 1; s < ns && !none; s += CHUNK) {
			unsigned end = s + CHUNK < ns ? s + CHUNK : ns;

			for (unsigned k = s; k < end; k++) {
				p = (const __m256i *)(row[k] + g * VALUES);
				a = _mm256_and_si256(a, _mm256_load_si256(p));
				b = _mm256_and_si256(b, _mm256_load_si256(p + 1));
			}
			none = _mm256_testz_si256(_mm256_or_si256(a, b),
						  _mm256_or_si256(a, b));
		}
		if (!none) {
			uint64_t w[GROUP_WORDS];

			_mm256_storeu_si256((__m256i *)w, a);
			_mm256_storeu_si256((__m256i *)(w + 4), b);
			return group_first(w, g);
		}
	}
	return TCAM_MISS;
}
#define HAVE_X86_VECTORS 1
#endif

/* The widest vectors this CPU has, or the build's baseline (the tests
 * run both over the same tables). */
const char *tcam_bitmap_set_portable(struct tcam_bitmap *bm, bool portable)
{
#ifdef HAVE_X86_VECTORS
	if (!portable && __builtin_cpu_supports("avx512f")) {
		bm->lookup = lookup_avx512;
		return "avx512f";
	}
	if (!portable && __builtin_cpu_supports("avx2")) {
		bm->lookup = lookup_avx2;
		return "avx2";
	}
#endif
	bm->lookup = lookup_generic;
	return "portable";
}

int32_t tcam_bitmap_lookup(const struct tcam_bitmap *bm,
			   const struct pnic_key *key)
{
	return bm->lookup(bm, key);
}
