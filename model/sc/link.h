/* The PCIe link as a TLM-2.0 interconnect (C++, model/sc/).
 *
 * Two paths, each a target socket in and an initiator socket out:
 * downstream carries the host's BAR accesses to the pNIC, upstream the
 * pNIC's DMA and MSI-X writes to host memory.  Every b_transport is
 * loosely timed: the delay it comes with is the initiator's local time
 * offset, the link asks model/pcie for the transfer at that absolute time
 * and forwards with the delay at which it completes at the far end.  The
 * link decides nothing else (STYLE: the SystemC layer is wiring and time).
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
	tlm_utils::simple_target_socket<link_module> from_host, from_nic;
	tlm_utils::simple_initiator_socket<link_module> to_nic, to_host;

	link_module(sc_core::sc_module_name name, struct pcie_link *l)
		: sc_module(name), from_host("from_host"), from_nic("from_nic"),
		  to_nic("to_nic"), to_host("to_host"), link(l)
	{
		from_host.register_b_transport(this, &link_module::down);
		from_nic.register_b_transport(this, &link_module::up);
	}

private:
	struct pcie_link *link;

	static uint64_t ask(const sc_core::sc_time &delay)
	{
		return now_ps() + delay.value();
	}
	static void set(sc_core::sc_time &delay, uint64_t done)
	{
		delay = sc_core::sc_time::from_value(done - now_ps());
	}

	/* A BAR write is posted (one-way); a BAR read is a round trip. */
	void down(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
	{
		uint64_t at = ask(delay);

		if (t.is_write())
			set(delay, pcie_link_mmio_write(link, at, t.get_data_length()));
		else
			set(delay, at + (uint64_t)pcie_link_params(link)->read_rtt_ns * 1000);
		to_nic->b_transport(t, delay);
	}

	void up(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
	{
		uint64_t at = ask(delay);

		if (t.get_address() >= MSI_ADDR)
			set(delay, pcie_link_interrupt(link, at));
		else if (t.is_write())
			set(delay, pcie_link_dma_write(link, at, t.get_data_length()));
		else
			set(delay, pcie_link_dma_read(link, at, t.get_data_length()));
		to_host->b_transport(t, delay);
	}
};

}  // namespace pnic_sc

#endif
