/* The NIC: built from its parameters, programmed only by commands, and
 * running packets through what the commands made. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/nic.h"
#include "tests/model/cmds.h"
#include "tests/model/frames.h"

#define MAX_OUT 8

static struct nic *nic;
static struct datapath_out out[MAX_OUT];
static unsigned n_out;

static void record(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	(void)ctx;
	(void)frame;
	(void)caplen;
	(void)len;
	cr_assert_lt(n_out, MAX_OUT);
	out[n_out++] = *o;
}

static void setup(void)
{
	struct nic_params p = { .profile = key_profile_ipv4_5tuple(), .depth = 16,
				.n_ports = 4, .n_vpids = 8, .out = record };
	struct pnic_error err;

	cr_assert_eq(nic_create(&p, &nic, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	nic_destroy(nic);
	nic = NULL;
}

TestSuite(nic, .init = setup, .fini = teardown);

static void apply(const struct nic_cmd *c)
{
	struct pnic_error err;

	cr_assert_eq(nic_apply(nic, c, NULL, &err), 0, "%s", err.msg);
}

static struct action_word act(struct pnic_action a)
{
	struct action_word w;

	action_pack(&a, &w);
	return w;
}

static const struct datapath_out *send(uint16_t dport)
{
	uint8_t f[64];
	unsigned n = udp_frame(f, 12345, dport);

	n_out = 0;
	nic_process(nic, 0, f, n, n, 1000);
	cr_assert_geq(n_out, 1);
	return &out[n_out - 1];
}

Test(nic, create_refuses_bad_params)
{
	struct nic_params p = { .profile = NULL, .depth = 16, .n_ports = 4,
				.n_vpids = 8 };
	struct nic *bad = (struct nic *)1;
	struct pnic_error err;

	cr_assert_eq(nic_create(&p, &bad, &err), -EINVAL);
	cr_assert_null(bad);
	cr_assert(strstr(err.msg, "key profile"), "%s", err.msg);
	p.profile = key_profile_default();
	p.n_ports = 0;
	cr_assert_lt(nic_create(&p, &bad, &err), 0);
	p.n_ports = 4;
	p.depth = 3;
	cr_assert_lt(nic_create(&p, &bad, &err), 0);
	p.depth = 16;
	p.policy.miss = (enum datapath_miss_policy)9;
	cr_assert_lt(nic_create(&p, &bad, &err), 0);
	cr_assert(strstr(err.msg, "miss policy 9"), "%s", err.msg);
	nic_destroy(NULL);
}

/* From an empty NIC to forwarding, through commands only. */
Test(nic, commands_program_the_tables)
{
	struct nic_cmd c;

	cr_assert_eq(send(80)->kind, DP_OUT_TO_HOST, "an empty NIC misses");
	c = tc_entry_dport(2, 80, act((struct pnic_action){ .kind = ACT_FORWARD, .vpid = 5 }));
	apply(&c);
	cr_assert_eq(send(80)->drop, DP_DROP_UNMAPPED_VPID);
	apply(&(struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { 5, 3 } });
	cr_assert_eq(send(80)->kind, DP_OUT_EGRESS);
	cr_assert_eq(out[0].ppid, 3);
	cr_assert_eq(out[0].entry, 2);

	/* a VM migration: one map write moves every flow that names VPID 5 */
	apply(&(struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { 5, 1 } });
	cr_assert_eq(send(80)->ppid, 1);

	c = (struct nic_cmd){ .op = NIC_OP_ACTION_WRITE,
			      .action = { 2, act((struct pnic_action){ .kind = ACT_TO_HOST }) } };
	apply(&c);
	cr_assert_eq(send(80)->host, DP_HOST_ACTION);

	apply(&(struct nic_cmd){ .op = NIC_OP_ENTRY_INVALIDATE, .index = 2 });
	cr_assert_eq(send(80)->host, DP_HOST_MISS);

	apply(&(struct nic_cmd){ .op = NIC_OP_MAP_CLEAR, .map = { 5, 0 } });
	cr_assert_eq(lookup_map_read(nic_lookup(nic), 5), VPID_UNMAPPED);
}

Test(nic, config_sets_the_policies)
{
	struct nic_cmd c = { .op = NIC_OP_CONFIG,
			     .config = { DP_MISS_DROP, DP_PERR_LOOKUP,
					 VPID_UNMAPPED_TO_HOST } };
	struct nic_cmd e = tc_entry_dport(0, 80, act((struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 6 }));

	apply(&c);
	cr_assert_eq(send(80)->drop, DP_DROP_MISS);
	apply(&e);
	cr_assert_eq(send(80)->host, DP_HOST_UNMAPPED_VPID);
}

