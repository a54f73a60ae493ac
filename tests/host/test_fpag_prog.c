/* The FPAG as a host program over the mailbox, in a loopback: a NIC in
 * process behind a mailbox device (tests/mbox_rig.h's memory), its
 * to-host packets posted as MISS events and its datapath events as
 * FLOW_END events, the driver's registers straight to the device.  A miss
 * is offloaded and sent on, the flow then hits; a TCP connection's FINs
 * reach the FPAG as FLOW_END events and tear it down; a timed migration
 * runs when due, with its commands counted and numbered (one in VPID mode,
 * one per entry in PPID mode) and the flow's packets at the new PPID; bad
 * actions are refused at create. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "host/fpag_prog.h"
#include "host/mbox_drv.h"
#include "model/frame.h"
#include "model/mbox_dev.h"
#include "model/nic.h"
#include "model/proto.h"
#include "tests/host/vm_frames.h"
#include "tests/mbox_rig.h"

#define DEPTH 32
#define PORTS 4
#define MEM (4u << 20)

static struct mbox_mem mem;
static struct nic *nic;
static struct mbox_dev *dev;
static struct mbox_drv *drv;
static struct ruleset *rs;
static struct fpag_prog *fp;
static unsigned egress[PORTS], handled_n, done_n;
static struct fpag_prog_handled last_h;
static struct fpag_prog_done last_d;
static uint64_t now, spent;

static const struct fpag_vnic vnics[2] = {
	{ .id = 10, .mac = MAC(0), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 1), .ppid = 0 },
	{ .id = 11, .mac = MAC(1), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 2), .ppid = 1 },
};
static uint32_t at[2];

/* The ordering tests: the payload byte packets are numbered by, what
 * left by PPID 1 in order, and the landed markers the NIC raised while
 * the device applied commands (posted once the device's call returns). */
#define SEQ_AT 60
static uint8_t seq_out[32];
static unsigned n_seq;
static struct mbox_event markers[8];
static unsigned n_markers;

static void post_markers(void)
{
	for (unsigned i = 0; i < n_markers; i++)
		cr_assert_eq(mbox_dev_event(dev, &markers[i]), 0);
	n_markers = 0;
}

static int wait_cb(void *ctx)
{
	(void)ctx;
	mbox_dev_service(dev, 16);
	post_markers();
	return 0;
}

static void out_cb(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	struct mbox_event ev = { .type = MBOX_EV_MISS, .reason = (uint8_t)o->host,
				 .in_ppid = (uint16_t)o->in_port, .frame = frame,
				 .caplen = caplen, .len = len, .key_bits = 372 };

	(void)ctx;
	if (o->kind == DP_OUT_EGRESS && o->ppid < PORTS)
		egress[o->ppid]++;
	if (o->kind == DP_OUT_EGRESS && o->ppid == 1 && caplen > SEQ_AT &&
	    n_seq < sizeof seq_out)
		seq_out[n_seq++] = frame[SEQ_AT];
	if (o->kind == DP_OUT_TO_HOST)
		cr_assert_eq(mbox_dev_event(dev, &ev), 0);
}

static void event_cb(void *ctx, const struct datapath_event *e)
{
	struct mbox_event ev = { .type = MBOX_EV_FLOW_END, .entry = e->entry,
				 .in_ppid = (uint16_t)e->in_port };

	(void)ctx;
	if (e->type == DP_EV_LANDED) {
		cr_assert_lt(n_markers, 8);
		markers[n_markers++] = (struct mbox_event){ .type = MBOX_EV_LANDED,
							    .entry = e->entry, .gen = e->gen };
		return;
	}
	if (e->type != DP_EV_FLOW_END)
		return;
	ev.reason = (uint8_t)((e->tcp_flags & PROTO_TCP_FIN ? MBOX_FLOW_FIN : 0) |
			      (e->tcp_flags & PROTO_TCP_RST ? MBOX_FLOW_RST : 0));
	cr_assert_eq(mbox_dev_event(dev, &ev), 0);
}

static void spend_cb(void *ctx, uint64_t ns)
{
	(void)ctx;
	spent += ns;
}

/* The misses' event numbers as handled, and those the PACKET_OUTs were
 * posted for (the correctness oracle's link, host/oracle.h). */
static uint32_t h_seq[8], po_seq[8];
static unsigned n_po;

