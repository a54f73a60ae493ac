/* A scenario onto a NIC: the command list (order, contents, refusals
 * naming the scenario) and whether a lookup core of given sizes holds it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "io/scenario.h"
#include "model/nic.h"

#define NAME "/tmp/dir/s.yaml"

/* No inputs: paths are not read, so the scenario needs no folder. */
#define BASE \
	"tcam: { depth: 64 }\n"                                        /* 1 */ \
	"ports: [ { ppid: 0 }, { ppid: 1 }, { ppid: 2 } ]\n"           /* 2 */ \
	"vpid_map:\n"                                                  /* 3 */ \
	"  n_vpids: 16\n"                                              /* 4 */ \
	"  map: [ { vpid: 1, ppid: 1 }, { vpid: 2, ppid: 2 } ]\n"      /* 5 */ \
	"encap_templates:\n"                                           /* 6 */ \
	"  - { id: 3, name: t, eth_dst: 2:0:0:0:0:1, eth_src: 2:0:0:0:0:2,\n" \
	"      src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 7 }\n"          /* 8 */ \
	"flows:\n"                                                     /* 9 */ \
	"  - { match: { l4_dst: 22 }, action: drop }\n"                /* 10 */ \
	"  - { index: 40, match: { l4_dst: 80 }, action: { forward: 2, vxlan_encap: t } }\n" \
	"  - { action: to_host }\n"                                    /* 12 */

static struct scenario *load(const char *text)
{
	struct scenario *c;
	struct pnic_error err;

	pnic_error_clear(&err);
	cr_assert_eq(scenario_parse(text, strlen(text), NAME, &c, &err), 0, "%s",
		     err.msg);
	return c;
}

/* A sink that records what it is given, and refuses command `refuse`
 * (counted from 1; 0 refuses none). */
struct rec {
	struct nic_cmd cmds[16];
	unsigned n, refuse;
};

static int rec_submit(void *ctx, const struct nic_cmd *c,
		      struct nic_cmd_result *res, struct pnic_error *err)
{
	struct rec *r = ctx;

	(void)res;
	cr_assert_lt(r->n, 16);
	r->cmds[r->n++] = *c;
	if (r->n == r->refuse)
		return pnic_err(err, EINVAL, "%s: refused here", nic_cmd_op_name(c->op));
	return 0;
}

Test(scenario_program, maps_templates_then_entries)
{
	struct scenario *c = load(BASE);
	struct rec r = { .n = 0 };
	struct nic_cmd_sink s = { rec_submit, &r };
	struct action_word w;

	cr_assert_eq(scenario_program(c, &s, NULL), 0);
	cr_assert_eq(r.n, 6);
	cr_assert_eq(r.cmds[0].op, NIC_OP_MAP_SET);
	cr_assert_eq(r.cmds[0].map.vpid, 1);
	cr_assert_eq(r.cmds[0].map.ppid, 1);
	cr_assert_eq(r.cmds[1].op, NIC_OP_MAP_SET);
	cr_assert_eq(r.cmds[1].map.vpid, 2);
	cr_assert_eq(r.cmds[2].op, NIC_OP_TEMPLATE_SET);
	cr_assert_eq(r.cmds[2].tpl.id, 3);
	for (unsigned i = 0; i < 3; i++) {
		const struct nic_cmd_entry *e = &r.cmds[3 + i].entry;

		cr_assert_eq(r.cmds[3 + i].op, NIC_OP_ENTRY_WRITE);
		cr_assert_eq(e->index, c->flows[i].index);
		cr_assert(key_equal(&e->value, &c->flows[i].value, PNIC_KEY_WORDS));
		cr_assert(key_equal(&e->mask, &c->flows[i].mask, PNIC_KEY_WORDS));
		action_pack(&c->flows[i].action, &w);
		cr_assert_eq(memcmp(&e->action, &w, sizeof w), 0);
	}
	cr_assert_eq(r.cmds[4].entry.index, 40);
	cr_assert_eq(r.cmds[5].entry.index, 41);
	scenario_destroy(c);
}