Test(nic, counter_read_returns_the_flow_counters)
{
	struct flow_counter fc[3];
	struct nic_cmd_result res;
	struct nic_cmd c = tc_entry_dport(5, 53, act((struct pnic_action){
		.kind = ACT_DROP, .count = true }));
	struct pnic_error err;

	apply(&c);
	send(53);
	send(53);
	memset(fc, 0xff, sizeof fc);
	c = (struct nic_cmd){ .op = NIC_OP_COUNTER_READ, .counters = { 4, 3, fc } };
	cr_assert_eq(nic_apply(nic, &c, &res, &err), 0, "%s", err.msg);
	cr_assert_eq(res.status, 0);
	cr_assert_eq(res.count, 3);
	cr_assert_eq(fc[0].packets, 0);
	cr_assert_eq(fc[1].packets, 2);
	cr_assert_eq(fc[1].bytes, 120);
	cr_assert_eq(fc[1].last_hit, 1000);
	cr_assert_eq(fc[2].packets, 0);
}

Test(nic, template_set_reaches_the_editor)
{
	struct nic_cmd t = tc_template_set(9);
	struct nic_cmd e = tc_entry_dport(1, 4000, act((struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 2, .tunnel_op = TUNNEL_OP_VXLAN_ENCAP,
		.encap_id = 9 }));

	apply(&(struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { 2, 2 } });
	apply(&e);
	cr_assert_eq(send(4000)->drop, DP_DROP_EDIT, "no template yet");
	apply(&t);
	cr_assert_not_null(lookup_template(nic_lookup(nic), 9));
	cr_assert_eq(send(4000)->kind, DP_OUT_EGRESS);
	cr_assert_eq(datapath_stats(nic_datapath(nic))->edit.ops[EDIT_OP_ENCAP], 1);
}

/* The one apply, on blocks that no NIC owns (as the pipeline calls it on
 * its lookup core's tables and its own datapath). */
Test(nic, apply_valid_on_loose_blocks)
{
	struct lookup_params lp = { .depth = 16, .key_bits = 104, .n_vpids = 8,
				    .n_ppids = 4 };
	struct datapath_params dpp = { .profile = key_profile_ipv4_5tuple(),
				       .out = record };
	struct nic_cmd m = { .op = NIC_OP_MAP_SET, .map = { 3, 1 } };
	struct nic_cmd c = { .op = NIC_OP_CONFIG,
			     .config = { DP_MISS_DROP, DP_PERR_DROP,
					 VPID_UNMAPPED_TO_HOST } };
	struct flow_counter fc[2];
	struct nic_cmd r = { .op = NIC_OP_COUNTER_READ, .counters = { 0, 2, fc } };
	uint8_t f[64];
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT,
			      .packet = { 2, udp_frame(f, 12345, 7), f } };
	struct lookup *lk;
	struct datapath *dp;
	struct pnic_error err;

	cr_assert_eq(lookup_create(&lp, &lk, &err), 0, "%s", err.msg);
	dpp.lookup = lk;
	cr_assert_eq(datapath_create(&dpp, &dp, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_apply_valid(lk, dp, &m), 0);
	cr_assert_eq(lookup_map_read(lk, 3), 1);
	cr_assert_eq(nic_apply_valid(lk, dp, &c), 0);
	cr_assert_eq(datapath_stats(dp)->packets, 0);
	cr_assert_eq(nic_apply_valid(lk, dp, &r), 2, "COUNTER_READ's count");
	n_out = 0;
	cr_assert_eq(nic_apply_valid(lk, dp, &po), 0);
	cr_assert_eq(n_out, 1);
	cr_assert_eq(out[0].kind, DP_OUT_EGRESS);
	cr_assert_eq(out[0].ppid, 2);
	cr_assert_eq(datapath_stats(dp)->packet_outs, 1);
	f[36] = 0;
	f[37] = 9;
	datapath_process(dp, 0, f, 60, 60, 0);
	cr_assert_eq(out[1].kind, DP_OUT_DROP);
	cr_assert_eq(out[1].drop, DP_DROP_MISS, "the CONFIG's miss policy");
	datapath_destroy(dp);
	lookup_destroy(lk);
}

