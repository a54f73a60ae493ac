/* FPAG: create and destroy: the parameters checked, the tables allocated,
 * the VPIDs mapped. */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int check_params(const struct fpag_params *p, struct pnic_error *err)
{
	if (!p->profile || !p->rules || !p->sink.submit)
		return pnic_err(err, EINVAL, "fpag: a key profile, a rule set and a command sink are required");
	if (!key_profile_find(p->profile, KP_ETHERTYPE))
		return pnic_err(err, EINVAL, "fpag: key profile '%s' has no ethertype field: entries could not tell IP from ARP",
				p->profile->name);
	if (p->depth == 0 || p->n_ports == 0)
		return pnic_err(err, ERANGE, "fpag: depth %u and n_ports %u must be at least 1",
				p->depth, p->n_ports);
	if (p->full == TP_FULL_EVICT_LRU && !p->last_hit && !p->count)
		return pnic_err(err, EINVAL, "fpag: evict_lru needs a last_hit callback, or count (the FPAG's own last-hit times)");
	return 0;
}

static int check_second_slice(const struct fpag_params *p,
			      struct pnic_error *err)
{
	if (p->counter_batch > MBOX_COUNTER_READ_MAX)
		return pnic_err(err, ERANGE, "fpag: counter_batch %u is over the mailbox's %u records per COUNTER_READ",
				p->counter_batch, MBOX_COUNTER_READ_MAX);
	for (int k = 0; k < FPAG_KIND_COUNT; k++)
		if (p->age_class[k] >= ACTION_AGE_CLASSES)
			return pnic_err(err, ERANGE, "fpag: age class %u of kind %d is not 0..%u",
					p->age_class[k], k, ACTION_AGE_CLASSES - 1);
	if (p->max_vnics && p->max_vnics < p->n_vnics)
		return pnic_err(err, ERANGE, "fpag: max_vnics %u is below the %u VNICs given",
				p->max_vnics, p->n_vnics);
	if ((unsigned)p->ordering > FPAG_ORDER_HOLD || p->order_frames > FPAG_ORDER_FRAMES_MAX)
		return pnic_err(err, ERANGE, "fpag: ordering %u is not none (0) or hold (1), or order_frames %u is over %u",
				(unsigned)p->ordering, p->order_frames, FPAG_ORDER_FRAMES_MAX);
	if (p->n_vpids && p->n_vpids < p->n_vnics + p->n_uplinks)
		return pnic_err(err, ERANGE, "fpag: n_vpids %u cannot name %u VNICs and %u uplinks",
				p->n_vpids, p->n_vnics, p->n_uplinks);
	return 0;
}

static int check_topology(const struct fpag_params *p, struct pnic_error *err)
{
	if (p->n_vnics && !p->vnics)
		return pnic_err(err, EINVAL, "fpag: %u VNICs but no array", p->n_vnics);
	if (p->n_uplinks && !p->uplinks)
		return pnic_err(err, EINVAL, "fpag: %u uplinks but no array", p->n_uplinks);
	for (uint32_t i = 0; i < p->n_vnics; i++)
		if (p->vnics[i].ppid >= p->n_ports)
			return pnic_err(err, ERANGE, "fpag: VNIC %u is on PPID %u, the NIC has %u",
					p->vnics[i].id, p->vnics[i].ppid, p->n_ports);
	for (uint32_t i = 0; i < p->n_uplinks; i++)
		if (p->uplinks[i].ppid >= p->n_ports)
			return pnic_err(err, ERANGE, "fpag: uplink %u is on PPID %u, the NIC has %u",
					p->uplinks[i].id, p->uplinks[i].ppid, p->n_ports);
	return 0;
}

static uint64_t last_hit_cb(void *ctx, uint32_t index)
{
	struct fpag *f = ctx;

	return f->p.last_hit(f->p.ctx, index);
}

static int map_identity(struct fpag *f, uint32_t ppid, struct pnic_error *err)
{
	uint32_t v;
	int rc = vpid_alloc(f->va, ppid, &v, err);

	if (rc == 0 && v != ppid)
		rc = pnic_err(err, EPROTO, "fpag: identity VPID for PPID %u came out as %u", ppid, v);
	return rc;
}

static int map_endpoint(struct fpag *f, uint32_t ep, struct pnic_error *err)
{
	return vpid_alloc(f->va, fpag_ep_ppid(f, ep), &f->ep_vpid[ep], err);
}

/* The VPIDs: one per endpoint, or in PPID mode one per PPID, VPID p on
 * PPID p (the allocator hands out its range in order when new). */
