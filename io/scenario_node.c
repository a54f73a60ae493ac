/* What every section of a scenario reads with: node types, keys, lists,
 * numbers, names, MACs, addresses, paths, and the errors that say where
 * (io/scenario-private.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/num.h"
#include "io/scenario-private.h"

/* ---- errors ------------------------------------------------------------ */

static int vfail(struct scenario_ctx *x, const yaml_mark_t *m,
		 const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static int vfail(struct scenario_ctx *x, const yaml_mark_t *m,
		 const char *path, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof msg, fmt, ap);
	return pnic_err_at(x->err, EINVAL, x->file,
			   m ? (unsigned)m->line + 1 : 0,
			   m ? (unsigned)m->column + 1 : 0, path, "%s", msg);
}

int scenario_fail_at(struct scenario_ctx *x, const yaml_mark_t *m,
		     const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(x, m, path, fmt, ap);
	va_end(ap);
	return rc;
}

int scenario_fail(struct scenario_ctx *x, const yaml_node_t *n,
		  const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(x, &n->start_mark, path, fmt, ap);
	va_end(ap);
	return rc;
}

int scenario_nomem(struct scenario_ctx *x)
{
	return pnic_err(x->err, ENOMEM, "out of memory");
}

/* ---- nodes ------------------------------------------------------------- */

yaml_node_t *scenario_node(struct scenario_ctx *x, int id)
{
	return &x->doc.nodes[id - 1];
}

const char *scenario_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:   return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE:  return "a mapping";
	default:                 return "nothing";
	}
}

const char *scenario_str(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

const char *scenario_quoted(const yaml_node_t *n, char *buf, size_t len)
{
	if (n->type != YAML_SCALAR_NODE)
		return scenario_kind(n);
	snprintf(buf, len, "'%s'", scenario_str(n));
	return buf;
}

size_t scenario_len(const yaml_node_t *seq)
{
	return (size_t)(seq->data.sequence.items.top -
			seq->data.sequence.items.start);
}

yaml_node_t *scenario_item(struct scenario_ctx *x, const yaml_node_t *seq,
			   size_t i)
{
	return scenario_node(x, seq->data.sequence.items.start[i]);
}

void scenario_subpath(char *buf, const char *path, const char *key)
{
	size_t n = 0;

	for (const char *s = path; *s && n < SCENARIO_PATH_LEN - 1; s++)
		buf[n++] = *s;
	if (path[0] && n < SCENARIO_PATH_LEN - 1)
		buf[n++] = '.';
	for (const char *s = key; *s && n < SCENARIO_PATH_LEN - 1; s++)
		buf[n++] = *s;
	buf[n] = '\0';
}

void scenario_index_path(char *buf, const char *path, size_t i)
{
	snprintf(buf, SCENARIO_PATH_LEN, "%s[%zu]", path, i);
}

int scenario_want(struct scenario_ctx *x, const yaml_node_t *n,
		  yaml_node_type_t t, const char *path, const char *what)
{
	if (n->type != t)
		return scenario_fail(x, n, path, "expected %s, got %s", what,
				     scenario_kind(n));
	return 0;
}

int scenario_mapping(struct scenario_ctx *x, yaml_node_t *n,
		     const char *path, const char *what,
		     const char *const *allowed)
{
	int rc = scenario_want(x, n, YAML_MAPPING_NODE, path, what);

	return rc ? rc : scenario_check_keys(x, n, path, allowed);
}

static bool allowed_key(const char *key, const char *const *allowed)
{
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(key, *a))
			return true;
	return false;
}

static int unknown_key(struct scenario_ctx *x, yaml_node_t *k,
		       const char *path, const char *const *allowed)
{
	char list[256] = "";
	size_t n = 0;

	for (const char *const *a = allowed; *a && n < sizeof list; a++)
		n += snprintf(list + n, sizeof list - n, "%s%s",
			      a == allowed ? "" : ", ", *a);
	return scenario_fail(x, k, path, "unknown key '%s'; expected one of: %s",
			     scenario_str(k), list);
}

/* The key of pair p given before p too, or NULL. */
static yaml_node_t *earlier_key(struct scenario_ctx *x, yaml_node_t *map,
				yaml_node_pair_t *p)
{
	const char *key = scenario_str(scenario_node(x, p->key));

	for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
		yaml_node_t *kq = scenario_node(x, q->key);

		if (kq->type == YAML_SCALAR_NODE && !strcmp(scenario_str(kq), key))
			return kq;
	}
	return NULL;
}

