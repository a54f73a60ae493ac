/* TCAM fast lookups: tuple space search over the tuple index
 * (tcam_tuple.c), or the bitmap index when the table has many masks.
 *
 * One probe, probe(), compares a key with one tuple, for single keys and
 * bursts alike; they differ only in what they do around it.  A single key
 * first asks the tuple's filter, and probes the biggest tuple first when
 * its slots are likely to come from memory.  A burst hashes every key
 * that still needs a tuple and prefetches its slots before probing any,
 * so that the memory accesses of the burst overlap.
 *
 * Everything is written once and instantiated per key width (n words,
 * stride words per slot), so the word loops unroll.  Branches depend on
 * the tuple order and on counts, rarely on what a probe loads: a branch
 * on a slot still on its way from memory would hold back the lookups
 * behind this one.  Nothing here allocates or writes to the table.
 */
#include "model/tcam-private.h"

/* The key masked by the tuple, two words at a time (the words past n are
 * zero: so is the mask there). */
static inline __attribute__((always_inline)) void
mask_key(const struct tcam_tuple *tp, const struct pnic_key *key,
	 tcam_v2u *mk, const unsigned n)
{
#pragma GCC unroll 4
	for (unsigned i = 0; i < (n + 1) / 2; i++)
		mk[i] = tcam_ld2(key->w + 2 * i) & tcam_ld2(tp->mask + 2 * i);
}

/* The hash of the key masked by the tuple, which picks its home slot. */
static inline __attribute__((always_inline)) uint32_t
tuple_hash(const struct tcam_tuple *tp, const struct pnic_key *key,
	   const unsigned n)
{
	uint64_t hw[PNIC_KEY_WORDS];

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		hw[i] = key->w[i] & tp->mask[i];
	return tcam_hash32(tcam_hash_words(hw, n));
}

/* OR of (a[i] ^ b[i]) over n words: zero when equal. */
static inline __attribute__((always_inline)) uint64_t
diff_n(const tcam_v2u *a, const uint64_t *b, const unsigned n)
{
	tcam_v2u d = { 0, 0 };
	uint64_t r;

#pragma GCC unroll 4
	for (unsigned i = 0; i < n / 2; i++)
		d |= a[i] ^ tcam_ld2(b + 2 * i);
	r = d[0] | d[1];
	if (n & 1)
		r |= a[n / 2][0] ^ b[n - 1];
	return r;
}

/* A small tuple's values, compared one by one without hashing. */
static inline __attribute__((always_inline)) uint32_t
probe_small(const struct tcam_tuple *tp, const tcam_v2u *mk, uint32_t found,
	    const unsigned n)
{
	uint32_t c;

	for (uint32_t j = 0; j < tp->n_small; j++) {
		c = diff_n(mk, tp->small_val[j], n) ? TCAM_SLOT_EMPTY :
		    tp->small_idx[j];
		found = c < found ? c : found;
	}
	return found;
}

