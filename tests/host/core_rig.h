/* The cycle-level rig of the host table tests: a command sink that turns
 * table commands into config-port beats of a lookup core (model/
 * lookup_core.h), queued as posted writes, and a runner that clocks the
 * core with a lookup offered on every cycle, so that lookups are in
 * flight while the beats land.  Every response goes to a checker with
 * the key it answers.  Shared by tests/host/test_vpid.c and
 * tests/host/test_tcam_place.c. */
#ifndef PNIC_TESTS_CORE_RIG_H
#define PNIC_TESTS_CORE_RIG_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/lookup_core.h"
#include "model/nic_cmd.h"
#include "tools/splitmix.h"

#define CORE_RIG_QUEUE 4096u

/* 31 random bits from a splitmix64 stream (the tests' one generator). */
static inline uint32_t core_rig_rand(uint64_t *state)
{
	return (uint32_t)(splitmix64(state) >> 33);
}

struct core_rig {
	struct lookup_core *lc;
	struct lookup_params lp;          /* for nic_cmd_validate() */
	struct lookup_write q[CORE_RIG_QUEUE];
	unsigned n, head;
	struct pnic_key tag_key[256];     /* the key each tag asked */
	uint8_t next_tag;
	unsigned gap_max;                 /* lookup cycles between beats: 0..max */
	uint64_t seed;
	uint64_t responses;
	/* The next key to look up, and the check of a response. */
	void (*probe)(void *ctx, struct pnic_key *key);
	void (*check)(void *ctx, const struct pnic_key *key,
		      const struct lookup_result *r);
	void *ctx;
};

static inline struct core_rig *core_rig_new(uint32_t depth, uint32_t n_vpids)
{
	struct core_rig *r = calloc(1, sizeof *r);
	struct lookup_core_params p = { .depth = depth, .key_bits = 104,
					.n_vpids = n_vpids };
	struct pnic_error err;

	cr_assert_not_null(r);
	cr_assert_eq(lookup_core_create(&p, &r->lc, &err), 0, "%s", err.msg);
	lookup_core_reset(r->lc);
	r->lp = *lookup_params(lookup_core_lookup(r->lc));
	r->seed = 1;
	return r;
}

static inline void core_rig_free(struct core_rig *r)
{
	if (!r)
		return;
	lookup_core_destroy(r->lc);
	free(r);
}

/* A posted write: checked as the NIC would, queued for the config port. */
static inline int core_rig_submit(void *ctx, const struct nic_cmd *c,
				  struct nic_cmd_result *res,
				  struct pnic_error *err)
{
	struct core_rig *r = ctx;
	int rc = nic_cmd_validate(c, &r->lp, err);

	if (rc)
		return rc;
	cr_assert_lt(r->n, CORE_RIG_QUEUE, "the rig's command queue overflowed");
	if (!nic_cmd_table_write(c, &r->q[(r->head + r->n) % CORE_RIG_QUEUE]))
		return pnic_err(err, EINVAL, "the core rig takes table ops only");
	r->n++;
	if (res)
		*res = (struct nic_cmd_result){ 0, 0 };
	return 0;
}

static inline struct nic_cmd_sink core_rig_sink(struct core_rig *r)
{
	return (struct nic_cmd_sink){ .submit = core_rig_submit, .ctx = r };
}

static inline void core_rig_fill(struct core_rig *r, struct lookup_core_in *in,
				 bool beat)
{
	*in = (struct lookup_core_in){ .rsp_ready = true, .req_valid = true,
				       .tag = r->next_tag };
	r->probe(r->ctx, &in->key);
	if (beat)
		lookup_core_in_beat(in, &r->q[r->head]);
}

/* One clock: a beat if one is due, a lookup otherwise (the port takes a
 * write before a lookup), the response checked. */
static inline void core_rig_cycle(struct core_rig *r, bool beat)
{
	struct lookup_core_in in;
	struct lookup_core_out out;

	core_rig_fill(r, &in, beat);
	lookup_core_eval(r->lc, &in, &out);
	if (out.rsp.valid) {
		r->check(r->ctx, &r->tag_key[out.rsp.tag], &out.rsp.res);
		r->responses++;
	}
	if (beat && out.cfg_ready) {
		r->head = (r->head + 1) % CORE_RIG_QUEUE;
		r->n--;
	} else if (out.req_ready) {
		r->tag_key[r->next_tag++] = in.key;
	}
	lookup_core_step(r->lc, &in);
}

/* Clock until every queued beat has landed and every lookup offered
 * meanwhile has answered; between beats 0..gap_max lookup cycles. */
static inline void core_rig_run(struct core_rig *r)
{
	unsigned gap = 0;

	while (r->n) {
		bool beat = gap == 0;

		core_rig_cycle(r, beat);
		gap = beat ? (r->gap_max ? (unsigned)core_rig_rand(&r->seed) %
						  (r->gap_max + 1) : 0)
			   : gap - 1;
	}
	for (unsigned i = 0; i < 6; i++)
		core_rig_cycle(r, false);
}

#endif
