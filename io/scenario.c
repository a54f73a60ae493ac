#include "io/scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "model/tcam.h"
#include "io/num.h"
#include "io/pcap_in.h"

#define PATH_LEN 96   /* field paths; pnic_error.field holds 64 */

/* The document as libyaml's node structs, numbered from 1 in file order
 * as libyaml numbers them; built by build_document(). */
struct tree {
	yaml_node_t *nodes;
	size_t n, cap;
};

struct ctx {
	struct tree doc;
	const char *file;
	char *dir;                  /* folder of the config, "" if none */
	struct pnic_error *err;
	struct scenario *c;
};

/* ---- errors ------------------------------------------------------------ */

static int fail_at(struct ctx *x, const yaml_mark_t *m, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct ctx *x, const yaml_mark_t *m, const char *path,
		   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return pnic_err_at(x->err, EINVAL, x->file,
			   m ? (unsigned)m->line + 1 : 0,
			   m ? (unsigned)m->column + 1 : 0, path, "%s", msg);
}

#define FAIL(x, node, path, ...) fail_at((x), &(node)->start_mark, (path), __VA_ARGS__)

/* ---- node helpers ------------------------------------------------------ */

static void subpath(char *buf, const char *path, const char *key);

static yaml_node_t *node(struct ctx *x, int id)
{
	return &x->doc.nodes[id - 1];
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:   return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE:  return "a mapping";
	default:                 return "nothing";
	}
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int want(struct ctx *x, yaml_node_t *n, yaml_node_type_t t,
		const char *path, const char *what)
{
	if (n->type != t)
		return FAIL(x, n, path, "expected %s, got %s", what,
			    kind_name(n));
	return 0;
}

/* Refuse keys not in `allowed` (NULL-terminated), non-scalar keys and
 * keys given twice. */
static int check_keys(struct ctx *x, yaml_node_t *map, const char *path,
		      const char *const *allowed)
{
	yaml_node_pair_t *p, *q;

	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(x, p->key);
		char sub[PATH_LEN];
		bool ok = false;

		if (k->type != YAML_SCALAR_NODE)
			return FAIL(x, k, path, "expected a key name, got %s",
				    kind_name(k));
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(sval(k), *a))
				ok = true;
		subpath(sub, path, sval(k));
		if (!ok) {
			char list[256] = "";
			size_t n = 0;

			for (const char *const *a = allowed; *a && n < sizeof list; a++)
				n += snprintf(list + n, sizeof list - n, "%s%s",
					      a == allowed ? "" : ", ", *a);
			return FAIL(x, k, sub, "unknown key '%s'; expected one of: %s",
				    sval(k), list);
		}
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *kq = node(x, q->key);

			if (kq->type == YAML_SCALAR_NODE &&
			    !strcmp(sval(kq), sval(k)))
				return FAIL(x, k, sub,
					    "key '%s' given twice (first at line %lu)",
					    sval(k),
					    (unsigned long)kq->start_mark.line + 1);
		}
	}
	return 0;
}

static yaml_node_t *get(struct ctx *x, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(x, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key))
			return node(x, p->value);
	}
	return NULL;
}

static int require(struct ctx *x, yaml_node_t *map, const char *key,
		   const char *path, yaml_node_t **out)
{
	*out = get(x, map, key);
	if (!*out)
		return FAIL(x, map, path, "missing required key '%s'", key);
	return 0;
}

/* path + "." + key into buf (PATH_LEN bytes), cut if too long. */
static void subpath(char *buf, const char *path, const char *key)
{
	size_t n = 0;

	for (const char *s = path; *s && n < PATH_LEN - 1; s++)
		buf[n++] = *s;
	if (path[0] && n < PATH_LEN - 1)
		buf[n++] = '.';
	for (const char *s = key; *s && n < PATH_LEN - 1; s++)
		buf[n++] = *s;
	buf[n] = '\0';
}

/* ---- scalars ----------------------------------------------------------- */

/* Every integer of the config, wherever it sits, is read by
 * num_parse_u64(): decimal or 0x hex, a leading zero still decimal (as in
 * YAML 1.2's core schema), no sign, nothing that does not fit 64 bits. */
static int get_uint(struct ctx *x, yaml_node_t *n, const char *path,
		    uint64_t min, uint64_t max, uint64_t *v)
{
	char range[64];
	int rc = -EINVAL;

	if (n->type == YAML_SCALAR_NODE)
		rc = num_parse_u64(sval(n), min, max, 0, v);
	if (!rc)
		return 0;
	num_range_str(min, max, range, sizeof range);
	if (n->type != YAML_SCALAR_NODE)
		return FAIL(x, n, path, "expected an integer in %s, got %s",
			    range, kind_name(n));
	return FAIL(x, n, path, "expected an integer in %s%s, got '%s'", range,
		    rc == -ERANGE ? "" : " (decimal or 0x hex)", sval(n));
}

static int get_u32(struct ctx *x, yaml_node_t *n, const char *path,
		   uint32_t min, uint32_t max, uint32_t *v)
{
	uint64_t w;
	int rc = get_uint(x, n, path, min, max, &w);

	if (!rc)
		*v = (uint32_t)w;
	return rc;
}

static int get_bool(struct ctx *x, yaml_node_t *n, const char *path, bool *v)
{
	if (n->type == YAML_SCALAR_NODE && !strcmp(sval(n), "true")) {
		*v = true;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE && !strcmp(sval(n), "false")) {
		*v = false;
		return 0;
	}
	return FAIL(x, n, path, "expected true or false, got %s%s%s%s",
		    n->type == YAML_SCALAR_NODE ? "'" : "",
		    n->type == YAML_SCALAR_NODE ? sval(n) : kind_name(n),
		    n->type == YAML_SCALAR_NODE ? "'" : "", "");
}

/* One of `names` (NULL-terminated); returns its position. */
static int get_enum(struct ctx *x, yaml_node_t *n, const char *path,
		    const char *const *names, int *v)
{
	char list[128] = "";
	size_t len = 0;

	if (n->type == YAML_SCALAR_NODE)
		for (int i = 0; names[i]; i++)
			if (!strcmp(sval(n), names[i])) {
				*v = i;
				return 0;
			}
	for (int i = 0; names[i] && len < sizeof list; i++)
		len += snprintf(list + len, sizeof list - len, "%s%s",
				i ? " or " : "", names[i]);
	return FAIL(x, n, path, "expected %s, got %s%s%s", list,
		    n->type == YAML_SCALAR_NODE ? "'" : "",
		    n->type == YAML_SCALAR_NODE ? sval(n) : kind_name(n),
		    n->type == YAML_SCALAR_NODE ? "'" : "");
}

static int get_name(struct ctx *x, yaml_node_t *n, const char *path,
		    char out[SCENARIO_NAME_MAX])
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return FAIL(x, n, path, "expected a name, got %s", kind_name(n));
	s = sval(n);
	if (!*s || strlen(s) >= SCENARIO_NAME_MAX)
		return FAIL(x, n, path, "expected a name of 1..%d characters, got '%s'",
			    SCENARIO_NAME_MAX - 1, s);
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return FAIL(x, n, path,
				    "expected a name of letters, digits, '_' and '-', got '%s'",
				    s);
	if (*s >= '0' && *s <= '9')
		return FAIL(x, n, path, "a name must not start with a digit, got '%s'", s);
	snprintf(out, SCENARIO_NAME_MAX, "%s", s);
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Six bytes of one or two hex digits each, separated by ':'.  Read by
 * hand because sscanf's %x would also take signs, spaces and 0x. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int v = 0, n = 0;

		for (; n < 2 && hex_digit(*s) >= 0; n++, s++)
			v = v * 16 + hex_digit(*s);
		if (n == 0 || *s != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)v;
		s += i < 5;
	}
	return true;
}

static int get_mac(struct ctx *x, yaml_node_t *n, const char *path,
		   uint8_t mac[6])
{
	if (n->type != YAML_SCALAR_NODE || !parse_mac(sval(n), mac))
		return FAIL(x, n, path, "expected a MAC address like 02:00:00:00:00:01, got %s%s%s",
			    n->type == YAML_SCALAR_NODE ? "'" : "",
			    n->type == YAML_SCALAR_NODE ? sval(n) : kind_name(n),
			    n->type == YAML_SCALAR_NODE ? "'" : "");
	return 0;
}

