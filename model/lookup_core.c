/* Lookup core: three pipeline registers around the untimed TCAM, action
 * RAM and VPID map (see lookup_core.h and docs/lookup_core_contract.md). */
#include "model/lookup_core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Stage 1: the accepted request. */
struct lc_s1 {
	bool valid;
	uint8_t tag;
	struct pnic_key key;
};

struct lookup_core {
	struct lookup_core_params p;
	unsigned key_words;
	struct pnic_key key_cut;    /* ones below key_bits: the port width */
	struct tcam *tcam;
	struct action_ram *actions;
	struct vpid_map *map;

	/* The pipeline registers.  Stages 2 and 3 have the response's shape
	 * and fill it in as they go: 2 the TCAM's answer, 3 the action word,
	 * the response register the PPID.  Whatever a stage does not hold
	 * (all of it when not valid; index, action, PPID on a miss) is zero,
	 * so an edge moves whole registers and only the table reads look at
	 * the hit bit. */
	struct lc_s1 s1;
	struct lookup_core_rsp s2;
	struct lookup_core_rsp s3;
	struct lookup_core_rsp rsp;

	struct lookup_core_stats stats;
};

int lookup_core_create(const struct lookup_core_params *p,
		       struct lookup_core **out, struct pnic_error *err)
{
	struct tcam_params tp;
	struct action_ram_params ap;
	struct vpid_map_params mp;
	struct lookup_core *lc;
	int rc;

	*out = NULL;
	if (p->depth < TCAM_MIN_DEPTH || p->depth > LOOKUP_CORE_MAX_DEPTH ||
	    (p->depth & (p->depth - 1)))
		return pnic_err(err, EINVAL,
				"lookup core depth %u must be a power of two in %u..%u",
				p->depth, TCAM_MIN_DEPTH, LOOKUP_CORE_MAX_DEPTH);
	if (p->key_bits < 1 || p->key_bits > PNIC_KEY_MAX_BITS)
		return pnic_err(err, EINVAL,
				"lookup core key width %u must be in 1..%u",
				p->key_bits, PNIC_KEY_MAX_BITS);
	if (p->n_vpids > VPID_MAP_MAX_VPIDS)
		return pnic_err(err, EINVAL,
				"lookup core map depth %u exceeds %u VPIDs",
				p->n_vpids, VPID_MAP_MAX_VPIDS);

	lc = calloc(1, sizeof *lc);
	if (!lc)
		return pnic_err(err, ENOMEM, "out of memory for the lookup core");
	lc->p = *p;
	if (!lc->p.n_vpids)
		lc->p.n_vpids = LOOKUP_CORE_DEFAULT_VPIDS;
	lc->key_words = key_words(p->key_bits);
	for (unsigned i = 0; i < p->key_bits; i += 64)
		key_put_u64(&lc->key_cut, i, p->key_bits - i < 64 ? p->key_bits - i : 64,
			    ~0ull);

	tp = (struct tcam_params){ .depth = p->depth, .key_bits = p->key_bits };
	rc = tcam_create(&tp, &lc->tcam, err);
	if (rc)
		goto free_core;
	ap = (struct action_ram_params){ .depth = p->depth };
	rc = action_ram_create(&ap, &lc->actions, err);
	if (rc)
		goto free_tcam;
	mp = (struct vpid_map_params){
		.n_vpids = lc->p.n_vpids,
		.n_ppids = VPID_MAP_MAX_PPIDS,
		.unmapped = VPID_UNMAPPED_DROP,
	};
	rc = vpid_map_create(&mp, &lc->map, err);
	if (rc)
		goto free_actions;
	*out = lc;
	return 0;

free_actions:
	action_ram_destroy(lc->actions);
free_tcam:
	tcam_destroy(lc->tcam);
free_core:
	free(lc);
	return rc;
}

void lookup_core_destroy(struct lookup_core *lc)
{
	if (!lc)
		return;
	vpid_map_destroy(lc->map);
	action_ram_destroy(lc->actions);
	tcam_destroy(lc->tcam);
	free(lc);
}

void lookup_core_reset(struct lookup_core *lc)
{
	/* Valid bits only, as the RTL resets control state only.  The loops
	 * cost O(depth) but reset is not on the per-cycle path. */
	for (uint32_t i = 0; i < lc->p.depth; i++)
		tcam_invalidate(lc->tcam, i, NULL);
	for (uint32_t v = 0; v < lc->p.n_vpids; v++)
		vpid_map_clear(lc->map, v, NULL);
	lc->s1.valid = false;
	memset(&lc->s2, 0, sizeof lc->s2);
	memset(&lc->s3, 0, sizeof lc->s3);
	memset(&lc->rsp, 0, sizeof lc->rsp);
	lc->stats.cycles++;
}

static bool lc_advance(const struct lookup_core *lc,
		       const struct lookup_core_in *in)
{
	/* `|`, not `||`: rsp_ready changes at random, and a branch on it
	 * would be mispredicted half the time. */
	return !lc->rsp.valid | in->rsp_ready;
}

