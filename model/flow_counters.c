#include "model/flow_counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"

/* Array of structs: a hit touches one 24-byte record, one cache line. */
struct flow_counters {
	uint32_t depth;
	struct flow_counters_totals totals;
	struct flow_counter *entry;
};

int flow_counters_create(const struct flow_counters_params *p,
			 struct flow_counters **out, struct pnic_error *err)
{
	struct flow_counters *c;

	*out = NULL;
	if (p->depth == 0 || p->depth > TCAM_MAX_DEPTH)
		return pnic_err(err, EINVAL,
				"flow counters: depth %u is outside 1..%u (use the TCAM's depth)",
				p->depth, TCAM_MAX_DEPTH);
	c = calloc(1, sizeof *c);
	if (!c)
		goto err_alloc;
	c->entry = calloc(p->depth, sizeof *c->entry);
	if (!c->entry)
		goto err_entries;
	c->depth = p->depth;
	*out = c;
	return 0;

err_entries:
	free(c);
err_alloc:
	return pnic_err(err, ENOMEM,
			"out of memory for flow counters of %u entries", p->depth);
}

void flow_counters_destroy(struct flow_counters *c)
{
	if (!c)
		return;
	free(c->entry);
	free(c);
}

void flow_counters_hit(struct flow_counters *c, uint32_t index,
		       uint32_t bytes, uint64_t now)
{
	struct flow_counter *e;

	if (index >= c->depth) {
		c->totals.stray++;
		return;
	}
	e = &c->entry[index];
	e->packets++;
	e->bytes += bytes;
	e->last_hit = now;
	c->totals.packets++;
	c->totals.bytes += bytes;
}

void flow_counters_prefetch(const struct flow_counters *c, uint32_t index)
{
	if (index < c->depth)
		__builtin_prefetch(&c->entry[index], 1);
}

void flow_counters_read(const struct flow_counters *c, uint32_t index,
			struct flow_counter *out)
{
	if (index >= c->depth) {
		memset(out, 0, sizeof *out);
		return;
	}
	*out = c->entry[index];
}

int flow_counters_clear(struct flow_counters *c, uint32_t index,
			struct pnic_error *err)
{
	if (index >= c->depth)
		return pnic_err(err, ERANGE,
				"flow counter index %u is out of range (depth %u)",
				index, c->depth);
	memset(&c->entry[index], 0, sizeof c->entry[index]);
	c->totals.clears++;
	return 0;
}

void flow_counters_totals(const struct flow_counters *c,
			  struct flow_counters_totals *out)
{
	*out = c->totals;
}

uint32_t flow_counters_depth(const struct flow_counters *c)
{
	return c->depth;
}
