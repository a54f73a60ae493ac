/* The scenario's encap_templates: each template's fields, read here and
 * built into header bytes by the encap block (model/encap.h). */
#include <stdlib.h>
#include <string.h>

#include "io/scenario-private.h"
#include "model/proto.h"

static int req_mac(struct scenario_ctx *x, yaml_node_t *t, const char *path,
		   const char *key, uint8_t mac[6])
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	int rc = scenario_require(x, t, key, path, &v);

	scenario_subpath(sub, path, key);
	return rc ? rc : scenario_mac(x, v, sub, mac);
}

/* The template's id (its position if not given), unique. */
static int template_id(struct scenario_ctx *x, yaml_node_t *t,
		       const char *path, size_t i)
{
	struct scenario *c = x->c;
	yaml_node_t *v = scenario_get(x, t, "id");
	uint32_t id = (uint32_t)i;
	int rc;

	if ((rc = scenario_opt_u32(x, t, path, "id", 0,
				   ACTION_RAM_MAX_TEMPLATES - 1, &id)))
		return rc;
	for (size_t j = 0; j < i; j++)
		if (c->templates[j].id == id)
			return scenario_fail(x, v ? v : t, path,
					     "template id %u is used twice", id);
	c->templates[i].id = (uint8_t)id;
	return 0;
}

static int template_name(struct scenario_ctx *x, yaml_node_t *t,
			 const char *path, size_t i)
{
	struct scenario_template *rt = &x->c->templates[i];
	yaml_node_t *v = scenario_get(x, t, "name");
	char sub[SCENARIO_PATH_LEN];
	int rc;

	if (!v)
		return 0;
	scenario_subpath(sub, path, "name");
	if ((rc = scenario_name(x, v, sub, rt->name)))
		return rc;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(x->c->templates[j].name, rt->name))
			return scenario_fail(x, v, sub, "template name '%s' is used twice",
					     rt->name);
	return 0;
}

static int vlan(struct scenario_ctx *x, yaml_node_t *t, const char *path,
		struct encap_fields *f)
{
	yaml_node_t *pcp = scenario_get(x, t, "vlan_pcp");
	char sub[SCENARIO_PATH_LEN];
	uint32_t vid = 0, prio = 0;
	int rc;

	f->vlan = scenario_get(x, t, "vlan") != NULL;
	if ((rc = scenario_opt_u32(x, t, path, "vlan", 0, PROTO_VLAN_VID_MAX, &vid)))
		return rc;
	scenario_subpath(sub, path, "vlan_pcp");
	if (pcp && !f->vlan)
		return scenario_fail(x, pcp, sub, "vlan_pcp needs a vlan");
	if ((rc = scenario_opt_u32(x, t, path, "vlan_pcp", 0, PROTO_VLAN_PCP_MAX, &prio)))
		return rc;
	f->vlan_vid = (uint16_t)vid;
	f->vlan_pcp = (uint8_t)prio;
	return 0;
}

/* src_ip and dst_ip, of one family. */
static int addresses(struct scenario_ctx *x, yaml_node_t *t, const char *path,
		     struct encap_fields *f)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	bool dst_v6;
	unsigned plen;
	int rc;

	scenario_subpath(sub, path, "src_ip");
	if ((rc = scenario_require(x, t, "src_ip", path, &v)) ||
	    (rc = scenario_ip(x, v, sub, false, &f->ipv6, f->src_ip, &plen)))
		return rc;
	scenario_subpath(sub, path, "dst_ip");
	if ((rc = scenario_require(x, t, "dst_ip", path, &v)) ||
	    (rc = scenario_ip(x, v, sub, false, &dst_v6, f->dst_ip, &plen)))
		return rc;
	if (f->ipv6 != dst_v6)
		return scenario_fail(x, v, sub,
				     "src_ip and dst_ip must be the same family (both IPv4 or both IPv6)");
	return 0;
}

/* ttl, udp_src and vni. */
static int outer_numbers(struct scenario_ctx *x, yaml_node_t *t,
			 const char *path, struct encap_fields *f)
{
	uint32_t ttl = PROTO_IP_TTL_DEFAULT, sport = 0;
	int rc;

	if ((rc = scenario_opt_u32(x, t, path, "ttl", 1, 255, &ttl)) ||
	    (rc = scenario_opt_u32(x, t, path, "udp_src", 0, 65535, &sport)) ||
	    (rc = scenario_req_u32(x, t, path, "vni", 0, PROTO_VXLAN_VNI_MAX, &f->vni)))
		return rc;
	f->ttl = (uint8_t)ttl;
	f->udp_src = (uint16_t)sport;
	return 0;
}

static int template(struct scenario_ctx *x, yaml_node_t *t, const char *path,
		    size_t i, void *arg)
{
	static const char *const keys[] = {
		"id", "name", "eth_dst", "eth_src", "vlan", "vlan_pcp",
		"src_ip", "dst_ip", "ttl", "udp_src", "vni", NULL
	};
	struct scenario_template *rt = &x->c->templates[i];
	struct encap_fields f;
	struct pnic_error e;
	int rc;

	(void)arg;
	memset(&f, 0, sizeof f);
	if ((rc = scenario_mapping(x, t, path, "a mapping describing the outer headers", keys)) ||
	    (rc = template_id(x, t, path, i)) ||
	    (rc = template_name(x, t, path, i)) ||
	    (rc = req_mac(x, t, path, "eth_dst", f.eth_dst)) ||
	    (rc = req_mac(x, t, path, "eth_src", f.eth_src)) ||
	    (rc = vlan(x, t, path, &f)) ||
	    (rc = addresses(x, t, path, &f)) ||
	    (rc = outer_numbers(x, t, path, &f)))
		return rc;
	/* Every field was checked against its range above. */
	if (encap_build(&f, &rt->t, &e))
		return scenario_fail(x, t, path, "%s", e.msg);
	x->c->n_templates++;
	return 0;
}

static int parse_templates(struct scenario_ctx *x, yaml_node_t *seq)
{
	size_t n;
	int rc;

	if ((rc = scenario_want(x, seq, YAML_SEQUENCE_NODE, "encap_templates",
				"a list of templates")))
		return rc;
	n = scenario_len(seq);
	if (n > ACTION_RAM_MAX_TEMPLATES)
		return scenario_fail(x, seq, "encap_templates", "%zu templates, at most %d",
				     n, ACTION_RAM_MAX_TEMPLATES);
	x->c->templates = calloc(n ? n : 1, sizeof *x->c->templates);
	if (!x->c->templates)
		return scenario_nomem(x);
	return scenario_each(x, seq, "encap_templates", template, NULL);
}

static void release_templates(struct scenario *c)
{
	free(c->templates);
}

const struct scenario_section scenario_section_encap = {
	.key = "encap_templates", .parse = parse_templates,
	.release = release_templates,
};
