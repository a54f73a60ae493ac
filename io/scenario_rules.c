/* The scenario's `rules`: the FPAG's firewall (host/ruleset.h), an ordered
 * list where the first match decides, then, for scale, the rules of a
 * ClassBench filter file with one verdict (`classbench`,
 * `classbench_action`), and the verdict when none matches (`default`).
 * A rule: action allow|deny, stateful (allow only), vnic (scoped to
 * packets from that VNIC), src and dst prefixes, src_port and dst_port
 * (a number or lo-hi), proto (tcp, udp, icmp, icmpv6 or a number); what
 * is not written matches anything. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/num.h"
#include "io/scenario-private.h"
#include "model/proto.h"

#define RULES_MAX 65536u

static int verdict(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		   enum ruleset_verdict *v)
{
	static const char *const names[] = { "deny", "allow", NULL };
	int m, rc = scenario_enum(x, n, path, names, &m);

	*v = m == 1 ? RULESET_ALLOW : RULESET_DENY;
	return rc;
}

/* "80", 80 or "1024-65535". */
static int port_range(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		      uint16_t *lo, uint16_t *hi)
{
	const char *s = n->type == YAML_SCALAR_NODE ? scenario_str(n) : "";
	const char *dash = strchr(s, '-');
	char a[16];
	uint64_t l, h;

	if (dash && (size_t)(dash - s) < sizeof a) {
		memcpy(a, s, (size_t)(dash - s));
		a[dash - s] = '\0';
		if (!num_parse_u64(a, 0, 65535, 0, &l) &&
		    !num_parse_u64(dash + 1, 0, 65535, 0, &h) && l <= h)
			goto ok;
	} else if (!dash && !num_parse_u64(s, 0, 65535, 0, &l)) {
		h = l;
		goto ok;
	}
	return scenario_fail(x, n, path, "expected a port (0..65535) or a range lo-hi with lo <= hi, such as 80 or 1024-65535");
ok:
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return 0;
}

static int proto(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 struct ruleset_rule *r)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "icmpv6", NULL };
	static const uint8_t numbers[] = { PROTO_IP_TCP, PROTO_IP_UDP, PROTO_IP_ICMP,
					   PROTO_IP_ICMPV6 };
	uint64_t v;

	for (int i = 0; names[i]; i++)
		if (n->type == YAML_SCALAR_NODE && !strcmp(scenario_str(n), names[i])) {
			r->proto = numbers[i];
			r->proto_mask = 0xff;
			return 0;
		}
	if (n->type != YAML_SCALAR_NODE || num_parse_u64(scenario_str(n), 0, 255, 0, &v))
		return scenario_fail(x, n, path, "expected tcp, udp, icmp, icmpv6 or a protocol number 0..255");
	r->proto = (uint8_t)v;
	r->proto_mask = 0xff;
	return 0;
}

static int scope(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 struct ruleset_rule *r)
{
	int e = n->type == YAML_SCALAR_NODE ? scenario_endpoint(x->c, scenario_str(n)) : -1;

	if (e < 0 || (uint32_t)e >= x->c->topo.n_vnics)
		return scenario_fail(x, n, path, "expected the name of a VNIC under topology.vnics");
	r->scoped = true;
	r->vnic = (uint32_t)e;
	return 0;
}

static int prefix_field(struct scenario_ctx *x, yaml_node_t *m, const char *path,
			const char *key, struct ruleset_ip *ip, uint8_t *len)
{
	yaml_node_t *n = scenario_get(x, m, key);
	char sub[SCENARIO_PATH_LEN];
	struct scenario_prefix p;
	int rc;

	if (!n)
		return 0;
	scenario_subpath(sub, path, key);
	if ((rc = scenario_prefix(x, n, sub, &p)))
		return rc;
	*ip = p.ip;
	*len = p.len;
	return 0;
}

static int ports(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		 struct ruleset_rule *r)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	r->sport_hi = r->dport_hi = 65535;
	if ((n = scenario_get(x, m, "src_port"))) {
		scenario_subpath(sub, path, "src_port");
		if ((rc = port_range(x, n, sub, &r->sport_lo, &r->sport_hi)))
			return rc;
	}
	if ((n = scenario_get(x, m, "dst_port"))) {
		scenario_subpath(sub, path, "dst_port");
		return port_range(x, n, sub, &r->dport_lo, &r->dport_hi);
	}
	return 0;
}

