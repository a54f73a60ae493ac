/* Pipeline: parameters, commands, the event loop, the to-host queue's
 * consumer side and the statistics (see pipeline.h; the ports are
 * pipeline_mac.c, the header path pipeline_stages.c).
 *
 * The event loop: every part says at which edge it acts next (a frame
 * landing, a stage's oldest packet ready, the parser free with a frame
 * waiting, the core holding or offered work), the loop jumps to the
 * earliest and does that edge's work: the header path downstream first,
 * then frames landing, then the parser's grant.  Departures are settled
 * without events (pipeline_mac_settle).  Nothing is visited at an edge
 * where nothing happens, so a gap in the traffic costs one jump.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/nic.h"
#include "model/pipeline-private.h"

/* ---- parameters ---------------------------------------------------------- */

void pipeline_params_default(struct pipeline_params *p)
{
	memset(p, 0, sizeof *p);
	p->profile = key_profile_default();
	p->depth = 1024;
	p->n_vpids = 256;
	p->n_ports = 4;
	p->clock_hz = 1000000000;
	p->timing = (struct pipeline_timing){
		.mac_rx = 3, .parser_base = 2, .parser_bytes = 64,
		.key = { 1, 1 }, .action = { 1, 1 }, .editor = { 2, 1 },
		.mac_tx = 3,
	};
	p->bounds = (struct pipeline_bounds){
		.ingress_bytes = 128 * 1024, .ingress_frames = 2048,
		.egress_bytes = 256 * 1024, .egress_frames = 4096,
		.to_host_bytes = 1024 * 1024, .to_host_frames = 512,
		.cfg_commands = 64,
		.wire_bytes = 1024 * 1024, .wire_frames = 4096,
		.max_frame = NIC_PACKET_OUT_MAX_LEN,
		.hold_frames = DP_HOLD_FRAMES_DEFAULT,
	};
}

static int check_stage(const struct pipeline_stage *s, const char *name,
		       struct pnic_error *err)
{
	if (s->latency < 1 || s->latency > PIPELINE_MAX_STAGE_CYCLES ||
	    s->ii < 1 || s->ii > PIPELINE_MAX_STAGE_CYCLES)
		return pnic_err(err, EINVAL,
				"%s stage: latency %u and II %u must each be 1..%u cycles",
				name, s->latency, s->ii, PIPELINE_MAX_STAGE_CYCLES);
	return 0;
}

static int check_timing(const struct pipeline_timing *t, struct pnic_error *err)
{
	int rc;

	if (t->mac_rx > PIPELINE_MAX_STAGE_CYCLES ||
	    t->mac_tx > PIPELINE_MAX_STAGE_CYCLES ||
	    t->parser_base > PIPELINE_MAX_STAGE_CYCLES)
		return pnic_err(err, EINVAL,
				"MAC rx %u, MAC tx %u and parser base %u must each be 0..%u cycles",
				t->mac_rx, t->mac_tx, t->parser_base,
				PIPELINE_MAX_STAGE_CYCLES);
	if (t->parser_bytes < 1 || t->parser_bytes > 4096)
		return pnic_err(err, EINVAL,
				"parser reads %u bytes a cycle; give 1..4096",
				t->parser_bytes);
	if ((rc = check_stage(&t->key, "key build", err)) ||
	    (rc = check_stage(&t->action, "action", err)))
		return rc;
	return check_stage(&t->editor, "editor", err);
}

static int check_queue(uint32_t bytes, uint32_t frames, const char *name,
		       struct pnic_error *err)
{
	if (!bytes || !frames || bytes > FRAME_FIFO_MAX_BYTES / 4)
		return pnic_err(err, EINVAL,
				"%s bound of %u frames, %u bytes: each must be at least 1, bytes at most %llu",
				name, frames, bytes,
				(unsigned long long)FRAME_FIFO_MAX_BYTES / 4);
	return 0;
}

