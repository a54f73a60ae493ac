/* The FPAG over a NIC in process: fpag_create (host/fpag_create.c): bad parameters refused with
 * what is wrong. */
#include "tests/host/fpag_rig.h"

Test(fpag, create_refuses_bad_params)
{
	struct fpag_vnic bad = vnics[0];
	struct fpag_params p = {
		.profile = key_profile_default(), .depth = DEPTH, .n_ports = PORTS,
		.vnics = &bad, .n_vnics = 1,
	};
	struct ruleset_params rp = { 0 };
	struct ruleset *r;
	struct fpag *f;
	struct pnic_error err;

	cr_assert_eq(ruleset_create(&rp, &r, &err), 0);
	cr_assert_eq(fpag_create(&p, &f, &err), -EINVAL, "no rules, no sink");
	p.rules = r;
	p.sink.submit = (int (*)(void *, const struct nic_cmd *, struct nic_cmd_result *,
				 struct pnic_error *))1;
	bad.ppid = PORTS;
	cr_assert_eq(fpag_create(&p, &f, &err), -ERANGE);
	cr_assert(strstr(err.msg, "PPID"));
	p.profile = key_profile_ipv4_5tuple();
	bad.ppid = 0;
	cr_assert_eq(fpag_create(&p, &f, &err), -EINVAL, "no ethertype in the key");
	fpag_destroy(NULL);
	ruleset_destroy(r);
}
