/* TCAM placement by priority level: PLO chains or the naive shift, over
 * a flow table (see tcam_place.h). */
#include "host/tcam_place.h"

#include <errno.h>
#include <stdlib.h>

struct tp_level {
	uint32_t first, last;        /* lowest, highest index; TP_NONE if empty */
	uint32_t count;
};

struct tcam_place {
	struct tcam_place_params p;
	uint32_t depth;
	uint32_t *level_at;          /* depth: the level at an index, TP_NONE free */
	uint32_t *handle_at;         /* depth: the handle at an index */
	uint32_t *index_of;          /* depth: a handle's index, TP_NONE free */
	uint32_t *handles;           /* stack of free handles */
	uint32_t n_handles;
	uint64_t *free_bits;         /* bit i set: index i is free */
	struct tp_level *lv;         /* n_levels */
	uint32_t live;
	struct tcam_place_stats st;
	struct tcam_place_result *res;   /* the insert under way, or NULL */
};

static int check_params(const struct tcam_place_params *p,
			struct pnic_error *err)
{
	if (!p->table)
		return pnic_err(err, EINVAL, "TCAM placement needs a flow table");
	if (flow_table_used(p->table))
		return pnic_err(err, EINVAL, "TCAM placement needs a flow table "
				"nothing has been written to");
	if (p->n_levels == 0 || p->n_levels > TP_MAX_LEVELS)
		return pnic_err(err, ERANGE,
				"%u priority levels is outside 1..%u",
				p->n_levels, TP_MAX_LEVELS);
	if (p->algo > TP_ALGO_NAIVE || p->layout > TP_LAYOUT_SPREAD ||
	    p->full > TP_FULL_EVICT_LRU)
		return pnic_err(err, EINVAL,
				"unknown placement algorithm, layout or full policy");
	if (p->full == TP_FULL_EVICT_LRU && !p->last_hit)
		return pnic_err(err, EINVAL,
				"evicting the least recently hit entry needs last-hit times");
	return 0;
}

static void init_state(struct tcam_place *tp)
{
	for (uint32_t i = 0; i < tp->depth; i++) {
		tp->level_at[i] = TP_NONE;
		tp->index_of[i] = TP_NONE;
		tp->handles[i] = tp->depth - 1 - i;   /* handle 0 on top */
		tp->free_bits[i / 64] |= 1ull << (i % 64);
	}
	tp->n_handles = tp->depth;
	for (uint32_t l = 0; l < tp->p.n_levels; l++)
		tp->lv[l].first = tp->lv[l].last = TP_NONE;
}

int tcam_place_create(const struct tcam_place_params *p,
		      struct tcam_place **out, struct pnic_error *err)
{
	struct tcam_place *tp;
	uint32_t d;
	int rc;

	*out = NULL;
	if ((rc = check_params(p, err)))
		return rc;
	d = flow_table_depth(p->table);
	tp = calloc(1, sizeof *tp);
	if (!tp)
		return pnic_err(err, ENOMEM, "out of memory for TCAM placement");
	tp->p = *p;
	tp->depth = d;
	tp->level_at = calloc(d, sizeof *tp->level_at);
	tp->handle_at = calloc(d, sizeof *tp->handle_at);
	tp->index_of = calloc(d, sizeof *tp->index_of);
	tp->handles = calloc(d, sizeof *tp->handles);
	tp->free_bits = calloc((d + 63) / 64, sizeof *tp->free_bits);
	tp->lv = calloc(p->n_levels, sizeof *tp->lv);
	if (!tp->level_at || !tp->handle_at || !tp->index_of ||
	    !tp->handles || !tp->free_bits || !tp->lv) {
		tcam_place_destroy(tp);
		return pnic_err(err, ENOMEM,
				"out of memory for placing %u entries", d);
	}
	init_state(tp);
	*out = tp;
	return 0;
}

void tcam_place_destroy(struct tcam_place *tp)
{
	if (!tp)
		return;
	free(tp->level_at);
	free(tp->handle_at);
	free(tp->index_of);
	free(tp->handles);
	free(tp->free_bits);
	free(tp->lv);
	free(tp);
}

/* ---- free slots ---------------------------------------------------------- */

static void mark(struct tcam_place *tp, uint32_t i, bool is_free)
{
	if (is_free)
		tp->free_bits[i / 64] |= 1ull << (i % 64);
	else
		tp->free_bits[i / 64] &= ~(1ull << (i % 64));
}

