/* Pipeline ports: frames serialised in at each port's speed, the arrivals
 * given ahead, the ingress buffers, the egress queues and serialisation
 * out (see pipeline.h, pipeline-private.h).
 *
 * A wire's instants are exact (timebase.h): a frame starts at its first
 * bit or, if the wire is still busy, where the previous frame's gap ends;
 * its last bit is its preamble, bytes and FCS later; the next frame may
 * start a gap after that.  An instant is read as the first edge at or
 * after it, and only where a stage acts on it, so a run of frames keeps no
 * rounding error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/pipeline-private.h"

static int make_fifo(struct frame_fifo **f, uint32_t frames, uint64_t bytes,
		     uint32_t hdr, uint32_t max_frame, uint32_t extra,
		     struct pnic_error *err)
{
	uint64_t size = frame_fifo_size_for(frames, bytes + (uint64_t)frames * hdr,
					    hdr + max_frame, extra);

	return frame_fifo_create(size, f, err);
}

static int make_port(struct pipeline *pl, struct pl_port *pp, uint32_t mbps,
		     struct pnic_error *err)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	int rc = timebase_init(&pp->bits, pl->p.clock_hz, (uint64_t)mbps * 1000000,
			       err);

	if (!rc)
		timebase_step_init(&pp->bits, 8 * PL_IFG, &pp->ifg);
	if (!rc)
		rc = make_fifo(&pp->wire, b->wire_frames, b->wire_bytes,
			       sizeof(struct pl_rx), b->max_frame, 0, err);
	if (!rc)
		rc = make_fifo(&pp->in, b->ingress_frames, b->ingress_bytes,
			       sizeof(struct pl_rx), b->max_frame, 0, err);
	if (!rc && !(pp->txq = calloc(b->egress_frames, sizeof *pp->txq)))
		rc = pnic_err(err, ENOMEM, "out of memory for an egress queue of %u frames",
			      b->egress_frames);
	return rc;
}

int pipeline_mac_create(struct pipeline *pl, struct pnic_error *err)
{
	int rc = 0;

	pl->ports = calloc(pl->p.n_ports, sizeof *pl->ports);
	if (!pl->ports)
		return pnic_err(err, ENOMEM, "out of memory for %u ports",
				pl->p.n_ports);
	for (uint32_t i = 0; i < pl->p.n_ports && !rc; i++)
		rc = make_port(pl, &pl->ports[i],
			       pl->p.port_mbps ? pl->p.port_mbps[i]
					       : PIPELINE_DEFAULT_MBPS, err);
	pl->next_land = PIPELINE_NEVER;
	pl->next_tx = PIPELINE_NEVER;
	pl->port_words = (pl->p.n_ports + 63) / 64;
	return rc;
}

/* The serialisation time of a frame of len bytes on pp, through a memo of
 * the last length (a run of frames is mostly of one length). */
static const struct timebase_step *frame_step(const struct pl_port *pp,
					      struct timebase_step *step,
					      uint32_t *memo, uint32_t len)
{
	if (*memo != len) {
		timebase_step_init(&pp->bits, pl_frame_bits(len), step);
		*memo = len;
	}
	return step;
}

static void bit_set(uint64_t *set, uint32_t i)
{
	set[i / 64] |= 1ull << (i % 64);
}

static void bit_clear(uint64_t *set, uint32_t i)
{
	set[i / 64] &= ~(1ull << (i % 64));
}

void pipeline_mac_destroy(struct pipeline *pl)
{
	if (!pl->ports)
		return;
	for (uint32_t i = 0; i < pl->p.n_ports; i++) {
		frame_fifo_destroy(pl->ports[i].wire);
		frame_fifo_destroy(pl->ports[i].in);
		free(pl->ports[i].txq);
	}
	free(pl->ports);
}

/* ---- in ------------------------------------------------------------------ */

