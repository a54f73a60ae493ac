/* Which RTL configuration pnicsim cosim runs (cosim_config.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/lookup_core.h"
#include "model/tcam.h"
#include "tools/pnicsim/cosim_config.h"

void cosim_config_name(const struct cosim_config *c,
		       char buf[COSIM_CONFIG_NAME_MAX])
{
	char vpids[16] = "";

	if (c->n_vpids && c->n_vpids != LOOKUP_CORE_DEFAULT_VPIDS)
		snprintf(vpids, sizeof vpids, "v%u", c->n_vpids);
	snprintf(buf, COSIM_CONFIG_NAME_MAX, "%ux%u%s%s", c->depth, c->key_bits,
		 vpids, c->coverage ? "-cov" : "");
}

/* The least power of two >= n (n <= 2^31). */
static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* A depth past the RTL's ceiling is cut to it; scenario_core_check then
 * refuses the scenario only if an entry lies beyond it.  tcam_depth is at
 * most TCAM_MAX_DEPTH, so the rounding cannot overflow. */
static uint32_t depth_for(uint32_t tcam_depth)
{
	uint32_t d = pow2_at_least(tcam_depth);

	if (d < TCAM_MIN_DEPTH)
		return TCAM_MIN_DEPTH;
	return d > LOOKUP_CORE_RTL_MAX_DEPTH ? LOOKUP_CORE_RTL_MAX_DEPTH : d;
}

static uint32_t vpids_for(uint32_t n_vpids)
{
	return n_vpids <= LOOKUP_CORE_DEFAULT_VPIDS ? 0 : pow2_at_least(n_vpids);
}

/* scenario_core_check's refusal of an entry past the RTL's ceiling, with
 * why the core is no deeper. */
static int beyond_ceiling(const struct scenario *s, struct pnic_error *err,
			  int rc)
{
	size_t n = strnlen(err->msg, sizeof err->msg - 1);

	snprintf(err->msg + n, sizeof err->msg - n, ": the RTL is built at most "
		 "%u entries deep (tcam.depth %u is cut to that; see 'Limits' in "
		 "docs/cosim.md)", LOOKUP_CORE_RTL_MAX_DEPTH, s->tcam_depth);
	return rc;
}

int cosim_config_for_scenario(const struct scenario *s, bool coverage,
			      struct cosim_config *c, struct pnic_error *err)
{
	struct lookup_core_params p;
	int rc;

	c->depth = depth_for(s->tcam_depth);
	c->key_bits = s->profile->key_bits;
	c->n_vpids = vpids_for(s->n_vpids);
	c->coverage = coverage;
	p = (struct lookup_core_params){ .depth = c->depth,
		.key_bits = (uint16_t)c->key_bits, .n_vpids = c->n_vpids };
	rc = scenario_core_check(s, &p, err);
	if (rc && err && !strncmp(err->field, "flows[", 6) && s->tcam_depth > c->depth)
		return beyond_ceiling(s, err, rc);
	return rc;
}