static void handled_cb(void *ctx, const struct fpag_prog_handled *h)
{
	(void)ctx;
	last_h = *h;
	if (handled_n < 8)
		h_seq[handled_n] = h->seq;
	handled_n++;
}

static void packet_out_cb(void *ctx, uint32_t seq, const struct nic_cmd *c)
{
	(void)ctx;
	cr_assert_eq(c->op, NIC_OP_PACKET_OUT);
	cr_assert_lt(n_po, 8);
	po_seq[n_po++] = seq;
}

static void done_cb(void *ctx, const struct fpag_prog_done *d)
{
	(void)ctx;
	last_d = *d;
	done_n++;
}

/* Allow TCP 80 statefully and UDP; routes: each VNIC's /32. */
static void make_rules(void)
{
	struct ruleset_params rp = { .fw_default_allow = false };
	struct ruleset_rule web = { .verdict = RULESET_ALLOW, .stateful = true,
				    .sport_hi = 65535, .dport_lo = 80, .dport_hi = 80,
				    .proto = PROTO_IP_TCP, .proto_mask = 0xff };
	struct ruleset_rule udp = { .verdict = RULESET_ALLOW, .sport_hi = 65535,
				    .dport_hi = 65535, .proto = PROTO_IP_UDP,
				    .proto_mask = 0xff };
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_create(&rp, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &web, &id, NULL, NULL, NULL, &err), 0);
	cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &udp, &id, NULL, NULL, NULL, &err), 0);
	for (uint32_t i = 0; i < 2; i++)
		cr_assert_eq(ruleset_l3_add(rs, ruleset_ip_v4(vnics[i].ipv4), 128, i,
					    &id, NULL, NULL, NULL, &err), 0, "%s", err.msg);
}

static void setup(void)
{
	struct nic_params np = { .profile = key_profile_default(), .depth = DEPTH,
				 .n_ports = PORTS, .n_vpids = 16, .out = out_cb,
				 .event = event_cb };
	struct mbox_dev_params dp = { .key_bits = 372, .dma_read = mem_dma_read,
				      .dma_write = mem_dma_write, .ctx = &mem };
	struct mbox_drv_params p = { .mem_dma = MEM_DMA, .mem_bytes = MEM,
				     .bar_write = rig_bar_write, .bar_read = rig_bar_read,
				     .wait = wait_cb, .wait_max = 1000 };
	struct pnic_error err;

	mem_init(&mem, MEM);
	cr_assert_eq(nic_create(&np, &nic, &err), 0, "%s", err.msg);
	dp.sink = (struct nic_cmd_sink){ rig_nic_apply, nic };
	cr_assert_eq(mbox_dev_create(&dp, &dev, &err), 0, "%s", err.msg);
	p.mem = mem.bytes;
	p.ctx = dev;
	cr_assert_eq(mbox_drv_create(&p, &drv, &err), 0, "%s", err.msg);
	make_rules();
	memset(egress, 0, sizeof egress);
	handled_n = done_n = n_seq = n_markers = n_po = 0;
	now = spent = 0;
	at[0] = vnics[0].ppid;
	at[1] = vnics[1].ppid;
}

static void teardown(void)
{
	fpag_prog_destroy(fp);
	fp = NULL;
	ruleset_destroy(rs);
	mbox_drv_destroy(drv);
	mbox_dev_destroy(dev);
	nic_destroy(nic);
	mem_free(&mem);
}

TestSuite(fpag_prog, .init = setup, .fini = teardown);

static void params(struct fpag_prog_params *p, enum fpag_flow_dest dest,
		   const struct fpag_prog_action *a, uint32_t n)
{
	*p = (struct fpag_prog_params){
		.drv = drv, .actions = a, .n_actions = n, .spend = spend_cb,
		.handled = handled_cb, .action_done = done_cb, .wait = wait_cb,
		.packet_out = packet_out_cb,
	};
	p->fpag = (struct fpag_params){
		.profile = key_profile_default(), .depth = DEPTH, .n_ports = PORTS,
		.vnics = vnics, .n_vnics = 2, .rules = rs, .flow_dest = dest,
		.shape = FPAG_SHAPE_EXACT,
	};
	fpag_costs_default(&p->fpag.costs);
}