static int check_arrival(const struct pipeline *pl, uint32_t port,
			 const uint8_t *frame, uint32_t caplen,
			 uint64_t first_bit, struct pnic_error *err)
{
	if (port >= pl->p.n_ports)
		return pnic_err(err, EINVAL, "port %u is not one of 0..%u",
				port, pl->p.n_ports - 1);
	if (!frame && caplen)
		return pnic_err(err, EINVAL, "port %u: no frame", port);
	if (first_bit < pl->now)
		return pnic_err(err, EINVAL,
				"port %u: first bit at cycle %llu is before now, cycle %llu",
				port, (unsigned long long)first_bit,
				(unsigned long long)pl->now);
	if (first_bit > PIPELINE_MAX_CYCLE)
		return pnic_err(err, ERANGE,
				"port %u: first bit at cycle %llu is past the last one timed, cycle %llu",
				port, (unsigned long long)first_bit,
				(unsigned long long)PIPELINE_MAX_CYCLE);
	if (first_bit < pl->ports[port].rx_last_given)
		return pnic_err(err, EINVAL,
				"port %u: arrivals come in time order, cycle %llu after cycle %llu",
				port, (unsigned long long)first_bit,
				(unsigned long long)pl->ports[port].rx_last_given);
	return 0;
}

/* When the frame is on the wire: it starts at its first bit, or later if
 * the wire is busy; the wire is free again a gap after its last bit. */
static void serialise_in(struct pl_port *pp, uint64_t first_bit,
			 struct pl_rx *e)
{
	struct timebase_instant t = { first_bit, 0 };

	if (timebase_after(&pp->rx_free, first_bit)) {
		t = pp->rx_free;
		pp->squeezed++;
	}
	e->first = timebase_ceil(&t);
	timebase_add(&pp->bits, &t, frame_step(pp, &pp->rx_step, &pp->rx_len, e->len));
	e->last = timebase_ceil(&t);
	timebase_add(&pp->bits, &t, &pp->ifg);
	pp->rx_free = t;
}

int pipeline_mac_arrive(struct pipeline *pl, uint32_t port,
			const uint8_t *frame, uint32_t caplen, uint32_t len,
			uint64_t first_bit, struct pnic_error *err)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	int rc = check_arrival(pl, port, frame, caplen, first_bit, err);
	struct pl_port *pp;
	uint32_t keep;
	struct pl_rx *e;

	if (rc)
		return rc;
	pp = &pl->ports[port];
	len = len < caplen ? caplen : len;
	/* An oversize frame still takes its wire time; its bytes are not
	 * kept, since the MAC will refuse it. */
	keep = len > b->max_frame ? 0 : caplen;
	if (pp->wire_frames >= b->wire_frames || pp->wire_bytes + keep > b->wire_bytes)
		return pnic_err(err, ENOBUFS,
				"port %u: %u frames (%llu bytes) already given ahead; run the pipeline on first",
				port, pp->wire_frames,
				(unsigned long long)pp->wire_bytes);
	e = frame_fifo_push(pp->wire, sizeof *e + keep);
	if (!e)
		return pnic_err(err, ENOBUFS, "port %u: arrivals ahead do not fit", port);
	e->caplen = keep;
	e->len = len;
	memcpy(e->frame, frame, keep);
	serialise_in(pp, first_bit, e);
	e->land = e->last + pl->p.timing.mac_rx;
	e->id = pl->arrivals++;
	pipeline_pre_arrive(pl, port, e);
	pp->rx_last_given = first_bit;
	pp->wire_frames++;
	pp->wire_bytes += keep;
	pp->rx_frames++;
	pp->rx_bytes += len;
	bit_set(pl->rx_busy, port);
	pl->next_land = pl_min(pl->next_land, e->land);
	return 0;
}

static void drop_rx(struct pipeline *pl, uint32_t port, const struct pl_rx *e,
		    enum pipeline_drop why)
{
	struct pipeline_record r;

