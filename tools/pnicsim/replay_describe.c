/* The words both summaries of `pnicsim replay` use for a flow entry: its
 * match, decoded from value and mask through the key profile, and its
 * action, with each VPID's name and the PPID and port it maps to. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "tools/pnicsim/replay.h"

/* Text appended piece by piece into a fixed buffer; what does not fit is
 * cut, never overrun. */
struct text {
	char *buf;
	size_t n, k;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (t->k + 1 >= t->n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(t->buf + t->k, t->n - t->k, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->k = (size_t)w < t->n - t->k ? t->k + (size_t)w : t->n - 1;
}

/* ---- an entry's match -------------------------------------------------- */

/* A 128-bit field value; bit i of (hi:lo). */
struct u128 {
	uint64_t hi, lo;
};

static bool bit_of(struct u128 v, unsigned i)
{
	return (i < 64 ? v.lo >> i : v.hi >> (i - 64)) & 1;
}

/* The prefix length of a mask over `width` bits, or -1 if its ones are
 * not all at the top. */
static int prefix_len(struct u128 m, unsigned width)
{
	unsigned len = 0;

	while (len < width && bit_of(m, width - 1 - len))
		len++;
	for (unsigned i = len; i < width; i++)
		if (bit_of(m, width - 1 - i))
			return -1;
	return (int)len;
}

static void add_hex(struct text *t, struct u128 v)
{
	if (v.hi)
		add(t, "0x%llx%016llx", (unsigned long long)v.hi,
		    (unsigned long long)v.lo);
	else
		add(t, "0x%llx", (unsigned long long)v.lo);
}

static void add_ipv4(struct text *t, uint32_t a)
{
	add(t, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
	    a & 0xff);
}

static void add_ipv6(struct text *t, struct u128 a)
{
	uint8_t b[16];
	char s[INET6_ADDRSTRLEN];

	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(a.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(a.lo >> (56 - 8 * i));
	}
	add(t, "%s", inet_ntop(AF_INET6, b, s, sizeof s) ? s : "?");
}

/* "10.0.0.0/8", "10.0.0.1", or "10.0.0.1/255.0.0.255" for a mask that is
 * not a prefix; the same for IPv6. */
static void add_ip(struct text *t, struct u128 v, struct u128 m, bool v4)
{
	int len = prefix_len(m, v4 ? 32 : 128);

	if (v4)
		add_ipv4(t, (uint32_t)v.lo);
	else
		add_ipv6(t, v);
	if (len == (v4 ? 32 : 128))
		return;
	add(t, "/");
	if (len >= 0)
		add(t, "%d", len);
	else if (v4)
		add_ipv4(t, (uint32_t)m.lo);
	else
		add_ipv6(t, m);
}

/* An IPv4 address in a 128-bit field: ::ffff:a.b.c.d with the mapped
 * prefix part of the match, as the config writes it. */
static bool ipv4_mapped(struct u128 v, struct u128 m)
{
	return v.hi == 0 && v.lo >> 32 == 0xffff && m.hi == ~0ull &&
	       m.lo >> 32 == 0xffffffffull;
}

static void add_field(struct text *t, const struct scenario *c,
		      const struct key_profile_field *d, struct u128 v, struct u128 m)
{
	struct u128 full = {
		d->width > 64 ? (d->width >= 128 ? ~0ull : (1ull << (d->width - 64)) - 1) : 0,
		d->width >= 64 ? ~0ull : (1ull << d->width) - 1,
	};
	bool ip = d->id == KP_SRC_IP || d->id == KP_DST_IP;

	add(t, "%s%s ", t->k ? " " : "", key_profile_field_name(d->id));
	if (ip && d->width == 32) {
		add_ip(t, v, m, true);
	} else if (ip && d->width == 128 && ipv4_mapped(v, m)) {
		add_ip(t, (struct u128){ 0, (uint32_t)v.lo },
		       (struct u128){ 0, (uint32_t)m.lo }, true);
	} else if (ip && d->width == 128) {
		add_ip(t, v, m, false);
	} else if (m.hi != full.hi || m.lo != full.lo) {
		add_hex(t, v);
		add(t, "/");
		add_hex(t, m);
	} else if (d->id == KP_ETHERTYPE && d->width <= 16) {
		add(t, "0x%04llx", (unsigned long long)v.lo);
	} else if (d->id == KP_TCP_FLAGS || d->width > 64) {
		add_hex(t, v);
	} else {
		add(t, "%llu", (unsigned long long)v.lo);
		if (d->id == KP_IN_PORT && scenario_port_name(c, (uint32_t)v.lo)[0])
			add(t, " %s", scenario_port_name(c, (uint32_t)v.lo));
	}
}

static void add_key_hex(struct text *t, const struct pnic_key *k, unsigned bits)
{
	int w = (int)key_words(bits) - 1;

	while (w > 0 && !k->w[w])
		w--;
	add(t, "0x%llx", (unsigned long long)k->w[w]);
	while (--w >= 0)
		add(t, "%016llx", (unsigned long long)k->w[w]);
}

/* Mask bits that no field of the profile covers (a raw hex entry may set
 * them): shown as they are, so nothing of the match is hidden. */
static void add_other_bits(struct text *t, const struct key_profile *p,
			   const struct pnic_key *v, const struct pnic_key *m)
{
	struct key_profile_fields ones;
	struct pnic_key cover, ov, om;
	bool any = false;

	memset(&ones, 0xff, sizeof ones);
	key_profile_pack(p, &ones, &cover);
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++) {
		om.w[i] = m->w[i] & ~cover.w[i];
		ov.w[i] = v->w[i] & om.w[i];
		any |= om.w[i] != 0;
	}
	if (!any)
		return;
	add(t, "%sother_bits ", t->k ? " " : "");
	add_key_hex(t, &ov, PNIC_KEY_MAX_BITS);
	add(t, "/");
	add_key_hex(t, &om, PNIC_KEY_MAX_BITS);
}

void replay_describe_match(const struct scenario *c,
			   const struct scenario_flow *f, char *buf, size_t n)
{
	const struct key_profile *p = c->profile;
	struct text t = { buf, n, 0 };
	struct key_profile_fields v, m;

	buf[0] = '\0';
	key_profile_unpack(p, &f->value, &v);
	key_profile_unpack(p, &f->mask, &m);
	for (unsigned i = 0; i < p->n_fields; i++) {
		const struct key_profile_field *d = &p->fields[i];

		if (m.lo[d->id] || m.hi[d->id])
			add_field(&t, c, d, (struct u128){ v.hi[d->id], v.lo[d->id] },
				  (struct u128){ m.hi[d->id], m.lo[d->id] });
	}
	add_other_bits(&t, p, &f->value, &f->mask);
	if (!t.k)
		add(&t, "any");
}

/* ---- an entry's action ------------------------------------------------- */

static const char *vpid_name(const struct scenario *c, uint32_t vpid)
{
	for (uint32_t i = 0; i < c->n_maps; i++)
		if (c->maps[i].vpid == vpid)
			return c->maps[i].name;
	return "";
}

/* "vpid 3 vm_b -> ppid 2 vf0", or "vpid 9 -> unmapped (drop)". */
static void add_vpid(struct text *t, const struct replay *r, uint32_t vpid,
		     bool mirror)
{
	const struct scenario *c = r->cfg;
	uint32_t ppid = lookup_map_read(r->lk, vpid);
	const char *name = vpid_name(c, vpid);

	add(t, "vpid %u%s%s -> ", vpid, name[0] ? " " : "", name);
	if (ppid == VPID_UNMAPPED)
		add(t, "unmapped (%s)", mirror ? "copy dropped" :
		    c->unmapped == VPID_UNMAPPED_TO_HOST ? "to host" : "drop");
	else
		add(t, "ppid %u %s", ppid, scenario_port_name(c, ppid));
}

static const char *template_name(const struct scenario *c, uint8_t id)
{
	for (uint32_t i = 0; i < c->n_templates; i++)
		if (c->templates[i].id == id)
			return c->templates[i].name;
	return "";
}

static void add_edits(struct text *t, const struct scenario *c,
		      const struct pnic_action *a)
{
	if (a->tunnel_op == TUNNEL_OP_VXLAN_DECAP)
		add(t, ", vxlan_decap");
	if (a->dec_ttl)
		add(t, ", dec_ttl");
	if (a->set_dscp)
		add(t, ", dscp %u", a->dscp);
	if (a->vlan_op == VLAN_OP_PUSH || a->vlan_op == VLAN_OP_REWRITE) {
		add(t, ", vlan_%s %u", a->vlan_op == VLAN_OP_PUSH ? "push" : "rewrite",
		    a->vlan_tci & 0xfffu);
		if (a->vlan_tci >> 13)
			add(t, " pcp %u", a->vlan_tci >> 13);
	} else if (a->vlan_op == VLAN_OP_POP) {
		add(t, ", vlan_pop");
	}
	if (a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP) {
		const char *name = template_name(c, a->encap_id);

		add(t, ", vxlan_encap %u%s%s", a->encap_id, name[0] ? " " : "", name);
	}
}

void replay_describe_action(const struct replay *r,
			    const struct pnic_action *a, char *buf, size_t n)
{
	struct text t = { buf, n, 0 };

	buf[0] = '\0';
	add(&t, "%s", action_kind_name(a->kind));
	if (a->kind == ACT_FORWARD) {
		add(&t, " ");
		add_vpid(&t, r, a->vpid, false);
	}
	if (a->mirror) {
		add(&t, ", mirror ");
		add_vpid(&t, r, a->mirror_vpid, true);
	}
	add_edits(&t, r->cfg, a);
	if (a->count)
		add(&t, ", count");
	if (a->age_class)
		add(&t, ", age class %u", a->age_class);
	if (a->notify_end)
		add(&t, ", notify_end");
}