static int check_bounds(const struct pipeline_bounds *b, struct pnic_error *err)
{
	int rc;

	if (b->max_frame < PL_MIN_FRAME || b->max_frame > 65535)
		return pnic_err(err, EINVAL, "max_frame %u is not %u..65535 bytes",
				b->max_frame, PL_MIN_FRAME);
	if (b->cfg_commands < 1 || b->cfg_commands > 65536)
		return pnic_err(err, EINVAL,
				"config FIFO of %u commands is not 1..65536",
				b->cfg_commands);
	if (b->wire_bytes < b->max_frame)
		return pnic_err(err, EINVAL,
				"wire_bytes %u is less than max_frame %u: such a frame could never be given",
				b->wire_bytes, b->max_frame);
	if ((rc = check_queue(b->ingress_bytes, b->ingress_frames, "ingress", err)) ||
	    (rc = check_queue(b->egress_bytes, b->egress_frames, "egress", err)) ||
	    (rc = check_queue(b->to_host_bytes, b->to_host_frames, "to-host", err)))
		return rc;
	if (b->hold_frames > DP_HOLD_FRAMES_MAX)
		return pnic_err(err, EINVAL, "hold buffer of %u frames is more than %u",
				b->hold_frames, DP_HOLD_FRAMES_MAX);
	return check_queue(b->wire_bytes, b->wire_frames, "wire", err);
}

static int check_ports(const struct pipeline_params *p, struct pnic_error *err)
{
	if (p->n_ports < 1 || p->n_ports > PIPELINE_MAX_PORTS)
		return pnic_err(err, EINVAL, "%u ports is not 1..%u", p->n_ports,
				PIPELINE_MAX_PORTS);
	for (uint32_t i = 0; p->port_mbps && i < p->n_ports; i++)
		if (p->port_mbps[i] < 1 || p->port_mbps[i] > PIPELINE_MAX_MBPS)
			return pnic_err(err, EINVAL,
					"port %u: %u Mb/s is not 1..%u Mb/s", i,
					p->port_mbps[i], PIPELINE_MAX_MBPS);
	return 0;
}

static int check_params(const struct pipeline_params *p, struct pnic_error *err)
{
	int rc;

	if (!p->profile)
		return pnic_err(err, EINVAL, "a pipeline needs a key profile");
	if ((rc = check_ports(p, err)) || (rc = check_timing(&p->timing, err)) ||
	    (rc = check_bounds(&p->bounds, err)))
		return rc;
	return datapath_policy_validate(&p->policy, err);
}

/* ---- create -------------------------------------------------------------- */

static int make_datapath(struct pipeline *pl, struct pnic_error *err)
{
	struct datapath_params dpp = {
		.profile = pl->p.profile, .lookup = lookup_core_lookup(pl->core),
		.n_ports = pl->p.n_ports, .policy = pl->p.policy,
		.out = pipeline_stages_out, .ctx = pl,
		.event = pipeline_on_event, .event_ctx = pl,
		.hold_frames = pl->p.bounds.hold_frames,
		.hold_frame_bytes = pl->p.bounds.max_frame,
	};
	int rc;

	/* Commands are checked against this NIC's ports, not the 16-bit
	 * PPIDs the core's map takes. */
	pl->sizes = *lookup_params(lookup_core_lookup(pl->core));
	pl->sizes.n_ppids = pl->p.n_ports;
	if ((rc = datapath_create(&dpp, &pl->dp, err)))
		return rc;
	pl->held = calloc(datapath_hold_frames(pl->dp), sizeof *pl->held);
	if (!pl->held)
		return pnic_err(err, ENOMEM, "out of memory for the hold buffer's records");
	return 0;
}

static int make_to_host(struct pipeline *pl, struct pnic_error *err)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	uint32_t hdr = sizeof(struct pl_up);
	/* One entry more: the one popped last is read until the next pop. */
	uint64_t size = frame_fifo_size_for(b->to_host_frames,
					    b->to_host_bytes + (uint64_t)b->to_host_frames * hdr,
					    hdr + b->max_frame, 1);

	return frame_fifo_create(size, &pl->up, err);
}

