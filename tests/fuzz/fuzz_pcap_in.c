/* Fuzz the capture reader and the datapath behind it: the input bytes are
 * a capture file (pcap or pcapng, any link type), opened by libpcap from a
 * memory stream through pcap_in_fopen(), and every packet it yields runs
 * through a small NIC with editing actions.  Checked: no crash, no
 * out-of-bounds access (ASan), every yielded frame has caplen <= len, a
 * damaged file's error names it, and the datapath accounts for every
 * packet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/nic.h"
#include "io/pcap_in.h"

static struct nic *nic;

static void sink(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		 uint32_t caplen, uint32_t len)
{
	volatile uint8_t x = 0;

	(void)ctx;
	(void)o;
	for (uint32_t i = 0; i < caplen; i++)
		x ^= frame[i];
	if (len < caplen)
		abort();
}

static void entry(uint32_t index, enum key_profile_field_id id, uint64_t v, uint64_t m,
		  const struct pnic_action *a)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE, .entry.index = index };
	struct key_profile_fields fv, fm;

	memset(&fv, 0, sizeof fv);
	memset(&fm, 0, sizeof fm);
	key_profile_set(&fv, id, v);
	key_profile_set(&fm, id, m);
	key_profile_pack(key_profile_default(), &fv, &c.entry.value);
	key_profile_pack(key_profile_default(), &fm, &c.entry.mask);
	action_pack(a, &c.entry.action);
	if (nic_apply(nic, &c, NULL, NULL))
		abort();
}

/* Built once; the NIC lives as long as the process. */
static void setup(void)
{
	struct nic_params np = { .profile = key_profile_default(), .depth = 16,
				 .n_ports = 4, .n_vpids = 4, .out = sink };
	struct pnic_action tcp = { .kind = ACT_FORWARD, .vpid = 1, .dec_ttl = true,
				   .set_dscp = true, .dscp = 5, .mirror = true,
				   .mirror_vpid = 2, .count = true };
	struct pnic_action udp = { .kind = ACT_FORWARD, .vpid = 2,
				   .vlan_op = VLAN_OP_PUSH, .vlan_tci = 3 };
	struct pnic_action vni = { .kind = ACT_FORWARD, .vpid = 3,
				   .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
	struct pnic_action pop = { .kind = ACT_FORWARD, .vpid = 1,
				   .vlan_op = VLAN_OP_POP };

	if (nic_create(&np, &nic, NULL))
		abort();
	for (uint32_t v = 1; v < 4; v++)
		if (nic_apply(nic, &(struct nic_cmd){ .op = NIC_OP_MAP_SET,
						      .map = { v, v } }, NULL, NULL))
			abort();
	entry(0, KP_VNI, 1, 1, &vni);
	entry(1, KP_VLAN_VID, 0x800, 0x800, &pop);
	entry(2, KP_IP_PROTO, 6, 0xff, &tcp);
	entry(3, KP_IP_PROTO, 17, 0xff, &udp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	uint64_t before, n = 0;
	FILE *f;
	int rc;

	if (!nic)
		setup();
	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (pcap_in_fopen(f, "fuzz", &in, &err))
		return 0;
	before = datapath_stats(nic_datapath(nic))->packets;
	while ((rc = pcap_in_next(in, &pkt, &err)) == 1) {
		if (pkt.caplen > pkt.len || pkt.number != n + 1)
			abort();
		nic_process(nic, (uint32_t)(n % 5), pkt.frame, pkt.caplen,
			    pkt.len, pkt.ts_ns);
		n++;
	}
	if (rc < 0 && !strstr(err.msg, "fuzz"))
		abort();
	if (datapath_stats(nic_datapath(nic))->packets - before != n)
		abort();
	pcap_in_close(in);
	return 0;
}