/* inet_pton refuses "10.0.0.010"; say why, since inet_aton and some tools
 * read such a part as octal (8) and others as decimal (10). */
static bool ipv4_leading_zero(const char *s)
{
	bool part_start = true;

	if (strspn(s, "0123456789.") != strlen(s))
		return false;
	for (; *s; s++) {
		if (part_start && s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return true;
		part_start = *s == '.';
	}
	return false;
}

/* A prefix length is decimal, as CIDR notation has it: "/08" is 8 (a
 * leading zero is decimal, as everywhere in the config); "/0x8" is
 * refused. */
static int get_prefix(struct ctx *x, yaml_node_t *n, const char *path,
		      const char *s, unsigned *plen)
{
	uint64_t p;
	int rc = -EINVAL;

	if (strspn(s, "0123456789") == strlen(s))
		rc = num_parse_u64(s, 0, *plen, 0, &p);
	if (rc == -ERANGE)
		return FAIL(x, n, path, "prefix length '/%s' is outside 0..%u",
			    s, *plen);
	if (rc)
		return FAIL(x, n, path,
			    "prefix length '/%s' is not a decimal number in 0..%u",
			    s, *plen);
	*plen = (unsigned)p;
	return 0;
}

/* An IPv4 or IPv6 address with an optional /prefix.  *v6 tells which;
 * addr holds 4 or 16 bytes; *plen is the prefix (32/128 if none). */
static int get_ip(struct ctx *x, yaml_node_t *n, const char *path,
		  bool allow_prefix, bool *v6, uint8_t addr[16],
		  unsigned *plen)
{
	char buf[64];
	char *slash;
	const char *what = allow_prefix ?
		"an IPv4 or IPv6 address with an optional /prefix (10.0.0.0/8, 2001:db8::/32)" :
		"an IPv4 or IPv6 address";

	if (n->type != YAML_SCALAR_NODE || strlen(sval(n)) >= sizeof buf)
		return FAIL(x, n, path, "expected %s", what);
	snprintf(buf, sizeof buf, "%s", sval(n));
	slash = strchr(buf, '/');
	if (slash) {
		if (!allow_prefix)
			return FAIL(x, n, path, "expected %s, got '%s'", what,
				    sval(n));
		*slash++ = '\0';
	}
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*v6 = false;
		*plen = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*v6 = true;
		*plen = 128;
	} else if (ipv4_leading_zero(buf)) {
		return FAIL(x, n, path,
			    "'%s': a part of an IPv4 address must not start with 0 (octal to some tools, decimal to others)",
			    sval(n));
	} else {
		return FAIL(x, n, path, "expected %s, got '%s'", what, sval(n));
	}
	return slash ? get_prefix(x, n, path, slash, plen) : 0;
}

/* ---- ports ------------------------------------------------------------- */

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

/* A port: its PPID number or its name; must be declared under ports. */
static int get_port_ref(struct ctx *x, yaml_node_t *n, const char *path,
			uint32_t *ppid)
{
	uint64_t v;
	int i, rc;

	if (n->type != YAML_SCALAR_NODE)
		return FAIL(x, n, path, "expected a port (PPID or name), got %s",
			    kind_name(n));
	rc = num_parse_u64(sval(n), 0, UINT32_MAX, 0, &v);
	if (rc != -EINVAL) {
		if (rc || !ppid_declared(x->c, (uint32_t)v))
			return FAIL(x, n, path,
				    "PPID %s is not a declared port (see 'ports')",
				    sval(n));
		*ppid = (uint32_t)v;
		return 0;
	}
	i = find_port(x->c, sval(n));
	if (i < 0)
		return FAIL(x, n, path, "'%s' is not the name of a declared port (see 'ports')",
			    sval(n));
	*ppid = x->c->ports[i].ppid;
	return 0;
}

static int parse_ports(struct ctx *x, yaml_node_t *seq)
{
	static const char *const keys[] = { "ppid", "name", NULL };
	struct scenario *c = x->c;
	size_t n;
	int rc;

	if ((rc = want(x, seq, YAML_SEQUENCE_NODE, "ports", "a list of ports")))
		return rc;
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n == 0)
		return FAIL(x, seq, "ports", "expected at least one port");
	if (n > VPID_MAP_MAX_PPIDS)
		return FAIL(x, seq, "ports", "%zu ports, at most %u", n,
			    VPID_MAP_MAX_PPIDS);
	c->ports = calloc(n, sizeof *c->ports);
	if (!c->ports)
		return pnic_err(x->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *p = node(x, seq->data.sequence.items.start[i]);
		yaml_node_t *v;
		char path[PATH_LEN], sub[PATH_LEN];
		struct scenario_port *port = &c->ports[i];

		snprintf(path, sizeof path, "ports[%zu]", i);
		if ((rc = want(x, p, YAML_MAPPING_NODE, path,
			       "a mapping with ppid and name")) ||
		    (rc = check_keys(x, p, path, keys)) ||
		    (rc = require(x, p, "ppid", path, &v)))
			return rc;
		subpath(sub, path, "ppid");
		if ((rc = get_u32(x, v, sub, 0, VPID_MAP_MAX_PPIDS - 1,
				  &port->ppid)))
			return rc;
		if (ppid_declared(c, port->ppid))
			return FAIL(x, v, sub, "PPID %u is declared twice",
				    port->ppid);
		v = get(x, p, "name");
		if (v) {
			char tmp[SCENARIO_NAME_MAX];

			subpath(sub, path, "name");
			if ((rc = get_name(x, v, sub, tmp)))
				return rc;
			if (find_port(c, tmp) >= 0)
				return FAIL(x, v, sub, "port name '%s' is used twice",
					    tmp);
			memcpy(port->name, tmp, sizeof tmp);
		} else {
			snprintf(port->name, sizeof port->name, "ppid%u",
				 port->ppid);
		}
		c->n_ports++;
		if (port->ppid + 1 > c->n_ppids)
			c->n_ppids = port->ppid + 1;
	}
	return 0;
}

/* ---- key profile ------------------------------------------------------- */

