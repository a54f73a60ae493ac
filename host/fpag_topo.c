/* FPAG: where VNICs are: VMs that come and go, and migration, to a port or
 * behind a remote host, in both flow_dest modes. */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every entry forwarding to the endpoint gets an ACTION_WRITE: naming
 * vpid (FPAG_NONE: its own; PPID mode passes the new PPID), with the edit
 * the endpoint needs where it now is (tunnel_action: the encap toward a
 * remote host, none for a local port; remote to remote drops). */
static int redirect_entries(struct fpag *f, uint32_t ep, uint32_t vpid,
			    uint32_t *cmds, struct pnic_error *err)
{
	for (uint32_t h = 0; h < f->depth; h++) {
		struct fpag_rec *r = &f->rec[h];
		uint32_t idx = tcam_place_index(f->tp, h);
		uint32_t nv = vpid != FPAG_NONE ? vpid : r->vpid;
		struct pnic_key v, m;
		struct action_word w;
		struct pnic_action a;
		int rc;

		if (!r->live || r->dest != ep || idx == TP_NONE ||
		    flow_table_get(f->ft, idx, &v, &m, &w) < 0)
			continue;
		action_unpack(&w, &a);
		a.kind = ACT_FORWARD;
		a.vpid = (uint16_t)nv;
		action_pack(&a, &w);
		fpag_tunnel_action(f, r->tunnel, ep, &w);
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

/* Where a VNIC is: a local port (host FPAG_NONE) or behind a remote host
 * with the template of (host, its VNI). */
static void place_vnic(struct fpag *f, uint32_t vnic, uint32_t ppid,
		       uint32_t host, uint32_t tpl)
{
	f->vnics[vnic].ppid = ppid;
	if (f->vxlan) {
		f->ep_host[vnic] = host;
		f->ep_tpl[vnic] = tpl;
	}
}

/* VPID mode: the map write, then (back from a remote host) the entries
 * without their encap.  In that order no tenant frame reaches the
 * underlay bare; in the window the VNIC's new port gets encapsulated
 * frames, which it does not take.  PPID mode: each entry's one write
 * names the port and drops the encap together. */
static int move_local(struct fpag *f, uint32_t vnic, uint32_t new_ppid,
		      uint32_t *n, struct pnic_error *err)
{
	bool was_remote = f->vxlan && f->ep_host[vnic] != FPAG_NONE;
	int rc;

	place_vnic(f, vnic, new_ppid, FPAG_NONE, FPAG_NONE);
	if (f->p.flow_dest != FPAG_DEST_VPID)
		return redirect_entries(f, vnic, new_ppid, n, err);
	if ((rc = vpid_move(f->va, f->ep_vpid[vnic], new_ppid, err)) < 0)
		return rc;
	(*n)++;
	return was_remote ? redirect_entries(f, vnic, FPAG_NONE, n, err) : 0;
}

int fpag_migrate(struct fpag *f, uint32_t vnic, uint32_t new_ppid,
		 uint32_t *cmds, struct pnic_error *err)
{
	uint32_t n = 0;
	int rc;

	if (cmds)
		*cmds = 0;
	if (!fpag_vnic_present(f, vnic))
		return pnic_err(err, ENOENT, "fpag: no VNIC %u (%u slots, %u used)", vnic,
				f->nv, f->nv_used);
	if (new_ppid >= f->p.n_ports)
		return pnic_err(err, ERANGE, "fpag: PPID %u is not the NIC's (0..%u)",
				new_ppid, f->p.n_ports - 1);
	if (f->vnics[vnic].ppid == new_ppid &&
	    (!f->vxlan || f->ep_host[vnic] == FPAG_NONE))
		return 0;
	rc = move_local(f, vnic, new_ppid, &n, err);
	f->st.migrations += rc == 0;
	f->st.migration_cmds += n;
	if (cmds)
		*cmds = n;
	return rc;
}

/* Rewrites first, then the map: an entry never sends a tenant's frame
 * onto the underlay without its encapsulation (during the move the old
 * port gets encapsulated frames, which no VM there takes).  From one
 * remote host to another the rewrites change the template, and the map
 * is written only if the uplink changes. */
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
	if (f->ep_host[vnic] == host)
		return 0;
	ppid = f->uplinks[f->rhosts[host].uplink].ppid;
	rc = fpag_tpl_for(f, host, f->vnics[vnic].vni, &tpl, &n, err);
	if (rc == 0) {
		bool map = by_vpid && f->vnics[vnic].ppid != ppid;

		place_vnic(f, vnic, ppid, host, tpl);
		rc = redirect_entries(f, vnic, by_vpid ? FPAG_NONE : ppid, &n, err);
		if (rc == 0 && map && (rc = vpid_move(f->va, f->ep_vpid[vnic], ppid, err)) == 0)
			n++;
	}
	f->st.remote_moves += rc == 0;
	f->st.remote_move_cmds += n;
	if (cmds)
		*cmds = n;
	return rc;
}

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
	for (uint32_t c = 0; rc == 0 && c < f->conn_used; c++)
		if (f->conn[c].ep[0] == index || f->conn[c].ep[1] == index) {
			f->st.vnic_conns_removed++;
			rc = fpag_conn_end(f, c, err);
		}
	for (uint32_t h = 0; rc == 0 && h < f->depth; h++)
		if (names(&f->rec[h], index))
			rc = fpag_remove_entry(f, h, GONE_REMOVED, err);
	f->st.vnic_removes += rc == 0;
	f->st.vnic_entries_removed += f->st.entries_removed - removed;
	return rc;
}