/* A refused command changes nothing, and says what was wrong. */
Test(nic, refused_commands_change_nothing)
{
	struct nic_cmd good = tc_entry_dport(3, 80, act((struct pnic_action){
		.kind = ACT_TO_HOST }));
	struct nic_cmd bad = tc_entry_dport(3, 81, act((struct pnic_action){
		.kind = ACT_TO_HOST }));
	struct nic_cmd_result res = { .status = 1, .count = 7 };
	struct pnic_error err;

	apply(&good);
	bad.entry.action.w[0] |= 3;
	cr_assert_eq(nic_apply(nic, &bad, &res, &err), -EINVAL);
	cr_assert(strstr(err.msg, "entry_write: action kind 3"), "%s", err.msg);
	cr_assert_eq(res.status, -EINVAL);
	cr_assert_eq(res.count, 0);
	cr_assert_eq(send(80)->host, DP_HOST_ACTION, "the old entry stays");
	cr_assert_eq(send(81)->host, DP_HOST_MISS);

	cr_assert_eq(nic_apply(nic, &(struct nic_cmd){ .op = NIC_OP_MAP_SET,
						       .map = { 1, 4 } }, NULL, &err),
		     -ERANGE);
	cr_assert_eq(lookup_map_read(nic_lookup(nic), 1), VPID_UNMAPPED);
	cr_assert_eq(nic_apply(nic, &(struct nic_cmd){ .op = 77 }, NULL, NULL), -EINVAL);
}

/* The in-process sink is nic_apply(). */
Test(nic, sink_applies_in_process)
{
	struct nic_cmd_sink s = nic_sink(nic);
	struct nic_cmd c = tc_entry_dport(0, 80, act((struct pnic_action){
		.kind = ACT_DROP }));
	struct pnic_error err;

	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(send(80)->drop, DP_DROP_ACTION);
	c.entry.index = 16;
	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), -ERANGE);
}

/* nic_process_burst is the datapath's burst: same answers as one by one. */
Test(nic, burst_runs_the_datapath)
{
	struct nic_cmd e = tc_entry_dport(0, 80, act((struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1 }));
	uint8_t f[3][64];
	struct datapath_pkt pk[3];

	apply(&(struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { 1, 2 } });
	apply(&e);
	for (unsigned i = 0; i < 3; i++) {
		unsigned n = udp_frame(f[i], 12345, i == 1 ? 81 : 80);

		pk[i] = (struct datapath_pkt){ f[i], n, n, i };
	}
	n_out = 0;
	nic_process_burst(nic, 0, pk, 3);
	cr_assert_eq(n_out, 3);
	cr_assert_eq(out[0].kind, DP_OUT_EGRESS);
	cr_assert_eq(out[1].kind, DP_OUT_TO_HOST);
	cr_assert_eq(out[2].ppid, 2);
	cr_assert_eq(datapath_stats(nic_datapath(nic))->hits, 2);
}

/* PACKET_OUT: the frame leaves the PPID as it is, counted apart from
 * arrivals; a bad one is refused with nothing sent. */
Test(nic, packet_out_leaves_as_it_is)
{
	uint8_t f[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6,
			  0x08, 0x00 };
	struct nic_cmd c = { .op = NIC_OP_PACKET_OUT,
			     .packet = { .ppid = 2, .len = sizeof f, .frame = f } };
	const struct datapath_stats *st = datapath_stats(nic_datapath(nic));
	struct pnic_error err;

	apply(&c);
	cr_assert_eq(n_out, 1);
	cr_assert_eq(out[0].kind, DP_OUT_EGRESS);
	cr_assert_eq(out[0].ppid, 2);
	cr_assert_eq(out[0].entry, TCAM_MISS);
	cr_assert_null(out[0].lookup);
	cr_assert_eq(st->packet_outs, 1);
	cr_assert_eq(st->packets, 0);
	cr_assert_eq(datapath_port_stats(nic_datapath(nic), 2).tx_bytes, sizeof f);

	c.packet.ppid = 4;
	cr_assert_eq(nic_apply(nic, &c, NULL, &err), -ERANGE);
	cr_assert(strstr(err.msg, "packet_out: PPID 4"), "%s", err.msg);
	c.packet.ppid = 0;
	c.packet.len = 13;
	cr_assert_eq(nic_apply(nic, &c, NULL, &err), -ERANGE);
	c.packet.len = NIC_PACKET_OUT_MAX_LEN + 1;
	cr_assert_eq(nic_apply(nic, &c, NULL, &err), -ERANGE);
	c.packet.len = 64;
	c.packet.frame = NULL;
	cr_assert_eq(nic_apply(nic, &c, NULL, &err), -EINVAL);
	cr_assert_eq(n_out, 1, "nothing refused was sent");
}

