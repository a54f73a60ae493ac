/* A flow entry's action: drop, to_host, or a mapping with one of forward,
 * drop, to_host and the edits (docs/scenario.md). */
#include <errno.h>
#include <string.h>

#include "io/num.h"
#include "io/scenario-private.h"
#include "model/proto.h"

/* "drop" or "to_host" written as a scalar. */
static int scalar_action(struct scenario_ctx *x, yaml_node_t *n,
			 const char *path, struct pnic_action *a)
{
	if (!strcmp(scenario_str(n), "drop")) {
		a->kind = ACT_DROP;
		return 0;
	}
	if (!strcmp(scenario_str(n), "to_host")) {
		a->kind = ACT_TO_HOST;
		return 0;
	}
	return scenario_fail(x, n, path,
			     "expected drop, to_host or a mapping (forward: VPID, ...), got '%s'",
			     scenario_str(n));
}

/* Exactly one of forward: VPID, drop: true, to_host: true. */
static int kind(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		struct pnic_action *a)
{
	yaml_node_t *fwd = scenario_get(x, n, "forward");
	yaml_node_t *drop = scenario_get(x, n, "drop");
	yaml_node_t *host = scenario_get(x, n, "to_host");
	int kinds = !!fwd + !!drop + !!host, rc;
	char sub[SCENARIO_PATH_LEN];
	uint32_t u;
	bool b;

	if (kinds != 1)
		return scenario_fail(x, n, path,
				     "expected exactly one of forward, drop, to_host (got %d)",
				     kinds);
	if (fwd) {
		rc = scenario_opt_u32(x, n, path, "forward", 0, x->c->n_vpids - 1, &u);
		a->kind = ACT_FORWARD;
		a->vpid = (uint16_t)u;
		return rc;
	}
	scenario_subpath(sub, path, drop ? "drop" : "to_host");
	if ((rc = scenario_bool(x, drop ? drop : host, sub, &b)))
		return rc;
	if (!b)
		return scenario_fail(x, drop ? drop : host, sub,
				     "expected true (give forward, drop or to_host)");
	a->kind = drop ? ACT_DROP : ACT_TO_HOST;
	return 0;
}

static int mirror(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  struct pnic_action *a)
{
	uint32_t u;
	int rc;

	if (!scenario_get(x, n, "mirror"))
		return 0;
	if ((rc = scenario_opt_u32(x, n, path, "mirror", 0, x->c->n_vpids - 1, &u)))
		return rc;
	a->mirror = true;
	a->mirror_vpid = (uint16_t)u;
	return 0;
}

/* vlan_push, vlan_pop or vlan_rewrite, and vlan_pcp. */
static int vlan(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		struct pnic_action *a)
{
	yaml_node_t *push = scenario_get(x, n, "vlan_push");
	yaml_node_t *pop = scenario_get(x, n, "vlan_pop");
	yaml_node_t *rew = scenario_get(x, n, "vlan_rewrite");
	yaml_node_t *pcp = scenario_get(x, n, "vlan_pcp");
	char sub[SCENARIO_PATH_LEN];
	uint32_t tci = 0, prio = 0;
	bool b = false;
	int rc;

	if (!!push + !!pop + !!rew > 1)
		return scenario_fail(x, push ? push : pop, path,
				     "vlan_push, vlan_pop and vlan_rewrite exclude each other");
	if ((rc = scenario_opt_u32(x, n, path, push ? "vlan_push" : "vlan_rewrite",
				   0, PROTO_VLAN_VID_MAX, &tci)) ||
	    (rc = scenario_opt_bool(x, n, path, "vlan_pop", &b)))
		return rc;
	a->vlan_op = push ? VLAN_OP_PUSH : rew ? VLAN_OP_REWRITE :
		     b ? VLAN_OP_POP : VLAN_OP_NONE;
	scenario_subpath(sub, path, "vlan_pcp");
	if (pcp && !push && !rew)
		return scenario_fail(x, pcp, sub, "vlan_pcp needs vlan_push or vlan_rewrite");
	rc = scenario_opt_u32(x, n, path, "vlan_pcp", 0, PROTO_VLAN_PCP_MAX, &prio);
	a->vlan_tci = (uint16_t)(tci | prio << PROTO_VLAN_PCP_SHIFT);
	return rc;
}

