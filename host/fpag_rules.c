/* FPAG: rule updates: exactly the entries whose decision changed are
 * rewritten or removed, the connections the new rules deny end. */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	fpag_tunnel_action(f, r->tunnel, dest, &w);
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
		fpag_own_clear(f, im->entry);
	}
	if (im->rederive || (d->verdict == RULESET_ALLOW &&
			     (d->stateful || !fpag_dest_ok(f, d->dest)))) {
		rc = fpag_remove_entry(f, h, GONE_REMOVED, err);
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
		fpag_own_clear(f, im->entry);
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
			rc = fpag_conn_end(f, c, err);
		} else if (f->conn[c].rs_entry == FPAG_NONE) {
			fpag_conn_register(f, c);
		}
	}
	f->n_pend = 0;
	return rc;
}

/* A stateful allow rule (new, or changed) allows the replies of the
 * connections it lets open, which the rules alone deny: a drop entry
 * installed before it that takes them in would drop a new connection's
 * replies on the NIC before its first reply reached conntrack.  Such
 * entries go (the next packet misses and is decided anew, narrowed).
 * A scan of the live drop entries: rule updates are rare, and the
 * rule set's impact walk finds entries that overlap the rule's own
 * match, not its replies'. */
static int reply_drops(struct fpag *f, const struct ruleset_rule *r,
		       struct pnic_error *err)
{
	struct ruleset_match m;
	int rc = 0;

	if (r->verdict != RULESET_ALLOW || !r->stateful)
		return 0;
	for (uint32_t h = 0; rc == 0 && h < f->depth; h++) {
		const struct fpag_rec *x = &f->rec[h];

		if (!x->live || x->vpid != FPAG_NONE || x->conn != CT_NONE ||
		    x->rs_entry == FPAG_NONE ||
		    ruleset_entry_match(f->p.rules, x->rs_entry, &m) < 0 ||
		    !fpag_meets_replies(r, &m))
			continue;
		rc = fpag_remove_entry(f, h, GONE_REMOVED, err);
		f->st.rule_reply_drops += rc == 0;
	}
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
	fpag_spend(f, (uint64_t)f->p.costs.rule_ns * us->checks);
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
	rc = update_end(f, rc, &us, err);
	return rc < 0 ? rc : reply_drops(f, r, err);
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
	rc = update_end(f, rc, &us, err);
	return rc < 0 ? rc : reply_drops(f, r, err);
}
