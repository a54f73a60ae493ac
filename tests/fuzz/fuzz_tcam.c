/* Fuzz the TCAM: the input is a program of writes, invalidates and lookups
 * on a small table.  Values, masks and keys are built from a few input
 * bytes spread over the key (so entries overlap and masks repeat), and
 * sometimes taken whole from the input, bits above the key width included,
 * so refusals are exercised too.  Checked after every step:
 * tcam_lookup == tcam_lookup_burst == tcam_lookup_linear, and a refused
 * write changes nothing that a lookup can see.  The byte that picks the
 * depth also picks the lookup strategy: chosen by mask count (the bitmap
 * takes over from 16 masks on these sizes), tuple search, the bitmap or
 * the partitioned index forced; and, in a quarter of the programs, a table
 * of 8192 entries whose 64 indices a program names lie 128 apart, so that
 * entries sit in all 16 groups of 512 of the bitmap and its scan runs two
 * batches of 8.  Op 0xff (a lookup otherwise) forces the strategy again,
 * the next one in turn: the partitioned index, when it comes round, is
 * built from the entries there, its partitions chosen from them. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"
#include "model/tcam-private.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct input *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

static void trim(struct pnic_key *k, unsigned bits)
{
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++) {
		if (i * 64 >= bits)
			k->w[i] = 0;
		else if (bits - i * 64 < 64)
			k->w[i] &= (1ull << (bits - i * 64)) - 1;
	}
}

/* A key from the input: one byte replicated with a per-word twist, a
 * handful of set bits, or raw words. */
static void make_key(struct input *in, struct pnic_key *k, unsigned bits,
		     int allow_above)
{
	uint8_t how = byte(in);

	key_zero(k);
	switch (how & 3) {
	case 0:
		for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
			k->w[i] = 0x0101010101010101ull * byte(in) >> (how >> 2 & 7);
		break;
	case 1:
		for (unsigned j = 0; j < (how >> 2); j++) {
			unsigned bit = (byte(in) | (unsigned)byte(in) << 8) % 512;

			k->w[bit / 64] |= 1ull << (bit % 64);
		}
		break;
	case 2:
		for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
			k->w[i] = how & 4 ? ~0ull : 0;
		break;
	default:
		for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
			for (unsigned b = 0; b < 8; b++)
				k->w[i] |= (uint64_t)byte(in) << (8 * b);
		break;
	}
	if (!allow_above || !(how & 0x80))
		trim(k, bits);
}

static void check(const struct tcam *t, const struct pnic_key *k)
{
	int32_t fast = tcam_lookup(t, k), slow = tcam_lookup_linear(t, k), b;

	tcam_lookup_burst(t, k, 1, &b);
	if (fast != slow || b != slow)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct tcam_params p;
	struct pnic_error err;
	struct pnic_key v, m, k, last;
	struct tcam *t;
	enum tcam_strategy strategy;
	uint32_t spread = 1;
	uint8_t d;

	if (size < 3)
		return 0;
	p.key_bits = (uint16_t)(1 + (byte(&in) | (unsigned)byte(&in) << 8) % PNIC_KEY_MAX_BITS);
	d = byte(&in);
	p.depth = TCAM_MIN_DEPTH << (d % 3);
	if (d / 18 % 4 == 0) {
		p.depth = 8192;
		spread = 128;
	}
	if (tcam_create(&p, &t, &err))
		abort();
	strategy = (enum tcam_strategy)(d / 3 % 3);
	if (strategy == TCAM_STRATEGY_BITMAP && d / 72 % 2)
		strategy = TCAM_STRATEGY_PART;
	if (tcam_set_strategy(t, strategy))
		abort();
	tcam_set_portable(t, d / 9 % 2);
	key_zero(&last);
	key_zero(&k);
	while (in.n) {
		uint8_t op = byte(&in);
		uint32_t idx = (uint32_t)(op >> 2) * spread;

		switch (op & 3) {
		case 0:
		case 1: {
			int32_t before = tcam_lookup_linear(t, &last);
			int rc;

			make_key(&in, &v, p.key_bits, 1);
			make_key(&in, &m, p.key_bits, 1);
			rc = tcam_write(t, idx, &v, &m, &err);
			if (rc && tcam_lookup_linear(t, &last) != before)
				abort();
			if (!rc) {
				/* a key the new entry matches */
				for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
					last.w[i] = (v.w[i] & m.w[i]) | (k.w[i] & ~m.w[i]);
				trim(&last, p.key_bits);
			}
			break;
		}
		case 2:
			if (tcam_invalidate(t, idx % (p.depth + 2), &err) &&
			    idx % (p.depth + 2) < p.depth)
				abort();
			break;
		default:
			if (op == 0xff) {
				strategy = (enum tcam_strategy)((strategy + 1) % 4);
				if (tcam_set_strategy(t, strategy))
					abort();
				break;
			}
			make_key(&in, &k, p.key_bits, 0);
			check(t, &k);
			break;
		}
		check(t, &last);
	}
	tcam_destroy(t);
	return 0;
}
