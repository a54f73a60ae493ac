/* The static host program in a loopback (tests/mbox_rig.h): a NIC in
 * process behind a mailbox device, its to-host packets posted as miss
 * events, the driver's registers straight to the device.  A miss is
 * installed as an exact-match entry and sent back out; the next packet of
 * the flow hits; a to-host action is not installed; a full table is
 * counted and the packet-outs go on; the CPU costs add up. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "host/mbox_drv.h"
#include "host/static_prog.h"
#include "model/key_builder.h"
#include "model/mbox_dev.h"
#include "model/nic.h"
#include "model/tcam.h"
#include "tests/mbox_rig.h"
#include "tests/model/frames.h"

#define DEPTH 16
#define KB 104
#define MEM (4u << 20)

static struct mbox_mem mem;
static struct nic *nic;
static struct mbox_dev *dev;
static struct mbox_drv *drv;
static struct static_prog *sp;
static unsigned egress[4], packet_outs, hits;
static uint64_t spent;
static struct static_prog_handled last;
static unsigned n_handled;

static int wait_cb(void *ctx)
{
	struct mbox_completion c[16];

	(void)ctx;
	mbox_dev_service(dev, 16);
	mbox_drv_poll_completions(drv, c, 16);
	return 0;
}

static void out(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		uint32_t caplen, uint32_t len)
{
	struct mbox_event ev = { .type = MBOX_EV_MISS, .reason = (uint8_t)o->host,
				 .in_ppid = (uint16_t)o->in_port, .frame = frame,
				 .caplen = caplen, .len = len, .key_bits = KB };
	struct parser_result pr;

	(void)ctx;
	if (o->kind == DP_OUT_TO_HOST) {
		parser_parse(frame, caplen, len, &pr);
		key_builder_build(key_profile_ipv4_5tuple(), &pr,
				  (uint16_t)o->in_port, &ev.key);
		cr_assert_eq(mbox_dev_event(dev, &ev), 0);
	} else if (o->kind == DP_OUT_EGRESS) {
		egress[o->ppid]++;
		if (o->entry == TCAM_MISS)
			packet_outs++;
		else
			hits++;
	}
}

static void spend(void *ctx, uint64_t ns)
{
	(void)ctx;
	spent += ns;
}

static void handled(void *ctx, const struct static_prog_handled *h)
{
	(void)ctx;
	last = *h;
	n_handled++;
}

static void setup(void)
{
	struct mbox_drv_params p = {
		.mem_dma = MEM_DMA, .mem_bytes = MEM, .bar_write = rig_bar_write,
		.bar_read = rig_bar_read, .wait = wait_cb, .wait_max = 1000,
	};
	struct nic_cmd map = { .op = NIC_OP_MAP_SET, .map = { 5, 2 } };
	struct nic_cmd_sink s;
	struct pnic_error err;

	mem_init(&mem, MEM);
	mbox_rig(&mem, DEPTH, out, rig_nic_apply, NULL, &nic, &dev);
	p.mem = mem.bytes;
	p.ctx = dev;
	cr_assert_eq(mbox_drv_create(&p, &drv, &err), 0, "%s", err.msg);
	s = mbox_drv_sink(drv);
	cr_assert_eq(nic_cmd_submit(&s, &map, NULL, &err), 0, "%s", err.msg);
	memset(egress, 0, sizeof egress);
	packet_outs = hits = n_handled = 0;
	spent = 0;
}

static void teardown(void)
{
	static_prog_destroy(sp);
	sp = NULL;
	mbox_drv_destroy(drv);
	mbox_dev_destroy(dev);
	nic_destroy(nic);
	mem_free(&mem);
}

TestSuite(static_prog, .init = setup, .fini = teardown);

static void start(uint32_t first, bool install)
{
	struct static_prog_params p = {
		.drv = drv, .key_bits = KB, .depth = DEPTH, .first_index = first,
		.action = { .kind = ACT_FORWARD, .vpid = 5 }, .out_ppid = 2,
		.install = install, .spend = spend, .handled = handled,
	};
	struct pnic_error err;

	static_prog_costs_default(&p.costs);
	cr_assert_eq(static_prog_create(&p, &sp, &err), 0, "%s", err.msg);
}

/* A packet of a flow into the NIC, then one pass of the host. */
static int packet(uint16_t sport, uint16_t dport)
{
	uint8_t f[128];
	unsigned n = udp_frame(f, sport, dport);
	struct pnic_error err;
	int rc;

	nic_process(nic, 0, f, n, n, 0);
	rc = static_prog_poll(sp, &err);
	cr_assert_geq(rc, 0, "%s", err.msg);
	wait_cb(NULL);
	return rc;
}

