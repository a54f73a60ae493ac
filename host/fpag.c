/* FPAG: the host's flow processing and action generator (see fpag.h). */
#include "host/fpag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/flow_table.h"
#include "host/vpid.h"
#include "model/action.h"
#include "model/parser.h"

/* What the FPAG knows of one placed entry, by tcam_place handle. */
struct fpag_rec {
	bool live;
	uint32_t dest;            /* endpoint forwarded to, FPAG_NONE: drop */
	uint32_t vpid;            /* VPID named, FPAG_NONE: drop */
	uint32_t rs_entry;        /* ruleset registration, FPAG_NONE: none */
	uint32_t conn;            /* conntrack record, CT_NONE: none */
	bool reply;               /* the connection's reply direction */
};

/* A tracked connection: its two endpoints and entries (by direction). */
struct fpag_conn {
	uint32_t ep[2];           /* originator's, then the destination's */
	uint32_t handle[2];       /* TP_NONE: no entry in that direction */
};

struct fpag {
	struct fpag_params p;
	struct fpag_vnic *vnics;
	struct fpag_uplink *uplinks;
	uint32_t n_ep;
	uint32_t *ep_vpid;        /* VPID mode: each endpoint's VPID */
	uint32_t n_levels;
	uint32_t depth;
	struct fpag_rec *rec;     /* depth, by handle */
	struct fpag_conn *conn;   /* max_conns, by conntrack record */
	uint32_t max_conns;
	struct flow_table *ft;
	struct tcam_place *tp;
	struct conntrack *ct;
	struct vpid_alloc *va;
	struct fpag_stats st;
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
	struct conntrack_result cr;
};

void fpag_costs_default(struct fpag_costs *c)
{
	c->packet_ns = 300;
	c->rule_ns = 5;
	c->conntrack_ns = 150;
	c->install_ns = 400;
	c->packet_out_ns = 200;
}

static void spend(struct fpag *f, uint64_t ns)
{
	f->st.cpu_ns += ns;
	if (f->p.spend && ns)
		f->p.spend(f->p.ctx, ns);
}

static uint32_t ep_ppid(const struct fpag *f, uint32_t ep)
{
	return ep < f->p.n_vnics ? f->vnics[ep].ppid :
	       f->uplinks[ep - f->p.n_vnics].ppid;
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
	if (p->full == TP_FULL_EVICT_LRU && !p->last_hit)
		return pnic_err(err, EINVAL, "fpag: evict_lru needs a last_hit callback");
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

/* The VPIDs: one per endpoint, or in PPID mode one per PPID, VPID p on
 * PPID p (the allocator hands out its range in order when new). */
static int map_vpids(struct fpag *f, struct pnic_error *err)
{
	bool by_ppid = f->p.flow_dest == FPAG_DEST_PPID;
	uint32_t n = by_ppid ? f->p.n_ports : f->n_ep;
	struct vpid_params vp = { .first = 0, .count = n, .sink = f->p.sink };
	uint32_t v;
	int rc;

	if (n == 0)
		return pnic_err(err, EINVAL, "fpag: no VNIC and no uplink to give a VPID");
	rc = vpid_create(&vp, &f->va, err);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		rc = vpid_alloc(f->va, by_ppid ? i : ep_ppid(f, i), &v, err);
		if (rc == 0 && by_ppid && v != i)
			rc = pnic_err(err, EPROTO, "fpag: identity VPID for PPID %u came out as %u", i, v);
		if (rc == 0 && !by_ppid)
			f->ep_vpid[i] = v;
	}
	return rc;
}

static void init_tables(struct fpag *f)
{
	for (uint32_t i = 0; i < f->max_conns; i++)
		f->conn[i] = (struct fpag_conn){ { FPAG_NONE, FPAG_NONE },
						 { TP_NONE, TP_NONE } };
	if (f->p.n_vnics)
		memcpy(f->vnics, f->p.vnics, f->p.n_vnics * sizeof *f->vnics);
	if (f->p.n_uplinks)
		memcpy(f->uplinks, f->p.uplinks, f->p.n_uplinks * sizeof *f->uplinks);
}