int pipeline_create(const struct pipeline_params *p, struct pipeline **out,
		    struct pnic_error *err)
{
	struct pipeline *pl;
	int rc;

	*out = NULL;
	if ((rc = check_params(p, err)))
		return rc;
	pl = calloc(1, sizeof *pl);
	if (!pl)
		return pnic_err(err, ENOMEM, "out of memory for a pipeline");
	pl->p = *p;
	pl->ahead = !p->stepped_core;
	if ((rc = timebase_init(&pl->ns, p->clock_hz, 1000000000, err)) ||
	    (rc = pipeline_stages_create(pl, err)) ||
	    (rc = make_datapath(pl, err)) ||
	    (rc = pipeline_mac_create(pl, err)) ||
	    (rc = make_to_host(pl, err)) ||
	    (rc = pipeline_events_create(pl, err)) ||
	    (rc = pipeline_pre_create(pl, err)))
		goto free_pl;
	pipeline_age_refresh(pl);
	/* The speeds are in the ports' timebases now; the caller's array
	 * need not outlive this call. */
	pl->p.port_mbps = NULL;
	*out = pl;
	return 0;

free_pl:
	pipeline_destroy(pl);
	return rc;
}

void pipeline_destroy(struct pipeline *pl)
{
	if (!pl)
		return;
	frame_fifo_destroy(pl->up);
	pipeline_pre_destroy(pl);
	pipeline_events_destroy(pl);
	pipeline_mac_destroy(pl);
	datapath_destroy(pl->dp);
	free(pl->held);
	pipeline_stages_destroy(pl);
	free(pl);
}

int pipeline_arrive(struct pipeline *pl, uint32_t port, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t first_bit,
		    struct pnic_error *err)
{
	return pipeline_mac_arrive(pl, port, frame, caplen, len, first_bit, err);
}

/* ---- commands ------------------------------------------------------------ */

static int cfg_push(struct pipeline *pl, const struct nic_cmd *c,
		    const struct lookup_write *w, struct pnic_error *err)
{
	uint32_t cap = pl->p.bounds.cfg_commands;

	if (pl->cfg_n == cap)
		return pnic_err(err, EBUSY,
				"%s: the config FIFO holds %u commands; run the pipeline on and submit it again",
				nic_cmd_op_name(c->op), cap);
	pl->cfg[(pl->cfg_head + pl->cfg_n) % cap] = *w;
	pl->cfg_n++;
	pipeline_occ_add(&pl->cfg_occ, pl->now, 1, 0);
	return 0;
}

int pipeline_apply(struct pipeline *pl, const struct nic_cmd *c,
		   struct nic_cmd_result *res, struct pnic_error *err)
{
	int rc = nic_cmd_validate(c, &pl->sizes, err);
	uint32_t count = 0;
	struct lookup_write w;

	if (!rc && nic_cmd_table_write(c, &w))
		rc = cfg_push(pl, c, &w, err);
	else if (!rc) {
		count = nic_apply_valid(lookup_core_tables(pl->core), pl->dp, c);
		pipeline_age_refresh(pl);
	}
	if (res)
		*res = (struct nic_cmd_result){ .status = rc, .count = count };
	return rc;
}

bool pipeline_cfg_room(const struct pipeline *pl)
{
	return pl->cfg_n < pl->p.bounds.cfg_commands;
}

static int submit(void *ctx, const struct nic_cmd *c,
		  struct nic_cmd_result *res, struct pnic_error *err)
{
	return pipeline_apply(ctx, c, res, err);
}

struct nic_cmd_sink pipeline_sink(struct pipeline *pl)
{
	return (struct nic_cmd_sink){ .submit = submit, .ctx = pl };
}

/* ---- time ---------------------------------------------------------------- */

uint64_t pipeline_now(const struct pipeline *pl)
{
	return pl->now;
}

/* The next edge at which the header path, a landing or a sweep acts. */
static uint64_t next_work(const struct pipeline *pl)
{
	return pl_min(pl_min(pl->next_land, pipeline_stages_next(pl)),
		      pl->next_age);
}

