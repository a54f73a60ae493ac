/* Lookup: the TCAM, action RAM and VPID map behind one untimed read and
 * one checked write (see lookup.h). */
#include "model/lookup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


struct lookup {
	struct lookup_params p;
	struct tcam *tcam;
	struct action_ram *actions;
	struct vpid_map *map;
	uint64_t gen;                /* writes and resets so far */
};

int lookup_create(const struct lookup_params *p, struct lookup **out,
		  struct pnic_error *err)
{
	struct tcam_params tp = { .depth = p->depth, .key_bits = p->key_bits };
	struct action_ram_params ap = { .depth = p->depth };
	struct vpid_map_params mp = { .n_vpids = p->n_vpids,
				      .n_ppids = p->n_ppids };
	struct lookup *lk;
	int rc;

	*out = NULL;
	lk = calloc(1, sizeof *lk);
	if (!lk)
		return pnic_err(err, ENOMEM, "out of memory for the lookup tables");
	lk->p = *p;
	if ((rc = tcam_create(&tp, &lk->tcam, err)) ||
	    (rc = action_ram_create(&ap, &lk->actions, err)) ||
	    (rc = vpid_map_create(&mp, &lk->map, err))) {
		lookup_destroy(lk);
		return rc;
	}
	*out = lk;
	return 0;
}

void lookup_destroy(struct lookup *lk)
{
	if (!lk)
		return;
	vpid_map_destroy(lk->map);
	action_ram_destroy(lk->actions);
	tcam_destroy(lk->tcam);
	free(lk);
}

const struct lookup_params *lookup_params(const struct lookup *lk)
{
	return &lk->p;
}

/* ---- reads --------------------------------------------------------------- */

int32_t lookup_match(const struct lookup *lk, const struct pnic_key *key)
{
	return tcam_lookup(lk->tcam, key);
}

int32_t lookup_match_linear(const struct lookup *lk,
			    const struct pnic_key *key)
{
	return tcam_lookup_linear(lk->tcam, key);
}

/* A match answer as the match stage's register holds it. */
static void set_match(struct lookup_result *r, int32_t idx)
{
	memset(r, 0, sizeof *r);
	if (idx != TCAM_MISS) {
		r->hit = true;
		r->index = (uint32_t)idx;
	}
}

void lookup_stage_match(const struct lookup *lk, const struct pnic_key *key,
			struct lookup_result *r)
{
	set_match(r, tcam_lookup(lk->tcam, key));
}

void lookup_stage_action(const struct lookup *lk, struct lookup_result *r)
{
	if (r->hit)
		action_ram_read(lk->actions, r->index, &r->action);
}

uint32_t lookup_map_read(const struct lookup *lk, uint32_t vpid)
{
	return vpid_map_read(lk->map, vpid);
}

void lookup_stage_map(const struct lookup *lk, struct lookup_result *r)
{
	uint32_t ppid;

	if (!r->hit)
		return;
	ppid = vpid_map_read(lk->map, lookup_action_vpid(&r->action));
	r->mapped = ppid != VPID_UNMAPPED;
	r->ppid = r->mapped ? (uint16_t)ppid : 0;
}

void lookup_run(const struct lookup *lk, const struct pnic_key *key,
		struct lookup_result *r)
{
	lookup_stage_match(lk, key, r);
	lookup_stage_action(lk, r);
	lookup_stage_map(lk, r);
}

void lookup_run_burst(const struct lookup *lk, const struct pnic_key *keys,
		      uint32_t n, struct lookup_result *r)
{
	int32_t idx[LOOKUP_BURST];

	while (n) {
		uint32_t m = n < LOOKUP_BURST ? n : LOOKUP_BURST;

		/* Stage by stage over the burst, not key by key: the reads of
		 * one stage are independent, so their misses overlap. */
		tcam_lookup_burst(lk->tcam, keys, m, idx);
		for (uint32_t i = 0; i < m; i++) {
			set_match(&r[i], idx[i]);
			lookup_stage_action(lk, &r[i]);
		}
		for (uint32_t i = 0; i < m; i++)
			lookup_stage_map(lk, &r[i]);
		keys += m;
		r += m;
		n -= m;
	}
}

/* ---- writes -------------------------------------------------------------- */

/* Bits of k at or above `bits`. */
static bool key_beyond(const struct pnic_key *k, unsigned bits)
{
	for (unsigned i = bits / 64; i < PNIC_KEY_WORDS; i++) {
		uint64_t keep = i == bits / 64 && bits % 64 ?
				(1ull << (bits % 64)) - 1 : 0;

		if (k->w[i] & ~keep)
			return true;
	}
	return false;
}

static int check_entry_index(const struct lookup_params *p, uint32_t index,
			     struct pnic_error *err)
{
	if (index >= p->depth)
		return pnic_err(err, ERANGE,
				"entry index %u is out of range (the table has entries 0..%u)",
				index, p->depth - 1);
	return 0;
}

