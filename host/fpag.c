/* FPAG: the host's flow processing and action generator (see fpag.h). */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct fpag_conn fpag_conn_none = {
	.ep = { FPAG_NONE, FPAG_NONE }, .handle = { TP_NONE, TP_NONE },
	.rs_entry = FPAG_NONE,
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

void fpag_spend(struct fpag *f, uint64_t ns)
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

uint32_t fpag_ep_ppid(const struct fpag *f, uint32_t ep)
{
	if (ep < f->nv)
		return f->vnics[ep].ppid;
	return ep < f->rv0 ? f->uplinks[ep - f->nv].ppid : rvm_uplink(f, ep)->ppid;
}

/* An endpoint entries may forward to: an uplink, or a present VNIC. */
bool fpag_dest_ok(const struct fpag *f, uint32_t ep)
{
	return ep < f->n_ep && (ep >= f->nv || f->present[ep]);
}

bool fpag_vnic_present(const struct fpag *f, uint32_t index)
{
	return index < f->nv && f->present[index];
}

void fpag_note_time(struct fpag *f, uint64_t now)
{
	if (now > f->now)
		f->now = now;
}

uint32_t fpag_endpoint_vpid(const struct fpag *f, uint32_t endpoint)
{
	if (endpoint >= f->n_ep)
		return FPAG_NONE;
	return f->p.flow_dest == FPAG_DEST_VPID ? f->ep_vpid[endpoint] :
	       fpag_ep_ppid(f, endpoint);
}

const struct fpag_stats *fpag_stats(const struct fpag *f)
{
	return &f->st;
}

/* ---- the commands' books: write generations, counters ------------------- */

/* An entry moved: its counters continue at the new index. */
void fpag_moved_cb(void *ctx, uint32_t handle, uint32_t from, uint32_t to)
{
	struct fpag *f = ctx;
	struct fpag_slot *s = &f->slot[from], *d = &f->slot[to];

	d->handle = s->handle;
	d->serial = s->serial;
	d->src = s->src;
	d->dest = s->dest;
	fpag_order_moved(f, handle, to);
}

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
		fpag_lru_later(f, s->handle);
	}
}

/* COUNTER_READ of indices first .. first + n - 1, folded. */
int fpag_read_run(struct fpag *f, uint32_t first, uint32_t n,
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
	fpag_spend(f, cost);
	return 0;
}

/* Every flow-table command passes here on its way to the sink: a write
 * into an index whose entry left unread reads it first (so its hits go
 * to the entry that had them), and each command the sink takes advances
 * the index's write generation, as the NIC's does. */
int fpag_submit(void *ctx, const struct nic_cmd *c,
		struct nic_cmd_result *res, struct pnic_error *err)
{
	struct fpag *f = ctx;
	uint32_t i = cmd_index(c);
	int rc;

	if (i < f->depth && c->op == NIC_OP_ENTRY_WRITE && f->p.count &&
	    f->slot[i].dirty && (rc = fpag_read_run(f, i, 1, err)) < 0)
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

void fpag_own_clear(struct fpag *f, uint32_t rs_entry)
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
		fpag_own_clear(f, c->rs_entry);
	}
	*c = fpag_conn_none;
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


static void forget(struct fpag *f, uint32_t handle, enum fpag_gone why)
{
	struct fpag_rec *r = &f->rec[handle];

	if (!r->live)
		return;
	fpag_order_left(f, handle);
	r->live = false;
	f->st.entries_live--;
	fpag_lru_del(f, handle);
	if (r->vpid != FPAG_NONE)
		vpid_entry_removed(f->va, r->vpid, NULL);
	if (r->rs_entry != FPAG_NONE) {
		ruleset_entry_remove(f->p.rules, r->rs_entry);
		fpag_own_clear(f, r->rs_entry);
	}
	if (r->conn != CT_NONE && r->conn < f->max_conns)
		conn_lost_entry(f, r, handle, why);
}

int fpag_remove_entry(struct fpag *f, uint32_t handle, enum fpag_gone why,
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
		    (rc = fpag_remove_entry(f, h[i], GONE_REMOVED, err)) < 0)
			return rc;
	return 0;
}

/* End a connection: both directions' entries invalidated, then the
 * record and registration dropped. */
int fpag_conn_end(struct fpag *f, uint32_t conn, struct pnic_error *err)
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

/* Whether ip is one of a VM's addresses (a VNIC's or a remote VM's). */
static bool has_ip(bool has4, uint32_t ipv4, bool has6, struct ruleset_ip ipv6,
		   struct ruleset_ip ip)
{
	struct ruleset_ip v4 = ruleset_ip_v4(ipv4);

