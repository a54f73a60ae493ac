/* FPAG: the host's flow processing and action generator (see fpag.h). */
#include "host/fpag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/flow_table.h"
#include "host/vpid.h"
#include "model/action.h"
#include "model/action_ram.h"
#include "model/editor.h"
#include "model/encap.h"
#include "model/mbox.h"
#include "model/parser.h"

/* What the FPAG knows of one placed entry, by tcam_place handle. */
struct fpag_rec {
	bool live;
	uint32_t dest;            /* endpoint forwarded to, FPAG_NONE: drop */
	uint32_t vpid;            /* VPID named, FPAG_NONE: drop */
	uint32_t rs_entry;        /* ruleset registration, FPAG_NONE: none */
	uint32_t conn;            /* conntrack record, CT_NONE: none */
	bool reply;               /* the connection's reply direction */
	uint32_t src;             /* endpoint its key pins, FPAG_NONE: any */
	uint32_t ingress;         /* endpoint whose miss installed it */
	bool tunnel;              /* matches a VXLAN frame's inner headers */
	uint64_t serial;          /* install number: tells reused handles apart */
	uint64_t packets, bytes, last_hit;
};

/* A tracked connection: its two endpoints and entries (by direction),
 * and its opening packet, registered in the rule set so that a rule
 * update names the connections it denies. */
struct fpag_conn {
	uint32_t ep[2];           /* originator's, then the destination's */
	uint32_t handle[2];       /* TP_NONE: no entry in that direction */
	uint32_t rs_entry;        /* the opening packet's exact match */
	bool pending;             /* queued for a check after a rule update */
	struct ruleset_hdr hdr;   /* the opening packet */
};

/* Per TCAM index: the NIC's write generation as the host knows it, and
 * the counter bookkeeping (the NIC never clears a counter). */
struct fpag_slot {
	uint32_t gen;             /* writes to the index the NIC has taken */
	uint32_t vgen;            /* gen of the latest that set validity */
	bool dirty;               /* its entry left; counters unread since */
	uint32_t handle;          /* the entry there (or that left), TP_NONE */
	uint64_t serial;
	uint32_t src, dest;       /* who its hits are counted to */
	uint64_t base_packets, base_bytes;  /* the counter as last read */
};

static const struct fpag_conn conn_none = {
	.ep = { FPAG_NONE, FPAG_NONE }, .handle = { TP_NONE, TP_NONE },
	.rs_entry = FPAG_NONE,
};

/* A miss waiting for its entry's landed marker. */
struct fpag_qpkt {
	uint32_t next;            /* the entry's next, or the next free */
	uint32_t dest;
	uint32_t caplen;
	uint64_t at;              /* when it was queued */
	uint64_t tag;             /* the caller's (fpag_set_tag) */
};

#define Q_NONE UINT32_MAX

#define OWN_NONE UINT32_MAX
#define OWN_CONN 0x80000000u  /* a rule-set entry registered for a connection */

struct fpag {
	struct fpag_params p;
	struct nic_cmd_sink sink; /* fpag_submit: the flow table's commands */
	struct fpag_vnic *vnics;  /* nv slots */
	bool *present;
	uint32_t nv, nv_used;
	struct fpag_uplink *uplinks;
	uint32_t n_ep;
	uint32_t *ep_vpid;        /* VPID mode: each endpoint's VPID */
	uint32_t n_levels;
	uint32_t depth;
	struct fpag_rec *rec;     /* depth, by handle */
	struct fpag_slot *slot;   /* depth, by index */
	struct fpag_conn *conn;   /* max_conns, by conntrack record */
	uint32_t max_conns;
	uint32_t *pend, n_pend;   /* connections to check after an update */
	uint32_t *rs_owner;       /* by rule-set entry: handle, OWN_CONN | conn */
	uint32_t rs_cap;
	struct fpag_totals *tot;  /* n_ep + 1: the last is nobody's */
	bool own_lru;             /* evict_lru by the FPAG's own last hits */
	uint32_t *lru, *lru_pos;  /* a min-heap of handles by last_hit */
	uint32_t n_lru;
	struct flow_counter *ctr; /* batch */
	uint32_t batch;
	uint64_t serial;
	uint64_t now;             /* the latest time given */
	uint64_t next_poll;
	int upd_rc;               /* a rule update's first command error */
	struct pnic_error *upd_err;
	struct flow_table *ft;
	struct tcam_place *tp;
	struct conntrack *ct;
	struct vpid_alloc *va;
	/* the ordering guarantee: misses queued per entry handle, in slots
	 * of NIC_PACKET_OUT_MAX_LEN bytes */
	struct fpag_qpkt *q;      /* order_frames */
	uint8_t *q_mem;
	uint32_t q_n, q_free;
	uint32_t *q_head, *q_tail;  /* depth, by handle */
	uint64_t tag;             /* the next miss's, for order_out */
	uint64_t out_tag;         /* the PACKET_OUT in the sink's hands: its
				   * miss's tag (fpag_out_tag) */
	struct fpag_stats st;
	/* VXLAN uplinks */
	bool vxlan;               /* an uplink has a VTEP */
	uint32_t rv0;             /* the first remote VM's endpoint */
	struct fpag_remote_host *rhosts;
	struct fpag_remote_vm *rvms;
	uint32_t *ep_tpl;         /* n_ep: the template an endpoint's entries
				   * encapsulate with, FPAG_NONE: none */
	uint32_t *ep_host;        /* nv: the remote host a moved VNIC is
				   * behind, FPAG_NONE: local */
	struct encap_template *tpl;  /* ACTION_RAM_MAX_TEMPLATES, by id */
	uint32_t *tpl_key;        /* 2 per template: host, VNI */
	uint32_t n_tpl;
	uint8_t *obuf;            /* a packet-out being edited */
};

/* Why an entry is forgotten: it decides what becomes of its connection
 * when it was the last entry. */
enum fpag_gone {
	GONE_REMOVED,             /* back on conntrack's timers */
	GONE_EVICTED,             /* the same */
	GONE_AGED,                /* the connection ends */
};

/* One packet in the slow path. */
struct fpag_pkt {
	struct parser_result pr;
	const struct pkt_hdrs *h;
	uint32_t ep;              /* ingress endpoint */
	struct ruleset_hdr hdr;
	struct ruleset_decision d;
	struct ruleset_match m;
	uint32_t level;
	bool tracked;             /* the entry belongs to a connection */
	bool tunnel;              /* a VXLAN frame from an uplink: h is the
				   * inner headers */
	struct conntrack_result cr;
};

void fpag_costs_default(struct fpag_costs *c)
{
	c->packet_ns = 300;
	c->rule_ns = 5;
	c->conntrack_ns = 150;
	c->install_ns = 400;
	c->packet_out_ns = 200;
	c->counter_poll_ns = 500;
	c->counter_record_ns = 20;
}

static void spend(struct fpag *f, uint64_t ns)
{
	f->st.cpu_ns += ns;
	if (f->p.spend && ns)
		f->p.spend(f->p.ctx, ns);
}

/* The uplink a remote VM is behind. */
static const struct fpag_uplink *rvm_uplink(const struct fpag *f, uint32_t ep)
{
	return &f->uplinks[f->rhosts[f->rvms[ep - f->rv0].host].uplink];
}

static uint32_t ep_ppid(const struct fpag *f, uint32_t ep)
{
	if (ep < f->nv)
		return f->vnics[ep].ppid;
	return ep < f->rv0 ? f->uplinks[ep - f->nv].ppid : rvm_uplink(f, ep)->ppid;
}

/* An endpoint entries may forward to: an uplink, or a present VNIC. */
static bool dest_ok(const struct fpag *f, uint32_t ep)
{
	return ep < f->n_ep && (ep >= f->nv || f->present[ep]);
}

bool fpag_vnic_present(const struct fpag *f, uint32_t index)
{
	return index < f->nv && f->present[index];
}

static void note_time(struct fpag *f, uint64_t now)
{
	if (now > f->now)
		f->now = now;
}

uint32_t fpag_endpoint_vpid(const struct fpag *f, uint32_t endpoint)
{
	if (endpoint >= f->n_ep)
		return FPAG_NONE;
	return f->p.flow_dest == FPAG_DEST_VPID ? f->ep_vpid[endpoint] :
	       ep_ppid(f, endpoint);
}

const struct fpag_stats *fpag_stats(const struct fpag *f)
{
	return &f->st;
}

/* ---- create ------------------------------------------------------------- */

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

static bool has_inner_fields(const struct key_profile *kp)
{
	static const enum key_profile_field_id need[] = {
		KP_VNI, KP_INNER_IP_PROTO, KP_INNER_SRC_IP, KP_INNER_DST_IP,
		KP_INNER_L4_SRC, KP_INNER_L4_DST,
	};

	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!key_profile_find(kp, need[i]))
			return false;
	return true;
}

static int check_remote_list(const struct fpag_params *p, struct pnic_error *err);

static int check_remotes(const struct fpag_params *p, struct pnic_error *err)
{
	bool vxlan = false;

	for (uint32_t j = 0; j < p->n_uplinks; j++)
		vxlan |= p->uplinks[j].vtep_ipv4 != 0;
	if (vxlan && !has_inner_fields(p->profile))
		return pnic_err(err, EINVAL, "fpag: key profile '%s' has no VNI and inner 5-tuple: VXLAN uplinks need them (the vxlan profile)",
				p->profile->name);
	if ((p->n_remote_hosts && !p->remote_hosts) || (p->n_remote_vms && !p->remote_vms))
		return pnic_err(err, EINVAL, "fpag: remote hosts or VMs counted but no array");
	return check_remote_list(p, err);
}

static int check_remote_list(const struct fpag_params *p, struct pnic_error *err)
{
	for (uint32_t i = 0; i < p->n_remote_hosts; i++)
		if (p->remote_hosts[i].uplink >= p->n_uplinks ||
		    !p->uplinks[p->remote_hosts[i].uplink].vtep_ipv4)
			return pnic_err(err, EINVAL, "fpag: remote host %u is behind uplink %u, which is no VXLAN uplink (no VTEP)",
					p->remote_hosts[i].id, p->remote_hosts[i].uplink);
	for (uint32_t i = 0; i < p->n_remote_vms; i++)
		if (p->remote_vms[i].host >= p->n_remote_hosts ||
		    p->remote_vms[i].vni == 0 || p->remote_vms[i].vni > 0xffffff)
			return pnic_err(err, EINVAL, "fpag: remote VM %u: host %u of %u, VNI %u (1..16777215)",
					p->remote_vms[i].id, p->remote_vms[i].host,
					p->n_remote_hosts, p->remote_vms[i].vni);
	return 0;
}