static int map_vpids(struct fpag *f, struct pnic_error *err)
{
	bool by_ppid = f->p.flow_dest == FPAG_DEST_PPID;
	uint32_t n = by_ppid ? f->p.n_ports : f->p.n_vnics + f->p.n_uplinks;
	struct vpid_params vp = {
		.first = 0, .sink = f->p.sink,
		.count = by_ppid ? n : f->p.n_vpids ? f->p.n_vpids : f->n_ep,
	};
	int rc;

	if (n == 0)
		return pnic_err(err, EINVAL, "fpag: no VNIC and no uplink to give a VPID");
	rc = vpid_create(&vp, &f->va, err);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		if (by_ppid)
			rc = map_identity(f, i, err);
		else if (i >= f->p.n_vnics)
			rc = map_endpoint(f, f->nv + (i - f->p.n_vnics), err);
		else if (!f->p.vnics[i].later)
			rc = map_endpoint(f, i, err);
	}
	return rc;
}

static void init_tables(struct fpag *f)
{
	for (uint32_t i = 0; i < f->depth; i++)
		f->slot[i].handle = TP_NONE;
	for (uint32_t i = 0; i < f->rs_cap; i++)
		f->rs_owner[i] = OWN_NONE;
	for (uint32_t i = 0; i < f->n_ep; i++)
		f->ep_vpid[i] = FPAG_NONE;
	if (f->p.n_vnics)
		memcpy(f->vnics, f->p.vnics, f->p.n_vnics * sizeof *f->vnics);
	for (uint32_t i = 0; i < f->p.n_vnics; i++)
		f->present[i] = !f->p.vnics[i].later;
	f->nv_used = f->p.n_vnics;
	if (f->p.n_uplinks)
		memcpy(f->uplinks, f->p.uplinks, f->p.n_uplinks * sizeof *f->uplinks);
}

static int alloc_topology(struct fpag *f, struct pnic_error *err)
{
	f->vnics = calloc(f->nv ? f->nv : 1, sizeof *f->vnics);
	f->present = calloc(f->nv ? f->nv : 1, sizeof *f->present);
	f->uplinks = calloc(f->p.n_uplinks ? f->p.n_uplinks : 1, sizeof *f->uplinks);
	f->ep_vpid = calloc(f->n_ep ? f->n_ep : 1, sizeof *f->ep_vpid);
	f->tot = calloc(f->n_ep + 1, sizeof *f->tot);
	if (!f->vnics || !f->present || !f->uplinks || !f->ep_vpid || !f->tot)
		return pnic_err(err, ENOMEM, "fpag: out of memory for %u endpoints", f->n_ep);
	return fpag_alloc_vxlan(f, err);
}

/* The ordering guarantee's queue: every slot free, no entry waited for. */
static int alloc_queue(struct fpag *f, struct pnic_error *err)
{
	if (f->p.ordering != FPAG_ORDER_HOLD)
		return 0;
	f->q_n = f->p.order_frames ? f->p.order_frames : FPAG_ORDER_FRAMES_DEFAULT;
	f->q = malloc(f->q_n * sizeof *f->q);
	f->q_mem = malloc((size_t)f->q_n * NIC_PACKET_OUT_MAX_LEN);
	f->q_head = malloc(f->depth * sizeof *f->q_head);
	f->q_tail = malloc(f->depth * sizeof *f->q_tail);
	f->rearm = malloc(f->depth * sizeof *f->rearm);
	if (!f->q || !f->q_mem || !f->q_head || !f->q_tail || !f->rearm)
		return pnic_err(err, ENOMEM, "fpag: out of memory for %u queued misses", f->q_n);
	for (uint32_t i = 0; i < f->q_n; i++)
		f->q[i].next = i + 1 < f->q_n ? i + 1 : Q_NONE;
	memset(f->q_head, 0xff, f->depth * sizeof *f->q_head);
	memset(f->q_tail, 0xff, f->depth * sizeof *f->q_tail);
	return 0;
}

static int alloc_tables(struct fpag *f, struct pnic_error *err)
{
	uint32_t d = f->depth;
	int rc = alloc_topology(f, err);

	if (rc < 0)
		return rc;
	f->rec = calloc(d, sizeof *f->rec);
	f->slot = calloc(d, sizeof *f->slot);
	f->conn = malloc(f->max_conns * sizeof *f->conn);
	f->pend = malloc(f->max_conns * sizeof *f->pend);
	f->rs_owner = malloc(f->rs_cap * sizeof *f->rs_owner);
	f->ctr = calloc(f->batch, sizeof *f->ctr);
	if (!f->rec || !f->slot || !f->conn || !f->pend || !f->rs_owner || !f->ctr)
		return pnic_err(err, ENOMEM, "fpag: out of memory for %u entries", d);
	f->lru = malloc(d * sizeof *f->lru);
	f->lru_pos = malloc(d * sizeof *f->lru_pos);
	if (!f->lru || !f->lru_pos)
		return pnic_err(err, ENOMEM, "fpag: out of memory for %u entries", d);
	memset(f->lru_pos, 0xff, d * sizeof *f->lru_pos);
	init_tables(f);
	return alloc_queue(f, err);
}