	return (has4 && ip.hi == v4.hi && ip.lo == v4.lo) ||
	       (has6 && ip.hi == ipv6.hi && ip.lo == ipv6.lo);
}

/* A match scoped to a VNIC names it by its source address (and VLAN):
 * the key has no MAC and no VNIC.  -EPERM: the packet's source is not
 * the VNIC's address, so no entry can name the VNIC. */
static int narrow_to_vnic(struct fpag *f, const struct fpag_pkt *k,
			  struct key_profile_fields *v,
			  struct key_profile_fields *mk)
{
	const struct fpag_remote_vm *rv;
	const struct fpag_vnic *vn;

	if (k->ep >= f->rv0 && k->ep < f->n_ep) {
		/* A remote VM, by its address (and, tunnelled, its VNI). */
		rv = &f->rvms[k->ep - f->rv0];
		if (!has_ip(rv->has_ipv4, rv->ipv4, rv->has_ipv6, rv->ipv6, k->hdr.src_ip))
			return -EPERM;
	} else {
		if (k->ep >= f->nv)
			return -EPERM;
		vn = &f->vnics[k->ep];
		if (!has_ip(vn->has_ipv4, vn->ipv4, vn->has_ipv6, vn->ipv6, k->hdr.src_ip))
			return -EPERM;
		if (vn->has_vlan && !k->tunnel) {
			key_profile_set(v, KP_VLAN_VID, vn->vlan);
			key_profile_set(mk, KP_VLAN_VID, 0xfff);
		}
	}
	v->hi[KP_SRC_IP] = k->hdr.src_ip.hi;
	v->lo[KP_SRC_IP] = k->hdr.src_ip.lo;
	mk->hi[KP_SRC_IP] = mk->lo[KP_SRC_IP] = UINT64_MAX;
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
	if (f->vxlan)
		fpag_tunnel_key(k, &v, &mk);
	key_profile_set(&v, KP_ETHERTYPE, k->h->ethertype);
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
	fpag_lru_add(f, r->handle);
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
	fpag_tunnel_action(f, k->tunnel, dest, &e->action);
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
	if ((rc = fpag_order_rearm(f, err)) < 0)
		return rc;
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
int fpag_install(struct fpag *f, const struct fpag_pkt *k, uint32_t dest,
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
	fpag_spend(f, f->p.costs.install_ns);
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
uint32_t fpag_find_source(const struct fpag *f, uint32_t ppid,
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
	fpag_spend(f, (uint64_t)f->p.costs.rule_ns *
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
void fpag_conn_register(struct fpag *f, uint32_t conn)
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

/* A TCP or UDP connection opens.  A drop entry for exactly its reply (a
 * denied packet shaped like one: deny_narrow's last resort) would drop
 * the replies on the NIC before the first reached conntrack: it goes.
 * The reply's key is built as the deny built it, from the reply's own
 * header (not tunnelled; with flags 0, so where the rules match TCP
 * flags an entry of other flags stays: docs/fpag.md). */
static void reply_unblock(struct fpag *f, const struct fpag_pkt *k)
{
	struct fpag_pkt r = *k;
	struct pnic_error err;
	struct pnic_key v, m;
	int32_t i;
	uint32_t h;

	if ((k->hdr.proto != 6 && k->hdr.proto != 17) || k->d.dest >= f->n_ep)
		return;
	r.ep = r.hdr.vnic = k->d.dest;
	r.tunnel = false;
	r.hdr.src_ip = k->hdr.dst_ip;
	r.hdr.dst_ip = k->hdr.src_ip;
	r.hdr.sport = k->hdr.dport;
	r.hdr.dport = k->hdr.sport;
	r.hdr.tcp_flags = 0;
	ruleset_exact(f->p.rules, &r.hdr, &r.m);
	if (build_key(f, &r, &v, &m) < 0 || (i = flow_table_find(f->ft, &v, &m)) < 0 ||
	    (h = tcam_place_handle_at(f->tp, (uint32_t)i)) == TP_NONE ||
	    f->rec[h].vpid != FPAG_NONE || f->rec[h].conn != CT_NONE)
		return;
	/* a refusal is counted there (cmd_errors): the connection opens */
	if (fpag_remove_entry(f, h, GONE_REMOVED, &err) == 0)
		f->st.reply_drops_removed++;
}

static uint32_t ct_open(struct fpag *f, struct fpag_pkt *k,
			const struct conntrack_pkt *cp, uint64_t now)
{
	if (!fpag_dest_ok(f, k->d.dest)) {
		f->st.no_dest++;
		return FPAG_NONE;
	}
	if (conntrack_commit(f->ct, cp, now, &k->cr, NULL) < 0) {
		f->st.ct_refused++;
		return FPAG_NONE;
	}
	f->st.ct_new++;
	/* Records past conn_used were never written (none is read): a
	 * table sized for a million connections costs nothing at create. */
	while (f->conn_used <= k->cr.conn)
		f->conn[f->conn_used++] = fpag_conn_none;
	f->conn[k->cr.conn] = (struct fpag_conn){
		{ k->ep, k->d.dest }, { TP_NONE, TP_NONE }, FPAG_NONE, false, k->hdr };
	fpag_conn_register(f, k->cr.conn);
	reply_unblock(f, k);
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
bool fpag_meets_replies(const struct ruleset_rule *r,
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
		    fpag_meets_replies(r, m))
			return true;
	}
	return false;
}

/* A drop entry that would take in replies (stateful_overlap) is narrowed
 * as a megaflow would be: the widest prefix of its source port that
 * leaves out the replies' source ports (a stateful rule's destination
 * ports), else, when the packet's own port is one, the whole 5-tuple:
 * the reply of exactly one connection, which removes it if it opens
 * (reply_unblock). */
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
	if (k->d.verdict == RULESET_ALLOW && !fpag_dest_ok(f, k->d.dest) &&
	    !(k->d.stateful && trackable(k->hdr.proto))) {
		f->st.no_dest++;
		*entry = false;
		return FPAG_NONE;
	}
	if (trackable(k->hdr.proto)) {
		fpag_spend(f, f->p.costs.conntrack_ns);
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
int fpag_packet_out(struct fpag *f, uint32_t dest, const uint8_t *frame,
		    uint32_t caplen, uint64_t tag, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_PACKET_OUT };
	int rc;

	if (dest >= f->n_ep)
		return 0;
	fpag_spend(f, f->p.costs.packet_out_ns);
	f->out_tag = tag;
	c.packet.ppid = fpag_ep_ppid(f, dest);
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

/* Send the packet on as its entry would (fpag_onward()). */
static int send_on(struct fpag *f, uint32_t dest, const uint8_t *frame,
		   uint32_t caplen, const struct fpag_pkt *k, bool *entry,
		   struct pnic_error *err)
{
	const uint8_t *out = fpag_onward(f, dest, frame, &caplen, k, entry);

	return out ? fpag_packet_out(f, dest, out, caplen, f->tag, err) : 0;
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
	fpag_note_time(f, now_ns);
	fpag_spend(f, f->p.costs.packet_ns);
	parser_parse(frame, caplen, len, &k.pr);
	if (fpag_ingress(f, in_ppid, frame, &k) < 0)
		return 0;
	fill_hdr(&k, frame);
	dest = decide(f, &k, frame, caplen, now_ns, &entry);
	entry = entry && !f->p.slow_path_only;
	if (f->p.ordering == FPAG_ORDER_HOLD)
		return fpag_miss_in_order(f, &k, dest, entry, frame, caplen, err);
	rc = send_on(f, dest, frame, caplen, &k, &entry, err);
	if (rc == 0 && entry)
		rc = fpag_install(f, &k, dest, NULL, err);
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
	rc = fpag_remove_entry(f, h, GONE_AGED, err);
	f->st.aged_removed += rc == 0;
	return rc;
}

int fpag_event(struct fpag *f, const struct datapath_event *ev,
	       uint64_t now_ns, struct pnic_error *err)
{
	fpag_note_time(f, now_ns);
	if (ev->type == DP_EV_FLOW_END)
		return flow_end(f, ev, now_ns, err);
	if (ev->type == DP_EV_AGED)
		return aged(f, ev, err);
	if (ev->type == DP_EV_LANDED)
		return fpag_landed(f, ev, err);
	f->st.other_events++;
	return 0;
}

/* ---- timers --------------------------------------------------------------- */

int fpag_tick(struct fpag *f, uint64_t now_ns, struct pnic_error *err)
{
	uint32_t ids[64], n;
	int rc;

	fpag_note_time(f, now_ns);
	/* conntrack has dropped the records; their entries and books go. */
	while ((n = conntrack_expire(f->ct, now_ns, ids, 64)) > 0)
		for (uint32_t j = 0; j < n; j++) {
			f->st.ct_expired++;
			if ((rc = fpag_conn_end(f, ids[j], err)) < 0)
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