static uint64_t last_hit_cb(void *ctx, uint32_t index)
{
	struct fpag *f = ctx;

	return f->p.last_hit(f->p.ctx, index);
}

/* ---- the FPAG's own LRU: a min-heap of live handles by last hit, so an
 * eviction costs O(log entries), not a scan of every index (tcam_place's
 * scan of last_hit stays as the oracle it is tested against). */

static bool lru_less(const struct fpag *f, uint32_t a, uint32_t b)
{
	return f->rec[f->lru[a]].last_hit < f->rec[f->lru[b]].last_hit;
}

static void lru_swap(struct fpag *f, uint32_t a, uint32_t b)
{
	uint32_t h = f->lru[a];

	f->lru[a] = f->lru[b];
	f->lru[b] = h;
	f->lru_pos[f->lru[a]] = a;
	f->lru_pos[f->lru[b]] = b;
}

static void lru_up(struct fpag *f, uint32_t i)
{
	while (i > 0 && lru_less(f, i, (i - 1) / 2)) {
		lru_swap(f, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void lru_down(struct fpag *f, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < f->n_lru && lru_less(f, l, m))
			m = l;
		if (l + 1 < f->n_lru && lru_less(f, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		lru_swap(f, i, m);
		i = m;
	}
}

static void lru_add(struct fpag *f, uint32_t h)
{
	if (!f->own_lru)
		return;
	f->lru[f->n_lru] = h;
	f->lru_pos[h] = f->n_lru;
	lru_up(f, f->n_lru++);
}

static void lru_del(struct fpag *f, uint32_t h)
{
	uint32_t i = f->own_lru ? f->lru_pos[h] : UINT32_MAX, m;

	if (i == UINT32_MAX)
		return;
	f->lru_pos[h] = UINT32_MAX;
	if (i == --f->n_lru)
		return;
	m = f->lru[f->n_lru];
	f->lru[i] = m;
	f->lru_pos[m] = i;
	lru_up(f, i);
	lru_down(f, f->lru_pos[m]);
}

/* Its last hit moved on (only ever later). */
static void lru_later(struct fpag *f, uint32_t h)
{
	if (f->own_lru && f->lru_pos[h] != UINT32_MAX)
		lru_down(f, f->lru_pos[h]);
}

static uint32_t own_victim(void *ctx)
{
	struct fpag *f = ctx;

	return f->n_lru ? tcam_place_index(f->tp, f->lru[0]) : TP_NONE;
}

/* evict_lru without a callback: the last hits of the latest counter read
 * (an entry not hit since: its install time). */
static uint64_t own_last_hit(void *ctx, uint32_t index)
{
	struct fpag *f = ctx;
	uint32_t h = tcam_place_handle_at(f->tp, index);

	return h == TP_NONE ? 0 : f->rec[h].last_hit;
}

/* An entry moved: its counters continue at the new index. */
static void moved_cb(void *ctx, uint32_t handle, uint32_t from, uint32_t to)
{
	struct fpag *f = ctx;
	struct fpag_slot *s = &f->slot[from], *d = &f->slot[to];

	(void)handle;
	d->handle = s->handle;
	d->serial = s->serial;
	d->src = s->src;
	d->dest = s->dest;
}

static int fpag_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err);

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
	return vpid_alloc(f->va, ep_ppid(f, ep), &f->ep_vpid[ep], err);
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
	for (uint32_t i = 0; i < f->max_conns; i++)
		f->conn[i] = conn_none;
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

static void init_vxlan(struct fpag *f)
{
	const struct fpag_params *p = &f->p;

	memset(f->ep_tpl, 0xff, f->n_ep * sizeof *f->ep_tpl);
	memset(f->ep_host, 0xff, (f->nv + 1) * sizeof *f->ep_host);
	if (p->n_remote_hosts)
		memcpy(f->rhosts, p->remote_hosts, p->n_remote_hosts * sizeof *f->rhosts);
	if (p->n_remote_vms)
		memcpy(f->rvms, p->remote_vms, p->n_remote_vms * sizeof *f->rvms);
}

static int alloc_vxlan(struct fpag *f, struct pnic_error *err)
{
	const struct fpag_params *p = &f->p;

	uint32_t ntpl = f->vxlan ? ACTION_RAM_MAX_TEMPLATES : 1;

	f->rhosts = calloc(p->n_remote_hosts + 1, sizeof *f->rhosts);
	f->rvms = calloc(p->n_remote_vms + 1, sizeof *f->rvms);
	f->ep_tpl = malloc(f->n_ep * sizeof *f->ep_tpl);
	f->ep_host = malloc((f->nv + 1) * sizeof *f->ep_host);
	f->tpl = calloc(ntpl, sizeof *f->tpl);
	f->tpl_key = calloc(2 * (size_t)ACTION_RAM_MAX_TEMPLATES, sizeof *f->tpl_key);
	f->obuf = malloc(f->vxlan ? NIC_PACKET_OUT_MAX_LEN : 1);
	if (!f->rhosts || !f->rvms || !f->ep_tpl || !f->ep_host)
		return pnic_err(err, ENOMEM, "fpag: out of memory for the remote VMs");
	if (!f->tpl || !f->tpl_key || !f->obuf)
		return pnic_err(err, ENOMEM, "fpag: out of memory for the encap templates");
	init_vxlan(f);
	return 0;
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
	return alloc_vxlan(f, err);
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
	if (!f->q || !f->q_mem || !f->q_head || !f->q_tail)
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
		.last_hit = f->p.last_hit ? last_hit_cb : own_last_hit,
		.victim = f->own_lru ? own_victim : NULL,
		.moved = moved_cb, .ctx = f,
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

/* ---- VXLAN uplinks: templates ------------------------------------------ */

static void put_mac(uint8_t *b, uint64_t mac)
{
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(mac >> (40 - 8 * i));
}

static void put_ipv4(uint8_t *b, uint32_t ip)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(ip >> (24 - 8 * i));
}

/* The template for (remote host, VNI): the one written already, or a new
 * one (TEMPLATE_SET, counted in *cmds). */
static int tpl_for(struct fpag *f, uint32_t host, uint32_t vni, uint32_t *id,
		   uint32_t *cmds, struct pnic_error *err)
{
	const struct fpag_uplink *u = &f->uplinks[f->rhosts[host].uplink];
	struct encap_fields e = { .ttl = 64, .vni = vni };
	struct nic_cmd c = { .op = NIC_OP_TEMPLATE_SET };
	int rc;

	for (*id = 0; *id < f->n_tpl; (*id)++)
		if (f->tpl_key[2 * *id] == host && f->tpl_key[2 * *id + 1] == vni)
			return 0;
	if (f->n_tpl == ACTION_RAM_MAX_TEMPLATES)
		return pnic_err(err, ENOSPC, "fpag: all %u encap templates used",
				ACTION_RAM_MAX_TEMPLATES);
	put_mac(e.eth_dst, u->next_hop_mac);
	put_mac(e.eth_src, u->vtep_mac);
	put_ipv4(e.src_ip, u->vtep_ipv4);
	put_ipv4(e.dst_ip, f->rhosts[host].vtep_ipv4);
	if ((rc = encap_build(&e, &f->tpl[*id], err)) < 0)
		return rc;
	c.tpl.id = (uint8_t)*id;
	c.tpl.tpl = f->tpl[*id];
	if ((rc = nic_cmd_submit(&f->p.sink, &c, NULL, err)) < 0) {
		f->st.cmd_errors++;
		return rc;
	}
	f->tpl_key[2 * *id] = host;
	f->tpl_key[2 * *id + 1] = vni;
	f->n_tpl++;
	f->st.templates++;
	(*cmds)++;
	return 0;
}

/* Each remote VM: its host's template with its VNI, and (VPID mode) its
 * uplink's VPID, which its entries name. */
static int make_remotes(struct fpag *f, struct pnic_error *err)
{
	uint32_t cmds = 0;
	int rc;

	for (uint32_t k = 0; k < f->p.n_remote_vms; k++) {
		uint32_t ep = f->rv0 + k;

		if ((rc = tpl_for(f, f->rvms[k].host, f->rvms[k].vni, &f->ep_tpl[ep],
				  &cmds, err)) < 0)
			return rc;
		f->ep_vpid[ep] = f->ep_vpid[f->nv + f->rhosts[f->rvms[k].host].uplink];
	}
	return 0;
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
		rc = check_remotes(p, err);
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
		rc = make_remotes(f, err);
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

/* ---- the commands' books: write generations, counters ------------------- */

static uint32_t cmd_index(const struct nic_cmd *c)
{
	switch (c->op) {
	case NIC_OP_ENTRY_WRITE:
		return c->entry.index;
	case NIC_OP_ENTRY_INVALIDATE:
		return c->index;
	case NIC_OP_ACTION_WRITE:
		return c->action.index;
	default:
		return UINT32_MAX;
	}
}

/* Fold one counter record of index i into the totals: the hits since
 * the last read belong to the entry there (or that left it). */
static void fold(struct fpag *f, uint32_t i, const struct flow_counter *c)
{
	struct fpag_slot *s = &f->slot[i];
	uint64_t dp = c->packets - s->base_packets;
	uint64_t db = c->bytes - s->base_bytes;
	struct fpag_rec *r;

	s->base_packets = c->packets;
	s->base_bytes = c->bytes;
	s->dirty = false;
	if (dp == 0 || s->handle == TP_NONE)
		return;
	f->st.ctr_packets += dp;
	f->st.ctr_bytes += db;
	f->tot[s->src < f->n_ep ? s->src : f->n_ep].tx_packets += dp;
	f->tot[s->src < f->n_ep ? s->src : f->n_ep].tx_bytes += db;
	f->tot[s->dest < f->n_ep ? s->dest : f->n_ep].rx_packets += dp;
	f->tot[s->dest < f->n_ep ? s->dest : f->n_ep].rx_bytes += db;
	r = &f->rec[s->handle];
	if (!r->live || r->serial != s->serial)
		return;
	r->packets += dp;
	r->bytes += db;
	if (c->last_hit > r->last_hit) {
		r->last_hit = c->last_hit;
		lru_later(f, s->handle);
	}
}

/* COUNTER_READ of indices first .. first + n - 1, folded. */
static int read_run(struct fpag *f, uint32_t first, uint32_t n,
		    struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_COUNTER_READ };
	struct nic_cmd_result res = { 0, 0 };
	uint64_t cost;
	int rc;

	c.counters.first = first;
	c.counters.count = n;
	c.counters.out = f->ctr;
	rc = nic_cmd_submit(&f->p.sink, &c, &res, err);
	if (rc < 0) {
		f->st.cmd_errors++;
		return rc;
	}
	f->st.counter_reads++;
	f->st.counter_records += res.count;
	for (uint32_t j = 0; j < res.count && j < n; j++)
		fold(f, first + j, &f->ctr[j]);
	cost = f->p.costs.counter_poll_ns +
	       (uint64_t)f->p.costs.counter_record_ns * res.count;
	f->st.counter_cpu_ns += cost;
	spend(f, cost);
	return 0;
}

/* Every flow-table command passes here on its way to the sink: a write
 * into an index whose entry left unread reads it first (so its hits go
 * to the entry that had them), and each command the sink takes advances
 * the index's write generation, as the NIC's does. */
static int fpag_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	struct fpag *f = ctx;
	uint32_t i = cmd_index(c);
	int rc;

	if (i < f->depth && c->op == NIC_OP_ENTRY_WRITE && f->p.count &&
	    f->slot[i].dirty && (rc = read_run(f, i, 1, err)) < 0)
		return rc;
	rc = nic_cmd_submit(&f->p.sink, c, res, err);
	if (rc < 0 || i >= f->depth)
		return rc;
	f->slot[i].gen++;
	if (c->op != NIC_OP_ACTION_WRITE)
		f->slot[i].vgen = f->slot[i].gen;
	/* An invalid index takes no hits: its counters wait, unread, for
	 * the next write there or the next poll. */
	f->slot[i].dirty = c->op == NIC_OP_ENTRY_INVALIDATE ||
			   (c->op == NIC_OP_ACTION_WRITE && f->slot[i].dirty);
	return 0;
}

/* ---- entries ------------------------------------------------------------ */

static void own_clear(struct fpag *f, uint32_t rs_entry)
{
	if (rs_entry < f->rs_cap)
		f->rs_owner[rs_entry] = OWN_NONE;
}

/* A connection is over: its record and registration go (its entries are
 * gone already). */
static void conn_drop(struct fpag *f, uint32_t conn)
{
	struct fpag_conn *c = &f->conn[conn];

	conntrack_remove(f->ct, conn);
	if (c->rs_entry != FPAG_NONE) {
		ruleset_entry_remove(f->p.rules, c->rs_entry);
		own_clear(f, c->rs_entry);
	}
	*c = conn_none;
}

/* The entry's connection lost it.  Its last entry: an aged one ends the
 * connection (the NIC saw it idle for its class's timeout); otherwise the
 * record goes back on conntrack's timers from now. */
static void conn_lost_entry(struct fpag *f, const struct fpag_rec *r,
			    uint32_t handle, enum fpag_gone why)
{
	struct fpag_conn *c = &f->conn[r->conn];

	if (c->handle[r->reply] == handle)
		c->handle[r->reply] = TP_NONE;
	if (c->handle[0] != TP_NONE || c->handle[1] != TP_NONE)
		return;
	if (why == GONE_AGED) {
		f->st.aged_conns++;
		conn_drop(f, r->conn);
	} else {
		conntrack_set_offloaded(f->ct, r->conn, false, f->now);
	}
}

/* Drop what the FPAG keeps of an entry no longer on the NIC (the
 * ENTRY_INVALIDATE submitted, or the NIC's own removal). */
static void order_left(struct fpag *f, uint32_t handle);

static void forget(struct fpag *f, uint32_t handle, enum fpag_gone why)
{
	struct fpag_rec *r = &f->rec[handle];

	if (!r->live)
		return;
	order_left(f, handle);
	r->live = false;
	f->st.entries_live--;
	lru_del(f, handle);
	if (r->vpid != FPAG_NONE)
		vpid_entry_removed(f->va, r->vpid, NULL);
	if (r->rs_entry != FPAG_NONE) {
		ruleset_entry_remove(f->p.rules, r->rs_entry);
		own_clear(f, r->rs_entry);
	}
	if (r->conn != CT_NONE && r->conn < f->max_conns)
		conn_lost_entry(f, r, handle, why);
}

static int remove_entry(struct fpag *f, uint32_t handle, enum fpag_gone why,
			struct pnic_error *err)
{
	int rc;

	if (tcam_place_index(f->tp, handle) == TP_NONE)
		return 0;
	rc = tcam_place_delete(f->tp, handle, err);
	if (rc < 0) {
		f->st.cmd_errors++;
		return rc;
	}
	forget(f, handle, why);
	f->st.entries_removed++;
	return 0;
}

/* A completed teardown: both directions' entries go; the record and
 * registration stay until conntrack's closing-state timeout
 * (fpag_tick), so the connection's late packets are still its own. */
static int conn_close(struct fpag *f, uint32_t conn, struct pnic_error *err)
{
	struct fpag_conn *c = &f->conn[conn];
	uint32_t h[2] = { c->handle[0], c->handle[1] };
	int rc;

	for (int i = 0; i < 2; i++)
		if (h[i] != TP_NONE && f->rec[h[i]].live &&
		    f->rec[h[i]].conn == conn &&
		    (rc = remove_entry(f, h[i], GONE_REMOVED, err)) < 0)
			return rc;
	return 0;
}

/* End a connection: both directions' entries invalidated, then the
 * record and registration dropped. */
static int conn_end(struct fpag *f, uint32_t conn, struct pnic_error *err)
{
	int rc = conn_close(f, conn, err);

	if (rc == 0)
		conn_drop(f, conn);
	return rc;
}

static void ip_from_bytes(const uint8_t b[16], struct ruleset_ip *ip)
{
	ip->hi = ip->lo = 0;
	for (int i = 0; i < 8; i++) {
		ip->hi = ip->hi << 8 | b[i];
		ip->lo = ip->lo << 8 | b[8 + i];
	}
}

static bool vnic_has_ip(const struct fpag_vnic *v, struct ruleset_ip ip)
{
	struct ruleset_ip v4 = ruleset_ip_v4(v->ipv4);

	return (v->has_ipv4 && ip.hi == v4.hi && ip.lo == v4.lo) ||
	       (v->has_ipv6 && ip.hi == v->ipv6.hi && ip.lo == v->ipv6.lo);
}

/* A match scoped to a VNIC names it by its source address (and VLAN):
 * the key has no MAC and no VNIC.  -EPERM: the packet's source is not
 * the VNIC's address, so no entry can name the VNIC. */
static int narrow_to_vnic(struct fpag *f, const struct fpag_pkt *k,
			  struct key_profile_fields *v,
			  struct key_profile_fields *mk)
{
	const struct fpag_vnic *vn;
	struct ruleset_ip rv;

	if (k->ep >= f->rv0 && k->ep < f->n_ep) {
		/* A remote VM, by its address (and, tunnelled, its VNI). */
		rv = ruleset_ip_v4(f->rvms[k->ep - f->rv0].ipv4);
		if (rv.hi != k->hdr.src_ip.hi || rv.lo != k->hdr.src_ip.lo)
			return -EPERM;
		v->hi[KP_SRC_IP] = rv.hi, v->lo[KP_SRC_IP] = rv.lo;
		mk->hi[KP_SRC_IP] = mk->lo[KP_SRC_IP] = UINT64_MAX;
		return 0;
	}
	if (k->ep >= f->nv || !vnic_has_ip(&f->vnics[k->ep], k->hdr.src_ip))
		return -EPERM;
	vn = &f->vnics[k->ep];
	v->hi[KP_SRC_IP] = k->hdr.src_ip.hi;
	v->lo[KP_SRC_IP] = k->hdr.src_ip.lo;
	mk->hi[KP_SRC_IP] = mk->lo[KP_SRC_IP] = UINT64_MAX;
	if (vn->has_vlan && !k->tunnel) {
		key_profile_set(v, KP_VLAN_VID, vn->vlan);
		key_profile_set(mk, KP_VLAN_VID, 0xfff);
	}
	return 0;
}

/* With VXLAN uplinks every entry says whether it is for tunnelled
 * traffic: a local one matches VNI 0 (so a wide entry never takes in a
 * VXLAN frame, whose outer headers are the underlay's), a tunnelled one
 * the frame's outer ethertype, UDP to 4789 and VNI, and its match moves
 * to the inner fields.  -ENOTSUP: a match the inner fields cannot hold
 * (TCP flags, an inner address wider than the profile's field). */
static int tunnel_key(const struct fpag *f, const struct fpag_pkt *k,
		      struct key_profile_fields *v, struct key_profile_fields *mk)
{
	static const enum key_profile_field_id from[] = {
		KP_IP_PROTO, KP_SRC_IP, KP_DST_IP, KP_L4_SRC, KP_L4_DST,
	};
	static const enum key_profile_field_id to[] = {
		KP_INNER_IP_PROTO, KP_INNER_SRC_IP, KP_INNER_DST_IP, KP_INNER_L4_SRC,
		KP_INNER_L4_DST,
	};

	key_profile_set(mk, KP_VNI, 0xffffff);
	key_profile_set(v, KP_VNI, k->tunnel ? k->pr.vni : 0);
	if (!k->tunnel)
		return 0;
	if ((mk->lo[KP_TCP_FLAGS] | mk->lo[KP_VLAN_VID]) ||
	    (k->h->ethertype != 0x0800 &&
	     key_profile_find(f->p.profile, KP_INNER_SRC_IP)->width < 128))
		return -ENOTSUP;
	for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
		v->lo[to[i]] = v->lo[from[i]], v->hi[to[i]] = v->hi[from[i]];
		mk->lo[to[i]] = mk->lo[from[i]], mk->hi[to[i]] = mk->hi[from[i]];
		v->lo[from[i]] = v->hi[from[i]] = mk->lo[from[i]] = mk->hi[from[i]] = 0;
	}
	key_profile_set(v, KP_IP_PROTO, 17);
	key_profile_set(mk, KP_IP_PROTO, 0xff);
	key_profile_set(v, KP_L4_DST, 4789);
	key_profile_set(mk, KP_L4_DST, 0xffff);
	return 0;
}

