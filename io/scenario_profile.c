/* The scenario's key_profile: a built-in profile's name, or the fields
 * of a custom one (docs/scenario.md). */
#include <stdio.h>
#include <string.h>

#include "io/scenario-private.h"

static int builtin(struct scenario_ctx *x, yaml_node_t *n)
{
	char list[128] = "";
	size_t len = 0;

	x->c->profile = key_profile_builtin(scenario_str(n));
	if (x->c->profile)
		return 0;
	for (unsigned i = 0; i < key_profile_builtin_count() &&
	     len < sizeof list; i++)
		len += snprintf(list + len, sizeof list - len, "%s%s",
				i ? ", " : "", key_profile_builtin_at(i)->name);
	return scenario_fail(x, n, "key_profile",
			     "unknown built-in profile '%s'; expected one of: %s, or a mapping with fields",
			     scenario_str(n), list);
}

/* Where the next field goes by default, and where the fields end. */
struct placement {
	unsigned next, max_end;
};

static int field(struct scenario_ctx *x, yaml_node_t *f, const char *path,
		 size_t i, struct placement *pl)
{
	static const char *const keys[] = { "field", "width", "offset", NULL };
	struct key_profile_field *d = &x->c->custom.fields[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	uint32_t w, off = pl->next;
	int rc, id;

	if ((rc = scenario_mapping(x, f, path, "a mapping with field, width, offset", keys)) ||
	    (rc = scenario_require(x, f, "field", path, &v)))
		return rc;
	scenario_subpath(sub, path, "field");
	id = v->type == YAML_SCALAR_NODE ? key_profile_field_by_name(scenario_str(v)) : -1;
	if (id < 0)
		return scenario_fail(x, v, sub,
				     "unknown key field; expected in_port, vlan_vid, ethertype, ip_proto, src_ip, dst_ip, l4_src, l4_dst, tcp_flags or vni");
	d->id = (enum key_profile_field_id)id;
	w = key_profile_field_width(d->id);
	if ((rc = scenario_opt_u32(x, f, path, "width", 1, 128, &w)) ||
	    (rc = scenario_opt_u32(x, f, path, "offset", 0, PNIC_KEY_MAX_BITS - 1, &off)))
		return rc;
	d->width = (uint16_t)w;
	d->offset = (uint16_t)off;
	pl->next = off + w;
	if (pl->next > pl->max_end)
		pl->max_end = pl->next;
	return 0;
}

static int fields(struct scenario_ctx *x, yaml_node_t *list,
		  struct placement *pl)
{
	size_t nf = scenario_len(list);
	int rc = 0;

	if (nf == 0 || nf > KP_MAX_FIELDS)
		return scenario_fail(x, list, "key_profile.fields",
				     "expected 1..%d fields, got %zu", KP_MAX_FIELDS, nf);
	for (size_t i = 0; i < nf && !rc; i++) {
		char path[SCENARIO_PATH_LEN];

		scenario_index_path(path, "key_profile.fields", i);
		rc = field(x, scenario_item(x, list, i), path, i, pl);
	}
	x->c->custom.n_fields = (uint8_t)nf;
	return rc;
}

/* The key width: key_bits if given, else where the last field ends. */
static int key_bits(struct scenario_ctx *x, yaml_node_t *n, yaml_node_t *list,
		    unsigned max_end)
{
	struct key_profile *p = &x->c->custom;
	uint32_t kb = max_end > PNIC_KEY_MAX_BITS ? PNIC_KEY_MAX_BITS + 1 : max_end;
	int rc = scenario_opt_u32(x, n, "key_profile", "key_bits", 1,
				  PNIC_KEY_MAX_BITS, &kb);

	p->key_bits = (uint16_t)kb;
	if (rc)
		return rc;
	if (max_end > PNIC_KEY_MAX_BITS)
		return scenario_fail(x, list, "key_profile.fields",
				     "fields end at bit %u, beyond the %u-bit key maximum",
				     max_end, PNIC_KEY_MAX_BITS);
	return 0;
}

static int custom(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "key_bits", "fields", "terminate", NULL };
	struct key_profile *p = &x->c->custom;
	struct placement pl = { 0, 0 };
	yaml_node_t *v, *list;
	struct pnic_error e;
	int rc;

	if ((rc = scenario_mapping(x, n, "key_profile",
				   "a built-in profile name or a mapping with fields", keys)) ||
	    (rc = scenario_require(x, n, "fields", "key_profile", &list)) ||
	    (rc = scenario_want(x, list, YAML_SEQUENCE_NODE, "key_profile.fields",
				"a list of fields")))
		return rc;
	snprintf(p->name, sizeof p->name, "custom");
	if ((v = scenario_get(x, n, "name"))) {
		char tmp[SCENARIO_NAME_MAX];

		if ((rc = scenario_name(x, v, "key_profile.name", tmp)))
			return rc;
		snprintf(p->name, sizeof p->name, "%s", tmp);
	}
	if ((rc = fields(x, list, &pl)) ||
	    (rc = key_bits(x, n, list, pl.max_end)) ||
	    (rc = scenario_opt_bool(x, n, "key_profile", "terminate", &p->terminate)))
		return rc;
	if (key_profile_validate(p, &e) < 0)
		return scenario_fail(x, n, "key_profile", "%s", e.msg);
	x->c->profile = p;
	return 0;
}

static int parse(struct scenario_ctx *x, yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? builtin(x, n) : custom(x, n);
}

const struct scenario_section scenario_section_key_profile = {
	.key = "key_profile", .parse = parse,
};