/* The rest of a probe sequence, from `pos` on (rarely needed). */
static inline __attribute__((always_inline)) uint32_t
probe_rest(const struct tcam_tuple *tp, const tcam_v2u *mk, uint32_t h,
	   uint32_t pos, uint32_t found, const unsigned n,
	   const unsigned stride)
{
	uint32_t m = tp->tab.size_mask;

	for (;; pos = (pos + 1) & m) {
		const uint64_t *s = tp->tab.slots + (size_t)pos * stride;
		uint64_t w0 = s[0];

		if ((uint32_t)w0 == TCAM_SLOT_EMPTY)
			return found;
		if ((uint32_t)(w0 >> 32) == h && !diff_n(mk, s + 1, n))
			return (uint32_t)w0 < found ? (uint32_t)w0 : found;
	}
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
 * only when both hold other keys.  An empty slot's payload is
 * TCAM_SLOT_EMPTY, never a hit, whatever stale value it holds. */
static inline __attribute__((always_inline)) uint32_t
probe_home(const struct tcam_tuple *tp, const tcam_v2u *mk, uint32_t h,
	   uint32_t found, const unsigned n, const unsigned stride)
{
	uint32_t m = tp->tab.size_mask, pos = h & m, c0, c1;
	const uint64_t *s0, *s1;

	if (tp->tab.reach < SCAN_SLOTS) {
		for (uint32_t i = 0; i <= tp->tab.reach; i++) {
			s0 = tp->tab.slots + (size_t)((pos + i) & m) * stride;
			c0 = diff_n(mk, s0 + 1, n) ? TCAM_SLOT_EMPTY : (uint32_t)s0[0];
			found = c0 < found ? c0 : found;
		}
		return found;
	}
	s0 = tp->tab.slots + (size_t)pos * stride;
	s1 = tp->tab.slots + (size_t)((pos + 1) & m) * stride;
	c0 = diff_n(mk, s0 + 1, n) ? TCAM_SLOT_EMPTY : (uint32_t)s0[0];
	c1 = diff_n(mk, s1 + 1, n) ? TCAM_SLOT_EMPTY : (uint32_t)s1[0];
	c0 = c0 < c1 ? c0 : c1;
	found = c0 < found ? c0 : found;
	if (c0 == TCAM_SLOT_EMPTY && (uint32_t)s0[0] != TCAM_SLOT_EMPTY &&
	    (uint32_t)s1[0] != TCAM_SLOT_EMPTY)
		found = probe_rest(tp, mk, h, (pos + 2) & m, found, n, stride);
	return found;
}

/* The probe: the lowest index tuple tp holds for key, or `found` if lower.
 * h is tuple_hash() of the key, read only when the tuple is not small. */
static inline __attribute__((always_inline)) uint32_t
probe(const struct tcam_tuple *tp, const struct pnic_key *key, uint32_t h,
      uint32_t found, const unsigned n, const unsigned stride)
{
	tcam_v2u mk[PNIC_KEY_WORDS / 2];

	mask_key(tp, key, mk, n);
	if (tp->n_small != TCAM_SMALL_NONE)
		return probe_small(tp, mk, found, n);
	return probe_home(tp, mk, h, found, n, stride);
}

/* A single key against one tuple: the filter, then the probe. */
static inline __attribute__((always_inline)) uint32_t
probe_one(const struct tcam_tuple *tp, const struct pnic_key *key,
	  uint32_t found, const unsigned n, const unsigned stride)
{
	if (!tcam_filt_pass(tp, key, n))
		return found;
	return probe(tp, key,
		     tp->n_small == TCAM_SMALL_NONE ? tuple_hash(tp, key, n) : 0,
		     found, n, stride);
}

/* Table size from which a tuple's slots outgrow the first-level cache,
 * and its probe likely waits on memory. */
#define BIG_FIRST_BYTES ((size_t)64 << 10)

static inline __attribute__((always_inline)) int32_t
lookup_n(const struct tcam *t, const struct pnic_key *key, const unsigned n,
	 const unsigned stride)
{
	const struct tcam_tuple *big = t->big;
	uint32_t found = UINT32_MAX;

	/* The biggest tuple first, out of order, when its slot is likely to
	 * come from memory: the small tuples are compared while it does.  Any
	 * match only tightens the early exit below. */
	if (big && ((size_t)big->tab.size_mask + 1) * stride * sizeof(uint64_t) <
		   BIG_FIRST_BYTES)
		big = NULL;
	if (big)
		found = probe_one(big, key, found, n, stride);
	for (uint32_t k = 0; k < t->n_order; k++) {
		const struct tcam_tuple *tp = t->order[k];

		/* Every later tuple's entries lie above this one's best. */
		if (tp->best >= found)
			break;
		if (tp != big)
			found = probe_one(tp, key, found, n, stride);
	}
	return found == UINT32_MAX ? TCAM_MISS : (int32_t)found;
}

/* Ask for the slots probe_home() reads first. */
static inline __attribute__((always_inline)) void
prefetch_home(const struct tcam_tuple *tp, uint32_t h, const unsigned stride)
{
	uint32_t m = tp->tab.size_mask, pos = h & m;

	__builtin_prefetch(tp->tab.slots + (size_t)pos * stride);
	__builtin_prefetch(tp->tab.slots + (size_t)((pos + 1) & m) * stride);
}

/* Keys per burst: the state of each lives on the stack. */
#define BURST 32

/* Many keys at once, tuple by tuple: first hash every key that still
 * needs the tuple and prefetch its slots, then probe.  Same answers as
 * lookup_n() key by key. */
static inline __attribute__((always_inline)) void
burst_n(const struct tcam *t, const struct pnic_key *keys, uint32_t cnt,
	int32_t *out, const unsigned n, const unsigned stride)
{
	uint32_t found[BURST], act[BURST], hs[BURST], hs_big[BURST];
	const struct tcam_tuple *big = t->big;

	for (uint32_t i = 0; i < cnt; i++)
		found[i] = UINT32_MAX;
	/* The biggest tuple's slots are the ones likely to come from memory:
	 * ask for them before anything else, so they arrive while the tuples
	 * ahead of it in the order are compared.  Every key needs them
	 * unless one of those tuples matches it. */
	if (big && big->n_small == TCAM_SMALL_NONE) {
		for (uint32_t i = 0; i < cnt; i++) {
			hs_big[i] = tuple_hash(big, &keys[i], n);
			prefetch_home(big, hs_big[i], stride);
		}
	} else {
		big = NULL;
	}
	for (uint32_t k = 0; k < t->n_order; k++) {
		const struct tcam_tuple *tp = t->order[k];
		uint32_t na = 0;

		for (uint32_t i = 0; i < cnt; i++) {
			act[na] = i;
			na += tp->best < found[i];
		}
		/* Tuples come by best index: no key needs any later one. */
		if (!na)
			break;
		if (tp->n_small != TCAM_SMALL_NONE) {
			for (uint32_t a = 0; a < na; a++)
				found[act[a]] = probe(tp, &keys[act[a]], 0,
						      found[act[a]], n, stride);
			continue;
		}
		for (uint32_t a = 0; a < na && tp == big; a++)
			hs[a] = hs_big[act[a]];
		for (uint32_t a = 0; a < na && tp != big; a++) {
			hs[a] = tuple_hash(tp, &keys[act[a]], n);
			prefetch_home(tp, hs[a], stride);
		}
		for (uint32_t a = 0; a < na; a++)
			found[act[a]] = probe(tp, &keys[act[a]], hs[a],
					      found[act[a]], n, stride);
	}
	for (uint32_t i = 0; i < cnt; i++)
		out[i] = found[i] == UINT32_MAX ? TCAM_MISS : (int32_t)found[i];
}

void tcam_lookup_burst(const struct tcam *t, const struct pnic_key *keys,
		       uint32_t n_keys, int32_t *out)
{
	if (t->pt_use) {
		for (uint32_t i = 0; i < n_keys; i++)
			out[i] = tcam_part_lookup(t->pt, &keys[i]);
		return;
	}
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
	if (t->pt_use)
		return tcam_part_lookup(t->pt, key);
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