static void start(enum fpag_flow_dest dest, const struct fpag_prog_action *a,
		  uint32_t n)
{
	struct fpag_prog_params p;
	struct pnic_error err;

	params(&p, dest, a, n);
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), 0, "%s", err.msg);
}

/* One poll of the host at `now`, then the device catches up. */
static int poll_at(uint64_t t)
{
	struct pnic_error err;
	int rc = fpag_prog_poll(fp, t, &err);

	cr_assert_geq(rc, 0, "%s", err.msg);
	wait_cb(NULL);
	return rc;
}

/* A 64-byte frame from VNIC s to VNIC d into the NIC, then a poll. */
static int send(unsigned s, unsigned d, uint8_t proto, uint16_t sport,
		uint16_t dport, uint8_t flags)
{
	uint8_t b[128];
	uint32_t n = vm_frame(b, s, d, vnics[s].ipv4, vnics[d].ipv4, proto, sport,
			      dport, flags);

	now += 1000;
	nic_process(nic, at[s], b, n, n, now);
	return poll_at(now);
}

Test(fpag_prog, a_miss_is_offloaded_and_sent_on_and_the_flow_then_hits)
{
	start(FPAG_DEST_VPID, NULL, 0);
	poll_at(0);   /* publishes the VPID map */
	cr_assert_eq(send(0, 1, PROTO_IP_UDP, 1000, 2000, 0), 1);
	cr_assert_eq(fpag_prog_stats(fp)->misses, 1);
	cr_assert_eq(handled_n, 1);
	cr_assert_eq(last_h.entry_writes, 1);
	cr_assert_eq(last_h.packet_outs, 1);
	cr_assert_eq(egress[1], 1, "the packet-out reaches VNIC 1's PPID");
	cr_assert_eq(n_po, 1);
	cr_assert_eq(po_seq[0], last_h.seq, "the packet-out names its miss");
	cr_assert_gt(spent, 0, "the FPAG's costs pass through");
	cr_assert_eq(send(0, 1, PROTO_IP_UDP, 1000, 2000, 0), 0, "no event: it hits");
	cr_assert_eq(egress[1], 2);
	poll_at(now);
	cr_assert_eq(fpag_prog_stats(fp)->cpl_errors, 0);
	cr_assert_eq(fpag_prog_stats(fp)->completions, fpag_prog_stats(fp)->posted);
}

Test(fpag_prog, flow_end_events_over_the_mailbox_tear_a_connection_down)
{
	start(FPAG_DEST_VPID, NULL, 0);
	poll_at(0);
	send(0, 1, PROTO_IP_TCP, 40000, 80, PROTO_TCP_SYN);
	send(1, 0, PROTO_IP_TCP, 80, 40000, PROTO_TCP_SYN | PROTO_TCP_ACK);
	send(0, 1, PROTO_IP_TCP, 40000, 80, PROTO_TCP_ACK);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->entries_live, 2);
	send(0, 1, PROTO_IP_TCP, 40000, 80, PROTO_TCP_FIN | PROTO_TCP_ACK);
	send(1, 0, PROTO_IP_TCP, 80, 40000, PROTO_TCP_FIN | PROTO_TCP_ACK);
	cr_assert_eq(fpag_prog_stats(fp)->flow_events, 2);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->teardowns, 1);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->entries_live, 0);
}

/* Two flows toward VNIC 1, then VNIC 1 moves to PPID 3 at t = 50 us. */
static void migrate(enum fpag_flow_dest dest, uint32_t want_cmds)
{
	struct fpag_prog_action a = { .at_ns = 50000, .op = FPAG_PROG_MIGRATE,
				      .vnic = 1, .ppid = 3 };
	uint64_t before;

	start(dest, &a, 1);
	poll_at(0);
	send(0, 1, PROTO_IP_UDP, 1000, 2000, 0);
	send(0, 1, PROTO_IP_UDP, 1001, 2000, 0);
	cr_assert_eq(fpag_prog_next_ns(fp), 50000);
	poll_at(49999);
	cr_assert_eq(done_n, 0, "not due yet");
	before = fpag_prog_stats(fp)->posted;
	poll_at(50000);
	cr_assert_eq(done_n, 1);
	cr_assert_eq(last_d.status, 0);
	cr_assert_eq(last_d.ran_ns, 50000);
	cr_assert_eq(last_d.cmds, want_cmds);
	cr_assert_eq(last_d.last_cmd, before + want_cmds);
	cr_assert_eq(fpag_prog_next_ns(fp), UINT64_MAX);
	at[1] = 3;
	now = 60000;
	cr_assert_eq(send(0, 1, PROTO_IP_UDP, 1000, 2000, 0), 0, "still a hit");
	cr_assert_eq(send(0, 1, PROTO_IP_UDP, 1001, 2000, 0), 0);
	cr_assert_eq(egress[3], 2, "both flows follow the VNIC");
}

