/* The host module (see host.h). */
#include "model/sc/host.h"

#include <errno.h>
#include <string.h>

#include <algorithm>

#include "model/sc/pnic.h"

namespace pnic_sc {

using sc_core::sc_time;

host_module::host_module(sc_core::sc_module_name name, run_state *r,
			 pnic_module *n)
	: sc_module(name), bar("bar"), mem_t("mem"), rs(r), nic(n)
{
	const struct system_host_params *h = &rs->p->host;

	mem_t.register_b_transport(this, &host_module::mem_transport);
	poll_step = std::max<uint64_t>((uint64_t)h->poll_interval_ns,
				       rs->p->scenario->pcie.poll_ns) * 1000;
	poll_step = std::max<uint64_t>(poll_step, 1);
	rs->poll_step = poll_step;
	SC_THREAD(main);
}

host_module::~host_module()
{
	static_prog_destroy(prog);
	fpag_prog_destroy(fprog);
	fpag_setup_free(&fsetup);
	oracle_destroy(oracle);
	fpag_setup_free(&osetup);
	mbox_drv_destroy(drv);
}

/* Polling, the next poll is at max(t_h, poll_at) and every poll_step
 * after; one that finds nothing new in memory changes nothing, so the
 * host sleeps through them until a write lands (or, its last poll having
 * found work, polls once more). */
uint64_t host_module::pending_wake() const
{
	uint64_t w;

	if (ended)
		return NEVER;
	if (!started)
		return t_h;
	if (rs->p->host.mode == SYSTEM_HOST_POLL) {
		if (!writes.empty())
			w = rs->poll_grid(writes.front().at);
		else
			w = busy ? rs->poll_grid(0) : NEVER;
	} else if (busy && !in_program && mbox_drv_events_ready(drv)) {
		w = t_h;          /* the poll stopped at its budget: again */
	} else {
		w = irqs.empty() ? NEVER : std::max(t_h, irqs.front());
	}
	return own_wake(w);
}

/* The FPAG's own wakes on top of w.  Inside the program (a full ring, a
 * counter read) the host waits for the device only: its own timers are
 * for between polls.  The scenario's timed actions wake the host on
 * their own; the FPAG's timers (timeouts, counter polls) only while
 * traffic runs or the host has something to take, so that they never
 * keep a finished run going (nor wake it through a long tail of aging
 * sweeps). */
uint64_t host_module::own_wake(uint64_t w) const
{
	uint64_t own;

	if (!fprog || rs->setup_ps == NEVER || in_program)
		return w;
	if (own_stale) {
		own_action_ns = fpag_prog_next_action_ns(fprog);
		own_next_ns = fpag_prog_next_ns(fprog);
		own_stale = false;
	}
	own = own_action_ns;
	if (own != UINT64_MAX)
		w = std::min(w, std::max(t_h, rs->setup_ps + own * 1000));
	own = own_next_ns;
	if (own != UINT64_MAX && (w != NEVER || nic->carrying()))
		w = std::min(w, std::max(t_h, rs->setup_ps + own * 1000));
	return w;
}

/* ---- the thread ------------------------------------------------------------ */

void host_module::main()
{
	struct pnic_error err {};
	int rc;

	wait(go);
	resumed_at = wall_now();
	started = true;
	t_h = now_ps();
	rc = setup(&err);
	while (rc == 0 && !rs->finished) {
		uint64_t seen = t_h;

		rs->host_seen = seen;
		rc = poll_program(&err);
		if (rc < 0)
			break;
		busy = rc > 0;
		rc = host_wait();
		if (rc < 0 && rs->finished)
			rc = 0;
	}
	if (rc < 0 && !rs->finished)
		rs->fail(rc, err);
	ended = true;
	active_s += wall_now() - resumed_at;
	done.notify();
}

int host_module::poll_program(struct pnic_error *err)
{
	int rc;

	if (!fprog)
		return static_prog_poll(prog, err);
	in_program = true;
	rc = fpag_prog_poll(fprog, t_h > rs->setup_ps ? (t_h - rs->setup_ps) / 1000 : 0, err);
	in_program = false;
	own_stale = true;
	return rc;
}

/* Give control back until the coordinator resumes this thread in the
 * epoch that holds the wake time: -1 when the run is over. */
int host_module::yield()
{
	active_s += wall_now() - resumed_at;
	done.notify();
	wait(go);
	resumed_at = wall_now();
	return rs->finished ? -1 : 0;
}

/* One wait of the host: until the next poll, or the next interrupt. */
int host_module::host_wait()
{
	uint64_t w;

	rs->poll_base = std::max(t_h, poll_at);
	w = pending_wake();
	while (w >= epoch_end) {
		if (yield() < 0)
			return -1;
		w = pending_wake();
	}
	t_h = std::max(t_h, w);
	if (rs->p->host.mode == SYSTEM_HOST_POLL) {
		skipped_polls += (t_h - rs->poll_base) / poll_step;
		poll_at = t_h + poll_step;
		t_h += (uint64_t)rs->p->scenario->pcie.poll_ns * 1000;
	} else {
		while (!irqs.empty() && irqs.front() <= t_h)
			irqs.pop_front();
	}
	apply(t_h);
	return 0;
}

void host_module::apply(uint64_t t)
{
	while (!writes.empty() && writes.front().at <= t) {
		const mem_write &w = writes.front();

		memcpy(&mem[w.off], &wbuf[w.pos], w.len);
		writes.pop_front();
	}
	if (writes.empty())
		wbuf.clear();
}

/* The arena grows while writes stay in flight; past WBUF_COMPACT bytes
 * the bytes before the oldest in flight are given back (writes land
 * within microseconds, so this is rare and the arena stays small). */
void host_module::wbuf_compact()
{
	size_t lo = wbuf.size();

	for (const mem_write &w : writes)
		lo = std::min(lo, w.pos);
	wbuf.erase(wbuf.begin(), wbuf.begin() + (ptrdiff_t)lo);
	for (mem_write &w : writes)
		w.pos -= lo;
}

int host_module::drv_wait(void *ctx)
{
	host_module *h = (host_module *)ctx;
	struct mbox_completion c[16];

	if (h->host_wait() < 0)
		return -1;
	while (mbox_drv_poll_completions(h->drv, c, 16) == 16)
		;
	return 0;
}

/* ---- setup ----------------------------------------------------------------- */

int host_module::setup(struct pnic_error *err)
{
	const struct system_host_params *h = &rs->p->host;
	struct mbox_drv_params dp = {};
	int rc;

	dp.cmd_entries = h->cmd_entries;
	dp.cpl_entries = h->cpl_entries;
	dp.evt_entries = h->evt_entries;
	dp.rxb_entries = h->rxb_entries;
	/* A receive buffer holds any frame the MAC takes (as a chain of
	 * buffers would): one cut to 2 KB would go back out cut, its tail
	 * lost (the correctness oracle found GSO frames of the capture
	 * corpus leaving 2048 bytes long). */
	dp.rx_buf_bytes = std::min<uint32_t>(rs->p->bounds.max_frame,
					     NIC_PACKET_OUT_MAX_LEN + 64u);
	dp.mem_dma = HOST_DMA;
	dp.mem_bytes = mbox_drv_mem_bytes(&dp);
	if (dp.mem_bytes == 0)
		return pnic_err(err, EINVAL, "host: a mailbox ring size is out of range");
	mem.assign(dp.mem_bytes, 0);
	dp.mem = mem.data();
	dp.bar_write = bar_write;
	dp.bar_read = bar_read;
	dp.wait = drv_wait;
	dp.ctx = this;
	if ((rc = mbox_drv_create(&dp, &drv, err)) < 0)
		return rc;
	if (h->mode == SYSTEM_HOST_IRQ) {
		mbox_drv_irq_enable(drv, (1u << MBOX_IRQ_VECTORS) - 1);
		if (h->irq_usecs)
			mbox_drv_irq_moderate(drv, MBOX_IRQ_EVT, 64, h->irq_usecs);
	}
	if ((rc = program(err)) < 0)
		return rc;
	return start_program(err);
}

/* The scenario's tables, posted in batches (a doorbell per full ring),
 * then waited for. */
int host_module::program(struct pnic_error *err)
{
	struct nic_cmd_sink sink = { batch_submit, this };
	uint64_t errors;
	int rc = scenario_program(rs->p->scenario, &sink, err);

	if (rc < 0)
		return rc;
	mbox_drv_doorbell(drv);
	while (mbox_drv_in_flight(drv) > 0)
		if (drv_wait(this) < 0)
			return pnic_err(err, EINTR, "host: the run ended while the scenario was being programmed");
	errors = mbox_drv_stats(drv)->cpl_errors;
	if (errors)
		return pnic_err(err, EIO,
				"host: %llu of the scenario's commands failed over the mailbox (%s)",
				(unsigned long long)errors,
				mbox_dev_last_error(nic->dev));
	return 0;
}

int host_module::batch_submit(void *ctx, const struct nic_cmd *c,
			      struct nic_cmd_result *res, struct pnic_error *err)
{
	host_module *h = (host_module *)ctx;
	int rc = mbox_drv_post_wait(h->drv, c, 0, err);

