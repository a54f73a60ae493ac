#include "model/datapath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/action.h"
#include "model/key_builder.h"
#include "model/proto.h"

/* The editor works in place; a frame it may grow is copied here first.
 * The editor itself has no frame-size limit for edits that keep 16-bit
 * lengths valid (a TTL decrement on an 80 KB BIG-TCP frame is fine), so
 * the buffer holds the largest frame a capture can carry (libpcap's
 * maximum snapshot length, 256 KiB) plus what the edits can add (an encap
 * template and a VLAN tag).  Only a larger frame, which no capture
 * yields, is refused here. */
#define DP_EDIT_MAX_FRAME 262144u
#define DP_EDIT_BUF (DP_EDIT_MAX_FRAME + ENCAP_TEMPLATE_MAX_BYTES + 8)

struct entry_stats {
	uint64_t packets;
	uint64_t bytes;
};

/* A packet in the hold buffer: one slot, its frame at hold_mem + slot x
 * hold_bytes; slots of one entry chained in arrival order, free slots
 * chained from hold_free. */
#define HOLD_NONE UINT32_MAX

struct held_pkt {
	uint32_t next;
	uint32_t in_port;
	uint32_t caplen, len;
	uint64_t ts_ns;
};

struct hold_list {
	uint32_t head, tail, n;
	bool holding;
};

struct datapath {
	struct datapath_params p;
	uint32_t n_ports;
	uint32_t depth;
	struct datapath_stats st;
	struct datapath_port_stats *ports;   /* n_ports */
	struct entry_stats *entries;   /* depth */
	struct flow_counters *counters;
	struct flow_age *age;
	uint64_t age_now;               /* the sweep being run (datapath_age) */
	uint64_t now_ns;               /* the latest packet's timestamp */
	uint8_t *buf;                  /* DP_EDIT_BUF */
	struct key_builder_plan keys;  /* the profile, compiled */
	/* the hold buffer */
	uint32_t hold_frames, hold_bytes;
	struct held_pkt *held;         /* hold_frames */
	uint8_t *hold_mem;             /* hold_frames x hold_bytes */
	uint32_t hold_free;
	struct hold_list *hold;        /* depth */
};

static const char *const drop_names[DP_DROP_REASON_COUNT] = {
	[DP_DROP_ACTION] = "action",
	[DP_DROP_MISS] = "miss",
	[DP_DROP_UNMAPPED_VPID] = "unmapped_vpid",
	[DP_DROP_MIRROR_UNMAPPED] = "mirror_unmapped_vpid",
	[DP_DROP_PARSE_ERROR] = "parse_error",
	[DP_DROP_EDIT] = "edit_refused",
	[DP_DROP_BAD_PORT] = "bad_ingress_port",
	[DP_DROP_BAD_ACTION] = "undecodable_action",
	[DP_DROP_HOLD_FULL] = "hold_full",
};

static const char *const host_names[DP_HOST_REASON_COUNT] = {
	[DP_HOST_MISS] = "miss",
	[DP_HOST_ACTION] = "action",
	[DP_HOST_UNMAPPED_VPID] = "unmapped_vpid",
	[DP_HOST_PARSE_ERROR] = "parse_error",
	[DP_HOST_HOLD_CANCELLED] = "hold_cancelled",
};

const char *datapath_drop_reason_name(enum datapath_drop_reason r)
{
	return (unsigned)r < DP_DROP_REASON_COUNT ? drop_names[r] : "?";
}

const char *datapath_host_reason_name(enum datapath_host_reason r)
{
	return (unsigned)r < DP_HOST_REASON_COUNT ? host_names[r] : "?";
}

const char *datapath_miss_policy_name(enum datapath_miss_policy p)
{
	return p == DP_MISS_DROP ? "drop" : "to_host";
}

const char *datapath_parse_error_policy_name(enum datapath_parse_error_policy p)
{
	switch (p) {
	case DP_PERR_LOOKUP:  return "lookup";
	case DP_PERR_DROP:    return "drop";
	case DP_PERR_TO_HOST: return "to_host";
	}
	return "?";
}

const char *datapath_unmapped_policy_name(enum vpid_unmapped_policy p)
{
	return p == VPID_UNMAPPED_TO_HOST ? "to_host" : "drop";
}

