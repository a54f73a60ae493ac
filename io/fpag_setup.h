/* fpag_setup: a scenario's FPAG sections (topology, rules, fpag, events;
 * io/scenario.h) turned into what host/fpag_prog takes: the rule set
 * (the firewall list, then the ClassBench file's rules, then the routes:
 * each VNIC's addresses as /128 (IPv4 as ::ffff:a.b.c.d/128) to the VNIC,
 * each uplink's prefixes to the uplink, the default route), the topology
 * arrays, the timed actions and the FPAG's parameters.  The setup owns
 * what it made; fpag_setup_free() frees it.  Edge code (reads the
 * ClassBench file). */
#ifndef PNICSIM_FPAG_SETUP_H
#define PNICSIM_FPAG_SETUP_H

#include "host/fpag_prog.h"
#include "io/scenario.h"

struct fpag_setup {
	struct ruleset *rules;
	struct fpag_vnic *vnics;
	struct fpag_uplink *uplinks;
	struct fpag_remote_host *rhosts;
	struct fpag_remote_vm *rvms;
	struct fpag_prog_action *actions;
	uint32_t n_actions;
	/* profile, depth, n_ports, topology, rules, policies and costs; the
	 * caller adds the callbacks (fpag_prog sets the sink). */
	struct fpag_params fpag;
};

/* 0, or a negative errno naming the scenario and what failed (a
 * ClassBench file that cannot be read, too few VPIDs in vpid_map). */
int fpag_setup_create(const struct scenario *c, struct fpag_setup *out,
		      struct pnic_error *err);
void fpag_setup_free(struct fpag_setup *s);

#endif
