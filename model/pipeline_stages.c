/* Pipeline header path: the parser's arbiter, parser, key build, lookup
 * core, action stage and editor, and where each packet's outputs go (see
 * pipeline.h and pipeline-private.h).
 *
 * Each stage is elastic: it takes a packet at an edge when it holds fewer
 * than its capacity and its initiation interval has passed since the last
 * one, offers it on `latency` edges later, and holds it while the next
 * stage cannot take it.  A stage's capacity is the registers it needs to
 * run at its rate, ceil(latency / II) (the parser: its base latency plus
 * the one being read), so a stage never slows a packet stream that its II
 * allows.  At each edge the stages act downstream first, so a place freed
 * at an edge is taken at that edge, as a pipeline register's ready does.
 *
 * The lookup core is the cycle-exact model (lookup_core.h), driven through
 * its ports: a config beat when the config FIFO holds one, a request when
 * the key stage's oldest packet is ready, rsp_ready when the action stage
 * can take a packet; it is stepped at every edge at which it holds a
 * lookup or is offered a beat, and at no other.  Except on its fast
 * path: a lookup issued with no config beat waiting and the core holding
 * no lookup of its own gets the untimed result at once (lookup_core_result)
 * and its response is taken PL_CORE_DEPTH edges later, the core not
 * stepped at all, as long as nothing that could change that happens: a
 * beat offered or a response that would not be taken (a stall) while such
 * lookups are in flight first replays them into the core model (it was
 * empty when the first was issued, and nothing but those requests reached
 * it since), which then steps on from that edge as it always does.
 * docs/timing.md, "The lookup core's fast path", has the argument.  A
 * packet the datapath
 * does not look up (a parse error under the drop or to_host policy) rides
 * a bypass beside the core, in order and with the core's latency, and
 * takes no lookup slot.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/encap.h"
#include "model/pipeline-private.h"

static uint32_t stage_cap(const struct pipeline_stage *s)
{
	return (s->latency + s->ii - 1) / s->ii;
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

static int make_core(struct pipeline *pl, struct pnic_error *err)
{
	struct lookup_core_params cp = { .depth = pl->p.depth,
					 .key_bits = pl->p.profile->key_bits,
					 .n_vpids = pl->p.n_vpids };
	int rc = lookup_core_create(&cp, &pl->core, err);

	if (!rc)
		lookup_core_reset(pl->core);   /* edge 0 */
	return rc;
}

int pipeline_stages_create(struct pipeline *pl, struct pnic_error *err)
{
	const struct pipeline_timing *tm = &pl->p.timing;
	uint32_t edit = (pl->p.bounds.max_frame + ENCAP_TEMPLATE_MAX_BYTES + 15) & ~7u;
	uint64_t n;

	pl->cap_parser = tm->parser_base + 1;
	pl->cap_key = stage_cap(&tm->key);
	pl->cap_act = stage_cap(&tm->action);
	pl->cap_edit = stage_cap(&tm->editor);
	/* The core's window: the core's own registers and the bypass lane. */
	n = pow2_at_least((uint64_t)pl->cap_parser + pl->cap_key + 2 * PL_CORE_DEPTH +
			  pl->cap_act + pl->cap_edit);
	pl->slot_mask = n - 1;
	pl->slots = calloc(n, sizeof *pl->slots);
	pl->edit_mem = malloc(n * edit);
	pl->cfg = calloc(pl->p.bounds.cfg_commands, sizeof *pl->cfg);
	if (!pl->slots || !pl->edit_mem || !pl->cfg)
		return pnic_err(err, ENOMEM, "out of memory for the pipeline's stages");
	for (uint64_t i = 0; i < n; i++)
		pl->slots[i].edit = pl->edit_mem + i * edit;
	pl->rr = pl->p.n_ports - 1;    /* so that port 0 is first */
	return make_core(pl, err);
}

void pipeline_stages_destroy(struct pipeline *pl)
{
	lookup_core_destroy(pl->core);
	free(pl->cfg);
	free(pl->edit_mem);
	free(pl->slots);
}

/* ---- outputs ------------------------------------------------------------- */

