/* Pipeline: the datapath's events in time (FLOW_END from the action
 * stage, AGED from the aging engine's sweeps) and the config port's two
 * sources, the host's FIFO and delete mode's invalidates (see
 * pipeline-private.h and docs/timing.md, "Events and aging").
 *
 * Events share the to-host queue with the packets for the host, so the
 * host sees everything in the order it happened; an event holds no
 * frame.  When the queue is full the event is dropped and counted.
 *
 * The aging engine's sweeps are edges of their own (the first edge at or
 * after each sweep's time), so idle time stays free.  A sweep reports no
 * more than the to-host queue has room for (aged_room); when it stops
 * for room it is no edge's until a pop frees some, and then goes on
 * where it stopped.  An entry delete
 * mode reports is invalidated through the core's config port, ahead of
 * the host's FIFO (the engine's own write port into the table's
 * arbiter), unless the entry was rewritten since: its write generation
 * is checked when the beat is offered.
 */
#include <errno.h>
#include <stdlib.h>

#include "model/pipeline-private.h"

int pipeline_events_create(struct pipeline *pl, struct pnic_error *err)
{
	pl->age_del = calloc(pl->p.depth, sizeof *pl->age_del);
	if (!pl->age_del)
		return pnic_err(err, ENOMEM, "out of memory for the aging engine");
	pl->next_age = PIPELINE_NEVER;
	pl->age_due_ns = UINT64_MAX;
	return 0;
}

void pipeline_events_destroy(struct pipeline *pl)
{
	free(pl->age_del);
}

/* ---- events into the to-host queue -------------------------------------- */

/* Whether the event got into the to-host queue. */
static bool up_event(struct pipeline *pl, const struct pipeline_upcall *u)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	struct pl_up *e;

	pl->events[u->type]++;
	if (pl->up_occ.frames >= b->to_host_frames ||
	    !(e = frame_fifo_push(pl->up, sizeof *e))) {
		pl->event_drops[u->type]++;
		/* an AGED one is found again (pipeline_on_event): not lost */
		pl->up_lost += u->type != PL_UP_AGED;
		return false;
	}
	e->u = *u;
	e->u.lost_before = pl->up_lost;
	pl->up_lost = 0;
	pipeline_occ_add(&pl->up_occ, u->enqueued, 1, 0);
	return true;
}

static void age_delete(struct pipeline *pl, uint32_t index, uint32_t gen)
{
	/* Each entry is reported at most once per write, and a write moves
	 * its generation: a ring of depth never overflows with live ones,
	 * and a full ring can only hold stale ones. */
	if (pl->age_del_n == pl->p.depth) {
		pl->aged_cancelled++;
		return;
	}
	pl->age_del[(pl->age_del_head + pl->age_del_n) % pl->p.depth] =
		(struct pl_age_del){ index, gen };
	pl->age_del_n++;
}

void pipeline_on_event(void *ctx, const struct datapath_event *ev)
{
	struct pipeline *pl = ctx;
	struct pipeline_upcall u = {
		.type = ev->type == DP_EV_AGED ? PL_UP_AGED :
			ev->type == DP_EV_LANDED ? PL_UP_LANDED : PL_UP_FLOW_END,
		.in_port = ev->in_port, .entry = (int32_t)ev->entry,
		.tcp_flags = ev->tcp_flags, .last_hit_ns = ev->last_hit,
		.gen = ev->gen, .removed = ev->remove,
		.enqueued = pl->now,
	};

	/* An AGED event that found no room is found again at the next
	 * sweep, and delete mode removes nothing the host was not told of:
	 * the host's books would keep an entry the NIC no longer has. */
	if (!up_event(pl, &u) && ev->type == DP_EV_AGED)
		datapath_age_retry(pl->dp, ev->entry, pipeline_cycles_to_ns(pl, pl->now));
	else if (ev->type == DP_EV_AGED && ev->remove)
		age_delete(pl, ev->entry, ev->gen);
}