static int parse_profile(struct ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "key_bits", "fields", NULL };
	static const char *const fkeys[] = { "field", "width", "offset", NULL };
	struct key_profile *p = &x->c->custom;
	yaml_node_t *v, *fields;
	unsigned next = 0, max_end = 0;
	struct pnic_error e;
	size_t nf;
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		x->c->profile = key_profile_builtin(sval(n));
		if (!x->c->profile) {
			char list[128] = "";
			size_t len = 0;

			for (unsigned i = 0; i < key_profile_builtin_count() &&
			     len < sizeof list; i++)
				len += snprintf(list + len, sizeof list - len,
						"%s%s", i ? ", " : "",
						key_profile_builtin_at(i)->name);
			return FAIL(x, n, "key_profile",
				    "unknown built-in profile '%s'; expected one of: %s, or a mapping with fields",
				    sval(n), list);
		}
		return 0;
	}
	if ((rc = want(x, n, YAML_MAPPING_NODE, "key_profile",
		       "a built-in profile name or a mapping with fields")) ||
	    (rc = check_keys(x, n, "key_profile", keys)) ||
	    (rc = require(x, n, "fields", "key_profile", &fields)) ||
	    (rc = want(x, fields, YAML_SEQUENCE_NODE, "key_profile.fields",
		       "a list of fields")))
		return rc;
	snprintf(p->name, sizeof p->name, "custom");
	if ((v = get(x, n, "name"))) {
		char tmp[SCENARIO_NAME_MAX];

		if ((rc = get_name(x, v, "key_profile.name", tmp)))
			return rc;
		snprintf(p->name, sizeof p->name, "%s", tmp);
	}
	nf = fields->data.sequence.items.top - fields->data.sequence.items.start;
	if (nf == 0 || nf > KP_MAX_FIELDS)
		return FAIL(x, fields, "key_profile.fields",
			    "expected 1..%d fields, got %zu", KP_MAX_FIELDS, nf);
	for (size_t i = 0; i < nf; i++) {
		yaml_node_t *f = node(x, fields->data.sequence.items.start[i]);
		struct kp_field *d = &p->fields[i];
		char path[PATH_LEN], sub[PATH_LEN];
		uint32_t w, off;
		int id;

		snprintf(path, sizeof path, "key_profile.fields[%zu]", i);
		if ((rc = want(x, f, YAML_MAPPING_NODE, path,
			       "a mapping with field, width, offset")) ||
		    (rc = check_keys(x, f, path, fkeys)) ||
		    (rc = require(x, f, "field", path, &v)))
			return rc;
		subpath(sub, path, "field");
		id = v->type == YAML_SCALAR_NODE ? kp_field_by_name(sval(v)) : -1;
		if (id < 0)
			return FAIL(x, v, sub,
				    "unknown key field; expected in_port, vlan_vid, ethertype, ip_proto, src_ip, dst_ip, l4_src, l4_dst, tcp_flags or vni");
		d->id = (enum kp_field_id)id;
		w = kp_field_natural_width(d->id);
		if ((v = get(x, f, "width"))) {
			subpath(sub, path, "width");
			if ((rc = get_u32(x, v, sub, 1, 128, &w)))
				return rc;
		}
		off = next;
		if ((v = get(x, f, "offset"))) {
			subpath(sub, path, "offset");
			if ((rc = get_u32(x, v, sub, 0, PNIC_KEY_MAX_BITS - 1, &off)))
				return rc;
		}
		d->width = (uint16_t)w;
		d->offset = (uint16_t)off;
		next = off + w;
		if (next > max_end)
			max_end = next;
	}
	p->n_fields = (uint8_t)nf;
	p->key_bits = (uint16_t)(max_end > PNIC_KEY_MAX_BITS ? PNIC_KEY_MAX_BITS + 1 : max_end);
	if ((v = get(x, n, "key_bits"))) {
		uint32_t kb;

		if ((rc = get_u32(x, v, "key_profile.key_bits", 1,
				  PNIC_KEY_MAX_BITS, &kb)))
			return rc;
		p->key_bits = (uint16_t)kb;
	}
	if (max_end > PNIC_KEY_MAX_BITS)
		return FAIL(x, fields, "key_profile.fields",
			    "fields end at bit %u, beyond the %u-bit key maximum",
			    max_end, PNIC_KEY_MAX_BITS);
	if (key_profile_validate(p, &e) < 0)
		return FAIL(x, n, "key_profile", "%s", e.msg);
	x->c->profile = p;
	return 0;
}

/* ---- tcam, vpid map ---------------------------------------------------- */

static int parse_tcam(struct ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "depth", "miss", NULL };
	static const char *const miss[] = { "to_host", "drop", NULL };
	yaml_node_t *v;
	int rc, m;

	if ((rc = want(x, n, YAML_MAPPING_NODE, "tcam",
		       "a mapping with depth and miss")) ||
	    (rc = check_keys(x, n, "tcam", keys)) ||
	    (rc = require(x, n, "depth", "tcam", &v)) ||
	    (rc = get_u32(x, v, "tcam.depth", TCAM_MIN_DEPTH, TCAM_MAX_DEPTH,
			  &x->c->tcam_depth)))
		return rc;
	if ((v = get(x, n, "miss"))) {
		if ((rc = get_enum(x, v, "tcam.miss", miss, &m)))
			return rc;
		x->c->miss = m ? DP_MISS_DROP : DP_MISS_TO_HOST;
	}
	return 0;
}

/* The optional name of map entry i, unique among the entries. */
static int get_map_name(struct ctx *x, yaml_node_t *e, const char *path,
			size_t i)
{
	struct scenario_map *m = &x->c->maps[i];
	yaml_node_t *v = get(x, e, "name");
	char sub[PATH_LEN];
	int rc;

	if (!v)
		return 0;
	subpath(sub, path, "name");
	if ((rc = get_name(x, v, sub, m->name)))
		return rc;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(x->c->maps[j].name, m->name))
			return FAIL(x, v, sub, "VPID name '%s' is used twice",
				    m->name);
	return 0;
}

static int parse_vpid_map(struct ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "n_vpids", "unmapped", "map", NULL };
	static const char *const mkeys[] = { "vpid", "ppid", "name", NULL };
	static const char *const pol[] = { "drop", "to_host", NULL };
	struct scenario *c = x->c;
	yaml_node_t *v, *map;
	size_t nm;
	int rc, u;

	if ((rc = want(x, n, YAML_MAPPING_NODE, "vpid_map",
		       "a mapping with n_vpids, unmapped and map")) ||
	    (rc = check_keys(x, n, "vpid_map", keys)) ||
	    (rc = require(x, n, "n_vpids", "vpid_map", &v)) ||
	    (rc = get_u32(x, v, "vpid_map.n_vpids", 1, VPID_MAP_MAX_VPIDS,
			  &c->n_vpids)))
		return rc;
	if ((v = get(x, n, "unmapped"))) {
		if ((rc = get_enum(x, v, "vpid_map.unmapped", pol, &u)))
			return rc;
		c->unmapped = u ? VPID_UNMAPPED_TO_HOST : VPID_UNMAPPED_DROP;
	}
	map = get(x, n, "map");
	if (!map)
		return 0;
	if ((rc = want(x, map, YAML_SEQUENCE_NODE, "vpid_map.map",
		       "a list of {vpid, ppid}")))
		return rc;
	nm = map->data.sequence.items.top - map->data.sequence.items.start;
	c->maps = calloc(nm ? nm : 1, sizeof *c->maps);
	if (!c->maps)
		return pnic_err(x->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < nm; i++) {
		yaml_node_t *e = node(x, map->data.sequence.items.start[i]);
		struct scenario_map *m = &c->maps[i];
		char path[PATH_LEN], sub[PATH_LEN];

		snprintf(path, sizeof path, "vpid_map.map[%zu]", i);
		if ((rc = want(x, e, YAML_MAPPING_NODE, path,
			       "a mapping with vpid and ppid")) ||
		    (rc = check_keys(x, e, path, mkeys)) ||
		    (rc = require(x, e, "vpid", path, &v)))
			return rc;
		subpath(sub, path, "vpid");
		if ((rc = get_u32(x, v, sub, 0, c->n_vpids - 1, &m->vpid)))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (c->maps[j].vpid == m->vpid)
				return FAIL(x, v, sub, "VPID %u is mapped twice",
					    m->vpid);
		if ((rc = require(x, e, "ppid", path, &v)))
			return rc;
		subpath(sub, path, "ppid");
		if ((rc = get_port_ref(x, v, sub, &m->ppid)) ||
		    (rc = get_map_name(x, e, path, i)))
			return rc;
		c->n_maps++;
	}
	return 0;
}

