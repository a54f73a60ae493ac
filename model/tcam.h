/* TCAM flow table: N entries of W-bit value/mask/valid.
 *
 * Function only, no time: a lookup returns the lowest valid index whose
 * (key & mask) == value, as a hardware priority encoder would; placing
 * entries by priority is the host's job.  Entries are written and
 * invalidated one at a time.  A written value is stored as value & mask
 * (bits under a zero mask bit are don't-care), so reading an entry back
 * gives the normalised value.
 *
 * Two lookups give the same answer: tcam_lookup() (fast: tuple space search
 * over the distinct masks, with early exit on priority, or, on tables with
 * many masks such as compiled ACLs, bit-sliced match bitmaps, chosen by the
 * mask count) and tcam_lookup_linear() (a deliberately simple scan, the
 * oracle);
 * tcam_lookup_burst() gives tcam_lookup()'s answers for many keys at once.
 * Lookups neither allocate nor modify the table.  docs/tcam.md.
 *
 * The table owns its storage; keys passed in are copied.  The cycle-level
 * lookup core (lookup_core.h) decides when lookups and writes happen.
 */
#ifndef PNIC_TCAM_H
#define PNIC_TCAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/key.h"

#define TCAM_MIN_DEPTH 16
#define TCAM_MAX_DEPTH (256 * 1024)
#define TCAM_MISS (-1)

struct tcam;

struct tcam_params {
	uint32_t depth;     /* entries, TCAM_MIN_DEPTH..TCAM_MAX_DEPTH */
	uint16_t key_bits;  /* 1..PNIC_KEY_MAX_BITS */
};

int tcam_create(const struct tcam_params *p, struct tcam **out,
		struct pnic_error *err);
void tcam_destroy(struct tcam *t);

uint32_t tcam_depth(const struct tcam *t);
uint16_t tcam_key_bits(const struct tcam *t);
/* Valid entries now. */
uint32_t tcam_used(const struct tcam *t);
/* Distinct masks among valid entries (what tuple search iterates). */
uint32_t tcam_mask_count(const struct tcam *t);
/* Bytes the table holds now: the entry store and every index built
 * over it (for reports; walks the tuples, so not for hot paths). */
size_t tcam_memory(const struct tcam *t);

/* Write entry `index` (replacing what was there).  -ERANGE if index >=
 * depth, -EINVAL if value or mask has bits at or above key_bits. */
int tcam_write(struct tcam *t, uint32_t index, const struct pnic_key *value,
	       const struct pnic_key *mask, struct pnic_error *err);
/* Invalidate entry `index` (no-op if already invalid). */
int tcam_invalidate(struct tcam *t, uint32_t index, struct pnic_error *err);
/* Read entry `index`: returns true and fills value/mask if valid. */
bool tcam_read(const struct tcam *t, uint32_t index, struct pnic_key *value,
	       struct pnic_key *mask);

/* Lowest matching valid index, or TCAM_MISS. */
int32_t tcam_lookup(const struct tcam *t, const struct pnic_key *key);
int32_t tcam_lookup_linear(const struct tcam *t, const struct pnic_key *key);
/* out[i] = tcam_lookup(t, &keys[i]) for i < n_keys.  Faster per key on
 * tables bigger than the caches: it overlaps the memory accesses of up to
 * 32 keys.  Added after the contract; the single-key calls are unchanged. */
void tcam_lookup_burst(const struct tcam *t, const struct pnic_key *keys,
		       uint32_t n_keys, int32_t *out);

#endif
