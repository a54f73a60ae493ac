/* The scenario's ports (PPIDs and their names) and its VPID->PPID map;
 * and what every section that names a port reads it with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/num.h"
#include "io/scenario-private.h"

static int find_port(const struct scenario *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_ports; i++)
		if (!strcmp(c->ports[i].name, name))
			return (int)i;
	return -1;
}

static bool ppid_declared(const struct scenario *c, uint32_t ppid)
{
	for (uint32_t i = 0; i < c->n_ports; i++)
		if (c->ports[i].ppid == ppid)
			return true;
	return false;
}

int scenario_port_ref(struct scenario_ctx *x, yaml_node_t *n,
		      const char *path, uint32_t *ppid)
{
	uint64_t v;
	int i, rc;

	if (n->type != YAML_SCALAR_NODE)
		return scenario_fail(x, n, path, "expected a port (PPID or name), got %s",
				     scenario_kind(n));
	rc = num_parse_u64(scenario_str(n), 0, UINT32_MAX, 0, &v);
	if (rc != -EINVAL) {
		if (rc || !ppid_declared(x->c, (uint32_t)v))
			return scenario_fail(x, n, path,
					     "PPID %s is not a declared port (see 'ports')",
					     scenario_str(n));
		*ppid = (uint32_t)v;
		return 0;
	}
	i = find_port(x->c, scenario_str(n));
	if (i < 0)
		return scenario_fail(x, n, path, "'%s' is not the name of a declared port (see 'ports')",
				     scenario_str(n));
	*ppid = x->c->ports[i].ppid;
	return 0;
}

/* ---- ports ------------------------------------------------------------- */

/* The port's name, unique, or ppid<N> if it has none. */
static int port_name(struct scenario_ctx *x, yaml_node_t *p, const char *path,
		     struct scenario_port *port)
{
	yaml_node_t *v = scenario_get(x, p, "name");
	char sub[SCENARIO_PATH_LEN], tmp[SCENARIO_NAME_MAX];
	int rc;

	if (!v) {
		snprintf(port->name, sizeof port->name, "ppid%u", port->ppid);
		return 0;
	}
	scenario_subpath(sub, path, "name");
	if ((rc = scenario_name(x, v, sub, tmp)))
		return rc;
	if (find_port(x->c, tmp) >= 0)
		return scenario_fail(x, v, sub, "port name '%s' is used twice", tmp);
	memcpy(port->name, tmp, sizeof tmp);
	return 0;
}

/* The port's line rate in bit/s, SI suffixes allowed ("25G", "2500M"). */
static int port_speed(struct scenario_ctx *x, yaml_node_t *p, const char *path,
		      struct scenario_port *port)
{
	yaml_node_t *v = scenario_get(x, p, "speed");
	char sub[SCENARIO_PATH_LEN], q[SCENARIO_MAX_SCALAR + 3];

	if (!v)
		return 0;
	scenario_subpath(sub, path, "speed");
	if (v->type == YAML_SCALAR_NODE &&
	    !num_parse_u64(scenario_str(v), SCENARIO_MIN_BPS, SCENARIO_MAX_BPS,
			   NUM_SI, &port->bps))
		return 0;
	return scenario_fail(x, v, sub, "expected a line rate in bit/s from 10M to 1600G, such as 25G, 100G or 2500M; got %s",
			     scenario_quoted(v, q, sizeof q));
}

static int port(struct scenario_ctx *x, yaml_node_t *p, const char *path,
		size_t i, void *arg)
{
	static const char *const keys[] = { "ppid", "name", "speed", NULL };
	struct scenario *c = x->c;
	struct scenario_port *port = &c->ports[i];
	char sub[SCENARIO_PATH_LEN];
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, p, path, "a mapping with ppid and name", keys)) ||
	    (rc = scenario_req_u32(x, p, path, "ppid", 0, VPID_MAP_MAX_PPIDS - 1,
				   &port->ppid)))
		return rc;
	scenario_subpath(sub, path, "ppid");
	if (ppid_declared(c, port->ppid))
		return scenario_fail(x, scenario_get(x, p, "ppid"), sub,
				     "PPID %u is declared twice", port->ppid);
	if ((rc = port_name(x, p, path, port)) ||
	    (rc = port_speed(x, p, path, port)))
		return rc;
	c->n_ports++;
	if (port->ppid + 1 > c->n_ppids)
		c->n_ppids = port->ppid + 1;
	return 0;
}