/* ---- encap templates --------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static int parse_templates(struct ctx *x, yaml_node_t *seq)
{
	static const char *const keys[] = {
		"id", "name", "eth_dst", "eth_src", "vlan", "vlan_pcp",
		"src_ip", "dst_ip", "ttl", "udp_src", "vni", NULL
	};
	struct scenario *c = x->c;
	size_t n;
	int rc;

	if ((rc = want(x, seq, YAML_SEQUENCE_NODE, "encap_templates",
		       "a list of templates")))
		return rc;
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n > ACTION_RAM_MAX_TEMPLATES)
		return FAIL(x, seq, "encap_templates", "%zu templates, at most %d",
			    n, ACTION_RAM_MAX_TEMPLATES);
	c->templates = calloc(n ? n : 1, sizeof *c->templates);
	if (!c->templates)
		return pnic_err(x->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *t = node(x, seq->data.sequence.items.start[i]);
		struct scenario_template *rt = &c->templates[i];
		char path[PATH_LEN], sub[PATH_LEN];
		uint8_t dmac[6], smac[6], sip[16], dip[16];
		bool sv6, dv6, vlan = false;
		uint32_t id = (uint32_t)i, vid = 0, pcp = 0, ttl = 64, sport = 0;
		uint32_t vni;
		unsigned plen;
		yaml_node_t *v, *sipn;
		uint8_t *b = rt->t.bytes;
		unsigned o = 0;

		snprintf(path, sizeof path, "encap_templates[%zu]", i);
		if ((rc = want(x, t, YAML_MAPPING_NODE, path,
			       "a mapping describing the outer headers")) ||
		    (rc = check_keys(x, t, path, keys)))
			return rc;
		if ((v = get(x, t, "id"))) {
			subpath(sub, path, "id");
			if ((rc = get_u32(x, v, sub, 0, ACTION_RAM_MAX_TEMPLATES - 1, &id)))
				return rc;
		}
		for (size_t j = 0; j < i; j++)
			if (c->templates[j].id == id)
				return FAIL(x, v ? v : t, path,
					    "template id %u is used twice", id);
		rt->id = (uint8_t)id;
		if ((v = get(x, t, "name"))) {
			subpath(sub, path, "name");
			if ((rc = get_name(x, v, sub, rt->name)))
				return rc;
			for (size_t j = 0; j < i; j++)
				if (!strcmp(c->templates[j].name, rt->name))
					return FAIL(x, v, sub,
						    "template name '%s' is used twice",
						    rt->name);
		}
		subpath(sub, path, "eth_dst");
		if ((rc = require(x, t, "eth_dst", path, &v)) ||
		    (rc = get_mac(x, v, sub, dmac)))
			return rc;
		subpath(sub, path, "eth_src");
		if ((rc = require(x, t, "eth_src", path, &v)) ||
		    (rc = get_mac(x, v, sub, smac)))
			return rc;
		if ((v = get(x, t, "vlan"))) {
			subpath(sub, path, "vlan");
			if ((rc = get_u32(x, v, sub, 0, 4095, &vid)))
				return rc;
			vlan = true;
		}
		if ((v = get(x, t, "vlan_pcp"))) {
			subpath(sub, path, "vlan_pcp");
			if (!vlan)
				return FAIL(x, v, sub, "vlan_pcp needs a vlan");
			if ((rc = get_u32(x, v, sub, 0, 7, &pcp)))
				return rc;
		}
		subpath(sub, path, "src_ip");
		if ((rc = require(x, t, "src_ip", path, &sipn)) ||
		    (rc = get_ip(x, sipn, sub, false, &sv6, sip, &plen)))
			return rc;
		subpath(sub, path, "dst_ip");
		if ((rc = require(x, t, "dst_ip", path, &v)) ||
		    (rc = get_ip(x, v, sub, false, &dv6, dip, &plen)))
			return rc;
		if (sv6 != dv6)
			return FAIL(x, v, sub,
				    "src_ip and dst_ip must be the same family (both IPv4 or both IPv6)");
		if ((v = get(x, t, "ttl"))) {
			subpath(sub, path, "ttl");
			if ((rc = get_u32(x, v, sub, 1, 255, &ttl)))
				return rc;
		}
		if ((v = get(x, t, "udp_src"))) {
			subpath(sub, path, "udp_src");
			if ((rc = get_u32(x, v, sub, 0, 65535, &sport)))
				return rc;
		}
		subpath(sub, path, "vni");
		if ((rc = require(x, t, "vni", path, &v)) ||
		    (rc = get_u32(x, v, sub, 0, 0xffffff, &vni)))
			return rc;

		/* Ethernet (+ 802.1Q) */
		memcpy(b, dmac, 6);
		memcpy(b + 6, smac, 6);
		o = 12;
		if (vlan) {
			put16(b + o, 0x8100);
			put16(b + o + 2, (uint16_t)(pcp << 13 | vid));
			o += 4;
		}
		put16(b + o, sv6 ? 0x86dd : 0x0800);
		o += 2;
		/* IP: lengths and the IPv4 checksum are the editor's, per packet. */
		if (!sv6) {
			b[o] = 0x45;
			put16(b + o + 6, 0x4000);   /* DF */
			b[o + 8] = (uint8_t)ttl;
			b[o + 9] = 17;
			memcpy(b + o + 12, sip, 4);
			memcpy(b + o + 16, dip, 4);
			o += 20;
		} else {
			b[o] = 0x60;
			b[o + 6] = 17;
			b[o + 7] = (uint8_t)ttl;
			memcpy(b + o + 8, sip, 16);
			memcpy(b + o + 24, dip, 16);
			o += 40;
		}
		/* UDP */
		put16(b + o, (uint16_t)sport);
		put16(b + o + 2, 4789);
		o += 8;
		/* VXLAN: I flag, VNI */
		b[o] = 0x08;
		b[o + 4] = (uint8_t)(vni >> 16);
		b[o + 5] = (uint8_t)(vni >> 8);
		b[o + 6] = (uint8_t)vni;
		o += 8;
		rt->t.len = (uint16_t)o;
		c->n_templates++;
	}
	return 0;
}

/* ---- flows ------------------------------------------------------------- */

static const struct { const char *name; unsigned v; } proto_names[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
	{ "sctp", 132 },
};

static const struct { const char *name; unsigned v; } ethertype_names[] = {
	{ "ipv4", 0x0800 }, { "arp", 0x0806 }, { "vlan", 0x8100 },
	{ "rarp", 0x8035 }, { "ipv6", 0x86dd }, { "qinq", 0x88a8 },
	{ "mpls", 0x8847 },
};

/* A field value: an integer, or a name for ip_proto/ethertype. */
static int field_int(struct ctx *x, yaml_node_t *n, const char *path,
		     enum kp_field_id id, unsigned width, uint64_t *v)
{
	uint64_t max = width >= 64 ? UINT64_MAX : (1ull << width) - 1;
	int rc;

	if (n->type == YAML_SCALAR_NODE && id == KP_IP_PROTO)
		for (size_t i = 0; i < sizeof proto_names / sizeof proto_names[0]; i++)
			if (!strcmp(sval(n), proto_names[i].name)) {
				*v = proto_names[i].v;
				goto check;
			}
	if (n->type == YAML_SCALAR_NODE && id == KP_ETHERTYPE)
		for (size_t i = 0; i < sizeof ethertype_names / sizeof ethertype_names[0]; i++)
			if (!strcmp(sval(n), ethertype_names[i].name)) {
				*v = ethertype_names[i].v;
				goto check;
			}
	if (id == KP_IN_PORT && n->type == YAML_SCALAR_NODE) {
		uint32_t ppid;

		if ((rc = get_port_ref(x, n, path, &ppid)))
			return rc;
		*v = ppid;
		goto check;
	}
	rc = -EINVAL;
	if (n->type == YAML_SCALAR_NODE)
		rc = num_parse_u64(sval(n), 0, UINT64_MAX, 0, v);
	if (rc == -ERANGE)
		return FAIL(x, n, path, "value '%s' does not fit the field's %u bits (max %llu)",
			    sval(n), width, (unsigned long long)max);
	if (rc)
		return FAIL(x, n, path, "expected an integer (decimal or 0x hex)%s, got %s%s%s",
			    id == KP_IP_PROTO ? " or tcp, udp, icmp, icmpv6, gre, esp, ah, sctp, igmp" :
			    id == KP_ETHERTYPE ? " or ipv4, ipv6, arp, rarp, vlan, qinq, mpls" : "",
			    n->type == YAML_SCALAR_NODE ? "'" : "",
			    n->type == YAML_SCALAR_NODE ? sval(n) : kind_name(n),
			    n->type == YAML_SCALAR_NODE ? "'" : "");
check:
	if (*v > max)
		return FAIL(x, n, path, "value %llu does not fit the field's %u bits (max %llu)",
			    (unsigned long long)*v, width, (unsigned long long)max);
	return 0;
}

static void set128(struct kp_fields *f, enum kp_field_id id, uint64_t hi,
		   uint64_t lo)
{
	f->hi[id] = hi;
	f->lo[id] = lo;
}

static void prefix_mask128(unsigned len, uint64_t *hi, uint64_t *lo)
{
	*hi = len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
	*lo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
}