static int make_blocks(struct fpag *f, struct pnic_error *err)
{
	struct flow_table_params ftp = {
		.depth = f->depth,
		.sink = { .submit = fpag_submit, .ctx = f },
	};
	struct tcam_place_params tpp = {
		.n_levels = f->n_levels, .algo = TP_ALGO_PLO,
		.layout = TP_LAYOUT_MIDDLE, .full = f->p.full,
		.last_hit = f->p.last_hit ? last_hit_cb : fpag_own_last_hit,
		.victim = f->own_lru ? fpag_own_victim : NULL,
		.moved = fpag_moved_cb, .ctx = f,
	};
	int rc;

	rc = flow_table_create(&ftp, &f->ft, err);
	if (rc < 0)
		return rc;
	tpp.table = f->ft;
	rc = tcam_place_create(&tpp, &f->tp, err);
	if (rc < 0)
		return rc;
	rc = conntrack_create(&f->p.ct, &f->ct, err);
	if (rc < 0)
		return rc;
	return map_vpids(f, err);
}

static void sizes(struct fpag *f, const struct fpag_params *p)
{
	uint32_t rules = ruleset_rule_count(p->rules);

	f->p = *p;
	f->nv = p->max_vnics ? p->max_vnics : p->n_vnics;
	f->rv0 = f->nv + p->n_uplinks;
	f->n_ep = f->rv0 + p->n_remote_vms;
	f->depth = p->depth;
	f->max_conns = p->ct.max_conns ? p->ct.max_conns : 65536;
	f->rs_cap = ruleset_entry_capacity(p->rules);
	f->batch = p->counter_batch ? p->counter_batch : MBOX_COUNTER_READ_MAX;
	if (f->batch > p->depth)
		f->batch = p->depth;
	/* Level 0: established connections; 1 + position: the rules; last:
	 * the default. */
	f->n_levels = (p->max_rules > rules ? p->max_rules : rules) + 2;
	f->next_poll = p->stats_ns;
	f->own_lru = p->full == TP_FULL_EVICT_LRU && !p->last_hit;
	for (uint32_t j = 0; j < p->n_uplinks; j++)
		f->vxlan |= p->uplinks[j].vtep_ipv4 != 0;
}

int fpag_create(const struct fpag_params *p, struct fpag **out,
		struct pnic_error *err)
{
	struct fpag *f;
	int rc;

	*out = NULL;
	rc = check_params(p, err);
	if (rc == 0)
		rc = check_second_slice(p, err);
	if (rc == 0)
		rc = check_topology(p, err);
	if (rc == 0)
		rc = fpag_check_remotes(p, err);
	if (rc < 0)
		return rc;
	f = calloc(1, sizeof *f);
	if (!f)
		return pnic_err(err, ENOMEM, "fpag: out of memory");
	sizes(f, p);
	rc = alloc_tables(f, err);
	if (rc == 0)
		rc = make_blocks(f, err);
	if (rc == 0)
		rc = fpag_make_remotes(f, err);
	if (rc < 0) {
		fpag_destroy(f);
		return rc;
	}
	f->p.vnics = f->vnics;
	f->p.uplinks = f->uplinks;
	f->sink = (struct nic_cmd_sink){ .submit = fpag_submit, .ctx = f };
	*out = f;
	return 0;
}

void fpag_destroy(struct fpag *f)
{
	if (!f)
		return;
	vpid_destroy(f->va);
	conntrack_destroy(f->ct);
	tcam_place_destroy(f->tp);
	flow_table_destroy(f->ft);
	free(f->rearm);
	free(f->q_tail);
	free(f->q_head);
	free(f->q_mem);
	free(f->q);
	free(f->lru_pos);
	free(f->lru);
	free(f->ctr);
	free(f->tot);
	free(f->rs_owner);
	free(f->pend);
	free(f->conn);
	free(f->slot);
	free(f->rec);
	free(f->obuf);
	free(f->tpl_key);
	free(f->tpl);
	free(f->ep_host);
	free(f->ep_tpl);
	free(f->rvms);
	free(f->rhosts);
	free(f->ep_vpid);
	free(f->uplinks);
	free(f->present);
	free(f->vnics);
	free(f);
}