int datapath_policy_validate(const struct datapath_policy *p, struct pnic_error *err)
{
	if ((unsigned)p->miss > DP_MISS_DROP)
		return pnic_err(err, EINVAL,
				"miss policy %u is not to_host (0) or drop (1)",
				(unsigned)p->miss);
	if ((unsigned)p->parse_errors > DP_PERR_TO_HOST)
		return pnic_err(err, EINVAL,
				"parse-error policy %u is not lookup (0), drop (1) or to_host (2)",
				(unsigned)p->parse_errors);
	if ((unsigned)p->unmapped > VPID_UNMAPPED_TO_HOST)
		return pnic_err(err, EINVAL,
				"unmapped-VPID policy %u is not drop (0) or to_host (1)",
				(unsigned)p->unmapped);
	return flow_age_config_validate(&p->age, err);
}

int datapath_set_policy(struct datapath *dp, const struct datapath_policy *p,
			struct pnic_error *err)
{
	int rc = datapath_policy_validate(p, err);

	if (!rc) {
		dp->p.policy = *p;
		flow_age_configure(dp->age, &p->age);
	}
	return rc;
}

static int check_params(const struct datapath_params *p, struct pnic_error *err)
{
	if (!p->profile || !p->lookup)
		return pnic_err(err, EINVAL,
				"datapath needs a key profile and a lookup");
	if (lookup_params(p->lookup)->key_bits < p->profile->key_bits)
		return pnic_err(err, EINVAL,
				"TCAM key width %u is narrower than key profile '%s' (%u bits)",
				lookup_params(p->lookup)->key_bits, p->profile->name,
				p->profile->key_bits);
	if (p->hold_frames > DP_HOLD_FRAMES_MAX)
		return pnic_err(err, EINVAL, "hold buffer of %u frames: at most %u",
				p->hold_frames, DP_HOLD_FRAMES_MAX);
	if (p->hold_frame_bytes > DP_EDIT_MAX_FRAME)
		return pnic_err(err, EINVAL, "hold buffer slots of %u bytes: at most %u",
				p->hold_frame_bytes, DP_EDIT_MAX_FRAME);
	if (p->n_ports > lookup_params(p->lookup)->n_ppids)
		return pnic_err(err, EINVAL,
				"%u ports, but the lookup maps to %u PPIDs",
				p->n_ports, lookup_params(p->lookup)->n_ppids);
	return datapath_policy_validate(&p->policy, err);
}

/* The hold buffer, every slot free; no entry holding. */
static int hold_create(struct datapath *dp, const struct datapath_params *p,
		       struct pnic_error *err)
{
	dp->hold_frames = p->hold_frames ? p->hold_frames : DP_HOLD_FRAMES_DEFAULT;
	dp->hold_bytes = p->hold_frame_bytes ? p->hold_frame_bytes
					     : DP_HOLD_FRAME_BYTES_DEFAULT;
	dp->held = calloc(dp->hold_frames, sizeof *dp->held);
	dp->hold_mem = malloc((size_t)dp->hold_frames * dp->hold_bytes);
	dp->hold = calloc(dp->depth, sizeof *dp->hold);
	if (!dp->held || !dp->hold_mem || !dp->hold)
		return pnic_err(err, ENOMEM, "out of memory for the hold buffer");
	for (uint32_t i = 0; i < dp->hold_frames; i++)
		dp->held[i].next = i + 1 < dp->hold_frames ? i + 1 : HOLD_NONE;
	dp->hold_free = 0;
	for (uint32_t i = 0; i < dp->depth; i++)
		dp->hold[i] = (struct hold_list){ HOLD_NONE, HOLD_NONE, 0, false };
	return 0;
}

int datapath_create(const struct datapath_params *p, struct datapath **out,
		    struct pnic_error *err)
{
	struct flow_counters_params fcp;
	struct datapath *dp;
	int rc;

	*out = NULL;
	if ((rc = check_params(p, err)))
		return rc;
	dp = calloc(1, sizeof *dp);
	if (!dp)
		return pnic_err(err, ENOMEM, "out of memory for the datapath");
	dp->p = *p;
	key_builder_plan(p->profile, &dp->keys);
	dp->n_ports = p->n_ports ? p->n_ports : lookup_params(p->lookup)->n_ppids;
	dp->depth = lookup_params(p->lookup)->depth;
	dp->ports = calloc(dp->n_ports, sizeof *dp->ports);
	dp->entries = calloc(dp->depth, sizeof *dp->entries);
	dp->buf = malloc(DP_EDIT_BUF);
	if (!dp->ports || !dp->entries || !dp->buf) {
		rc = pnic_err(err, ENOMEM, "out of memory for the datapath");
		goto free_dp;
	}
	if ((rc = hold_create(dp, p, err)))
		goto free_dp;
	fcp.depth = dp->depth;
	rc = flow_counters_create(&fcp, &dp->counters, err);
	if (!rc)
		rc = flow_age_create(dp->depth, &dp->age, err);
	if (rc)
		goto free_dp;
	flow_age_configure(dp->age, &p->policy.age);
	*out = dp;
	return 0;

free_dp:
	datapath_destroy(dp);
	return rc;
}