static int proto_and_scope(struct scenario_ctx *x, yaml_node_t *m,
			   const char *path, struct ruleset_rule *r)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	if ((n = scenario_get(x, m, "proto"))) {
		scenario_subpath(sub, path, "proto");
		if ((rc = proto(x, n, sub, r)))
			return rc;
	}
	if (!(n = scenario_get(x, m, "vnic")))
		return 0;
	scenario_subpath(sub, path, "vnic");
	return scope(x, n, sub, r);
}

int scenario_rule(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		  struct ruleset_rule *r)
{
	static const char *const keys[] = { "action", "stateful", "vnic", "src", "dst",
					     "src_port", "dst_port", "proto", NULL };
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	struct pnic_error e2;
	int rc;

	if ((rc = scenario_mapping(x, m, path, "a mapping with action and the fields to match", keys)) ||
	    (rc = scenario_require(x, m, "action", path, &n)))
		return rc;
	scenario_subpath(sub, path, "action");
	if ((rc = verdict(x, n, sub, &r->verdict)) ||
	    (rc = scenario_opt_bool(x, m, path, "stateful", &r->stateful)) ||
	    (rc = prefix_field(x, m, path, "src", &r->src_ip, &r->src_len)) ||
	    (rc = prefix_field(x, m, path, "dst", &r->dst_ip, &r->dst_len)) ||
	    (rc = ports(x, m, path, r)) || (rc = proto_and_scope(x, m, path, r)))
		return rc;
	if (ruleset_rule_validate(r, &e2) < 0)
		return scenario_fail(x, m, path, "%s", e2.msg);
	return 0;
}

static int rule(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		size_t i, void *arg)
{
	int rc = scenario_rule(x, m, path, &x->c->rules.list[i]);

	(void)arg;
	x->c->rules.n += rc == 0;
	return rc;
}

static int classbench(struct scenario_ctx *x, yaml_node_t *m)
{
	struct scenario_rules *rl = &x->c->rules;
	yaml_node_t *n = scenario_get(x, m, "classbench");
	yaml_node_t *a = scenario_get(x, m, "classbench_action");

	rl->classbench_verdict = RULESET_ALLOW;
	if (a && !n)
		return scenario_fail(x, a, "rules.classbench_action", "classbench_action needs a classbench file");
	if (!n)
		return 0;
	if (n->type != YAML_SCALAR_NODE || !*scenario_str(n))
		return scenario_fail(x, n, "rules.classbench", "expected the path of a ClassBench filter file");
	if (a) {
		int rc = verdict(x, a, "rules.classbench_action", &rl->classbench_verdict);

		if (rc)
			return rc;
	}
	rl->classbench = scenario_resolve(x, scenario_str(n));
	return rl->classbench ? 0 : scenario_nomem(x);
}

static int parse_rules(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const keys[] = { "default", "list", "classbench",
					     "classbench_action", NULL };
	struct scenario_rules *rl = &x->c->rules;
	enum ruleset_verdict v = RULESET_DENY;
	yaml_node_t *n;
	int rc;

	if ((rc = scenario_mapping(x, m, "rules", "a mapping with default, list and classbench", keys)))
		return rc;
	if ((n = scenario_get(x, m, "default")) && (rc = verdict(x, n, "rules.default", &v)))
		return rc;
	rl->default_allow = v == RULESET_ALLOW;
	if ((rc = classbench(x, m)) || !(n = scenario_get(x, m, "list")))
		return rc;
	return scenario_list(x, n, "rules.list", "a list of rules", RULES_MAX,
			     sizeof *rl->list, (void **)&rl->list, rule, NULL);
}

static void release_rules(struct scenario *c)
{
	free(c->rules.list);
	free(c->rules.classbench);
}

const struct scenario_section scenario_section_rules = {
	.key = "rules", .parse = parse_rules, .release = release_rules,
};
