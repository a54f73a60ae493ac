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

#include "model/encap.h"
#include "model/pipeline-private.h"

/* The longest frame an egress queue holds: the longest taken, grown by the
 * editor (an encap template and a VLAN tag). */
static uint32_t max_tx_frame(const struct pipeline *pl)
{
	return pl->p.bounds.max_frame + ENCAP_TEMPLATE_MAX_BYTES + 8;
}

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
		rc = make_fifo(&pp->wire, b->wire_frames, b->wire_bytes,
			       sizeof(struct pl_rx), b->max_frame, 0, err);
	if (!rc)
		rc = make_fifo(&pp->in, b->ingress_frames, b->ingress_bytes,
			       sizeof(struct pl_rx), b->max_frame, 0, err);
	if (!rc)
		rc = make_fifo(&pp->eg, b->egress_frames, b->egress_bytes,
			       sizeof(struct pl_tx), max_tx_frame(pl), 0, err);
	pp->tx_done = PIPELINE_NEVER;
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
	return rc;
}

void pipeline_mac_destroy(struct pipeline *pl)
{
	if (!pl->ports)
		return;
	for (uint32_t i = 0; i < pl->p.n_ports; i++) {
		frame_fifo_destroy(pl->ports[i].wire);
		frame_fifo_destroy(pl->ports[i].in);
		frame_fifo_destroy(pl->ports[i].eg);
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
	timebase_advance(&pp->bits, &t, pl_frame_bits(e->len));
	e->last = timebase_ceil(&t);
	timebase_advance(&pp->bits, &t, 8 * PL_IFG);
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
	pp->rx_last_given = first_bit;
	pp->wire_frames++;
	pp->wire_bytes += keep;
	pp->rx_frames++;
	pp->rx_bytes += len;
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
		pl->waiting[port / 64] |= 1ull << (port % 64);
	}
}

void pipeline_mac_land(struct pipeline *pl, uint64_t t)
{
	uint64_t next = PIPELINE_NEVER;

	if (t < pl->next_land)
		return;
	for (uint32_t i = 0; i < pl->p.n_ports; i++) {
		struct pl_port *pp = &pl->ports[i];
		struct pl_rx *e;

		while ((e = frame_fifo_front(pp->wire)) && e->land <= t) {
			land_one(pl, i, e, t);
			pp->wire_frames--;
			pp->wire_bytes -= e->caplen;
			frame_fifo_pop(pp->wire);
		}
		if (e)
			next = pl_min(next, e->land);
	}
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

/* The frame at the head of pp's queue goes on the wire: at its enqueue
 * plus the MAC's latency, or where the previous frame's gap ends. */
static void tx_start(struct pipeline *pl, struct pl_port *pp)
{
	const struct pl_tx *x = frame_fifo_front(pp->eg);
	struct timebase_instant t = { x->enqueued + pl->p.timing.mac_tx, 0 };

	if (timebase_after(&pp->tx_free, t.cycle))
		t = pp->tx_free;
	pp->tx_first = timebase_ceil(&t);
	timebase_advance(&pp->bits, &t, pl_frame_bits(x->len));
	pp->tx_done = timebase_ceil(&t);
	timebase_advance(&pp->bits, &t, 8 * PL_IFG);
	pp->tx_free = t;
	pl->next_tx = pl_min(pl->next_tx, pp->tx_done);
}

bool pipeline_mac_enqueue(struct pipeline *pl, uint32_t ppid, uint64_t t,
			  enum pipeline_tx_kind kind, uint64_t id,
			  const uint8_t *frame, uint32_t caplen, uint32_t len,
			  const struct pipeline_record *rec)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	struct pl_port *pp = &pl->ports[ppid];
	struct pl_tx *x;

	if (pp->eg_occ.frames >= b->egress_frames ||
	    pp->eg_occ.bytes + len > b->egress_bytes ||
	    !(x = frame_fifo_push(pp->eg, sizeof *x + caplen)))
		return false;
	x->id = id;
	x->enqueued = t;
	x->caplen = caplen;
	x->len = len;
	x->kind = kind;
	if (rec)
		x->rec = *rec;
	memcpy(x->frame, frame, caplen);
	pipeline_occ_add(&pp->eg_occ, t, 1, len);
	pl->mirrors_queued += kind == PL_TX_MIRROR;
	pl->packet_outs_queued += kind == PL_TX_PACKET_OUT;
	/* An idle wire has an empty queue: this frame is its head. */
	if (pp->tx_done == PIPELINE_NEVER)
		tx_start(pl, pp);
	return true;
}

static void count_departure(struct pipeline *pl, struct pl_tx *x,
			    uint64_t last)
{
	switch (x->kind) {
	case PL_TX_FORWARD:
		x->rec.departure = last;
		pl->departed++;
		pipeline_record_out(pl, &x->rec);
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
}

/* pp's frame on the wire has its last bit out. */
static void tx_done(struct pipeline *pl, uint32_t ppid)
{
	struct pl_port *pp = &pl->ports[ppid];
	struct pl_tx *x = frame_fifo_front(pp->eg);
	struct pipeline_egress e = {
		.id = x->id, .kind = x->kind, .ppid = ppid, .frame = x->frame,
		.caplen = x->caplen, .len = x->len, .first_bit = pp->tx_first,
		.last_bit = pp->tx_done,
	};

	if (pl->p.egress)
		pl->p.egress(pl->p.ctx, &e);
	count_departure(pl, x, pp->tx_done);
	pp->tx_frames++;
	pp->tx_bytes += x->len;
	pipeline_occ_add(&pp->eg_occ, pp->tx_done, -1, -(int64_t)x->len);
	frame_fifo_pop(pp->eg);
	pp->tx_done = PIPELINE_NEVER;
	if (frame_fifo_front(pp->eg))
		tx_start(pl, pp);
}

void pipeline_mac_tx(struct pipeline *pl, uint64_t t)
{
	uint64_t next = PIPELINE_NEVER;

	if (t < pl->next_tx)
		return;
	/* tx_start lowers next_tx as it goes; the scan sets it whole. */
	for (uint32_t i = 0; i < pl->p.n_ports; i++) {
		while (pl->ports[i].tx_done <= t)
			tx_done(pl, i);
		next = pl_min(next, pl->ports[i].tx_done);
	}
	pl->next_tx = next;
}
