/* static_prog: the static host program (see static_prog.h). */
#include "host/static_prog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/nic_cmd.h"

/* Events taken per driver call: one receive burst. */
#define SP_BURST 32u

/* An entry written with hold, waiting for its marker, and the misses
 * queued behind it (slots of the queue, chained in arrival order). */
struct sp_pending {
	bool used;
	uint32_t index;
	struct pnic_key key;
	uint32_t head, tail;
};

struct sp_queued {
	uint32_t next;
	uint32_t seq, caplen;
};

#define SP_NONE UINT32_MAX

struct static_prog {
	struct static_prog_params p;
	struct action_word action;     /* packed once */
	struct action_word held;       /* the same with hold */
	uint32_t next_index;
	struct static_prog_stats st;
	struct mbox_event_rx ev[SP_BURST];
	struct sp_pending pend[STATIC_PROG_PENDING];
	struct sp_queued q[STATIC_PROG_QUEUE];
	uint32_t q_free;
	uint8_t *q_mem;                /* STATIC_PROG_QUEUE frames */
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
	sp->held = sp->action;
	sp->held.w[ACTW_HOLD_OFF / 64] |= 1ull << (ACTW_HOLD_OFF % 64);
	sp->next_index = p->first_index;
	for (uint32_t i = 0; i < STATIC_PROG_QUEUE; i++)
		sp->q[i].next = i + 1 < STATIC_PROG_QUEUE ? i + 1 : SP_NONE;
	if (p->hold && !(sp->q_mem = malloc((size_t)STATIC_PROG_QUEUE * NIC_PACKET_OUT_MAX_LEN))) {
		free(sp);
		return pnic_err(err, ENOMEM, "host program: out of memory");
	}
	*out = sp;
	return 0;
}

void static_prog_destroy(struct static_prog *sp)
{
	if (sp)
		free(sp->q_mem);
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
		   const struct action_word *w, struct static_prog_handled *h,
		   struct pnic_error *err)
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
	c.entry.action = *w;
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

/* ---- ordering ------------------------------------------------------------- */

static struct sp_pending *pending_of(struct static_prog *sp,
				     const struct pnic_key *key)
{
	for (uint32_t i = 0; i < STATIC_PROG_PENDING; i++)
		if (sp->pend[i].used &&
		    key_equal(&sp->pend[i].key, key, PNIC_KEY_WORDS))
			return &sp->pend[i];
	return NULL;
}

static struct sp_pending *pending_free(struct static_prog *sp)
{
	for (uint32_t i = 0; i < STATIC_PROG_PENDING; i++)
		if (!sp->pend[i].used)
			return &sp->pend[i];
	return NULL;
}

/* The miss's frame behind the entry pd waits for; false: no room. */
static bool enqueue(struct static_prog *sp, struct sp_pending *pd,
		    const struct mbox_event_rx *e)
{
	uint32_t k = sp->q_free;

	if (k == SP_NONE || !e->frame || e->caplen > NIC_PACKET_OUT_MAX_LEN)
		return false;
	sp->q_free = sp->q[k].next;
	sp->q[k] = (struct sp_queued){ SP_NONE, e->seq, e->caplen };
	memcpy(sp->q_mem + (size_t)k * NIC_PACKET_OUT_MAX_LEN, e->frame, e->caplen);
	if (pd->tail == SP_NONE)
		pd->head = k;
	else
		sp->q[pd->tail].next = k;
	pd->tail = k;
	sp->st.order_queued++;
	return true;
}

/* A miss under hold: the first of its key installs (with hold) and
 * waits; the next ones wait behind it.  Without room: as without hold. */
static int miss_held(struct static_prog *sp, const struct mbox_event_rx *e,
		     struct static_prog_handled *h, struct pnic_error *err)
{
	struct sp_pending *pd = pending_of(sp, &e->key);
	int rc;

	if (!pd && !(pd = sp->q_free != SP_NONE ? pending_free(sp) : NULL)) {
		sp->st.order_overflow++;
		rc = install(sp, e, &sp->action, h, err);
		return rc < 0 ? rc : packet_out(sp, e, h, err);
	}
	if (!pd->used) {
		if ((rc = install(sp, e, &sp->held, h, err)) < 0 || !h->installed)
			return rc < 0 ? rc : packet_out(sp, e, h, err);
		*pd = (struct sp_pending){ true, h->index, e->key, SP_NONE, SP_NONE };
	}
	if ((h->queued = enqueue(sp, pd, e)))
		return 0;
	sp->st.order_overflow++;
	return packet_out(sp, e, h, err);
}

/* The marker of entry index: its queued frames out in order, then the
 * release. */
static int landed(struct static_prog *sp, uint32_t index,
		  struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_ACTION_WRITE };
	struct sp_pending *pd = NULL;
	uint32_t k;
	int rc = 0;

	sp->st.markers++;
	for (uint32_t i = 0; i < STATIC_PROG_PENDING && !pd; i++)
		if (sp->pend[i].used && sp->pend[i].index == index)
			pd = &sp->pend[i];
	if (!pd) {
		sp->st.markers_stale++;
		return 0;
	}
	while (rc == 0 && (k = pd->head) != SP_NONE) {
		struct nic_cmd po = { .op = NIC_OP_PACKET_OUT };

		pd->head = sp->q[k].next;
		spend(sp, sp->p.costs.packet_out_ns);
		po.packet = (struct nic_cmd_packet){
			sp->p.out_ppid, sp->q[k].caplen,
			sp->q_mem + (size_t)k * NIC_PACKET_OUT_MAX_LEN };
		if (sp->p.out_ppid != UINT32_MAX) {
			sp->st.packet_outs++;
			rc = post(sp, &po, err);
			if (sp->p.released)
				sp->p.released(sp->p.ctx, sp->q[k].seq);
		}
		sp->q[k].next = sp->q_free;
		sp->q_free = k;
	}
	pd->used = false;
	if (rc < 0)
		return rc;
	c.action = (struct nic_cmd_action){ index, sp->action };
	sp->st.releases++;
	return post(sp, &c, err);
}

static int handle_miss(struct static_prog *sp, const struct mbox_event_rx *e,
		       struct pnic_error *err)
{
	struct static_prog_handled h = { .seq = e->seq };
	int rc;

	sp->st.misses++;
	spend(sp, sp->p.costs.miss_ns);
	if (sp->p.install && sp->p.hold) {
		if ((rc = miss_held(sp, e, &h, err)) < 0)
			return rc;
	} else if (sp->p.install) {
		rc = install(sp, e, &sp->action, &h, err);
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
		if (sp->ev[i].type == MBOX_EV_LANDED && sp->p.hold) {
			if ((rc = landed(sp, sp->ev[i].entry, err)) < 0)
				return rc;
			continue;
		}
		if (sp->ev[i].type != MBOX_EV_MISS) {
			sp->st.other_events++;
			continue;
		}
		if (sp->ev[i].reason != MBOX_MISS_TCAM &&
		    sp->ev[i].reason != MBOX_MISS_HOLD_CANCELLED) {
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