	pipeline_record_init(&r, port, e);
	r.path = PL_PATH_DROP;
	r.drop = why;
	pl->dropped[why]++;
	pipeline_record_out(pl, &r);
}

/* One frame's last bit is in: into the ingress buffer, or dropped. */
static void land_one(struct pipeline *pl, uint32_t port, struct pl_rx *e,
		     uint64_t t)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	struct pl_port *pp = &pl->ports[port];
	struct pl_rx *in;

	if (e->len > b->max_frame) {
		drop_rx(pl, port, e, PL_DROP_OVERSIZE);
		return;
	}
	if (pp->in_occ.frames >= b->ingress_frames ||
	    pp->in_occ.bytes + e->len > b->ingress_bytes ||
	    !(in = frame_fifo_push(pp->in, sizeof *e + e->caplen))) {
		drop_rx(pl, port, e, PL_DROP_INGRESS_FULL);
		return;
	}
	memcpy(in, e, sizeof *e + e->caplen);
	pipeline_occ_add(&pp->in_occ, t, 1, e->len);
	if (!pp->in_next) {
		pp->in_next = in;
		bit_set(pl->waiting, port);
		pl->n_waiting++;
	}
}

/* Port i's frames whose last bit is in by t; the edge of its next one. */
static uint64_t land_port(struct pipeline *pl, uint32_t i, uint64_t t)
{
	struct pl_port *pp = &pl->ports[i];
	struct pl_rx *e;

	while ((e = frame_fifo_front(pp->wire)) && e->land <= t) {
		land_one(pl, i, e, t);
		pp->wire_frames--;
		pp->wire_bytes -= e->caplen;
		frame_fifo_pop(pp->wire);
	}
	if (e)
		return e->land;
	bit_clear(pl->rx_busy, i);
	return PIPELINE_NEVER;
}

void pipeline_mac_land(struct pipeline *pl, uint64_t t)
{
	uint64_t next = PIPELINE_NEVER;

	/* Only the ports with arrivals ahead are visited. */
	for (uint32_t w = 0; w < pl->port_words; w++)
		for (uint64_t bits = pl->rx_busy[w]; bits; bits &= bits - 1)
			next = pl_min(next, land_port(pl, w * 64 + (uint32_t)__builtin_ctzll(bits), t));
	pl->next_land = next;
}

void pipeline_mac_release(struct pipeline *pl, uint32_t port, uint64_t t)
{
	struct pl_port *pp = &pl->ports[port];
	const struct pl_rx *e = frame_fifo_front(pp->in);

	pipeline_occ_add(&pp->in_occ, t, -1, -(int64_t)e->len);
	frame_fifo_pop(pp->in);
}

/* ---- out ----------------------------------------------------------------- */

static void count_departure(struct pipeline *pl, struct pl_port *pp,
			    const struct pl_tx *x)
{
	switch (x->kind) {
	case PL_TX_FORWARD:
		pl->departed++;
		break;
	case PL_TX_MIRROR:
		pl->mirrors_departed++;
		pl->mirrors_queued--;
		break;
	case PL_TX_PACKET_OUT:
		pl->packet_outs_departed++;
		pl->packet_outs_queued--;
		break;
	}
	pp->tx_frames++;
	pp->tx_bytes += x->len;
}

/* Port i's frames out by t leave its queue, each at its last bit; the
 * edge of the next departure, or NEVER. */
static uint64_t settle_port(struct pipeline *pl, uint32_t i, uint64_t t)
{
	struct pl_port *pp = &pl->ports[i];
	uint32_t cap = pl->p.bounds.egress_frames;

	while (pp->txq_n) {
		const struct pl_tx *x = &pp->txq[pp->txq_head];

		if (x->last > t)
			return x->last;
		pipeline_occ_add(&pp->eg_occ, x->last, -1, -(int64_t)x->len);
		count_departure(pl, pp, x);
		pp->txq_head = pp->txq_head + 1 == cap ? 0 : pp->txq_head + 1;
		pp->txq_n--;
	}
	bit_clear(pl->tx_busy, i);
	return PIPELINE_NEVER;
}