/* The first free index >= from, or TP_NONE. */
static uint32_t next_free(const struct tcam_place *tp, uint32_t from)
{
	uint32_t w = from / 64;
	uint64_t bits;

	if (from >= tp->depth)
		return TP_NONE;
	bits = tp->free_bits[w] & (~0ull << (from % 64));
	while (!bits) {
		if (++w >= (tp->depth + 63) / 64)
			return TP_NONE;
		bits = tp->free_bits[w];
	}
	from = w * 64 + (uint32_t)__builtin_ctzll(bits);
	return from < tp->depth ? from : TP_NONE;
}

/* The last free index <= from (TP_NONE: from the end), or TP_NONE. */
static uint32_t prev_free(const struct tcam_place *tp, uint32_t from)
{
	uint32_t w;
	uint64_t bits;

	if (from == TP_NONE)
		return TP_NONE;
	w = from / 64;
	bits = tp->free_bits[w] & (~0ull >> (63 - from % 64));
	while (!bits) {
		if (w-- == 0)
			return TP_NONE;
		bits = tp->free_bits[w];
	}
	return w * 64 + 63 - (uint32_t)__builtin_clzll(bits);
}

/* ---- levels -------------------------------------------------------------- */

/* Where level p may go: [*lo, *hi), between the levels above and below. */
static void region(const struct tcam_place *tp, uint32_t p, uint32_t *lo,
		   uint32_t *hi)
{
	*lo = 0;
	*hi = tp->depth;
	for (uint32_t q = p; q-- > 0;)
		if (tp->lv[q].count) {
			*lo = tp->lv[q].last + 1;
			break;
		}
	for (uint32_t q = p + 1; q < tp->p.n_levels; q++)
		if (tp->lv[q].count) {
			*hi = tp->lv[q].first;
			break;
		}
}

static void level_add(struct tp_level *l, uint32_t i)
{
	if (l->count++ == 0 || i < l->first)
		l->first = i;
	if (l->count == 1 || i > l->last)
		l->last = i;
}

/* An entry of level l moved from s to d, over entries of l only. */
static void level_moved(struct tp_level *l, uint32_t s, uint32_t d)
{
	if (d > s) {
		if (l->first == s)
			l->first = s + 1;
		if (d > l->last)
			l->last = d;
	} else {
		if (l->last == s)
			l->last = s - 1;
		if (d < l->first)
			l->first = d;
	}
}

/* Entry i of level l left; only free slots or l lie between first and
 * last. */
static void level_remove(const struct tcam_place *tp, struct tp_level *l,
			 uint32_t i)
{
	if (--l->count == 0) {
		l->first = l->last = TP_NONE;
		return;
	}
	if (l->first == i)
		do
			l->first++;
		while (tp->level_at[l->first] == TP_NONE);
	if (l->last == i)
		do
			l->last--;
		while (tp->level_at[l->last] == TP_NONE);
}

/* ---- commands ------------------------------------------------------------ */

static void count_write(struct tcam_place *tp)
{
	tp->st.writes++;
	if (tp->res)
		tp->res->writes++;
}

static void occupy(struct tcam_place *tp, uint32_t i, uint32_t level,
		   uint32_t handle)
{
	tp->level_at[i] = level;
	tp->handle_at[i] = handle;
	tp->index_of[handle] = i;
	mark(tp, i, false);
}

static int withdraw(struct tcam_place *tp, uint32_t i, struct pnic_error *err)
{
	int rc = flow_table_withdraw(tp->p.table, i, err);

	if (rc)
		return rc;
	count_write(tp);
	tp->level_at[i] = TP_NONE;
	mark(tp, i, true);
	return 0;
}

/* Copy the entry at s to the free slot d, then invalidate s. */
static int move(struct tcam_place *tp, uint32_t s, uint32_t d,
		struct pnic_error *err)
{
	struct pnic_key v, m;
	struct action_word a;
	uint32_t level = tp->level_at[s], h = tp->handle_at[s];
	int rc;

	if ((rc = flow_table_get(tp->p.table, s, &v, &m, &a)))
		return pnic_err(err, EIO, "TCAM placement: entry %u is not live "
				"in the flow table (written by someone else?)", s);
	if ((rc = flow_table_write(tp->p.table, d, &v, &m, &a, err)))
		return rc;
	count_write(tp);
	occupy(tp, d, level, h);
	if (tp->p.moved)
		tp->p.moved(tp->p.ctx, h, s, d);
	level_moved(&tp->lv[level], s, d);
	tp->st.moves++;
	if (tp->res)
		tp->res->moves++;
	return withdraw(tp, s, err);
}

/* ---- choosing a slot ----------------------------------------------------- */