void datapath_destroy(struct datapath *dp)
{
	if (!dp)
		return;
	flow_counters_destroy(dp->counters);
	flow_age_destroy(dp->age);
	free(dp->hold);
	free(dp->hold_mem);
	free(dp->held);
	free(dp->buf);
	free(dp->entries);
	free(dp->ports);
	free(dp);
}

/* ---- the three ends a packet can reach --------------------------------- */

static void event(struct datapath *dp, const struct datapath_event *ev)
{
	if (dp->p.event)
		dp->p.event(dp->p.event_ctx, ev);
}

static void emit(struct datapath *dp, struct datapath_out *o, const uint8_t *frame,
		 uint32_t caplen, uint32_t len)
{
	if (dp->p.out)
		dp->p.out(dp->p.ctx, o, frame, caplen, len);
}

static void egress(struct datapath *dp, struct datapath_out *o, uint32_t ppid,
		   const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	/* Callers pass a PPID below n_ports (see act and mirror). */
	struct datapath_port_stats *ps = &dp->ports[ppid];

	ps->tx_packets++;
	ps->tx_bytes += len;
	o->kind = DP_OUT_EGRESS;
	o->ppid = ppid;
	emit(dp, o, frame, caplen, len);
}

static void to_host(struct datapath *dp, struct datapath_out *o,
		    enum datapath_host_reason why, const uint8_t *frame,
		    uint32_t caplen, uint32_t len)
{
	dp->st.to_host++;
	dp->st.to_host_bytes += len;
	dp->st.host_reason[why]++;
	o->kind = DP_OUT_TO_HOST;
	o->host = why;
	emit(dp, o, frame, caplen, len);
}

static void drop(struct datapath *dp, struct datapath_out *o,
		 enum datapath_drop_reason why, const uint8_t *frame,
		 uint32_t caplen, uint32_t len)
{
	dp->st.drops++;
	dp->st.drop_reason[why]++;
	o->kind = DP_OUT_DROP;
	o->drop = why;
	emit(dp, o, frame, caplen, len);
}

/* ---- the pipeline ------------------------------------------------------ */

/* Forward a hit to its PPID, through the editor when the action edits. */
static void forward(struct datapath *dp, struct datapath_out *o,
		    const struct pnic_action *a, const struct parser_result *pr,
		    uint32_t ppid, const uint8_t *frame, uint32_t caplen,
		    uint32_t len)
{
	const struct encap_template *tpl = NULL;
	uint32_t n = caplen;
	uint64_t wire;
	int rc;

	if (!a->vlan_op && !a->tunnel_op && !a->dec_ttl && !a->set_dscp) {
		dp->st.egress++;
		egress(dp, o, ppid, frame, caplen, len);
		return;
	}
	if (caplen > DP_EDIT_MAX_FRAME) {
		/* What the editor would say; the frame is not copied. */
		dp->st.edit.refused[EDIT_NO_ROOM]++;
		drop(dp, o, DP_DROP_EDIT, frame, caplen, len);
		return;
	}
	if (a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP)
		tpl = lookup_template(dp->p.lookup, a->encap_id);
	memcpy(dp->buf, frame, caplen);
	rc = editor_apply(a, tpl, pr, dp->buf, &n, DP_EDIT_BUF, &dp->st.edit);
	if (rc < 0) {
		drop(dp, o, DP_DROP_EDIT, frame, caplen, len);
		return;
	}
	dp->st.egress++;
	dp->st.edited++;
	/* The uncaptured tail of a snaplen-cut frame is still on the wire
	 * (saturated: a damaged capture may claim a length near 4 GiB). */
	wire = (uint64_t)len - caplen + n;
	egress(dp, o, ppid, dp->buf, n, wire > UINT32_MAX ? UINT32_MAX : (uint32_t)wire);
}

