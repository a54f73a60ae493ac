/* The host as a SystemC module (C++, model/sc/): host memory, the
 * mailbox driver (host/mbox_drv.h) and the host program — the static one
 * (host/static_prog.h) or the FPAG (host/fpag_prog.h), as the scenario's
 * host.program says — run by one SC_THREAD.
 *
 * Host memory is a byte array and the TLM target the pNIC's DMA reaches
 * through the link: a DMA write is kept with the time it lands and
 * applied when the host's local time reaches it, a read is answered at
 * once (the mailbox's ownership rules make that exact: docs/system.md),
 * an MSI-X write is an interrupt at its landing.  The driver's register
 * accesses leave through a TLM initiator socket, annotated with the
 * host's local time; the host's CPU costs advance that time.  The thread
 * gives control back to the coordinator only where the driver or the
 * program waits (for an interrupt or the next poll) and only when that
 * wait ends past the current epoch.
 */
#ifndef PNIC_SC_HOST_H
#define PNIC_SC_HOST_H

#include <deque>
#include <vector>

extern "C" {
#include "host/fpag_prog.h"
#include "host/static_prog.h"
#include "io/fpag_setup.h"
}
#include "model/sc/link.h"

namespace pnic_sc {

class pnic_module;

/* A DMA write on its way into host memory: its bytes wait in the
 * host's write arena (wbuf) from pos, so that a write costs no
 * allocation. */
struct mem_write {
	uint64_t at, off;
	size_t pos;
	uint32_t len;
};

class host_module : public sc_core::sc_module {
public:
	tlm_utils::simple_initiator_socket<host_module> bar;
	tlm_utils::simple_target_socket<host_module> mem_t;
	sc_core::sc_event go, done;
	uint64_t epoch_end = 0;
	bool ended = false;          /* the thread has returned */
	double active_s = 0;         /* wall time while resumed */
	double resumed_at = 0;

	SC_HAS_PROCESS(host_module);
	host_module(sc_core::sc_module_name name, run_state *rs, pnic_module *nic);
	~host_module() override;

	/* When the host acts next on its own (NEVER: waits for an
	 * interrupt not yet raised). */
	uint64_t pending_wake() const;
	uint64_t own_wake(uint64_t w) const;
	uint64_t last_ps() const { return last_act; }
	void result(struct system_result *res);

private:
	run_state *rs;
	pnic_module *nic;
	std::vector<uint8_t> mem;
	std::deque<mem_write> writes;
	std::vector<uint8_t> wbuf;            /* the writes' bytes */
	std::deque<uint64_t> irqs;
	struct mbox_drv *drv = nullptr;
	struct static_prog *prog = nullptr;
	struct fpag_prog *fprog = nullptr;    /* host.program: fpag */
	struct fpag_setup fsetup {};
	/* The correctness oracle's own setup (its decider changes its rule
	 * set) and the oracle (rs->oracle), params.oracle only. */
	struct fpag_setup osetup {};
	struct oracle *oracle = nullptr;
	bool in_program = false;              /* inside a poll of the program */
	/* The program's next timed action and next deadline (own_wake), read
	 * again after each poll, the only calls that move them: the
	 * coordinator asks many times between two polls, and the FPAG's
	 * deadline walks conntrack's timer lists. */
	mutable uint64_t own_action_ns = UINT64_MAX, own_next_ns = UINT64_MAX;
	mutable bool own_stale = true;
	uint64_t t_h = 0;            /* local time, ps */
	uint64_t poll_at = 0;        /* poll mode: the next poll */
	uint64_t poll_step = 1;
	uint64_t skipped_polls = 0;
	uint64_t last_act = 0;       /* the last register write */
	bool busy = false;           /* the last poll took events */
	bool started = false;
	uint64_t setup_cpl_errors = 0;
	tlm::tlm_generic_payload tp;

	void main();
	int setup(struct pnic_error *err);
	int program(struct pnic_error *err);
	int start_program(struct pnic_error *err);
	int start_static(struct pnic_error *err);
	int start_fpag(struct pnic_error *err);
	int start_oracle(struct pnic_error *err);
	void finish_oracle(struct system_result *res);
	int drain(struct pnic_error *err);
	int poll_program(struct pnic_error *err);
	int host_wait();
	int yield();
	void apply(uint64_t t);
	static constexpr size_t WBUF_COMPACT = 1u << 20;
	void wbuf_compact();
	uint64_t transport(tlm::tlm_command cmd, uint32_t off, uint32_t *v);
	void mem_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &d);

	static void bar_write(void *ctx, uint32_t off, uint32_t value);
	static uint32_t bar_read(void *ctx, uint32_t off);
	static int drv_wait(void *ctx);
	static void spend(void *ctx, uint64_t ns);
	static void handled(void *ctx, const struct static_prog_handled *h);
	static void fpag_handled(void *ctx, const struct fpag_prog_handled *h);
	static void fpag_released(void *ctx, uint32_t seq);
	static void fpag_done(void *ctx, const struct fpag_prog_done *d);
	static void fpag_packet_out(void *ctx, uint32_t seq, const struct nic_cmd *c);
	static int batch_submit(void *ctx, const struct nic_cmd *c,
				struct nic_cmd_result *res,
				struct pnic_error *err);
};

}  // namespace pnic_sc

#endif
