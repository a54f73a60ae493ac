#include "model/action.h"

#include <errno.h>
#include <string.h>

/* Field widths that the ACTW_*_OFF offsets imply; the static asserts below
 * keep the offsets and widths one contiguous layout, so a change to
 * one offset in action.h cannot silently overlap its neighbour. */
#define ACTW_MIRROR_W       1
#define ACTW_MIRROR_VPID_W 16
#define ACTW_VLAN_OP_W      2
#define ACTW_VLAN_TCI_W    16
#define ACTW_TUNNEL_OP_W    2
#define ACTW_ENCAP_ID_W     8
#define ACTW_DEC_TTL_W      1
#define ACTW_SET_DSCP_W     1
#define ACTW_DSCP_W         6
#define ACTW_COUNT_W        1
#define ACTW_AGE_CLASS_W    2
#define ACTW_NOTIFY_END_W   1
#define ACTW_HOLD_W         1

_Static_assert(ACTW_KIND_OFF + ACTW_KIND_W == ACTW_VPID_OFF, "kind/vpid");
_Static_assert(ACTW_VPID_OFF + ACTW_VPID_W == ACTW_MIRROR_OFF, "vpid/mirror");
_Static_assert(ACTW_MIRROR_OFF + ACTW_MIRROR_W == ACTW_MIRROR_VPID_OFF,
	       "mirror/mirror_vpid");
_Static_assert(ACTW_MIRROR_VPID_OFF + ACTW_MIRROR_VPID_W == ACTW_VLAN_OP_OFF,
	       "mirror_vpid/vlan_op");
_Static_assert(ACTW_VLAN_OP_OFF + ACTW_VLAN_OP_W == ACTW_VLAN_TCI_OFF,
	       "vlan_op/vlan_tci");
_Static_assert(ACTW_VLAN_TCI_OFF + ACTW_VLAN_TCI_W == ACTW_TUNNEL_OP_OFF,
	       "vlan_tci/tunnel_op");
_Static_assert(ACTW_TUNNEL_OP_OFF + ACTW_TUNNEL_OP_W == ACTW_ENCAP_ID_OFF,
	       "tunnel_op/encap_id");
_Static_assert(ACTW_ENCAP_ID_OFF + ACTW_ENCAP_ID_W == ACTW_DEC_TTL_OFF,
	       "encap_id/dec_ttl");
_Static_assert(ACTW_DEC_TTL_OFF + ACTW_DEC_TTL_W == ACTW_SET_DSCP_OFF,
	       "dec_ttl/set_dscp");
_Static_assert(ACTW_SET_DSCP_OFF + ACTW_SET_DSCP_W == ACTW_DSCP_OFF,
	       "set_dscp/dscp");
_Static_assert(ACTW_DSCP_OFF + ACTW_DSCP_W == ACTW_COUNT_OFF, "dscp/count");
_Static_assert(ACTW_COUNT_OFF + ACTW_COUNT_W == ACTW_AGE_CLASS_OFF,
	       "count/age_class");
_Static_assert(ACTW_AGE_CLASS_OFF + ACTW_AGE_CLASS_W == ACTW_NOTIFY_END_OFF,
	       "age_class/notify_end");
_Static_assert(ACTW_NOTIFY_END_OFF + ACTW_NOTIFY_END_W == ACTW_HOLD_OFF,
	       "notify_end/hold");
_Static_assert(ACTW_HOLD_OFF + ACTW_HOLD_W == ACTION_WORD_BITS, "hold/end");
_Static_assert(ACTION_AGE_CLASSES == 1u << ACTW_AGE_CLASS_W, "age classes");

/* Fields may straddle the 64-bit word boundary (none does today, but the
 * layout is data), so put/get go bit-range by word. */
static void put_bits(struct action_word *w, unsigned off, unsigned width,
		     uint64_t v)
{
	uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
	unsigned word = off / 64, sh = off % 64;

	v &= mask;
	w->w[word] |= v << sh;
	if (sh + width > 64)
		w->w[word + 1] |= v >> (64 - sh);
}

static uint64_t get_bits(const struct action_word *w, unsigned off,
			 unsigned width)
{
	uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
	unsigned word = off / 64, sh = off % 64;
	uint64_t v = w->w[word] >> sh;

	if (sh + width > 64)
		v |= w->w[word + 1] << (64 - sh);
	return v & mask;
}