static void mirror_out(struct pipeline *pl, const struct pipeline_record *rec,
		       const struct pl_out *o, uint64_t t)
{
	pl->mirrors++;
	if (o->kind != DP_OUT_EGRESS)
		pl->dropped[PL_DROP_MIRROR_UNMAPPED]++;
	else if (!pipeline_mac_enqueue(pl, o->ppid, t, PL_TX_MIRROR, rec->id,
				       o->frame, o->caplen, o->len, NULL))
		pl->dropped[PL_DROP_MIRROR_EGRESS_FULL]++;
}

static void drop_out(struct pipeline *pl, struct pipeline_record *r,
		     enum pipeline_drop why)
{
	r->path = PL_PATH_DROP;
	r->drop = why;
	r->enqueue = PIPELINE_NEVER;
	pl->dropped[why]++;
	pipeline_record_out(pl, r);
}

/* A packet's output: into its egress queue (its record r goes out with
 * it, the departure fixed), into the to-host queue (as u describes it),
 * or dropped. */
static void deliver(struct pipeline *pl, struct pipeline_record *r,
		    const struct pipeline_upcall *u, const struct pl_out *o,
		    uint64_t t)
{
	r->enqueue = t;
	switch (o->kind) {
	case DP_OUT_EGRESS:
		r->path = PL_PATH_HIT;
		r->out_ppid = o->ppid;
		if (!pipeline_mac_enqueue(pl, o->ppid, t, PL_TX_FORWARD, r->id,
					  o->frame, o->caplen, o->len, r))
			drop_out(pl, r, PL_DROP_EGRESS_FULL);
		return;
	case DP_OUT_TO_HOST:
		r->path = o->host == DP_HOST_MISS ? PL_PATH_MISS : PL_PATH_TO_HOST;
		r->host = o->host;
		if (!pipeline_up_push(pl, u, o, t)) {
			drop_out(pl, r, PL_DROP_TO_HOST_FULL);
			return;
		}
		pl->to_host++;
		pipeline_record_out(pl, r);
		return;
	case DP_OUT_DROP:
		drop_out(pl, r, (enum pipeline_drop)o->drop);
		return;
	case DP_OUT_HOLD:
		return;
	}
}

/* The slot of a held packet leaves the editor: from now on only the
 * hold buffer has it, unless it was released already. */
static void hold_park(struct pipeline *pl, const struct pl_out *o)
{
	struct pl_held *h = &pl->held[o->held];

	if (h->serial == o->hold_serial && h->state == PL_HOLD_IN_SLOT) {
		h->state = PL_HOLD_PARKED;
		pl->held_parked++;
	} else {
		pl->held_early--;
	}
}

static void packet_out(struct pipeline *pl, const struct pl_slot *s,
		       const struct pl_out *o, uint64_t t)
{
	struct pipeline_record r = s->rec;
	struct pipeline_upcall u = {
		.id = s->rec.id, .in_port = s->port, .entry = s->rec.entry,
	};

	if (o->kind == DP_OUT_HOLD) {
		hold_park(pl, o);
		return;
	}
	if (o->kind == DP_OUT_TO_HOST && s->lookup) {
		u.key = s->key;
		u.key_bits = pl->p.profile->key_bits;
	}
	deliver(pl, &r, &u, o, t);
}

/* A packet the action stage put in the hold buffer: its record and key
 * wait with it, by the buffer's slot. */
static void hold_in(struct pipeline *pl, const struct pl_slot *s,
		    const struct datapath_out *o, struct pl_out *x)
{
	struct pl_held *h = &pl->held[o->held];

	h->rec = s->rec;
	h->rec.entry = o->entry;
	h->key = s->key;
	h->lookup = s->lookup;
	h->port = s->port;
	h->serial = ++pl->hold_serial;
	h->state = PL_HOLD_IN_SLOT;
	x->hold_serial = h->serial;
}

/* A packet leaves the hold buffer (released or cancelled by the write
 * the config port takes now): its outputs go out at this edge. */