static int parse_ports(struct scenario_ctx *x, yaml_node_t *seq)
{
	size_t n;
	int rc;

	if ((rc = scenario_want(x, seq, YAML_SEQUENCE_NODE, "ports", "a list of ports")))
		return rc;
	n = scenario_len(seq);
	if (n == 0)
		return scenario_fail(x, seq, "ports", "expected at least one port");
	if (n > VPID_MAP_MAX_PPIDS)
		return scenario_fail(x, seq, "ports", "%zu ports, at most %u", n,
				     VPID_MAP_MAX_PPIDS);
	x->c->ports = calloc(n, sizeof *x->c->ports);
	if (!x->c->ports)
		return scenario_nomem(x);
	return scenario_each(x, seq, "ports", port, NULL);
}

static void release_ports(struct scenario *c)
{
	free(c->ports);
}

const struct scenario_section scenario_section_ports = {
	.key = "ports", .required = true, .parse = parse_ports,
	.release = release_ports,
};

/* ---- vpid_map ---------------------------------------------------------- */

/* The optional name of map entry i, unique among the entries. */
static int map_name(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		    size_t i)
{
	struct scenario_map *m = &x->c->maps[i];
	yaml_node_t *v = scenario_get(x, e, "name");
	char sub[SCENARIO_PATH_LEN];
	int rc;

	if (!v)
		return 0;
	scenario_subpath(sub, path, "name");
	if ((rc = scenario_name(x, v, sub, m->name)))
		return rc;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(x->c->maps[j].name, m->name))
			return scenario_fail(x, v, sub, "VPID name '%s' is used twice",
					     m->name);
	return 0;
}

static int map_entry(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		     size_t i, void *arg)
{
	static const char *const keys[] = { "vpid", "ppid", "name", NULL };
	struct scenario *c = x->c;
	struct scenario_map *m = &c->maps[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, e, path, "a mapping with vpid and ppid", keys)) ||
	    (rc = scenario_req_u32(x, e, path, "vpid", 0, c->n_vpids - 1, &m->vpid)))
		return rc;
	scenario_subpath(sub, path, "vpid");
	for (size_t j = 0; j < i; j++)
		if (c->maps[j].vpid == m->vpid)
			return scenario_fail(x, scenario_get(x, e, "vpid"), sub,
					     "VPID %u is mapped twice", m->vpid);
	if ((rc = scenario_require(x, e, "ppid", path, &v)))
		return rc;
	scenario_subpath(sub, path, "ppid");
	if ((rc = scenario_port_ref(x, v, sub, &m->ppid)) ||
	    (rc = map_name(x, e, path, i)))
		return rc;
	c->n_maps++;
	return 0;
}

static int parse_map(struct scenario_ctx *x, yaml_node_t *map)
{
	size_t nm;
	int rc;

	if ((rc = scenario_want(x, map, YAML_SEQUENCE_NODE, "vpid_map.map",
				"a list of {vpid, ppid}")))
		return rc;
	nm = scenario_len(map);
	x->c->maps = calloc(nm ? nm : 1, sizeof *x->c->maps);
	if (!x->c->maps)
		return scenario_nomem(x);
	return scenario_each(x, map, "vpid_map.map", map_entry, NULL);
}

static int parse_vpid_map(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "n_vpids", "unmapped", "map", NULL };
	static const char *const pol[] = { "drop", "to_host", NULL };
	struct scenario *c = x->c;
	yaml_node_t *v;
	int rc, u;

	if ((rc = scenario_mapping(x, n, "vpid_map",
				   "a mapping with n_vpids, unmapped and map", keys)) ||
	    (rc = scenario_req_u32(x, n, "vpid_map", "n_vpids", 1,
				   VPID_MAP_MAX_VPIDS, &c->n_vpids)))
		return rc;
	if ((v = scenario_get(x, n, "unmapped"))) {
		if ((rc = scenario_enum(x, v, "vpid_map.unmapped", pol, &u)))
			return rc;
		c->unmapped = u ? VPID_UNMAPPED_TO_HOST : VPID_UNMAPPED_DROP;
	}
	v = scenario_get(x, n, "map");
	return v ? parse_map(x, v) : 0;
}

static void release_vpid_map(struct scenario *c)
{
	free(c->maps);
}

const struct scenario_section scenario_section_vpid_map = {
	.key = "vpid_map", .required = true, .parse = parse_vpid_map,
	.release = release_vpid_map,
};
