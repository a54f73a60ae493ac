#include "model/key_profile.h"

#include <errno.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned width;
} field_info[KP_FIELD_COUNT] = {
	[KP_IN_PORT]   = { "in_port", 16 },
	[KP_VLAN_VID]  = { "vlan_vid", 12 },
	[KP_ETHERTYPE] = { "ethertype", 16 },
	[KP_IP_PROTO]  = { "ip_proto", 8 },
	[KP_SRC_IP]    = { "src_ip", 128 },
	[KP_DST_IP]    = { "dst_ip", 128 },
	[KP_L4_SRC]    = { "l4_src", 16 },
	[KP_L4_DST]    = { "l4_dst", 16 },
	[KP_TCP_FLAGS] = { "tcp_flags", 8 },
	[KP_VNI]       = { "vni", 24 },
	[KP_INNER_IP_PROTO] = { "inner_ip_proto", 8 },
	[KP_INNER_SRC_IP]   = { "inner_src_ip", 128 },
	[KP_INNER_DST_IP]   = { "inner_dst_ip", 128 },
	[KP_INNER_L4_SRC]   = { "inner_l4_src", 16 },
	[KP_INNER_L4_DST]   = { "inner_l4_dst", 16 },
};

static const struct key_profile profile_default = {
	.name = "default",
	.key_bits = 372,
	.n_fields = 10,
	.fields = {
		{ KP_IN_PORT,     0, 16 },
		{ KP_VLAN_VID,   16, 12 },
		{ KP_ETHERTYPE,  28, 16 },
		{ KP_IP_PROTO,   44,  8 },
		{ KP_SRC_IP,     52, 128 },
		{ KP_DST_IP,    180, 128 },
		{ KP_L4_SRC,    308, 16 },
		{ KP_L4_DST,    324, 16 },
		{ KP_TCP_FLAGS, 340,  8 },
		{ KP_VNI,       348, 24 },
	},
};

static const struct key_profile profile_ipv4_5tuple = {
	.name = "ipv4_5tuple",
	.key_bits = 104,
	.n_fields = 5,
	.fields = {
		{ KP_SRC_IP,   0, 32 },
		{ KP_DST_IP,  32, 32 },
		{ KP_L4_SRC,  64, 16 },
		{ KP_L4_DST,  80, 16 },
		{ KP_IP_PROTO, 96, 8 },
	},
};

/* 128 bits: the 5-tuple plus TCP flags and ingress port, a key width
 * that fills two words exactly (the lookup core's reference size). */
static const struct key_profile profile_ipv4_flow = {
	.name = "ipv4_flow",
	.key_bits = 128,
	.n_fields = 7,
	.fields = {
		{ KP_SRC_IP,      0, 32 },
		{ KP_DST_IP,     32, 32 },
		{ KP_L4_SRC,     64, 16 },
		{ KP_L4_DST,     80, 16 },
		{ KP_IP_PROTO,   96,  8 },
		{ KP_TCP_FLAGS, 104,  8 },
		{ KP_IN_PORT,   112, 16 },
	},
};

/* An overlay host's, terminating: the tenant's 5-tuple, outer for a local
 * frame and inner for one through a VXLAN uplink (told apart by the VNI),
 * so that either IP family fits; the FPAG's entries need no more. */
static const struct key_profile profile_vxlan = {
	.name = "vxlan",
	.key_bits = 336,
	.n_fields = 7,
	.fields = {
		{ KP_ETHERTYPE,   0, 16 },
		{ KP_IP_PROTO,   16,  8 },
		{ KP_SRC_IP,     24, 128 },
		{ KP_DST_IP,    152, 128 },
		{ KP_L4_SRC,    280, 16 },
		{ KP_L4_DST,    296, 16 },
		{ KP_VNI,       312, 24 },
	},
	.terminate = true,
};

static const struct key_profile *const builtins[] = {
	&profile_default, &profile_ipv4_5tuple, &profile_ipv4_flow, &profile_vxlan,
};

const struct key_profile *key_profile_vxlan(void)
{
	return &profile_vxlan;
}

const struct key_profile *key_profile_default(void)
{
	return &profile_default;
}

const struct key_profile *key_profile_ipv4_5tuple(void)
{
	return &profile_ipv4_5tuple;
}

const struct key_profile *key_profile_ipv4_flow(void)
{
	return &profile_ipv4_flow;
}

const struct key_profile *key_profile_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (!strcmp(name, builtins[i]->name))
			return builtins[i];
	return NULL;
}

unsigned key_profile_builtin_count(void)
{
	return sizeof builtins / sizeof builtins[0];
}

const struct key_profile *key_profile_builtin_at(unsigned i)
{
	return i < key_profile_builtin_count() ? builtins[i] : NULL;
}

const char *key_profile_field_name(enum key_profile_field_id id)
{
	return (unsigned)id < KP_FIELD_COUNT ? field_info[id].name : "?";
}

int key_profile_field_by_name(const char *name)
{
	for (int i = 0; i < KP_FIELD_COUNT; i++)
		if (!strcmp(name, field_info[i].name))
			return i;
	return -1;
}

