/* Lookup core: three pipeline registers around the untimed lookup's three
 * stages (see lookup_core.h and docs/lookup_core_contract.md). */
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
	struct lookup *lk;

	/* The pipeline registers.  Stages 2 and 3 have the response's shape
	 * and the lookup's stages fill its result in as they go: 2 the
	 * match, 3 the action word, the response register the PPID.
	 * Whatever a stage does not hold (all of it when not valid; index,
	 * action, PPID on a miss) is zero, so an edge moves whole registers
	 * and only the table reads look at the hit bit. */
	struct lc_s1 s1;
	struct lookup_core_rsp s2;
	struct lookup_core_rsp s3;
	struct lookup_core_rsp rsp;

	struct lookup_core_stats stats;
};

int lookup_core_create(const struct lookup_core_params *p,
		       struct lookup_core **out, struct pnic_error *err)
{
	struct lookup_params lp;
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

	/* cfg_ppid_i is 16 bits, all-ones reserved: every other PPID is a
	 * port to the core. */
	lp = (struct lookup_params){ .depth = p->depth, .key_bits = p->key_bits,
				     .n_vpids = lc->p.n_vpids,
				     .n_ppids = VPID_MAP_MAX_PPIDS };
	rc = lookup_create(&lp, &lc->lk, err);
	if (rc) {
		free(lc);
		return rc;
	}
	*out = lc;
	return 0;
}

void lookup_core_destroy(struct lookup_core *lc)
{
	if (!lc)
		return;
	lookup_destroy(lc->lk);
	free(lc);
}

void lookup_core_reset(struct lookup_core *lc)
{
	/* Valid bits only, as the RTL resets control state only. */
	lookup_reset(lc->lk);
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

/* A config beat accepted at this edge, cut to the port widths.  What the
 * lookup's write check refuses (an index out of range, an unknown op, the
 * reserved PPID) is a no-op, as in the RTL, so its error is dropped. */
static void lc_apply_cfg(struct lookup_core *lc, const struct lookup_core_in *in)
{
	struct lookup_write w;

	w.op = in->op & ((1u << LC_OP_BITS) - 1);
	w.index = in->index;
	lc_cut_key(lc, &w.mask, &in->mask);
	lc_cut_key(lc, &w.value, &in->value);
	w.action.w[0] = in->action.w[0];
	w.action.w[1] = in->action.w[1] & ((1ull << (ACTION_WORD_BITS - 64)) - 1);
	w.ppid = in->ppid;
	lookup_write(lc->lk, &w, NULL);
}

void lookup_core_step(struct lookup_core *lc, const struct lookup_core_in *in)
{
	lc->stats.cycles++;
	if (!lc_advance(lc, in)) {
		lc->stats.stall_cycles++;
		return;
	}
	lc->stats.responses += lc->rsp.valid;
	lc->stats.hits += lc->rsp.res.hit;

	/* Every stage samples the tables before this edge's write lands: a
	 * stage sees writes accepted at earlier edges only.  Hence the order
	 * response, S3, S2, then the write, then S1. */
	lc->rsp = lc->s3;
	lookup_stage_map(lc->lk, &lc->rsp.res);

	lc->s3 = lc->s2;
	lookup_stage_action(lc->lk, &lc->s3.res);

	lc->s2.valid = lc->s1.valid;
	lc->s2.tag = lc->s1.tag;
	if (lc->s1.valid)
		lookup_stage_match(lc->lk, &lc->s1.key, &lc->s2.res);
	else
		memset(&lc->s2.res, 0, sizeof lc->s2.res);

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

void lookup_core_result(const struct lookup_core *lc, const struct pnic_key *key,
			struct lookup_result *res)
{
	struct pnic_key k;

	lc_cut_key(lc, &k, key);
	lookup_run(lc->lk, &k, res);
}

void lookup_core_result_burst(const struct lookup_core *lc,
			      const struct pnic_key *keys, uint32_t n,
			      struct lookup_result *res)
{
	struct pnic_key k[LOOKUP_BURST];

	while (n) {
		uint32_t m = n < LOOKUP_BURST ? n : LOOKUP_BURST;

		for (uint32_t i = 0; i < m; i++)
			lc_cut_key(lc, &k[i], &keys[i]);
		lookup_run_burst(lc->lk, k, m, res);
		keys += m;
		res += m;
		n -= m;
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

const struct lookup *lookup_core_lookup(const struct lookup_core *lc)
{
	return lc->lk;
}

struct lookup *lookup_core_tables(struct lookup_core *lc)
{
	return lc->lk;
}