static int match_ip(struct ctx *x, yaml_node_t *n, const char *path,
		    const struct kp_field *d, struct kp_fields *val,
		    struct kp_fields *msk)
{
	uint8_t a[16];
	unsigned plen;
	bool v6;
	int rc;

	if ((rc = get_ip(x, n, path, true, &v6, a, &plen)))
		return rc;
	if (!v6) {
		uint32_t addr = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

		if (d->width < 32)
			return FAIL(x, n, path,
				    "the field is %u bits in this key profile; an IPv4 address needs 32",
				    d->width);
		kp_set_ipv4(val, d->id, addr);
		/* The IPv4-mapped prefix is part of the match where the field
		 * is wide enough to hold it, so an IPv6 packet whose low bits
		 * happen to equal the address does not match. */
		kp_set_ipv4_prefix_mask(msk, d->id, plen, 1);
	} else {
		uint64_t hi, lo;

		if (d->width < 128)
			return FAIL(x, n, path,
				    "the field is %u bits in this key profile; an IPv6 address needs 128",
				    d->width);
		kp_set_ipv6(val, d->id, a);
		prefix_mask128(plen, &hi, &lo);
		set128(msk, d->id, hi, lo);
	}
	val->hi[d->id] &= msk->hi[d->id];
	val->lo[d->id] &= msk->lo[d->id];
	return 0;
}

static int parse_match(struct ctx *x, yaml_node_t *m, const char *path,
		       struct scenario_flow *f)
{
	const struct key_profile *prof = x->c->profile;
	struct kp_fields val, msk;
	int rc;

	memset(&val, 0, sizeof val);
	memset(&msk, 0, sizeof msk);
	if ((rc = want(x, m, YAML_MAPPING_NODE, path,
		       "a mapping of key fields (src_ip: 10.0.0.0/8, l4_dst: 80 ...)")))
		return rc;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(x, p->key), *v = node(x, p->value);
		const struct kp_field *d;
		char sub[PATH_LEN];
		int id;

		if (k->type != YAML_SCALAR_NODE)
			return FAIL(x, k, path, "expected a key field name, got %s",
				    kind_name(k));
		subpath(sub, path, sval(k));
		id = kp_field_by_name(sval(k));
		if (id < 0)
			return FAIL(x, k, sub,
				    "unknown key field '%s'; expected in_port, vlan_vid, ethertype, ip_proto, src_ip, dst_ip, l4_src, l4_dst, tcp_flags or vni",
				    sval(k));
		for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *kq = node(x, q->key);

			if (kq->type == YAML_SCALAR_NODE && !strcmp(sval(kq), sval(k)))
				return FAIL(x, k, sub, "field '%s' given twice", sval(k));
		}
		d = key_profile_find(prof, (enum kp_field_id)id);
		if (!d)
			return FAIL(x, k, sub, "field '%s' is not in key profile '%s'",
				    sval(k), prof->name);
		if (d->id == KP_SRC_IP || d->id == KP_DST_IP) {
			if ((rc = match_ip(x, v, sub, d, &val, &msk)))
				return rc;
		} else if (v->type == YAML_MAPPING_NODE) {
			static const char *const vm[] = { "value", "mask", NULL };
			unsigned w = d->width > 64 ? 64 : d->width;
			yaml_node_t *vv, *mv;
			char s2[PATH_LEN];
			uint64_t a, b;

			if ((rc = check_keys(x, v, sub, vm)) ||
			    (rc = require(x, v, "value", sub, &vv)) ||
			    (rc = require(x, v, "mask", sub, &mv)))
				return rc;
			subpath(s2, sub, "value");
			if ((rc = field_int(x, vv, s2, d->id, w, &a)))
				return rc;
			subpath(s2, sub, "mask");
			if ((rc = field_int(x, mv, s2, KP_FIELD_COUNT, w, &b)))
				return rc;
			kp_set(&val, d->id, a & b);
			kp_set(&msk, d->id, b);
		} else {
			unsigned w = d->width > 64 ? 64 : d->width;
			uint64_t a;

			if ((rc = field_int(x, v, sub, d->id, w, &a)))
				return rc;
			kp_set(&val, d->id, a);
			kp_set(&msk, d->id, w >= 64 ? ~0ull : (1ull << w) - 1);
		}
	}
	key_profile_pack(prof, &val, &f->value);
	key_profile_pack(prof, &msk, &f->mask);
	return 0;
}

/* A raw key: "0x" and hex digits, bit 0 = least significant.  The 0x is
 * required so that "value: 10" is never read as sixteen where every other
 * number of the config would be ten. */
static int parse_hex_key(struct ctx *x, yaml_node_t *n, const char *path,
			 struct pnic_key *k)
{
	unsigned bits = x->c->profile->key_bits;
	const char *s;
	size_t len;

	key_zero(k);
	if (n->type != YAML_SCALAR_NODE)
		return FAIL(x, n, path, "expected 0x and hex digits, got %s",
			    kind_name(n));
	s = sval(n);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return FAIL(x, n, path, "expected 0x and hex digits, got '%s'", s);
	s += 2;
	len = strlen(s);
	for (size_t i = 0; i < len; i++) {
		int d = hex_digit(s[len - 1 - i]);

		if (d < 0)
			return FAIL(x, n, path, "expected 0x and hex digits only, got '%s'",
				    sval(n));
		for (unsigned b = 0; b < 4; b++)
			if (d & (1 << b)) {
				unsigned bit = (unsigned)i * 4 + b;

				if (bit >= bits)
					return FAIL(x, n, path,
						    "bit %u is set but the key of profile '%s' is %u bits",
						    bit, x->c->profile->name, bits);
				k->w[bit / 64] |= 1ull << (bit % 64);
			}
	}
	return 0;
}

static int find_template(const struct scenario *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_templates; i++)
		if (!strcmp(c->templates[i].name, name))
			return (int)i;
	return -1;
}

static int parse_action(struct ctx *x, yaml_node_t *n, const char *path,
			struct pnic_action *a)
{
	static const char *const keys[] = {
		"forward", "drop", "to_host", "mirror", "vlan_push", "vlan_pop",
		"vlan_rewrite", "vlan_pcp", "vxlan_decap", "vxlan_encap",
		"dec_ttl", "dscp", "count", NULL
	};
	struct scenario *c = x->c;
	char sub[PATH_LEN];
	yaml_node_t *v, *fwd, *drop, *host, *push, *pop, *rew;
	int rc, kinds = 0;
	bool b;
	uint32_t u;

