/* A flow entry's match: key fields by name, each a value, a prefix or a
 * value/mask, packed into the TCAM key with the scenario's key profile. */
#include <errno.h>
#include <string.h>

#include "io/num.h"
#include "io/scenario-private.h"
#include "model/proto.h"

struct named {
	const char *name;
	unsigned v;
};

static const struct named proto_names[] = {
	{ "icmp", PROTO_IP_ICMP }, { "igmp", PROTO_IP_IGMP },
	{ "tcp", PROTO_IP_TCP }, { "udp", PROTO_IP_UDP },
	{ "gre", PROTO_IP_GRE }, { "esp", PROTO_IP_ESP }, { "ah", PROTO_IP_AH },
	{ "icmpv6", PROTO_IP_ICMPV6 }, { "sctp", PROTO_IP_SCTP }, { NULL, 0 },
};

static const struct named ethertype_names[] = {
	{ "ipv4", PROTO_ETH_P_IPV4 }, { "arp", PROTO_ETH_P_ARP },
	{ "vlan", PROTO_ETH_P_8021Q }, { "rarp", PROTO_ETH_P_RARP },
	{ "ipv6", PROTO_ETH_P_IPV6 }, { "qinq", PROTO_ETH_P_8021AD },
	{ "mpls", PROTO_ETH_P_MPLS }, { NULL, 0 },
};

/* The value of a protocol or ethertype name, if n is one. */
static bool by_name(const yaml_node_t *n, enum key_profile_field_id id, uint64_t *v)
{
	const struct named *t = id == KP_IP_PROTO ? proto_names :
				id == KP_ETHERTYPE ? ethertype_names : NULL;

	if (!t || n->type != YAML_SCALAR_NODE)
		return false;
	for (; t->name; t++)
		if (!strcmp(scenario_str(n), t->name)) {
			*v = t->v;
			return true;
		}
	return false;
}

static int not_a_number(struct scenario_ctx *x, yaml_node_t *n,
			const char *path, enum key_profile_field_id id)
{
	char q[SCENARIO_MAX_SCALAR + 3];

	return scenario_fail(x, n, path, "expected an integer (decimal or 0x hex)%s, got %s",
			     id == KP_IP_PROTO ? " or tcp, udp, icmp, icmpv6, gre, esp, ah, sctp, igmp" :
			     id == KP_ETHERTYPE ? " or ipv4, ipv6, arp, rarp, vlan, qinq, mpls" : "",
			     scenario_quoted(n, q, sizeof q));
}

/* A field value: an integer, a port for in_port, or a name for ip_proto
 * and ethertype; within `width` bits.  id KP_FIELD_COUNT: a mask. */
static int field_int(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		     enum key_profile_field_id id, unsigned width, uint64_t *v)
{
	uint64_t max = width >= 64 ? UINT64_MAX : (1ull << width) - 1;
	uint32_t ppid;
	int rc = -EINVAL;

	if (id == KP_IN_PORT && n->type == YAML_SCALAR_NODE) {
		if ((rc = scenario_port_ref(x, n, path, &ppid)))
			return rc;
		*v = ppid;
	} else if (!by_name(n, id, v)) {
		if (n->type == YAML_SCALAR_NODE)
			rc = num_parse_u64(scenario_str(n), 0, UINT64_MAX, 0, v);
		if (rc == -ERANGE)
			return scenario_fail(x, n, path, "value '%s' does not fit the field's %u bits (max %llu)",
					     scenario_str(n), width, (unsigned long long)max);
		if (rc)
			return not_a_number(x, n, path, id);
	}
	if (*v > max)
		return scenario_fail(x, n, path, "value %llu does not fit the field's %u bits (max %llu)",
				     (unsigned long long)*v, width, (unsigned long long)max);
	return 0;
}

static void prefix_mask128(unsigned len, uint64_t *hi, uint64_t *lo)
{
	*hi = len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
	*lo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
}

static int match_ipv4(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		      const struct key_profile_field *d, const uint8_t a[4],
		      unsigned plen, struct key_profile_fields *val, struct key_profile_fields *msk)
{
	uint32_t addr = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

	if (d->width < 32)
		return scenario_fail(x, n, path,
				     "the field is %u bits in this key profile; an IPv4 address needs 32",
				     d->width);
	key_profile_set_ipv4(val, d->id, addr);
	/* The IPv4-mapped prefix is part of the match where the field is
	 * wide enough to hold it, so an IPv6 packet whose low bits happen to
	 * equal the address does not match. */
	key_profile_set_ipv4_prefix_mask(msk, d->id, plen, 1);
	return 0;
}

static int match_ip(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		    const struct key_profile_field *d, struct key_profile_fields *val,
		    struct key_profile_fields *msk)
{
	uint8_t a[16];
	unsigned plen;
	bool v6;
	int rc;

