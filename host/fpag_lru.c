/* FPAG: the FPAG's own LRU: a min-heap of live handles by last hit, so an
 * eviction costs O(log entries), not a scan of every index (tcam_place's
 * scan of last_hit stays as the oracle it is tested against). */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool lru_less(const struct fpag *f, uint32_t a, uint32_t b)
{
	return f->rec[f->lru[a]].last_hit < f->rec[f->lru[b]].last_hit;
}

static void lru_swap(struct fpag *f, uint32_t a, uint32_t b)
{
	uint32_t h = f->lru[a];

	f->lru[a] = f->lru[b];
	f->lru[b] = h;
	f->lru_pos[f->lru[a]] = a;
	f->lru_pos[f->lru[b]] = b;
}

static void lru_up(struct fpag *f, uint32_t i)
{
	while (i > 0 && lru_less(f, i, (i - 1) / 2)) {
		lru_swap(f, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void lru_down(struct fpag *f, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < f->n_lru && lru_less(f, l, m))
			m = l;
		if (l + 1 < f->n_lru && lru_less(f, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		lru_swap(f, i, m);
		i = m;
	}
}

void fpag_lru_add(struct fpag *f, uint32_t h)
{
	if (!f->own_lru)
		return;
	f->lru[f->n_lru] = h;
	f->lru_pos[h] = f->n_lru;
	lru_up(f, f->n_lru++);
}

void fpag_lru_del(struct fpag *f, uint32_t h)
{
	uint32_t i = f->own_lru ? f->lru_pos[h] : UINT32_MAX, m;

	if (i == UINT32_MAX)
		return;
	f->lru_pos[h] = UINT32_MAX;
	if (i == --f->n_lru)
		return;
	m = f->lru[f->n_lru];
	f->lru[i] = m;
	f->lru_pos[m] = i;
	lru_up(f, i);
	lru_down(f, f->lru_pos[m]);
}

/* Its last hit moved on (only ever later). */
void fpag_lru_later(struct fpag *f, uint32_t h)
{
	if (f->own_lru && f->lru_pos[h] != UINT32_MAX)
		lru_down(f, f->lru_pos[h]);
}

uint32_t fpag_own_victim(void *ctx)
{
	struct fpag *f = ctx;

	return f->n_lru ? tcam_place_index(f->tp, f->lru[0]) : TP_NONE;
}

/* evict_lru without a callback: the last hits of the latest counter read
 * (an entry not hit since: its install time). */
uint64_t fpag_own_last_hit(void *ctx, uint32_t index)
{
	struct fpag *f = ctx;
	uint32_t h = tcam_place_handle_at(f->tp, index);

	return h == TP_NONE ? 0 : f->rec[h].last_hit;
}
