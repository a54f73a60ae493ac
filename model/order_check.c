#include "model/order_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/parser.h"

/* Both tables: linear probing, a slot empty when its key is 0 (keys are
 * hashes forced non-zero).  The to-host table deletes by shifting back,
 * so it needs no tombstones.  The flows live in two generations: when
 * the current one is three quarters full it becomes the old one and the
 * old one is emptied; a flow found only in the old generation is copied
 * into the current.  So a flow is forgotten only after a whole
 * generation of other flows has come without a packet of its own (on a
 * long run of short connections the table would otherwise fill, and
 * every later departure go untracked); forgetting can hide a reordering
 * (a packet kept that long at the host), never invent one. */
struct up_slot {
	uint64_t key;             /* hash of the frame's bytes */
	uint64_t id;
};

struct flow_slot {
	uint64_t key;             /* hash of the flow's fields */
	uint64_t last;            /* the latest arrival id that left */
};

struct flow_gen {
	struct flow_slot *slot;
	uint64_t n;
};

struct order_check {
	struct up_slot *up;
	struct flow_gen gen[2];       /* current, old */
	uint64_t up_mask, flow_mask;
	uint64_t up_n;
	bool watching;                /* a packet went to the host */
	struct order_check_stats st;
};

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int order_check_create(const struct order_check_params *p,
		       struct order_check **out, struct pnic_error *err)
{
	uint32_t nu = p->to_host_slots ? p->to_host_slots : 65536;
	uint32_t nf = p->flow_slots ? p->flow_slots : 262144;
	struct order_check *oc;

	*out = NULL;
	if (!pow2(nu) || !pow2(nf) || nu > (1u << 24) || nf > (1u << 24))
		return pnic_err(err, EINVAL,
				"order check: %u to-host and %u flow slots must be powers of two up to 2^24",
				nu, nf);
	oc = calloc(1, sizeof *oc);
	if (!oc)
		return pnic_err(err, ENOMEM, "out of memory for the order check");
	oc->up = calloc(nu, sizeof *oc->up);
	oc->gen[0].slot = calloc(nf, sizeof *oc->gen[0].slot);
	oc->gen[1].slot = calloc(nf, sizeof *oc->gen[1].slot);
	if (!oc->up || !oc->gen[0].slot || !oc->gen[1].slot) {
		order_check_destroy(oc);
		return pnic_err(err, ENOMEM, "out of memory for the order check");
	}
	oc->up_mask = nu - 1;
	oc->flow_mask = nf - 1;
	*out = oc;
	return 0;
}

void order_check_destroy(struct order_check *oc)
{
	if (!oc)
		return;
	free(oc->up);
	free(oc->gen[0].slot);
	free(oc->gen[1].slot);
	free(oc);
}

/* A word at a time (FNV-1a a byte at a time was most of the check's cost:
 * a packet-out's whole frame is hashed twice, up and back): each 8 bytes
 * multiplied in and folded, the tail zero-padded, the length last. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t hash(uint64_t h, const uint8_t *b, uint32_t n)
{
	uint64_t w;
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		h = mix(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, b + i, n - i);
		h = mix(h, w);
	}
	return mix(h, n);
}

static uint64_t nonzero(uint64_t h)
{
	return h ? h : 1;
}

void order_check_to_host(struct order_check *oc, uint64_t id,
			 const uint8_t *frame, uint32_t caplen)
{
	uint64_t key = nonzero(hash(1469598103934665603ull, frame, caplen));
	uint64_t i = key & oc->up_mask;

	/* At most three quarters full: probes stay short. */
	if (oc->up_n >= (oc->up_mask + 1) / 4 * 3) {
		oc->st.to_host_dropped++;
		return;
	}
	while (oc->up[i].key)
		i = (i + 1) & oc->up_mask;
	oc->up[i] = (struct up_slot){ key, id };
	oc->up_n++;
	oc->st.to_host++;
}

/* Empty slot i and shift back the run after it, so that no later key
 * is cut off from its home slot. */