/* The entry's value and mask from the match.  -EPERM spoofed source,
 * -ENOTSUP a field the key profile cannot hold. */
static int build_key(struct fpag *f, const struct fpag_pkt *k,
		     struct pnic_key *value, struct pnic_key *mask)
{
	struct key_profile_fields v = { { 0 }, { 0 } }, mk = { { 0 }, { 0 } };

	if (k->m.mask.dst_mac)
		return -ENOTSUP;
	ruleset_match_fields(&k->m, &v, &mk);
	if (k->m.mask.vnic && narrow_to_vnic(f, k, &v, &mk) < 0)
		return -EPERM;
	if (f->vxlan && tunnel_key(f, k, &v, &mk) < 0)
		return -ENOTSUP;
	key_profile_set(&v, KP_ETHERTYPE, k->pr.outer.ethertype);
	key_profile_set(&mk, KP_ETHERTYPE, 0xffff);
	for (int id = 0; id < KP_FIELD_COUNT; id++)
		if ((mk.hi[id] | mk.lo[id]) &&
		    !key_profile_find(f->p.profile, (enum key_profile_field_id)id))
			return -ENOTSUP;
	key_profile_pack(f->p.profile, &v, value);
	key_profile_pack(f->p.profile, &mk, mask);
	return 0;
}

