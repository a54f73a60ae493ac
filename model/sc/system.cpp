/* system_run(): the SystemC system's elaboration, its coordinator and the
 * C entry point (see system.h; the argument is in docs/system.md). */
#include "model/sc/system.h"

#include <errno.h>
#include <stdlib.h>

#include <algorithm>
#include <memory>

#include "model/sc/host.h"
#include "model/sc/pnic.h"

/* libsystemc's main() calls sc_main(); pnicsim has its own main() and
 * enters the kernel through system_run(), so this is never called. */
int sc_main(int, char **)
{
	return 1;
}

namespace pnic_sc {

constexpr size_t TRIP_RING = 4096;

/* ---- miss round trips ------------------------------------------------------ */

void run_state::trip_begin(uint32_t seq, uint64_t id, uint32_t in_port,
			   uint64_t arrival_last, uint64_t to_host,
			   uint64_t event_landed)
{
	trip_slot &s = trips[seq % trips.size()];

	s = {};
	s.used = true;
	s.seq = seq;
	s.t = { id, in_port, arrival_last, to_host, event_landed, NEVER, NEVER,
		NEVER, NEVER, NEVER };
}

/* A miss handled with `writes` ENTRY_WRITEs (an install and the moves
 * placing it): its install is done when the last of them lands. */
void run_state::trip_handled(uint32_t seq, uint32_t writes, bool packet_out,
			     uint64_t seen, bool queued)
{
	trip_slot *s = trip(seq);

	for (uint32_t i = 0; i < writes; i++)
		install_seq[install_posted++ % install_seq.size()] = seq;
	if (packet_out)
		po_seq[po_posted++ % po_seq.size()] = seq;
	if (!s)
		return;
	s->t.host_seen = seen;
	s->want_install = writes > 0;
	s->writes_left = writes;
	s->want_packet_out = packet_out || queued;
	await_doorbell.push_back(seq);
}

void run_state::trip_doorbell(uint64_t host_done, uint64_t landed)
{
	for (uint32_t seq : await_doorbell) {
		trip_slot *s = trip(seq);

		if (s) {
			s->t.host_done = host_done;
			s->t.doorbell = landed;
			trip_finish(s);
		}
	}
	await_doorbell.clear();
}

/* The miss whose install (or packet-out) is the next in posting order. */
trip_slot *run_state::trip_next(const std::vector<uint32_t> &ring,
				uint64_t *seen, uint64_t posted)
{
	if (*seen >= posted)
		return nullptr;
	return trip(ring[(*seen)++ % ring.size()]);
}

/* A queued miss's packet-out posted (the ordering guarantee holds it
 * until its entry's landed marker). */
void run_state::trip_po_posted(uint32_t seq)
{
	po_seq[po_posted++ % po_seq.size()] = seq;
}

void run_state::trip_installed(uint64_t at)
{
	trip_slot *s = trip_next(install_seq, &install_seen, install_posted);

	if (s) {
		s->t.installed = at;
		s->done_install = s->writes_left <= 1;
		s->writes_left -= s->writes_left > 0;
		trip_finish(s);
	}
}

void run_state::trip_packet_out(uint64_t departed)
{
	trip_slot *s = trip_next(po_seq, &po_seen, po_posted);

	if (s) {
		s->t.packet_out_departed = departed;
		s->done_packet_out = true;
		trip_finish(s);
	}
}

void run_state::action_posted(const struct system_action &a, uint64_t last_cmd)
{
	if (last_cmd == 0 || last_cmd <= cmds_applied) {
		struct system_action done = a;

		/* Nothing to apply: in effect when it ran, unless refused. */
		done.repaired_ps = a.status == 0 ? a.ran_ps : NEVER;
		action_report(done);
		return;
	}
	actions_wait.emplace_back(last_cmd, a);
}

void run_state::cmd_applied(uint64_t at)
{
	cmds_applied++;
	while (!actions_wait.empty() && actions_wait.front().first <= cmds_applied) {
		struct system_action a = actions_wait.front().second;

		a.repaired_ps = at;
		action_report(a);
		actions_wait.pop_front();
	}
}

/* A timed action is in effect: the caller hears of it, and the oracle
 * takes its window (a refused one changed nothing). */
void run_state::action_report(const struct system_action &a)
{
	actions_done++;
	if (oracle && a.status == 0)
		oracle_window(oracle, a.index, run_ns(a.at_ps), run_ns(a.repaired_ps));
	if (p->action)
		p->action(p->ctx, &a);
}

void run_state::trip_finish(trip_slot *s)
{
	if (s->t.doorbell == NEVER || (s->want_install && !s->done_install) ||
	    (s->want_packet_out && !s->done_packet_out))
		return;
	trips_done++;
	if (p->miss)
		p->miss(p->ctx, &s->t);
	s->used = false;
}

/* ---- the coordinator ------------------------------------------------------- */

class top_module : public sc_core::sc_module {
public:
	pnic_module nic;
	link_module link;
	std::unique_ptr<host_module> host;
	uint64_t epochs = 0, skipped_ps = 0, end_ps = 0;
	double nic_s = 0;