void lookup_core_eval(const struct lookup_core *lc,
		      const struct lookup_core_in *in,
		      struct lookup_core_out *out)
{
	bool adv = lc_advance(lc, in);

	out->cfg_ready = adv;
	out->req_ready = adv & !in->cfg_valid;
	out->rsp = lc->rsp;
}

static void lc_cut_key(const struct lookup_core *lc, struct pnic_key *dst,
		       const struct pnic_key *src)
{
	key_zero(dst);
	for (unsigned i = 0; i < lc->key_words; i++)
		dst->w[i] = src->w[i] & lc->key_cut.w[i];
}

/* A config beat accepted at this edge.  Out-of-range indices and unknown
 * ops are no-ops, as in the RTL, so the errors below are expected and
 * dropped. */
static void lc_apply_cfg(struct lookup_core *lc, const struct lookup_core_in *in)
{
	struct pnic_key value, mask;
	struct action_word action;

	switch (in->op & ((1u << LC_OP_BITS) - 1)) {
	case LC_OP_TCAM_WRITE:
		if (in->index >= lc->p.depth)
			break;
		lc_cut_key(lc, &mask, &in->mask);
		lc_cut_key(lc, &value, &in->value);
		for (unsigned i = 0; i < lc->key_words; i++)
			value.w[i] &= mask.w[i];
		action.w[0] = in->action.w[0];
		action.w[1] = in->action.w[1] &
			      ((1ull << (ACTION_WORD_BITS - 64)) - 1);
		tcam_write(lc->tcam, in->index, &value, &mask, NULL);
		action_ram_write(lc->actions, in->index, &action, NULL);
		break;
	case LC_OP_TCAM_INVALIDATE:
		if (in->index < lc->p.depth)
			tcam_invalidate(lc->tcam, in->index, NULL);
		break;
	case LC_OP_ACTION_WRITE:
		if (in->index >= lc->p.depth)
			break;
		action.w[0] = in->action.w[0];
		action.w[1] = in->action.w[1] &
			      ((1ull << (ACTION_WORD_BITS - 64)) - 1);
		action_ram_write(lc->actions, in->index, &action, NULL);
		break;
	case LC_OP_MAP_WRITE:
		if (in->index < lc->p.n_vpids)
			vpid_map_set(lc->map, in->index, in->ppid, NULL);
		break;
	case LC_OP_MAP_CLEAR:
		if (in->index < lc->p.n_vpids)
			vpid_map_clear(lc->map, in->index, NULL);
		break;
	default:
		break;
	}
}

void lookup_core_step(struct lookup_core *lc, const struct lookup_core_in *in)
{
	int32_t idx;

	lc->stats.cycles++;
	if (!lc_advance(lc, in)) {
		lc->stats.stall_cycles++;
		return;
	}
	lc->stats.responses += lc->rsp.valid;
	lc->stats.hits += lc->rsp.hit;

	/* Every stage samples the tables before this edge's write lands: a
	 * stage sees writes accepted at earlier edges only.  Hence the order
	 * response, S3, S2, then the write, then S1. */
	lc->rsp = lc->s3;
	if (lc->rsp.hit) {
		uint32_t ppid = vpid_map_lookup(lc->map,
				lookup_core_action_vpid(&lc->rsp.action));

		lc->rsp.mapped = ppid != VPID_UNMAPPED;
		lc->rsp.ppid = lc->rsp.mapped ? (uint16_t)ppid : 0;
	}

	lc->s3 = lc->s2;
	if (lc->s3.hit)
		action_ram_read(lc->actions, lc->s3.index, &lc->s3.action);

	lc->s2 = (struct lookup_core_rsp){ .valid = lc->s1.valid,
					   .tag = lc->s1.tag };
	idx = lc->s1.valid ? tcam_lookup(lc->tcam, &lc->s1.key) : TCAM_MISS;
	if (idx != TCAM_MISS) {
		lc->s2.hit = true;
		lc->s2.index = (uint32_t)idx;
	}

	if (in->cfg_valid) {
		lc->stats.cfg_writes++;
		lc_apply_cfg(lc, in);
		lc->s1.valid = false;
		return;
	}
	lc->s1.valid = in->req_valid;
	if (in->req_valid) {
		lc->stats.lookups++;
		lc->s1.tag = in->tag;
		/* The words above the key width were zeroed at create and are
		 * never written, so only the key's own words are copied. */
		for (unsigned i = 0; i < lc->key_words; i++)
			lc->s1.key.w[i] = in->key.w[i] & lc->key_cut.w[i];
	}
}

const struct lookup_core_params *lookup_core_params(const struct lookup_core *lc)
{
	return &lc->p;
}

const struct lookup_core_stats *lookup_core_stats(const struct lookup_core *lc)
{
	return &lc->stats;
}

const struct tcam *lookup_core_tcam(const struct lookup_core *lc)
{
	return lc->tcam;
}

const struct action_ram *lookup_core_action_ram(const struct lookup_core *lc)
{
	return lc->actions;
}

const struct vpid_map *lookup_core_vpid_map(const struct lookup_core *lc)
{
	return lc->map;
}