/* A packet on its way through a burst.  The front (parse, key) and the
 * lookup (TCAM, action RAM, map) run for the whole burst before the back
 * (counting, action stage, editor, outputs) runs packet by packet in
 * arrival order.  The tables do not change within a burst, so the answers
 * are those of packet-at-a-time processing; the gain is that independent
 * table reads of successive packets overlap their cache misses.  The
 * cycle-level pipeline calls the same two halves (datapath_front,
 * datapath_back) at its own stages. */
static void front(const struct datapath *dp, uint32_t in_port,
		  const struct datapath_pkt *p, struct datapath_work *wk,
		  struct pnic_key *key)
{
	if (in_port >= dp->n_ports) {
		wk->state = DP_WORK_BAD_PORT;
		return;
	}
	if (parser_parse(p->frame, p->caplen, p->len < p->caplen ? p->caplen : p->len,
			&wk->pr) != PARSE_OK &&
	    dp->p.policy.parse_errors != DP_PERR_LOOKUP) {
		wk->state = dp->p.policy.parse_errors == DP_PERR_DROP ?
			    DP_WORK_PARSE_DROP : DP_WORK_PARSE_HOST;
		return;
	}
	wk->state = DP_WORK_LOOKUP;
	key_builder_run(&dp->keys, &wk->pr, (uint16_t)in_port, key);
}

/* The mirror copy: the frame as received, before any edit, to the mirror
 * VPID's PPID read through the map's second port. */
static void mirror(struct datapath *dp, struct datapath_out *o,
		   const struct pnic_action *a, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	uint32_t ppid = lookup_map_read(dp->p.lookup, a->mirror_vpid);

	o->mirror = true;
	/* VPID_UNMAPPED is above every port; a PPID the map holds but this
	 * datapath lacks (a map shared with a larger NIC) is no port either. */
	if (ppid >= dp->n_ports) {
		dp->st.unmapped_hits++;
		drop(dp, o, DP_DROP_MIRROR_UNMAPPED, frame, caplen, len);
	} else {
		dp->st.mirrors++;
		egress(dp, o, ppid, frame, caplen, len);
	}
	o->mirror = false;
}

static void flow_end(struct datapath *dp, uint32_t entry, uint32_t in_port,
		     uint8_t flags, uint64_t ts_ns)
{
	struct datapath_event ev = {
		.type = DP_EV_FLOW_END, .entry = entry, .in_port = in_port,
		.tcp_flags = flags, .ts_ns = ts_ns,
	};

	dp->st.flow_end_events++;
	event(dp, &ev);
}

/* The action stage: the word of a hit decoded and carried out. */
static void act(struct datapath *dp, struct datapath_out *o,
		const struct lookup_result *res, const struct parser_result *pr,
		const struct datapath_pkt *p, uint32_t len)
{
	const uint8_t *frame = p->frame;
	uint32_t caplen = p->caplen;
	struct pnic_action a;

	action_unpack(&res->action, &a);
	if (a.kind > ACT_TO_HOST) {
		/* No checked write makes kind 3 (action_validate), so the
		 * word came around the checks; no field of it is trusted,
		 * the count and mirror bits included. */
		drop(dp, o, DP_DROP_BAD_ACTION, frame, caplen, len);
		return;
	}
	if (a.count)
		flow_counters_hit(dp->counters, res->index, len, p->ts_ns);
	if (a.age_class)
		flow_age_hit(dp->age, res->index, p->ts_ns);
	/* The outer headers: the ones the key was built from. */
	if (a.notify_end && (pr->outer.have & HDR_TCP) &&
	    (pr->outer.tcp_flags & (PROTO_TCP_FIN | PROTO_TCP_RST)))
		flow_end(dp, res->index, o->in_port, pr->outer.tcp_flags,
			 p->ts_ns);
	if (a.mirror)
		mirror(dp, o, &a, frame, caplen, len);
	switch (a.kind) {
	case ACT_FORWARD:
		if (res->mapped && res->ppid < dp->n_ports) {
			forward(dp, o, &a, pr, res->ppid, frame, caplen, len);
			return;
		}
		dp->st.unmapped_hits++;
		if (dp->p.policy.unmapped == VPID_UNMAPPED_TO_HOST)
			to_host(dp, o, DP_HOST_UNMAPPED_VPID, frame, caplen, len);
		else
			drop(dp, o, DP_DROP_UNMAPPED_VPID, frame, caplen, len);
		return;
	case ACT_TO_HOST:
		to_host(dp, o, DP_HOST_ACTION, frame, caplen, len);
		return;
	default:
		drop(dp, o, DP_DROP_ACTION, frame, caplen, len);
		return;
	}
}