	SC_HAS_PROCESS(top_module);
	top_module(sc_core::sc_module_name name, run_state *r,
		   struct pcie_link *const l[link_module::N_LINKS])
		: sc_module(name), nic("pnic", r), link("link", l), rs(r)
	{
		link.to_nic.bind(nic.bar);
		nic.dma_cmd.bind(link.from_cmd);
		nic.dma_evt.bind(link.from_evt);
		if (r->p->host.enabled) {
			host.reset(new host_module("host", r, &nic));
			host->bar.bind(link.from_host);
			link.to_host.bind(host->mem_t);
		} else {
			sink_mem.reset(new tlm_utils::simple_target_socket<top_module>("no_host_mem"));
			sink_host.reset(new tlm_utils::simple_initiator_socket<top_module>("no_host_bar"));
			link.to_host.bind(*sink_mem);
			sink_host->bind(link.from_host);
		}
		SC_THREAD(coordinate);
	}

private:
	run_state *rs;
	/* With no host, the link's host ends are tied off. */
	std::unique_ptr<tlm_utils::simple_target_socket<top_module>> sink_mem;
	std::unique_ptr<tlm_utils::simple_initiator_socket<top_module>> sink_host;

	uint64_t host_wake();
	uint64_t epoch(uint64_t h);
	bool over(uint64_t next);
	void coordinate();
	void end();
};

/* The host's next action (NEVER: asleep until the NIC wakes it). */
uint64_t top_module::host_wake()
{
	return host ? host->pending_wake() : NEVER;
}

/* One epoch: the NIC up to the horizon, then the host up to where the
 * NIC stopped.  Returns the epoch's end. */
uint64_t top_module::epoch(uint64_t h)
{
	double t0 = wall_now();

	h = nic.run(h);
	nic_s += wall_now() - t0;
	if (host && !host->ended && host->pending_wake() < h) {
		host->epoch_end = h;
		host->go.notify();
		wait(host->done);
	}
	epochs++;
	return h;
}

bool top_module::over(uint64_t next)
{
	const struct system_params *p = rs->p;

	if (rs->error || rs->interrupted)
		return true;
	if (next == NEVER)
		return true;
	return p->stop_ps && next >= p->stop_ps;
}

void top_module::coordinate()
{
	const struct system_params *p = rs->p;
	struct pnic_error err {};
	int rc;

	wait(sc_core::SC_ZERO_TIME);
	if (!host) {
		double t0 = wall_now();

		rc = nic.program_direct(&err);
		nic_s += wall_now() - t0;
		if (rc < 0) {
			rs->fail(rc, err);
			end();
			return;
		}
		nic.start_sources(rs->ps(pipeline_now(nic.pl)));
	}
	for (;;) {
		uint64_t t = now_ps(), h, next;

		h = sat_add(host_wake(), rs->lookahead_ps);
		if (p->quantum_ps)
			h = std::min(h, sat_add(t, p->quantum_ps));
		if (p->stop_ps)
			h = std::min(h, p->stop_ps);
		h = epoch(h);
		next = std::min(nic.next_ps(), host_wake());
		if (over(next))
			break;
		next = std::max(h, next);
		skipped_ps += next - h;
		wait(sc_core::sc_time::from_value(next - t));
	}
	end();
}

void top_module::end()
{
	rs->finished = true;
	if (host && !host->ended) {
		host->go.notify();
		wait(host->done);
	}
	/* The run ends with the last thing that happened: the same whatever
	 * the epochs were. */
	end_ps = std::max(nic.last_ps, host ? host->last_ps() : 0);
	if (rs->p->stop_ps)
		end_ps = std::min(end_ps, rs->p->stop_ps);
	double t0 = wall_now();

	nic.finish(end_ps);
	nic_s += wall_now() - t0;
}

}  // namespace pnic_sc

using namespace pnic_sc;

void system_params_default(struct system_params *p)
{
	struct pipeline_params pp;

	*p = {};
	pipeline_params_default(&pp);
	p->clock_hz = pp.clock_hz;
	p->timing = pp.timing;
	p->bounds = pp.bounds;
	p->host.enabled = true;
	p->host.mode = SYSTEM_HOST_IRQ;
	p->host.poll_interval_ns = 1000;
	static_prog_costs_default(&p->host.costs);
	p->host.install = true;
	p->host.hold = true;
}

