/* kpgen: the package it writes against the C headers it is made from.
 * Every number is compared with the C constant (or the built-in profile
 * table, or action_pack() itself), so a layout changed on one side only is
 * caught here before the RTL cosim has to find it. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/action.h"
#include "model/key.h"
#include "model/key_profile.h"
#include "model/lookup_core.h"
#include "model/lookup_core_ops.h"
#include "model/tcam.h"
#include "model/vpid_map.h"
#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char dir[64];
static char out[65536];
static char *pkg;          /* the package kpgen wrote */

static void setup(void)
{
	char path[256];

	tu_mkdtemp(dir, sizeof dir);
	snprintf(path, sizeof path, "-o %s/pkg.sv", dir);
	cr_assert_eq(run_tool("kpgen", path, out, sizeof out), 0, "%s", out);
	snprintf(path, sizeof path, "%s/pkg.sv", dir);
	pkg = tu_read(path, NULL);
	cr_assert_not_null(pkg);
}

static void teardown(void)
{
	free(pkg);
	pkg = NULL;
	tu_rmrf(dir);
}

TestSuite(kpgen, .init = setup, .fini = teardown);

/* The value of "localparam int <name> = <v>;" (the test fails if absent
 * or given twice). */
static long param(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long param(const char *fmt, ...)
{
	char name[128], key[160];
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	snprintf(key, sizeof key, "localparam int %s = ", name);
	p = strstr(pkg, key);
	cr_assert_not_null(p, "no parameter %s in the package", name);
	cr_assert_null(strstr(p + 1, key), "parameter %s given twice", name);
	return strtol(p + strlen(key), NULL, 10);
}

/* "ipv4_5tuple" -> "Ipv4_5tuple", "src_ip" -> "SrcIp" (kpgen's rule:
 * an underscore before a digit stays). */
static void camel(const char *in, char *o, size_t n)
{
	size_t k = 0;
	int up = 1;

	for (; *in && k + 1 < n; in++) {
		if (*in == '_' && !(in[1] >= '0' && in[1] <= '9')) {
			up = 1;
			continue;
		}
		o[k++] = up && *in >= 'a' && *in <= 'z' ? (char)(*in - 32) : *in;
		up = 0;
	}
	o[k] = '\0';
}

Test(kpgen, package_frame)
{
	cr_assert(strstr(pkg, "package pnic_cfg_pkg;\n"), "%s", pkg);
	cr_assert(strstr(pkg, "\nendpackage\n"), "%s", pkg);
	cr_assert(strstr(pkg, "Do not edit"), "%s", pkg);
}

Test(kpgen, every_builtin_profile)
{
	char pn[64], fn[64];

	cr_assert_eq(param("NumKeyProfiles"), (long)key_profile_builtin_count());
	cr_assert_geq(key_profile_builtin_count(), 3u);
	for (unsigned i = 0; i < key_profile_builtin_count(); i++) {
		const struct key_profile *p = key_profile_builtin_at(i);

		camel(p->name, pn, sizeof pn);
		cr_assert_eq(param("KeyWidth%s", pn), (long)p->key_bits, "%s", p->name);
		for (unsigned j = 0; j < p->n_fields; j++) {
			camel(key_profile_field_name(p->fields[j].id), fn, sizeof fn);
			cr_assert_eq(param("Key%s%sOff", pn, fn), (long)p->fields[j].offset,
				     "%s.%s", p->name, fn);
			cr_assert_eq(param("Key%s%sWidth", pn, fn), (long)p->fields[j].width,
				     "%s.%s", p->name, fn);
		}
	}
	/* the three the cosim and the docs name */
	cr_assert_eq(param("KeyWidthDefault"), (long)key_profile_default()->key_bits);
	cr_assert_eq(param("KeyWidthIpv4_5tuple"), (long)key_profile_ipv4_5tuple()->key_bits);
	cr_assert_eq(param("KeyWidthIpv4Flow"), (long)key_profile_ipv4_flow()->key_bits);
}

Test(kpgen, action_word_offsets_match_action_h)
{
	static const struct { const char *name; long off; } f[] = {
		{ "Kind", ACTW_KIND_OFF }, { "Vpid", ACTW_VPID_OFF },
		{ "Mirror", ACTW_MIRROR_OFF }, { "MirrorVpid", ACTW_MIRROR_VPID_OFF },
		{ "VlanOp", ACTW_VLAN_OP_OFF }, { "VlanTci", ACTW_VLAN_TCI_OFF },
		{ "TunnelOp", ACTW_TUNNEL_OP_OFF }, { "EncapId", ACTW_ENCAP_ID_OFF },
		{ "DecTtl", ACTW_DEC_TTL_OFF }, { "SetDscp", ACTW_SET_DSCP_OFF },
		{ "Dscp", ACTW_DSCP_OFF }, { "Count", ACTW_COUNT_OFF },
		{ "AgeClass", ACTW_AGE_CLASS_OFF }, { "NotifyEnd", ACTW_NOTIFY_END_OFF },
		{ "Hold", ACTW_HOLD_OFF },
	};
	long sum = 0;

	cr_assert_eq(param("ActionWidth"), ACTION_WORD_BITS);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		long next = i + 1 < sizeof f / sizeof f[0] ? f[i + 1].off : ACTION_WORD_BITS;

		cr_assert_eq(param("Act%sOff", f[i].name), f[i].off, "%s", f[i].name);
		cr_assert_eq(param("Act%sWidth", f[i].name), next - f[i].off, "%s", f[i].name);
		sum += param("Act%sWidth", f[i].name);
	}
	cr_assert_eq(sum, ACTION_WORD_BITS, "fields do not tile the word");
	cr_assert_eq(param("ActKindWidth"), ACTW_KIND_W);
	cr_assert_eq(param("ActVpidWidth"), ACTW_VPID_W);
	cr_assert_eq(param("ActMirrorVpidWidth"), ACTW_VPID_W);
	cr_assert(strstr(pkg, "localparam int VpidWidth = ActVpidWidth;"), "%s", pkg);
}