static uint32_t nearer(uint32_t home, uint32_t a, uint32_t b)
{
	uint32_t da, db;

	if (a == TP_NONE)
		return b;
	if (b == TP_NONE)
		return a;
	da = a > home ? a - home : home - a;
	db = b > home ? b - home : home - b;
	return db < da ? b : a;
}

/* The free slot nearest the layout's home for level p, in [lo, hi). */
static uint32_t pick_spread(const struct tcam_place *tp, uint32_t p,
			    uint32_t lo, uint32_t hi)
{
	uint32_t home = (uint32_t)(((2ull * p + 1) * tp->depth) /
				   (2ull * tp->p.n_levels));
	uint32_t below, above;

	home = home < lo ? lo : home >= hi ? hi - 1 : home;
	below = next_free(tp, home);
	above = prev_free(tp, home);
	if (below >= hi)                 /* TP_NONE is above any hi */
		below = TP_NONE;
	if (above != TP_NONE && above < lo)
		above = TP_NONE;
	return nearer(home, below, above);
}

/* A free slot in [lo, hi) by the layout, or TP_NONE. */
static uint32_t pick_in_region(const struct tcam_place *tp, uint32_t p,
			       uint32_t lo, uint32_t hi)
{
	uint32_t first = next_free(tp, lo);

	if (first >= hi)
		return TP_NONE;
	if (tp->p.layout == TP_LAYOUT_SPREAD)
		return pick_spread(tp, p, lo, hi);
	if (tp->p.layout == TP_LAYOUT_MIDDLE && p >= tp->p.n_levels / 2)
		return prev_free(tp, hi - 1);
	return first;
}

/* Moves a chain from free slot f needs: levels (PLO) or entries crossed. */
static uint32_t chain_cost(const struct tcam_place *tp, uint32_t p,
			   uint32_t f, bool down, uint32_t edge)
{
	uint32_t n = 0;

	if (f == TP_NONE)
		return TP_NONE;
	if (tp->p.algo == TP_ALGO_NAIVE)
		return down ? f - edge : edge - 1 - f;
	if (down) {
		for (uint32_t q = p + 1; q < tp->p.n_levels; q++)
			n += tp->lv[q].count && tp->lv[q].first < f;
	} else {
		for (uint32_t q = 0; q < p; q++)
			n += tp->lv[q].count && tp->lv[q].last > f;
	}
	return n;
}

/* Open a free slot at the edge of region [lo, hi) by a chain of moves
 * from the nearest free slot; *at gets it.  -ENOSPC if none is free. */
static int make_room(struct tcam_place *tp, uint32_t p, uint32_t lo,
		     uint32_t hi, uint32_t *at, struct pnic_error *err)
{
	uint32_t fd = next_free(tp, hi), fu = lo ? prev_free(tp, lo - 1) : TP_NONE;
	uint32_t cd = chain_cost(tp, p, fd, true, hi);
	uint32_t cu = chain_cost(tp, p, fu, false, lo);
	bool down = tp->p.algo == TP_ALGO_NAIVE ? fd != TP_NONE : cd <= cu;
	uint32_t hole = down ? fd : fu;
	int rc;

	if (hole == TP_NONE)
		return -ENOSPC;
	while (down ? hole > hi : hole + 1 < lo) {
		uint32_t q = tp->level_at[down ? hole - 1 : hole + 1];
		uint32_t s = tp->p.algo == TP_ALGO_NAIVE ?
				     (down ? hole - 1 : hole + 1) :
				     (down ? tp->lv[q].first : tp->lv[q].last);

		if ((rc = move(tp, s, hole, err)))
			return rc;
		hole = s;
	}
	*at = hole;
	return 0;
}

/* ---- full table ---------------------------------------------------------- */

/* The least recently hit live entry by a scan of last_hit (the caller's
 * victim callback, when given, answers from its own index instead).
 * TP_NONE when every entry is pinned. */
static uint32_t lru_scan(const struct tcam_place *tp)
{
	uint32_t victim = TP_NONE;
	uint64_t oldest = UINT64_MAX;

	for (uint32_t i = 0; i < tp->depth; i++) {
		uint64_t t;

		if (tp->level_at[i] == TP_NONE)
			continue;
		t = tp->p.last_hit(tp->p.ctx, i);
		if (victim == TP_NONE || t < oldest) {
			victim = i;
			oldest = t;
		}
	}
	return oldest == UINT64_MAX ? TP_NONE : victim;
}

static int evict(struct tcam_place *tp, struct tcam_place_result *r,
		 struct pnic_error *err)
{
	uint32_t victim = tp->p.victim ? tp->p.victim(tp->p.ctx) : lru_scan(tp);
	int rc;