uint64_t pipeline_next_event(const struct pipeline *pl)
{
	uint64_t n = next_work(pl);

	/* A departure is settled by whatever call passes its edge, so it is
	 * an event only when nothing else is left. */
	if (n == PIPELINE_NEVER)
		n = pl->next_tx;
	return n == PIPELINE_NEVER ? n : pl_max(n, pl->now + 1);
}

/* Everything that happens at edge t, in the order that lets a place freed
 * at t be taken at t. */
static void tick(struct pipeline *pl, uint64_t t)
{
	pl_skip(pl, t - 1);
	pl->now = t;
	pl->ticks++;
	pl->marks >>= 1;
	pl->visits++;
	if (t >= pl->next_age)
		pipeline_age_sweep(pl, t);
	pipeline_stages_edge(pl, t);
	if (t >= pl->next_land)
		pipeline_mac_land(pl, t);
	pipeline_stages_grant(pl, t);
}

/* The next edge with work for tick(), or NEVER; departures are settled on
 * the way when they are all that is left before it. */
static uint64_t next_tick(struct pipeline *pl, uint64_t cycle)
{
	uint64_t t;

	t = pl_min(pl_min(pl->next_land, pipeline_stages_next_visit(pl)),
		   pl->next_age);
	if (t == PIPELINE_NEVER && pl->next_tx != PIPELINE_NEVER &&
	    pl->next_tx <= cycle) {
		pl_skip(pl, pl->next_tx);
		pipeline_mac_settle(pl, pl->now);
	}
	return t == PIPELINE_NEVER ? t : pl_max(t, pl->now + 1);
}

void pipeline_run_until(struct pipeline *pl, uint64_t cycle)
{
	uint64_t t;

	pl->horizon = cycle;
	pipeline_pre_lookups(pl);
	while ((t = next_tick(pl, cycle)) <= cycle && t != PIPELINE_NEVER)
		tick(pl, t);
	/* Until NEVER means until nothing is left: time stays at the last
	 * event (the last frame's last bit out), so that arrivals can still
	 * be given. */
	pl_skip(pl, cycle == PIPELINE_NEVER ? pipeline_mac_last_departure(pl)
					    : cycle);
	pipeline_stages_catch_up(pl, pl->now);
	pipeline_mac_settle(pl, pl->now);
}

uint64_t pipeline_ns_to_cycles(const struct pipeline *pl, uint64_t ns)
{
	return timebase_to_cycles(&pl->ns, ns);
}

uint64_t pipeline_cycles_to_ns(const struct pipeline *pl, uint64_t cycles)
{
	return timebase_to_units(&pl->ns, cycles);
}

/* ---- records and the to-host queue --------------------------------------- */

void pipeline_record_init(struct pipeline_record *r, uint32_t port,
			  const struct pl_rx *e)
{
	*r = (struct pipeline_record){
		.id = e->id, .in_port = port, .len = e->len,
		.arrival_first = e->first, .arrival_last = e->last,
		.parse_done = PIPELINE_NEVER, .lookup_issue = PIPELINE_NEVER,
		.lookup_response = PIPELINE_NEVER, .enqueue = PIPELINE_NEVER,
		.departure = PIPELINE_NEVER, .path = PL_PATH_DROP,
		.out_ppid = UINT32_MAX, .entry = TCAM_MISS,
	};
}

void pipeline_record_out(struct pipeline *pl, const struct pipeline_record *r)
{
	if (pl->p.record)
		pl->p.record(pl->p.ctx, r);
}

bool pipeline_up_push(struct pipeline *pl, const struct pipeline_upcall *u,
		      const struct pl_out *o, uint64_t t)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	struct pl_up *e;

	/* Half the queue's frames are kept for the events (no frame): a
	 * miss storm must not cost the host its landed markers and flow
	 * ends, which it cannot recover by itself (why half: mbox_dev.c,
	 * evt_kept). */
	if (pl->up_occ.frames >= b->to_host_frames - b->to_host_frames / 2 ||
	    pl->up_occ.bytes + o->len > b->to_host_bytes ||
	    !(e = frame_fifo_push(pl->up, sizeof *e + o->caplen)))
		return false;
	e->u = *u;
	e->u.type = PL_UP_PACKET;
	e->u.caplen = o->caplen;
	e->u.len = o->len;
	e->u.reason = o->host;
	e->u.enqueued = t;
	e->u.lost_before = pl->up_lost;
	pl->up_lost = 0;
	memcpy(e->frame, o->frame, o->caplen);
	pipeline_occ_add(&pl->up_occ, t, 1, o->len);
	return true;
}