static void up_delete(struct order_check *oc, uint64_t i)
{
	uint64_t j = i;

	for (;;) {
		uint64_t home;

		j = (j + 1) & oc->up_mask;
		if (!oc->up[j].key)
			break;
		home = oc->up[j].key & oc->up_mask;
		/* j's key may move to i unless its home lies in (i, j]. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			oc->up[i] = oc->up[j];
			i = j;
		}
	}
	oc->up[i].key = 0;
	oc->up_n--;
}

/* The earliest arrival sent to the host with these bytes, taken out of
 * the table; ORDER_CHECK_NO_ID when none. */
static uint64_t up_take(struct order_check *oc, const uint8_t *frame,
			uint32_t caplen)
{
	uint64_t key = nonzero(hash(1469598103934665603ull, frame, caplen));
	uint64_t best = UINT64_MAX, at = 0;

	for (uint64_t i = key & oc->up_mask; oc->up[i].key; i = (i + 1) & oc->up_mask)
		if (oc->up[i].key == key && oc->up[i].id < best) {
			best = oc->up[i].id;
			at = i;
		}
	if (best != UINT64_MAX)
		up_delete(oc, at);
	return best == UINT64_MAX ? ORDER_CHECK_NO_ID : best;
}

/* The slot of key in generation g, or NULL with *at the empty slot
 * where it would go. */
static struct flow_slot *flow_find(const struct order_check *oc,
				   const struct flow_gen *g, uint64_t key,
				   uint64_t *at)
{
	uint64_t i;

	for (i = key & oc->flow_mask; g->slot[i].key; i = (i + 1) & oc->flow_mask)
		if (g->slot[i].key == key)
			return &g->slot[i];
	*at = i;
	return NULL;
}

/* The current generation is full: it becomes the old one, the old one
 * is emptied and becomes the current. */
static void flow_rotate(struct order_check *oc)
{
	struct flow_gen old = oc->gen[1];

	memset(old.slot, 0, (oc->flow_mask + 1) * sizeof *old.slot);
	old.n = 0;
	oc->gen[1] = oc->gen[0];
	oc->gen[0] = old;
	oc->st.flow_generations++;
}

/* The flow's slot in the current generation: its addresses, protocol
 * and ports; NULL when the frame has no IP header. */
static struct flow_slot *flow_of(struct order_check *oc, const uint8_t *frame,
				 uint32_t caplen)
{
	struct parser_result pr;
	const struct pkt_hdrs *h = &pr.outer;
	struct flow_slot *s, *old;
	uint8_t f[5] = { 0 };
	uint64_t key, i, j, last;

	parser_parse(frame, caplen, caplen, &pr);
	if (!(h->have & (HDR_IPV4 | HDR_IPV6)))
		return NULL;
	f[0] = h->ip_proto;
	f[1] = (uint8_t)(h->l4_sport >> 8);
	f[2] = (uint8_t)h->l4_sport;
	f[3] = (uint8_t)(h->l4_dport >> 8);
	f[4] = (uint8_t)h->l4_dport;
	key = hash(1469598103934665603ull, h->src_ip, 16);
	key = hash(key, h->dst_ip, 16);
	key = nonzero(hash(key, f, sizeof f));
	if ((s = flow_find(oc, &oc->gen[0], key, &i)))
		return s;
	old = flow_find(oc, &oc->gen[1], key, &j);
	last = old ? old->last : 0;
	if (oc->gen[0].n >= (oc->flow_mask + 1) / 4 * 3) {
		flow_rotate(oc);
		flow_find(oc, &oc->gen[0], key, &i);
	}
	oc->gen[0].n++;
	oc->gen[0].slot[i] = (struct flow_slot){ key, last };
	return &oc->gen[0].slot[i];
}

void order_check_depart(struct order_check *oc, uint64_t id,
			const uint8_t *frame, uint32_t caplen)
{
	struct flow_slot *s;

	oc->st.departures++;
	if (!oc->watching && id != ORDER_CHECK_NO_ID) {
		oc->st.in_order++;
		return;
	}
	if (id == ORDER_CHECK_NO_ID && (id = up_take(oc, frame, caplen)) == ORDER_CHECK_NO_ID) {
		oc->st.unmatched++;
		return;
	}
	if (!(s = flow_of(oc, frame, caplen))) {
		oc->st.untracked++;
		return;
	}
	/* Ids count from 0, the slot's `last` holds id + 1 (0: none yet). */
	if (id + 1 < s->last) {
		oc->st.reordered++;
		return;
	}
	s->last = id + 1;
	oc->st.in_order++;
}

void order_check_watch(struct order_check *oc)
{
	oc->watching = true;
}

const struct order_check_stats *order_check_stats(const struct order_check *oc)
{
	return &oc->st;
}