static int alloc_tables(struct fpag *f, struct pnic_error *err)
{
	uint32_t d = f->depth;

	f->vnics = calloc(f->p.n_vnics ? f->p.n_vnics : 1, sizeof *f->vnics);
	f->uplinks = calloc(f->p.n_uplinks ? f->p.n_uplinks : 1, sizeof *f->uplinks);
	f->ep_vpid = calloc(f->n_ep ? f->n_ep : 1, sizeof *f->ep_vpid);
	f->rec = calloc(d, sizeof *f->rec);
	f->conn = malloc(f->max_conns * sizeof *f->conn);
	if (!f->vnics || !f->uplinks || !f->ep_vpid || !f->rec || !f->conn)
		return pnic_err(err, ENOMEM, "fpag: out of memory for %u entries", d);
	init_tables(f);
	return 0;
}

static int make_blocks(struct fpag *f, struct pnic_error *err)
{
	struct flow_table_params ftp = { .depth = f->depth, .sink = f->p.sink };
	struct tcam_place_params tpp = {
		.n_levels = f->n_levels, .algo = TP_ALGO_PLO,
		.layout = TP_LAYOUT_MIDDLE, .full = f->p.full,
		.last_hit = f->p.last_hit ? last_hit_cb : NULL, .ctx = f,
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

int fpag_create(const struct fpag_params *p, struct fpag **out,
		struct pnic_error *err)
{
	struct fpag *f;
	int rc;

	*out = NULL;
	rc = check_params(p, err);
	if (rc == 0)
		rc = check_topology(p, err);
	if (rc < 0)
		return rc;
	f = calloc(1, sizeof *f);
	if (!f)
		return pnic_err(err, ENOMEM, "fpag: out of memory");
	f->p = *p;
	f->n_ep = p->n_vnics + p->n_uplinks;
	f->depth = p->depth;
	f->max_conns = p->ct.max_conns ? p->ct.max_conns : 65536;
	/* Level 0: established connections; 1 + position: the rules; last:
	 * the default. */
	f->n_levels = ruleset_rule_count(p->rules) + 2;
	rc = alloc_tables(f, err);
	if (rc == 0)
		rc = make_blocks(f, err);
	if (rc < 0) {
		fpag_destroy(f);
		return rc;
	}
	f->p.vnics = f->vnics;
	f->p.uplinks = f->uplinks;
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
	free(f->conn);
	free(f->rec);
	free(f->ep_vpid);
	free(f->uplinks);
	free(f->vnics);
	free(f);
}

/* ---- entries ------------------------------------------------------------ */

/* Drop what the FPAG keeps of an entry no longer on the NIC (the
 * ENTRY_INVALIDATE submitted, or the NIC's own eviction). */
static void forget(struct fpag *f, uint32_t handle)
{
	struct fpag_rec *r = &f->rec[handle];

	if (!r->live)
		return;
	if (r->vpid != FPAG_NONE)
		vpid_entry_removed(f->va, r->vpid, NULL);
	if (r->rs_entry != FPAG_NONE)
		ruleset_entry_remove(f->p.rules, r->rs_entry);
	if (r->conn != CT_NONE && r->conn < f->max_conns) {
		struct fpag_conn *c = &f->conn[r->conn];

		if (c->handle[r->reply] == handle)
			c->handle[r->reply] = TP_NONE;
		if (c->handle[0] == TP_NONE && c->handle[1] == TP_NONE)
			conntrack_set_offloaded(f->ct, r->conn, false, 0);
	}
	r->live = false;
	f->st.entries_live--;
}

static int remove_entry(struct fpag *f, uint32_t handle,
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
	forget(f, handle);
	f->st.entries_removed++;
	return 0;
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

	if (k->ep >= f->p.n_vnics || !vnic_has_ip(&f->vnics[k->ep], k->hdr.src_ip))
		return -EPERM;
	vn = &f->vnics[k->ep];
	v->hi[KP_SRC_IP] = k->hdr.src_ip.hi;
	v->lo[KP_SRC_IP] = k->hdr.src_ip.lo;
	mk->hi[KP_SRC_IP] = mk->lo[KP_SRC_IP] = UINT64_MAX;
	if (vn->has_vlan) {
		key_profile_set(v, KP_VLAN_VID, vn->vlan);
		key_profile_set(mk, KP_VLAN_VID, 0xfff);
	}
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

static void make_action(const struct fpag_pkt *k, uint32_t vpid,
			struct action_word *w)
{
	struct pnic_action a = { .kind = ACT_DROP };

	if (vpid != FPAG_NONE) {
		a.kind = ACT_FORWARD;
		a.vpid = (uint16_t)vpid;
	}
	a.notify_end = k->tracked && k->hdr.proto == 6;
	action_pack(&a, w);
}

/* Register a stateless entry for update impact (a tracked connection's
 * entries follow the connection, not the rules). */
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

static void record(struct fpag *f, const struct fpag_pkt *k,
		   const struct tcam_place_result *r, uint32_t dest,
		   uint32_t vpid, uint32_t rs_entry)
{
	f->rec[r->handle] = (struct fpag_rec){
		.live = true, .dest = dest, .vpid = vpid, .rs_entry = rs_entry,
		.conn = k->tracked ? k->cr.conn : CT_NONE, .reply = k->cr.reply,
	};
	if (k->tracked) {
		f->conn[k->cr.conn].handle[k->cr.reply] = r->handle;
		conntrack_set_offloaded(f->ct, k->cr.conn, true, 0);
	}
	f->st.installs++;
	f->st.entries_live++;
	f->st.drop_entries += vpid == FPAG_NONE;
}

/* Place the entry; a full table (refuse policy) leaves the flow in the
 * slow path, counted. */
static int place(struct fpag *f, const struct fpag_pkt *k,
		 struct tcam_place_entry *e, uint32_t dest, uint32_t rs_entry,
		 struct pnic_error *err)
{
	struct tcam_place_result r;
	uint32_t vpid = dest == FPAG_NONE ? FPAG_NONE : fpag_endpoint_vpid(f, dest);
	int rc;

	if (vpid != FPAG_NONE && vpid_entry_added(f->va, vpid, err) < 0)
		return -ESTALE;
	make_action(k, vpid, &e->action);
	rc = tcam_place_insert(f->tp, e, &r, err);
	if (rc < 0) {
		if (vpid != FPAG_NONE)
			vpid_entry_removed(f->va, vpid, NULL);
		return rc;
	}
	if (r.victim != TP_NONE) {
		f->st.evictions++;
		forget(f, r.victim);
	}
	record(f, k, &r, dest, vpid, rs_entry);
	return 0;
}

static int install(struct fpag *f, const struct fpag_pkt *k, uint32_t dest,
		   struct pnic_error *err)
{
	struct tcam_place_entry e = { .level = k->level };
	uint32_t rs_entry;
	int rc = build_key(f, k, &e.value, &e.mask);

	if (rc < 0) {
		if (rc == -EPERM)
			f->st.spoofed++;
		else
			f->st.inexpressible++;
		return 0;
	}
	if (k->tracked && f->conn[k->cr.conn].handle[k->cr.reply] != TP_NONE)
		return 0;       /* a packet that missed before the entry landed */
	if (!k->tracked && flow_table_find(f->ft, &e.value, &e.mask) >= 0)
		return 0;
	if (register_entry(f, k, &rs_entry) < 0)
		return 0;
	spend(f, f->p.costs.install_ns);
	rc = place(f, k, &e, dest, rs_entry, err);
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
	for (uint32_t i = 0; i < f->p.n_vnics; i++)
		if (f->vnics[i].ppid == ppid && f->vnics[i].mac == mac)
			return i;
	for (uint32_t i = 0; i < f->p.n_uplinks; i++)
		if (f->uplinks[i].ppid == ppid)
			return f->p.n_vnics + i;
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
	k->level = k->d.rule == RULESET_NONE ? f->n_levels - 1 :
		   1 + ruleset_rule_pos(f->p.rules, k->d.rule);
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

/* A stateful allow: NEW connections are committed, packets of live ones
 * pass.  FPAG_NONE: dropped without an entry (invalid, or no room). */
static uint32_t ct_decide(struct fpag *f, struct fpag_pkt *k,
			  const struct conntrack_pkt *cp, uint64_t now)
{
	if (k->cr.info == CT_NEW && k->d.verdict == RULESET_ALLOW &&
	    k->d.stateful) {
		if (conntrack_commit(f->ct, cp, now, &k->cr, NULL) < 0) {
			f->st.ct_refused++;
			return FPAG_NONE;
		}
		f->st.ct_new++;
		f->conn[k->cr.conn] = (struct fpag_conn){
			{ k->ep, k->d.dest }, { TP_NONE, TP_NONE } };
		k->tracked = true;
		return k->d.dest;
	}
	if (k->cr.info == CT_INVALID || k->cr.conn == CT_NONE) {
		f->st.ct_invalid++;
		return FPAG_NONE;
	}
	f->st.ct_established++;
	k->tracked = k->cr.info == CT_ESTABLISHED;
	k->level = 0;   /* the connection decides, above every rule */
	return ct_dest(f, k);
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
	return FPAG_NONE;
}

static int packet_out(struct fpag *f, uint32_t dest, const uint8_t *frame,
		      uint32_t caplen, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_PACKET_OUT };
	int rc;

	if (dest >= f->n_ep)
		return 0;
	spend(f, f->p.costs.packet_out_ns);
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

int fpag_miss(struct fpag *f, uint32_t in_ppid, const uint8_t *frame,
	      uint32_t caplen, uint32_t len, uint64_t now_ns,
	      struct pnic_error *err)
{
	struct fpag_pkt k = { .tracked = false };
	uint32_t dest;
	bool entry;
	int rc;

	f->st.misses++;
	spend(f, f->p.costs.packet_ns);
	parser_parse(frame, caplen, len, &k.pr);
	k.h = &k.pr.outer;
	if (!(k.h->have & (HDR_IPV4 | HDR_IPV6)) || k.h->l3_off < 12) {
		f->st.not_ip++;
		return 0;
	}
	k.ep = find_source(f, in_ppid, frame, k.h);
	if (k.ep == FPAG_NONE) {
		f->st.unknown_source++;
		return 0;
	}
	fill_hdr(&k, frame);
	dest = decide(f, &k, frame, caplen, now_ns, &entry);
	rc = packet_out(f, dest, frame, caplen, err);
	if (rc == 0 && entry)
		rc = install(f, &k, dest, err);
	return rc;
}

/* ---- events, migration -------------------------------------------------- */

static int teardown(struct fpag *f, uint32_t conn, struct pnic_error *err)
{
	struct fpag_conn *c = &f->conn[conn];
	uint32_t h[2] = { c->handle[0], c->handle[1] };
	int rc = 0;

	f->st.teardowns++;
	for (int i = 0; i < 2 && rc == 0; i++)
		if (h[i] != TP_NONE && f->rec[h[i]].live && f->rec[h[i]].conn == conn)
			rc = remove_entry(f, h[i], err);
	*c = (struct fpag_conn){ { FPAG_NONE, FPAG_NONE }, { TP_NONE, TP_NONE } };
	return rc;
}

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
	return done ? teardown(f, r->conn, err) : 0;
}

int fpag_event(struct fpag *f, const struct datapath_event *ev,
	       uint64_t now_ns, struct pnic_error *err)
{
	if (ev->type == DP_EV_FLOW_END)
		return flow_end(f, ev, now_ns, err);
	f->st.other_events++;
	return 0;
}

/* PPID mode: every entry forwarding to the VNIC names its new PPID. */
static int rewrite_entries(struct fpag *f, uint32_t vnic, uint32_t new_ppid,
			   uint32_t *cmds, struct pnic_error *err)
{
	for (uint32_t h = 0; h < f->depth; h++) {
		struct fpag_rec *r = &f->rec[h];
		uint32_t idx = tcam_place_index(f->tp, h);
		struct pnic_key v, m;
		struct action_word w;
		struct pnic_action a;
		int rc;

		if (!r->live || r->dest != vnic || idx == TP_NONE ||
		    flow_table_get(f->ft, idx, &v, &m, &w) < 0)
			continue;
		action_unpack(&w, &a);
		a.vpid = (uint16_t)new_ppid;
		action_pack(&a, &w);
		rc = vpid_entry_added(f->va, new_ppid, err);
		if (rc == 0)
			rc = flow_table_set_action(f->ft, idx, &w, err);
		if (rc < 0) {
			f->st.cmd_errors++;
			return rc;
		}
		vpid_entry_removed(f->va, r->vpid, NULL);
		r->vpid = new_ppid;
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
	if (vnic >= f->p.n_vnics)
		return pnic_err(err, ENOENT, "fpag: no VNIC %u (there are %u)", vnic, f->p.n_vnics);
	if (new_ppid >= f->p.n_ports)
		return pnic_err(err, ERANGE, "fpag: PPID %u is not the NIC's (0..%u)",
				new_ppid, f->p.n_ports - 1);
	if (f->vnics[vnic].ppid == new_ppid)
		return 0;
	if (f->p.flow_dest == FPAG_DEST_VPID) {
		rc = vpid_move(f->va, f->ep_vpid[vnic], new_ppid, err);
		n = rc == 0;
	} else {
		rc = rewrite_entries(f, vnic, new_ppid, &n, err);
	}
	if (rc == 0)
		f->vnics[vnic].ppid = new_ppid;
	f->st.migrations += rc == 0;
	f->st.migration_cmds += n;
	if (cmds)
		*cmds = n;
	return rc;
}