/* The template an encap names by id or by name: its position, or -1.
 * An empty name names nothing (unnamed templates have the name ""). */
static int find_template(const struct scenario *c, const yaml_node_t *v)
{
	const char *s = v->type == YAML_SCALAR_NODE ? scenario_str(v) : "";
	uint64_t id;
	int rc = num_parse_u64(s, 0, UINT64_MAX, 0, &id);

	for (uint32_t i = 0; i < c->n_templates && s[0]; i++)
		if (rc == 0 ? c->templates[i].id == id :
		    rc == -EINVAL && !strcmp(c->templates[i].name, s))
			return (int)i;
	return -1;
}

/* vxlan_decap and vxlan_encap, which exclude each other. */
static int tunnel(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  struct pnic_action *a)
{
	yaml_node_t *v = scenario_get(x, n, "vxlan_encap");
	char sub[SCENARIO_PATH_LEN], q[SCENARIO_MAX_SCALAR + 3];
	bool decap = false;
	int rc, t;

	if ((rc = scenario_opt_bool(x, n, path, "vxlan_decap", &decap)))
		return rc;
	if (decap)
		a->tunnel_op = TUNNEL_OP_VXLAN_DECAP;
	if (!v)
		return 0;
	scenario_subpath(sub, path, "vxlan_encap");
	if (decap)
		return scenario_fail(x, v, sub, "vxlan_decap and vxlan_encap exclude each other");
	t = find_template(x->c, v);
	if (t < 0)
		return scenario_fail(x, v, sub,
				     "expected the id or name of a template under encap_templates, got %s",
				     scenario_quoted(v, q, sizeof q));
	a->tunnel_op = TUNNEL_OP_VXLAN_ENCAP;
	a->encap_id = x->c->templates[t].id;
	return 0;
}

/* age_class and notify_end: the host's bookkeeping of the entry. */
static int bookkeeping(struct scenario_ctx *x, yaml_node_t *n,
		       const char *path, struct pnic_action *a)
{
	uint32_t u = 0;
	int rc;

	if ((rc = scenario_opt_u32(x, n, path, "age_class", 0,
				   ACTION_AGE_CLASSES - 1, &u)))
		return rc;
	a->age_class = (uint8_t)u;
	return scenario_opt_bool(x, n, path, "notify_end", &a->notify_end);
}

/* dec_ttl, dscp, count. */
static int l3_and_count(struct scenario_ctx *x, yaml_node_t *n,
			const char *path, struct pnic_action *a)
{
	uint32_t u;
	int rc;

	if ((rc = scenario_opt_bool(x, n, path, "dec_ttl", &a->dec_ttl)))
		return rc;
	if (scenario_get(x, n, "dscp")) {
		if ((rc = scenario_opt_u32(x, n, path, "dscp", 0, 63, &u)))
			return rc;
		a->set_dscp = true;
		a->dscp = (uint8_t)u;
	}
	return scenario_opt_bool(x, n, path, "count", &a->count);
}

int scenario_action(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		    struct pnic_action *a)
{
	static const char *const keys[] = {
		"forward", "drop", "to_host", "mirror", "vlan_push", "vlan_pop",
		"vlan_rewrite", "vlan_pcp", "vxlan_decap", "vxlan_encap",
		"dec_ttl", "dscp", "count", "age_class", "notify_end", NULL
	};
	int rc;

	memset(a, 0, sizeof *a);
	if (n->type == YAML_SCALAR_NODE)
		return scalar_action(x, n, path, a);
	if ((rc = scenario_mapping(x, n, path,
				   "drop, to_host or a mapping (forward: VPID, ...)", keys)) ||
	    (rc = kind(x, n, path, a)) ||
	    (rc = mirror(x, n, path, a)) ||
	    (rc = vlan(x, n, path, a)) ||
	    (rc = tunnel(x, n, path, a)) ||
	    (rc = bookkeeping(x, n, path, a)))
		return rc;
	return l3_and_count(x, n, path, a);
}
