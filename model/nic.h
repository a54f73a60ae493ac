/* NIC: the pNIC as one object, made from its parameters, that processes
 * packets and takes commands.
 *
 * The NIC owns its blocks: the lookup (TCAM, action RAM with the encap
 * template store, VPID map; lookup.h) and the functional datapath over it
 * (datapath.h), which owns the flow counters.  Everything that changes a
 * table or a policy arrives as a command (nic_cmd.h): nic_apply()
 * validates it (nic_cmd_validate against the NIC's sizes), then applies
 * it, so a refused command changes nothing and a NIC holds only what
 * commands can make.  nic_sink() hands host code a sink that applies to
 * this NIC in-process; the same host code reaches the RTL (a config-port
 * sink in rtl/cosim) or, later, the mailbox.
 *
 * Untimed: a command takes effect when nic_apply() returns, between
 * packets, at the NIC's current time (the latest packet's timestamp:
 * what an entry's idle time starts from).  The cycle-level layers (the
 * lookup core, the pipeline) decide when; this object decides what.
 *
 * Aging (datapath.h) runs in time order with the packets: before a packet
 * at t, the sweeps up to t; nic_age() runs them up to a time without a
 * packet (the end of a trace, say).  In delete mode the NIC invalidates
 * each entry the sweeps find (as an ENTRY_INVALIDATE would, unless the
 * entry was rewritten since), then reports it.
 *
 * Hold (datapath.h): a table write lands when nic_apply() applies it, so
 * a write with hold reports its LANDED marker through the event callback
 * during nic_apply(), and a release's held packets leave through the out
 * callback during it, in arrival order.
 */
#ifndef PNIC_NIC_H
#define PNIC_NIC_H

#include <stdint.h>

#include "model/datapath.h"
#include "model/error.h"
#include "model/key_profile.h"
#include "model/lookup.h"
#include "model/nic_cmd.h"

struct nic;

struct nic_params {
	const struct key_profile *profile;  /* validated; the TCAM is as wide */
	uint32_t depth;                     /* TCAM entries */
	uint32_t n_ports;                   /* PPIDs 0..n_ports-1 */
	uint32_t n_vpids;                   /* map RAM depth */
	struct datapath_policy policy;            /* until a CONFIG command */
	datapath_out_fn out;                      /* where packets leave; may be NULL */
	datapath_event_fn event;                  /* FLOW_END, AGED, LANDED; may be NULL */
	void *ctx;                                /* for both */
	uint32_t hold_frames;    /* the hold buffer (datapath.h); 0: default */
};

int nic_create(const struct nic_params *p, struct nic **out,
	       struct pnic_error *err);
void nic_destroy(struct nic *n);

/* Validate c against this NIC, then apply it.  0, or a negative errno and
 * err naming the op and the fault, with nothing changed.  res (may be
 * NULL) gets the status and, for COUNTER_READ, the records written. */
int nic_apply(struct nic *n, const struct nic_cmd *c,
	      struct nic_cmd_result *res, struct pnic_error *err);
/* Apply a command that passed nic_cmd_validate() to the blocks it
 * changes; the result count (COUNTER_READ's records, else 0).  The one
 * place a command takes effect: nic_apply() calls it for every op, and the
 * cycle-level pipeline (pipeline.h) for the ops its lookup core's config
 * port does not carry (COUNTER_READ, TEMPLATE_SET, CONFIG, PACKET_OUT),
 * on the core's tables and its own datapath.  A table op is written into
 * lk at once, which is this NIC's timing, not the pipeline's. */
uint32_t nic_apply_valid(struct lookup *lk, struct datapath *dp,
			 const struct nic_cmd *c);

/* A sink whose submit is nic_apply() on n. */
struct nic_cmd_sink nic_sink(struct nic *n);

/* Packets: as datapath_process() and datapath_process_burst(). */
void nic_process(struct nic *n, uint32_t in_port, const uint8_t *frame,
		 uint32_t caplen, uint32_t len, uint64_t ts_ns);
void nic_process_burst(struct nic *n, uint32_t in_port,
		       const struct datapath_pkt *pkts, unsigned n_pkts);

/* Run the aging sweeps up to now_ns (they also run before each packet). */
void nic_age(struct nic *n, uint64_t now_ns);

/* Read-only views: the untimed lookup (sizes, the TCAM, the map) and the
 * datapath (counters). */
const struct lookup *nic_lookup(const struct nic *n);
const struct datapath *nic_datapath(const struct nic *n);

#endif