	if (res)
		*res = {};
	return rc;
}

static uint32_t vpid_ppid(const struct scenario *sc, uint32_t vpid)
{
	for (uint32_t i = 0; i < sc->n_maps; i++)
		if (sc->maps[i].vpid == vpid)
			return sc->maps[i].ppid;
	return UINT32_MAX;
}

/* Wait until every command posted so far has completed. */
int host_module::drain(struct pnic_error *err)
{
	mbox_drv_doorbell(drv);
	while (mbox_drv_in_flight(drv) > 0)
		if (drv_wait(this) < 0)
			return pnic_err(err, EINTR, "host: the run ended during setup");
	return 0;
}

int host_module::start_program(struct pnic_error *err)
{
	int rc = rs->p->scenario->host.program == SCENARIO_PROGRAM_FPAG ?
		 start_fpag(err) : start_static(err);

	if (rc < 0)
		return rc;
	/* Take the setup's last interrupts, so that the run starts with the
	 * host asleep; then the sources start, a lookahead later, as any
	 * message from the host. */
	while (!irqs.empty())
		if (host_wait() < 0)
			return pnic_err(err, EINTR, "host: the run ended during setup");
	nic->start_sources(t_h + rs->lookahead_ps);
	return 0;
}

/* The FPAG: built from the scenario's sections; it maps its VPIDs
 * before the traffic starts.  Its time (conntrack, timed actions) counts
 * from the sources' start. */
int host_module::start_fpag(struct pnic_error *err)
{
	struct fpag_prog_params fp = {};
	int rc = fpag_setup_create(rs->p->scenario, &fsetup, err);

	if (rc < 0)
		return rc;
	fp.drv = drv;
	fp.fpag = fsetup.fpag;
	fp.actions = fsetup.actions;
	fp.n_actions = fsetup.n_actions;
	fp.spend = spend;
	fp.handled = fpag_handled;
	fp.released = fpag_released;
	fp.action_done = fpag_done;
	fp.packet_out = rs->p->oracle ? fpag_packet_out : nullptr;
	fp.wait = drv_wait;
	fp.ctx = this;
	rs->cmd_base = mbox_drv_stats(drv)->posted;
	if ((rc = fpag_prog_create(&fp, &fprog, err)) < 0 ||
	    (rc = start_oracle(err)) < 0)
		return rc;
	return drain(err);
}

/* The oracle's decider is an FPAG of its own, made from the scenario as
 * the program's is. */
int host_module::start_oracle(struct pnic_error *err)
{
	struct oracle_params op = {};
	int rc;

	if (!rs->p->oracle)
		return 0;
	if ((rc = fpag_setup_create(rs->p->scenario, &osetup, err)) < 0)
		return rc;
	op.fpag = osetup.fpag;
	op.actions = osetup.actions;
	op.n_actions = osetup.n_actions;
	if ((rc = oracle_create(&op, &oracle, err)) < 0)
		return rc;
	rs->oracle = oracle;
	return 0;
}

/* The run is over: actions never applied keep their window open to the
 * end, then the decider runs and the figures go to the result. */
void host_module::finish_oracle(struct system_result *res)
{
	struct pnic_error err {};
	uint32_t n;
	int rc;

	if (!oracle)
		return;
	for (const auto &w : rs->actions_wait)
		oracle_window(oracle, w.second.index, rs->run_ns(w.second.at_ps),
			      UINT64_MAX);
	if ((rc = oracle_finish(oracle, &err)) < 0)
		rs->fail(rc, err);
	res->oracle_ran = true;
	res->oracle = *oracle_stats(oracle);
	const struct oracle_mismatch *m = oracle_mismatches(oracle, &n);

	res->oracle_n_first = n;
	std::copy(m, m + n, res->oracle_first);
}

int host_module::start_static(struct pnic_error *err)
{
	const struct system_host_params *h = &rs->p->host;
	const struct scenario *sc = rs->p->scenario;
	struct static_prog_params pp = {};

	pp.drv = drv;
	pp.key_bits = sc->profile->key_bits;
	pp.depth = sc->tcam_depth;
	pp.first_index = rs->first_index;
	pp.install = h->install;
	pp.hold = h->hold;
	pp.costs = h->costs;
	if (h->action_set) {
		pp.action = h->action;
	} else {
		pp.action.kind = ACT_FORWARD;
		pp.action.vpid = sc->n_maps ? (uint16_t)sc->maps[0].vpid : 0;
	}
	pp.out_ppid = pp.action.kind == ACT_FORWARD ? vpid_ppid(sc, pp.action.vpid)
						    : UINT32_MAX;
	pp.spend = spend;
	pp.handled = handled;
	pp.released = fpag_released;
	pp.ctx = this;
	return static_prog_create(&pp, &prog, err);
}

/* ---- the program's hooks --------------------------------------------------- */

void host_module::spend(void *ctx, uint64_t ns)
{
	((host_module *)ctx)->t_h += ns * 1000;
}

void host_module::handled(void *ctx, const struct static_prog_handled *h)
{
	host_module *m = (host_module *)ctx;

	m->rs->trip_handled(h->seq, h->installed, h->packet_out, m->rs->host_seen,
			    h->queued);
}

void host_module::fpag_handled(void *ctx, const struct fpag_prog_handled *h)
{
	host_module *m = (host_module *)ctx;

	if (m->oracle)
		oracle_host_handled(m->oracle, h->seq, m->rs->run_ns(m->t_h), h->queued);

	m->rs->trip_handled(h->seq, h->entry_writes, h->packet_outs > 0,
			    m->rs->host_seen, h->queued);
}

/* A queued miss's PACKET_OUT, posted on its entry's landed marker: it
 * takes its place in the posting order now. */
void host_module::fpag_released(void *ctx, uint32_t seq)
{
	((host_module *)ctx)->rs->trip_po_posted(seq);
}

/* What the host finally sent for the miss of event seq (the oracle). */
void host_module::fpag_packet_out(void *ctx, uint32_t seq, const struct nic_cmd *c)
{
	host_module *m = (host_module *)ctx;
	struct pnic_error err;
	int rc = oracle_host_sent(m->oracle, seq, c->packet.ppid, c->packet.frame,
				  c->packet.len, &err);

	if (rc < 0)
		m->rs->fail(rc, err);
}

/* A timed action ran: its repair is complete when the NIC has applied
 * its last command (the mailbox applies commands in posting order). */
void host_module::fpag_done(void *ctx, const struct fpag_prog_done *d)
{
	host_module *m = (host_module *)ctx;
	struct system_action a = {};

	a.index = d->action;
	a.at_ps = m->rs->setup_ps + d->at_ns * 1000;
	a.ran_ps = m->t_h;
	a.cmds = d->cmds;
	a.status = d->status;
	a.repaired_ps = NEVER;
	m->rs->action_posted(a, d->last_cmd ? m->rs->cmd_base + d->last_cmd : 0);
}

/* ---- TLM ----------------------------------------------------------------- */

uint64_t host_module::transport(tlm::tlm_command cmd, uint32_t off,
				uint32_t *v)
{
	uint64_t base = now_ps();
	sc_time d = sc_time::from_value(t_h > base ? t_h - base : 0);

	tp.set_command(cmd);
	tp.set_address(off);
	tp.set_data_ptr((unsigned char *)v);
	tp.set_data_length(4);
	tp.set_streaming_width(4);
	tp.set_byte_enable_ptr(nullptr);
	tp.set_dmi_allowed(false);
	tp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
	bar->b_transport(tp, d);
	return base + d.value();
}

void host_module::bar_write(void *ctx, uint32_t off, uint32_t value)
{
	host_module *h = (host_module *)ctx;
	uint64_t landed = h->transport(tlm::TLM_WRITE_COMMAND, off, &value);

	h->last_act = std::max(h->last_act, h->t_h);
	if (off == MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_DOORBELL)
		h->rs->trip_doorbell(h->t_h, landed);
}

/* A read is a round trip: the host waits for its data. */
uint32_t host_module::bar_read(void *ctx, uint32_t off)
{
	host_module *h = (host_module *)ctx;
	uint32_t v = 0;

	h->t_h = h->transport(tlm::TLM_READ_COMMAND, off, &v);
	return v;
}

void host_module::mem_transport(tlm::tlm_generic_payload &t, sc_time &d)
{
	uint64_t at = now_ps() + d.value();
	uint64_t addr = t.get_address();
	uint32_t len = t.get_data_length();

	if (addr >= MSI_ADDR) {
		irqs.insert(std::upper_bound(irqs.begin(), irqs.end(), at), at);
		t.set_response_status(tlm::TLM_OK_RESPONSE);
		return;
	}
	if (addr < HOST_DMA || addr - HOST_DMA > mem.size() ||
	    len > mem.size() - (addr - HOST_DMA)) {
		t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
		return;
	}
	if (t.is_write()) {
		const uint8_t *p = t.get_data_ptr();

		if (wbuf.size() > WBUF_COMPACT)
			wbuf_compact();
		/* Two engines write: keep the writes in landing order. */
		auto pos = std::upper_bound(writes.begin(), writes.end(), at,
					    [](uint64_t a, const mem_write &w) {
						    return a < w.at;
					    });

		writes.insert(pos, { at, addr - HOST_DMA, wbuf.size(), len });
		wbuf.insert(wbuf.end(), p, p + len);
	} else {
		memcpy(t.get_data_ptr(), &mem[addr - HOST_DMA], len);
	}
	t.set_response_status(tlm::TLM_OK_RESPONSE);
}

void host_module::result(struct system_result *res)
{
	if (drv)
		res->drv = *mbox_drv_stats(drv);
	if (prog)
		res->prog = *static_prog_stats(prog);
	if (fprog) {
		if (rs->p->fpag_end)
			rs->p->fpag_end(rs->p->ctx, fpag_prog_fpag(fprog));
		res->fpag_ran = true;
		res->fprog = *fpag_prog_stats(fprog);
		res->fpag = *fpag_stats(fpag_prog_fpag(fprog));
	}
	finish_oracle(res);
	res->skipped_polls = skipped_polls;
}

}  // namespace pnic_sc