static enum fpag_kind kind_of(const struct fpag_pkt *k)
{
	if (!k->tracked)
		return FPAG_KIND_STATELESS;
	return k->hdr.proto == 6 ? FPAG_KIND_TCP : FPAG_KIND_OTHER;
}

/* The edit an entry's packets need: decap for a tunnelled one, encap
 * with the destination's template for one to a remote VM or a VNIC behind
 * a remote host.  Both at once (remote to remote) is not carried: the
 * slow path refuses it too, so the entry drops. */
static void tunnel_action(const struct fpag *f, bool tunnel, uint32_t dest,
			  struct action_word *w)
{
	uint32_t tpl = dest < f->n_ep ? f->ep_tpl[dest] : FPAG_NONE;
	struct pnic_action a;

	if (!f->vxlan)
		return;
	action_unpack(w, &a);
	a.tunnel_op = TUNNEL_OP_NONE;
	a.encap_id = 0;
	if (tunnel && tpl != FPAG_NONE)
		a.kind = ACT_DROP;
	else if (tunnel)
		a.tunnel_op = TUNNEL_OP_VXLAN_DECAP;
	else if (tpl != FPAG_NONE)
		a.tunnel_op = TUNNEL_OP_VXLAN_ENCAP, a.encap_id = (uint8_t)tpl;
	action_pack(&a, w);
}

static void make_action(const struct fpag *f, const struct fpag_pkt *k,
			uint32_t vpid, struct action_word *w)
{
	struct pnic_action a = { .kind = ACT_DROP };

	if (vpid != FPAG_NONE) {
		a.kind = ACT_FORWARD;
		a.vpid = (uint16_t)vpid;
	}
	a.notify_end = k->tracked && k->hdr.proto == 6;
	a.age_class = f->p.age_class[kind_of(k)];
	a.count = f->p.count;
	action_pack(&a, w);
}

/* Register a stateless entry for update impact (a tracked connection's
 * entries follow the connection, registered once by its opening packet). */
static int register_entry(struct fpag *f, const struct fpag_pkt *k,
			  uint32_t *rs_entry)
{
	*rs_entry = FPAG_NONE;
	if (k->tracked)
		return 0;
	if (ruleset_entry_add(f->p.rules, &k->m, NULL, rs_entry, NULL) < 0) {
		f->st.register_refused++;
		return -1;
	}
	return 0;
}

/* The source an entry's key pins: the VNIC, when the match names it or
 * its source address exactly; else any. */
static uint32_t pinned_src(const struct fpag_pkt *k)
{
	bool exact_src = k->m.mask.src_ip.hi == UINT64_MAX &&
			 k->m.mask.src_ip.lo == UINT64_MAX;

	return k->m.mask.vnic || exact_src ? k->ep : FPAG_NONE;
}

static void record(struct fpag *f, const struct fpag_pkt *k,
		   const struct tcam_place_result *r, uint32_t dest,
		   uint32_t vpid, uint32_t rs_entry)
{
	struct fpag_slot *s = &f->slot[r->index];

	f->rec[r->handle] = (struct fpag_rec){
		.live = true, .dest = dest, .vpid = vpid, .rs_entry = rs_entry,
		.conn = k->tracked ? k->cr.conn : CT_NONE, .reply = k->cr.reply,
		.src = pinned_src(k), .ingress = k->ep, .tunnel = k->tunnel,
		.serial = ++f->serial,
		.last_hit = f->now,
	};
	lru_add(f, r->handle);
	s->handle = r->handle;
	s->serial = f->serial;
	s->src = f->rec[r->handle].src;
	s->dest = dest;
	if (rs_entry != FPAG_NONE)
		f->rs_owner[rs_entry] = r->handle;
	if (k->tracked) {
		f->conn[k->cr.conn].handle[k->cr.reply] = r->handle;
		conntrack_set_offloaded(f->ct, k->cr.conn, true, f->now);
	}
	f->st.installs++;
	f->st.entries_live++;
	f->st.drop_entries += vpid == FPAG_NONE;
}

/* Place the entry; a full table (refuse policy) leaves the flow in the
 * slow path, counted. */
static int place(struct fpag *f, const struct fpag_pkt *k,
		 struct tcam_place_entry *e, uint32_t dest, uint32_t rs_entry,
		 uint32_t *at, struct pnic_error *err)
{
	struct tcam_place_result r;
	uint32_t vpid = dest == FPAG_NONE ? FPAG_NONE : fpag_endpoint_vpid(f, dest);
	int rc;

	if (vpid != FPAG_NONE && vpid_entry_added(f->va, vpid, err) < 0)
		return -ESTALE;
	make_action(f, k, vpid, &e->action);
	tunnel_action(f, k->tunnel, dest, &e->action);
	/* A forward holds its hits until the flow's queued misses are out
	 * (a drop entry has nothing to order). */
	if (f->p.ordering == FPAG_ORDER_HOLD && vpid != FPAG_NONE)
		e->action.w[ACTW_HOLD_OFF / 64] |= 1ull << (ACTW_HOLD_OFF % 64);
	rc = tcam_place_insert(f->tp, e, &r, err);
	if (rc < 0) {
		if (vpid != FPAG_NONE)
			vpid_entry_removed(f->va, vpid, NULL);
		return rc;
	}
	if (r.victim != TP_NONE) {
		f->st.evictions++;
		forget(f, r.victim, GONE_EVICTED);
	}
	record(f, k, &r, dest, vpid, rs_entry);
	*at = r.index;
	return 0;
}

/* The entry the flow has already, if any: *at its index.  A tracked
 * connection's direction by its handle, a stateless flow by its match. */
static bool existing(struct fpag *f, const struct fpag_pkt *k,
		     const struct tcam_place_entry *e, uint32_t *at)
{
	int32_t found;

	if (k->tracked && f->conn[k->cr.conn].handle[k->cr.reply] != TP_NONE) {
		/* a packet that missed before the entry landed */
		*at = tcam_place_index(f->tp, f->conn[k->cr.conn].handle[k->cr.reply]);
		return true;
	}
	if (!k->tracked && (found = flow_table_find(f->ft, &e->value, &e->mask)) >= 0) {
		*at = (uint32_t)found;
		return true;
	}
	return false;
}

/* Install the flow's entry; *at (may be NULL) gets the index of the
 * entry the packet's flow has now (placed, or found already there), or
 * TP_NONE. */
static int install(struct fpag *f, const struct fpag_pkt *k, uint32_t dest,
		   uint32_t *at, struct pnic_error *err)
{
	struct tcam_place_entry e = { .level = k->level };
	uint32_t rs_entry, idx = TP_NONE;
	int rc = build_key(f, k, &e.value, &e.mask);

	if (!at)
		at = &idx;
	*at = TP_NONE;
	if (rc < 0) {
		if (rc == -EPERM)
			f->st.spoofed++;
		else
			f->st.inexpressible++;
		return 0;
	}
	if (existing(f, k, &e, at) || register_entry(f, k, &rs_entry) < 0)
		return 0;
	spend(f, f->p.costs.install_ns);
	rc = place(f, k, &e, dest, rs_entry, at, err);
	if (rc < 0 && rs_entry != FPAG_NONE)
		ruleset_entry_remove(f->p.rules, rs_entry);
	if (rc == -ENOSPC) {
		f->st.table_full++;
		return 0;
	}
	if (rc < 0)
		f->st.cmd_errors++;
	return rc;
}

/* ---- a miss ------------------------------------------------------------- */

/* The ingress endpoint: the VNIC with this source MAC on this PPID, else
 * the uplink on it, else FPAG_NONE. */
static uint32_t find_source(const struct fpag *f, uint32_t ppid,
			    const uint8_t *frame, const struct pkt_hdrs *h)
{
	uint64_t mac = 0;

	for (int i = 6; i < 12; i++)
		mac = mac << 8 | frame[h->l2_off + i];
	for (uint32_t i = 0; i < f->nv_used; i++)
		if (f->present[i] && f->vnics[i].ppid == ppid && f->vnics[i].mac == mac)
			return i;
	for (uint32_t i = 0; i < f->p.n_uplinks; i++)
		if (f->uplinks[i].ppid == ppid)
			return f->nv + i;
	return FPAG_NONE;
}

static void fill_hdr(struct fpag_pkt *k, const uint8_t *frame)
{
	const struct pkt_hdrs *h = k->h;
	struct ruleset_hdr *r = &k->hdr;

	memset(r, 0, sizeof *r);
	r->vnic = k->ep;
	for (int i = 0; i < 6; i++)
		r->dst_mac = r->dst_mac << 8 | frame[h->l2_off + i];
	ip_from_bytes(h->src_ip, &r->src_ip);
	ip_from_bytes(h->dst_ip, &r->dst_ip);
	r->proto = h->ip_proto;
	if (h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) {
		r->sport = h->l4_sport;
		r->dport = h->l4_dport;
	}
	r->tcp_flags = h->have & HDR_TCP ? h->tcp_flags : 0;
}

static void classify(struct fpag *f, struct fpag_pkt *k)
{
	struct ruleset_cost cost = { 0 };

	if (f->p.shape == FPAG_SHAPE_MEGAFLOW) {
		ruleset_megaflow(f->p.rules, &k->hdr, &k->d, &k->m, &cost);
	} else {
		ruleset_classify(f->p.rules, &k->hdr, &k->d, &cost);
		ruleset_exact(f->p.rules, &k->hdr, &k->m);
	}
	spend(f, (uint64_t)f->p.costs.rule_ns *
		 (cost.rules_evaluated + cost.fwd_probed + cost.mf_checks));
	k->level = f->n_levels - 1;
	if (k->d.rule != RULESET_NONE) {
		uint32_t pos = ruleset_rule_pos(f->p.rules, k->d.rule);

		/* Rules added past max_rules share the last rule level: two
		 * stateless entries that overlap are both uniform, so they
		 * agree, and their order does not matter. */
		k->level = 1 + (pos < f->n_levels - 3 ? pos : f->n_levels - 3);
	}
}

