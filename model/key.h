/* pnic_key: the fixed-width bit vector a lookup matches on.
 *
 * Bit i of a key is bit (i % 64) of w[i / 64], so a field at bit offset o of
 * width n is key[o +: n] in the RTL, with the field's integer value in it
 * (least significant bit at o).  Bits at and above the profile's key width
 * are always zero in a key built by key_profile_pack(); every consumer may
 * rely on that (the TCAM compares whole words).
 *
 * Keys are plain values: copy them, compare them, no ownership.
 */
#ifndef PNIC_KEY_H
#define PNIC_KEY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PNIC_KEY_MAX_BITS 512
#define PNIC_KEY_WORDS (PNIC_KEY_MAX_BITS / 64)

struct pnic_key {
	uint64_t w[PNIC_KEY_WORDS];
};

/* Number of 64-bit words that hold a key of `bits` bits. */
static inline unsigned key_words(unsigned bits)
{
	return (bits + 63) / 64;
}

static inline void key_zero(struct pnic_key *k)
{
	memset(k, 0, sizeof *k);
}

/* Write the low `width` bits of v at bit offset `off` (width <= 64). */
static inline void key_put_u64(struct pnic_key *k, unsigned off,
			       unsigned width, uint64_t v)
{
	unsigned word = off / 64, sh = off % 64;
	uint64_t m = width >= 64 ? ~0ull : ((1ull << width) - 1);

	v &= m;
	k->w[word] = (k->w[word] & ~(m << sh)) | (v << sh);
	if (sh && sh + width > 64) {
		unsigned hi = sh + width - 64;
		uint64_t mh = (1ull << hi) - 1;

		k->w[word + 1] = (k->w[word + 1] & ~mh) | (v >> (64 - sh));
	}
}

/* Read `width` bits (<= 64) at bit offset `off`. */
static inline uint64_t key_get_u64(const struct pnic_key *k, unsigned off,
				   unsigned width)
{
	unsigned word = off / 64, sh = off % 64;
	uint64_t m = width >= 64 ? ~0ull : ((1ull << width) - 1);
	uint64_t v = k->w[word] >> sh;

	if (sh && sh + width > 64)
		v |= k->w[word + 1] << (64 - sh);
	return v & m;
}

static inline bool key_equal(const struct pnic_key *a,
			     const struct pnic_key *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a->w[i] != b->w[i])
			return false;
	return true;
}

#endif
