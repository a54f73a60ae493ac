/* The pNIC module (see pnic.h). */
#include "model/sc/pnic.h"

#include <errno.h>
#include <string.h>

#include <algorithm>

extern "C" {
#include "model/proto.h"
}

namespace pnic_sc {

using sc_core::sc_time;

constexpr size_t MISS_RING = 65536;
/* A step of the pipeline with no one waiting on it: long enough to cost
 * nothing, short enough to check the stop flag often. */
constexpr uint64_t IDLE_CHUNK_PS = 1000000000ull;   /* 1 ms */

pnic_module::pnic_module(sc_core::sc_module_name name, run_state *r)
	: sc_module(name), bar("bar"), dma_cmd("dma_cmd"), dma_evt("dma_evt"),
	  rs(r), miss_last(MISS_RING)
{
	bar.register_b_transport(this, &pnic_module::bar_transport);
	chunk_ps = 2 * rs->lookahead_ps;
	backlog_ps = 1;
}

pnic_module::~pnic_module()
{
	for (source &s : src)
		traffic_close(s.t);
	mbox_dev_destroy(dev);
	pipeline_destroy(pl);
	order_check_destroy(order);
}

static uint32_t port_mbps(const struct scenario *sc, uint32_t ppid)
{
	for (uint32_t i = 0; i < sc->n_ports; i++)
		if (sc->ports[i].ppid == ppid && sc->ports[i].bps)
			return (uint32_t)(sc->ports[i].bps / 1000000);
	return PIPELINE_DEFAULT_MBPS;
}

/* How long a port whose arrivals-ahead are full stays busy at least: half
 * the bound's frames at the fastest port's rate. */
static uint64_t min_backlog_ps(const struct pipeline_bounds *b,
			       const std::vector<uint32_t> &mbps)
{
	uint32_t fastest = *std::max_element(mbps.begin(), mbps.end());
	uint64_t bytes = std::min<uint64_t>((uint64_t)(b->wire_frames / 2) * 84,
					    (b->wire_bytes - b->max_frame) / 2);

	return std::max<uint64_t>(1, bytes * 8 * 1000000 / fastest);
}

int pnic_module::make_pipeline(struct pnic_error *err)
{
	const struct system_params *p = rs->p;
	const struct scenario *sc = p->scenario;
	struct pipeline_params pp;
	struct order_check_params ocp = {};
	std::vector<uint32_t> mbps(sc->n_ppids);
	int rc;

	pipeline_params_default(&pp);
	for (uint32_t i = 0; i < sc->n_ppids; i++)
		mbps[i] = port_mbps(sc, i);
	pp.profile = sc->profile;
	pp.depth = sc->tcam_depth;
	pp.n_vpids = sc->n_vpids;
	pp.n_ports = sc->n_ppids;
	pp.port_mbps = mbps.data();
	pp.clock_hz = p->clock_hz;
	pp.timing = p->timing;
	pp.bounds = p->bounds;
	pp.policy = scenario_policy(sc);
	pp.egress = on_egress;
	pp.record = on_record;
	pp.ctx = this;
	if ((rc = pipeline_create(&pp, &pl, err)) < 0)
		return rc;
	if ((rc = order_check_create(&ocp, &order, err)) < 0)
		return rc;
	backlog_ps = min_backlog_ps(&pp.bounds, mbps);
	return 0;
}

int pnic_module::init(struct pnic_error *err)
{
	const struct system_params *p = rs->p;
	int rc;

	if ((rc = make_pipeline(err)) < 0)
		return rc;
	if (p->host.enabled) {
		struct mbox_dev_params dp = {};

		dp.sink = { sink_submit, this };
		dp.key_bits = p->scenario->profile->key_bits;
		dp.dma_read = dma_read;
		dp.dma_write = dma_write;
		dp.irq = irq;
		dp.ctx = this;
		if ((rc = mbox_dev_create(&dp, &dev, err)) < 0)
			return rc;
	}
	open_sources(err, &rc);
	if (p->window && p->window_ps)
		win_next = p->window_ps;
	return rc;
}

void pnic_module::open_sources(struct pnic_error *err, int *rc)
{
	const struct scenario *sc = rs->p->scenario;

	src.resize(sc->n_inputs);
	for (uint32_t i = 0; i < sc->n_inputs && *rc == 0; i++) {
		*rc = traffic_open(&sc->inputs[i], &src[i].t, err);
		if (*rc == 0)
			*rc = traffic_next(src[i].t, &src[i].pkt, err);
		src[i].has = *rc == 1;
		if (*rc == 1)
			*rc = 0;
	}
}

/* A sink for programming with no host: a full config FIFO runs the
 * pipeline on (waited out before the command, not retried: a refusal
 * costs its message). */
static int direct_submit(void *ctx, const struct nic_cmd *c,
			 struct nic_cmd_result *res, struct pnic_error *err)
{
	struct pipeline *pl = (struct pipeline *)ctx;