Test(scenario_program, refusal_names_the_scenario_and_the_command)
{
	struct scenario *c = load(BASE);
	struct rec r = { .refuse = 5 };
	struct nic_cmd_sink s = { rec_submit, &r };
	struct pnic_error err;

	cr_assert_eq(scenario_program(c, &s, &err), -EINVAL);
	cr_assert_eq(r.n, 5, "stops at the refusal");
	cr_assert_str_eq(err.msg, NAME ": flow at line 11: entry_write: refused here");
	r = (struct rec){ .refuse = 2 };
	cr_assert_eq(scenario_program(c, &s, &err), -EINVAL);
	cr_assert_str_eq(err.msg, NAME ": vpid 2: map_set: refused here");
	r = (struct rec){ .refuse = 3 };
	cr_assert_eq(scenario_program(c, &s, &err), -EINVAL);
	cr_assert_str_eq(err.msg, NAME ": encap template 't': template_set: refused here");
	scenario_destroy(c);
}

/* The list programs a NIC as the scenario describes it. */
Test(scenario_program, programs_a_nic)
{
	struct scenario *c = load(BASE);
	struct nic_params np = { .profile = c->profile, .depth = c->tcam_depth,
				 .n_ports = c->n_ppids, .n_vpids = c->n_vpids };
	struct nic *n;
	struct nic_cmd_sink s;
	struct lookup_result res;
	struct pnic_key k;

	cr_assert_eq(nic_create(&np, &n, NULL), 0);
	s = nic_sink(n);
	cr_assert_eq(scenario_program(c, &s, NULL), 0);
	cr_assert_eq(lookup_map_read(nic_lookup(n), 2), 2);
	cr_assert_not_null(lookup_template(nic_lookup(n), 3));
	key_zero(&k);
	lookup_run(nic_lookup(n), &k, &res);
	cr_assert(res.hit);
	cr_assert_eq(res.index, 41, "the catch-all: l4_dst 0 is neither 22 nor 80");
	nic_destroy(n);
	scenario_destroy(c);
}

Test(scenario_program, entries_end)
{
	struct scenario *c = load(BASE);

	cr_assert_eq(scenario_entries_end(c), 42);
	scenario_destroy(c);
	c = load("tcam: { depth: 16 }\nports: [ { ppid: 0 } ]\n"
		 "vpid_map: { n_vpids: 1 }\n");
	cr_assert_eq(scenario_entries_end(c), 0);
	scenario_destroy(c);
}

Test(scenario_program, core_check)
{
	struct scenario *c = load(BASE);
	struct lookup_core_params p = { 64, 372, 256 };
	struct pnic_error err;
	char buf[512];

	cr_assert_eq(scenario_core_check(c, &p, &err), 0, "%s", err.msg);
	/* fewer entries than tcam.depth, but every entry below them */
	p.depth = 42;
	cr_assert_eq(scenario_core_check(c, &p, &err), 0, "%s", err.msg);
	p.depth = 32;
	cr_assert_eq(scenario_core_check(c, &p, &err), -ERANGE);
	cr_assert_str_eq(pnic_error_str(&err, buf, sizeof buf), NAME ":11: flows[1]: "
			 "entry index 40 is beyond the lookup core's 32 entries");
	p = (struct lookup_core_params){ 64, 372, 15 };
	cr_assert_eq(scenario_core_check(c, &p, &err), -ERANGE);
	cr_assert_str_eq(pnic_error_str(&err, buf, sizeof buf), NAME ": vpid_map.n_vpids: "
			 "16 VPIDs are more than the lookup core's NumVpids, 15");
	/* 0: the core's default map, LOOKUP_CORE_DEFAULT_VPIDS */
	p = (struct lookup_core_params){ 64, 372, 0 };
	cr_assert_eq(scenario_core_check(c, &p, &err), 0, "%s", err.msg);
	p = (struct lookup_core_params){ 64, 128, 256 };
	cr_assert_eq(scenario_core_check(c, &p, &err), -EINVAL);
	cr_assert_str_eq(pnic_error_str(&err, buf, sizeof buf), NAME ": key_profile: "
			 "the key of profile 'default' is 372 bits; the lookup core's KeyWidth is 128");
	scenario_destroy(c);
}