/* ---- hold, landed marker, release ----------------------------------------- */

/* A hit on a holding entry: copied into a free slot at the tail of the
 * entry's list, or dropped when none is free or it is longer than one. */
static void hold(struct datapath *dp, struct datapath_out *o, uint32_t index,
		 const struct datapath_pkt *p, uint32_t len)
{
	struct hold_list *l = &dp->hold[index];
	uint32_t k = dp->hold_free;

	o->entry = (int32_t)index;
	if (k == HOLD_NONE || p->caplen > dp->hold_bytes) {
		drop(dp, o, DP_DROP_HOLD_FULL, p->frame, p->caplen, len);
		return;
	}
	dp->hold_free = dp->held[k].next;
	dp->held[k] = (struct held_pkt){ HOLD_NONE, o->in_port, p->caplen, len,
					 p->ts_ns };
	memcpy(dp->hold_mem + (size_t)k * dp->hold_bytes, p->frame, p->caplen);
	if (l->tail == HOLD_NONE)
		l->head = k;
	else
		dp->held[l->tail].next = k;
	l->tail = k;
	l->n++;
	dp->st.held++;
	if (++dp->st.held_now > dp->st.held_max)
		dp->st.held_max = dp->st.held_now;
	o->kind = DP_OUT_HOLD;
	o->held = (int32_t)k;
	emit(dp, o, dp->hold_mem + (size_t)k * dp->hold_bytes, p->caplen, len);
}

/* Every packet entry index holds leaves the buffer, oldest first: through
 * the action stage with word w (release), or to the host (w NULL). */
static void hold_flush(struct datapath *dp, uint32_t index,
		       const struct action_word *w, uint64_t now_ns)
{
	struct hold_list *l = &dp->hold[index];
	struct lookup_result r = { .hit = true, .index = index };
	uint32_t k, vpid;

	if (w) {
		r.action = *w;
		vpid = (uint32_t)(w->w[0] >> ACTW_VPID_OFF) & 0xffffu;
		r.ppid = (uint16_t)lookup_map_read(dp->p.lookup, vpid);
		r.mapped = r.ppid != VPID_UNMAPPED;
	}
	while ((k = l->head) != HOLD_NONE) {
		struct held_pkt *h = &dp->held[k];
		struct datapath_pkt p = { dp->hold_mem + (size_t)k * dp->hold_bytes,
					  h->caplen, h->len, h->ts_ns };
		struct datapath_out o = { .entry = (int32_t)index, .lookup = &r,
					  .in_port = h->in_port, .ts_ns = now_ns,
					  .held = (int32_t)k };
		struct parser_result pr;

		l->head = h->next;
		if (w) {
			parser_parse(p.frame, p.caplen, p.len, &pr);
			dp->st.released++;
			act(dp, &o, &r, &pr, &p, h->len);
		} else {
			dp->st.hold_cancelled++;
			o.lookup = NULL;
			to_host(dp, &o, DP_HOST_HOLD_CANCELLED, p.frame, p.caplen, h->len);
		}
		h->next = dp->hold_free;
		dp->hold_free = k;
		dp->st.held_now--;
	}
	*l = (struct hold_list){ HOLD_NONE, HOLD_NONE, 0, false };
}

/* A write landed on entry index: hold, release or cancel (datapath.h). */
static void hold_written(struct datapath *dp, const struct lookup_write *w,
			 bool holds, uint64_t now_ns)
{
	struct hold_list *l = &dp->hold[w->index];
	struct datapath_event ev = {
		.type = DP_EV_LANDED, .entry = w->index, .ts_ns = now_ns,
	};

	if (l->holding && !(holds && w->op == LC_OP_ACTION_WRITE))
		hold_flush(dp, w->index,
			   w->op == LC_OP_ACTION_WRITE ? &w->action : NULL, now_ns);
	if (!holds)
		return;
	l->holding = true;
	ev.gen = flow_age_gen(dp->age, w->index);
	dp->st.markers++;
	event(dp, &ev);
}