static void hold_out(struct pipeline *pl, const struct datapath_out *o,
		     const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	struct pl_held *h = &pl->held[o->held];
	struct pl_out x = { .kind = o->kind, .ppid = o->ppid, .drop = o->drop,
			    .host = o->host, .frame = frame, .caplen = caplen,
			    .len = len };
	struct pipeline_upcall u = {
		.id = h->rec.id, .in_port = h->port, .entry = h->rec.entry,
	};
	struct pipeline_record r = h->rec;

	if (o->mirror) {
		mirror_out(pl, &h->rec, &x, pl->now);
		return;
	}
	if (h->state == PL_HOLD_PARKED)
		pl->held_parked--;
	else if (h->state == PL_HOLD_IN_SLOT)
		pl->held_early++;
	h->state = PL_HOLD_FREE;
	if (h->lookup) {
		u.key = h->key;
		u.key_bits = pl->p.profile->key_bits;
	}
	deliver(pl, &r, &u, &x, pl->now);
}

void pipeline_stages_out(void *ctx, const struct datapath_out *o,
			 const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	struct pipeline *pl = ctx;
	struct pl_slot *s = pl->cur;
	struct pl_out *x;

	if (!s && o->held != DP_NOT_HELD) {
		hold_out(pl, o, frame, caplen, len);
		return;
	}
	if (!s) {
		/* Outside a packet's action stage the datapath speaks only
		 * for a PACKET_OUT command, and for a hold buffer's packets
		 * (above): it re-enters at the egress queue of its PPID,
		 * now. */
		pl->packet_outs++;
		if (!pipeline_mac_enqueue(pl, o->ppid, pl->now, PL_TX_PACKET_OUT,
					  pl->packet_outs - 1, frame, caplen, len, NULL))
			pl->dropped[PL_DROP_PACKET_OUT_FULL]++;
		return;
	}
	assert(s->n_out < 2);
	x = &s->out[s->n_out++];
	*x = (struct pl_out){ .kind = o->kind, .mirror = o->mirror, .ppid = o->ppid,
			      .drop = o->drop, .host = o->host, .frame = frame,
			      .caplen = caplen, .len = len, .held = o->held };
	if (o->kind == DP_OUT_HOLD) {
		hold_in(pl, s, o, x);
		return;
	}
	if (caplen && frame != s->rx->frame) {
		/* The editor's buffer is the datapath's, and the next packet's
		 * edit reuses it: the edited frame waits in the slot. */
		memcpy(s->edit, frame, caplen);
		x->frame = s->edit;
	}
	if (!o->mirror)
		s->rec.entry = o->entry;
}

/* The oldest packet leaves the editor: its outputs go where the action
 * stage sent them, and its frame leaves the ingress buffer.  Out of line:
 * the visits that move no packet out then pay nothing for it. */
static __attribute__((noinline)) void finish(struct pipeline *pl,
					     const struct pl_slot *s, uint64_t t)
{
	for (unsigned i = 0; i < s->n_out; i++) {
		if (s->out[i].mirror)
			mirror_out(pl, &s->rec, &s->out[i], t);
		else
			packet_out(pl, s, &s->out[i], t);
	}
	pipeline_mac_release(pl, s->port, t);
}

/* ---- the stages, downstream first ---------------------------------------- */

static void editor_out(struct pipeline *pl, uint64_t t)
{
	while (pl->s_edit != pl->s_act && pl_slot(pl, pl->s_edit)->ready <= t) {
		finish(pl, pl_slot(pl, pl->s_edit), t);
		pl->s_edit++;
	}
}

/* The editor's own rule, for the reference scheduler (stepped_core):
 * moved ahead, a packet enters the editor by pipeline_stages_catch_up(). */
static void action_to_editor(struct pipeline *pl, uint64_t t)
{
	const struct pipeline_stage *ed = &pl->p.timing.editor;
	struct pl_slot *s;

	if (pl->ahead || pl->s_act == pl->s_core || pl->s_act - pl->s_edit >= pl->cap_edit ||
	    t < pl->edit_next)
		return;
	s = pl_slot(pl, pl->s_act);
	if (s->ready > t)
		return;
	s->ready = t + ed->latency;
	pl->edit_next = t + ed->ii;
	pl->s_act++;
}

/* The edge the packet the action stage takes now enters the editor,
 * decided now: the editor never holds a packet back (its out takes every
 * packet at its ready edge) and its capacity, ceil(latency / II), never
 * binds at its II, so that edge is the later of the packet's ready edge
 * and the editor's II after the packet ahead.  Marked when it lies within
 * the marks' reach, else a visit (next_out). */