Test(fpag_prog, a_timed_migration_is_one_command_with_vpids)
{
	migrate(FPAG_DEST_VPID, 1);
}

Test(fpag_prog, a_timed_migration_is_a_command_per_entry_with_ppids)
{
	migrate(FPAG_DEST_PPID, 2);
}

Test(fpag_prog, bad_actions_are_refused_at_create)
{
	struct fpag_prog_action a[2] = {
		{ .at_ns = 10, .vnic = 0, .ppid = 1 }, { .at_ns = 5, .vnic = 0, .ppid = 1 },
	};
	struct fpag_prog_params p;
	struct pnic_error err;

	params(&p, FPAG_DEST_VPID, a, 2);
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), -EINVAL);
	cr_assert(strstr(err.msg, "time order"), "%s", err.msg);
	a[1].at_ns = 20;
	a[1].vnic = 2;
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), -ERANGE);
	cr_assert(strstr(err.msg, "VNIC 2"), "%s", err.msg);
	a[1].vnic = 0;
	a[1].ppid = PORTS;
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), -ERANGE);
	cr_assert(strstr(err.msg, "PPID 4"), "%s", err.msg);
	p.drv = NULL;
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), -EINVAL);
	cr_assert_null(fp);
}

/* A timed rule change: the UDP flow's entry is revised when it runs (its
 * commands counted in the action), and the flow's next packet is dropped
 * on the NIC without a miss; a rule that is not there is refused,
 * reported, and the program goes on. */
Test(fpag_prog, a_timed_rule_change_revises_the_offloaded_flow)
{
	struct fpag_prog_action a[2] = {
		{ .at_ns = 50000, .op = FPAG_PROG_RULE_CHANGE, .rule_id = 1,
		  .rule = { .verdict = RULESET_DENY, .sport_hi = 65535, .dport_hi = 65535,
			    .proto = PROTO_IP_UDP, .proto_mask = 0xff } },
		{ .at_ns = 50000, .op = FPAG_PROG_RULE_REMOVE, .rule_id = 77 },
	};

	start(FPAG_DEST_VPID, a, 2);
	poll_at(0);
	send(0, 1, PROTO_IP_UDP, 1000, 2000, 0);
	cr_assert_eq(egress[1], 1);
	poll_at(50000);
	cr_assert_eq(done_n, 2);
	cr_assert_eq(fpag_prog_stats(fp)->actions_run, 2);
	cr_assert_eq(fpag_prog_stats(fp)->actions_refused, 1, "rule 77 is not there");
	cr_assert_eq(last_d.status, -ENOENT);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->rule_rewritten, 1);
	now = 60000;
	cr_assert_eq(send(0, 1, PROTO_IP_UDP, 1000, 2000, 0), 0, "no miss: the entry now drops");
	cr_assert_eq(egress[1], 1, "dropped");
}

/* ---- the ordering guarantee ------------------------------------------------ */

/* UDP packet seq from VNIC 0 to VNIC 1, into the NIC; no poll. */
static void wire(uint8_t seq)
{
	struct frame_ipv4 ip = { .ttl = 64, .proto = PROTO_IP_UDP };
	uint8_t b[128], dm[6], sm[6];
	struct frame_buf f;
	uint32_t l3, l4;

	mac_of(1, dm);
	mac_of(0, sm);
	put32(ip.src, vnics[0].ipv4);
	put32(ip.dst, vnics[1].ipv4);
	frame_init(&f, b, 64);
	frame_eth(&f, dm, sm, 0x0800);
	l3 = frame_ipv4(&f, &ip);
	l4 = frame_udp(&f, 1000, 2000);
	frame_fill(&f, 0, 64 - f.n);
	frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
	b[SEQ_AT] = seq;
	now += 100;
	nic_process(nic, at[0], b, f.n, f.n, now);
}

/* The device applies at most n commands, then posts the markers. */
static void apply(unsigned n)
{
	mbox_dev_service(dev, n);
	post_markers();
}