static bool trackable(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 1 || proto == 58;
}

static void ct_pkt(const struct fpag_pkt *k, const uint8_t *frame,
		   uint32_t caplen, struct conntrack_pkt *cp)
{
	const struct pkt_hdrs *h = k->h;

	memset(cp, 0, sizeof *cp);
	cp->src_ip = k->hdr.src_ip;
	cp->dst_ip = k->hdr.dst_ip;
	cp->sport = k->hdr.sport;
	cp->dport = k->hdr.dport;
	cp->proto = k->hdr.proto;
	cp->tcp_flags = k->hdr.tcp_flags;
	if ((h->have & HDR_ICMP) && (uint32_t)h->l4_off + 6 <= caplen)
		cp->icmp_id = (uint16_t)(frame[h->l4_off + 4] << 8 |
					 frame[h->l4_off + 5]);
}

/* Where a tracked packet goes: its connection's other endpoint. */
static uint32_t ct_dest(const struct fpag *f, const struct fpag_pkt *k)
{
	return f->conn[k->cr.conn].ep[k->cr.reply ? 0 : 1];
}

/* A new connection's opening packet, registered in the rule set so that
 * an update that denies it names it (not registered: not revised). */
static void conn_register(struct fpag *f, uint32_t conn)
{
	struct fpag_conn *c = &f->conn[conn];
	struct ruleset_match m;
	uint32_t e;

	ruleset_exact(f->p.rules, &c->hdr, &m);
	if (ruleset_entry_add(f->p.rules, &m, NULL, &e, NULL) < 0 || e >= f->rs_cap) {
		f->st.register_refused++;
		return;
	}
	c->rs_entry = e;
	f->rs_owner[e] = OWN_CONN | conn;
}

static uint32_t ct_open(struct fpag *f, struct fpag_pkt *k,
			const struct conntrack_pkt *cp, uint64_t now)
{
	if (!dest_ok(f, k->d.dest)) {
		f->st.no_dest++;
		return FPAG_NONE;
	}
	if (conntrack_commit(f->ct, cp, now, &k->cr, NULL) < 0) {
		f->st.ct_refused++;
		return FPAG_NONE;
	}
	f->st.ct_new++;
	f->conn[k->cr.conn] = (struct fpag_conn){
		{ k->ep, k->d.dest }, { TP_NONE, TP_NONE }, FPAG_NONE, false, k->hdr };
	conn_register(f, k->cr.conn);
	k->tracked = true;
	return k->d.dest;
}

/* A stateful allow: NEW connections are committed, packets of live ones
 * pass.  FPAG_NONE: dropped without an entry (invalid, or no room).  A
 * NEW packet of a record that exists (a SYN sent again before the reply,
 * or one that reopens a closed connection from the same ports) keeps the
 * record.  A connection whose teardown is complete passes its late
 * packets (the last ACK, retransmits) through the slow path: offloading
 * them would put back an entry nothing ends. */
static uint32_t ct_decide(struct fpag *f, struct fpag_pkt *k,
			  const struct conntrack_pkt *cp, uint64_t now)
{
	if (k->cr.info == CT_NEW && k->d.verdict == RULESET_ALLOW &&
	    k->d.stateful && k->cr.conn == CT_NONE)
		return ct_open(f, k, cp, now);
	if (k->cr.info == CT_INVALID || k->cr.conn == CT_NONE) {
		f->st.ct_invalid++;
		return FPAG_NONE;
	}
	if (conntrack_closing(f->ct, k->cr.conn))
		f->st.ct_closing++;
	else
		f->st.ct_established++;
	k->tracked = k->cr.info != CT_RELATED &&
		     !conntrack_closing(f->ct, k->cr.conn);
	k->level = 0;   /* the connection decides, above every rule */
	return ct_dest(f, k);
}

/* Whether the ports value/mask (leading ones) meets [lo, hi]. */
static bool port_meets(uint16_t v, uint16_t m, uint16_t lo, uint16_t hi)
{
	uint16_t a = v & m, b = (uint16_t)(a | (uint16_t)~m);

	return a <= hi && lo <= b;
}

/* Whether the address value/mask meets the prefix p/len. */
static bool ip_meets(struct ruleset_ip v, struct ruleset_ip m,
		     struct ruleset_ip p, uint8_t len)
{
	uint64_t hi = len >= 64 ? UINT64_MAX : len ? UINT64_MAX << (64 - len) : 0;
	uint64_t lo = len >= 128 ? UINT64_MAX : len > 64 ? UINT64_MAX << (128 - len) : 0;

	return (((v.hi ^ p.hi) & m.hi & hi) | ((v.lo ^ p.lo) & m.lo & lo)) == 0;
}

/* Whether the match takes in a reply of a connection rule r may allow
 * (the rule's match with source and destination swapped). */
static bool meets_replies(const struct ruleset_rule *r,
			  const struct ruleset_match *m)
{
	const struct ruleset_hdr *v = &m->value, *k = &m->mask;

	return ((r->proto ^ v->proto) & r->proto_mask & k->proto) == 0 &&
	       port_meets(v->sport, k->sport, r->dport_lo, r->dport_hi) &&
	       port_meets(v->dport, k->dport, r->sport_lo, r->sport_hi) &&
	       ip_meets(v->src_ip, k->src_ip, r->dst_ip, r->dst_len) &&
	       ip_meets(v->dst_ip, k->dst_ip, r->src_ip, r->src_len);
}

/* Whether the match takes in replies of connections a stateful rule may
 * allow.  Replies are denied by the rules alone and allowed as
 * established, so a drop entry must not take them in: a wide one would
 * take a reply of a connection opened later before its first miss
 * reached conntrack (the correctness oracle found a server's denied
 * SYN-ACK's entry dropping every web reply; docs/fpag.md). */
static bool stateful_overlap(const struct fpag *f, const struct ruleset_match *m)
{
	uint32_t n = ruleset_rule_count(f->p.rules);

	for (uint32_t i = 0; i < n; i++) {
		const struct ruleset_rule *r =
			ruleset_rule_get(f->p.rules, ruleset_rule_at(f->p.rules, i));

		if (r && r->verdict == RULESET_ALLOW && r->stateful &&
		    meets_replies(r, m))
			return true;
	}
	return false;
}

/* A drop entry that would take in replies (stateful_overlap) is narrowed
 * as a megaflow would be: the widest prefix of its source port that
 * leaves out the replies' source ports (a stateful rule's destination
 * ports), else, when the packet's own port is one, the whole 5-tuple. */
static void deny_narrow(const struct fpag *f, struct fpag_pkt *k)
{
	uint16_t own = k->m.mask.sport;

	if (!stateful_overlap(f, &k->m))
		return;
	k->m.value.sport = k->hdr.sport;
	for (unsigned len = 1; len <= 16; len++) {
		uint16_t m = (uint16_t)(UINT16_MAX << (16 - len));

		if ((m & own) != own)
			continue;   /* no wider than the megaflow's own */
		k->m.mask.sport = m;
		if (!stateful_overlap(f, &k->m))
			return;
	}
	ruleset_exact(f->p.rules, &k->hdr, &k->m);
}

/* The decision: an endpoint to forward to, or FPAG_NONE with *entry set
 * when a drop entry is to be installed. */
static uint32_t decide(struct fpag *f, struct fpag_pkt *k,
		       const uint8_t *frame, uint32_t caplen, uint64_t now,
		       bool *entry)
{
	struct conntrack_pkt cp;
	uint32_t dest;

	*entry = true;
	classify(f, k);
	if (k->d.verdict == RULESET_ALLOW && !dest_ok(f, k->d.dest) &&
	    !(k->d.stateful && trackable(k->hdr.proto))) {
		f->st.no_dest++;
		*entry = false;
		return FPAG_NONE;
	}
	if (trackable(k->hdr.proto)) {
		spend(f, f->p.costs.conntrack_ns);
		ct_pkt(k, frame, caplen, &cp);
		conntrack_track(f->ct, &cp, now, &k->cr);
		if (k->cr.conn != CT_NONE || (k->d.verdict == RULESET_ALLOW && k->d.stateful)) {
			dest = ct_decide(f, k, &cp, now);
			*entry = k->tracked;
			if (k->tracked)
				ruleset_exact(f->p.rules, &k->hdr, &k->m);
			f->st.allowed += dest != FPAG_NONE;
			f->st.denied += dest == FPAG_NONE;
			return dest;
		}
	}
	if (k->d.verdict == RULESET_ALLOW) {
		f->st.allowed++;
		return k->d.dest;
	}
	f->st.denied++;
	deny_narrow(f, k);
	return FPAG_NONE;
}

/* tag: the miss whose frame it is (fpag_set_tag's), which the sink may
 * ask for (fpag_out_tag) while it takes the command. */
static int packet_out(struct fpag *f, uint32_t dest, const uint8_t *frame,
		      uint32_t caplen, uint64_t tag, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_PACKET_OUT };
	int rc;

	if (dest >= f->n_ep)
		return 0;
	spend(f, f->p.costs.packet_out_ns);
	f->out_tag = tag;
	c.packet.ppid = ep_ppid(f, dest);
	c.packet.len = caplen;
	c.packet.frame = frame;
	rc = nic_cmd_submit(&f->p.sink, &c, NULL, err);
	if (rc < 0) {
		f->st.cmd_errors++;
		return rc;
	}
	f->st.packet_outs++;
	return 0;
}

/* ---- VXLAN uplinks: the miss path's part ------------------------------- */

/* The VXLAN uplink on ppid, or FPAG_NONE. */
static uint32_t vxlan_uplink(const struct fpag *f, uint32_t ppid)
{
	for (uint32_t j = 0; f->vxlan && j < f->p.n_uplinks; j++)
		if (f->uplinks[j].ppid == ppid && f->uplinks[j].vtep_ipv4)
			return j;
	return FPAG_NONE;
}

static uint64_t mac_at(const uint8_t *b)
{
	uint64_t m = 0;

	for (int i = 0; i < 6; i++)
		m = m << 8 | b[i];
	return m;
}

/* A tunnelled frame's source: the remote VM, or the VNIC moved behind a
 * remote host, with the inner source MAC in that VNI; else the uplink. */
