/* Order check: does any flow's packet leave the NIC after a packet of the
 * same flow that arrived later?  The measure of the ordering guarantee
 * (docs/fpag.md): a flow's first packets go up to the host and come back
 * as packet-outs, while its later ones may hit the newly installed entry
 * and leave first.
 *
 * What it models: nothing of the NIC; it watches.  The caller tells it of
 * every packet that went to the host (its arrival id and frame) and of
 * every frame that left (a forwarded one with its arrival id; a
 * packet-out without one, which the check finds by its bytes among those
 * sent to the host: the host sends a missed frame on as it came).  A
 * flow is the departing frame's outer addresses, protocol and ports (the
 * parser's); a departure is reordered when its flow has already seen a
 * later arrival leave.
 *
 * Until the caller says a packet is on its way to the host
 * (order_check_watch()), nothing can have been overtaken: the header path
 * is in order, and only a packet that goes up (and comes back, or is
 * held) leaves behind later ones.  Forwarded departures before then are
 * counted in order without being looked at, which is what keeps an
 * all-hit run from parsing every frame twice and hashing every flow.
 *
 * Invariants: departures == in_order + reordered + unmatched + untracked.
 * Both tables are fixed at create (open addressing, no allocation after):
 * a packet-out whose frame is not among those remembered is `unmatched`
 * (the host built it, or it was evicted), a frame with no IP flow is
 * `untracked`; neither is guessed at.  Flows live in two generations of
 * flow_slots each: when the current is three quarters full the old one
 * is dropped (`flow_generations`), so a flow is forgotten only after a
 * generation of other flows came and it sent nothing (that can hide a
 * reordering, of a packet kept at the host that long, never invent one).
 *
 * Untimed, no callbacks; the caller owns the frames (read during calls).
 */
#ifndef PNIC_ORDER_CHECK_H
#define PNIC_ORDER_CHECK_H

#include <stdint.h>

#include "model/error.h"

#define ORDER_CHECK_NO_ID UINT64_MAX

struct order_check_params {
	uint32_t to_host_slots;   /* frames sent to the host remembered at
				   * once, a power of two; 0: 65536 */
	uint32_t flow_slots;      /* flows tracked, a power of two; 0: 262144 */
};

struct order_check_stats {
	uint64_t departures;      /* frames seen leaving */
	uint64_t in_order, reordered;
	uint64_t unmatched;       /* packet-outs of no remembered frame */
	uint64_t untracked;       /* no parsable flow */
	uint64_t flow_generations;  /* times the flow table turned over */
	uint64_t to_host;         /* frames remembered */
	uint64_t to_host_dropped; /* ... not: the table was full */
};

struct order_check;

int order_check_create(const struct order_check_params *p,
		       struct order_check **out, struct pnic_error *err);
void order_check_destroy(struct order_check *oc);

/* A packet is on its way to the host (the pipeline decided it, before
 * any later arrival could leave): from now on every departure is looked
 * at.  Idempotent. */
void order_check_watch(struct order_check *oc);
/* Arrival id went to the host with these bytes. */
void order_check_to_host(struct order_check *oc, uint64_t id,
			 const uint8_t *frame, uint32_t caplen);
/* A frame left: a forwarded arrival (id), or a packet-out
 * (ORDER_CHECK_NO_ID). */
void order_check_depart(struct order_check *oc, uint64_t id,
			const uint8_t *frame, uint32_t caplen);

const struct order_check_stats *order_check_stats(const struct order_check *oc);

#endif