static void edit_ahead(struct pipeline *pl, struct pl_slot *s)
{
	const struct pipeline_stage *ed = &pl->p.timing.editor;
	uint64_t e = pl_max(s->ready, pl->edit_next);

	s->edit_at = e;
	s->ready = e + ed->latency;
	pl->edit_next = e + ed->ii;
	s->edit_marked = pl_mark(pl, e, e);
}

void pipeline_stages_catch_up(struct pipeline *pl, uint64_t t)
{
	while (pl->s_act != pl->s_core && pl_slot(pl, pl->s_act)->edit_at <= t)
		pl->s_act++;
}

/* The action stage takes the oldest packet of the core's window (a
 * response, or a bypass) and decides it with the datapath's back half. */
static void action_take(struct pipeline *pl, struct pl_slot *s, uint64_t t)
{
	const struct pipeline_stage *ac = &pl->p.timing.action;
	struct datapath_pkt pkt = { s->rx->frame, s->rx->caplen, s->rx->len,
				    s->ts_ns };

	if (s->lookup) {
		s->rec.lookup_response = t;
		s->wk.res = &s->res;
	}
	s->ready = t + ac->latency;
	s->edit_at = PIPELINE_NEVER;
	pl->act_next = t + ac->ii;
	pl->s_core++;
	if (pl->ahead)
		edit_ahead(pl, s);
	s->n_out = 0;
	pl->cur = s;
	datapath_back(pl->dp, s->port, &pkt, &s->wk);
	pl->cur = NULL;
}

static bool action_room(const struct pipeline *pl, uint64_t t)
{
	return pl->s_core - pl->s_act < pl->cap_act && t >= pl->act_next;
}

/* The key stage's oldest packet, if ready: a lookup to offer (returned;
 * the core's ready says whether it takes it), or a bypass that joins the
 * core's window now if the bypass lane has room. */
static struct pl_slot *key_head(struct pipeline *pl, uint64_t t)
{
	struct pl_slot *k;

	if (pl->s_key == pl->s_parse)
		return NULL;
	k = pl_slot(pl, pl->s_key);
	if (k->ready > t)
		return NULL;
	if (k->lookup)
		return k;
	if (pl->s_key - pl->s_core < PL_CORE_DEPTH) {
		k->ready = t + PL_CORE_DEPTH;
		pl->s_key++;
	}
	return NULL;
}

/* The handshakes of this edge, on the values eval gave for it. */
static void core_moves(struct pipeline *pl, const struct lookup_core_out *out,
		       struct pl_slot *req, uint64_t t)
{
	struct lookup_core_in *in = &pl->cin;

	if (out->rsp.valid && in->rsp_ready) {
		struct pl_slot *h = pl_slot(pl, pl->s_core);

		assert(out->rsp.tag == (uint8_t)pl->s_core);
		h->res = out->rsp.res;
		pl->core_busy--;
		action_take(pl, h, t);
	}
	if (in->cfg_valid && out->cfg_ready) {
		pipeline_cfg_taken(pl, &pl->cfg_offered, t);
	} else if (req && out->req_ready) {
		req->rec.lookup_issue = t;
		pl->s_key++;
		pl->core_busy++;
	}
}

/* The core's input ports for this edge: a config beat if one waits, the
 * key stage's lookup if it is ready, and whether the action stage takes a
 * response (the window's oldest must be a lookup: a bypass goes first). */
static void core_inputs(struct pipeline *pl, const struct pl_slot *h,
			const struct pl_slot *req, uint64_t t)
{
	struct lookup_core_in *in = &pl->cin;

	in->cfg_valid = false;
	if (pipeline_cfg_offer(pl, &pl->cfg_offered))
		lookup_core_in_beat(in, &pl->cfg_offered);
	in->req_valid = req != NULL;
	if (req) {
		in->key = req->key;
		in->tag = (uint8_t)pl->s_key;
	}
	in->rsp_ready = h && h->lookup && action_room(pl, t);
}

static struct pl_slot *core_head(const struct pipeline *pl)
{
	return pl->s_core != pl->s_key ? pl_slot(pl, pl->s_core) : NULL;
}