/* ---- the aging engine's sweeps ------------------------------------------ */

/* How many AGED events the engine may queue now: while the to-host queue
 * holds less than a quarter of its frames.  An entry not reported stays
 * due and is found when room frees (pipeline_age_room), so the engine
 * never tries what it cannot queue (a sweep finding every idle entry and
 * trying each against a full queue cost more than the run's packets).  A
 * quarter, below the misses' half: a backlog of idle entries then takes
 * from the misses no more than a quarter of the queue, and never the
 * half kept for the events the host cannot learn again (flow ends,
 * landed markers); AGED events can wait, their entries still there. */
static unsigned aged_room(const struct pipeline *pl)
{
	uint32_t limit = pl->p.bounds.to_host_frames / 4;

	if (!limit)
		limit = 1;
	return pl->up_occ.frames < limit ? limit - pl->up_occ.frames : 0;
}

static void age_next(struct pipeline *pl, uint64_t due)
{
	pl->age_due_ns = due;
	pl->next_age = due == UINT64_MAX ? PIPELINE_NEVER
					 : pipeline_ns_to_cycles(pl, due);
}

void pipeline_age_refresh(struct pipeline *pl)
{
	uint64_t due;

	if (pl->age_paused)
		return;
	due = datapath_age_next(pl->dp);
	if (due != pl->age_due_ns)
		age_next(pl, due);
}

void pipeline_age_sweep(struct pipeline *pl, uint64_t t)
{
	/* The sweeps whose time has come by edge t: those at or before the
	 * ns fully elapsed by it, as far as there is room to report. */
	uint64_t ns = pipeline_cycles_to_ns(pl, t);

	datapath_age(pl->dp, ns, aged_room(pl));
	if (datapath_age_next(pl->dp) <= ns) {
		/* stopped with entries due: wait for room, not for an edge */
		pl->age_paused = true;
		pl->aged_paused++;
		pl->next_age = PIPELINE_NEVER;
		pl->age_due_ns = UINT64_MAX;
		return;
	}
	pipeline_age_refresh(pl);
}

void pipeline_age_room(struct pipeline *pl)
{
	/* The engine goes on where it stopped, at the next edge. */
	if (pl->age_paused && aged_room(pl)) {
		pl->age_paused = false;
		age_next(pl, datapath_age_next(pl->dp));
	}
}

/* ---- the config port's sources ------------------------------------------ */

static void age_del_pop(struct pipeline *pl)
{
	pl->age_del_head = (pl->age_del_head + 1) % pl->p.depth;
	pl->age_del_n--;
}

bool pipeline_cfg_offer(struct pipeline *pl, struct lookup_write *w)
{
	while (pl->age_del_n) {
		const struct pl_age_del *d = &pl->age_del[pl->age_del_head];

		if (datapath_entry_gen(pl->dp, d->index) == d->gen) {
			*w = (struct lookup_write){ .op = LC_OP_TCAM_INVALIDATE,
						    .index = d->index };
			pl->age_del_beat = true;
			return true;
		}
		pl->aged_cancelled++;
		age_del_pop(pl);
	}
	pl->age_del_beat = false;
	if (!pl->cfg_n)
		return false;
	*w = pl->cfg[pl->cfg_head];
	return true;
}

void pipeline_cfg_taken(struct pipeline *pl, const struct lookup_write *w,
			uint64_t t)
{
	if (pl->age_del_beat) {
		pl->aged_deletes++;
		age_del_pop(pl);
	} else {
		pl->cfg_head = (pl->cfg_head + 1) % pl->p.bounds.cfg_commands;
		pl->cfg_n--;
		pipeline_occ_add(&pl->cfg_occ, t, -1, 0);
	}
	datapath_table_written(pl->dp, w, pipeline_cycles_to_ns(pl, t));
	pipeline_age_refresh(pl);
}
