/* The PCIe link as a TLM-2.0 interconnect (C++, model/sc/).
 *
 * Two paths, each a target socket in and an initiator socket out:
 * downstream carries the host's BAR accesses to the pNIC, upstream the
 * pNIC's DMA and MSI-X writes to host memory.  Every b_transport is
 * loosely timed: the delay it comes with is the initiator's local time
 * offset, the link asks model/pcie for the transfer at that absolute time
 * and forwards with the delay at which it completes at the far end.  The
 * link decides nothing else (STYLE: the SystemC layer is wiring and time).
 *
 * Three initiators use the link, each with its own occupancy (one
 * model/pcie link each): the host's register writes, the pNIC's command
 * engine (descriptor and packet-out reads, completions) and its event
 * engine (receive descriptors, miss frames, events, interrupts).  Each
 * asks in its own time order, so every answer is the same whatever the
 * epochs; what is given up is the contention between them on a shared
 * direction, a few hundred bytes per miss against tens of GB/s
 * (docs/system.md).
 */
#ifndef PNIC_SC_LINK_H
#define PNIC_SC_LINK_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "model/sc/run_state.h"

namespace pnic_sc {

inline uint64_t now_ps()
{
	return sc_core::sc_time_stamp().value();
}

class link_module : public sc_core::sc_module {
public:
	enum { HOST = 0, NIC_CMD, NIC_EVT, N_LINKS };

	tlm_utils::simple_target_socket<link_module> from_host, from_cmd, from_evt;
	tlm_utils::simple_initiator_socket<link_module> to_nic, to_host;

	link_module(sc_core::sc_module_name name, struct pcie_link *const l[N_LINKS])
		: sc_module(name), from_host("from_host"), from_cmd("from_cmd"),
		  from_evt("from_evt"), to_nic("to_nic"), to_host("to_host"),
		  link{ l[0], l[1], l[2] }
	{
		from_host.register_b_transport(this, &link_module::down);
		from_cmd.register_b_transport(this, &link_module::up_cmd);
		from_evt.register_b_transport(this, &link_module::up_evt);
	}

private:
	struct pcie_link *link[N_LINKS];

	/* The delay as an absolute time, and back: time does not pass inside
	 * a b_transport, so `now` is read once (sc_time_stamp() is a call
	 * into the kernel, several a miss). */
	static void set(sc_core::sc_time &delay, uint64_t now, uint64_t done)
	{
		delay = sc_core::sc_time::from_value(done - now);
	}

	/* A BAR write is posted (one-way); a BAR read is a round trip. */
	void down(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
	{
		uint64_t now = now_ps(), at = now + delay.value();

		if (t.is_write())
			set(delay, now, pcie_link_mmio_write(link[HOST], at, t.get_data_length()));
		else
			set(delay, now, at + (uint64_t)pcie_link_params(link[HOST])->read_rtt_ns * 1000);
		to_nic->b_transport(t, delay);
	}

	void up(struct pcie_link *l, tlm::tlm_generic_payload &t,
		sc_core::sc_time &delay)
	{
		uint64_t now = now_ps(), at = now + delay.value();

		if (t.get_address() >= MSI_ADDR)
			set(delay, now, pcie_link_interrupt(l, at));
		else if (t.is_write())
			set(delay, now, pcie_link_dma_write(l, at, t.get_data_length()));
		else
			set(delay, now, pcie_link_dma_read(l, at, t.get_data_length()));
		to_host->b_transport(t, delay);
	}
	void up_cmd(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
	{
		up(link[NIC_CMD], t, delay);
	}
	void up_evt(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
	{
		up(link[NIC_EVT], t, delay);
	}
};

}  // namespace pnic_sc

#endif