static void back(struct datapath *dp, uint32_t in_port,
		 const struct datapath_pkt *p, const struct datapath_work *wk)
{
	struct datapath_out o = { .entry = TCAM_MISS, .in_port = in_port,
			    .ts_ns = p->ts_ns, .held = DP_NOT_HELD };
	const uint8_t *frame = p->frame;
	uint32_t caplen = p->caplen, len = p->len < caplen ? caplen : p->len;
	const struct lookup_result *res;

	dp->st.packets++;
	dp->st.bytes += len;
	dp->now_ns = p->ts_ns;
	if (wk->state == DP_WORK_BAD_PORT) {
		drop(dp, &o, DP_DROP_BAD_PORT, frame, caplen, len);
		return;
	}
	dp->ports[in_port].rx_packets++;
	dp->ports[in_port].rx_bytes += len;

	/* parse */
	if (wk->pr.status != PARSE_OK) {
		dp->st.parse_errors++;
		dp->st.parse_status[wk->pr.status < PARSE_STATUS_COUNT ?
				    wk->pr.status : 0]++;
		if (wk->state == DP_WORK_PARSE_DROP) {
			drop(dp, &o, DP_DROP_PARSE_ERROR, frame, caplen, len);
			return;
		}
		if (wk->state == DP_WORK_PARSE_HOST) {
			to_host(dp, &o, DP_HOST_PARSE_ERROR, frame, caplen, len);
			return;
		}
	}

	/* lookup result */
	res = wk->res;
	o.lookup = res;
	if (!res->hit) {
		dp->st.misses++;
		if (dp->p.policy.miss == DP_MISS_DROP)
			drop(dp, &o, DP_DROP_MISS, frame, caplen, len);
		else
			to_host(dp, &o, DP_HOST_MISS, frame, caplen, len);
		return;
	}
	dp->st.hits++;
	o.entry = (int32_t)res->index;
	dp->entries[res->index].packets++;
	dp->entries[res->index].bytes += len;
	/* The word's hold bit first: it is at hand, while the entry's hold
	 * list is a cache miss on a table of many flows. */
	if (__builtin_expect(res->action.w[ACTW_HOLD_OFF / 64] >> (ACTW_HOLD_OFF % 64) & 1, 0) &&
	    dp->hold[res->index].holding) {
		hold(dp, &o, res->index, p, len);
		return;
	}
	act(dp, &o, res, &wk->pr, p, len);
}

/* flatten: every stage of this file inlined into the loop, as before the
 * halves were exported for the pipeline and gained a second caller each
 * (callgrind over a replay: the same instructions per packet). */
__attribute__((flatten))
void datapath_process_burst(struct datapath *dp, uint32_t in_port,
			    const struct datapath_pkt *pkts, unsigned n)
{
	struct datapath_work wk[DP_BURST];
	struct pnic_key keys[DP_BURST];
	struct lookup_result res[DP_BURST];

	while (n) {
		unsigned m = n < DP_BURST ? n : DP_BURST, nk = 0;

		/* parse -> key build; the keys to look up packed densely */
		for (unsigned i = 0; i < m; i++) {
			front(dp, in_port, &pkts[i], &wk[i], &keys[nk]);
			if (wk[i].state == DP_WORK_LOOKUP)
				wk[i].res = &res[nk++];
		}
		/* TCAM, action RAM and map, the burst's keys together */
		lookup_run_burst(dp->p.lookup, keys, nk, res);
		for (unsigned k = 0; k < nk; k++)
			if (res[k].hit)
				__builtin_prefetch(&dp->entries[res[k].index], 1);
		/* counters, action stage, editor, outputs: in order */
		for (unsigned i = 0; i < m; i++)
			back(dp, in_port, &pkts[i], &wk[i]);
		pkts += m;
		n -= m;
	}
}

void datapath_prefetch(const struct datapath *dp, uint32_t index)
{
	if (index >= dp->depth)
		return;
	__builtin_prefetch(&dp->entries[index], 1);
	flow_counters_prefetch(dp->counters, index);
	flow_age_prefetch(dp->age, index);
}

void datapath_front(const struct datapath *dp, uint32_t in_port,
		    const struct datapath_pkt *p, struct datapath_work *wk,
		    struct pnic_key *key)
{
	front(dp, in_port, p, wk, key);
}

void datapath_back(struct datapath *dp, uint32_t in_port,
		   const struct datapath_pkt *p, const struct datapath_work *wk)
{
	back(dp, in_port, p, wk);
}