static uint32_t tunnel_source(const struct fpag *f, uint32_t j,
			      const uint8_t *frame, const struct fpag_pkt *k)
{
	uint64_t mac = mac_at(frame + k->h->l2_off + 6);

	for (uint32_t i = 0; i < f->p.n_remote_vms; i++)
		if (f->rvms[i].mac == mac && f->rvms[i].vni == k->pr.vni)
			return f->rv0 + i;
	for (uint32_t i = 0; i < f->nv_used; i++)
		if (f->present[i] && f->ep_host[i] != FPAG_NONE &&
		    f->vnics[i].mac == mac && f->vnics[i].vni == k->pr.vni)
			return i;
	return f->nv + j;
}

/* Which headers decide the packet, and its source endpoint: a VXLAN
 * frame from a VXLAN uplink by its inner headers, anything else by its
 * outer ones.  -1 when counted and done (not IP, unknown source). */
static int ingress(struct fpag *f, uint32_t ppid, const uint8_t *frame,
		   struct fpag_pkt *k)
{
	uint32_t j = vxlan_uplink(f, ppid);

	k->h = &k->pr.outer;
	if (j != FPAG_NONE && k->pr.tunnel == TUNNEL_VXLAN && k->pr.have_inner) {
		k->h = &k->pr.inner;
		k->tunnel = true;
		f->st.tunnel_misses++;
	}
	if (!(k->h->have & (HDR_IPV4 | HDR_IPV6)) || k->h->l3_off < 12) {
		f->st.not_ip++;
		return -1;
	}
	k->ep = k->tunnel ? tunnel_source(f, j, frame, k) :
		find_source(f, ppid, frame, k->h);
	if (k->ep == FPAG_NONE) {
		f->st.unknown_source++;
		return -1;
	}
	return 0;
}

/* The frame edited into obuf (*len: its length in, the edit's out). */
static int edit_copy(struct fpag *f, const struct pnic_action *a, uint32_t tpl,
		     const uint8_t *frame, uint32_t *len, const struct fpag_pkt *k)
{
	if (*len > NIC_PACKET_OUT_MAX_LEN)
		return -1;
	memcpy(f->obuf, frame, *len);
	return editor_apply(a, tpl == FPAG_NONE ? NULL : &f->tpl[tpl], &k->pr, f->obuf,
			    len, NIC_PACKET_OUT_MAX_LEN, NULL);
}

/* The frame a miss goes on as, as its entry would send it: itself,
 * decapsulated to a local VNIC, or encapsulated toward a remote one (the
 * editor on a copy in obuf, with the template the NIC holds); *caplen
 * its length.  NULL when no edit carries it: refused, counted, and no
 * entry (*entry false). */
static const uint8_t *onward(struct fpag *f, uint32_t dest, const uint8_t *frame,
			     uint32_t *caplen, const struct fpag_pkt *k, bool *entry)
{
	uint32_t tpl = dest < f->n_ep && f->vxlan ? f->ep_tpl[dest] : FPAG_NONE;
	struct pnic_action a = { .kind = ACT_FORWARD };

	if (dest >= f->n_ep || (!k->tunnel && tpl == FPAG_NONE))
		return frame;
	a.tunnel_op = k->tunnel ? TUNNEL_OP_VXLAN_DECAP : TUNNEL_OP_VXLAN_ENCAP;
	a.encap_id = (uint8_t)(tpl == FPAG_NONE ? 0 : tpl);
	if ((k->tunnel && tpl != FPAG_NONE) || edit_copy(f, &a, tpl, frame, caplen, k) < 0) {
		f->st.tunnel_refused++;
		*entry = false;
		return NULL;
	}
	f->st.encaps += !k->tunnel;
	f->st.decaps += k->tunnel;
	return f->obuf;
}

/* Send the packet on as its entry would (onward()). */
static int send_on(struct fpag *f, uint32_t dest, const uint8_t *frame,
		   uint32_t caplen, const struct fpag_pkt *k, bool *entry,
		   struct pnic_error *err)
{
	const uint8_t *out = onward(f, dest, frame, &caplen, k, entry);

	return out ? packet_out(f, dest, out, caplen, f->tag, err) : 0;
}

/* ---- the ordering guarantee (docs/fpag.md) -------------------------------- */

static bool word_holds(const struct action_word *w)
{
	return w->w[ACTW_HOLD_OFF / 64] >> (ACTW_HOLD_OFF % 64) & 1;
}

/* Whether the entry at index i was last written with hold (not yet
 * released): its flow's misses wait for its marker. */
static bool entry_holds(const struct fpag *f, uint32_t i)
{
	struct pnic_key v, m;
	struct action_word w;

	return i < f->depth && flow_table_get(f->ft, i, &v, &m, &w) == 0 &&
	       word_holds(&w);
}

/* A miss behind the entry at index i: queued for its marker, or sent at
 * once (counted) when the queue has no room. */
static int order_queue(struct fpag *f, uint32_t i, uint32_t dest,
		       const uint8_t *frame, uint32_t caplen,
		       struct pnic_error *err)
{
	uint32_t h = f->slot[i].handle, k = f->q_free;

	if (k == Q_NONE || caplen > NIC_PACKET_OUT_MAX_LEN || h >= f->depth) {
		f->st.order_overflow++;
		return packet_out(f, dest, frame, caplen, f->tag, err);
	}
	f->q_free = f->q[k].next;
	f->q[k] = (struct fpag_qpkt){ Q_NONE, dest, caplen, f->now, f->tag };
	memcpy(f->q_mem + (size_t)k * NIC_PACKET_OUT_MAX_LEN, frame, caplen);
	if (f->q_tail[h] == Q_NONE)
		f->q_head[h] = k;
	else
		f->q[f->q_tail[h]].next = k;
	f->q_tail[h] = k;
	f->st.order_queued++;
	return 0;
}

/* Send entry handle h's queued misses in order; *sent counts them. */
static int order_send(struct fpag *f, uint32_t h, uint64_t *sent,
		      struct pnic_error *err)
{
	uint32_t k;
	int rc = 0;

	while (rc == 0 && (k = f->q_head[h]) != Q_NONE) {
		struct fpag_qpkt *q = &f->q[k];
		uint64_t wait = f->now - q->at;

		f->q_head[h] = q->next;
		rc = packet_out(f, q->dest, f->q_mem + (size_t)k * NIC_PACKET_OUT_MAX_LEN,
				q->caplen, q->tag, err);
		if (rc == 0 && f->p.order_out)
			f->p.order_out(f->p.ctx, q->tag);
		f->st.order_wait_ns += wait;
		if (wait > f->st.order_wait_max_ns)
			f->st.order_wait_max_ns = wait;
		(*sent)++;
		q->next = f->q_free;
		f->q_free = k;
	}
	if (f->q_head[h] == Q_NONE)
		f->q_tail[h] = Q_NONE;
	return rc;
}

/* The entry leaves (invalidated, evicted, aged): its queued misses go
 * now, ahead of the held packets the NIC sends up when the invalidate
 * lands.  A sink's refusal is counted (forget cannot fail). */
static void order_left(struct fpag *f, uint32_t handle)
{
	struct pnic_error err;

	if (f->q && f->q_head[handle] != Q_NONE &&
	    order_send(f, handle, &f->st.order_flushed, &err) < 0)
		f->st.cmd_errors++;
}

static int miss_in_order(struct fpag *f, const struct fpag_pkt *k,
			 uint32_t dest, bool entry, const uint8_t *frame,
			 uint32_t caplen, struct pnic_error *err)
{
	const uint8_t *out = onward(f, dest, frame, &caplen, k, &entry);
	uint32_t at = TP_NONE;
	int rc;

	if (!out)
		return 0;
	if (entry && (rc = install(f, k, dest, &at, err)) < 0)
		return rc;
	if (dest < f->n_ep && at != TP_NONE && entry_holds(f, at))
		return order_queue(f, at, dest, out, caplen, err);
	return packet_out(f, dest, out, caplen, f->tag, err);
}

/* Entry i, holding with word w: its queued misses out in order, then the
 * word without hold (the release). */
static int release(struct fpag *f, uint32_t i, struct action_word w,
		   struct pnic_error *err)
{
	int rc;

	if (f->q && f->slot[i].handle < f->depth &&
	    (rc = order_send(f, f->slot[i].handle, &f->st.order_sent, err)) < 0)
		return rc;
	w.w[ACTW_HOLD_OFF / 64] &= ~(1ull << (ACTW_HOLD_OFF % 64));
	rc = flow_table_set_action(f->ft, i, &w, err);
	if (rc < 0) {
		f->st.cmd_errors++;
		return rc;
	}
	f->st.releases++;
	return 0;
}

/* The landed marker: if it names the index as the host last wrote it,
 * and that write held, every miss before the entry is here: send the
 * queued ones, then release (the word without hold). */
static int landed(struct fpag *f, const struct datapath_event *ev,
		  struct pnic_error *err)
{
	uint32_t i = ev->entry;
	struct pnic_key v, m;
	struct action_word w;

	f->st.markers++;
	if (i >= f->depth || f->slot[i].gen != ev->gen ||
	    flow_table_get(f->ft, i, &v, &m, &w) < 0 || !word_holds(&w)) {
		f->st.markers_stale++;
		return 0;
	}
	return release(f, i, w, err);
}

int fpag_events_lost(struct fpag *f, uint64_t now_ns, struct pnic_error *err)
{
	struct pnic_key v, m;
	struct action_word w;
	int rc;

	note_time(f, now_ns);
	for (uint32_t i = 0; i < f->depth; i++) {
		if (flow_table_get(f->ft, i, &v, &m, &w) < 0 || !word_holds(&w))
			continue;
		if ((rc = release(f, i, w, err)) < 0)
			return rc;
		f->st.gap_releases++;
	}
	return 0;
}

void fpag_set_tag(struct fpag *f, uint64_t tag)
{
	f->tag = tag;
}

uint64_t fpag_out_tag(const struct fpag *f)
{
	return f->out_tag;
}

int fpag_miss(struct fpag *f, uint32_t in_ppid, const uint8_t *frame,
	      uint32_t caplen, uint32_t len, uint64_t now_ns,
	      struct pnic_error *err)
{
	struct fpag_pkt k = { .tracked = false };
	uint32_t dest;
	bool entry;
	int rc;

