/* The scenario's `topology`: the VMs' VNICs (name, MAC, addresses, VLAN,
 * the host-facing port they are attached to, whether they start with the
 * run or later, by a vm_add event) and the uplinks (a port
 * toward other hosts and the prefixes reached through it), for the FPAG
 * (host.program: fpag; docs/fpag.md "Identifiers").  Names are unique
 * across VNICs and uplinks: rules and events name them. */
#include <stdlib.h>
#include <string.h>

#include "io/scenario-private.h"
#include "model/proto.h"

/* Bounds far above any scenario's, so that a hostile file costs little. */
#define TOPO_MAX_VNICS   4096u
#define TOPO_MAX_UPLINKS 256u
#define TOPO_MAX_ROUTES  4096u

static bool name_used(const struct scenario_topology *t, const char *name)
{
	for (uint32_t i = 0; i < t->n_vnics; i++)
		if (!strcmp(t->vnics[i].name, name))
			return true;
	for (uint32_t i = 0; i < t->n_uplinks; i++)
		if (!strcmp(t->uplinks[i].name, name))
			return true;
	for (uint32_t i = 0; i < t->n_remote_hosts; i++)
		if (!strcmp(t->remote_hosts[i].name, name))
			return true;
	for (uint32_t i = 0; i < t->n_remote_vms; i++)
		if (!strcmp(t->remote_vms[i].name, name))
			return true;
	return false;
}

static int unique_name(struct scenario_ctx *x, yaml_node_t *map,
		       const char *path, char out[SCENARIO_NAME_MAX])
{
	yaml_node_t *v;
	char sub[SCENARIO_PATH_LEN];
	int rc;

	if ((rc = scenario_require(x, map, "name", path, &v)))
		return rc;
	scenario_subpath(sub, path, "name");
	if ((rc = scenario_name(x, v, sub, out)))
		return rc;
	if (name_used(&x->c->topo, out))
		return scenario_fail(x, v, sub, "'%s' names a VNIC, uplink, remote host or remote VM already", out);
	return 0;
}

int scenario_prefix(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		    struct scenario_prefix *out)
{
	uint8_t a[16];
	unsigned plen;
	bool v6;
	int rc = scenario_ip(x, n, path, true, &v6, a, &plen);

	if (rc)
		return rc;
	out->ip = (struct ruleset_ip){ 0, 0 };
	if (v6) {
		for (int i = 0; i < 8; i++) {
			out->ip.hi = out->ip.hi << 8 | a[i];
			out->ip.lo = out->ip.lo << 8 | a[8 + i];
		}
		out->len = (uint8_t)plen;
	} else {
		out->ip = ruleset_ip_v4((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
					(uint32_t)a[2] << 8 | a[3]);
		out->len = (uint8_t)(96 + plen);
	}
	return 0;
}

/* An IPv4 address at node n (path sub); `hint` says where IPv6 goes. */
static int ipv4_at(struct scenario_ctx *x, yaml_node_t *n, const char *sub,
		   const char *hint, uint32_t *ip)
{
	uint8_t a[16];
	unsigned plen;
	bool v6;
	int rc;

	if ((rc = scenario_ip(x, n, sub, false, &v6, a, &plen)))
		return rc;
	if (v6)
		return scenario_fail(x, n, sub, "expected an IPv4 address (%s)", hint);
	*ip = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	return 0;
}

/* A VM's addresses, `ipv4` and `ipv6`, at least one. */
struct vm_addrs {
	bool *has_ipv4, *has_ipv6;
	uint32_t *ipv4;
	struct ruleset_ip *ipv6;
};

static int vm_addresses(struct scenario_ctx *x, yaml_node_t *m,
			const char *path, const struct vm_addrs *v)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	uint8_t a[16];
	unsigned plen;
	bool v6;
	int rc;

	if ((n = scenario_get(x, m, "ipv4"))) {
		scenario_subpath(sub, path, "ipv4");
		if ((rc = ipv4_at(x, n, sub, "IPv6 goes under ipv6", v->ipv4)))
			return rc;
		*v->has_ipv4 = true;
	}
	if ((n = scenario_get(x, m, "ipv6"))) {
		struct scenario_prefix p;

		scenario_subpath(sub, path, "ipv6");
		if ((rc = scenario_ip(x, n, sub, false, &v6, a, &plen)))
			return rc;
		if (!v6)
			return scenario_fail(x, n, sub, "expected an IPv6 address (IPv4 goes under ipv4)");
		if ((rc = scenario_prefix(x, n, sub, &p)))
			return rc;
		*v->has_ipv6 = true;
		*v->ipv6 = p.ip;
	}
	if (!*v->has_ipv4 && !*v->has_ipv6)
		return scenario_fail(x, m, path, "a VM needs an ipv4 or an ipv6 address");
	return 0;
}