/* The entry at index matches all 104 key bits, no more. */
static void exact_entry_at(uint32_t index)
{
	const struct tcam *t = lookup_tcam(nic_lookup(nic));
	struct pnic_key v, m, want;

	cr_assert(tcam_read(t, index, &v, &m));
	key_zero(&want);
	key_put_u64(&want, 0, 64, UINT64_MAX);
	key_put_u64(&want, 64, KB - 64, UINT64_MAX);
	cr_assert(key_equal(&m, &want, PNIC_KEY_WORDS), "an exact mask over the key");
}

Test(static_prog, a_miss_is_installed_and_sent_out_and_the_flow_then_hits)
{
	struct static_prog_costs k;

	static_prog_costs_default(&k);
	start(3, true);
	cr_assert_eq(packet(1000, 2000), 1);
	cr_assert_eq(static_prog_stats(sp)->misses, 1);
	cr_assert_eq(static_prog_stats(sp)->installed, 1);
	cr_assert_eq(static_prog_stats(sp)->packet_outs, 1);
	cr_assert_eq(n_handled, 1);
	cr_assert(last.installed && last.packet_out);
	cr_assert_eq(last.index, 3, "the first index after the scenario's");
	cr_assert_eq(packet_outs, 1);
	cr_assert_eq(egress[2], 1, "the packet-out leaves by the VPID's PPID");
	cr_assert_eq(spent, (uint64_t)k.miss_ns + k.install_ns + k.packet_out_ns);
	exact_entry_at(3);
	cr_assert_eq(packet(1000, 2000), 0, "no event: the flow hits");
	cr_assert_eq(hits, 1);
	cr_assert_eq(egress[2], 2);
	/* Another flow misses on its own. */
	cr_assert_eq(packet(1001, 2000), 1);
	cr_assert_eq(last.index, 4);
}

Test(static_prog, a_full_table_is_counted_and_packet_outs_go_on)
{
	start(DEPTH - 1, true);
	packet(1, 2);
	packet(3, 4);
	packet(5, 6);
	cr_assert_eq(static_prog_stats(sp)->installed, 1);
	cr_assert_eq(static_prog_stats(sp)->table_full, 2);
	cr_assert_eq(static_prog_stats(sp)->packet_outs, 3);
	cr_assert_eq(packet_outs, 3);
}

Test(static_prog, install_off_counts_only)
{
	start(0, false);
	packet(1, 2);
	cr_assert_eq(static_prog_stats(sp)->misses, 1);
	cr_assert_eq(static_prog_stats(sp)->installed, 0);
	cr_assert_eq(packet_outs, 0);
	cr_assert_eq(spent, 1000);
}

Test(static_prog, a_to_host_action_is_not_installed)
{
	struct nic_cmd_sink s = mbox_drv_sink(drv);
	struct nic_cmd e = { .op = NIC_OP_ENTRY_WRITE };
	struct pnic_action a = { .kind = ACT_TO_HOST };
	struct pnic_error err;

	action_pack(&a, &e.entry.action);
	cr_assert_eq(nic_cmd_submit(&s, &e, NULL, &err), 0, "%s", err.msg);
	start(1, true);
	packet(1, 2);
	cr_assert_eq(static_prog_stats(sp)->to_host, 1);
	cr_assert_eq(static_prog_stats(sp)->misses, 0);
	cr_assert_eq(static_prog_stats(sp)->installed, 0);
}

Test(static_prog, bad_parameters_are_refused)
{
	struct static_prog_params p = { .drv = drv, .key_bits = 0, .depth = 16 };
	struct pnic_error err;

	cr_assert_eq(static_prog_create(&p, &sp, &err), -ERANGE);
	p.key_bits = KB;
	p.first_index = 17;
	cr_assert_eq(static_prog_create(&p, &sp, &err), -ERANGE);
	p.first_index = 0;
	p.action.kind = 3;
	cr_assert_eq(static_prog_create(&p, &sp, &err), -EINVAL);
	p.drv = NULL;
	cr_assert_eq(static_prog_create(&p, &sp, &err), -EINVAL);
	cr_assert_null(sp);
}