	f->st.misses++;
	note_time(f, now_ns);
	spend(f, f->p.costs.packet_ns);
	parser_parse(frame, caplen, len, &k.pr);
	if (ingress(f, in_ppid, frame, &k) < 0)
		return 0;
	fill_hdr(&k, frame);
	dest = decide(f, &k, frame, caplen, now_ns, &entry);
	entry = entry && !f->p.slow_path_only;
	if (f->p.ordering == FPAG_ORDER_HOLD)
		return miss_in_order(f, &k, dest, entry, frame, caplen, err);
	rc = send_on(f, dest, frame, caplen, &k, &entry, err);
	if (rc == 0 && entry)
		rc = install(f, &k, dest, NULL, err);
	return rc;
}

/* ---- events -------------------------------------------------------------- */

static int flow_end(struct fpag *f, const struct datapath_event *ev,
		    uint64_t now, struct pnic_error *err)
{
	uint32_t h = tcam_place_handle_at(f->tp, ev->entry);
	const struct fpag_rec *r = h != TP_NONE ? &f->rec[h] : NULL;
	bool done;

	f->st.flow_end_events++;
	if (!r || !r->live || r->conn == CT_NONE ||
	    conntrack_nic_flags(f->ct, r->conn, r->reply, ev->tcp_flags, now,
				&done) < 0) {
		f->st.other_events++;
		return 0;
	}
	if (!done)
		return 0;
	f->st.teardowns++;
	return conn_close(f, r->conn, err);
}

/* Delete mode: the NIC removed the entry it found at generation g, right
 * after that write (before any later one of the host's).  The host's
 * later writes to the index are renumbered past the NIC's delete; if one
 * of them set the entry's validity (an ENTRY_WRITE or an invalidate) the
 * index holds what the host wrote, else the entry is gone (an
 * ACTION_WRITE does not bring an invalid entry back). */
static int aged_deleted(struct fpag *f, uint32_t i, uint32_t g,
			struct pnic_error *err)
{
	struct fpag_slot *s = &f->slot[i];
	uint32_t h = tcam_place_handle_at(f->tp, i);
	int rc;

	if ((int32_t)(g - s->gen) > 0) {
		f->st.aged_stale++;   /* a generation the host never wrote */
		return 0;
	}
	s->gen++;
	if ((int32_t)(s->vgen - g) > 0) {
		s->vgen++;
		f->st.aged_stale++;
		return 0;
	}
	s->vgen = s->gen;
	s->dirty = true;
	if (h == TP_NONE) {
		f->st.aged_stale++;
		return 0;
	}
	rc = tcam_place_forget(f->tp, h, err);
	if (rc < 0)
		return rc;
	forget(f, h, GONE_AGED);
	f->st.aged_removed++;
	return 0;
}

/* AGED: notify mode leaves the entry on the NIC and the host removes it,
 * if the event names the entry as it stands (same write generation: not
 * rewritten, moved away or replaced since the sweep). */
static int aged(struct fpag *f, const struct datapath_event *ev,
		struct pnic_error *err)
{
	uint32_t i = ev->entry, h;
	int rc;

	f->st.aged_events++;
	if (i >= f->depth) {
		f->st.other_events++;
		return 0;
	}
	if (ev->remove)
		return aged_deleted(f, i, ev->gen, err);
	h = tcam_place_handle_at(f->tp, i);
	if (h == TP_NONE || ev->gen != f->slot[i].gen) {
		f->st.aged_stale++;
		return 0;
	}
	rc = remove_entry(f, h, GONE_AGED, err);
	f->st.aged_removed += rc == 0;
	return rc;
}

int fpag_event(struct fpag *f, const struct datapath_event *ev,
	       uint64_t now_ns, struct pnic_error *err)
{
	note_time(f, now_ns);
	if (ev->type == DP_EV_FLOW_END)
		return flow_end(f, ev, now_ns, err);
	if (ev->type == DP_EV_AGED)
		return aged(f, ev, err);
	if (ev->type == DP_EV_LANDED)
		return landed(f, ev, err);
	f->st.other_events++;
	return 0;
}

/* ---- timers --------------------------------------------------------------- */

int fpag_tick(struct fpag *f, uint64_t now_ns, struct pnic_error *err)
{
	uint32_t ids[64], n;
	int rc;

	note_time(f, now_ns);
	/* conntrack has dropped the records; their entries and books go. */
	while ((n = conntrack_expire(f->ct, now_ns, ids, 64)) > 0)
		for (uint32_t j = 0; j < n; j++) {
			f->st.ct_expired++;
			if ((rc = conn_end(f, ids[j], err)) < 0)
				return rc;
		}
	if (f->p.count && f->p.stats_ns && now_ns >= f->next_poll)
		return fpag_counters_poll(f, now_ns, err);
	return 0;
}

uint64_t fpag_next_deadline(const struct fpag *f)
{
	uint64_t d = conntrack_next_deadline(f->ct);

	if (f->p.count && f->p.stats_ns && f->next_poll < d)
		d = f->next_poll;
	return d;
}

/* ---- migration ------------------------------------------------------------ */

/* Every entry forwarding to the VNIC gets an ACTION_WRITE: in PPID mode
 * naming its new PPID (vpid), and, when tpl is not FPAG_NONE, the encap
 * with that template. */
static int rewrite_entries(struct fpag *f, uint32_t vnic, uint32_t vpid,
			   uint32_t tpl, uint32_t *cmds, struct pnic_error *err)
{
	for (uint32_t h = 0; h < f->depth; h++) {
		struct fpag_rec *r = &f->rec[h];
		uint32_t idx = tcam_place_index(f->tp, h);
		uint32_t nv = vpid != FPAG_NONE ? vpid : r->vpid;
		struct pnic_key v, m;
		struct action_word w;
		struct pnic_action a;
		int rc;

		if (!r->live || r->dest != vnic || idx == TP_NONE ||
		    flow_table_get(f->ft, idx, &v, &m, &w) < 0)
			continue;
		action_unpack(&w, &a);
		a.vpid = (uint16_t)nv;
		if (tpl != FPAG_NONE && !r->tunnel)
			a.tunnel_op = TUNNEL_OP_VXLAN_ENCAP, a.encap_id = (uint8_t)tpl;
		else if (tpl != FPAG_NONE)
			a.kind = ACT_DROP;   /* remote to remote: not carried */
		action_pack(&a, &w);
		rc = vpid_entry_added(f->va, nv, err);
		if (rc == 0)
			rc = flow_table_set_action(f->ft, idx, &w, err);
		if (rc < 0) {
			f->st.cmd_errors++;
			return rc;
		}
		vpid_entry_removed(f->va, r->vpid, NULL);
		r->vpid = nv;
		(*cmds)++;
	}
	return 0;
}

int fpag_migrate(struct fpag *f, uint32_t vnic, uint32_t new_ppid,
		 uint32_t *cmds, struct pnic_error *err)
{
	uint32_t n = 0;
	int rc = 0;

	if (cmds)
		*cmds = 0;
	if (!fpag_vnic_present(f, vnic))
		return pnic_err(err, ENOENT, "fpag: no VNIC %u (%u slots, %u used)", vnic,
				f->nv, f->nv_used);
	if (new_ppid >= f->p.n_ports)
		return pnic_err(err, ERANGE, "fpag: PPID %u is not the NIC's (0..%u)",
				new_ppid, f->p.n_ports - 1);
	if (f->vxlan && f->ep_host[vnic] != FPAG_NONE)
		return pnic_err(err, EINVAL, "fpag: VNIC %u is behind a remote host: moving it back is not built",
				vnic);
	if (f->vnics[vnic].ppid == new_ppid)
		return 0;
	if (f->p.flow_dest == FPAG_DEST_VPID) {
		rc = vpid_move(f->va, f->ep_vpid[vnic], new_ppid, err);
		n = rc == 0;
	} else {
		rc = rewrite_entries(f, vnic, new_ppid, FPAG_NONE, &n, err);
	}
	if (rc == 0)
		f->vnics[vnic].ppid = new_ppid;
	f->st.migrations += rc == 0;
	f->st.migration_cmds += n;
	if (cmds)
		*cmds = n;
	return rc;
}

/* Rewrites first, then the map: an entry never sends a tenant's frame
 * onto the underlay without its encapsulation (during the move the old
 * port gets encapsulated frames, which no VM there takes). */
int fpag_migrate_remote(struct fpag *f, uint32_t vnic, uint32_t host,
			uint32_t *cmds, struct pnic_error *err)
{
	uint32_t n = 0, tpl, ppid;
	bool by_vpid = f->p.flow_dest == FPAG_DEST_VPID;
	int rc;

	if (cmds)
		*cmds = 0;
	if (!fpag_vnic_present(f, vnic) || host >= f->p.n_remote_hosts)
		return pnic_err(err, ENOENT, "fpag: no VNIC %u or no remote host %u (%u)",
				vnic, host, f->p.n_remote_hosts);
	if (!f->vnics[vnic].vni)
		return pnic_err(err, EINVAL, "fpag: VNIC %u has no VNI to be reached by over VXLAN",
				f->vnics[vnic].id);
	ppid = f->uplinks[f->rhosts[host].uplink].ppid;
	rc = tpl_for(f, host, f->vnics[vnic].vni, &tpl, &n, err);
	if (rc == 0)
		rc = rewrite_entries(f, vnic, by_vpid ? FPAG_NONE : ppid, tpl, &n, err);
	if (rc == 0 && by_vpid && (rc = vpid_move(f->va, f->ep_vpid[vnic], ppid, err)) == 0)
		n++;
	if (rc == 0) {
		f->vnics[vnic].ppid = ppid;
		f->ep_tpl[vnic] = tpl;
		f->ep_host[vnic] = host;
		f->st.remote_moves++;
	}
	f->st.remote_move_cmds += n;
	if (cmds)
		*cmds = n;
	return rc;
}

/* ---- rule updates ---------------------------------------------------------- */

/* A new decision for a live entry that keeps its match uniform: the
 * action names the new destination's VPID, or drops. */
static int rewrite(struct fpag *f, uint32_t h, const struct ruleset_decision *d,
		   struct pnic_error *err)
{
	struct fpag_rec *r = &f->rec[h];
	uint32_t idx = tcam_place_index(f->tp, h);
	uint32_t dest = d->verdict == RULESET_ALLOW ? d->dest : FPAG_NONE;
	uint32_t vpid = dest == FPAG_NONE ? FPAG_NONE : fpag_endpoint_vpid(f, dest);
	struct pnic_key v, m;
	struct action_word w;
	struct pnic_action a;
	int rc;