bool pipeline_up_enqueue(struct pipeline *pl, const struct pl_slot *s,
			 const struct pl_out *o, uint64_t t)
{
	struct pipeline_upcall u = {
		.id = s->rec.id, .in_port = s->port, .entry = s->rec.entry,
	};

	if (s->lookup) {
		u.key = s->key;
		u.key_bits = pl->p.profile->key_bits;
	}
	return pipeline_up_push(pl, &u, o, t);
}

/* The queue's head, the entry popped last released first (its frame
 * was the caller's until now); NULL when the queue is empty. */
static struct pl_up *up_head(struct pipeline *pl)
{
	if (pl->up_held) {
		frame_fifo_pop(pl->up);
		pl->up_held = false;
	}
	return frame_fifo_front(pl->up);
}

int pipeline_to_host_peek(struct pipeline *pl, enum pipeline_upcall_type *type)
{
	struct pl_up *e = up_head(pl);

	if (!e)
		return -EAGAIN;
	*type = e->u.type;
	return 0;
}

int pipeline_to_host_pop(struct pipeline *pl, struct pipeline_upcall *u)
{
	struct pl_up *e = up_head(pl);

	if (!e)
		return -EAGAIN;
	*u = e->u;
	u->frame = e->frame;
	pl->up_held = true;
	if (e->u.type == PL_UP_PACKET)
		pl->to_host_popped++;
	else
		pl->events_popped++;
	pipeline_occ_add(&pl->up_occ, pl->now, -1, -(int64_t)e->u.len);
	pipeline_age_room(pl);
	return 0;
}

/* ---- statistics ---------------------------------------------------------- */

static struct pipeline_queue_stats occ_stats(const struct pl_occ *o,
					     uint64_t now)
{
	struct pipeline_queue_stats q = {
		.frames = o->frames, .bytes = o->bytes,
		.max_frames = o->max_frames, .max_bytes = o->max_bytes,
	};
	pl_u128 af = o->area_frames, ab = o->area_bytes;

	if (now > o->since) {
		af += (pl_u128)o->frames * (now - o->since);
		ab += (pl_u128)o->bytes * (now - o->since);
	}
	if (now) {
		q.mean_frames = (double)af / (double)now;
		q.mean_bytes = (double)ab / (double)now;
	}
	return q;
}

/* The to-host queue holds packets and events: each pushed is popped or
 * still there. */
static int check_to_host(const struct pipeline *pl, struct pnic_error *err)
{
	uint64_t events = 0;

	for (unsigned k = 0; k < PL_UP_TYPES; k++)
		events += pl->events[k] - pl->event_drops[k];
	if (pl->to_host + events !=
	    pl->to_host_popped + pl->events_popped + pl->up_occ.frames ||
	    pl->up_occ.frames != frame_fifo_count(pl->up) - pl->up_held)
		return pnic_err(err, EPROTO,
				"to-host %llu + events %llu != popped %llu + %llu + queued %llu",
				(unsigned long long)pl->to_host,
				(unsigned long long)events,
				(unsigned long long)pl->to_host_popped,
				(unsigned long long)pl->events_popped,
				(unsigned long long)pl->up_occ.frames);
	return 0;
}

/* Arrivals still in the pipeline: on a wire, in an ingress buffer (the
 * header path's included: their frames wait there), or forwarded and
 * queued for their port. */