static int check_params(const struct system_params *p, struct pnic_error *err)
{
	int rc;

	if (!p->scenario)
		return pnic_err(err, EINVAL, "system: no scenario");
	if ((rc = pcie_validate(&p->scenario->pcie, err)) < 0)
		return rc;
	if (p->scenario->pcie.write_ns == 0)
		return pnic_err(err, EINVAL,
				"system: pcie write_ns 0 leaves no lookahead; the host and the NIC could not run apart");
	if (p->host.mode == SYSTEM_HOST_POLL && p->host.poll_interval_ns == 0)
		return pnic_err(err, EINVAL, "system: host poll_interval_ns must be at least 1");
	if (p->host.mode != SYSTEM_HOST_POLL && p->host.mode != SYSTEM_HOST_IRQ)
		return pnic_err(err, EINVAL, "system: host mode %d is not irq or poll",
				(int)p->host.mode);
	if (p->oracle && (!p->host.enabled ||
			  p->scenario->host.program != SCENARIO_PROGRAM_FPAG))
		return pnic_err(err, EINVAL, "system: the correctness oracle (run.oracle) needs host.program: fpag, whose slow path it runs alone");
	if (p->window_ps && !p->window)
		return pnic_err(err, EINVAL, "system: window_ps given without a window callback");
	return 0;
}

static void silence_banner()
{
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
	sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated",
						sc_core::SC_DO_NOTHING);
}

/* The modules live until the process ends: SystemC elaborates once. */
static top_module *g_top;
static struct pcie_link *g_link[link_module::N_LINKS];
static run_state *g_rs;

static void collect(struct system_result *res, double wall, double loop)
{
	top_module *top = g_top;
	double model = top->nic_s + (top->host ? top->host->active_s : 0);

	top->nic.result(res);
	if (top->host)
		top->host->result(res);
	for (struct pcie_link *l : g_link) {
		const struct pcie_link_stats *s = pcie_link_stats(l);

		res->link.up_bytes += s->up_bytes;
		res->link.down_bytes += s->down_bytes;
		res->link.up_busy_ps += s->up_busy_ps;
		res->link.down_busy_ps += s->down_busy_ps;
		res->link.dma_writes += s->dma_writes;
		res->link.dma_reads += s->dma_reads;
		res->link.mmio_writes += s->mmio_writes;
		res->link.interrupts += s->interrupts;
		res->link.dma_write_bytes += s->dma_write_bytes;
		res->link.dma_read_bytes += s->dma_read_bytes;
	}
	res->miss_trips = g_rs->trips_done;
	res->actions_done = g_rs->actions_done;
	res->setup_ps = g_rs->setup_ps == NEVER ? 0 : g_rs->setup_ps;
	res->sim_ps = top->end_ps;
	res->cycles = g_rs->cycles(top->end_ps);
	res->epochs = top->epochs;
	res->skipped_ps = top->skipped_ps;
	res->wall_s = wall;
	res->traffic_wall_s = g_rs->setup_wall ? wall_now() - g_rs->setup_wall : 0;
	res->model_s = model;
	res->kernel_share = loop > 0 ? std::max(0.0, 1.0 - model / loop) : 0;
	res->interrupted = g_rs->interrupted;
}

extern "C" int system_run(const struct system_params *p,
			  struct system_result *res, struct pnic_error *err)
{
	static bool used;
	double t0 = wall_now(), t1;
	int rc;

	*res = {};
	if (used)
		return pnic_err(err, EALREADY,
				"system: SystemC elaborates once per process; run each system in its own process");
	if ((rc = check_params(p, err)) < 0)
		return rc;
	used = true;
	silence_banner();
	g_rs = new run_state();
	g_rs->p = p;
	g_rs->set_clock(p->clock_hz);
	g_rs->lookahead_ps = (uint64_t)p->scenario->pcie.write_ns * 1000;
	g_rs->first_index = scenario_entries_end(p->scenario);
	g_rs->trips.resize(TRIP_RING);
	g_rs->install_seq.resize(TRIP_RING);
	g_rs->po_seq.resize(TRIP_RING);
	for (struct pcie_link *&l : g_link)
		if ((rc = pcie_link_create(&p->scenario->pcie, &l, err)) < 0)
			return rc;
	g_top = new top_module("system", g_rs, g_link);
	if ((rc = g_top->nic.init(err)) < 0)
		return rc;
	t1 = wall_now();
	sc_core::sc_start();
	collect(res, wall_now() - t0, wall_now() - t1);
	if (g_rs->error) {
		*err = g_rs->err;
		return g_rs->error;
	}
	return g_top->nic.check(err);
}