	if (victim >= tp->depth || tp->level_at[victim] == TP_NONE)
		return pnic_err(err, ENOSPC, "the flow table is full (%u entries) "
				"and every entry is pinned", tp->depth);
	r->victim = tp->handle_at[victim];
	r->victim_index = victim;
	if ((rc = tcam_place_delete(tp, r->victim, err)))
		return rc;
	tp->st.evictions++;
	return 0;
}

static int ensure_space(struct tcam_place *tp, struct tcam_place_result *r,
			struct pnic_error *err)
{
	if (tp->live < tp->depth)
		return 0;
	if (tp->p.full == TP_FULL_EVICT_LRU)
		return evict(tp, r, err);
	tp->st.refused_full++;
	return pnic_err(err, ENOSPC, "the flow table is full (%u entries): "
			"the flow stays in the slow path", tp->depth);
}

/* ---- insert and delete --------------------------------------------------- */

static int place(struct tcam_place *tp, const struct tcam_place_entry *e,
		 struct tcam_place_result *r, struct pnic_error *err)
{
	uint32_t lo, hi, at;
	int rc;

	region(tp, e->level, &lo, &hi);
	at = pick_in_region(tp, e->level, lo, hi);
	if (at == TP_NONE && (rc = make_room(tp, e->level, lo, hi, &at, err)))
		return rc;
	if ((rc = flow_table_write(tp->p.table, at, &e->value, &e->mask,
				   &e->action, err)))
		return rc;
	count_write(tp);
	r->handle = tp->handles[--tp->n_handles];
	r->index = at;
	occupy(tp, at, e->level, r->handle);
	level_add(&tp->lv[e->level], at);
	tp->live++;
	return 0;
}

int tcam_place_insert(struct tcam_place *tp, const struct tcam_place_entry *e,
		      struct tcam_place_result *r, struct pnic_error *err)
{
	int rc;

	*r = (struct tcam_place_result){ .handle = TP_NONE, .index = TP_NONE,
					 .victim = TP_NONE,
					 .victim_index = TP_NONE };
	if (e->level >= tp->p.n_levels)
		return pnic_err(err, ERANGE, "priority level %u is outside 0..%u",
				e->level, tp->p.n_levels - 1);
	tp->res = r;
	rc = ensure_space(tp, r, err);
	if (!rc)
		rc = place(tp, e, r, err);
	tp->res = NULL;
	if (rc)
		return rc;
	tp->st.inserts++;
	if (r->moves > tp->st.max_moves)
		tp->st.max_moves = r->moves;
	return 0;
}

/* Free the handle's slot: by an ENTRY_INVALIDATE (send), or in the
 * books only, the NIC having removed the entry itself. */
static int drop_handle(struct tcam_place *tp, uint32_t handle, bool send,
		       struct pnic_error *err)
{
	uint32_t i = handle < tp->depth ? tp->index_of[handle] : TP_NONE;
	uint32_t level;
	int rc;

	if (i == TP_NONE)
		return pnic_err(err, ENOENT, "no placed entry has handle %u",
				handle);
	level = tp->level_at[i];
	if (send) {
		if ((rc = withdraw(tp, i, err)))
			return rc;
	} else {
		if ((rc = flow_table_forget(tp->p.table, i, err)))
			return rc;
		tp->level_at[i] = TP_NONE;
		mark(tp, i, true);
	}
	level_remove(tp, &tp->lv[level], i);
	tp->index_of[handle] = TP_NONE;
	tp->handles[tp->n_handles++] = handle;
	tp->live--;
	tp->st.deletes += send;
	tp->st.forgotten += !send;
	return 0;
}

int tcam_place_delete(struct tcam_place *tp, uint32_t handle,
		      struct pnic_error *err)
{
	return drop_handle(tp, handle, true, err);
}

int tcam_place_forget(struct tcam_place *tp, uint32_t handle,
		      struct pnic_error *err)
{
	return drop_handle(tp, handle, false, err);
}

uint32_t tcam_place_index(const struct tcam_place *tp, uint32_t handle)
{
	return handle < tp->depth ? tp->index_of[handle] : TP_NONE;
}

uint32_t tcam_place_handle_at(const struct tcam_place *tp, uint32_t index)
{
	return index < tp->depth && tp->level_at[index] != TP_NONE ?
	       tp->handle_at[index] : TP_NONE;
}

uint32_t tcam_place_level_at(const struct tcam_place *tp, uint32_t index)
{
	return index < tp->depth ? tp->level_at[index] : TP_NONE;
}

uint32_t tcam_place_live(const struct tcam_place *tp)
{
	return tp->live;
}

const struct tcam_place_stats *tcam_place_stats(const struct tcam_place *tp)
{
	return &tp->st;
}