	if (idx == TP_NONE || flow_table_get(f->ft, idx, &v, &m, &w) < 0)
		return pnic_err(err, EIO, "fpag: entry %u is not in the flow table", h);
	if (vpid != FPAG_NONE && (rc = vpid_entry_added(f->va, vpid, err)) < 0)
		return rc;
	action_unpack(&w, &a);
	a.kind = vpid == FPAG_NONE ? ACT_DROP : ACT_FORWARD;
	a.vpid = (uint16_t)(vpid == FPAG_NONE ? 0 : vpid);
	action_pack(&a, &w);
	tunnel_action(f, r->tunnel, dest, &w);
	rc = flow_table_set_action(f->ft, idx, &w, err);
	if (rc < 0) {
		if (vpid != FPAG_NONE)
			vpid_entry_removed(f->va, vpid, NULL);
		return rc;
	}
	if (r->vpid != FPAG_NONE)
		vpid_entry_removed(f->va, r->vpid, NULL);
	r->vpid = vpid;
	r->dest = dest;
	f->slot[idx].dest = dest;
	return 0;
}

/* A stateless entry's decision changed.  Same action: nothing to write.
 * No longer uniform (the set forgot it), now stateful (its packets must
 * meet conntrack) or to a removed VNIC: invalidated, so the next packet
 * misses and is decided anew.  Else its action is rewritten. */
static int entry_impact(struct fpag *f, uint32_t h,
			const struct ruleset_impact *im, struct pnic_error *err)
{
	const struct ruleset_decision *d = &im->now;
	int rc;

	if (im->same_action) {
		f->st.rule_untouched++;
		return 0;
	}
	if (im->rederive) {
		f->rec[h].rs_entry = FPAG_NONE;
		own_clear(f, im->entry);
	}
	if (im->rederive || (d->verdict == RULESET_ALLOW &&
			     (d->stateful || !dest_ok(f, d->dest)))) {
		rc = remove_entry(f, h, GONE_REMOVED, err);
		f->st.rule_invalidated += rc == 0;
		return rc;
	}
	rc = rewrite(f, h, d, err);
	if (rc < 0)
		f->st.cmd_errors++;
	f->st.rule_rewritten += rc == 0;
	return rc;
}

/* The rule set's impact callback.  Only the reported entry may leave the
 * set here (the set is walking its lists): connections, whose end
 * removes their registration, are queued and checked after the update. */
static void on_impact(void *ctx, const struct ruleset_impact *im)
{
	struct fpag *f = ctx;
	uint32_t o = im->entry < f->rs_cap ? f->rs_owner[im->entry] : OWN_NONE;
	uint32_t c;

	if (o == OWN_NONE || f->upd_rc < 0)
		return;
	if (!(o & OWN_CONN)) {
		f->upd_rc = entry_impact(f, o, im, f->upd_err);
		return;
	}
	c = o & ~OWN_CONN;
	if (im->rederive) {
		f->conn[c].rs_entry = FPAG_NONE;
		own_clear(f, im->entry);
	}
	if ((im->rederive || im->now.verdict == RULESET_DENY) && !f->conn[c].pending) {
		f->conn[c].pending = true;
		f->pend[f->n_pend++] = c;
	}
}

/* The queued connections: those the new rules deny end; those whose
 * registration the set forgot are registered again. */
static int check_conns(struct fpag *f, struct pnic_error *err)
{
	int rc = 0;

	for (uint32_t i = 0; i < f->n_pend; i++) {
		uint32_t c = f->pend[i];
		struct ruleset_decision d;

		f->conn[c].pending = false;
		if (rc < 0 || f->conn[c].ep[0] == FPAG_NONE)
			continue;
		ruleset_classify(f->p.rules, &f->conn[c].hdr, &d, NULL);
		if (d.verdict == RULESET_DENY) {
			f->st.rule_conns_torn++;
			rc = conn_end(f, c, err);
		} else if (f->conn[c].rs_entry == FPAG_NONE) {
			conn_register(f, c);
		}
	}
	f->n_pend = 0;
	return rc;
}

static void update_begin(struct fpag *f, struct pnic_error *err)
{
	f->upd_rc = 0;
	f->upd_err = err;
	f->n_pend = 0;
}

static int update_end(struct fpag *f, int rc,
		      const struct ruleset_update_stats *us,
		      struct pnic_error *err)
{
	if (rc < 0)
		return rc;         /* the set refused it: nothing changed */
	f->st.rule_updates++;
	f->st.rule_checks += us->checks;
	spend(f, (uint64_t)f->p.costs.rule_ns * us->checks);
	rc = check_conns(f, err);
	return f->upd_rc < 0 ? f->upd_rc : rc;
}

int fpag_rule_add(struct fpag *f, uint32_t pos, const struct ruleset_rule *r,
		  uint32_t *id, struct pnic_error *err)
{
	struct ruleset_update_stats us = { 0 };
	int rc;

	update_begin(f, err);
	rc = ruleset_rule_add(f->p.rules, pos, r, id, on_impact, f, &us, err);
	return update_end(f, rc, &us, err);
}

int fpag_rule_remove(struct fpag *f, uint32_t id, struct pnic_error *err)
{
	struct ruleset_update_stats us = { 0 };
	int rc;

	update_begin(f, err);
	rc = ruleset_rule_remove(f->p.rules, id, on_impact, f, &us, err);
	return update_end(f, rc, &us, err);
}

int fpag_rule_change(struct fpag *f, uint32_t id, const struct ruleset_rule *r,
		     struct pnic_error *err)
{
	struct ruleset_update_stats us = { 0 };
	int rc;

	update_begin(f, err);
	rc = ruleset_rule_change(f->p.rules, id, r, on_impact, f, &us, err);
	return update_end(f, rc, &us, err);
}

/* ---- VNICs ----------------------------------------------------------------- */

/* VNIC v comes up in slot i: a VPID (VPID mode) mapped to its PPID. */
static int vnic_up(struct fpag *f, uint32_t i, const struct fpag_vnic *v,
		   struct pnic_error *err)
{
	uint32_t vpid = FPAG_NONE;
	int rc;

	if (f->p.flow_dest == FPAG_DEST_VPID &&
	    (rc = vpid_alloc(f->va, v->ppid, &vpid, err)) < 0)
		return rc;
	f->vnics[i] = *v;
	f->vnics[i].later = false;
	f->ep_vpid[i] = vpid;
	f->present[i] = true;
	f->st.vnic_adds++;
	return 0;
}

int fpag_vnic_add(struct fpag *f, const struct fpag_vnic *v, uint32_t *index,
		  struct pnic_error *err)
{
	uint32_t i = f->nv_used;
	int rc;

	if (i >= f->nv)
		return pnic_err(err, ENOSPC, "fpag: all %u VNIC slots used (max_vnics)", f->nv);
	if (v->ppid >= f->p.n_ports)
		return pnic_err(err, ERANGE, "fpag: VNIC %u is on PPID %u, the NIC has %u",
				v->id, v->ppid, f->p.n_ports);
	if ((rc = vnic_up(f, i, v, err)) < 0)
		return rc;
	f->nv_used++;
	if (index)
		*index = i;
	return 0;
}

int fpag_vnic_start(struct fpag *f, uint32_t index, struct pnic_error *err)
{
	if (index >= f->nv_used)
		return pnic_err(err, ENOENT, "fpag: no VNIC declared in slot %u", index);
	if (f->present[index])
		return pnic_err(err, EEXIST, "fpag: VNIC %u (slot %u) is up already",
				f->vnics[index].id, index);
	return vnic_up(f, index, &f->vnics[index], err);
}

static bool names(const struct fpag_rec *r, uint32_t ep)
{
	return r->live && (r->dest == ep || r->ingress == ep || r->src == ep);
}

/* Unmap first (host/vpid: entries still naming the VPID then reach no
 * port), then the connections and entries; the last entry removed frees
 * the VPID for reuse. */
int fpag_vnic_remove(struct fpag *f, uint32_t index, struct pnic_error *err)
{
	uint64_t removed = f->st.entries_removed;
	int rc = 0;

	if (!fpag_vnic_present(f, index))
		return pnic_err(err, ENOENT, "fpag: no VNIC in slot %u", index);
	f->present[index] = false;
	if (f->p.flow_dest == FPAG_DEST_VPID &&
	    (rc = vpid_release(f->va, f->ep_vpid[index], err)) < 0)
		return rc;
	f->ep_vpid[index] = FPAG_NONE;
	for (uint32_t c = 0; rc == 0 && c < f->max_conns; c++)
		if (f->conn[c].ep[0] == index || f->conn[c].ep[1] == index) {
			f->st.vnic_conns_removed++;
			rc = conn_end(f, c, err);
		}
	for (uint32_t h = 0; rc == 0 && h < f->depth; h++)
		if (names(&f->rec[h], index))
			rc = remove_entry(f, h, GONE_REMOVED, err);
	f->st.vnic_removes += rc == 0;
	f->st.vnic_entries_removed += f->st.entries_removed - removed;
	return rc;
}

/* ---- statistics ------------------------------------------------------------ */

/* An index whose counters matter: it holds an entry, or one left it
 * unread. */
static bool counted(const struct fpag *f, uint32_t i)
{
	return f->slot[i].dirty || tcam_place_handle_at(f->tp, i) != TP_NONE;
}

int fpag_counters_poll(struct fpag *f, uint64_t now_ns, struct pnic_error *err)
{
	int rc;

	note_time(f, now_ns);
	if (!f->p.count)
		return 0;
	if (f->p.stats_ns)
		f->next_poll = now_ns + f->p.stats_ns;
	f->st.counter_polls++;
	for (uint32_t i = 0; i < f->depth;) {
		uint32_t n = f->depth - i < f->batch ? f->depth - i : f->batch;

		if (!counted(f, i)) {
			i++;
			continue;
		}
		if ((rc = read_run(f, i, n, err)) < 0)
			return rc;
		i += n;
	}
	return 0;
}

int fpag_vnic_totals(const struct fpag *f, uint32_t endpoint,
		     struct fpag_totals *out)
{
	if (endpoint == FPAG_NONE)
		endpoint = f->n_ep;
	if (endpoint > f->n_ep)
		return -ENOENT;
	*out = f->tot[endpoint];
	return 0;
}

int fpag_entry_totals(const struct fpag *f, uint32_t index,
		      struct fpag_flow_totals *out)
{
	uint32_t h = tcam_place_handle_at(f->tp, index);
	const struct fpag_rec *r;

	if (h == TP_NONE)
		return -ENOENT;
	r = &f->rec[h];
	*out = (struct fpag_flow_totals){
		.packets = r->packets, .bytes = r->bytes, .last_hit = r->last_hit,
		.src = r->src, .dest = r->dest,
	};
	return 0;
}