	while (!pipeline_cfg_room(pl))
		pipeline_run_until(pl, pipeline_next_event(pl));
	return pipeline_apply(pl, c, res, err);
}

int pnic_module::program_direct(struct pnic_error *err)
{
	struct nic_cmd_sink sink = { direct_submit, pl };
	int rc = scenario_program(rs->p->scenario, &sink, err);

	while (rc == 0 && pipeline_next_event(pl) != PIPELINE_NEVER)
		pipeline_run_until(pl, pipeline_next_event(pl));
	return rc;
}

/* ---- sources --------------------------------------------------------------- */

/* Whether a source's next frame waits for a refused one to be given
 * again (then when), as its port takes arrivals in time order. */
static uint64_t port_wait(const std::vector<source> &src, uint32_t port,
			  uint64_t t)
{
	uint64_t until = NEVER;

	for (const source &w : src)
		if (w.has && w.retry != NEVER && w.retry > t &&
		    w.pkt.in_port == port)
			until = std::min(until, w.retry);
	return until;
}

/* The source whose next frame is offered first, of those not waiting. */
static source *earliest(std::vector<source> &src, uint64_t t)
{
	source *first = nullptr;

	for (source &s : src)
		if (s.has && (s.retry == NEVER || s.retry <= t) &&
		    (!first || s.pkt.offer_ps < first->pkt.offer_ps))
			first = &s;
	return first;
}

/* Give one source's next frame.  A refused frame is given again when the
 * frames ahead of it have offered (its own time), or, if they already
 * have, when the port's wire is still busy with them. */
void pnic_module::give(source &s)
{
	struct pnic_error err;
	uint64_t at = rs->setup_ps + s.pkt.offer_ps;
	uint64_t c = std::max(rs->cycles(at), pipeline_now(pl));
	int rc = pipeline_arrive(pl, s.pkt.in_port, s.pkt.frame, s.pkt.caplen,
				 s.pkt.len, c, &err);

	if (rc == -ENOBUFS) {
		uint64_t now = rs->ps(pipeline_now(pl));

		s.retry = at > now ? at : now + backlog_ps;
		return;
	}
	s.retry = NEVER;
	if (rc == 0 && rs->oracle)
		note_arrival(s.pkt, c);
	given += rc == 0;
	if (rc == 0)
		rc = traffic_next(s.t, &s.pkt, &err);
	if (rc < 0)
		rs->fail(rc, err);
	s.has = rc == 1;
}

/* Give the sources' frames to the pipeline, as far ahead as it takes
 * them, in offer order across sources: inputs may share a port, and a
 * port takes its arrivals in time order, so a frame waits while its
 * port holds a refused one of another source. */
void pnic_module::feed(uint64_t t)
{
	source *s;

	if (rs->setup_ps == NEVER)
		return;
	while ((s = earliest(src, t))) {
		uint64_t wait = src.size() > 1 ? port_wait(src, s->pkt.in_port, t)
					       : NEVER;

		if (wait != NEVER)
			s->retry = wait;
		else
			give(*s);
	}
}

/* ---- time ---------------------------------------------------------------- */

void pnic_module::step_pipeline(uint64_t c)
{
	if (c > pipeline_now(pl))
		pipeline_run_until(pl, c);
}

/* How far the next step of advance() may take the pipeline, or NEVER
 * when nothing is left to do before t. */
uint64_t pnic_module::step_target(uint64_t t, bool drain_ok)
{
	uint64_t now = rs->ps(pipeline_now(pl));
	uint64_t ne = rs->ps(pipeline_next_event(pl)), target = t;

	for (const source &s : src)
		target = std::min(target, std::max(s.retry, now));
	if (ne == NEVER && target == NEVER)
		return NEVER;
	/* Past the horizon the host may have acted; and a miss drained late
	 * could wake it too late. */
	if (drain_ok) {
		target = std::min(target, horizon);
		if (dev)
			target = std::min(target, sat_add(std::max(now, ne), chunk_ps));
	}
	if (target == NEVER)
		target = sat_add(std::max(now, ne), IDLE_CHUNK_PS);
	return target;
}

bool pnic_module::stopped()
{
	if (rs->p->stop && *rs->p->stop)
		rs->interrupted = true;
	return rs->interrupted;
}

/* Bring the pipeline and the sources to t, draining the to-host queue
 * into events (unless inside the device's own call) at least every
 * chunk_ps of pipeline activity, so that an interrupt lowers the horizon
 * before the pipeline passes it. */
void pnic_module::advance(uint64_t t, bool drain_ok)
{
	for (;;) {
		uint64_t target;

		feed(rs->ps(pipeline_now(pl)));
		target = step_target(t, drain_ok);
		if (target == NEVER)
			return;
		windows_upto(target);
		step_pipeline(rs->cycles(target));
		if (drain_ok)
			drain();
		if (target >= t || (drain_ok && target >= horizon) || stopped())
			return;
	}
}

/* ---- the to-host queue into events ----------------------------------------- */

/* The mailbox event of what the to-host queue holds. */
static void to_event(const struct pipeline_upcall &u, struct mbox_event *ev)
{
	*ev = {};
	ev->in_ppid = (uint16_t)u.in_port;
	ev->entry = (uint32_t)u.entry;
	switch (u.type) {
	case PL_UP_FLOW_END:
		ev->type = MBOX_EV_FLOW_END;
		ev->reason = (uint8_t)(((u.tcp_flags & PROTO_TCP_FIN) ? MBOX_FLOW_FIN : 0) |
				       ((u.tcp_flags & PROTO_TCP_RST) ? MBOX_FLOW_RST : 0));
		return;
	case PL_UP_AGED:
		ev->type = MBOX_EV_AGED;
		ev->in_ppid = 0;
		ev->last_hit = u.last_hit_ns;
		ev->gen = u.gen;
		ev->reason = u.removed ? MBOX_AGED_REMOVED : 0;
		return;
	case PL_UP_LANDED:
		ev->type = MBOX_EV_LANDED;
		ev->in_ppid = 0;
		ev->gen = u.gen;
		return;
	default:
		ev->type = MBOX_EV_MISS;
		ev->entry = 0;
		ev->reason = (uint8_t)u.reason;
		ev->frame = u.frame;
		ev->caplen = u.caplen;
		ev->len = u.len;
		ev->key_bits = u.key_bits;
		ev->key = u.key;
		return;
	}
}

/* The to-host queue into the mailbox, in order.  An event without a
 * packet waits at the head while the event ring is full (the host, which
 * cannot learn it again, must not lose it); a miss finding no room is
 * dropped as a packet, counted. */
void pnic_module::drain()
{
	struct pipeline_upcall u;
	enum pipeline_upcall_type head;
	uint64_t seq_before;

	if (!dev)
		return;
	evt_stalled = false;
	while (pipeline_to_host_peek(pl, &head) == 0) {
		if (head != PL_UP_PACKET && !mbox_dev_event_room(dev)) {
			evt_stalled = true;
			return;
		}
		struct mbox_event ev;
		int rc;

		pipeline_to_host_pop(pl, &u);
		to_event(u, &ev);
		if (u.lost_before)
			mbox_dev_events_lost(dev, u.lost_before);
		t_evt = std::max(t_evt, rs->ps(u.enqueued));
		cur = &t_evt;
		evt_engine = true;
		last_land = 0;
		/* the seq this event carries: what names it to the host */
		seq_before = mbox_dev_next_seq(dev);
		rc = mbox_dev_event(dev, &ev);
		evt_engine = false;
		if (u.type == PL_UP_PACKET) {
			upcalls++;
			order_check_to_host(order, u.id, u.frame, u.caplen);
		}
		else
			other_events++;
		if (rc == -EFAULT || rc == -EIO)
			event_faults++;
		note_to_host(u, seq_before, rc);
		if (rc == 0 && u.type == PL_UP_PACKET && u.reason == DP_HOST_MISS)
			rs->trip_begin((uint32_t)seq_before, u.id, u.in_port,
				       miss_last[u.id % MISS_RING],
				       rs->ps(u.enqueued), last_land);
		arm_timers(t_evt);
	}
}

/* ---- the correctness oracle ------------------------------------------------- */

void pnic_module::note_arrival(const struct traffic_pkt &p, uint64_t first_bit)
{
	struct pnic_error err;
	int rc = oracle_arrival(rs->oracle, given, p.in_port,
				  rs->run_ns(rs->ps(first_bit)), p.frame,
				  p.caplen, p.len, &err);

	if (rc < 0)
		rs->fail(rc, err);
}

/* A packet (not a flow event) taken from the to-host queue: an event the
 * host will see, or lost for want of room (ring or receive buffer
 * full). */
void pnic_module::note_to_host(const struct pipeline_upcall &u, uint64_t seq,
				 int rc)
{
	struct pnic_error err;

	if (u.type != PL_UP_PACKET || !rs->oracle)
		return;
	if (rc != 0) {
		oracle_dropped(rs->oracle, u.id, true);
		return;
	}
	rc = oracle_to_host(rs->oracle, u.id, (uint32_t)seq,
			      u.reason == DP_HOST_MISS || u.reason == DP_HOST_HOLD_CANCELLED,
			      &err);
	if (rc < 0)
		rs->fail(rc, err);
}

/* Whether a drop is for want of room, not a decision. */
static bool capacity_drop(enum pipeline_drop d)
{
	return d == PL_DROP_HOLD_FULL || d == PL_DROP_OVERSIZE ||
	       d == PL_DROP_INGRESS_FULL || d == PL_DROP_EGRESS_FULL ||
	       d == PL_DROP_TO_HOST_FULL;
}

static bool arrival_drop(enum pipeline_drop d)
{
	return d != PL_DROP_MIRROR_UNMAPPED && d != PL_DROP_MIRROR_EGRESS_FULL &&
	       d != PL_DROP_PACKET_OUT_FULL;
}

/* ---- the device ------------------------------------------------------------ */

uint64_t pnic_module::next_external()
{
	uint64_t m = NEVER;

	if (rs->setup_ps != NEVER)
		for (const source &s : src)
			if (s.has)
				m = std::min(m, s.retry == NEVER ? 0 : s.retry);
	if (!bars.empty())
		m = std::min(m, bars.front().at);
	if (dev && dev_wait == MBOX_DEV_BUSY)
		m = std::min(m, std::max(t_cmd, rs->ps(pipeline_next_event(pl))));
	else if (dev && (need_service || dev_wait == MBOX_DEV_MORE))
		m = std::min(m, t_cmd);
	for (uint64_t tm : irq_timer)
		m = std::min(m, tm);
	return m;
}

uint64_t pnic_module::next_ps()
{
	uint64_t ne = rs->ps(pipeline_next_event(pl));

	if (dev && pipeline_to_host_frames(pl) && !evt_stalled)
		ne = std::min(ne, rs->ps(pipeline_now(pl)));
	return std::min(ne, next_external());
}

void pnic_module::apply_bars(uint64_t t)
{
	while (!bars.empty() && bars.front().at <= t) {
		bar_write w = bars.front();

		bars.pop_front();
		t_cmd = std::max(t_cmd, w.at);
		cur = &t_cmd;
		mbox_dev_bar_write(dev, w.off, w.value);
		need_service = true;
		evt_stalled = false;  /* the host may have freed event slots */
	}
}

void pnic_module::handle(uint64_t t)
{
	apply_bars(t);
	service(t);
	timers(t);
}

void pnic_module::service(uint64_t t)
{
	struct mbox_dev_progress pr;

	if (!dev || !(need_service || dev_wait == MBOX_DEV_MORE ||
		      dev_wait == MBOX_DEV_BUSY) || t_cmd > t)
		return;
	need_service = false;
	t_cmd = std::max(t_cmd, t);
	cur = &t_cmd;
	pr = mbox_dev_service(dev, 1);
	dev_wait = pr.wait;
	if (dev_wait == MBOX_DEV_BUSY)
		t_cmd = std::max(t_cmd, rs->ps(pipeline_next_event(pl)));
	arm_timers(t_cmd);
}

void pnic_module::arm_timers(uint64_t t)
{
	uint64_t us = rs->p->host.irq_usecs;

	if (!dev || us == 0)
		return;
	for (unsigned v = 0; v < MBOX_IRQ_VECTORS; v++)
		if (irq_timer[v] == NEVER && mbox_dev_irq_pending(dev, v))
			irq_timer[v] = t + us * 1000000;
}

void pnic_module::timers(uint64_t t)
{
	for (unsigned v = 0; v < MBOX_IRQ_VECTORS; v++) {
		if (irq_timer[v] > t)
			continue;
		t_timer = irq_timer[v];
		irq_timer[v] = NEVER;
		cur = &t_timer;
		evt_engine = v == MBOX_IRQ_EVT;
		mbox_dev_irq_flush(dev, v);
		evt_engine = false;
		cur = &t_cmd;
	}
}

uint64_t pnic_module::run(uint64_t h)
{
	horizon = h;
	for (;;) {
		uint64_t t, before;

		if (stopped())
			break;
		t = next_external();
		if (t >= horizon) {
			before = horizon;
			advance(horizon, true);
			if (horizon == before || rs->interrupted)
				break;
			continue;
		}
		advance(t, true);
		if (t < horizon)
			handle(t);
	}
	return horizon;
}

/* ---- TLM ----------------------------------------------------------------- */

int pnic_module::transport(tlm::tlm_command cmd, uint64_t addr, void *buf,
			   uint32_t len, uint64_t *land)
{
	uint64_t base = now_ps();
	sc_time d = sc_time::from_value(*cur > base ? *cur - base : 0);

	tp.set_command(cmd);
	tp.set_address(addr);
	tp.set_data_ptr((unsigned char *)buf);
	tp.set_data_length(len);
	tp.set_streaming_width(len);
	tp.set_byte_enable_ptr(nullptr);
	tp.set_dmi_allowed(false);
	tp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
	if (evt_engine)
		dma_evt->b_transport(tp, d);
	else
		dma_cmd->b_transport(tp, d);
	*land = base + d.value();
	return tp.is_response_ok() ? 0 : -EFAULT;
}

int pnic_module::dma_read(void *ctx, uint64_t addr, void *buf, uint32_t len)
{
	pnic_module *m = (pnic_module *)ctx;
	uint64_t land;
	int rc = m->transport(tlm::TLM_READ_COMMAND, addr, buf, len, &land);

	*m->cur = land;
	return rc;
}

int pnic_module::dma_write(void *ctx, uint64_t addr, const void *buf,
			   uint32_t len)
{
	pnic_module *m = (pnic_module *)ctx;
	uint64_t land;
	int rc = m->transport(tlm::TLM_WRITE_COMMAND, addr, (void *)buf, len,
			      &land);

	m->last_land = std::max(m->last_land, land);
	m->last_ps = std::max(m->last_ps, land);
	/* A polling host sees it at its next poll and may answer then. */
	if (m->rs->p->host.mode == SYSTEM_HOST_POLL)
		m->horizon = std::min(m->horizon,
				      sat_add(m->rs->poll_grid(land), m->rs->lookahead_ps));
	return rc;
}

void pnic_module::irq(void *ctx, unsigned v)
{
	pnic_module *m = (pnic_module *)ctx;
	uint32_t data = v;
	uint64_t land;

	m->transport(tlm::TLM_WRITE_COMMAND, MSI_ADDR + 4ull * v, &data,
		     sizeof data, &land);
	m->horizon = std::min(m->horizon, sat_add(land, m->rs->lookahead_ps));
}

/* A register write lands at its time; a read answers at once (setup and
 * status only: docs/system.md). */
void pnic_module::bar_transport(tlm::tlm_generic_payload &t, sc_time &d)
{
	uint32_t v;

	if (t.is_write()) {
		memcpy(&v, t.get_data_ptr(), sizeof v);
		bars.push_back({ now_ps() + d.value(), (uint32_t)t.get_address(), v });
	} else {
		/* A read does not pass the posted writes before it. */
		apply_bars(NEVER);
		v = mbox_dev_bar_read(dev, (uint32_t)t.get_address());
		memcpy(t.get_data_ptr(), &v, sizeof v);
	}
	t.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool pnic_module::carrying() const
{
	for (const source &s : src)
		if (s.has)
			return true;
	/* Packets in the hold buffer wait for the host's release, not for
	 * time: a host timer would not free them, and a run whose host has
	 * nothing left to do ends with them reported in flight. */
	return pipeline_in_flight_unheld(pl) > 0;
}

/* ---- the pipeline's side ---------------------------------------------------- */

int pnic_module::sink_submit(void *ctx, const struct nic_cmd *c,
			     struct nic_cmd_result *res, struct pnic_error *err)
{
	pnic_module *m = (pnic_module *)ctx;
	uint64_t at = *m->cur;
	int rc;

	m->advance(at, false);
	m->last_ps = std::max(m->last_ps, at);
	rc = pipeline_apply(m->pl, c, res, err);
	m->rs->cmd_applied(at);
	if (rc == 0 && c->op == NIC_OP_ENTRY_WRITE &&
	    c->entry.index >= m->rs->first_index && m->rs->setup_ps != NEVER)
		m->rs->trip_installed(at);
	return rc;
}

void pnic_module::on_egress(void *ctx, const struct pipeline_egress *e)
{
	pnic_module *m = (pnic_module *)ctx;
	const struct system_params *p = m->rs->p;

	m->last_ps = std::max(m->last_ps, m->rs->ps(e->last_bit));
	if (e->kind == PL_TX_PACKET_OUT)
		m->rs->trip_packet_out(m->rs->ps(e->last_bit));
	if (e->kind == PL_TX_FORWARD && m->rs->oracle) {
		struct pnic_error err;
		int rc = oracle_forwarded(m->rs->oracle, e->id, e->ppid, e->frame,
					  e->caplen, &err);

		if (rc < 0)
			m->rs->fail(rc, err);
	}
	if (e->kind != PL_TX_MIRROR)
		order_check_depart(m->order, e->kind == PL_TX_FORWARD ? e->id : ORDER_CHECK_NO_ID,
				   e->frame, e->caplen);
	if (p->egress)
		p->egress(p->ctx, e, pipeline_cycles_to_ns(m->pl, e->last_bit));
}

void pnic_module::on_record(void *ctx, const struct pipeline_record *r)
{
	pnic_module *m = (pnic_module *)ctx;
	const struct system_params *p = m->rs->p;

	m->last_ps = std::max(m->last_ps, m->rs->ps(std::max(r->arrival_last,
			r->enqueue == PIPELINE_NEVER ? 0 : r->enqueue)));
	if (r->path == PL_PATH_MISS)
		m->miss_last[r->id % MISS_RING] = m->rs->ps(r->arrival_last);
	/* Decided up, before any later arrival can leave (the header path
	 * is in order): from here on a flow can be overtaken. */
	if (r->path == PL_PATH_MISS || r->path == PL_PATH_TO_HOST)
		order_check_watch(m->order);
	if (r->path == PL_PATH_DROP && m->rs->oracle && arrival_drop(r->drop))
		oracle_dropped(m->rs->oracle, r->id, capacity_drop(r->drop));
	if (p->record)
		p->record(p->ctx, r);
}

/* ---- windows --------------------------------------------------------------- */

void pnic_module::window_counts(struct system_window *w)
{
	struct pipeline_stats st;
	struct pipeline_port_stats ps;
	const struct datapath_stats *ds = datapath_stats(pipeline_datapath(pl));

	pipeline_stats(pl, &st);
	*w = {};
	w->arrivals = st.arrivals;
	w->departed = st.departed;
	w->hits = ds->hits;
	w->misses = ds->misses;
	w->to_host = st.to_host;
	for (uint64_t d : st.dropped)
		w->dropped += d;
	w->packet_outs = st.packet_outs;
	if (dev) {
		const struct mbox_dev_stats *s = mbox_dev_stats(dev);

		for (uint64_t n : s->commands)
			w->commands += n;
		for (unsigned i = 0; i < MBOX_EV_COUNT; i++) {
			w->events += s->events[i];
			w->event_drops += s->event_drops[i];
		}
	}
	for (uint32_t i = 0; i < rs->p->scenario->n_ppids; i++) {
		pipeline_port_stats(pl, i, &ps);
		w->ingress_frames += ps.ingress.frames;
		w->egress_frames += ps.egress.frames;
	}
	w->to_host_frames = st.to_host_queue.frames;
	w->cfg_commands = st.cfg_fifo.frames;
}

static bool window_idle(const struct system_window &a,
			const struct system_window &b)
{
	return a.arrivals == b.arrivals && a.departed == b.departed &&
	       a.packet_outs == b.packet_outs && a.commands == b.commands &&
	       a.events == b.events && a.event_drops == b.event_drops &&
	       a.dropped == b.dropped && a.to_host == b.to_host &&
	       a.ingress_frames == b.ingress_frames &&
	       a.egress_frames == b.egress_frames &&
	       a.to_host_frames == b.to_host_frames &&
	       a.cfg_commands == b.cfg_commands;
}

/* Counts are the differences over the window; depths are at its end. */
static struct system_window window_delta(const struct system_window &now,
					 const struct system_window &base)
{
	struct system_window w = now;

	w.arrivals -= base.arrivals;
	w.departed -= base.departed;
	w.hits -= base.hits;
	w.misses -= base.misses;
	w.to_host -= base.to_host;
	w.dropped -= base.dropped;
	w.packet_outs -= base.packet_outs;
	w.commands -= base.commands;
	w.events -= base.events;
	w.event_drops -= base.event_drops;
	return w;
}

/* Every window that ends by t; a stretch of windows in which nothing
 * happens is one window (a 10 s gap is not ten million lines). */
void pnic_module::windows_upto(uint64_t t)
{
	const struct system_params *p = rs->p;

	while (win_next != NEVER && win_next <= t) {
		struct system_window now, w;
		uint64_t c = rs->cycles(win_next);

		if (c > 0)
			step_pipeline(c - 1);
		window_counts(&now);
		if (window_idle(now, win_base)) {
			/* Nothing changes before the pipeline's next event. */
			uint64_t until = std::min(t, rs->ps(pipeline_next_event(pl)));

			if (until > win_next)
				win_next += (until - win_next) / p->window_ps * p->window_ps;
		}
		w = window_delta(now, win_base);
		w.start_ps = win_start;
		w.end_ps = win_next;
		p->window(p->ctx, &w);
		win_base = now;
		win_start = win_next;
		win_next += p->window_ps;
	}
}

void pnic_module::finish(uint64_t end_ps)
{
	const struct system_params *p = rs->p;
	struct system_window now, w;

	step_pipeline(rs->cycles(end_ps));
	if (win_next == NEVER)
		return;
	windows_upto(end_ps);
	if (end_ps <= win_start)
		return;
	window_counts(&now);
	w = window_delta(now, win_base);
	w.start_ps = win_start;
	w.end_ps = end_ps;
	p->window(p->ctx, &w);
}

void pnic_module::result(struct system_result *res)
{
	pipeline_stats(pl, &res->pipeline);
	res->order = *order_check_stats(order);
	res->n_ports = rs->p->scenario->n_ppids;
	for (uint32_t i = 0; i < res->n_ports; i++)
		pipeline_port_stats(pl, i, &res->ports[i]);
	if (dev)
		res->dev = *mbox_dev_stats(dev);
	res->misses_out = upcalls;
}

/* The pipeline's equations, and the mailbox's: every packet taken from
 * the to-host queue became an event or was dropped with its reason. */
int pnic_module::check(struct pnic_error *err)
{
	int rc = pipeline_check_conservation(pl, err);
	const struct mbox_dev_stats *s;
	uint64_t out;

	if (rc < 0 || !dev)
		return rc;
	s = mbox_dev_stats(dev);
	out = s->rxb_drops + s->off_drops + s->bad_events + event_faults;
	for (unsigned k = MBOX_EV_MISS; k < MBOX_EV_COUNT; k++)
		if (k != MBOX_EV_ERROR)
			out += s->events[k] + s->event_drops[k];
	if (out != upcalls + other_events)
		return pnic_err(err, EPROTO,
				"mailbox conservation: %llu packets and %llu events left the to-host queue but %llu became events (%llu misses) or drops (ring full %llu, no buffer %llu, not ready %llu, refused %llu, faults %llu)",
				(unsigned long long)upcalls,
				(unsigned long long)other_events,
				(unsigned long long)out,
				(unsigned long long)s->events[MBOX_EV_MISS],
				(unsigned long long)s->event_drops[MBOX_EV_MISS],
				(unsigned long long)s->rxb_drops,
				(unsigned long long)s->off_drops,
				(unsigned long long)s->bad_events,
				(unsigned long long)event_faults);
	return 0;
}

}  // namespace pnic_sc