void datapath_process(struct datapath *dp, uint32_t in_port,
		      const uint8_t *frame, uint32_t caplen, uint32_t len,
		      uint64_t ts_ns)
{
	struct datapath_pkt p = { frame, caplen, len, ts_ns };

	datapath_process_burst(dp, in_port, &p, 1);
}

int datapath_packet_out(struct datapath *dp, uint32_t ppid,
			const uint8_t *frame, uint32_t len, uint64_t ts_ns,
			struct pnic_error *err)
{
	struct datapath_out o = { .entry = TCAM_MISS, .in_port = ppid,
				  .ts_ns = ts_ns, .held = DP_NOT_HELD };

	if (ppid >= dp->n_ports)
		return pnic_err(err, ERANGE, "packet-out PPID %u is not one of 0..%u",
				ppid, dp->n_ports - 1);
	dp->st.packet_outs++;
	egress(dp, &o, ppid, frame, len, len);
	return 0;
}

const struct datapath_stats *datapath_stats(const struct datapath *dp)
{
	return &dp->st;
}

struct datapath_port_stats datapath_port_stats(const struct datapath *dp,
					 uint32_t ppid)
{
	struct datapath_port_stats z = { 0, 0, 0, 0 };

	return ppid < dp->n_ports ? dp->ports[ppid] : z;
}

void datapath_entry_stats(const struct datapath *dp, uint32_t index,
			  uint64_t *packets, uint64_t *bytes)
{
	*packets = index < dp->depth ? dp->entries[index].packets : 0;
	*bytes = index < dp->depth ? dp->entries[index].bytes : 0;
}

/* ---- aging ---------------------------------------------------------------- */

void datapath_table_written(struct datapath *dp, const struct lookup_write *w,
			    uint64_t now_ns)
{
	struct pnic_action a;

	if (w->index >= dp->depth)
		return;
	switch (w->op) {
	case LC_OP_TCAM_WRITE:
	case LC_OP_ACTION_WRITE:
		action_unpack(&w->action, &a);
		flow_age_write(dp->age, w->index, a.kind > ACT_TO_HOST ? 0 : a.age_class,
			       now_ns);
		hold_written(dp, w, a.hold && a.kind <= ACT_TO_HOST, now_ns);
		return;
	case LC_OP_TCAM_INVALIDATE:
		flow_age_write(dp->age, w->index, 0, now_ns);
		hold_written(dp, w, false, now_ns);
		return;
	default:
		return;
	}
}

uint64_t datapath_age_next(const struct datapath *dp)
{
	return flow_age_next(dp->age);
}

unsigned datapath_age(struct datapath *dp, uint64_t now_ns, unsigned max)
{
	struct flow_age_found f[64];
	bool remove = dp->p.policy.age.mode == FLOW_AGE_DELETE;
	unsigned n, total = 0;

	dp->age_now = now_ns;
	while (total < max &&
	       (n = flow_age_expire(dp->age, now_ns, f,
				    max - total < 64 ? max - total : 64))) {
		for (unsigned i = 0; i < n; i++) {
			struct datapath_event ev = {
				.type = DP_EV_AGED, .entry = f[i].index,
				.last_hit = f[i].last, .gen = f[i].gen,
				.remove = remove, .ts_ns = f[i].at,
			};

			event(dp, &ev);
		}
		dp->st.aged_events += n;
		total += n;
	}
	return total;
}

void datapath_age_retry(struct datapath *dp, uint32_t index, uint64_t now_ns)
{
	/* After the sweeps this call of datapath_age runs, so that it does
	 * not find the entry again at once (and again, for ever). */
	flow_age_retry(dp->age, index, now_ns > dp->age_now ? now_ns : dp->age_now);
}

uint32_t datapath_entry_gen(const struct datapath *dp, uint32_t index)
{
	return flow_age_gen(dp->age, index);
}

bool datapath_holding(const struct datapath *dp, uint32_t index)
{
	return index < dp->depth && dp->hold[index].holding;
}

uint32_t datapath_held(const struct datapath *dp, uint32_t index)
{
	return index < dp->depth ? dp->hold[index].n : 0;
}

uint32_t datapath_hold_frames(const struct datapath *dp)
{
	return dp->hold_frames;
}

uint64_t datapath_now(const struct datapath *dp)
{
	return dp->now_ns;
}

const struct flow_counters *datapath_counters(const struct datapath *dp)
{
	return dp->counters;
}
