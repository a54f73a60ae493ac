/* TCAM internals shared by model/tcam.c and model/tcam_bitmap.c, plus a
 * hook that lets the tests pick the lookup strategy.  Not a contract:
 * nothing outside the TCAM block and its tests includes this file.
 *
 * The bitmap index ("transposed" TCAM, the FPGA construction of
 * rtl/tcam.sv with Transposed=1) cuts the key into TCAM_BM_SLICE_BITS-bit
 * slices.  For slice s and each value v of it, a row of depth bits says
 * which valid entries accept v in that slice under their mask.  A key
 * selects one row per slice; ANDing them gives the match vector, and its
 * lowest set bit is the answer.  Rows are scanned 512 entries at a time
 * from index 0 up, so the scan stops at the first group holding a match:
 * priority costs nothing.  docs/tcam.md has the costs and the crossover.
 */
#ifndef PNIC_TCAM_PRIVATE_H
#define PNIC_TCAM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/key.h"
#include "model/tcam.h"

#define TCAM_BM_SLICE_BITS 4
#define TCAM_BM_VALUES (1u << TCAM_BM_SLICE_BITS)
#define TCAM_BM_MAX_SLICES \
	((PNIC_KEY_MAX_BITS + TCAM_BM_SLICE_BITS - 1) / TCAM_BM_SLICE_BITS)

struct tcam_bitmap;

/* Bytes the bitmap index of such a table takes (for the docs and the
 * memory budget). */
size_t tcam_bitmap_bytes(uint32_t depth, uint16_t key_bits);
/* An index with no entry in it; NULL when out of memory. */
struct tcam_bitmap *tcam_bitmap_create(uint32_t depth, uint16_t key_bits);
void tcam_bitmap_destroy(struct tcam_bitmap *bm);
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
/* Make entry e, set before with mask msk, accept nothing. */
void tcam_bitmap_clear(struct tcam_bitmap *bm, uint32_t e, const uint64_t *msk);
/* Lowest index accepting key, or TCAM_MISS. */
int32_t tcam_bitmap_lookup(const struct tcam_bitmap *bm,
			   const struct pnic_key *key);

/* Which lookup tcam_lookup() and tcam_lookup_burst() use. */
enum tcam_strategy {
	TCAM_STRATEGY_AUTO,     /* by mask count, depth and key width */
	TCAM_STRATEGY_TUPLE,    /* tuple space search only, no bitmap kept */
	TCAM_STRATEGY_BITMAP,   /* bitmap always, whatever the masks */
};

/* For tests: force a strategy.  -ENOMEM (table unchanged) if the bitmap
 * cannot be built. */
int tcam_set_strategy(struct tcam *t, enum tcam_strategy s);
/* True when lookups use the bitmap now. */
bool tcam_uses_bitmap(const struct tcam *t);

#endif