int scenario_check_keys(struct scenario_ctx *x, yaml_node_t *map,
			const char *path, const char *const *allowed)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = scenario_node(x, p->key), *first;
		char sub[SCENARIO_PATH_LEN];

		if (k->type != YAML_SCALAR_NODE)
			return scenario_fail(x, k, path, "expected a key name, got %s",
					     scenario_kind(k));
		scenario_subpath(sub, path, scenario_str(k));
		if (!allowed_key(scenario_str(k), allowed))
			return unknown_key(x, k, sub, allowed);
		if ((first = earlier_key(x, map, p)))
			return scenario_fail(x, k, sub,
					     "key '%s' given twice (first at line %lu)",
					     scenario_str(k),
					     (unsigned long)first->start_mark.line + 1);
	}
	return 0;
}

yaml_node_t *scenario_get(struct scenario_ctx *x, yaml_node_t *map,
			  const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = scenario_node(x, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp(scenario_str(k), key))
			return scenario_node(x, p->value);
	}
	return NULL;
}

int scenario_require(struct scenario_ctx *x, yaml_node_t *map,
		     const char *key, const char *path, yaml_node_t **out)
{
	*out = scenario_get(x, map, key);
	if (!*out)
		return scenario_fail(x, map, path, "missing required key '%s'", key);
	return 0;
}

int scenario_each(struct scenario_ctx *x, yaml_node_t *seq, const char *path,
		  scenario_item_fn fn, void *arg)
{
	size_t n = scenario_len(seq);
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		char sub[SCENARIO_PATH_LEN];

		scenario_index_path(sub, path, i);
		rc = fn(x, scenario_item(x, seq, i), sub, i, arg);
	}
	return rc;
}

int scenario_list(struct scenario_ctx *x, yaml_node_t *seq, const char *path,
		  const char *what, size_t max, size_t size, void **out,
		  scenario_item_fn fn, void *arg)
{
	int rc = scenario_want(x, seq, YAML_SEQUENCE_NODE, path, what);

	if (rc)
		return rc;
	if (scenario_len(seq) > max)
		return scenario_fail(x, seq, path, "%zu items, at most %zu", scenario_len(seq), max);
	*out = calloc(scenario_len(seq) ? scenario_len(seq) : 1, size);
	if (!*out)
		return scenario_nomem(x);
	return scenario_each(x, seq, path, fn, arg);
}

/* ---- numbers, booleans, names ------------------------------------------ */

int scenario_u64(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 uint64_t min, uint64_t max, uint64_t *v)
{
	char range[64];
	int rc = -EINVAL;

	if (n->type == YAML_SCALAR_NODE)
		rc = num_parse_u64(scenario_str(n), min, max, 0, v);
	if (!rc)
		return 0;
	num_range_str(min, max, range, sizeof range);
	if (n->type != YAML_SCALAR_NODE)
		return scenario_fail(x, n, path, "expected an integer in %s, got %s",
				     range, scenario_kind(n));
	return scenario_fail(x, n, path, "expected an integer in %s%s, got '%s'",
			     range, rc == -ERANGE ? "" : " (decimal or 0x hex)",
			     scenario_str(n));
}

int scenario_u32(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 uint32_t min, uint32_t max, uint32_t *v)
{
	uint64_t w;
	int rc = scenario_u64(x, n, path, min, max, &w);

	if (!rc)
		*v = (uint32_t)w;
	return rc;
}

int scenario_bool(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  bool *v)
{
	char q[SCENARIO_MAX_SCALAR + 3];
	const char *s = n->type == YAML_SCALAR_NODE ? scenario_str(n) : "";

	if (!strcmp(s, "true") || !strcmp(s, "false")) {
		*v = s[0] == 't';
		return 0;
	}
	return scenario_fail(x, n, path, "expected true or false, got %s",
			     scenario_quoted(n, q, sizeof q));
}

int scenario_enum(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  const char *const *names, int *v)
{
	char list[128] = "", q[SCENARIO_MAX_SCALAR + 3];
	size_t len = 0;

	if (n->type == YAML_SCALAR_NODE)
		for (int i = 0; names[i]; i++)
			if (!strcmp(scenario_str(n), names[i])) {
				*v = i;
				return 0;
			}
	for (int i = 0; names[i] && len < sizeof list; i++)
		len += snprintf(list + len, sizeof list - len, "%s%s",
				i ? " or " : "", names[i]);
	return scenario_fail(x, n, path, "expected %s, got %s", list,
			     scenario_quoted(n, q, sizeof q));
}

static bool name_char(char c)
{
	return c == '_' || c == '-' || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int scenario_name(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  char out[SCENARIO_NAME_MAX])
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return scenario_fail(x, n, path, "expected a name, got %s",
				     scenario_kind(n));
	s = scenario_str(n);
	if (!*s || strlen(s) >= SCENARIO_NAME_MAX)
		return scenario_fail(x, n, path, "expected a name of 1..%d characters, got '%s'",
				     SCENARIO_NAME_MAX - 1, s);
	for (const char *p = s; *p; p++)
		if (!name_char(*p))
			return scenario_fail(x, n, path,
					     "expected a name of letters, digits, '_' and '-', got '%s'",
					     s);
	if (*s >= '0' && *s <= '9')
		return scenario_fail(x, n, path, "a name must not start with a digit, got '%s'", s);
	snprintf(out, SCENARIO_NAME_MAX, "%s", s);
	return 0;
}