static uint64_t bits(const struct action_word *w, long off, long width)
{
	uint64_t v = 0;

	for (long b = 0; b < width; b++)
		v |= ((w->w[(off + b) / 64] >> ((off + b) % 64)) & 1) << b;
	return v;
}

/* The package's offsets and widths read action_pack()'s word back. */
Test(kpgen, action_pack_agrees_with_the_package)
{
	const struct pnic_action a = {
		.kind = ACT_TO_HOST, .vpid = 0xbeef, .mirror = true,
		.mirror_vpid = 0x9234, .vlan_op = VLAN_OP_REWRITE,
		.vlan_tci = 0xabcd, .tunnel_op = TUNNEL_OP_VXLAN_ENCAP,
		.encap_id = 0xa5, .dec_ttl = true, .set_dscp = true,
		.dscp = 0x2b, .count = true, .age_class = 2, .notify_end = true,
	};
	struct action_word w;

#define FIELD(n) bits(&w, param("Act" n "Off"), param("Act" n "Width"))
	action_pack(&a, &w);
	cr_assert_eq(FIELD("Kind"), a.kind);
	cr_assert_eq(FIELD("Vpid"), a.vpid);
	cr_assert_eq(FIELD("Mirror"), 1u);
	cr_assert_eq(FIELD("MirrorVpid"), a.mirror_vpid);
	cr_assert_eq(FIELD("VlanOp"), a.vlan_op);
	cr_assert_eq(FIELD("VlanTci"), a.vlan_tci);
	cr_assert_eq(FIELD("TunnelOp"), a.tunnel_op);
	cr_assert_eq(FIELD("EncapId"), a.encap_id);
	cr_assert_eq(FIELD("DecTtl"), 1u);
	cr_assert_eq(FIELD("SetDscp"), 1u);
	cr_assert_eq(FIELD("Dscp"), a.dscp);
	cr_assert_eq(FIELD("Count"), 1u);
	cr_assert_eq(FIELD("AgeClass"), a.age_class);
	cr_assert_eq(FIELD("NotifyEnd"), 1u);
#undef FIELD
	/* nothing above the word */
	cr_assert_eq(bits(&w, ACTION_WORD_BITS, 128 - ACTION_WORD_BITS), 0u);
}