static uint64_t in_flight(const struct pipeline *pl)
{
	uint64_t n = pl->held_parked;

	for (uint32_t i = 0; i < pl->p.n_ports; i++)
		n += frame_fifo_count(pl->ports[i].wire) +
		     frame_fifo_count(pl->ports[i].in) + pl->ports[i].txq_n;
	return n - pl->mirrors_queued - pl->packet_outs_queued - pl->held_early;
}

void pipeline_stats(const struct pipeline *pl, struct pipeline_stats *st)
{
	const struct lookup_core_stats *cs = lookup_core_stats(pl->core);

	*st = (struct pipeline_stats){
		.arrivals = pl->arrivals, .departed = pl->departed,
		.to_host = pl->to_host, .in_flight = in_flight(pl),
		.mirrors = pl->mirrors, .mirrors_departed = pl->mirrors_departed,
		.mirrors_queued = pl->mirrors_queued,
		.packet_outs = pl->packet_outs,
		.packet_outs_departed = pl->packet_outs_departed,
		.packet_outs_queued = pl->packet_outs_queued,
		.to_host_popped = pl->to_host_popped,
		.events_popped = pl->events_popped,
		.aged_deletes = pl->aged_deletes,
		.aged_cancelled = pl->aged_cancelled,
		.aged_paused = pl->aged_paused,
		.held_now = datapath_stats(pl->dp)->held_now,
		.held = datapath_stats(pl->dp)->held,
		.held_max = datapath_stats(pl->dp)->held_max,
		.released = datapath_stats(pl->dp)->released,
		.hold_cancelled = datapath_stats(pl->dp)->hold_cancelled,
		.lookups = cs->lookups + pl->fast_lookups,
		.cfg_writes = cs->cfg_writes,
		/* the reset edge is not a step; a fast lookup's steps were
		 * counted at its issue, those after now are not made yet */
		.core_steps = cs->cycles - 1 + pl->fast_steps -
			      (pl->busy_to > pl->now ? pl->busy_to - pl->now : 0),
		.core_stall_cycles = cs->stall_cycles,
		.cycles = pl->now, .ticks = pl->ticks,
		.to_host_queue = occ_stats(&pl->up_occ, pl->now),
		.cfg_fifo = occ_stats(&pl->cfg_occ, pl->now),
	};
	memcpy(st->dropped, pl->dropped, sizeof st->dropped);
	memcpy(st->events, pl->events, sizeof st->events);
	memcpy(st->event_drops, pl->event_drops, sizeof st->event_drops);
}

uint64_t pipeline_to_host_frames(const struct pipeline *pl)
{
	return pl->up_occ.frames;
}

uint64_t pipeline_in_flight_unheld(const struct pipeline *pl)
{
	uint64_t n = in_flight(pl), held = datapath_stats(pl->dp)->held_now;

	return n > held ? n - held : 0;
}

int pipeline_port_stats(const struct pipeline *pl, uint32_t port,
			struct pipeline_port_stats *ps)
{
	const struct pl_port *pp;

	if (port >= pl->p.n_ports)
		return pnic_err(NULL, EINVAL, "no port %u", port);
	pp = &pl->ports[port];
	*ps = (struct pipeline_port_stats){
		.rx_frames = pp->rx_frames, .rx_bytes = pp->rx_bytes,
		.squeezed = pp->squeezed, .tx_frames = pp->tx_frames,
		.tx_bytes = pp->tx_bytes,
		.ingress = occ_stats(&pp->in_occ, pl->now),
		.egress = occ_stats(&pp->eg_occ, pl->now),
	};
	return 0;
}

/* ---- conservation -------------------------------------------------------- */

static bool is_arrival_drop(enum pipeline_drop r)
{
	return r != PL_DROP_MIRROR_UNMAPPED && r != PL_DROP_MIRROR_EGRESS_FULL &&
	       r != PL_DROP_PACKET_OUT_FULL;
}