void pipeline_mac_settle(struct pipeline *pl, uint64_t t)
{
	uint64_t next = PIPELINE_NEVER;

	if (t < pl->next_tx)
		return;
	for (uint32_t w = 0; w < pl->port_words; w++)
		for (uint64_t bits = pl->tx_busy[w]; bits; bits &= bits - 1)
			next = pl_min(next, settle_port(pl, w * 64 + (uint32_t)__builtin_ctzll(bits), t));
	pl->next_tx = next;
}

uint64_t pipeline_mac_last_departure(const struct pipeline *pl)
{
	uint64_t last = 0;

	for (uint32_t i = 0; i < pl->p.n_ports; i++) {
		const struct pl_port *pp = &pl->ports[i];

		if (pp->txq_n)
			last = pl_max(last, pp->txq[(pp->txq_head + pp->txq_n - 1) %
						    pl->p.bounds.egress_frames].last);
	}
	return last;
}

/* When the frame leaves: at its enqueue plus the MAC's latency, or where
 * the previous frame's gap ends; the wire's next free instant after it. */
static void serialise_out(struct pl_port *pp, uint64_t ready, uint32_t len,
			  uint64_t *first, uint64_t *last)
{
	struct timebase_instant t = { ready, 0 };

	if (timebase_after(&pp->tx_free, ready))
		t = pp->tx_free;
	*first = timebase_ceil(&t);
	timebase_add(&pp->bits, &t, frame_step(pp, &pp->tx_step, &pp->tx_len, len));
	*last = timebase_ceil(&t);
	timebase_add(&pp->bits, &t, &pp->ifg);
	pp->tx_free = t;
}

static void push_tx(struct pipeline *pl, uint32_t ppid, uint64_t t,
		    const struct pl_tx *x)
{
	struct pl_port *pp = &pl->ports[ppid];
	uint32_t cap = pl->p.bounds.egress_frames;
	uint32_t at = pp->txq_head + pp->txq_n;

	pp->txq[at >= cap ? at - cap : at] = *x;
	if (!pp->txq_n++)
		bit_set(pl->tx_busy, ppid);
	pipeline_occ_add(&pp->eg_occ, t, 1, x->len);
	pl->mirrors_queued += x->kind == PL_TX_MIRROR;
	pl->packet_outs_queued += x->kind == PL_TX_PACKET_OUT;
	pl->next_tx = pl_min(pl->next_tx, pp->txq[pp->txq_head].last);
}

bool pipeline_mac_enqueue(struct pipeline *pl, uint32_t ppid, uint64_t t,
			  enum pipeline_tx_kind kind, uint64_t id,
			  const uint8_t *frame, uint32_t caplen, uint32_t len,
			  struct pipeline_record *rec)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	struct pl_port *pp = &pl->ports[ppid];
	struct pipeline_egress e = { .id = id, .kind = kind, .ppid = ppid,
				     .frame = frame, .caplen = caplen, .len = len };
	struct pl_tx x = { .len = len, .kind = kind };

	if (pp->txq_n && pp->txq[pp->txq_head].last <= t)
		settle_port(pl, ppid, t);
	if (pp->eg_occ.frames >= b->egress_frames ||
	    pp->eg_occ.bytes + len > b->egress_bytes)
		return false;
	serialise_out(pp, t + pl->p.timing.mac_tx, len, &e.first_bit, &e.last_bit);
	x.last = e.last_bit;
	push_tx(pl, ppid, t, &x);
	if (pl->p.egress)
		pl->p.egress(pl->p.ctx, &e);
	if (rec) {
		rec->departure = e.last_bit;
		pipeline_record_out(pl, rec);
	}
	return true;
}