unsigned key_profile_field_width(enum key_profile_field_id id)
{
	return (unsigned)id < KP_FIELD_COUNT ? field_info[id].width : 0;
}

int key_profile_validate(const struct key_profile *p, struct pnic_error *err)
{
	unsigned seen = 0;

	if (p->key_bits == 0 || p->key_bits > PNIC_KEY_MAX_BITS)
		return pnic_err(err, EINVAL,
				"key profile '%s': key width %u is outside 1..%u bits",
				p->name, p->key_bits, PNIC_KEY_MAX_BITS);
	if (p->n_fields == 0 || p->n_fields > KP_MAX_FIELDS)
		return pnic_err(err, EINVAL,
				"key profile '%s': %u fields, expected 1..%u",
				p->name, p->n_fields, KP_MAX_FIELDS);
	for (unsigned i = 0; i < p->n_fields; i++) {
		const struct key_profile_field *f = &p->fields[i];

		if ((unsigned)f->id >= KP_FIELD_COUNT)
			return pnic_err(err, EINVAL,
					"key profile '%s': field %u has unknown id %d",
					p->name, i, (int)f->id);
		if (seen & (1u << f->id))
			return pnic_err(err, EINVAL,
					"key profile '%s': field '%s' appears twice",
					p->name, key_profile_field_name(f->id));
		seen |= 1u << f->id;
		if (f->width == 0 || f->width > 128)
			return pnic_err(err, EINVAL,
					"key profile '%s': field '%s' width %u is outside 1..128",
					p->name, key_profile_field_name(f->id), f->width);
		if ((unsigned)f->offset + f->width > p->key_bits)
			return pnic_err(err, EINVAL,
					"key profile '%s': field '%s' (bits %u..%u) does not fit in a %u-bit key",
					p->name, key_profile_field_name(f->id), f->offset,
					f->offset + f->width - 1, p->key_bits);
		for (unsigned j = 0; j < i; j++) {
			const struct key_profile_field *g = &p->fields[j];

			if (f->offset < g->offset + g->width &&
			    g->offset < f->offset + f->width)
				return pnic_err(err, EINVAL,
						"key profile '%s': fields '%s' and '%s' overlap",
						p->name, key_profile_field_name(g->id),
						key_profile_field_name(f->id));
		}
		if (p->terminate && f->id >= KP_INNER_IP_PROTO)
			return pnic_err(err, EINVAL,
					"key profile '%s': field '%s' with terminate: a terminating profile's fields read the inner headers already",
					p->name, key_profile_field_name(f->id));
	}
	return 0;
}

const struct key_profile_field *key_profile_find(const struct key_profile *p,
					enum key_profile_field_id id)
{
	for (unsigned i = 0; i < p->n_fields; i++)
		if (p->fields[i].id == id)
			return &p->fields[i];
	return NULL;
}

void key_profile_pack(const struct key_profile *p, const struct key_profile_fields *f,
		      struct pnic_key *out)
{
	key_zero(out);
	for (unsigned i = 0; i < p->n_fields; i++) {
		const struct key_profile_field *d = &p->fields[i];

		if (d->width <= 64) {
			key_put_u64(out, d->offset, d->width, f->lo[d->id]);
		} else {
			key_put_u64(out, d->offset, 64, f->lo[d->id]);
			key_put_u64(out, d->offset + 64, d->width - 64,
				    f->hi[d->id]);
		}
	}
}

void key_profile_unpack(const struct key_profile *p, const struct pnic_key *k,
			struct key_profile_fields *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < p->n_fields; i++) {
		const struct key_profile_field *d = &p->fields[i];

		if (d->width <= 64) {
			out->lo[d->id] = key_get_u64(k, d->offset, d->width);
		} else {
			out->lo[d->id] = key_get_u64(k, d->offset, 64);
			out->hi[d->id] = key_get_u64(k, d->offset + 64,
						     d->width - 64);
		}
	}
}

void key_profile_set(struct key_profile_fields *f, enum key_profile_field_id id, uint64_t v)
{
	f->lo[id] = v;
	f->hi[id] = 0;
}

void key_profile_set_ipv4(struct key_profile_fields *f, enum key_profile_field_id id, uint32_t addr)
{
	f->hi[id] = 0;
	f->lo[id] = 0x0000ffff00000000ull | addr;
}

void key_profile_set_ipv6(struct key_profile_fields *f, enum key_profile_field_id id,
		 const uint8_t addr[16])
{
	uint64_t hi = 0, lo = 0;

	for (int i = 0; i < 8; i++) {
		hi = hi << 8 | addr[i];
		lo = lo << 8 | addr[8 + i];
	}
	f->hi[id] = hi;
	f->lo[id] = lo;
}

void key_profile_set_ipv4_prefix_mask(struct key_profile_fields *f, enum key_profile_field_id id,
			     unsigned len, int map_prefix)
{
	uint64_t m = len == 0 ? 0 : (0xffffffffull << (32 - (len > 32 ? 32 : len))) & 0xffffffffull;

	f->hi[id] = map_prefix ? ~0ull : 0;
	f->lo[id] = (map_prefix ? 0xffffffff00000000ull : 0) | m;
}
