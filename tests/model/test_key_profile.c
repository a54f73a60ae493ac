#include <criterion/criterion.h>
#include <string.h>

#include "model/key_profile.h"

Test(key_profile, builtins_validate)
{
	struct pnic_error err;

	cr_assert_eq(key_profile_validate(key_profile_default(), &err), 0, "%s", err.msg);
	cr_assert_eq(key_profile_validate(key_profile_ipv4_5tuple(), &err), 0, "%s", err.msg);
	cr_assert_eq(key_profile_builtin("default"), key_profile_default());
	cr_assert_eq(key_profile_validate(key_profile_ipv4_flow(), &err), 0, "%s", err.msg);
	cr_assert_null(key_profile_builtin("nope"));
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		cr_assert_eq(key_profile_builtin(key_profile_builtin_at(i)->name),
			     key_profile_builtin_at(i));
	cr_assert_null(key_profile_builtin_at(key_profile_builtin_count()));
}

Test(key_profile, default_layout_is_contiguous)
{
	const struct key_profile *p = key_profile_default();
	unsigned next = 0;

	for (unsigned i = 0; i < p->n_fields; i++) {
		cr_assert_eq(p->fields[i].offset, next, "field %s", key_profile_field_name(p->fields[i].id));
		next += p->fields[i].width;
	}
	cr_assert_eq(next, p->key_bits);
}

Test(key_profile, pack_unpack_roundtrip)
{
	const struct key_profile *p = key_profile_default();
	struct key_profile_fields f, g;
	struct pnic_key k;
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

	memset(&f, 0, sizeof f);
	key_profile_set(&f, KP_IN_PORT, 7);
	key_profile_set(&f, KP_VLAN_VID, 0xabc);
	key_profile_set(&f, KP_ETHERTYPE, 0x86dd);
	key_profile_set(&f, KP_IP_PROTO, 6);
	key_profile_set_ipv6(&f, KP_SRC_IP, v6);
	key_profile_set_ipv4(&f, KP_DST_IP, 0x0a000001);
	key_profile_set(&f, KP_L4_SRC, 1234);
	key_profile_set(&f, KP_L4_DST, 80);
	key_profile_set(&f, KP_TCP_FLAGS, 0x12);
	key_profile_set(&f, KP_VNI, 0xfedcba);
	key_profile_pack(p, &f, &k);
	key_profile_unpack(p, &k, &g);
	cr_assert_eq(memcmp(&f, &g, sizeof f), 0);
	cr_assert_eq(key_get_u64(&k, 16, 12), 0xabc);
	/* nothing above the key width */
	cr_assert_eq(k.w[5] >> (372 - 320), 0);
	cr_assert_eq(k.w[6] | k.w[7], 0);
}

Test(key_profile, narrow_ip_field_keeps_ipv4)
{
	const struct key_profile *p = key_profile_ipv4_5tuple();
	struct key_profile_fields f;
	struct pnic_key k;

	memset(&f, 0, sizeof f);
	key_profile_set_ipv4(&f, KP_SRC_IP, 0xc0a80101);
	key_profile_pack(p, &f, &k);
	cr_assert_eq(key_get_u64(&k, 0, 32), 0xc0a80101);
	cr_assert_eq(k.w[1], 0);
}

Test(key_profile, validate_refuses_bad_profiles)
{
	struct key_profile p = *key_profile_ipv4_5tuple();
	struct pnic_error err;

	p.fields[1].offset = 16;
	cr_assert_lt(key_profile_validate(&p, &err), 0);
	cr_assert(strstr(err.msg, "overlap"), "%s", err.msg);
	p = *key_profile_ipv4_5tuple();
	p.fields[4].offset = 100;
	cr_assert_lt(key_profile_validate(&p, &err), 0);
	cr_assert(strstr(err.msg, "does not fit"), "%s", err.msg);
	p = *key_profile_ipv4_5tuple();
	p.fields[2].id = KP_SRC_IP;
	cr_assert_lt(key_profile_validate(&p, &err), 0);
	cr_assert(strstr(err.msg, "twice"), "%s", err.msg);
	p.key_bits = 600;
	cr_assert_lt(key_profile_validate(&p, &err), 0);
	p = *key_profile_ipv4_5tuple();
	p.fields[0].id = KP_INNER_SRC_IP;
	cr_assert_eq(key_profile_validate(&p, &err), 0, "inner fields beside outer ones");
	p.terminate = true;
	cr_assert_lt(key_profile_validate(&p, &err), 0);
	cr_assert(strstr(err.msg, "terminate"), "%s", err.msg);
}

Test(key_profile, ipv4_prefix_mask)
{
	struct key_profile_fields m;

	memset(&m, 0, sizeof m);
	key_profile_set_ipv4_prefix_mask(&m, KP_SRC_IP, 24, 1);
	cr_assert_eq(m.lo[KP_SRC_IP], 0xffffffffffffff00ull);
	cr_assert_eq(m.hi[KP_SRC_IP], ~0ull);
	key_profile_set_ipv4_prefix_mask(&m, KP_SRC_IP, 0, 0);
	cr_assert_eq(m.lo[KP_SRC_IP], 0);
	key_profile_set_ipv4_prefix_mask(&m, KP_SRC_IP, 32, 0);
	cr_assert_eq(m.lo[KP_SRC_IP], 0xffffffffull);
}
