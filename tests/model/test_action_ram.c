#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/action_ram.h"

static struct action_ram *make_ram(uint32_t depth)
{
	struct action_ram_params p = { .depth = depth };
	struct action_ram *r;
	struct pnic_error err;

	cr_assert_eq(action_ram_create(&p, &r, &err), 0, "%s", err.msg);
	return r;
}

/* Ethernet [+802.1Q VID 10, PCP 1] / IPv4 or IPv6 / UDP 4789 / VXLAN VNI
 * 0x123456, from the encap block. */
static struct encap_template tpl(bool ipv6, bool vlan)
{
	struct encap_fields f = {
		.eth_dst = { 0x02, 0, 0, 0, 0, 0x01 },
		.eth_src = { 0x02, 0, 0, 0, 0, 0x02 },
		.vlan = vlan, .vlan_vid = 10, .vlan_pcp = 1, .ipv6 = ipv6,
		.src_ip = { 10, 0, 0, 1 }, .dst_ip = { 10, 0, 0, 2 },
		.ttl = 64, .vni = 0x123456,
	};
	struct encap_template t;
	struct pnic_error err;

	if (ipv6) {
		memcpy(f.src_ip, "\x20\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f.dst_ip, "\x20\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	}
	cr_assert_eq(encap_build(&f, &t, &err), 0, "%s", err.msg);
	return t;
}

Test(action_ram, create_refuses_bad_depth)
{
	struct action_ram_params p = { .depth = 0 };
	struct action_ram *r = (struct action_ram *)1;
	struct pnic_error err;

	cr_assert_eq(action_ram_create(&p, &r, &err), -EINVAL);
	cr_assert_null(r);
	cr_assert(strstr(err.msg, "depth 0"), "%s", err.msg);
	p.depth = 1u << 30;
	cr_assert_eq(action_ram_create(&p, &r, &err), -EINVAL);
	action_ram_destroy(NULL);
}

Test(action_ram, unwritten_reads_zero_and_write_read)
{
	struct action_ram *r = make_ram(64);
	struct action_word w = { { 0x123456789abcdef0ull, 0xab } }, got;
	struct pnic_action a;
	struct pnic_error err;

	cr_assert_eq(action_ram_depth(r), 64);
	for (uint32_t i = 0; i < 64; i++) {
		action_ram_read(r, i, &got);
		cr_assert_eq(got.w[0] | got.w[1], 0);
	}
	action_unpack(&got, &a);
	cr_assert_eq(a.kind, ACT_DROP);
	cr_assert_eq(action_ram_write(r, 63, &w, &err), 0);
	action_ram_read(r, 63, &got);
	cr_assert_eq(memcmp(&got, &w, sizeof w), 0);
	action_ram_read(r, 62, &got);
	cr_assert_eq(got.w[0] | got.w[1], 0);
	action_ram_destroy(r);
}

Test(action_ram, out_of_range)
{
	struct action_ram *r = make_ram(16);
	struct action_word w = { { 5, 0 } }, got = { { 7, 7 } };
	struct pnic_error err;

	cr_assert_eq(action_ram_write(r, 16, &w, &err), -ERANGE);
	cr_assert(strstr(err.msg, "index 16"), "%s", err.msg);
	action_ram_read(r, 16, &got);
	cr_assert_eq(got.w[0] | got.w[1], 0);
	action_ram_read(r, 0xffffffffu, &got);
	cr_assert_eq(got.w[0] | got.w[1], 0);
	action_ram_destroy(r);
}

Test(action_ram, templates_accepted)
{
	struct action_ram *r = make_ram(16);
	struct pnic_error err;
	struct encap_layout lay;

	for (int v6 = 0; v6 < 2; v6++)
		for (int vl = 0; vl < 2; vl++) {
			struct encap_template t = tpl(v6, vl);
			uint8_t id = (uint8_t)(v6 * 2 + vl + 250);

			cr_assert_null(action_ram_template(r, id));
			cr_assert_eq(action_ram_set_template(r, id, &t, &err), 0,
				     "v6 %d vlan %d: %s", v6, vl, err.msg);
			cr_assert_not_null(action_ram_template(r, id));
			cr_assert_eq(action_ram_template(r, id)->len, t.len);
			cr_assert_eq(memcmp(action_ram_template(r, id)->bytes,
					    t.bytes, t.len), 0);
			cr_assert_eq(encap_template_layout(&t, &lay, &err), 0);
			cr_assert_eq(lay.ipv6, v6);
			cr_assert_eq(lay.vlan, vl);
			cr_assert_eq(lay.l3_off, 14 + 4 * vl);
			cr_assert_eq(lay.l4_off, lay.l3_off + (v6 ? 40 : 20));
			cr_assert_eq(lay.vxlan_off, lay.l4_off + 8);
			cr_assert_eq(lay.vni, 0x123456);
		}
	cr_assert_eq(tpl(false, false).len, 50);
	cr_assert_eq(tpl(true, true).len, 74);
	action_ram_destroy(r);
}

static void refuse(struct encap_template t, const char *why)
{
	struct action_ram *r = make_ram(16);
	struct pnic_error err;

	cr_assert_eq(action_ram_set_template(r, 9, &t, &err), -EINVAL, "%s", why);
	cr_assert(strstr(err.msg, why), "expected '%s' in '%s'", why, err.msg);
	cr_assert(strstr(err.msg, "template 9"), "%s", err.msg);
	cr_assert_null(action_ram_template(r, 9));
	action_ram_destroy(r);
}

Test(action_ram, templates_refused)
{
	struct encap_template t;

	t = tpl(false, false); t.bytes[12] = 0x88; t.bytes[13] = 0xa8;
	refuse(t, "ethertype 0x88a8");
	t = tpl(false, false); t.bytes[14] = 0x65;
	refuse(t, "IP version 6");
	t = tpl(false, false); t.bytes[14] = 0x44;
	refuse(t, "header length 16");
	t = tpl(false, false); t.bytes[23] = 6;
	refuse(t, "protocol 6");
	t = tpl(false, false); t.bytes[20] = 0x20;
	refuse(t, "fragment");
	t = tpl(false, false); t.bytes[22] = 0;
	refuse(t, "TTL is 0");
	t = tpl(false, false); t.bytes[36] = 0x17; t.bytes[37] = 0xc1;
	refuse(t, "destination port 6081");
	t = tpl(false, false); t.bytes[42] = 0x00;
	refuse(t, "I flag");
	t = tpl(false, false); t.len = 49;
	refuse(t, "too short");
	t = tpl(true, false); t.len += 4;
	refuse(t, "must end with the VXLAN header");
	t = tpl(false, false); t.len = 200;
	refuse(t, "more than the 128");
	t = tpl(true, false); t.bytes[20] = 0;
	refuse(t, "next header 0");
	t = tpl(true, false); t.bytes[21] = 0;
	refuse(t, "hop limit is 0");
	t = tpl(true, true); t.bytes[18] = 0x45;
	refuse(t, "IP version 4");
	/* IPv4 options are accepted: the header just grows */
	t = tpl(false, false);
	memmove(t.bytes + 38, t.bytes + 34, 16);
	memset(t.bytes + 34, 1, 4);      /* four NOP options */
	t.bytes[14] = 0x46; t.len += 4;
	{
		struct encap_layout lay;

		cr_assert_eq(encap_template_layout(&t, &lay, NULL), 0);
		cr_assert_eq(lay.l4_off, 38);
	}
}

Test(action_ram, template_replaced_and_tail_zeroed)
{
	struct action_ram *r = make_ram(16);
	struct encap_template a = tpl(true, false), b = tpl(false, false);

	memset(b.bytes + b.len, 0xee, sizeof b.bytes - b.len);
	cr_assert_eq(action_ram_set_template(r, 0, &a, NULL), 0);
	cr_assert_eq(action_ram_set_template(r, 0, &b, NULL), 0);
	cr_assert_eq(action_ram_template(r, 0)->len, 50);
	for (unsigned i = 50; i < ENCAP_TEMPLATE_MAX_BYTES; i++)
		cr_assert_eq(action_ram_template(r, 0)->bytes[i], 0);
	action_ram_destroy(r);
}