/* The egress queues walked entry by entry, by kind. */
static void count_queued(const struct pipeline *pl, uint64_t by_kind[3])
{
	uint32_t cap = pl->p.bounds.egress_frames;

	by_kind[0] = by_kind[1] = by_kind[2] = 0;
	for (uint32_t i = 0; i < pl->p.n_ports; i++) {
		const struct pl_port *pp = &pl->ports[i];

		for (uint32_t k = 0; k < pp->txq_n; k++)
			by_kind[pp->txq[(pp->txq_head + k) % cap].kind]++;
	}
}

int pipeline_check_conservation(const struct pipeline *pl,
				struct pnic_error *err)
{
	uint64_t q[3], dropped = 0, held = pl->held_parked - pl->held_early;

	count_queued(pl, q);
	for (unsigned r = 0; r < PL_DROP_COUNT; r++)
		if (is_arrival_drop((enum pipeline_drop)r))
			dropped += pl->dropped[r];
	for (uint32_t i = 0; i < pl->p.n_ports; i++)
		held += frame_fifo_count(pl->ports[i].wire) +
			frame_fifo_count(pl->ports[i].in);
	if (pl->arrivals != pl->departed + pl->to_host + dropped + held + q[PL_TX_FORWARD])
		return pnic_err(err, EPROTO,
				"arrivals %llu != departed %llu + to-host %llu + dropped %llu + in flight %llu + %llu queued",
				(unsigned long long)pl->arrivals, (unsigned long long)pl->departed,
				(unsigned long long)pl->to_host, (unsigned long long)dropped,
				(unsigned long long)held, (unsigned long long)q[PL_TX_FORWARD]);
	if (pl->mirrors != pl->mirrors_departed + pl->dropped[PL_DROP_MIRROR_UNMAPPED] +
			   pl->dropped[PL_DROP_MIRROR_EGRESS_FULL] + q[PL_TX_MIRROR] ||
	    q[PL_TX_MIRROR] != pl->mirrors_queued)
		return pnic_err(err, EPROTO, "mirror copies %llu do not add up (%llu queued)",
				(unsigned long long)pl->mirrors,
				(unsigned long long)q[PL_TX_MIRROR]);
	if (pl->packet_outs != pl->packet_outs_departed +
			       pl->dropped[PL_DROP_PACKET_OUT_FULL] + q[PL_TX_PACKET_OUT] ||
	    q[PL_TX_PACKET_OUT] != pl->packet_outs_queued)
		return pnic_err(err, EPROTO, "packet-outs %llu do not add up (%llu queued)",
				(unsigned long long)pl->packet_outs,
				(unsigned long long)q[PL_TX_PACKET_OUT]);
	return check_to_host(pl, err);
}

/* ---- views and names ----------------------------------------------------- */

const struct datapath *pipeline_datapath(const struct pipeline *pl)
{
	return pl->dp;
}

const struct lookup *pipeline_lookup(const struct pipeline *pl)
{
	return lookup_core_lookup(pl->core);
}

const char *pipeline_drop_name(enum pipeline_drop r)
{
	static const char *const names[PL_DROP_COUNT - DP_DROP_REASON_COUNT] = {
		[PL_DROP_OVERSIZE - DP_DROP_REASON_COUNT] = "oversize",
		[PL_DROP_INGRESS_FULL - DP_DROP_REASON_COUNT] = "ingress_buffer_full",
		[PL_DROP_EGRESS_FULL - DP_DROP_REASON_COUNT] = "egress_queue_full",
		[PL_DROP_MIRROR_EGRESS_FULL - DP_DROP_REASON_COUNT] = "mirror_egress_queue_full",
		[PL_DROP_TO_HOST_FULL - DP_DROP_REASON_COUNT] = "to_host_queue_full",
		[PL_DROP_PACKET_OUT_FULL - DP_DROP_REASON_COUNT] = "packet_out_queue_full",
	};

	if ((unsigned)r < DP_DROP_REASON_COUNT)
		return datapath_drop_reason_name((enum datapath_drop_reason)r);
	return (unsigned)r < PL_DROP_COUNT ? names[r - DP_DROP_REASON_COUNT] : "?";
}

const char *pipeline_path_name(enum pipeline_path p)
{
	static const char *const names[] = { "hit", "miss", "to_host", "drop" };

	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}