/* ---- MACs and IP addresses --------------------------------------------- */

int scenario_hex_digit(char c)
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

		for (; n < 2 && scenario_hex_digit(*s) >= 0; n++, s++)
			v = v * 16 + scenario_hex_digit(*s);
		if (n == 0 || *s != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)v;
		s += i < 5;
	}
	return true;
}

int scenario_mac(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 uint8_t mac[6])
{
	char q[SCENARIO_MAX_SCALAR + 3];

	if (n->type != YAML_SCALAR_NODE || !parse_mac(scenario_str(n), mac))
		return scenario_fail(x, n, path, "expected a MAC address like 02:00:00:00:00:01, got %s",
				     scenario_quoted(n, q, sizeof q));
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
 * leading zero is decimal, as everywhere in the scenario); "/0x8" is
 * refused. */
static int get_prefix(struct scenario_ctx *x, yaml_node_t *n,
		      const char *path, const char *s, unsigned *plen)
{
	uint64_t p;
	int rc = -EINVAL;

	if (strspn(s, "0123456789") == strlen(s))
		rc = num_parse_u64(s, 0, *plen, 0, &p);
	if (rc == -ERANGE)
		return scenario_fail(x, n, path, "prefix length '/%s' is outside 0..%u",
				     s, *plen);
	if (rc)
		return scenario_fail(x, n, path,
				     "prefix length '/%s' is not a decimal number in 0..%u",
				     s, *plen);
	*plen = (unsigned)p;
	return 0;
}

/* The address in buf (no prefix) into addr, *v6 and *plen. */
static int get_address(struct scenario_ctx *x, yaml_node_t *n,
		       const char *path, const char *what, const char *buf,
		       bool *v6, uint8_t addr[16], unsigned *plen)
{
	*v6 = inet_pton(AF_INET, buf, addr) != 1;
	*plen = *v6 ? 128 : 32;
	if (!*v6 || inet_pton(AF_INET6, buf, addr) == 1)
		return 0;
	if (ipv4_leading_zero(buf))
		return scenario_fail(x, n, path,
				     "'%s': a part of an IPv4 address must not start with 0 (octal to some tools, decimal to others)",
				     scenario_str(n));
	return scenario_fail(x, n, path, "expected %s, got '%s'", what,
			     scenario_str(n));
}

int scenario_ip(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		bool allow_prefix, bool *v6, uint8_t addr[16], unsigned *plen)
{
	char buf[64];
	char *slash;
	const char *what = allow_prefix ?
		"an IPv4 or IPv6 address with an optional /prefix (10.0.0.0/8, 2001:db8::/32)" :
		"an IPv4 or IPv6 address";
	int rc;

	if (n->type != YAML_SCALAR_NODE || strlen(scenario_str(n)) >= sizeof buf)
		return scenario_fail(x, n, path, "expected %s", what);
	snprintf(buf, sizeof buf, "%s", scenario_str(n));
	slash = strchr(buf, '/');
	if (slash && !allow_prefix)
		return scenario_fail(x, n, path, "expected %s, got '%s'", what,
				     scenario_str(n));
	if (slash)
		*slash++ = '\0';
	rc = get_address(x, n, path, what, buf, v6, addr, plen);
	if (rc || !slash)
		return rc;
	return get_prefix(x, n, path, slash, plen);
}

/* ---- optional and required keys ---------------------------------------- */

int scenario_opt_u32(struct scenario_ctx *x, yaml_node_t *map,
		     const char *path, const char *key, uint32_t min,
		     uint32_t max, uint32_t *v)
{
	yaml_node_t *n = scenario_get(x, map, key);
	char sub[SCENARIO_PATH_LEN];

	if (!n)
		return 0;
	scenario_subpath(sub, path, key);
	return scenario_u32(x, n, sub, min, max, v);
}

int scenario_req_u32(struct scenario_ctx *x, yaml_node_t *map,
		     const char *path, const char *key, uint32_t min,
		     uint32_t max, uint32_t *v)
{
	yaml_node_t *n;
	int rc = scenario_require(x, map, key, path, &n);

	return rc ? rc : scenario_opt_u32(x, map, path, key, min, max, v);
}

int scenario_opt_bool(struct scenario_ctx *x, yaml_node_t *map,
		      const char *path, const char *key, bool *v)
{
	yaml_node_t *n = scenario_get(x, map, key);
	char sub[SCENARIO_PATH_LEN];

	if (!n)
		return 0;
	scenario_subpath(sub, path, key);
	return scenario_bool(x, n, sub, v);
}

char *scenario_resolve(struct scenario_ctx *x, const char *p)
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