/* ---- the core's fast path ------------------------------------------------ */

/* The oldest lookup in the core's window (bypasses may be ahead of it). */
static uint64_t oldest_lookup(const struct pipeline *pl)
{
	uint64_t seq = pl->s_core;

	while (!pl_slot(pl, seq)->lookup)
		seq++;
	return seq;
}

/* A request answered at its issue edge t (now, or ahead): the core would
 * have been stepped at that edge and the next PL_CORE_DEPTH (those not
 * counted yet), edges marked as acted at. */
static void fast_issue(struct pipeline *pl, struct pl_slot *req, uint64_t t)
{
	if (!pipeline_pre_result(pl, req))
		lookup_core_result(pl->core, &req->key, &req->res);
	/* Its action stage comes a few visits later: the entry's counters
	 * travel to the cache meanwhile (on a 64K-flow trace each is a miss
	 * that the action stage would otherwise wait for). */
	if (req->res.hit)
		datapath_prefetch(pl->dp, req->res.index);
	req->rec.lookup_issue = t;
	pl->s_key++;
	pl->core_busy++;
	pl->fast_n++;
	pl->fast_lookups++;
	pl->fast_steps += t + PL_CORE_DEPTH - pl_max(t - 1, pl->busy_to);
	pl->busy_to = t + PL_CORE_DEPTH;
	pl_mark(pl, pl_max(t, pl->now + 1), t + PL_CORE_DEPTH);
}

/* The fast lookups in flight into the core model, before edge t: it was
 * empty at the first one's issue and saw nothing but their requests
 * since, so stepping it over those edges with those requests leaves it as
 * stepping it all along would have.  Their steps and lookups are the
 * model's own from here on, and it steps every edge until they are out. */
static void fast_replay(struct pipeline *pl, uint64_t t)
{
	struct lookup_core_in in = { .rsp_ready = true };
	uint64_t seq = oldest_lookup(pl);
	uint64_t first = pl_slot(pl, seq)->rec.lookup_issue;

	for (uint64_t e = first; e < t; e++) {
		const struct pl_slot *s = pl_slot(pl, seq);

		in.req_valid = seq < pl->s_key && s->rec.lookup_issue == e;
		if (in.req_valid) {
			in.key = s->key;
			in.tag = (uint8_t)seq;
			do
				seq++;
			while (seq < pl->s_key && !pl_slot(pl, seq)->lookup);
		}
		lookup_core_step(pl->core, &in);
	}
	pl->fast_replays++;
	pl->fast_steps -= pl->busy_to - first + 1;
	pl->fast_lookups -= pl->fast_n;
	pl->fast_n = 0;
	pl->busy_to = t - 1;
}

/* The core's edge on the fast path, when it is exact: no beat offered,
 * no lookup in the core model, and the response due now (if any) taken.
 * false when the core model must step this edge. */
static bool core_fast(struct pipeline *pl, struct pl_slot *h,
		      struct pl_slot *req, uint64_t t)
{
	if (pipeline_cfg_pending(pl) || pl->core_busy != pl->fast_n ||
	    pl->p.stepped_core)
		return false;
	if (pl->fast_n) {
		struct pl_slot *o = pl_slot(pl, oldest_lookup(pl));

		if (o->rec.lookup_issue + PL_CORE_DEPTH == t) {
			if (o != h || !action_room(pl, t))
				return false;      /* the core would stall */
			pl->core_busy--;
			pl->fast_n--;
			action_take(pl, h, t);
		}
	}
	if (req)
		fast_issue(pl, req, t);
	return true;
}

/* The core model's edge: the fast lookups in flight replayed into it
 * first.  Out of line: the fast path's visits then need no room for it. */
static __attribute__((noinline)) void core_stepped(struct pipeline *pl,
						   struct pl_slot *h,
						   struct pl_slot *req,
						   uint64_t t)
{
	struct lookup_core_out out;

	if (pl->fast_n)
		fast_replay(pl, t);
	if (!pipeline_cfg_pending(pl) && !req && !pl->core_busy)
		return;    /* nothing held, nothing offered: not stepped */
	core_inputs(pl, h, req, t);
	lookup_core_eval(pl->core, &pl->cin, &out);
	core_moves(pl, &out, req, t);
	lookup_core_step(pl->core, &pl->cin);
}