static int vnic_addresses(struct scenario_ctx *x, yaml_node_t *m,
			  const char *path, struct fpag_vnic *v)
{
	const struct vm_addrs a = { &v->has_ipv4, &v->has_ipv6, &v->ipv4, &v->ipv6 };

	return vm_addresses(x, m, path, &a);
}

/* A MAC under `key` of m, into *mac (low 48 bits). */
static int mac_key(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		   const char *key, uint64_t *mac)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	uint8_t b[6];
	int rc;

	if ((rc = scenario_require(x, m, key, path, &n)))
		return rc;
	scenario_subpath(sub, path, key);
	if ((rc = scenario_mac(x, n, sub, b)))
		return rc;
	*mac = 0;
	for (int k = 0; k < 6; k++)
		*mac = *mac << 8 | b[k];
	return 0;
}

/* `start: now` (the default) or `later`: the VNIC is declared (its name,
 * addresses and slot exist from the start, so rules may name it) and its
 * VM arrives by a vm_add event. */
static int vnic_start(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		      struct scenario_vnic *sv)
{
	static const char *const starts[] = { "now", "later", NULL };
	yaml_node_t *n = scenario_get(x, m, "start");
	char sub[SCENARIO_PATH_LEN];
	int rc, k = 0;

	if (!n)
		return 0;
	scenario_subpath(sub, path, "start");
	if ((rc = scenario_enum(x, n, sub, starts, &k)))
		return rc;
	sv->v.later = k == 1;
	return 0;
}

static int vnic(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		size_t i, void *arg)
{
	static const char *const keys[] = { "name", "mac", "ipv4", "ipv6", "vlan",
					     "port", "start", "vni", NULL };
	struct scenario_topology *t = &x->c->topo;
	struct scenario_vnic *sv = &t->vnics[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	uint32_t vlan;
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, m, path, "a mapping with name, mac, ipv4/ipv6 and port", keys)) ||
	    (rc = unique_name(x, m, path, sv->name)) ||
	    (rc = mac_key(x, m, path, "mac", &sv->v.mac)) ||
	    (rc = vnic_addresses(x, m, path, &sv->v)) ||
	    (rc = scenario_require(x, m, "port", path, &n)))
		return rc;
	scenario_subpath(sub, path, "port");
	if ((rc = scenario_port_ref(x, n, sub, &sv->v.ppid)))
		return rc;
	if (scenario_get(x, m, "vlan")) {
		if ((rc = scenario_opt_u32(x, m, path, "vlan", 1, PROTO_VLAN_VID_MAX, &vlan)))
			return rc;
		sv->v.has_vlan = true;
		sv->v.vlan = (uint16_t)vlan;
	}
	sv->v.id = (uint32_t)i;
	sv->line = (unsigned)m->start_mark.line + 1;
	t->n_vnics++;
	if ((rc = scenario_opt_u32(x, m, path, "vni", 1, 0xffffff, &sv->v.vni)))
		return rc;
	return vnic_start(x, m, path, sv);
}

static int route(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 size_t i, void *arg)
{
	struct scenario_uplink *u = arg;

	u->n_routes++;
	return scenario_prefix(x, n, path, &u->routes[i]);
}

