/* The command set: op names, the config-port beat of each table op, and
 * validation against a NIC's sizes (every refusal names the op and the
 * fault). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/nic_cmd.h"
#include "tests/model/cmds.h"

#define DEPTH 32
#define KEY_BITS 104

static const struct lookup_params sizes = {
	.depth = DEPTH, .key_bits = KEY_BITS, .n_vpids = 16, .n_ppids = 4,
};


static struct action_word forward_to(uint16_t vpid)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = vpid };
	struct action_word w;

	action_pack(&a, &w);
	return w;
}

Test(nic_cmd, names)
{
	static const char *const want[] = {
		"?", "entry_write", "entry_invalidate", "action_write", "map_set",
		"map_clear", "counter_read", "template_set", "config", "packet_out",
	};

	for (uint32_t op = 0; op < NIC_OP_END; op++)
		cr_assert_str_eq(nic_cmd_op_name(op), want[op]);
	cr_assert_str_eq(nic_cmd_op_name(NIC_OP_END), "?");
	cr_assert_str_eq(nic_cmd_op_name(1000), "?");
}

/* The table ops go out on the config port as the port's op codes; the
 * others are not carried. */
Test(nic_cmd, table_ops_are_config_port_beats)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE,
			     .entry = { .index = 7, .value = { { 5 } },
					.mask = { { 0xf } }, .action = forward_to(3) } };
	struct lookup_write w;

	cr_assert(nic_cmd_table_write(&c, &w));
	cr_assert_eq(w.op, LC_OP_TCAM_WRITE);
	cr_assert_eq(w.index, 7);
	cr_assert_eq(w.value.w[0], 5);
	cr_assert_eq(w.mask.w[0], 0xf);
	cr_assert_eq(lookup_action_vpid(&w.action), 3);

	c = (struct nic_cmd){ .op = NIC_OP_ENTRY_INVALIDATE, .index = 9 };
	cr_assert(nic_cmd_table_write(&c, &w));
	cr_assert(w.op == LC_OP_TCAM_INVALIDATE && w.index == 9);
	c = (struct nic_cmd){ .op = NIC_OP_ACTION_WRITE,
			      .action = { 4, forward_to(2) } };
	cr_assert(nic_cmd_table_write(&c, &w));
	cr_assert(w.op == LC_OP_ACTION_WRITE && w.index == 4);
	cr_assert_eq(lookup_action_vpid(&w.action), 2);
	c = (struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { 5, 3 } };
	cr_assert(nic_cmd_table_write(&c, &w));
	cr_assert(w.op == LC_OP_MAP_WRITE && w.index == 5 && w.ppid == 3);
	c.map.ppid = 0x10001;
	cr_assert(nic_cmd_table_write(&c, &w));
	cr_assert_eq(w.ppid, VPID_UNMAPPED, "a PPID past 16 bits never wraps to a port");
	c = (struct nic_cmd){ .op = NIC_OP_MAP_CLEAR, .map = { 5, 0 } };
	cr_assert(nic_cmd_table_write(&c, &w));
	cr_assert(w.op == LC_OP_MAP_CLEAR && w.index == 5);

	for (uint32_t op = NIC_OP_COUNTER_READ; op <= NIC_OP_END; op++) {
		c = (struct nic_cmd){ .op = op };
		cr_assert(!nic_cmd_table_write(&c, &w), "op %u", op);
	}
	c.op = 0;
	cr_assert(!nic_cmd_table_write(&c, &w));
}

Test(nic_cmd, fits_a_descriptor)
{
	cr_assert_leq(sizeof(struct nic_cmd), NIC_CMD_DESC_BYTES);
}

Test(nic_cmd, good_commands_pass)
{
	struct flow_counter out[4];
	struct nic_cmd good[] = {
		{ .op = NIC_OP_ENTRY_WRITE, .entry = { .index = DEPTH - 1,
						       .value = { { 1 } }, .mask = { { 1 } },
						       .action = forward_to(0xffff) } },
		{ .op = NIC_OP_ENTRY_INVALIDATE, .index = 0 },
		{ .op = NIC_OP_ACTION_WRITE, .action = { 3, forward_to(1) } },
		{ .op = NIC_OP_MAP_SET, .map = { 15, 3 } },
		{ .op = NIC_OP_MAP_CLEAR, .map = { 15, 0 } },
		{ .op = NIC_OP_COUNTER_READ, .counters = { DEPTH - 4, 4, out } },
		{ .op = NIC_OP_TEMPLATE_SET, .tpl = { 255, tc_vxlan_template } },
		{ .op = NIC_OP_CONFIG, .config = { DP_MISS_DROP, DP_PERR_TO_HOST,
						   VPID_UNMAPPED_TO_HOST } },
	};
	struct pnic_error err;

	for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_assert_eq(nic_cmd_validate(&good[i], &sizes, &err), 0,
			     "%s: %s", nic_cmd_op_name(good[i].op), err.msg);
}

struct refusal {
	struct nic_cmd c;
	int rc;
	const char *says;
};