static void core_edge(struct pipeline *pl, uint64_t t)
{
	struct pl_slot *h = core_head(pl);
	struct pl_slot *req;

	if (h && !h->lookup && h->ready <= t && action_room(pl, t)) {
		action_take(pl, h, t);
		h = core_head(pl);
	}
	req = key_head(pl, t);
	if (!core_fast(pl, h, req, t))
		core_stepped(pl, h, req, t);
}

static void parser_to_key(struct pipeline *pl, uint64_t t)
{
	const struct pipeline_stage *ks = &pl->p.timing.key;
	struct pl_slot *s;

	if (pl->s_parse == pl->s_next || pl->s_parse - pl->s_key >= pl->cap_key ||
	    t < pl->key_next)
		return;
	s = pl_slot(pl, pl->s_parse);
	if (s->ready > t)
		return;
	s->rec.parse_done = t;
	s->ready = t + ks->latency;
	pl->key_next = t + ks->ii;
	pl->s_parse++;
}

void pipeline_stages_edge(struct pipeline *pl, uint64_t t)
{
	pipeline_stages_catch_up(pl, t);
	editor_out(pl, t);
	action_to_editor(pl, t);
	core_edge(pl, t);
	parser_to_key(pl, t);
}

/* ---- the parser and its arbiter ----------------------------------------- */

/* The first port in [from, end) with a frame to grant, or -1. */
static int waiting_in(const struct pipeline *pl, uint32_t from, uint32_t end)
{
	for (uint32_t i = from; i < end; i = (i / 64 + 1) * 64) {
		uint64_t w = pl->waiting[i / 64] >> (i % 64);

		if (w) {
			uint32_t j = i + (uint32_t)__builtin_ctzll(w);

			return j < end ? (int)j : -1;
		}
	}
	return -1;
}

/* Round robin: the next port after the one granted last that has a frame
 * to grant. */
static int rr_next(const struct pipeline *pl)
{
	int r = waiting_in(pl, pl->rr + 1, pl->p.n_ports);

	return r >= 0 ? r : waiting_in(pl, 0, pl->rr + 1);
}

/* Take port's oldest ungranted frame into a new slot. */
static struct pl_slot *take_frame(struct pipeline *pl, uint32_t port)
{
	struct pl_port *pp = &pl->ports[port];
	struct pl_rx *e = pp->in_next;
	struct pl_slot *s = pl_slot(pl, pl->s_next++);

	pp->in_next = frame_fifo_next(pp->in, e);
	if (!pp->in_next) {
		pl->waiting[port / 64] &= ~(1ull << (port % 64));
		pl->n_waiting--;
	}
	s->port = port;
	s->rx = e;
	s->ts_ns = pipeline_cycles_to_ns(pl, e->first);
	pipeline_record_init(&s->rec, port, e);
	return s;
}

/* The packet just granted, with nothing ahead of it in the parser or the
 * key stage, moves to the key stage at its ready edge: decided now.  With
 * the core's window empty too, no beat waiting or able to come before
 * its issue (no sweep, no command: the run goes past it), it is issued
 * at its key stage's ready edge on the fast path, also decided now.
 * docs/timing.md, "Moves decided ahead", has the argument. */
static void move_ahead(struct pipeline *pl, struct pl_slot *s)
{
	const struct pipeline_stage *ks = &pl->p.timing.key;
	uint64_t k = s->ready, issue = k + ks->latency;

	if (!pl->ahead || pl->s_parse + 1 != pl->s_next ||
	    pl->s_key != pl->s_parse || k < pl->key_next || !pl_mark(pl, k, k))
		return;
	s->rec.parse_done = k;
	s->ready = issue;
	pl->key_next = k + ks->ii;
	pl->s_parse++;
	if (s->lookup && pl->s_core == pl->s_key && !pipeline_cfg_pending(pl) &&
	    issue <= pl->horizon && issue < pl->next_age &&
	    issue + PL_CORE_DEPTH - pl->now <= 64)
		fast_issue(pl, s, issue);
}

