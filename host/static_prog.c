/* static_prog: the static host program (see static_prog.h). */
#include "host/static_prog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/nic_cmd.h"

/* Events taken per driver call: one receive burst. */
#define SP_BURST 32u

struct static_prog {
	struct static_prog_params p;
	struct action_word action;     /* packed once */
	uint32_t next_index;
	struct static_prog_stats st;
	struct mbox_event_rx ev[SP_BURST];
};

void static_prog_costs_default(struct static_prog_costs *c)
{
	c->miss_ns = 1000;
	c->install_ns = 300;
	c->packet_out_ns = 300;
}

int static_prog_create(const struct static_prog_params *p,
		       struct static_prog **out, struct pnic_error *err)
{
	struct static_prog *sp;
	int rc;

	*out = NULL;
	if (!p->drv)
		return pnic_err(err, EINVAL, "host program: no driver");
	if (p->key_bits == 0 || p->key_bits > PNIC_KEY_MAX_BITS)
		return pnic_err(err, ERANGE, "host program: key width %u is not 1..%u",
				p->key_bits, PNIC_KEY_MAX_BITS);
	if (p->first_index > p->depth)
		return pnic_err(err, ERANGE, "host program: first entry %u past the depth %u",
				p->first_index, p->depth);
	rc = action_validate(&p->action, err);
	if (rc < 0)
		return rc;
	sp = calloc(1, sizeof *sp);
	if (!sp)
		return pnic_err(err, ENOMEM, "host program: out of memory");
	sp->p = *p;
	action_pack(&p->action, &sp->action);
	sp->next_index = p->first_index;
	*out = sp;
	return 0;
}

void static_prog_destroy(struct static_prog *sp)
{
	free(sp);
}

static void spend(struct static_prog *sp, uint32_t ns)
{
	sp->st.cpu_ns += ns;
	if (sp->p.spend && ns)
		sp->p.spend(sp->p.ctx, ns);
}

/* Post, waiting out a full ring; a refusal for good is counted. */
static int post(struct static_prog *sp, const struct nic_cmd *c,
		struct pnic_error *err)
{
	int rc = mbox_drv_post_wait(sp->p.drv, c, sp->st.installed + sp->st.packet_outs,
				    err);

	if (rc == -EINVAL) {
		sp->st.post_errors++;
		return 0;
	}
	return rc;
}

static void exact_mask(struct pnic_key *m, uint32_t bits)
{
	key_zero(m);
	for (uint32_t off = 0; off < bits; off += 64)
		key_put_u64(m, off, bits - off < 64 ? bits - off : 64, UINT64_MAX);
}

static int install(struct static_prog *sp, const struct mbox_event_rx *e,
		   struct static_prog_handled *h, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE };

	if (sp->next_index >= sp->p.depth) {
		sp->st.table_full++;
		return 0;
	}
	spend(sp, sp->p.costs.install_ns);
	c.entry.index = sp->next_index;
	c.entry.value = e->key;
	exact_mask(&c.entry.mask, sp->p.key_bits);
	c.entry.action = sp->action;
	h->installed = true;
	h->index = sp->next_index++;
	sp->st.installed++;
	return post(sp, &c, err);
}

static int packet_out(struct static_prog *sp, const struct mbox_event_rx *e,
		      struct static_prog_handled *h, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_PACKET_OUT };

	if (sp->p.out_ppid == UINT32_MAX || !e->frame || e->caplen == 0)
		return 0;
	spend(sp, sp->p.costs.packet_out_ns);
	c.packet.ppid = sp->p.out_ppid;
	c.packet.len = e->caplen;
	c.packet.frame = e->frame;
	h->packet_out = true;
	sp->st.packet_outs++;
	return post(sp, &c, err);
}

static int handle_miss(struct static_prog *sp, const struct mbox_event_rx *e,
		       struct pnic_error *err)
{
	struct static_prog_handled h = { .seq = e->seq };
	int rc;

	sp->st.misses++;
	spend(sp, sp->p.costs.miss_ns);
	if (sp->p.install) {
		rc = install(sp, e, &h, err);
		if (rc == 0)
			rc = packet_out(sp, e, &h, err);
		if (rc < 0)
			return rc;
	}
	if (sp->p.handled)
		sp->p.handled(sp->p.ctx, &h);
	return 0;
}

int static_prog_poll(struct static_prog *sp, struct pnic_error *err)
{
	unsigned n;
	int rc;

	sp->st.polls++;
	sp->st.completions += mbox_drv_take_completions(sp->p.drv, &sp->st.cpl_errors);
	n = mbox_drv_poll_events(sp->p.drv, sp->ev, SP_BURST);
	for (unsigned i = 0; i < n; i++) {
		sp->st.event_gaps += sp->ev[i].dropped_before;
		if (sp->ev[i].type != MBOX_EV_MISS) {
			sp->st.other_events++;
			continue;
		}
		if (sp->ev[i].reason != MBOX_MISS_TCAM) {
			sp->st.to_host++;
			continue;
		}
		rc = handle_miss(sp, &sp->ev[i], err);
		if (rc < 0)
			return rc;
	}
	mbox_drv_doorbell(sp->p.drv);
	return (int)n;
}

const struct static_prog_stats *static_prog_stats(const struct static_prog *sp)
{
	return &sp->st;
}
