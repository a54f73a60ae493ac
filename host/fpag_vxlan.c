/* FPAG: VXLAN uplinks: their parameters, the encap templates, the keys and
 * edits of entries toward or from a remote host, and the miss path's part
 * (docs/fpag.md, "VXLAN uplinks"). */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A key profile VXLAN uplinks can use: it terminates tunnels (the tenant's
 * 5-tuple, inner for a tunnelled frame) and holds the VNI that tells the
 * two kinds of entries apart. */
static bool terminates(const struct key_profile *kp)
{
	return kp->terminate && key_profile_find(kp, KP_VNI);
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
		    p->remote_vms[i].vni == 0 || p->remote_vms[i].vni > 0xffffff ||
		    !(p->remote_vms[i].has_ipv4 || p->remote_vms[i].has_ipv6))
			return pnic_err(err, EINVAL, "fpag: remote VM %u: host %u of %u, VNI %u (1..16777215), an address: %s",
					p->remote_vms[i].id, p->remote_vms[i].host,
					p->n_remote_hosts, p->remote_vms[i].vni,
					p->remote_vms[i].has_ipv4 || p->remote_vms[i].has_ipv6 ? "yes" : "none");
	return 0;
}

int fpag_check_remotes(const struct fpag_params *p, struct pnic_error *err)
{
	bool vxlan = false;

	for (uint32_t j = 0; j < p->n_uplinks; j++)
		vxlan |= p->uplinks[j].vtep_ipv4 != 0;
	if (vxlan && !terminates(p->profile))
		return pnic_err(err, EINVAL, "fpag: key profile '%s' does not terminate tunnels with a VNI field: VXLAN uplinks need one (the built-in vxlan profile)",
				p->profile->name);
	if ((p->n_remote_hosts && !p->remote_hosts) || (p->n_remote_vms && !p->remote_vms))
		return pnic_err(err, EINVAL, "fpag: remote hosts or VMs counted but no array");
	return check_remote_list(p, err);
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

int fpag_alloc_vxlan(struct fpag *f, struct pnic_error *err)
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
int fpag_tpl_for(struct fpag *f, uint32_t host, uint32_t vni, uint32_t *id,
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
int fpag_make_remotes(struct fpag *f, struct pnic_error *err)
{
	uint32_t cmds = 0;
	int rc;

	for (uint32_t k = 0; k < f->p.n_remote_vms; k++) {
		uint32_t ep = f->rv0 + k;

		if ((rc = fpag_tpl_for(f, f->rvms[k].host, f->rvms[k].vni, &f->ep_tpl[ep],
				  &cmds, err)) < 0)
			return rc;
		f->ep_vpid[ep] = f->ep_vpid[f->nv + f->rhosts[f->rvms[k].host].uplink];
	}
	return 0;
}

/* Every entry matches the VNI: 0 for a local one, so that a wide local
 * entry never takes in a VXLAN frame, the frame's for a tunnelled one,
 * whose other fields (the tenant's 5-tuple and ethertype: the profile
 * terminates) are the inner headers' already. */
void fpag_tunnel_key(const struct fpag_pkt *k, struct key_profile_fields *v,
		     struct key_profile_fields *mk)
{
	key_profile_set(mk, KP_VNI, 0xffffff);
	key_profile_set(v, KP_VNI, k->tunnel ? k->pr.vni : 0);
}

/* The edit an entry's packets need: decap for a tunnelled one, encap
 * with the destination's template for one to a remote VM or a VNIC behind
 * a remote host.  Both at once (remote to remote) is not carried: the
 * slow path refuses it too, so the entry drops. */
void fpag_tunnel_action(const struct fpag *f, bool tunnel, uint32_t dest,
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
int fpag_ingress(struct fpag *f, uint32_t ppid, const uint8_t *frame,
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
		fpag_find_source(f, ppid, frame, k->h);
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
const uint8_t *fpag_onward(struct fpag *f, uint32_t dest, const uint8_t *frame,
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