Test(kpgen, lookup_core_ports_and_ops)
{
	char want[128];
	static const struct { const char *name; int op; } ops[] = {
		{ "CfgNop", LC_OP_NOP }, { "CfgTcamWrite", LC_OP_TCAM_WRITE },
		{ "CfgTcamInvalidate", LC_OP_TCAM_INVALIDATE },
		{ "CfgActionWrite", LC_OP_ACTION_WRITE },
		{ "CfgMapWrite", LC_OP_MAP_WRITE }, { "CfgMapClear", LC_OP_MAP_CLEAR },
	};

	cr_assert_eq(param("CfgOpWidth"), LC_OP_BITS);
	cr_assert_eq(param("CfgIndexWidth"), LC_INDEX_BITS);
	cr_assert_eq(param("PpidWidth"), LC_PPID_BITS);
	cr_assert_eq(param("TagWidth"), LC_TAG_BITS);
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		snprintf(want, sizeof want, "localparam logic [%d:0] %s = %d'd%d;\n",
			 LC_OP_BITS - 1, ops[i].name, LC_OP_BITS, ops[i].op);
		cr_assert(strstr(pkg, want), "no '%s' in the package", want);
	}
}

/* The limits the RTL checks its parameters against are the C model's. */
Test(kpgen, limits_match_the_c_headers)
{
	cr_assert_eq(param("KeyMaxBits"), PNIC_KEY_MAX_BITS);
	cr_assert_eq(param("TcamMinDepth"), TCAM_MIN_DEPTH);
	cr_assert_eq(param("TcamMaxDepth"), TCAM_MAX_DEPTH);
	cr_assert_eq(param("LookupCoreMaxDepth"), (long)LOOKUP_CORE_MAX_DEPTH);
	cr_assert_eq(param("LookupCoreRtlMaxDepth"), (long)LOOKUP_CORE_RTL_MAX_DEPTH);
	cr_assert_eq(param("LookupCoreDefaultVpids"), (long)LOOKUP_CORE_DEFAULT_VPIDS);
	cr_assert_eq(param("VpidMapMaxVpids"), VPID_MAP_MAX_VPIDS);
	/* and hold together as the RTL needs: an index on cfg_index_i, a VPID
	 * in the action's field */
	cr_assert_eq(param("LookupCoreMaxDepth"), 1L << param("CfgIndexWidth"));
	cr_assert_leq(param("LookupCoreRtlMaxDepth"), param("LookupCoreMaxDepth"));
	cr_assert_leq(param("VpidMapMaxVpids"), 1L << param("ActVpidWidth"));
	cr_assert_leq(param("LookupCoreDefaultVpids"), param("VpidMapMaxVpids"));
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		cr_assert_leq(key_profile_builtin_at(i)->key_bits, param("KeyMaxBits"));
}

Test(kpgen, stdout_is_the_same_package)
{
	static char so[65536];

	cr_assert_eq(run_tool("kpgen", "2>/dev/null", so, sizeof so), 0, "%s", so);
	cr_assert_str_eq(so, pkg);
}

/* A usage error is the fault and where help is, not the help. */
Test(kpgen, bad_arguments_refused)
{
	char args[256], path[256];

	cr_assert_eq(run_tool("kpgen", "--help", out, sizeof out), 0, "%s", out);
	cr_assert(strstr(out, "usage: kpgen [-o FILE]"), "%s", out);
	cr_assert_eq(run_tool("kpgen", "--frob", out, sizeof out), 2, "%s", out);
	cr_assert_str_eq(out, "kpgen: unknown option '--frob'\n"
			      "Try 'kpgen --help' for more information.\n");
	cr_assert_eq(run_tool("kpgen", "-o", out, sizeof out), 2, "%s", out);
	cr_assert_str_eq(out, "kpgen: option '-o' needs a value\n"
			      "Try 'kpgen --help' for more information.\n");
	cr_assert_eq(run_tool("kpgen", "extra", out, sizeof out), 2, "%s", out);
	cr_assert_str_eq(out, "kpgen: unexpected argument 'extra'\n"
			      "Try 'kpgen --help' for more information.\n");
	snprintf(args, sizeof args, "-o %s/no/such/pkg.sv", dir);
	cr_assert_eq(run_tool("kpgen", args, out, sizeof out), 1, "%s", out);
	cr_assert(strstr(out, "cannot write"), "%s", out);
	snprintf(path, sizeof path, "%s/no/such/pkg.sv", dir);
	cr_assert(!tu_exists(path));
}