/* A VTEP's IPv4 address under `key` of m. */
static int ipv4_key(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		    const char *key, uint32_t *ip)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	if ((rc = scenario_require(x, m, key, path, &n)))
		return rc;
	scenario_subpath(sub, path, key);
	return ipv4_at(x, n, sub, "the VXLAN underlay is IPv4 here", ip);
}

/* `vtep: { mac, ipv4 }` and `next_hop_mac`: a VXLAN uplink. */
static int uplink_vtep(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		       struct scenario_uplink *u)
{
	static const char *const keys[] = { "mac", "ipv4", NULL };
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n = scenario_get(x, m, "vtep");
	int rc;

	if (!n)
		return 0;
	scenario_subpath(sub, path, "vtep");
	if ((rc = scenario_mapping(x, n, sub, "a mapping with mac and ipv4", keys)) ||
	    (rc = mac_key(x, n, sub, "mac", &u->v.vtep_mac)) ||
	    (rc = ipv4_key(x, n, sub, "ipv4", &u->v.vtep_ipv4)))
		return rc;
	if (!u->v.vtep_ipv4)
		return scenario_fail(x, n, sub, "a VTEP needs an address other than 0.0.0.0");
	return mac_key(x, m, path, "next_hop_mac", &u->v.next_hop_mac);
}

/* A name under `key` of m among the first n of a list of named items. */
static int ref(struct scenario_ctx *x, yaml_node_t *m, const char *path,
	       const char *key, const char *what, bool (*is)(const struct scenario *c,
							      uint32_t i, const char *name),
	       uint32_t n, uint32_t *out)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	int rc;

	if ((rc = scenario_require(x, m, key, path, &v)))
		return rc;
	scenario_subpath(sub, path, key);
	for (*out = 0; v->type == YAML_SCALAR_NODE && *out < n; (*out)++)
		if (is(x->c, *out, scenario_str(v)))
			return 0;
	return scenario_fail(x, v, sub, "expected the name of %s", what);
}

static bool is_vxlan_uplink(const struct scenario *c, uint32_t i, const char *name)
{
	return !strcmp(c->topo.uplinks[i].name, name) && c->topo.uplinks[i].v.vtep_ipv4;
}

static bool is_remote_host(const struct scenario *c, uint32_t i, const char *name)
{
	return !strcmp(c->topo.remote_hosts[i].name, name);
}

static int remote_host(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		       size_t i, void *arg)
{
	static const char *const keys[] = { "name", "uplink", "vtep", NULL };
	struct scenario_topology *t = &x->c->topo;
	struct scenario_remote_host *h = &t->remote_hosts[i];
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, m, path, "a mapping with name, uplink and vtep", keys)) ||
	    (rc = unique_name(x, m, path, h->name)) ||
	    (rc = ref(x, m, path, "uplink", "an uplink with a vtep", is_vxlan_uplink,
		      t->n_uplinks, &h->v.uplink)) ||
	    (rc = ipv4_key(x, m, path, "vtep", &h->v.vtep_ipv4)))
		return rc;
	h->v.id = (uint32_t)i;
	t->n_remote_hosts++;
	return 0;
}

static int remote_vm(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		     size_t i, void *arg)
{
	static const char *const keys[] = { "name", "host", "mac", "ipv4", "ipv6", "vni", NULL };
	struct scenario_topology *t = &x->c->topo;
	struct scenario_remote_vm *r = &t->remote_vms[i];
	const struct vm_addrs a = { &r->v.has_ipv4, &r->v.has_ipv6, &r->v.ipv4, &r->v.ipv6 };
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, m, path, "a mapping with name, host, mac, ipv4/ipv6 and vni", keys)) ||
	    (rc = unique_name(x, m, path, r->name)) ||
	    (rc = ref(x, m, path, "host", "a remote host", is_remote_host,
		      t->n_remote_hosts, &r->v.host)) ||
	    (rc = mac_key(x, m, path, "mac", &r->v.mac)) ||
	    (rc = vm_addresses(x, m, path, &a)) ||
	    (rc = scenario_req_u32(x, m, path, "vni", 1, 0xffffff, &r->v.vni)))
		return rc;
	r->v.id = t->n_vnics + t->n_uplinks + (uint32_t)i;
	t->n_remote_vms++;
	return 0;
}

