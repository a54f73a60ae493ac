/* NIC: the lookup and the datapath behind one command interface (see
 * nic.h). */
#include "model/nic.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

struct nic {
	struct lookup *lk;
	struct datapath *dp;
	datapath_event_fn event;
	void *ctx;
	uint64_t now;                /* the latest packet's time, ns */
	uint64_t next_sweep;         /* datapath_age_next(), cached */
};

static void refresh_sweep(struct nic *n)
{
	n->next_sweep = datapath_age_next(n->dp);
}

/* In delete mode the NIC drops an aged entry itself, unless the host
 * rewrote it since the sweep found it. */
static void on_event(void *ctx, const struct datapath_event *ev)
{
	struct nic *n = ctx;

	if (ev->type == DP_EV_AGED && ev->remove &&
	    datapath_entry_gen(n->dp, ev->entry) == ev->gen) {
		struct lookup_write w = { .op = LC_OP_TCAM_INVALIDATE,
					  .index = ev->entry };

		lookup_write(n->lk, &w, NULL);
		datapath_table_written(n->dp, &w, ev->ts_ns);
	}
	if (n->event)
		n->event(n->ctx, ev);
}

int nic_create(const struct nic_params *p, struct nic **out,
	       struct pnic_error *err)
{
	struct lookup_params lp;
	struct datapath_params dpp;
	struct nic *n;
	int rc;

	*out = NULL;
	if (!p->profile)
		return pnic_err(err, EINVAL, "a NIC needs a key profile");
	lp = (struct lookup_params){ .depth = p->depth,
				     .key_bits = p->profile->key_bits,
				     .n_vpids = p->n_vpids,
				     .n_ppids = p->n_ports };
	n = calloc(1, sizeof *n);
	if (!n)
		return pnic_err(err, ENOMEM, "out of memory for a NIC");
	rc = lookup_create(&lp, &n->lk, err);
	if (rc)
		goto free_nic;
	n->event = p->event;
	n->ctx = p->ctx;
	dpp = (struct datapath_params){ .profile = p->profile, .lookup = n->lk,
					.policy = p->policy, .out = p->out,
					.ctx = p->ctx, .event = on_event,
					.event_ctx = n, .hold_frames = p->hold_frames,
					.hold_frame_bytes = NIC_PACKET_OUT_MAX_LEN };
	rc = datapath_create(&dpp, &n->dp, err);
	if (rc)
		goto free_nic;
	refresh_sweep(n);
	*out = n;
	return 0;

free_nic:
	nic_destroy(n);
	return rc;
}

void nic_destroy(struct nic *n)
{
	if (!n)
		return;
	datapath_destroy(n->dp);
	lookup_destroy(n->lk);
	free(n);
}

static uint32_t read_counters(const struct datapath *dp,
			      const struct nic_cmd_counters *c)
{
	const struct flow_counters *fc = datapath_counters(dp);

	for (uint32_t i = 0; i < c->count; i++)
		flow_counters_read(fc, c->first + i, &c->out[i]);
	return c->count;
}

uint32_t nic_apply_valid(struct lookup *lk, struct datapath *dp,
			 const struct nic_cmd *c)
{
	struct lookup_write w;

	/* c has passed validation, so the blocks below cannot refuse it. */
	switch (c->op) {
	case NIC_OP_COUNTER_READ:
		return read_counters(dp, &c->counters);
	case NIC_OP_TEMPLATE_SET:
		lookup_template_set(lk, c->tpl.id, &c->tpl.tpl, NULL);
		return 0;
	case NIC_OP_CONFIG:
		datapath_set_policy(dp, &c->config, NULL);
		return 0;
	case NIC_OP_PACKET_OUT:
		datapath_packet_out(dp, c->packet.ppid, c->packet.frame,
				    c->packet.len, 0, NULL);
		return 0;
	default:
		/* The table ops, as the config port's beat. */
		nic_cmd_table_write(c, &w);
		lookup_write(lk, &w, NULL);
		datapath_table_written(dp, &w, datapath_now(dp));
		return 0;
	}
}

int nic_apply(struct nic *n, const struct nic_cmd *c,
	      struct nic_cmd_result *res, struct pnic_error *err)
{
	int rc = nic_cmd_validate(c, lookup_params(n->lk), err);
	uint32_t count = rc ? 0 : nic_apply_valid(n->lk, n->dp, c);

	if (!rc)
		refresh_sweep(n);

	if (res)
		*res = (struct nic_cmd_result){ .status = rc, .count = count };
	return rc;
}

static int submit(void *ctx, const struct nic_cmd *c,
		  struct nic_cmd_result *res, struct pnic_error *err)
{
	return nic_apply(ctx, c, res, err);
}

struct nic_cmd_sink nic_sink(struct nic *n)
{
	return (struct nic_cmd_sink){ .submit = submit, .ctx = n };
}

void nic_age(struct nic *n, uint64_t now_ns)
{
	if (now_ns < n->next_sweep)
		return;
	datapath_age(n->dp, now_ns, UINT_MAX);
	refresh_sweep(n);
}

void nic_process(struct nic *n, uint32_t in_port, const uint8_t *frame,
		 uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	nic_age(n, ts_ns);
	datapath_process(n->dp, in_port, frame, caplen, len, ts_ns);
	refresh_sweep(n);
}

/* A burst runs whole up to the first packet a sweep comes before. */
void nic_process_burst(struct nic *n, uint32_t in_port,
		       const struct datapath_pkt *pkts, unsigned n_pkts)
{
	while (n_pkts) {
		unsigned k = 1;

		nic_age(n, pkts[0].ts_ns);
		while (k < n_pkts && pkts[k].ts_ns < n->next_sweep)
			k++;
		datapath_process_burst(n->dp, in_port, pkts, k);
		refresh_sweep(n);
		pkts += k;
		n_pkts -= k;
	}
}

const struct lookup *nic_lookup(const struct nic *n)
{
	return n->lk;
}

const struct datapath *nic_datapath(const struct nic *n)
{
	return n->dp;
}
