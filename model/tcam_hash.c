/* TCAM open-addressing tables: masked value -> lowest entry index in a
 * tuple, and mask -> tuple id for the whole table.
 *
 * Linear probing in a power-of-two array at most half full, with
 * backward-shift deletion instead of tombstones, so probes stay short
 * however many writes and invalidates a table sees.  Each table keeps its
 * reach, a bound on how far past its home slot any key sits: the search
 * (tcam_search.c) compares a table of short reach over that span without
 * looking at what the slots hold.  The hash is inline in tcam-private.h,
 * for the search, and so is tcam_otab_find(), for the writes.
 */
#include "model/tcam-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tcam_otab_init(struct tcam_otab *o, unsigned stride, uint32_t slots)
{
	size_t bytes = (size_t)slots * stride * sizeof(uint64_t);

	o->slots = tcam_alloc_table(&bytes);
	if (!o->slots)
		return -ENOMEM;
	/* All ones: payload TCAM_SLOT_EMPTY in every slot. */
	memset(o->slots, 0xff, bytes);
	o->size_mask = slots - 1;
	o->count = 0;
	o->reach = 0;
	return 0;
}

void tcam_otab_fini(struct tcam_otab *o)
{
	free(o->slots);
	o->slots = NULL;
}

void tcam_otab_put(struct tcam_otab *o, unsigned stride, unsigned n,
		   const uint64_t *key, uint32_t h, uint32_t payload)
{
	uint32_t pos = h & o->size_mask;
	uint64_t *s;

	while (tcam_slot_payload(s = tcam_otab_slot(o, stride, pos)) !=
	       TCAM_SLOT_EMPTY)
		pos = (pos + 1) & o->size_mask;
	s[0] = (uint64_t)h << 32 | payload;
	memcpy(s + 1, key, n * sizeof *key);
	o->count++;
	/* Removal only ever moves keys towards their home, so the bound
	 * holds until a resize recomputes it. */
	if (((pos - h) & o->size_mask) > o->reach)
		o->reach = (pos - h) & o->size_mask;
}

static int otab_resize(struct tcam_otab *o, unsigned stride, unsigned n,
		       uint32_t slots)
{
	uint32_t size = o->size_mask + 1;
	struct tcam_otab other;

	if (tcam_otab_init(&other, stride, slots))
		return -ENOMEM;
	for (uint32_t pos = 0; pos < size; pos++) {
		const uint64_t *s = tcam_otab_slot(o, stride, pos);

		if (tcam_slot_payload(s) != TCAM_SLOT_EMPTY)
			tcam_otab_put(&other, stride, n, s + 1,
				      (uint32_t)(s[0] >> 32),
				      tcam_slot_payload(s));
	}
	tcam_otab_fini(o);
	*o = other;
	return 0;
}

int tcam_otab_reserve(struct tcam_otab *o, unsigned stride, unsigned n)
{
	uint32_t size = o->size_mask + 1;

	if ((o->count + 1) * 2 <= size)
		return 0;
	return otab_resize(o, stride, n, size * 2);
}

/* A table which once held many keys stays cheap to scan (the small-value
 * copies and the filter walk it) and to probe. */
void tcam_otab_shrink(struct tcam_otab *o, unsigned stride, unsigned n)
{
	uint32_t size = o->size_mask + 1;

	if (size > TCAM_OTAB_MIN_SLOTS && o->count * 8 < size)
		(void)otab_resize(o, stride, n, size / 2);
}

void tcam_otab_remove(struct tcam_otab *o, unsigned stride, uint64_t *victim)
{
	uint32_t m = o->size_mask;
	uint32_t i = (uint32_t)((size_t)(victim - o->slots) / stride);
	uint32_t j = i;

	for (;;) {
		uint64_t *sj;
		uint32_t home;

		j = (j + 1) & m;
		sj = tcam_otab_slot(o, stride, j);
		if (tcam_slot_payload(sj) == TCAM_SLOT_EMPTY)
			break;
		home = (uint32_t)(sj[0] >> 32) & m;
		/* sj may fill the hole at i if i lies on its probe path. */
		if (((j - home) & m) >= ((j - i) & m)) {
			memcpy(tcam_otab_slot(o, stride, i), sj,
			       stride * sizeof(uint64_t));
			i = j;
		}
	}
	tcam_slot_set_payload(tcam_otab_slot(o, stride, i), TCAM_SLOT_EMPTY);
	o->count--;
}