static int uplink(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		  size_t i, void *arg)
{
	static const char *const keys[] = { "name", "port", "routes", "vtep",
					     "next_hop_mac", NULL };
	struct scenario_uplink *u = &x->c->topo.uplinks[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, m, path, "a mapping with name, port and routes", keys)) ||
	    (rc = unique_name(x, m, path, u->name)) ||
	    (rc = scenario_require(x, m, "port", path, &n)))
		return rc;
	scenario_subpath(sub, path, "port");
	if ((rc = scenario_port_ref(x, n, sub, &u->ppid)) ||
	    (rc = uplink_vtep(x, m, path, u)))
		return rc;
	u->v.id = x->c->topo.n_vnics + (uint32_t)i;
	u->v.ppid = u->ppid;
	x->c->topo.n_uplinks++;
	if (!(n = scenario_get(x, m, "routes")))
		return 0;
	scenario_subpath(sub, path, "routes");
	return scenario_list(x, n, sub, "a list of prefixes", TOPO_MAX_ROUTES,
			     sizeof *u->routes, (void **)&u->routes, route, u);
}

/* A list under `key` into a calloc'd array of `size` items. */
static int list(struct scenario_ctx *x, yaml_node_t *m, const char *key,
		uint32_t max, size_t size, void **out, scenario_item_fn fn)
{
	yaml_node_t *n = scenario_get(x, m, key);
	char path[SCENARIO_PATH_LEN];

	if (!n)
		return 0;
	scenario_subpath(path, "topology", key);
	return scenario_list(x, n, path, "a list", max, size, out, fn, NULL);
}

static const struct scenario_topology *sort_topo;

static int by_mac(const void *a, const void *b)
{
	uint64_t ma = sort_topo->vnics[*(const uint32_t *)a].v.mac;
	uint64_t mb = sort_topo->vnics[*(const uint32_t *)b].v.mac;

	return (ma > mb) - (ma < mb);
}

/* The VNICs by MAC, for the frames that find their VNIC by source
 * address (scenario_attachment, per frame): a MAC names one VNIC. */
static int index_macs(struct scenario_ctx *x, yaml_node_t *m)
{
	struct scenario_topology *t = &x->c->topo;

	if (!(t->by_mac = calloc(t->n_vnics ? t->n_vnics : 1, sizeof *t->by_mac)))
		return scenario_nomem(x);
	for (uint32_t i = 0; i < t->n_vnics; i++)
		t->by_mac[i] = i;
	sort_topo = t;
	qsort(t->by_mac, t->n_vnics, sizeof *t->by_mac, by_mac);
	for (uint32_t i = 1; i < t->n_vnics; i++)
		if (t->vnics[t->by_mac[i]].v.mac == t->vnics[t->by_mac[i - 1]].v.mac)
			return scenario_fail(x, scenario_get(x, m, "vnics"), "topology.vnics",
					     "VNICs '%s' and '%s' have the same MAC",
					     t->vnics[t->by_mac[i - 1]].name, t->vnics[t->by_mac[i]].name);
	return 0;
}

static int parse_topology(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const keys[] = { "vnics", "uplinks", "remote_hosts",
					     "remote_vms", NULL };
	struct scenario_topology *t = &x->c->topo;
	int rc;

	if ((rc = scenario_mapping(x, m, "topology", "a mapping with vnics and uplinks", keys)) ||
	    (rc = list(x, m, "vnics", TOPO_MAX_VNICS, sizeof *t->vnics,
		       (void **)&t->vnics, vnic)) ||
	    (rc = index_macs(x, m)) ||
	    (rc = list(x, m, "uplinks", TOPO_MAX_UPLINKS, sizeof *t->uplinks,
		       (void **)&t->uplinks, uplink)) ||
	    (rc = list(x, m, "remote_hosts", TOPO_MAX_UPLINKS, sizeof *t->remote_hosts,
		       (void **)&t->remote_hosts, remote_host)))
		return rc;
	return list(x, m, "remote_vms", TOPO_MAX_VNICS, sizeof *t->remote_vms,
		    (void **)&t->remote_vms, remote_vm);
}