void pipeline_stages_grant(struct pipeline *pl, uint64_t t)
{
	const struct pipeline_timing *tm = &pl->p.timing;
	struct datapath_pkt pkt;
	struct pl_slot *s;
	uint32_t beats;
	int port;

	if (!pl->n_waiting || pl->s_next - pl->s_parse >= pl->cap_parser ||
	    t < pl->parse_next || (port = rr_next(pl)) < 0)
		return;
	pl->rr = (uint32_t)port;
	s = take_frame(pl, (uint32_t)port);
	pkt = (struct datapath_pkt){ s->rx->frame, s->rx->caplen, s->rx->len,
				     s->ts_ns };
	if (!pipeline_pre_front(pl, s))
		datapath_front(pl->dp, s->port, &pkt, &s->wk, &s->key);
	s->lookup = s->wk.state == DP_WORK_LOOKUP;
	beats = (s->wk.pr.depth + tm->parser_bytes - 1) / tm->parser_bytes;
	beats += !beats;
	s->ready = t + tm->parser_base + beats;
	pl->parse_next = t + beats;
	move_ahead(pl, s);
}

/* ---- when the header path acts next -------------------------------------- */

/* The action stage's take of a bypass at the head of the core's window
 * (a the action stage's oldest): when it has room, or at the editor
 * entry decided ahead that frees it (no visit would otherwise tell it). */
static inline uint64_t next_bypass(const struct pipeline *pl,
				   const struct pl_slot *a)
{
	const struct pl_slot *h = pl->s_core != pl->s_key ? pl_slot(pl, pl->s_core) : NULL;

	if (!h || h->lookup)
		return PIPELINE_NEVER;
	if (pl->s_core - pl->s_act < pl->cap_act)
		return pl_max(h->ready, pl->act_next);
	if (a->edit_at != PIPELINE_NEVER)
		return pl_max(pl_max(h->ready, pl->act_next), a->edit_at);
	return PIPELINE_NEVER;
}

/* The editor's and the action stage's next moves.  A packet whose editor
 * entry was decided ahead needs no visit there when it is marked, only at
 * its way out. */
static inline uint64_t next_out(const struct pipeline *pl)
{
	uint64_t n = PIPELINE_NEVER;
	const struct pl_slot *a = pl->s_act != pl->s_core ? pl_slot(pl, pl->s_act) : NULL;

	if (pl->s_edit != pl->s_act)
		n = pl_slot(pl, pl->s_edit)->ready;
	if (a && a->edit_at != PIPELINE_NEVER)
		n = pl_min(n, a->edit_marked ? a->ready : a->edit_at);
	else if (a && pl->s_act - pl->s_edit < pl->cap_edit)
		n = pl_min(n, pl_max(a->ready, pl->edit_next));
	return pl_min(n, next_bypass(pl, a));
}

/* The key stage's, the parser's and the arbiter's next moves. */
static inline uint64_t next_in(const struct pipeline *pl)
{
	uint64_t n = PIPELINE_NEVER;

	if (pl->s_key != pl->s_parse)
		n = pl_slot(pl, pl->s_key)->ready;
	if (pl->s_parse != pl->s_next && pl->s_parse - pl->s_key < pl->cap_key)
		n = pl_min(n, pl_max(pl_slot(pl, pl->s_parse)->ready, pl->key_next));
	if (pl->n_waiting && pl->s_next - pl->s_parse < pl->cap_parser)
		n = pl_min(n, pl->parse_next);
	return n;
}

uint64_t pipeline_stages_next(const struct pipeline *pl)
{
	/* A stage blocked by a full next stage makes no event of its own:
	 * the next stage's move frees it. */
	if (pipeline_cfg_pending(pl) || pl->core_busy)
		return pl->now + 1;
	return pl_min(pl_min(next_out(pl), next_in(pl)), pl_first_mark(pl));
}

uint64_t pipeline_stages_next_visit(const struct pipeline *pl)
{
	uint64_t n;

	if (pipeline_cfg_pending(pl) || pl->core_busy > pl->fast_n)
		return pl->now + 1;
	n = pl_min(next_out(pl), next_in(pl));
	if (pl->fast_n)
		n = pl_min(n, pl_slot(pl, oldest_lookup(pl))->rec.lookup_issue +
			      PL_CORE_DEPTH);
	return n;
}