	if ((rc = scenario_ip(x, n, path, true, &v6, a, &plen)))
		return rc;
	if (!v6) {
		rc = match_ipv4(x, n, path, d, a, plen, val, msk);
	} else if (d->width < 128) {
		return scenario_fail(x, n, path,
				     "the field is %u bits in this key profile; an IPv6 address needs 128",
				     d->width);
	} else {
		key_profile_set_ipv6(val, d->id, a);
		prefix_mask128(plen, &msk->hi[d->id], &msk->lo[d->id]);
	}
	val->hi[d->id] &= msk->hi[d->id];
	val->lo[d->id] &= msk->lo[d->id];
	return rc;
}

/* { value: V, mask: M }: a ternary match on a field. */
static int match_ternary(struct scenario_ctx *x, yaml_node_t *v,
			 const char *path, const struct key_profile_field *d,
			 struct key_profile_fields *val, struct key_profile_fields *msk)
{
	static const char *const vm[] = { "value", "mask", NULL };
	unsigned w = d->width > 64 ? 64 : d->width;
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *vv, *mv;
	uint64_t a, b;
	int rc;

	if ((rc = scenario_check_keys(x, v, path, vm)) ||
	    (rc = scenario_require(x, v, "value", path, &vv)) ||
	    (rc = scenario_require(x, v, "mask", path, &mv)))
		return rc;
	scenario_subpath(sub, path, "value");
	if ((rc = field_int(x, vv, sub, d->id, w, &a)))
		return rc;
	scenario_subpath(sub, path, "mask");
	if ((rc = field_int(x, mv, sub, KP_FIELD_COUNT, w, &b)))
		return rc;
	key_profile_set(val, d->id, a & b);
	key_profile_set(msk, d->id, b);
	return 0;
}

static int match_exact(struct scenario_ctx *x, yaml_node_t *v,
		       const char *path, const struct key_profile_field *d,
		       struct key_profile_fields *val, struct key_profile_fields *msk)
{
	unsigned w = d->width > 64 ? 64 : d->width;
	uint64_t a;
	int rc;

	if ((rc = field_int(x, v, path, d->id, w, &a)))
		return rc;
	key_profile_set(val, d->id, a);
	key_profile_set(msk, d->id, w >= 64 ? ~0ull : (1ull << w) - 1);
	return 0;
}

/* The profile's field that key k names, once in the match. */
static int match_key(struct scenario_ctx *x, yaml_node_t *m,
		     yaml_node_pair_t *p, const char *sub,
		     const struct key_profile_field **d)
{
	const struct key_profile *prof = x->c->profile;
	yaml_node_t *k = scenario_node(x, p->key);
	int id = key_profile_field_by_name(scenario_str(k));

	if (id < 0)
		return scenario_fail(x, k, sub,
				     "unknown key field '%s'; expected in_port, vlan_vid, ethertype, ip_proto, src_ip, dst_ip, l4_src, l4_dst, tcp_flags or vni",
				     scenario_str(k));
	for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
		yaml_node_t *kq = scenario_node(x, q->key);

		if (kq->type == YAML_SCALAR_NODE &&
		    !strcmp(scenario_str(kq), scenario_str(k)))
			return scenario_fail(x, k, sub, "field '%s' given twice",
					     scenario_str(k));
	}
	*d = key_profile_find(prof, (enum key_profile_field_id)id);
	if (!*d)
		return scenario_fail(x, k, sub, "field '%s' is not in key profile '%s'",
				     scenario_str(k), prof->name);
	return 0;
}

static int match_pair(struct scenario_ctx *x, yaml_node_t *m,
		      yaml_node_pair_t *p, const char *path,
		      struct key_profile_fields *val, struct key_profile_fields *msk)
{
	yaml_node_t *k = scenario_node(x, p->key), *v = scenario_node(x, p->value);
	const struct key_profile_field *d;
	char sub[SCENARIO_PATH_LEN];
	int rc;

	if (k->type != YAML_SCALAR_NODE)
		return scenario_fail(x, k, path, "expected a key field name, got %s",
				     scenario_kind(k));
	scenario_subpath(sub, path, scenario_str(k));
	if ((rc = match_key(x, m, p, sub, &d)))
		return rc;
	if (d->id == KP_SRC_IP || d->id == KP_DST_IP)
		return match_ip(x, v, sub, d, val, msk);
	if (v->type == YAML_MAPPING_NODE)
		return match_ternary(x, v, sub, d, val, msk);
	return match_exact(x, v, sub, d, val, msk);
}

int scenario_match(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		   struct scenario_flow *f)
{
	struct key_profile_fields val, msk;
	int rc;

	memset(&val, 0, sizeof val);
	memset(&msk, 0, sizeof msk);
	if ((rc = scenario_want(x, m, YAML_MAPPING_NODE, path,
				"a mapping of key fields (src_ip: 10.0.0.0/8, l4_dst: 80 ...)")))
		return rc;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++)
		if ((rc = match_pair(x, m, p, path, &val, &msk)))
			return rc;
	key_profile_pack(x->c->profile, &val, &f->value);
	key_profile_pack(x->c->profile, &msk, &f->mask);
	return 0;
}