	memset(a, 0, sizeof *a);
	if (n->type == YAML_SCALAR_NODE) {
		if (!strcmp(sval(n), "drop")) {
			a->kind = ACT_DROP;
			return 0;
		}
		if (!strcmp(sval(n), "to_host")) {
			a->kind = ACT_TO_HOST;
			return 0;
		}
		return FAIL(x, n, path,
			    "expected drop, to_host or a mapping (forward: VPID, ...), got '%s'",
			    sval(n));
	}
	if ((rc = want(x, n, YAML_MAPPING_NODE, path,
		       "drop, to_host or a mapping (forward: VPID, ...)")) ||
	    (rc = check_keys(x, n, path, keys)))
		return rc;
	fwd = get(x, n, "forward");
	drop = get(x, n, "drop");
	host = get(x, n, "to_host");
	kinds = !!fwd + !!drop + !!host;
	if (kinds != 1)
		return FAIL(x, n, path,
			    "expected exactly one of forward, drop, to_host (got %d)",
			    kinds);
	if (fwd) {
		subpath(sub, path, "forward");
		if ((rc = get_u32(x, fwd, sub, 0, c->n_vpids - 1, &u)))
			return rc;
		a->kind = ACT_FORWARD;
		a->vpid = (uint16_t)u;
	} else {
		v = drop ? drop : host;
		subpath(sub, path, drop ? "drop" : "to_host");
		if ((rc = get_bool(x, v, sub, &b)))
			return rc;
		if (!b)
			return FAIL(x, v, sub, "expected true (give forward, drop or to_host)");
		a->kind = drop ? ACT_DROP : ACT_TO_HOST;
	}
	if ((v = get(x, n, "mirror"))) {
		subpath(sub, path, "mirror");
		if ((rc = get_u32(x, v, sub, 0, c->n_vpids - 1, &u)))
			return rc;
		a->mirror = true;
		a->mirror_vpid = (uint16_t)u;
	}
	push = get(x, n, "vlan_push");
	pop = get(x, n, "vlan_pop");
	rew = get(x, n, "vlan_rewrite");
	if (!!push + !!pop + !!rew > 1)
		return FAIL(x, push ? push : pop, path,
			    "vlan_push, vlan_pop and vlan_rewrite exclude each other");
	if (push || rew) {
		subpath(sub, path, push ? "vlan_push" : "vlan_rewrite");
		if ((rc = get_u32(x, push ? push : rew, sub, 0, 4095, &u)))
			return rc;
		a->vlan_op = push ? VLAN_OP_PUSH : VLAN_OP_REWRITE;
		a->vlan_tci = (uint16_t)u;
	}
	if (pop) {
		subpath(sub, path, "vlan_pop");
		if ((rc = get_bool(x, pop, sub, &b)))
			return rc;
		if (b)
			a->vlan_op = VLAN_OP_POP;
	}
	if ((v = get(x, n, "vlan_pcp"))) {
		subpath(sub, path, "vlan_pcp");
		if (!push && !rew)
			return FAIL(x, v, sub, "vlan_pcp needs vlan_push or vlan_rewrite");
		if ((rc = get_u32(x, v, sub, 0, 7, &u)))
			return rc;
		a->vlan_tci |= (uint16_t)(u << 13);
	}
	if ((v = get(x, n, "vxlan_decap"))) {
		subpath(sub, path, "vxlan_decap");
		if ((rc = get_bool(x, v, sub, &b)))
			return rc;
		if (b)
			a->tunnel_op = TUNNEL_OP_VXLAN_DECAP;
	}
	if ((v = get(x, n, "vxlan_encap"))) {
		uint64_t id;
		int t = -1;

		subpath(sub, path, "vxlan_encap");
		if (a->tunnel_op)
			return FAIL(x, v, sub, "vxlan_decap and vxlan_encap exclude each other");
		rc = v->type == YAML_SCALAR_NODE ?
			num_parse_u64(sval(v), 0, UINT64_MAX, 0, &id) : -EINVAL;
		if (rc == 0) {
			for (uint32_t i = 0; i < c->n_templates; i++)
				if (c->templates[i].id == id)
					t = (int)i;
		} else if (rc == -EINVAL && v->type == YAML_SCALAR_NODE) {
			t = find_template(c, sval(v));
		}
		if (t < 0)
			return FAIL(x, v, sub,
				    "expected the id or name of a template under encap_templates, got %s%s%s",
				    v->type == YAML_SCALAR_NODE ? "'" : "",
				    v->type == YAML_SCALAR_NODE ? sval(v) : kind_name(v),
				    v->type == YAML_SCALAR_NODE ? "'" : "");
		a->tunnel_op = TUNNEL_OP_VXLAN_ENCAP;
		a->encap_id = c->templates[t].id;
	}
	if ((v = get(x, n, "dec_ttl"))) {
		subpath(sub, path, "dec_ttl");
		if ((rc = get_bool(x, v, sub, &a->dec_ttl)))
			return rc;
	}
	if ((v = get(x, n, "dscp"))) {
		subpath(sub, path, "dscp");
		if ((rc = get_u32(x, v, sub, 0, 63, &u)))
			return rc;
		a->set_dscp = true;
		a->dscp = (uint8_t)u;
	}
	if ((v = get(x, n, "count"))) {
		subpath(sub, path, "count");
		if ((rc = get_bool(x, v, sub, &a->count)))
			return rc;
	}
	return 0;
}

static int parse_flows(struct ctx *x, yaml_node_t *seq)
{
	static const char *const keys[] = {
		"index", "match", "value", "mask", "action", NULL
	};
	struct scenario *c = x->c;
	uint8_t *used;
	uint32_t next = 0;
	size_t n;
	int rc = 0;

	if ((rc = want(x, seq, YAML_SEQUENCE_NODE, "flows", "a list of flow entries")))
		return rc;
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n > c->tcam_depth)
		return FAIL(x, seq, "flows",
			    "%zu flow entries do not fit a TCAM of depth %u",
			    n, c->tcam_depth);
	c->flows = calloc(n ? n : 1, sizeof *c->flows);
	used = calloc(c->tcam_depth, 1);
	if (!c->flows || !used) {
		free(used);
		return pnic_err(x->err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = node(x, seq->data.sequence.items.start[i]);
		struct scenario_flow *f = &c->flows[i];
		char path[PATH_LEN], sub[PATH_LEN];
		yaml_node_t *v, *m, *val, *msk;

		snprintf(path, sizeof path, "flows[%zu]", i);
		f->line = (unsigned)e->start_mark.line + 1;
		if ((rc = want(x, e, YAML_MAPPING_NODE, path,
			       "a mapping with match and action")) ||
		    (rc = check_keys(x, e, path, keys)))
			goto out;
		f->index = next;
		if ((v = get(x, e, "index"))) {
			subpath(sub, path, "index");
			if ((rc = get_u32(x, v, sub, 0, c->tcam_depth - 1, &f->index)))
				goto out;
		} else if (next >= c->tcam_depth) {
			rc = FAIL(x, e, path,
				  "no TCAM index left after %u (depth %u); give an index",
				  next - 1, c->tcam_depth);
			goto out;
		}
		if (used[f->index]) {
			unsigned other = 0;

			for (size_t j = 0; j < i; j++)
				if (c->flows[j].index == f->index)
					other = c->flows[j].line;
			rc = FAIL(x, v ? v : e, path,
				  "TCAM index %u is already taken by the entry at line %u",
				  f->index, other);
			goto out;
		}
		used[f->index] = 1;
		next = f->index + 1;
		m = get(x, e, "match");
		val = get(x, e, "value");
		msk = get(x, e, "mask");
		if (m && (val || msk)) {
			rc = FAIL(x, val ? val : msk, path,
				  "give either match or value/mask, not both");
			goto out;
		}
		if (!!val != !!msk) {
			rc = FAIL(x, e, path, "value and mask go together");
			goto out;
		}
		if (m) {
			subpath(sub, path, "match");
			if ((rc = parse_match(x, m, sub, f)))
				goto out;
		} else if (val) {
			subpath(sub, path, "value");
			if ((rc = parse_hex_key(x, val, sub, &f->value)))
				goto out;
			subpath(sub, path, "mask");
			if ((rc = parse_hex_key(x, msk, sub, &f->mask)))
				goto out;
			for (unsigned w = 0; w < PNIC_KEY_WORDS; w++)
				f->value.w[w] &= f->mask.w[w];
		} else {
			key_zero(&f->value);
			key_zero(&f->mask);
		}
		if ((rc = require(x, e, "action", path, &v)))
			goto out;
		subpath(sub, path, "action");
		if ((rc = parse_action(x, v, sub, &f->action)))
			goto out;
		c->n_flows++;
	}
out:
	free(used);
	return rc;
}

/* ---- inputs and output ------------------------------------------------- */

static char *resolve(struct ctx *x, const char *p)
{
	size_t n;
	char *r;

	if (p[0] == '/' || !x->dir[0])
		return strdup(p);
	n = strlen(x->dir) + strlen(p) + 2;
	r = malloc(n);
	if (r)
		snprintf(r, n, "%s/%s", x->dir, p);
	return r;
}

/* An input is checked as far as a config can answer for it
 * (pcap_in_check); the run finds the rest. */
static int check_capture(struct ctx *x, yaml_node_t *v, const char *path,
			 const char *file)
{
	struct pnic_error e;

	if (pcap_in_check(file, &e))
		return FAIL(x, v, path, "%s", e.msg);
	return 0;
}