static void check_refusals(const struct refusal *r, unsigned n)
{
	struct pnic_error err;

	for (unsigned i = 0; i < n; i++) {
		pnic_error_clear(&err);
		cr_assert_eq(nic_cmd_validate(&r[i].c, &sizes, &err), r[i].rc,
			     "case %u: %s", i, err.msg);
		cr_assert(strstr(err.msg, r[i].says), "case %u: %s", i, err.msg);
		if (r[i].c.op && r[i].c.op < NIC_OP_END)
			cr_assert(strstr(err.msg, nic_cmd_op_name(r[i].c.op)) == err.msg,
				  "case %u names its op first: %s", i, err.msg);
	}
}

Test(nic_cmd, refusals_of_table_ops)
{
	struct action_word kind3 = forward_to(1), tunnel3 = forward_to(1),
			   wide = forward_to(1);
	struct refusal r[] = {
		{ { .op = NIC_OP_ENTRY_WRITE, .entry = { .index = DEPTH } },
		  -ERANGE, "entry index 32 is out of range" },
		{ { .op = NIC_OP_ENTRY_INVALIDATE, .index = 1u << 20 }, -ERANGE, "0..31" },
		{ { .op = NIC_OP_ACTION_WRITE, .action = { DEPTH, { { 0 } } } },
		  -ERANGE, "entry index 32" },
		{ { .op = NIC_OP_ENTRY_WRITE, .entry = { .index = 1, .action = kind3 } },
		  -EINVAL, "action kind 3" },
		{ { .op = NIC_OP_ACTION_WRITE, .action = { 1, kind3 } },
		  -EINVAL, "action kind 3" },
		{ { .op = NIC_OP_ACTION_WRITE, .action = { 1, tunnel3 } },
		  -EINVAL, "tunnel op 3" },
		{ { .op = NIC_OP_ACTION_WRITE, .action = { 1, wide } },
		  -EINVAL, "bit 76" },
		{ { .op = NIC_OP_ENTRY_WRITE, .entry = { .index = 1,
							 .mask = { { 0, 1ull << 41 } } } },
		  -EINVAL, "bit 104" },
		{ { .op = NIC_OP_MAP_SET, .map = { 16, 0 } }, -ERANGE, "VPID 16" },
		{ { .op = NIC_OP_MAP_SET, .map = { 1, 4 } }, -ERANGE, "PPID 4 is out of range" },
		{ { .op = NIC_OP_MAP_SET, .map = { 1, 0xffff } }, -EINVAL, "reserved" },
		{ { .op = NIC_OP_MAP_SET, .map = { 1, 0x10000 } }, -ERANGE, "16 bits" },
		{ { .op = NIC_OP_MAP_CLEAR, .map = { 99, 0 } }, -ERANGE, "VPID 99" },
	};

	kind3.w[0] |= 3;
	r[3].c.entry.action = kind3;
	r[4].c.action.action = kind3;
	tunnel3.w[0] |= 3ull << ACTW_TUNNEL_OP_OFF;
	r[5].c.action.action = tunnel3;
	wide.w[1] |= 1ull << (ACTION_WORD_BITS - 64);
	r[6].c.action.action = wide;
	check_refusals(r, sizeof r / sizeof r[0]);
}

Test(nic_cmd, refusals_of_other_ops)
{
	struct flow_counter out[2];
	struct encap_template bad_tpl = tc_vxlan_template;
	struct refusal r[] = {
		{ { .op = 0 }, -EINVAL, "op 0 is not one of 1..9" },
		{ { .op = NIC_OP_END }, -EINVAL, "op 10 " },
		{ { .op = 0xdeadbeef }, -EINVAL, "is not one of" },
		{ { .op = NIC_OP_COUNTER_READ, .counters = { 0, 2, NULL } },
		  -EINVAL, "no buffer" },
		{ { .op = NIC_OP_COUNTER_READ, .counters = { 0, 0, out } },
		  -EINVAL, "count is 0" },
		{ { .op = NIC_OP_COUNTER_READ, .counters = { DEPTH - 1, 2, out } },
		  -ERANGE, "run past the last entry, 31" },
		{ { .op = NIC_OP_COUNTER_READ, .counters = { 0xffffffffu, 2, out } },
		  -ERANGE, "run past" },
		{ { .op = NIC_OP_TEMPLATE_SET, .tpl = { 7, { .len = 3 } } },
		  -EINVAL, "template 7: encap template is 3 bytes" },
		{ { .op = NIC_OP_TEMPLATE_SET, .tpl = { 8, { .len = 50 } } },
		  -EINVAL, "template 8" },
		{ { .op = NIC_OP_CONFIG, .config = { .miss = 2 } }, -EINVAL, "miss policy 2" },
		{ { .op = NIC_OP_CONFIG, .config = { .parse_errors = 3 } },
		  -EINVAL, "parse-error policy 3" },
		{ { .op = NIC_OP_CONFIG, .config = { .unmapped = 2 } },
		  -EINVAL, "unmapped-VPID policy 2" },
	};

	bad_tpl.bytes[37] = 0;   /* UDP destination port no longer 4789 */
	r[8].c.tpl.tpl = bad_tpl;
	check_refusals(r, sizeof r / sizeof r[0]);
}
