/* The pNIC as a SystemC module (C++, model/sc/): the cycle-level pipeline
 * (model/pipeline.h), the mailbox device (model/mbox_dev.h) and one
 * source per scenario input (io/traffic.h).
 *
 * The module has no thread of its own: the system's coordinator calls
 * run(horizon) once per epoch, and the module does everything that
 * happens before the horizon in time order, entering the SystemC kernel
 * never.  Its BAR is a TLM target socket (register writes are queued with
 * the time they land and applied at it); its DMA and MSI-X go out through
 * a TLM initiator socket, annotated with the device engine's local time.
 * Two engines keep their own time: the command engine (doorbell ->
 * descriptor fetch -> apply -> completion) and the event engine (to-host
 * queue -> receive buffer and event entry -> interrupt).  An interrupt
 * lowers the horizon to its landing plus the lookahead: the host, woken
 * by it, can reach the NIC no earlier.
 */
#ifndef PNIC_SC_PNIC_H
#define PNIC_SC_PNIC_H

#include <deque>
#include <vector>

extern "C" {
#include "io/traffic.h"
}
#include "model/sc/link.h"

namespace pnic_sc {

struct source {
	struct traffic *t = nullptr;
	struct traffic_pkt pkt {};
	bool has = false;       /* pkt holds the next frame */
	uint64_t retry = NEVER; /* refused (-ENOBUFS): give it again then */
};

struct bar_write {
	uint64_t at;
	uint32_t off, value;
};

class pnic_module : public sc_core::sc_module {
public:
	tlm_utils::simple_target_socket<pnic_module> bar;
	/* DMA and MSI-X of the command engine and of the event engine. */
	tlm_utils::simple_initiator_socket<pnic_module> dma_cmd, dma_evt;

	pnic_module(sc_core::sc_module_name name, run_state *rs);
	~pnic_module() override;

	int init(struct pnic_error *err);
	/* Program the scenario straight into the pipeline (no host). */
	int program_direct(struct pnic_error *err);
	void start_sources(uint64_t at_ps)
	{
		rs->setup_ps = at_ps;
		rs->setup_wall = wall_now();
		if (rs->p->start)
			rs->p->start(rs->p->ctx, at_ps);
	}
	/* Everything before horizon; returns the horizon, lowered by the
	 * interrupts raised. */
	uint64_t run(uint64_t horizon);
	/* The earliest time anything of the NIC's own happens, or NEVER. */
	uint64_t next_ps();
	/* Whether traffic is still to come or in the pipeline: what the host
	 * program's recurring timers run for (aging sweeps alone do not). */
	bool carrying() const;
	/* Bring windows and the pipeline up to the end of the run. */
	void finish(uint64_t end_ps);
	void result(struct system_result *res);
	int check(struct pnic_error *err);

	struct pipeline *pl = nullptr;
	struct mbox_dev *dev = nullptr;
	uint64_t last_ps = 0;        /* the latest time the NIC acted */

private:
	run_state *rs;
	std::vector<source> src;
	std::deque<bar_write> bars;
	uint64_t t_cmd = 0, t_evt = 0;
	uint64_t t_timer = 0;        /* a moderation holdoff's end */
	uint64_t *cur = &t_cmd;      /* the engine the DMA callbacks time */
	bool evt_engine = false;     /* which of the two is at work */
	uint64_t horizon = NEVER;
	bool need_service = false;
	enum mbox_dev_wait dev_wait = MBOX_DEV_IDLE;
	uint64_t irq_timer[MBOX_IRQ_VECTORS] = { NEVER, NEVER };
	uint64_t last_land = 0;      /* the latest DMA write's landing */
	uint64_t chunk_ps;           /* longest pipeline step between drains */
	uint64_t backlog_ps;         /* a refused port's wire stays busy this long */
	uint64_t upcalls = 0;        /* packets popped from the to-host queue */
	/* Whether a flow's packets leave in their arrival order
	 * (model/order_check.h): the ordering guarantee's measure. */
	struct order_check *order = nullptr;
	uint64_t other_events = 0;   /* flow-end and aged events popped */
	uint64_t event_faults = 0;   /* events lost to a DMA fault */
	uint64_t packet_outs_seen = 0;
	bool in_sink = false;
	bool evt_stalled = false;    /* an event without a packet waits for
				      * the event ring (drain) */
	/* windows */
	uint64_t win_start = 0, win_next = NEVER;
	struct system_window win_base {};
	tlm::tlm_generic_payload tp;

	int make_pipeline(struct pnic_error *err);
	void open_sources(struct pnic_error *err, int *rc);
	uint64_t step_target(uint64_t t, bool drain_ok);
	bool stopped();
	void feed(uint64_t t);
	void give(source &s);
	void advance(uint64_t t, bool drain_ok);
	void step_pipeline(uint64_t c);
	void drain();
	void windows_upto(uint64_t t);
	void window_counts(struct system_window *w);
	uint64_t next_external();
	void apply_bars(uint64_t t);
	void handle(uint64_t t);
	void service(uint64_t t);
	void timers(uint64_t t);
	void arm_timers(uint64_t t);
	int transport(tlm::tlm_command cmd, uint64_t addr, void *buf,
		      uint32_t len, uint64_t *land);
	void bar_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &d);

	static int dma_read(void *ctx, uint64_t addr, void *buf, uint32_t len);
	static int dma_write(void *ctx, uint64_t addr, const void *buf,
			     uint32_t len);
	static void irq(void *ctx, unsigned v);
	static int sink_submit(void *ctx, const struct nic_cmd *c,
			       struct nic_cmd_result *res,
			       struct pnic_error *err);
	static void on_egress(void *ctx, const struct pipeline_egress *e);
	static void on_record(void *ctx, const struct pipeline_record *r);
	/* The correctness oracle's view (rs->oracle): arrivals as given,
	 * decisions as the pipeline and the mailbox make them. */
	uint64_t given = 0;          /* arrivals the pipeline took: the next id */
	void note_arrival(const struct traffic_pkt &p, uint64_t first_bit);
	void note_to_host(const struct pipeline_upcall &u, uint64_t seq, int rc);
	std::vector<uint64_t> miss_last;   /* arrival_last by id, for trips */
};

}  // namespace pnic_sc

#endif