static void release_topology(struct scenario *c)
{
	for (uint32_t i = 0; c->topo.uplinks && i < c->topo.n_uplinks; i++)
		free(c->topo.uplinks[i].routes);
	free(c->topo.vnics);
	free(c->topo.by_mac);
	free(c->topo.uplinks);
	free(c->topo.remote_hosts);
	free(c->topo.remote_vms);
}

const struct scenario_section scenario_section_topology = {
	.key = "topology", .parse = parse_topology, .release = release_topology,
};

/* A frame from no VNIC: a remote VM's comes in by its host's uplink,
 * any other by the first uplink's port (UINT32_MAX: none). */
static uint32_t stranger_port(const struct scenario_topology *t, uint64_t mac)
{
	for (uint32_t k = 0; k < t->n_remote_vms; k++)
		if (t->remote_vms[k].v.mac == mac)
			return t->uplinks[t->remote_hosts[t->remote_vms[k].v.host].v.uplink].ppid;
	return t->n_uplinks ? t->uplinks[0].ppid : UINT32_MAX;
}

uint32_t scenario_attachment(const struct scenario *c, uint64_t mac,
			     uint64_t at_ns)
{
	const struct scenario_topology *t = &c->topo;
	uint32_t lo = 0, hi = t->n_vnics, i, ppid;

	while (lo < hi) {               /* the first VNIC with MAC >= mac */
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->vnics[t->by_mac[mid]].v.mac < mac)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n_vnics || t->vnics[t->by_mac[lo]].v.mac != mac)
		return stranger_port(t, mac);
	i = t->by_mac[lo];
	ppid = t->vnics[i].v.ppid;
	/* Events are in time order: the last move due by at_ns wins. */
	for (uint32_t e = 0; e < c->n_events && c->events[e].at_ns <= at_ns; e++)
		if ((c->events[e].kind == SCENARIO_EV_MIGRATE ||
		     c->events[e].kind == SCENARIO_EV_MIGRATE_REMOTE) && c->events[e].vnic == i)
			ppid = c->events[e].ppid;
	return ppid;
}

int scenario_remote_source(const struct scenario *c, uint64_t mac,
			   uint64_t at_ns, uint32_t *vni)
{
	const struct scenario_topology *t = &c->topo;
	int host = -1;

	for (uint32_t k = 0; k < t->n_remote_vms; k++)
		if (t->remote_vms[k].v.mac == mac) {
			*vni = t->remote_vms[k].v.vni;
			return (int)t->remote_vms[k].v.host;
		}
	for (uint32_t e = 0; e < c->n_events && c->events[e].at_ns <= at_ns; e++) {
		const struct scenario_event *ev = &c->events[e];

		if ((ev->kind == SCENARIO_EV_MIGRATE || ev->kind == SCENARIO_EV_MIGRATE_REMOTE) &&
		    t->vnics[ev->vnic].v.mac == mac) {
			host = ev->kind == SCENARIO_EV_MIGRATE_REMOTE ? (int)ev->host : -1;
			*vni = t->vnics[ev->vnic].v.vni;
		}
	}
	return host;
}

int scenario_endpoint(const struct scenario *c, const char *name)
{
	for (uint32_t i = 0; i < c->topo.n_vnics; i++)
		if (!strcmp(c->topo.vnics[i].name, name))
			return (int)i;
	for (uint32_t i = 0; i < c->topo.n_uplinks; i++)
		if (!strcmp(c->topo.uplinks[i].name, name))
			return (int)(c->topo.n_vnics + i);
	for (uint32_t i = 0; i < c->topo.n_remote_vms; i++)
		if (!strcmp(c->topo.remote_vms[i].name, name))
			return (int)(c->topo.n_vnics + c->topo.n_uplinks + i);
	return -1;
}