/* ---- flow end and aging ------------------------------------------------ */

#define MAX_EV 16
static struct datapath_event evs[MAX_EV];
static unsigned n_ev;
static bool retry_aged;   /* no room for AGED events: retried (at time 0) */

static void on_event(void *ctx, const struct datapath_event *ev)
{
	(void)ctx;
	cr_assert_lt(n_ev, MAX_EV);
	evs[n_ev++] = *ev;
	if (retry_aged && ev->type == DP_EV_AGED)
		datapath_age_retry((struct datapath *)nic_datapath(nic), ev->entry, 0);
}

static void setup_events(void)
{
	struct nic_params p = { .profile = key_profile_ipv4_5tuple(), .depth = 16,
				.n_ports = 4, .n_vpids = 8, .out = record,
				.event = on_event };
	struct pnic_error err;

	n_ev = 0;
	cr_assert_eq(nic_create(&p, &nic, &err), 0, "%s", err.msg);
}

TestSuite(nic_events, .init = setup_events, .fini = teardown);

static void send_tcp(uint16_t dport, uint8_t flags, uint64_t ts)
{
	struct fb f = { .n = 0 };
	uint32_t ip;

	fb_eth(&f, PROTO_ETH_P_IPV4);
	ip = fb_ipv4(&f, PROTO_IP_TCP, 0x0a000001, 0x0a000002, 0, 0);
	fb_tcp(&f, 40000, dport, flags, 0);
	fb_ipv4_fix(&f, ip);
	n_out = 0;
	nic_process(nic, 1, f.b, f.n, f.n < 60 ? 60 : f.n, ts);
}

static void forward_entry(uint32_t index, uint16_t dport, uint8_t age_class,
			  bool notify_end)
{
	struct nic_cmd c = tc_entry_dport(index, dport,
		act((struct pnic_action){ .kind = ACT_FORWARD, .vpid = 2,
					  .age_class = age_class,
					  .notify_end = notify_end }));
	struct nic_cmd m = { .op = NIC_OP_MAP_SET, .map = { 2, 3 } };

	apply(&m);
	apply(&c);
}

Test(nic_events, fin_and_rst_on_a_notify_entry_raise_flow_end)
{
	forward_entry(4, 80, 0, true);
	forward_entry(5, 81, 0, false);
	send_tcp(80, PROTO_TCP_SYN | PROTO_TCP_ACK, 10);
	cr_assert_eq(n_ev, 0, "no event without FIN or RST");
	send_tcp(80, PROTO_TCP_FIN | PROTO_TCP_ACK, 20);
	cr_assert_eq(n_ev, 1);
	cr_assert_eq(evs[0].type, DP_EV_FLOW_END);
	cr_assert_eq(evs[0].entry, 4);
	cr_assert_eq(evs[0].in_port, 1);
	cr_assert_eq(evs[0].tcp_flags, PROTO_TCP_FIN | PROTO_TCP_ACK);
	cr_assert_eq(evs[0].ts_ns, 20);
	/* the packet still follows its action */
	cr_assert_eq(n_out, 1);
	cr_assert_eq(out[0].kind, DP_OUT_EGRESS);
	cr_assert_eq(out[0].ppid, 3);
	send_tcp(80, PROTO_TCP_RST, 30);
	cr_assert_eq(n_ev, 2);
	cr_assert_eq(evs[1].tcp_flags, PROTO_TCP_RST);
	send_tcp(81, PROTO_TCP_RST, 40);
	cr_assert_eq(n_ev, 2, "the entry did not ask for it");
	cr_assert_eq(datapath_stats(nic_datapath(nic))->flow_end_events, 2);
}

static void aging(uint8_t mode)
{
	struct nic_cmd c = { .op = NIC_OP_CONFIG };

	c.config.age = (struct flow_age_config){
		.mode = mode, .timeout_ns = { 0, 1000, 5000, 100000 },
		.sweep_ns = 100 };
	apply(&c);
}

