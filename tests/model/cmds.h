/* NIC commands for the tests: a VXLAN encap template the editor takes
 * (Ethernet / IPv4 / UDP 4789 / VXLAN, VNI 5000), and an entry matching a
 * TCP/UDP destination port in the ipv4_5tuple profile.  Shared by the
 * NIC, command, lookup core, pipeline and pcap reader tests. */
#ifndef PNIC_TEST_CMDS_H
#define PNIC_TEST_CMDS_H

#include <stdint.h>
#include <string.h>

#include "model/encap.h"
#include "model/key_profile.h"
#include "model/nic_cmd.h"

static const struct encap_template tc_vxlan_template = { .len = 50, .bytes = {
	2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
	0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
	192, 0, 2, 1, 192, 0, 2, 2,
	0, 0, 0x12, 0xb5, 0, 0, 0, 0,
	0x08, 0, 0, 0, 0, 0x13, 0x88, 0 } };

static inline struct nic_cmd tc_template_set(uint8_t id)
{
	return (struct nic_cmd){ .op = NIC_OP_TEMPLATE_SET,
				 .tpl = { id, tc_vxlan_template } };
}

/* ENTRY_WRITE of entry `index`: destination port dport, action word w. */
static inline struct nic_cmd tc_entry_dport(uint32_t index, uint16_t dport,
					    struct action_word w)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE, .entry.index = index,
			     .entry.action = w };
	struct key_profile_fields v, m;

	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set(&v, KP_L4_DST, dport);
	key_profile_set(&m, KP_L4_DST, 0xffff);
	key_profile_pack(key_profile_ipv4_5tuple(), &v, &c.entry.value);
	key_profile_pack(key_profile_ipv4_5tuple(), &m, &c.entry.mask);
	return c;
}

#endif