static void host_poll(void)
{
	struct pnic_error err;

	cr_assert_geq(fpag_prog_poll(fp, now, &err), 0, "%s", err.msg);
}

/* Packets 1 and 2 miss back to back and reach the host together; the
 * device applies the host's first two commands, packet 3 arrives, then
 * the device applies the rest; the host polls again (the marker, if
 * any), then packet 4.  What left by PPID 1, in order. */
static void round_trip_race(enum fpag_ordering mode)
{
	struct fpag_prog_params p;
	struct pnic_error err;

	params(&p, FPAG_DEST_VPID, NULL, 0);
	p.fpag.ordering = mode;
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), 0, "%s", err.msg);
	poll_at(0);
	wire(1);
	wire(2);
	host_poll();
	apply(2);
	wire(3);
	apply(16);
	host_poll();
	apply(16);
	host_poll();
	apply(16);
	wire(4);
	cr_assert_eq(fpag_prog_stats(fp)->cpl_errors, 0);
}

Test(fpag_prog, hold_keeps_a_racing_flow_in_arrival_order)
{
	round_trip_race(FPAG_ORDER_HOLD);
	cr_assert_eq(n_seq, 4, "each packet once");
	for (unsigned k = 0; k < 4; k++)
		cr_assert_eq(seq_out[k], k + 1, "position %u: packet %u", k, seq_out[k]);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->markers, 1);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->order_sent, 2);
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->installs, 1);
	cr_assert_eq(datapath_stats(nic_datapath(nic))->released, 1);
	cr_assert(last_h.queued, "the second miss waited for the marker");
	cr_assert_eq(handled_n, 2);
	cr_assert_eq(n_po, 2, "both sent on the marker");
	cr_assert_neq(h_seq[0], h_seq[1]);
	cr_assert_eq(po_seq[0], h_seq[0], "each queued packet-out names its own miss");
	cr_assert_eq(po_seq[1], h_seq[1]);
}

Test(fpag_prog, without_hold_the_racing_flow_is_reordered)
{
	static const uint8_t want[4] = { 1, 3, 2, 4 };

	round_trip_race(FPAG_ORDER_NONE);
	cr_assert_eq(n_seq, 4);
	cr_assert_arr_eq(seq_out, want, 4, "packet 3 overtakes packet 2");
}

/* VNIC 1 is declared to start later: a timed VNIC_START brings it up
 * with one command (its VPID's MAP_SET), and a MARK (a flood's, which is
 * traffic) runs with none and changes nothing. */
static struct fpag_vnic later[2];

Test(fpag_prog, a_timed_vnic_start_is_one_map_write)
{
	struct fpag_prog_action a[2] = {
		{ .at_ns = 40000, .op = FPAG_PROG_MARK },
		{ .at_ns = 50000, .op = FPAG_PROG_VNIC_START, .vnic = 1 },
	};
	struct fpag_prog_params p;
	struct pnic_error err;

	memcpy(later, vnics, sizeof later);
	later[1].later = true;
	params(&p, FPAG_DEST_VPID, a, 2);
	p.fpag.vnics = later;
	cr_assert_eq(fpag_prog_create(&p, &fp, &err), 0, "%s", err.msg);
	poll_at(0);
	send(0, 1, PROTO_IP_UDP, 1000, 2000, 0);
	cr_assert_eq(egress[1], 0, "not up yet");
	cr_assert_eq(fpag_stats(fpag_prog_fpag(fp))->no_dest, 1);
	poll_at(40000);
	cr_assert_eq(done_n, 1);
	cr_assert_eq(last_d.op, FPAG_PROG_MARK);
	cr_assert_eq(last_d.cmds, 0);
	cr_assert_eq(last_d.status, 0);
	poll_at(50000);
	cr_assert_eq(done_n, 2);
	cr_assert_eq(last_d.status, 0);
	cr_assert_eq(last_d.cmds, 1, "one MAP_SET");
	now = 60000;
	send(0, 1, PROTO_IP_UDP, 1000, 2000, 0);
	cr_assert_eq(egress[1], 1, "up: sent on and offloaded");
	cr_assert_eq(send(0, 1, PROTO_IP_UDP, 1000, 2000, 0), 0, "then a hit");
	cr_assert_eq(egress[1], 2);
}
