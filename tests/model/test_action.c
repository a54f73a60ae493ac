#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/action.h"

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_action(struct pnic_action *a)
{
	memset(a, 0, sizeof *a);
	a->kind = rnd() % 3;
	a->vpid = rnd();
	a->mirror = rnd() & 1;
	a->mirror_vpid = rnd();
	a->vlan_op = rnd() % 4;
	a->vlan_tci = rnd();
	a->tunnel_op = rnd() % 3;
	a->encap_id = rnd();
	a->dec_ttl = rnd() & 1;
	a->set_dscp = rnd() & 1;
	a->dscp = rnd() % 64;
	a->count = rnd() & 1;
}

static uint64_t bit_of(const struct action_word *w, unsigned i)
{
	return w->w[i / 64] >> (i % 64) & 1;
}

static uint64_t field(const struct action_word *w, unsigned off, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= bit_of(w, off + i) << i;
	return v;
}

Test(action, random_round_trip)
{
	for (int i = 0; i < 20000; i++) {
		struct pnic_action a, b;
		struct action_word w;
		struct pnic_error err;

		random_action(&a);
		cr_assert_eq(action_validate(&a, &err), 0, "%s", err.msg);
		action_pack(&a, &w);
		/* nothing at or above the word width */
		cr_assert_eq(w.w[1] >> (ACTION_WORD_BITS - 64), 0);
		action_unpack(&w, &b);
		cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "round trip %d", i);
	}
}

/* Each field lands at the bits the contract names, checked bit by bit
 * against a reference that knows nothing of the packer's word split. */
Test(action, fields_at_documented_bits)
{
	for (int i = 0; i < 2000; i++) {
		struct pnic_action a;
		struct action_word w;

		random_action(&a);
		action_pack(&a, &w);
		cr_assert_eq(field(&w, 0, 2), a.kind);
		cr_assert_eq(field(&w, 2, 16), a.vpid);
		cr_assert_eq(field(&w, 18, 1), a.mirror);
		cr_assert_eq(field(&w, 19, 16), a.mirror_vpid);
		cr_assert_eq(field(&w, 35, 2), a.vlan_op);
		cr_assert_eq(field(&w, 37, 16), a.vlan_tci);
		cr_assert_eq(field(&w, 53, 2), a.tunnel_op);
		cr_assert_eq(field(&w, 55, 8), a.encap_id);
		cr_assert_eq(field(&w, 63, 1), a.dec_ttl);
		cr_assert_eq(field(&w, 64, 1), a.set_dscp);
		cr_assert_eq(field(&w, 65, 6), a.dscp);
		cr_assert_eq(field(&w, 71, 1), a.count);
	}
}

Test(action, kind_and_vpid_exact)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 0xbeef };
	struct action_word w;

	action_pack(&a, &w);
	/* [1:0] = 01, [17:2] = 0xbeef, all else zero */
	cr_assert_eq(w.w[0], (0xbeefull << 2) | 1);
	cr_assert_eq(w.w[1], 0);
	a = (struct pnic_action){ .kind = ACT_TO_HOST, .vpid = 0xffff };
	action_pack(&a, &w);
	cr_assert_eq(w.w[0], 0x3fffeull);
	a = (struct pnic_action){ .count = true, .dscp = 63, .set_dscp = true };
	action_pack(&a, &w);
	cr_assert_eq(w.w[0], 0);
	cr_assert_eq(w.w[1], (1ull << 7) | (63ull << 1) | 1);
	a = (struct pnic_action){ .dec_ttl = true };
	action_pack(&a, &w);
	cr_assert_eq(w.w[0], 1ull << 63);
}

Test(action, zero_word_is_drop)
{
	struct action_word w = { { 0, 0 } };
	struct pnic_action a;

	action_unpack(&w, &a);
	cr_assert_eq(a.kind, ACT_DROP);
	cr_assert_eq(a.vlan_op, VLAN_OP_NONE);
	cr_assert_eq(a.tunnel_op, TUNNEL_OP_NONE);
	cr_assert_not(a.count);
}

Test(action, unpack_ignores_bits_above_width)
{
	struct action_word w = { { 0, ~0ull << (ACTION_WORD_BITS - 64) } };
	struct pnic_action a;

	action_unpack(&w, &a);
	cr_assert_eq(a.kind, 0);
	cr_assert_not(a.count);
	cr_assert_eq(a.dscp, 0);
}

Test(action, validate_refuses)
{
	struct pnic_action a;
	struct pnic_error err;

	a = (struct pnic_action){ .kind = 3 };
	cr_assert_eq(action_validate(&a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "kind 3"), "%s", err.msg);
	a = (struct pnic_action){ .kind = ACT_FORWARD, .dscp = 64, .set_dscp = true };
	cr_assert_eq(action_validate(&a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "DSCP 64"), "%s", err.msg);
	a = (struct pnic_action){ .vlan_op = 4 };
	cr_assert_eq(action_validate(&a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "VLAN op 4"), "%s", err.msg);
	a = (struct pnic_action){ .tunnel_op = 3 };
	cr_assert_eq(action_validate(&a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "tunnel op 3"), "%s", err.msg);
	a = (struct pnic_action){ .kind = 3 };
	cr_assert_eq(action_validate(&a, NULL), -EINVAL);
}

Test(action, kind_names)
{
	cr_assert_str_eq(action_kind_name(ACT_DROP), "drop");
	cr_assert_str_eq(action_kind_name(ACT_FORWARD), "forward");
	cr_assert_str_eq(action_kind_name(ACT_TO_HOST), "to_host");
	cr_assert_str_eq(action_kind_name((enum action_kind)3), "?");
}
