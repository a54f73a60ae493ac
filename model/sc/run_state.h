/* What the SystemC modules of one run share (C++ only, model/sc/): the
 * caller's parameters, the clock conversion in picoseconds, the
 * lookahead, the miss round trips being followed and the time spent in
 * the C blocks.  See system.h for the design and docs/system.md for the
 * synchronisation argument. */
#ifndef PNIC_SC_RUN_STATE_H
#define PNIC_SC_RUN_STATE_H

#include <time.h>

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "model/sc/system.h"

namespace pnic_sc {

constexpr uint64_t NEVER = UINT64_MAX;
/* Where the device's MSI-X writes go: past any host memory. */
constexpr uint64_t MSI_ADDR = 0xfee00000ull << 20;
/* The DMA address of host memory. */
constexpr uint64_t HOST_DMA = 0x100000000ull;

inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > NEVER - b ? NEVER : a + b;
}

inline double wall_now()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A miss being followed around the loop, by its event's sequence number. */
struct trip_slot {
	bool used, want_install, want_packet_out, done_install, done_packet_out;
	uint32_t writes_left;        /* ENTRY_WRITEs still to land */
	uint32_t seq;
	struct system_miss_trip t;
};

struct run_state {
	const struct system_params *p;
	uint64_t clock_hz;
	uint64_t lookahead_ps;       /* pcie write_ns: the least one-way latency */
	uint64_t setup_ps = NEVER;   /* when the sources start */
	double setup_wall = 0;       /* and the wall clock then */
	bool finished = false;
	bool interrupted = false;
	double model_s = 0;          /* wall time inside the C blocks */
	int error = 0;               /* the first error of a module */
	struct pnic_error err {};
	uint32_t first_index = 0;    /* entries the host program may use */

	/* Miss round trips: slots by event seq; installs and packet-outs
	 * are matched to misses in the order the host posted them. */
	std::vector<trip_slot> trips;
	std::vector<uint32_t> install_seq, po_seq;
	uint64_t install_posted = 0, install_seen = 0;
	uint64_t po_posted = 0, po_seen = 0;
	uint64_t trips_done = 0;
	uint64_t host_seen = 0;      /* when the host's current poll began */
	/* Polling: the host's next poll and the period after it, as of its
	 * last wait (the NIC runs only while the host waits). */
	uint64_t poll_base = 0, poll_step = 1;

	/* The first poll at or after x. */
	uint64_t poll_grid(uint64_t x) const
	{
		if (x <= poll_base)
			return poll_base;
		return poll_base + (x - poll_base + poll_step - 1) / poll_step * poll_step;
	}

	void trip_begin(uint32_t seq, uint64_t id, uint32_t in_port,
			uint64_t arrival_last, uint64_t to_host,
			uint64_t event_landed);
	/* queued: the packet-out comes later, by trip_po_posted() */
	void trip_handled(uint32_t seq, uint32_t writes, bool packet_out,
			  uint64_t seen, bool queued);
	void trip_po_posted(uint32_t seq);
	void trip_doorbell(uint64_t host_done, uint64_t landed);
	trip_slot *trip_next(const std::vector<uint32_t> &ring, uint64_t *seen,
			     uint64_t posted);
	void trip_installed(uint64_t at);
	void trip_packet_out(uint64_t departed);
	std::vector<uint32_t> await_doorbell;

	/* Timed actions (host.program: fpag): each is repaired when the NIC
	 * has applied its last command.  The device applies the host's
	 * commands in posting order, so the n-th command the pipeline takes
	 * is the host's n-th post (cmd_base: posts before the program). */
	uint64_t cmd_base = 0;
	uint64_t cmds_applied = 0;
	std::deque<std::pair<uint64_t, struct system_action>> actions_wait;
	uint64_t actions_done = 0;
	void action_posted(const struct system_action &a, uint64_t last_cmd);
	void action_report(const struct system_action &a);
	/* The correctness oracle (params.oracle), told of every arrival and
	 * decision; nullptr when off. */
	struct oracle *oracle = nullptr;
	/* ps from the sources' start in ns, for the oracle's clock */
	uint64_t run_ns(uint64_t ps) const
	{
		return ps == NEVER ? UINT64_MAX : ps > setup_ps ? (ps - setup_ps) / 1000 : 0;
	}
	void cmd_applied(uint64_t at);

	/* ps <-> NIC clock edges, exactly: the edge at or after ps; the ps
	 * (rounded down) an edge falls on. */
	/* A clock whose period is a whole number of ps (1 GHz: 1000) takes
	 * a 64-bit multiply or divide instead of the 128-bit ones (a library
	 * call each; several a packet): the same values. */
	uint64_t ps_per_cycle = 0;   /* 0: not whole */
	void set_clock(uint64_t hz)
	{
		clock_hz = hz;
		ps_per_cycle = 1000000000000ull % hz ? 0 : 1000000000000ull / hz;
	}
	uint64_t cycles(uint64_t ps) const
	{
		unsigned __int128 n;

		if (ps_per_cycle)
			return ps / ps_per_cycle + (ps % ps_per_cycle != 0);
		n = (unsigned __int128)ps * clock_hz;
		return (uint64_t)((n + 999999999999ull) / 1000000000000ull);
	}
	uint64_t ps(uint64_t cycles) const
	{
		if (cycles == NEVER)
			return NEVER;
		if (ps_per_cycle && cycles <= UINT64_MAX / ps_per_cycle)
			return cycles * ps_per_cycle;
		return (uint64_t)((unsigned __int128)cycles * 1000000000000ull / clock_hz);
	}
	void fail(int rc, const struct pnic_error &e)
	{
		if (error == 0) {
			error = rc;
			err = e;
		}
	}
	trip_slot *trip(uint32_t seq)
	{
		trip_slot &s = trips[seq % trips.size()];

		return s.used && s.seq == seq ? &s : nullptr;
	}
	void trip_finish(trip_slot *s);
};

}  // namespace pnic_sc

#endif