Test(nic_events, idle_entries_are_reported_by_the_sweep_after_their_timeout)
{
	aging(FLOW_AGE_NOTIFY);
	forward_entry(4, 80, 1, false);         /* written at 0 */
	forward_entry(6, 82, 0, false);         /* never ages */
	send_tcp(80, PROTO_TCP_ACK, 550);       /* idle from 550: due 1600 */
	cr_assert_eq(n_ev, 0);
	send_tcp(82, PROTO_TCP_ACK, 1599);
	cr_assert_eq(n_ev, 0);
	send_tcp(82, PROTO_TCP_ACK, 1600);
	cr_assert_eq(n_ev, 1, "the sweep at 1600 runs before the packet at 1600");
	cr_assert_eq(evs[0].type, DP_EV_AGED);
	cr_assert_eq(evs[0].entry, 4);
	cr_assert_eq(evs[0].last_hit, 550);
	cr_assert_eq(evs[0].ts_ns, 1600);
	cr_assert_not(evs[0].remove);
	/* notify: the entry stays, and is not reported again while idle */
	send_tcp(80, PROTO_TCP_ACK, 9000);
	cr_assert_eq(out[0].kind, DP_OUT_EGRESS);
	cr_assert_eq(n_ev, 1);
	nic_age(nic, 10000);
	cr_assert_eq(n_ev, 2, "hit again at 9000, idle again by 10000");
	cr_assert_eq(datapath_stats(nic_datapath(nic))->aged_events, 2);
}

/* An AGED event that found no room is retried: the entry is found again
 * at the first sweep after the one being run, however far behind the
 * caller's own time is (found again at once, it would be for ever). */
Test(nic_events, a_retried_aged_entry_waits_for_the_next_sweep)
{
	aging(FLOW_AGE_NOTIFY);
	forward_entry(4, 80, 1, false);         /* written at 0: due 1000 */
	retry_aged = true;
	nic_age(nic, 1000);
	cr_assert_eq(n_ev, 1);
	nic_age(nic, 1099);
	cr_assert_eq(n_ev, 1, "not before the next sweep");
	nic_age(nic, 1100);
	cr_assert_eq(n_ev, 2, "found again at the next sweep");
	retry_aged = false;
	nic_age(nic, 1200);
	cr_assert_eq(n_ev, 3);
	nic_age(nic, 5000);
	cr_assert_eq(n_ev, 3, "reported: not found again while idle");
	cr_assert_eq(evs[2].last_hit, 0, "its last activity unchanged");
}

Test(nic_events, delete_mode_invalidates_unless_rewritten)
{
	aging(FLOW_AGE_DELETE);
	forward_entry(4, 80, 1, false);
	forward_entry(5, 81, 2, false);
	nic_age(nic, 1000);
	cr_assert_eq(n_ev, 1);
	cr_assert(evs[0].remove);
	send_tcp(80, PROTO_TCP_ACK, 1001);
	cr_assert_eq(out[0].kind, DP_OUT_TO_HOST, "entry 4 is gone: a miss");
	send_tcp(81, PROTO_TCP_ACK, 1002);
	cr_assert_eq(out[0].kind, DP_OUT_EGRESS, "entry 5 has a longer class");
	/* a write moves an entry's generation: an aged report held across a
	 * rewrite no longer matches it */
	cr_assert_neq(datapath_entry_gen(nic_datapath(nic), 4),
		      evs[0].gen);
}

Test(nic_events, bursts_age_as_packets_one_by_one)
{
	struct datapath_pkt pkts[8];
	struct fb f[8];

	aging(FLOW_AGE_DELETE);
	forward_entry(4, 80, 1, false);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t ip;

		f[i].n = 0;
		fb_eth(&f[i], PROTO_ETH_P_IPV4);
		ip = fb_ipv4(&f[i], PROTO_IP_TCP, 0x0a000001, 0x0a000002, 0, 0);
		fb_tcp(&f[i], 40000, 80, PROTO_TCP_ACK, 0);
		fb_ipv4_fix(&f[i], ip);
		/* hits at 0 and 600, due 1600; from 1802 on, misses */
		pkts[i] = (struct datapath_pkt){ f[i].b, f[i].n, 60,
						 i < 2 ? i * 600 : 1800 + i };
	}
	n_out = 0;
	nic_process_burst(nic, 1, pkts, 8);
	cr_assert_eq(n_out, 8);
	cr_assert_eq(out[1].kind, DP_OUT_EGRESS);
	cr_assert_eq(out[2].kind, DP_OUT_TO_HOST);
	cr_assert_eq(n_ev, 1);
	cr_assert_eq(evs[0].ts_ns, 1600);
}