static int parse_inputs(struct ctx *x, yaml_node_t *seq)
{
	static const char *const keys[] = { "pcap", "in_port", "loops", NULL };
	struct scenario *c = x->c;
	size_t n;
	int rc;

	if ((rc = want(x, seq, YAML_SEQUENCE_NODE, "inputs",
		       "a list of {pcap, in_port}")))
		return rc;
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n == 0)
		return FAIL(x, seq, "inputs", "expected at least one input");
	c->inputs = calloc(n, sizeof *c->inputs);
	if (!c->inputs)
		return pnic_err(x->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = node(x, seq->data.sequence.items.start[i]);
		struct scenario_input *in = &c->inputs[i];
		char path[PATH_LEN], sub[PATH_LEN];
		yaml_node_t *v;

		snprintf(path, sizeof path, "inputs[%zu]", i);
		in->line = (unsigned)e->start_mark.line + 1;
		in->loops = 1;
		if ((rc = want(x, e, YAML_MAPPING_NODE, path,
			       "a mapping with pcap and in_port")) ||
		    (rc = check_keys(x, e, path, keys)) ||
		    (rc = require(x, e, "pcap", path, &v)))
			return rc;
		subpath(sub, path, "pcap");
		if (v->type != YAML_SCALAR_NODE || !sval(v)[0])
			return FAIL(x, v, sub, "expected the path of a capture file");
		in->path = resolve(x, sval(v));
		if (!in->path)
			return pnic_err(x->err, ENOMEM, "out of memory");
		c->n_inputs++;
		if ((rc = check_capture(x, v, sub, in->path)))
			return rc;
		subpath(sub, path, "in_port");
		if ((rc = require(x, e, "in_port", path, &v)) ||
		    (rc = get_port_ref(x, v, sub, &in->in_port)))
			return rc;
		if ((v = get(x, e, "loops"))) {
			subpath(sub, path, "loops");
			if ((rc = get_u32(x, v, sub, 1, 1000000, &in->loops)))
				return rc;
		}
	}
	return 0;
}

/* ---- YAML to nodes ----------------------------------------------------- */

/* The document is built here from libyaml's events, not by
 * yaml_parser_load(), so that what no config needs is refused where it
 * appears, before it costs anything: nesting deeper than SCENARIO_MAX_DEPTH
 * (libyaml's scanner and loader take time quadratic in the depth: 100,000
 * levels cost half a minute), a list or mapping longer than SCENARIO_MAX_ITEMS,
 * a value longer than SCENARIO_MAX_SCALAR, anchors and aliases (a few bytes of
 * aliases can stand for billions of nodes), tags, and a second document. */

struct level {
	int node;           /* the collection being filled */
	bool map;
	int key;            /* a mapping's key awaiting its value, 0 if none */
	int value_key;      /* the key of the value being built */
	size_t items;       /* items of a list, pairs of a mapping */
};

struct builder {
	struct ctx *x;
	struct level stack[SCENARIO_MAX_DEPTH];
	int depth;
	bool had_document;
};

/* The field path of the node about to be added ("flows[3].match"). */
static void builder_path(const struct builder *b, char *buf)
{
	buf[0] = '\0';
	for (int i = 0; i < b->depth; i++) {
		const struct level *l = &b->stack[i];
		bool top = i == b->depth - 1;
		int key = top ? l->key : l->value_key;
		char tmp[PATH_LEN];

		if (!l->map) {
			snprintf(tmp, sizeof tmp, "%s[%zu]", buf,
				 top ? l->items : l->items - 1);
		} else if (key) {
			yaml_node_t *k = node(b->x, key);

			subpath(tmp, buf, k->type == YAML_SCALAR_NODE ? sval(k) : "?");
		} else {
			break;
		}
		memcpy(buf, tmp, PATH_LEN);
	}
}

static int refuse(const struct builder *b, const yaml_event_t *ev,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(const struct builder *b, const yaml_event_t *ev,
		  const char *fmt, ...)
{
	char path[PATH_LEN], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	builder_path(b, path);
	return fail_at(b->x, &ev->start_mark, path, "%s", msg);
}

/* "!!int" for libyaml's "tag:yaml.org,2002:int", other tags as given. */
static const char *tag_text(const yaml_char_t *tag, char *buf, size_t n)
{
	static const char std[] = "tag:yaml.org,2002:";

	if (!strncmp((const char *)tag, std, sizeof std - 1))
		snprintf(buf, n, "!!%s", (const char *)tag + sizeof std - 1);
	else
		snprintf(buf, n, "%s", (const char *)tag);
	return buf;
}

/* What a node may not carry, and whether its parent and the nesting have
 * room for it. */
static int check_node(const struct builder *b, const yaml_event_t *ev,
		      const yaml_char_t *anchor, const yaml_char_t *tag,
		      bool collection)
{
	const struct level *l = b->depth ? &b->stack[b->depth - 1] : NULL;
	char t[64];

	if (anchor)
		return refuse(b, ev, "anchor '&%s': a replay config has no anchors or aliases; write the value out",
			      (const char *)anchor);
	if (tag)
		return refuse(b, ev, "tag '%s': a replay config has no tags; each field has one type (docs/scenario.md)",
			      tag_text(tag, t, sizeof t));
	if (l && (!l->map || !l->key) && l->items >= SCENARIO_MAX_ITEMS)
		return refuse(b, ev, "more than %d %s; no list or mapping in a replay config is longer (flows: at most the TCAM's %d entries)",
			      SCENARIO_MAX_ITEMS, l->map ? "keys" : "items",
			      TCAM_MAX_DEPTH);
	if (collection && b->depth == SCENARIO_MAX_DEPTH)
		return refuse(b, ev, "nested more than %d deep; a replay config nests at most 5 lists and mappings",
			      SCENARIO_MAX_DEPTH);
	return 0;
}

/* A new node of the tree, zeroed but for its type and place; its id, or
 * 0 when out of memory. */
static int new_node(struct tree *t, yaml_node_type_t type,
		    const yaml_event_t *ev)
{
	yaml_node_t *n;

	if (t->n >= INT_MAX)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		yaml_node_t *p = realloc(t->nodes, cap * sizeof *p);

		if (!p)
			return 0;
		t->nodes = p;
		t->cap = cap;
	}
	n = &t->nodes[t->n++];
	memset(n, 0, sizeof *n);
	n->type = type;
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	return (int)t->n;
}

/* An array that doubles from 4 elements as it fills: the array with room
 * for element `len` (moved if need be), or NULL when out of memory. */
static void *grow(void *a, size_t len, size_t size)
{
	if (len && (len < 4 || (len & (len - 1))))
		return a;
	return realloc(a, (len ? 2 * len : 4) * size);
}

/* Append to a list's items (libyaml's start/top; end is not kept). */
static bool push_item(yaml_node_t *seq, size_t len, int item)
{
	yaml_node_item_t *p = grow(seq->data.sequence.items.start, len,
				   sizeof *p);

	if (!p)
		return false;
	p[len] = item;
	seq->data.sequence.items.start = p;
	seq->data.sequence.items.top = seq->data.sequence.items.end = p + len + 1;
	return true;
}

static bool push_pair(yaml_node_t *map, size_t len, int key, int value)
{
	yaml_node_pair_t *p = grow(map->data.mapping.pairs.start, len,
				   sizeof *p);

	if (!p)
		return false;
	p[len].key = key;
	p[len].value = value;
	map->data.mapping.pairs.start = p;
	map->data.mapping.pairs.top = map->data.mapping.pairs.end = p + len + 1;
	return true;
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		yaml_node_t *n = &t->nodes[i];

		if (n->type == YAML_SCALAR_NODE)
			free(n->data.scalar.value);
		else if (n->type == YAML_SEQUENCE_NODE)
			free(n->data.sequence.items.start);
		else
			free(n->data.mapping.pairs.start);
	}
	free(t->nodes);
}

/* Hang node `id` under the collection being filled, if any. */
static int attach(struct builder *b, int id)
{
	struct level *l = b->depth ? &b->stack[b->depth - 1] : NULL;
	bool ok = true;

	if (!l)
		return 0;
	if (!l->map) {
		ok = push_item(node(b->x, l->node), l->items++, id);
	} else if (!l->key) {
		l->key = id;
		l->items++;
	} else {
		ok = push_pair(node(b->x, l->node), l->items - 1, l->key, id);
		l->value_key = l->key;
		l->key = 0;
	}
	return ok ? 0 : pnic_err(b->x->err, ENOMEM, "out of memory");
}