void action_pack(const struct pnic_action *a, struct action_word *out)
{
	memset(out, 0, sizeof *out);
	put_bits(out, ACTW_KIND_OFF, ACTW_KIND_W, a->kind);
	put_bits(out, ACTW_VPID_OFF, ACTW_VPID_W, a->vpid);
	put_bits(out, ACTW_MIRROR_OFF, ACTW_MIRROR_W, a->mirror);
	put_bits(out, ACTW_MIRROR_VPID_OFF, ACTW_MIRROR_VPID_W, a->mirror_vpid);
	put_bits(out, ACTW_VLAN_OP_OFF, ACTW_VLAN_OP_W, a->vlan_op);
	put_bits(out, ACTW_VLAN_TCI_OFF, ACTW_VLAN_TCI_W, a->vlan_tci);
	put_bits(out, ACTW_TUNNEL_OP_OFF, ACTW_TUNNEL_OP_W, a->tunnel_op);
	put_bits(out, ACTW_ENCAP_ID_OFF, ACTW_ENCAP_ID_W, a->encap_id);
	put_bits(out, ACTW_DEC_TTL_OFF, ACTW_DEC_TTL_W, a->dec_ttl);
	put_bits(out, ACTW_SET_DSCP_OFF, ACTW_SET_DSCP_W, a->set_dscp);
	put_bits(out, ACTW_DSCP_OFF, ACTW_DSCP_W, a->dscp);
	put_bits(out, ACTW_COUNT_OFF, ACTW_COUNT_W, a->count);
	put_bits(out, ACTW_AGE_CLASS_OFF, ACTW_AGE_CLASS_W, a->age_class);
	put_bits(out, ACTW_NOTIFY_END_OFF, ACTW_NOTIFY_END_W, a->notify_end);
	put_bits(out, ACTW_HOLD_OFF, ACTW_HOLD_W, a->hold);
}

void action_unpack(const struct action_word *w, struct pnic_action *out)
{
	memset(out, 0, sizeof *out);
	out->kind = get_bits(w, ACTW_KIND_OFF, ACTW_KIND_W);
	out->vpid = get_bits(w, ACTW_VPID_OFF, ACTW_VPID_W);
	out->mirror = get_bits(w, ACTW_MIRROR_OFF, ACTW_MIRROR_W);
	out->mirror_vpid = get_bits(w, ACTW_MIRROR_VPID_OFF, ACTW_MIRROR_VPID_W);
	out->vlan_op = get_bits(w, ACTW_VLAN_OP_OFF, ACTW_VLAN_OP_W);
	out->vlan_tci = get_bits(w, ACTW_VLAN_TCI_OFF, ACTW_VLAN_TCI_W);
	out->tunnel_op = get_bits(w, ACTW_TUNNEL_OP_OFF, ACTW_TUNNEL_OP_W);
	out->encap_id = get_bits(w, ACTW_ENCAP_ID_OFF, ACTW_ENCAP_ID_W);
	out->dec_ttl = get_bits(w, ACTW_DEC_TTL_OFF, ACTW_DEC_TTL_W);
	out->set_dscp = get_bits(w, ACTW_SET_DSCP_OFF, ACTW_SET_DSCP_W);
	out->dscp = get_bits(w, ACTW_DSCP_OFF, ACTW_DSCP_W);
	out->count = get_bits(w, ACTW_COUNT_OFF, ACTW_COUNT_W);
	out->age_class = get_bits(w, ACTW_AGE_CLASS_OFF, ACTW_AGE_CLASS_W);
	out->notify_end = get_bits(w, ACTW_NOTIFY_END_OFF, ACTW_NOTIFY_END_W);
	out->hold = get_bits(w, ACTW_HOLD_OFF, ACTW_HOLD_W);
}

int action_validate(const struct pnic_action *a, struct pnic_error *err)
{
	if (a->kind > ACT_TO_HOST)
		return pnic_err(err, EINVAL,
				"action kind %u is not drop (0), forward (1) or to_host (2)",
				a->kind);
	if (a->vlan_op > VLAN_OP_REWRITE)
		return pnic_err(err, EINVAL,
				"VLAN op %u is not none (0), push (1), pop (2) or rewrite (3)",
				a->vlan_op);
	if (a->tunnel_op > TUNNEL_OP_VXLAN_ENCAP)
		return pnic_err(err, EINVAL,
				"tunnel op %u is not none (0), vxlan_decap (1) or vxlan_encap (2)",
				a->tunnel_op);
	if (a->dscp > 63)
		return pnic_err(err, EINVAL,
				"DSCP %u does not fit in 6 bits (0..63)", a->dscp);
	if (a->age_class >= ACTION_AGE_CLASSES)
		return pnic_err(err, EINVAL,
				"age class %u is not 0 (never) .. %u", a->age_class,
				ACTION_AGE_CLASSES - 1);
	return 0;
}

const char *action_kind_name(enum action_kind k)
{
	switch (k) {
	case ACT_DROP:
		return "drop";
	case ACT_FORWARD:
		return "forward";
	case ACT_TO_HOST:
		return "to_host";
	}
	return "?";
}