static int check_action_word(const struct action_word *w,
			     struct pnic_error *err)
{
	if (w->w[1] >> (ACTION_WORD_BITS - 64))
		return pnic_err(err, EINVAL,
				"action word has bits set at or above bit %u (it is %u bits wide)",
				ACTION_WORD_BITS, ACTION_WORD_BITS);
	return 0;
}

static int check_tcam_write(const struct lookup_params *p,
			    const struct lookup_write *w,
			    struct pnic_error *err)
{
	int rc = check_entry_index(p, w->index, err);

	if (rc)
		return rc;
	if (key_beyond(&w->value, p->key_bits) || key_beyond(&w->mask, p->key_bits))
		return pnic_err(err, EINVAL,
				"entry %u: value or mask has bits set at or above bit %u (the key is %u bits wide)",
				w->index, p->key_bits, p->key_bits);
	return check_action_word(&w->action, err);
}

static int check_vpid(const struct lookup_params *p, uint32_t vpid,
		      struct pnic_error *err)
{
	if (vpid >= p->n_vpids)
		return pnic_err(err, ERANGE,
				"VPID %u is out of range (the map holds VPIDs 0..%u)",
				vpid, p->n_vpids - 1);
	return 0;
}

static int check_map_write(const struct lookup_params *p,
			   const struct lookup_write *w,
			   struct pnic_error *err)
{
	int rc = check_vpid(p, w->index, err);

	if (rc)
		return rc;
	if (w->ppid == VPID_UNMAPPED)
		return pnic_err(err, EINVAL,
				"VPID %u: PPID %u (0x%x) is reserved for 'unmapped' and is never a port; clear the VPID instead",
				w->index, VPID_UNMAPPED, VPID_UNMAPPED);
	if (w->ppid >= p->n_ppids)
		return pnic_err(err, ERANGE,
				"VPID %u: PPID %u is out of range (ports are 0..%u)",
				w->index, w->ppid, p->n_ppids - 1);
	return 0;
}

int lookup_write_check(const struct lookup_params *p,
		       const struct lookup_write *w, struct pnic_error *err)
{
	int rc;

	switch (w->op) {
	case LC_OP_TCAM_WRITE:
		return check_tcam_write(p, w, err);
	case LC_OP_TCAM_INVALIDATE:
		return check_entry_index(p, w->index, err);
	case LC_OP_ACTION_WRITE:
		if ((rc = check_entry_index(p, w->index, err)))
			return rc;
		return check_action_word(&w->action, err);
	case LC_OP_MAP_WRITE:
		return check_map_write(p, w, err);
	case LC_OP_MAP_CLEAR:
		return check_vpid(p, w->index, err);
	}
	return pnic_err(err, EINVAL,
			"table write op %u is not one of 1..5 (entry write, entry invalidate, action write, map write, map clear)",
			w->op);
}

int lookup_write(struct lookup *lk, const struct lookup_write *w,
		 struct pnic_error *err)
{
	int rc = lookup_write_check(&lk->p, w, err);

	if (rc)
		return rc;
	lk->gen++;
	/* Checked above, so the blocks below cannot refuse. */
	switch (w->op) {
	case LC_OP_TCAM_WRITE:
		tcam_write(lk->tcam, w->index, &w->value, &w->mask, NULL);
		action_ram_write(lk->actions, w->index, &w->action, NULL);
		break;
	case LC_OP_TCAM_INVALIDATE:
		tcam_invalidate(lk->tcam, w->index, NULL);
		break;
	case LC_OP_ACTION_WRITE:
		action_ram_write(lk->actions, w->index, &w->action, NULL);
		break;
	case LC_OP_MAP_WRITE:
		vpid_map_set(lk->map, w->index, w->ppid, NULL);
		break;
	case LC_OP_MAP_CLEAR:
		vpid_map_clear(lk->map, w->index, NULL);
		break;
	}
	return 0;
}

void lookup_reset(struct lookup *lk)
{
	/* O(depth), but reset is not on the per-cycle path. */
	lk->gen++;
	for (uint32_t i = 0; i < lk->p.depth; i++)
		tcam_invalidate(lk->tcam, i, NULL);
	for (uint32_t v = 0; v < lk->p.n_vpids; v++)
		vpid_map_clear(lk->map, v, NULL);
}

/* ---- templates and views ------------------------------------------------- */

int lookup_template_set(struct lookup *lk, uint8_t id,
			const struct encap_template *t, struct pnic_error *err)
{
	return action_ram_set_template(lk->actions, id, t, err);
}

const struct encap_template *lookup_template(const struct lookup *lk,
					     uint8_t id)
{
	return action_ram_template(lk->actions, id);
}

uint64_t lookup_generation(const struct lookup *lk)
{
	return lk->gen;
}

const struct tcam *lookup_tcam(const struct lookup *lk)
{
	return lk->tcam;
}