static int add_scalar(struct builder *b, const yaml_event_t *ev)
{
	size_t len = ev->data.scalar.length;
	yaml_node_t *n;
	int rc, id;

	if ((rc = check_node(b, ev, ev->data.scalar.anchor,
			     ev->data.scalar.tag, false)))
		return rc;
	if (len > SCENARIO_MAX_SCALAR)
		return refuse(b, ev, "a value of %zu bytes; none in a replay config is longer than %d",
			      len, SCENARIO_MAX_SCALAR);
	/* The value is read as a C string from here on: a "\0" escape would
	 * silently cut it. */
	if (memchr(ev->data.scalar.value, '\0', len))
		return refuse(b, ev, "a value with a NUL character ('\\0')");
	id = new_node(&b->x->doc, YAML_SCALAR_NODE, ev);
	if (!id)
		return pnic_err(b->x->err, ENOMEM, "out of memory");
	n = node(b->x, id);
	n->data.scalar.value = malloc(len + 1);
	if (!n->data.scalar.value)
		return pnic_err(b->x->err, ENOMEM, "out of memory");
	memcpy(n->data.scalar.value, ev->data.scalar.value, len + 1);
	n->data.scalar.length = len;
	n->data.scalar.style = ev->data.scalar.style;
	return attach(b, id);
}

static int open_collection(struct builder *b, const yaml_event_t *ev)
{
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	struct level *l;
	int rc, id;

	if (map)
		rc = check_node(b, ev, ev->data.mapping_start.anchor,
				ev->data.mapping_start.tag, true);
	else
		rc = check_node(b, ev, ev->data.sequence_start.anchor,
				ev->data.sequence_start.tag, true);
	if (rc)
		return rc;
	id = new_node(&b->x->doc, map ? YAML_MAPPING_NODE : YAML_SEQUENCE_NODE, ev);
	if (!id)
		return pnic_err(b->x->err, ENOMEM, "out of memory");
	if ((rc = attach(b, id)))
		return rc;
	l = &b->stack[b->depth++];
	memset(l, 0, sizeof *l);
	l->node = id;
	l->map = map;
	return 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->had_document)
			return refuse(b, ev, "a second YAML document; a replay config is one document");
		b->had_document = true;
		return 0;
	case YAML_ALIAS_EVENT:
		return refuse(b, ev, "alias '*%s': a replay config has no anchors or aliases; write the value out",
			      (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return add_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return open_collection(b, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

static int build_document(struct ctx *x, yaml_parser_t *parser)
{
	struct builder b = { .x = x };
	bool end = false;
	int rc = 0;

	while (!rc && !end) {
		yaml_event_t ev;

		if (!yaml_parser_parse(parser, &ev))
			return fail_at(x, &parser->problem_mark, "",
				       "YAML syntax: %s%s%s",
				       parser->problem ? parser->problem : "malformed",
				       parser->context ? " " : "",
				       parser->context ? parser->context : "");
		rc = on_event(&b, &ev);
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	return rc;
}

/* Parse buf into x->doc, which the caller frees whatever the result. */
static int read_yaml(struct ctx *x, const char *buf, size_t len)
{
	yaml_parser_t parser;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return pnic_err(x->err, ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = build_document(x, &parser);
	yaml_parser_delete(&parser);
	return rc;
}

/* ---- top level --------------------------------------------------------- */

static int parse_root(struct ctx *x)
{
	static const char *const keys[] = {
		"key_profile", "tcam", "parse_errors", "ports", "vpid_map",
		"encap_templates", "flows", "inputs", "output", NULL
	};
	static const char *const perr[] = { "lookup", "drop", "to_host", NULL };
	struct scenario *c = x->c;
	yaml_node_t *root = x->doc.n ? node(x, 1) : NULL;
	yaml_node_t *v;
	int rc, e;

	if (!root) {
		yaml_mark_t m = { 0, 0, 0 };

		return fail_at(x, &m, "", "the file is empty; expected a mapping with tcam, ports, vpid_map, flows and inputs");
	}
	if ((rc = want(x, root, YAML_MAPPING_NODE, "",
		       "a mapping with tcam, ports, vpid_map, flows and inputs")) ||
	    (rc = check_keys(x, root, "", keys)))
		return rc;
	c->profile = key_profile_default();
	if ((v = get(x, root, "key_profile")) && (rc = parse_profile(x, v)))
		return rc;
	if ((rc = require(x, root, "tcam", "", &v)) || (rc = parse_tcam(x, v)))
		return rc;
	if ((v = get(x, root, "parse_errors"))) {
		if ((rc = get_enum(x, v, "parse_errors", perr, &e)))
			return rc;
		c->parse_errors = (enum dp_parse_error_policy)e;
	}
	if ((rc = require(x, root, "ports", "", &v)) || (rc = parse_ports(x, v)))
		return rc;
	if ((rc = require(x, root, "vpid_map", "", &v)) ||
	    (rc = parse_vpid_map(x, v)))
		return rc;
	if ((v = get(x, root, "encap_templates")) &&
	    (rc = parse_templates(x, v)))
		return rc;
	if ((v = get(x, root, "flows")) && (rc = parse_flows(x, v)))
		return rc;
	/* Optional: `pnicsim replay --pcap` gives a run its inputs. */
	if ((v = get(x, root, "inputs")) && (rc = parse_inputs(x, v)))
		return rc;
	if ((v = get(x, root, "output"))) {
		if (v->type != YAML_SCALAR_NODE || !sval(v)[0])
			return FAIL(x, v, "output", "expected a folder path");
		c->out_dir = resolve(x, sval(v));
		if (!c->out_dir)
			return pnic_err(x->err, ENOMEM, "out of memory");
	}
	return 0;
}

int scenario_parse(const char *buf, size_t len, const char *name,
			struct scenario **out, struct pnic_error *err)
{
	struct ctx x = { .file = name, .err = err };
	const char *slash;
	int rc;

	*out = NULL;
	x.c = calloc(1, sizeof *x.c);
	x.dir = strdup(name);
	if (!x.c || !x.dir) {
		rc = pnic_err(err, ENOMEM, "out of memory");
		goto free_all;
	}
	slash = strrchr(name, '/');
	x.dir[slash ? (size_t)(slash - name) : 0] = '\0';
	if (slash == name)
		snprintf(x.dir, 2, "/");
	x.c->file = strdup(name);
	if (!x.c->file) {
		rc = pnic_err(err, ENOMEM, "out of memory");
		goto free_all;
	}
	rc = read_yaml(&x, buf, len);
	if (!rc)
		rc = parse_root(&x);
	tree_free(&x.doc);
	if (rc)
		goto free_all;
	free(x.dir);
	*out = x.c;
	return 0;

free_all:
	free(x.dir);
	scenario_destroy(x.c);
	return rc;
}

int scenario_load(const char *path, struct scenario **out,
		       struct pnic_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	if (!f)
		return pnic_err_at(err, errno, path, 0, 0, "", "cannot open: %s",
				   strerror(errno));
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 65536);

			if (!nb) {
				rc = pnic_err(err, ENOMEM, "out of memory");
				goto close_f;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = pnic_err_at(err, EIO, path, 0, 0, "", "read error");
		goto close_f;
	}
	rc = scenario_parse(buf, len, path, out, err);
close_f:
	fclose(f);
	free(buf);
	return rc;
}

void scenario_destroy(struct scenario *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_inputs; i++)
		free(c->inputs[i].path);
	free(c->inputs);
	free(c->flows);
	free(c->templates);
	free(c->maps);
	free(c->ports);
	free(c->out_dir);
	free(c->file);
	free(c);
}

const char *scenario_port_name(const struct scenario *c,
				    uint32_t ppid)
{
	for (uint32_t i = 0; i < c->n_ports; i++)
		if (c->ports[i].ppid == ppid)
			return c->ports[i].name;
	return "";
}
