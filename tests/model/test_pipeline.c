/* The pipeline as a whole: parameters, commands (the config FIFO, the
 * ones that act at once, packet-out), the to-host queue, every drop
 * reason, statistics and the conservation check, and the function: the
 * same decisions and bytes as the functional NIC on the demo scenario and
 * on a large generated trace, and the same results twice. */
#include "io/pcap_in.h"
#include "io/scenario.h"
#include "model/nic.h"
#include "model/pipeline-private.h"
#include "tests/model/pipeline_fixture.h"

TestSuite(pipeline, .init = pfx_setup, .fini = pfx_teardown);

Test(pipeline, defaults_make_an_idle_pipeline)
{
	struct pipeline_params p;
	struct pipeline_stats st;

	pipeline_params_default(&p);
	fx.p = p;
	pfx_make();
	cr_assert_eq(pipeline_now(fx.pl), 0);
	cr_assert_eq(pipeline_next_event(fx.pl), PIPELINE_NEVER);
	pipeline_run_until(fx.pl, 5000);
	cr_assert_eq(pipeline_now(fx.pl), 5000);
	st = pfx_stats();
	cr_assert_eq(st.ticks, 0, "nothing to do, nothing visited");
	cr_assert_eq(st.core_steps, 0);
	cr_assert_eq(st.cycles, 5000);
	cr_assert_eq(lookup_params(pipeline_lookup(fx.pl))->depth, 1024);
	cr_assert_eq(datapath_stats(pipeline_datapath(fx.pl))->packets, 0);
}

static void refused(const char *what)
{
	struct pipeline *pl = (struct pipeline *)1;
	struct pnic_error err;

	cr_assert_lt(pipeline_create(&fx.p, &pl, &err), 0, "%s", what);
	cr_assert_null(pl);
	cr_assert(strstr(err.msg, what), "wanted '%s' in: %s", what, err.msg);
	pfx_setup();
}

Test(pipeline, create_refuses_bad_params)
{
	static uint32_t mbps[4] = { 100000, 0, 1, 1 };

	fx.p.profile = NULL;
	refused("key profile");
	fx.p.n_ports = 0;
	refused("0 ports");
	fx.p.n_ports = PIPELINE_MAX_PORTS + 1;
	refused("257 ports");
	fx.p.port_mbps = mbps;
	refused("port 1: 0 Mb/s");
	fx.p.clock_hz = 0;
	refused("clock of 0 Hz");
	fx.p.timing.parser_bytes = 0;
	refused("parser reads 0 bytes");
	fx.p.timing.key.latency = 0;
	refused("key build stage");
	fx.p.timing.editor.ii = PIPELINE_MAX_STAGE_CYCLES + 1;
	refused("editor stage");
	fx.p.timing.mac_rx = PIPELINE_MAX_STAGE_CYCLES + 1;
	refused("MAC rx");
	fx.p.bounds.max_frame = 59;
	refused("max_frame 59");
	fx.p.bounds.cfg_commands = 0;
	refused("config FIFO of 0");
	fx.p.bounds.wire_bytes = 1000;
	refused("wire_bytes 1000");
	fx.p.bounds.egress_frames = 0;
	refused("egress bound");
	fx.p.policy.miss = (enum datapath_miss_policy)5;
	refused("miss policy 5");
	fx.p.depth = 48;
	refused("power of two");
}

/* ---- commands ------------------------------------------------------------ */

/* Table commands wait in the config FIFO; a full FIFO refuses with -EBUSY
 * and applies nothing, and takes commands again once the port has taken
 * some.  A bad command is refused as bad, full or not. */
Test(pipeline, a_full_config_fifo_says_ebusy)
{
	struct nic_cmd_result res;
	struct pnic_error err;
	struct nic_cmd m = { .op = NIC_OP_MAP_SET, .map = { 1, 1 } };
	struct nic_cmd bad = { .op = NIC_OP_MAP_SET, .map = { 1, 4 } };

	fx.p.bounds.cfg_commands = 4;
	pfx_make();
	for (uint32_t v = 0; v < 4; v++) {
		cr_assert(pipeline_cfg_room(fx.pl));
		m.map.vpid = v;
		cr_assert_eq(pipeline_apply(fx.pl, &m, &res, &err), 0, "%s", err.msg);
	}
	cr_assert(!pipeline_cfg_room(fx.pl));
	m.map.vpid = 4;
	cr_assert_eq(pipeline_apply(fx.pl, &m, &res, &err), -EBUSY);
	cr_assert_eq(res.status, -EBUSY);
	cr_assert(strstr(err.msg, "map_set: the config FIFO holds 4 commands"), "%s", err.msg);
	cr_assert_eq(pipeline_apply(fx.pl, &bad, &res, &err), -ERANGE);
	cr_assert(strstr(err.msg, "PPID 4"), "%s", err.msg);
	cr_assert_eq(pfx_stats().cfg_fifo.frames, 4);
	cr_assert_eq(lookup_map_read(pipeline_lookup(fx.pl), 0), VPID_UNMAPPED,
		     "posted, not yet written");
	pipeline_run_until(fx.pl, 1);
	cr_assert_eq(lookup_map_read(pipeline_lookup(fx.pl), 0), 1,
		     "the port took the first at edge 1");
	cr_assert(pipeline_cfg_room(fx.pl));
	cr_assert_eq(pipeline_apply(fx.pl, &m, &res, &err), 0, "%s", err.msg);
	pfx_drain();
	cr_assert_eq(lookup_map_read(pipeline_lookup(fx.pl), 4), 1);
	cr_assert_eq(pfx_stats().cfg_writes, 5);
	cr_assert_eq(pfx_stats().cfg_fifo.max_frames, 4);
}

/* CONFIG, TEMPLATE_SET and COUNTER_READ act when applied, through the
 * NIC's one apply. */
Test(pipeline, other_commands_act_at_once)
{
	struct nic_cmd cfg = { .op = NIC_OP_CONFIG, .config = { DP_MISS_DROP, 0, 0 } };
	struct nic_cmd tpl = tc_template_set(9);
	struct nic_cmd enc = pfx_entry(1, 8, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1, .count = true,
		.tunnel_op = TUNNEL_OP_VXLAN_ENCAP, .encap_id = 9 });
	struct flow_counter fc[2];
	struct nic_cmd rd = { .op = NIC_OP_COUNTER_READ, .counters = { 0, 2, fc } };
	struct nic_cmd_result res;
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 9, 60, 0);

	pfx_make();
	pfx_map(1, 1);
	pfx_submit(&enc);
	cr_assert_eq(pipeline_apply(fx.pl, &cfg, NULL, NULL), 0);
	cr_assert_eq(pipeline_apply(fx.pl, &tpl, NULL, NULL), 0);
	cr_assert_not_null(lookup_template(pipeline_lookup(fx.pl), 9));
	pfx_arrive(0, f, m, 100);
	m = pfx_udp(f, 8, 60, 1);
	pfx_arrive(0, f, m, 200);
	pfx_drain();
	cr_assert_eq(fx.rec[0].drop, PL_DROP_MISS, "the CONFIG's miss policy");
	cr_assert_eq(fx.rec[1].path, PL_PATH_HIT);
	cr_assert_eq(fx.tx[1].caplen, 60 + 50, "encapsulated with the template");
	cr_assert_eq(pipeline_apply(fx.pl, &rd, &res, NULL), 0);
	cr_assert_eq(res.count, 2);
	cr_assert_eq(fc[1].packets, 1);
	cr_assert_eq(fc[1].bytes, 60);
}

/* A packet-out re-enters at the egress queue of its PPID: no lookup, no
 * edit, out after the MAC's latency, as the host sent it. */
Test(pipeline, packet_out_leaves_its_port)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 42);
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet = { 2, m, f } };
	struct pipeline_stats st;

	pfx_make();
	pipeline_run_until(fx.pl, 500);
	pfx_submit(&po);
	memset(f, 0, sizeof f);    /* copied: the host may reuse its buffer */
	pfx_drain();
	cr_assert_eq(fx.po[0].n, 1);
	cr_assert_eq(fx.po[0].kind, PL_TX_PACKET_OUT);
	cr_assert_eq(fx.po[0].ppid, 2);
	cr_assert_eq(fx.po[0].first_bit, 500 + fx.p.timing.mac_tx);
	pfx_udp(f, 7, 60, 42);
	cr_assert_eq(fx.po[0].sum, pfx_sum(f, 60));
	st = pfx_stats();
	cr_assert_eq(st.packet_outs, 1);
	cr_assert_eq(st.packet_outs_departed, 1);
	cr_assert_eq(st.lookups, 0);
	cr_assert_eq(st.arrivals, 0);
	cr_assert_eq(datapath_stats(pipeline_datapath(fx.pl))->packet_outs, 1);
}

/* ---- the to-host queue --------------------------------------------------- */

/* A miss and a to-host action reach the consumer with the frame, the key
 * that was looked up, why, and from where; a full queue drops. */
Test(pipeline, to_host_queue_carries_what_the_host_needs)
{
	struct nic_cmd th = pfx_entry(3, 8, (struct pnic_action){ .kind = ACT_TO_HOST });
	struct pipeline_upcall u;
	struct key_profile_fields v;
	struct pnic_key key;
	uint8_t f[64], g[64];
	uint32_t m = pfx_udp(f, 9, 60, 0);

	/* packets take half the queue: 2 of 4 frames */
	fx.p.bounds.to_host_frames = 4;
	pfx_make();
	pfx_submit(&th);
	pfx_arrive(1, f, m, 100);
	pfx_udp(g, 8, 60, 1);
	pfx_arrive(2, g, 60, 100);
	pfx_arrive(0, f, m, 300);
	pfx_drain();
	cr_assert_eq(fx.rec[0].path, PL_PATH_MISS);
	cr_assert_eq(fx.rec[1].path, PL_PATH_TO_HOST);
	cr_assert_eq(fx.rec[1].host, DP_HOST_ACTION);
	cr_assert_eq(fx.rec[2].drop, PL_DROP_TO_HOST_FULL);
	cr_assert_eq(pfx_stats().to_host_queue.frames, 2);

	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.id, 0);
	cr_assert_eq(u.in_port, 1);
	cr_assert_eq(u.reason, DP_HOST_MISS);
	cr_assert_eq(u.entry, TCAM_MISS);
	cr_assert_eq(u.enqueued, fx.rec[0].enqueue);
	cr_assert_eq(u.key_bits, 104);
	memset(&v, 0, sizeof v);
	key_profile_set(&v, KP_IP_PROTO, PROTO_IP_UDP);
	key_profile_set(&v, KP_SRC_IP, 0xffff0a000001ull);
	key_profile_set(&v, KP_DST_IP, 0xffff0a000002ull);
	key_profile_set(&v, KP_L4_SRC, 12345);
	key_profile_set(&v, KP_L4_DST, 9);
	key_profile_pack(key_profile_ipv4_5tuple(), &v, &key);
	cr_assert(key_equal(&u.key, &key, PNIC_KEY_WORDS), "the key looked up");
	cr_assert_eq(u.caplen, 60);
	cr_assert_eq(memcmp(u.frame, f, 60), 0);

	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.id, 1);
	cr_assert_eq(u.reason, DP_HOST_ACTION);
	cr_assert_eq(u.entry, 3);
	cr_assert_eq(memcmp(u.frame, g, 60), 0, "valid until the next pop");
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), -EAGAIN);
	cr_assert_eq(pfx_stats().to_host_popped, 2);
}

/* ---- every drop, counted with its reason ---------------------------------- */

static void every_drop_entry(uint32_t index, uint16_t dport, struct pnic_action a)
{
	struct nic_cmd c = pfx_entry(index, dport, a);

	pfx_submit(&c);
}

static void every_drop_tables(void)
{
	pfx_map(1, 1);
	pfx_map(3, 3);
	every_drop_entry(0, 10, (struct pnic_action){ .kind = ACT_DROP });
	every_drop_entry(1, 11, (struct pnic_action){ .kind = ACT_FORWARD, .vpid = 9 });
	every_drop_entry(2, 12, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1, .mirror = true, .mirror_vpid = 9 });
	every_drop_entry(3, 13, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1, .vlan_op = VLAN_OP_POP });
	every_drop_entry(4, 14, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 3, .mirror = true, .mirror_vpid = 3 });
	every_drop_entry(5, 15, (struct pnic_action){ .kind = ACT_FORWARD, .vpid = 1 });
	every_drop_entry(6, 16, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1, .hold = true });
	pfx_drain();
}

/* n frames of len bytes (len < 42: the first len bytes of a 60-byte one,
 * cut inside its headers). */
static void send_n(uint32_t port, uint16_t dport, uint32_t n, uint32_t len)
{
	static uint8_t f[2000];
	uint32_t m = pfx_udp(f, dport, len < 60 ? 60 : len, 0);
	uint64_t t = pipeline_now(fx.pl) + 10;

	m = len < m ? len : m;

	for (uint32_t k = 0; k < n; k++)
		pfx_feed(port, f, m, m, t);
}

/* The two figures read without pipeline_stats() are its own: frames in
 * the to-host queue, and arrivals in flight less those held. */
Test(pipeline, direct_readings_agree_with_the_stats)
{
	struct pipeline_stats st;

	pfx_make();
	every_drop_tables();
	send_n(0, 16, 3, 60);        /* held by entry 6 */
	send_n(0, 99, 4, 60);        /* misses */
	pipeline_run_until(fx.pl, pipeline_now(fx.pl) + 2000);
	send_n(0, 16, 2, 60);
	pipeline_run_until(fx.pl, pipeline_now(fx.pl) + 20);
	pipeline_stats(fx.pl, &st);
	cr_assert_gt(st.held_now, 0);
	cr_assert_gt(st.in_flight, st.held_now);
	cr_assert_gt(st.to_host_queue.frames, 0);
	cr_assert_eq(pipeline_to_host_frames(fx.pl), st.to_host_queue.frames);
	cr_assert_eq(pipeline_in_flight_unheld(fx.pl), st.in_flight - st.held_now);
}

/* Every reason the pipeline can reach, reached, each drop in a record or
 * a count; the two it cannot are 0: a frame cannot arrive on a port that
 * is not there (arrive refuses it), and no checked command writes an
 * undecodable action word. */
Test(pipeline, every_drop_reason_is_counted)
{
	static uint32_t mbps[4] = { 400000, 100000, 100000, 1000 };
	uint64_t by_record[PL_DROP_COUNT] = { 0 };
	struct pipeline_stats st;
	uint8_t f[64];
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet = { 3, 60, f } };

	fx.p.port_mbps = mbps;
	fx.p.bounds.max_frame = 1514;
	fx.p.bounds.ingress_bytes = 4096;
	fx.p.bounds.egress_bytes = 4096;
	fx.p.bounds.egress_frames = 4;
	fx.p.bounds.to_host_frames = 3;
	fx.p.timing.action.ii = 8;
	fx.p.bounds.hold_frames = 2;
	pfx_make();
	every_drop_tables();
	send_n(1, 16, 3, 60);        /* hold_full: two held, then full */
	send_n(1, 10, 1, 60);        /* action */
	send_n(1, 11, 1, 60);        /* unmapped_vpid */
	send_n(1, 12, 1, 60);        /* mirror_unmapped_vpid */
	send_n(1, 13, 1, 60);        /* edit_refused: no tag to pop */
	send_n(1, 20, 5, 60);        /* misses: 3 to the host, then full */
	send_n(1, 15, 1, 1600);      /* oversize */
	send_n(0, 15, 300, 60);      /* 400G into an action stage at 1/8 */
	send_n(1, 14, 200, 1000);    /* to port 3 at 1G, and mirrors */
	pfx_drain();
	memset(f, 0, sizeof f);
	pfx_udp(f, 1, 60, 0);
	send_n(1, 14, 10, 1000);
	pipeline_run_until(fx.pl, pipeline_now(fx.pl) + 2000);
	pfx_submit(&po);             /* port 3's queue is full again */
	pfx_submit(&(struct nic_cmd){ .op = NIC_OP_CONFIG,
				      .config = { DP_MISS_DROP, DP_PERR_DROP, 0 } });
	send_n(1, 21, 1, 60);        /* miss, policy drop */
	send_n(1, 15, 1, 30);        /* parse_error, policy drop */
	pfx_drain();
	st = pfx_stats();
	for (uint64_t k = 0; k < st.arrivals; k++)
		if (fx.rec[k].path == PL_PATH_DROP)
			by_record[fx.rec[k].drop]++;
	for (unsigned r = 0; r < PL_DROP_COUNT; r++) {
		bool never = r == PL_DROP_BAD_PORT || r == PL_DROP_BAD_ACTION;
		bool copy = r == PL_DROP_MIRROR_UNMAPPED || r == PL_DROP_MIRROR_EGRESS_FULL ||
			    r == PL_DROP_PACKET_OUT_FULL;

		if (never)
			cr_assert_eq(st.dropped[r], 0, "%s", pipeline_drop_name(r));
		else
			cr_assert_gt(st.dropped[r], 0, "%s", pipeline_drop_name(r));
		cr_assert_eq(by_record[r], copy ? 0 : st.dropped[r], "%s",
			     pipeline_drop_name(r));
	}
}

/* The check counts what the queues hold, so a count that drifts from
 * them is caught. */
Test(pipeline, conservation_catches_a_lost_packet)
{
	struct pnic_error err;
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	pfx_make_7_to_1();
	pfx_arrive(0, f, m, 100);
	pfx_arrive(0, f, m, 100000);
	pipeline_run_until(fx.pl, 50000);
	pfx_conserved();
	fx.pl->departed++;
	cr_assert_eq(pipeline_check_conservation(fx.pl, &err), -EPROTO);
	cr_assert(strstr(err.msg, "arrivals 2 != departed 2"), "%s", err.msg);
	fx.pl->departed--;
	fx.pl->mirrors_queued++;
	cr_assert_eq(pipeline_check_conservation(fx.pl, &err), -EPROTO);
	fx.pl->mirrors_queued--;
	fx.pl->to_host_popped++;
	cr_assert_eq(pipeline_check_conservation(fx.pl, &err), -EPROTO);
	fx.pl->to_host_popped--;
	pfx_drain();
}

/* ---- statistics ---------------------------------------------------------- */

/* One frame held by an egress queue for half of the time run: mean 0.5. */
Test(pipeline, queue_occupancy_is_time_weighted)
{
	struct pipeline_port_stats ps;
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet = { 1, m, f } };
	uint64_t held;

	pfx_make();
	pipeline_run_until(fx.pl, 1000);
	pfx_submit(&po);
	pfx_drain();
	held = fx.po[0].last_bit - 1000;
	pipeline_run_until(fx.pl, 1000 + 2 * held);
	cr_assert_eq(pipeline_port_stats(fx.pl, 1, &ps), 0);
	cr_assert_eq(ps.egress.max_frames, 1);
	cr_assert_eq(ps.egress.max_bytes, 60);
	cr_assert_eq(ps.egress.frames, 0);
	cr_assert_float_eq(ps.egress.mean_frames, (double)held / (1000 + 2 * held), 1e-12);
	cr_assert_float_eq(ps.egress.mean_bytes, 60.0 * held / (1000 + 2 * held), 1e-9);
	cr_assert_eq(ps.tx_frames, 1);
	cr_assert_eq(ps.tx_bytes, 60);
}

Test(pipeline, ns_and_cycles_are_exact)
{
	fx.p.clock_hz = 322265625;
	pfx_make();
	cr_assert_eq(pipeline_ns_to_cycles(fx.pl, 1000), 323);
	cr_assert_eq(pipeline_ns_to_cycles(fx.pl, 1000000000), 322265625);
	cr_assert_eq(pipeline_cycles_to_ns(fx.pl, 322265625), 1000000000);
	cr_assert_eq(pipeline_cycles_to_ns(fx.pl, 323), 1002);
}

Test(pipeline, names)
{
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_ACTION), "action");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_BAD_ACTION), "undecodable_action");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_OVERSIZE), "oversize");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_INGRESS_FULL), "ingress_buffer_full");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_EGRESS_FULL), "egress_queue_full");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_MIRROR_EGRESS_FULL),
			 "mirror_egress_queue_full");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_TO_HOST_FULL), "to_host_queue_full");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_PACKET_OUT_FULL), "packet_out_queue_full");
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_COUNT), "?");
	cr_assert_str_eq(pipeline_path_name(PL_PATH_HIT), "hit");
	cr_assert_str_eq(pipeline_path_name(PL_PATH_DROP), "drop");
	cr_assert_str_eq(pipeline_path_name((enum pipeline_path)4), "?");
}

/* ---- the function: the same as the untimed NIC ---------------------------- */

/* What the functional NIC did with each packet. */
struct fn_pkt {
	bool seen;
	enum datapath_out_kind kind;
	uint32_t ppid, reason;
	uint64_t sum;
	bool mirrored;              /* a mirror copy left */
	uint32_t mirror_ppid;
	uint64_t mirror_sum;
};

static struct fn_pkt *fn;
static uint64_t fn_cur;
static uint64_t *up_sum;      /* the pipeline's upcalls, by id */

/* The hold buffer: which packet waits in each slot of the functional
 * NIC's (a released or cancelled packet leaves during a command, not
 * during its own nic_process), and the LANDED markers both raised, in
 * order, as entry << 32 | generation. */
#define FN_HOLD_SLOTS 64u
#define FN_MARKS 4096u

static uint64_t fn_slot[FN_HOLD_SLOTS];
static uint64_t fn_mark[FN_MARKS], up_mark[FN_MARKS];
static uint32_t n_fn_mark, n_up_mark;

/* The packet an output is of: the one being processed, or the one that
 * waited in the slot it leaves. */
static struct fn_pkt *fn_pkt_of(const struct datapath_out *o)
{
	cr_assert(o->held == DP_NOT_HELD || (uint32_t)o->held < FN_HOLD_SLOTS);
	if (o->kind == DP_OUT_HOLD) {
		fn_slot[o->held] = fn_cur;
		return &fn[fn_cur];
	}
	return &fn[o->held == DP_NOT_HELD ? fn_cur : fn_slot[o->held]];
}

static void fn_event(void *ctx, const struct datapath_event *ev)
{
	(void)ctx;
	if (ev->type != DP_EV_LANDED)
		return;
	cr_assert_lt(n_fn_mark, FN_MARKS);
	fn_mark[n_fn_mark++] = (uint64_t)ev->entry << 32 | ev->gen;
}

static void fn_out(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	struct fn_pkt *p = fn_pkt_of(o);

	(void)ctx;
	(void)len;
	if (o->mirror) {
		p->mirrored = o->kind == DP_OUT_EGRESS;
		p->mirror_ppid = o->ppid;
		p->mirror_sum = pfx_sum(frame, caplen);
		return;
	}
	p->seen = true;
	p->kind = o->kind;
	p->ppid = o->ppid;
	p->reason = o->kind == DP_OUT_DROP ? o->drop : o->host;
	p->sum = pfx_sum(frame, caplen);
}

/* Both sides programmed by the same commands. */
struct both {
	struct nic *nic;
};

static int both_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	struct both *b = ctx;
	int rc = nic_apply(b->nic, c, res, err);

	if (!rc)
		pfx_submit(c);
	return rc;
}

static void pop_all(void)
{
	struct pipeline_upcall u;

	while (pipeline_to_host_pop(fx.pl, &u) == 0) {
		if (u.type == PL_UP_PACKET) {
			up_sum[u.id] = pfx_sum(u.frame, u.caplen);
		} else if (u.type == PL_UP_LANDED) {
			cr_assert_lt(n_up_mark, FN_MARKS);
			up_mark[n_up_mark++] = (uint64_t)(uint32_t)u.entry << 32 | u.gen;
		}
	}
}

/* One packet of the functional run against the same id of the pipeline. */
static void same_as_function(uint64_t id)
{
	const struct fn_pkt *p = &fn[id];
	const struct pipeline_record *r = &fx.rec[id];

	cr_assert(p->seen, "packet %llu", (unsigned long long)id);
	if (p->kind == DP_OUT_HOLD) {
		cr_assert_eq(fx.have_rec[id], 0, "packet %llu still held", (unsigned long long)id);
		cr_assert_eq(fx.tx[id].n + fx.mir[id].n, 0);
		return;
	}
	cr_assert_eq(fx.have_rec[id], 1, "packet %llu", (unsigned long long)id);
	switch (p->kind) {
	case DP_OUT_EGRESS:
		cr_assert_eq(r->path, PL_PATH_HIT, "packet %llu", (unsigned long long)id);
		cr_assert_eq(r->out_ppid, p->ppid);
		cr_assert_eq(fx.tx[id].sum, p->sum, "packet %llu: bytes", (unsigned long long)id);
		break;
	case DP_OUT_TO_HOST:
		cr_assert(r->path == PL_PATH_MISS || r->path == PL_PATH_TO_HOST,
			  "packet %llu", (unsigned long long)id);
		cr_assert_eq(r->host, p->reason);
		cr_assert_eq(up_sum[id], p->sum, "packet %llu: bytes", (unsigned long long)id);
		break;
	case DP_OUT_DROP:
		cr_assert_eq(r->path, PL_PATH_DROP, "packet %llu", (unsigned long long)id);
		cr_assert_eq((uint32_t)r->drop, p->reason, "packet %llu", (unsigned long long)id);
		break;
	case DP_OUT_HOLD:
		break;
	}
	cr_assert_eq(fx.mir[id].n, p->mirrored, "packet %llu: mirror", (unsigned long long)id);
	if (p->mirrored) {
		cr_assert_eq(fx.mir[id].ppid, p->mirror_ppid);
		cr_assert_eq(fx.mir[id].sum, p->mirror_sum);
	}
}

static void compare_all(uint64_t n)
{
	const struct datapath_stats *a = datapath_stats(pipeline_datapath(fx.pl));
	struct pipeline_stats st = pfx_stats();

	for (uint64_t id = 0; id < n; id++)
		same_as_function(id);
	cr_assert_eq(st.arrivals, n);
	cr_assert_eq(a->packets, n);
	for (unsigned r = DP_DROP_REASON_COUNT; r < PL_DROP_COUNT; r++)
		cr_assert_eq(st.dropped[r], 0, "no drop for time: %s",
			     pipeline_drop_name((enum pipeline_drop)r));
}

/* The hold buffers' books and markers of both NICs: the same. */
static void same_holds(const struct nic *nic)
{
	const struct datapath_stats *a = datapath_stats(pipeline_datapath(fx.pl));
	const struct datapath_stats *f = datapath_stats(nic_datapath(nic));

	cr_assert_eq(a->held, f->held);
	cr_assert_eq(a->held_now, f->held_now);
	cr_assert_eq(pfx_stats().held_now, f->held_now);
	cr_assert_eq(a->released, f->released);
	cr_assert_eq(a->hold_cancelled, f->hold_cancelled);
	cr_assert_eq(a->markers, f->markers);
	cr_assert_eq(n_up_mark, n_fn_mark, "LANDED markers");
	for (uint32_t i = 0; i < n_fn_mark; i++)
		cr_assert_eq(up_mark[i], fn_mark[i], "marker %u: entry and generation", i);
}

static void fn_setup(uint64_t n)
{
	fn = calloc(n, sizeof *fn);
	up_sum = calloc(n, sizeof *up_sum);
	cr_assert(fn && up_sum);
	n_fn_mark = n_up_mark = 0;
	fx.p.bounds.to_host_frames = 1 << 16;
	fx.p.bounds.to_host_bytes = 64 << 20;
	fx.p.bounds.egress_bytes = 4 << 20;
	fx.p.bounds.egress_frames = 1 << 16;
}

static void fn_teardown(void)
{
	free(fn);
	free(up_sum);
	fn = NULL;
	up_sum = NULL;
}

/* The bundled demo: its scenario into both, its trace through both, at the
 * capture's times. */
Test(pipeline, same_decisions_and_bytes_as_the_functional_nic_on_the_demo)
{
	struct scenario *c;
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	struct nic_params np;
	struct both b;
	struct nic_cmd_sink sink = { both_submit, &b };
	uint64_t n = 0, t0 = 0;

	cr_assert_eq(scenario_load("scenarios/demo.yaml", &c, &err), 0, "%s", err.msg);
	np = (struct nic_params){ .profile = c->profile, .depth = c->tcam_depth,
				  .n_ports = c->n_ppids, .n_vpids = c->n_vpids,
				  .policy = { c->miss, c->parse_errors, c->unmapped },
				  .out = fn_out };
	cr_assert_eq(nic_create(&np, &b.nic, &err), 0, "%s", err.msg);
	fn_setup(1000);
	fx.p.profile = c->profile;
	fx.p.depth = c->tcam_depth;
	fx.p.n_ports = c->n_ppids;
	fx.p.n_vpids = c->n_vpids;
	fx.p.policy = np.policy;
	pfx_make();
	cr_assert_eq(scenario_program(c, &sink, &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_in_open(c->inputs[0].path, &in, &err), 0, "%s", err.msg);
	while (pcap_in_next(in, &pkt, &err) == 1) {
		t0 = n ? t0 : pkt.ts_ns;
		fn_cur = n;
		nic_process(b.nic, c->inputs[0].in_port, pkt.frame, pkt.caplen,
			    pkt.len, pkt.ts_ns);
		cr_assert_eq(pipeline_arrive(fx.pl, c->inputs[0].in_port, pkt.frame,
					     pkt.caplen, pkt.len,
					     pipeline_now(fx.pl) + 1000 +
					     pipeline_ns_to_cycles(fx.pl, pkt.ts_ns - t0),
					     &err), 0, "%s", err.msg);
		n++;
	}
	pcap_in_close(in);
	pfx_drain();
	pop_all();
	cr_assert_eq(n, 400);
	compare_all(n);
	cr_assert_gt(pfx_stats().mirrors_departed, 0);
	cr_assert_gt(datapath_stats(pipeline_datapath(fx.pl))->edited, 0);
	nic_destroy(b.nic);
	scenario_destroy(c);
	fn_teardown();
}

/* ---- a large generated trace ---------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 29;
}

/* A frame of `flow`: IPv4 or IPv6, TCP or UDP, some 802.1Q-tagged, to
 * port 1000 + flow % 64, with a random payload; some cut short. */
static uint32_t gen_frame(uint8_t *f, uint32_t flow, uint64_t *s)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 1 }, src[6] = { 2, 0, 0, 0, 0, 2 };
	bool v6 = flow % 4 == 0, tcp = flow % 2, vlan = flow % 5 == 0;
	uint8_t proto = tcp ? PROTO_IP_TCP : PROTO_IP_UDP;
	uint16_t et = v6 ? PROTO_ETH_P_IPV6 : PROTO_ETH_P_IPV4;
	struct frame_buf b;
	uint32_t l3, l4;

	frame_init(&b, f, 400);
	frame_eth(&b, dst, src, vlan ? PROTO_ETH_P_8021Q : et);
	if (vlan)
		frame_vlan(&b, (uint16_t)(100 + flow % 3), et);
	if (v6)
		l3 = frame_ipv6(&b, &(struct frame_ipv6){ .next = proto, .hop_limit = 9,
							  .src = { 0x20, 1, [15] = (uint8_t)flow },
							  .dst = { 0x20, 1, [15] = 7 } });
	else
		l3 = frame_ipv4(&b, &(struct frame_ipv4){ .ttl = (uint8_t)(1 + flow % 60), .proto = proto,
							  .src = { 10, 0, (uint8_t)(flow >> 8), (uint8_t)flow },
							  .dst = { 10, 9, 0, 1 } });
	l4 = tcp ? frame_tcp(&b, &(struct frame_tcp){ .sport = (uint16_t)flow,
						      .dport = (uint16_t)(1000 + flow % 64),
						      .flags = 0x10 })
		 : frame_udp(&b, (uint16_t)flow, (uint16_t)(1000 + flow % 64));
	frame_fill(&b, (uint8_t)rnd(s), (uint32_t)(rnd(s) % 200));
	if (!tcp)
		frame_udp_end(&b, l4);
	if (v6)
		frame_ipv6_end(&b, l3);
	else
		frame_ipv4_end(&b, l3, true);
	frame_l4_csum(&b, l3, l4);
	cr_assert(!b.overflow);
	return b.n < 60 ? 60 : b.n;
}

/* The eight kinds of action the entries cycle through. */
static struct pnic_action gen_action(uint32_t j)
{
	static const struct pnic_action acts[8] = {
		{ .kind = ACT_FORWARD, .vpid = 1 },
		{ .kind = ACT_FORWARD, .vpid = 2, .dec_ttl = true, .count = true },
		{ .kind = ACT_FORWARD, .vpid = 3, .vlan_op = VLAN_OP_PUSH, .vlan_tci = 77 },
		{ .kind = ACT_DROP },
		{ .kind = ACT_TO_HOST },
		{ .kind = ACT_FORWARD, .vpid = 9 },
		{ .kind = ACT_FORWARD, .vpid = 1, .mirror = true, .mirror_vpid = 2 },
		{ .kind = ACT_FORWARD, .vpid = 4, .set_dscp = true, .dscp = 10,
		  .vlan_op = VLAN_OP_POP },
	};

	return acts[j % 8];
}

/* Entry i: (protocol, port 1000 + i) with action a. */
static struct nic_cmd gen_entry(uint32_t i, const struct pnic_action *a)
{
	const struct key_profile *kp = key_profile_default();
	struct nic_cmd e = { .op = NIC_OP_ENTRY_WRITE, .entry.index = i };
	struct key_profile_fields v, m;

	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set(&v, KP_IP_PROTO, i % 2 ? PROTO_IP_TCP : PROTO_IP_UDP);
	key_profile_set(&m, KP_IP_PROTO, 0xff);
	key_profile_set(&v, KP_L4_DST, 1000 + i);
	key_profile_set(&m, KP_L4_DST, 0xffff);
	key_profile_pack(kp, &v, &e.entry.value);
	key_profile_pack(kp, &m, &e.entry.mask);
	action_pack(a, &e.entry.action);
	return e;
}

/* Entries that hold (every sixth: 0, 6, ..., 42) when gen_holds is set. */
#define GEN_HOLD_STRIDE 6u
#define GEN_HOLD_ENTRIES 8u

static bool gen_holds;

/* Packets between two commands on holding entries. */
#define GEN_HOLD_EVERY 97u

/* Entries for ports 1000..1047 by (protocol, port) of every kind; ports
 * 1048..1063 miss. */
static void gen_tables(const struct nic_cmd_sink *sink)
{
	struct pnic_error err;

	for (uint32_t v = 1; v <= 4; v++) {
		struct nic_cmd m = { .op = NIC_OP_MAP_SET, .map = { v, v % 4 } };

		cr_assert_eq(nic_cmd_submit(sink, &m, NULL, &err), 0, "%s", err.msg);
	}
	for (uint32_t i = 0; i < 48; i++) {
		struct pnic_action a = gen_action(i);
		struct nic_cmd e;

		a.hold = gen_holds && i % GEN_HOLD_STRIDE == 0;
		e = gen_entry(i, &a);
		cr_assert_eq(nic_cmd_submit(sink, &e, NULL, &err), 0, "%s", err.msg);
	}
}

/* A random command on a holding entry: a release (ACTION_WRITE without
 * hold), a new marker that keeps what waits (ACTION_WRITE with hold), a
 * cancel by overwrite (ENTRY_WRITE without hold), a cancel that holds
 * anew (ENTRY_WRITE with hold), or a cancel by ENTRY_INVALIDATE; the new
 * action any of the eight kinds. */
static struct nic_cmd hold_cmd(uint64_t *s)
{
	uint32_t i = (uint32_t)(rnd(s) % GEN_HOLD_ENTRIES) * GEN_HOLD_STRIDE;
	uint32_t op = (uint32_t)(rnd(s) % 6);
	struct pnic_action a = gen_action((uint32_t)rnd(s));
	struct nic_cmd c = { .op = NIC_OP_ACTION_WRITE, .action.index = i };

	a.hold = op == 2 || op == 4;
	if (op <= 2) {
		action_pack(&a, &c.action.action);
		return c;
	}
	if (op <= 4)
		return gen_entry(i, &a);
	return (struct nic_cmd){ .op = NIC_OP_ENTRY_INVALIDATE, .index = i };
}

/* The command to both at the same point of the traffic: the pipeline
 * drained first, so that no packet is between its lookup and its decision
 * when the command lands (the functional NIC has no such packet; with one,
 * which word decides it is the pipeline's timing: datapath.h). */
static void hold_update(struct both *b, uint64_t *s)
{
	struct nic_cmd c = hold_cmd(s);
	struct pnic_error err;

	pfx_drain();
	pop_all();
	cr_assert_eq(both_submit(b, &c, NULL, &err), 0, "%s", err.msg);
	pfx_drain();
	pop_all();
}

/* n packets over 2 ports through the NIC and the pipeline, each port's
 * frames back to back at 100G, at a clock (150 MHz) where the header path
 * is busy every cycle: decisions and edits of successive packets overlap
 * in the action stage and the editor. */
static void gen_run(uint64_t n, struct both *b)
{
	static uint8_t f[512];
	uint64_t s = 7, hs = 11;
	struct pnic_error err;
	int rc;

	for (uint64_t k = 0; k < n; k++) {
		uint32_t flow = (uint32_t)(rnd(&s) % 1000), port = (uint32_t)(k % 2);
		uint32_t len = gen_frame(f, flow, &s), cap = k % 97 == 5 ? 30 : len;

		if (gen_holds && k % GEN_HOLD_EVERY == GEN_HOLD_EVERY - 1)
			hold_update(b, &hs);

		fn_cur = k;
		nic_process(b->nic, port, f, cap, len, k);
		while ((rc = pipeline_arrive(fx.pl, port, f, cap, len,
					     pl_max(pipeline_now(fx.pl), 1000 + k / 2), &err)) == -ENOBUFS) {
			pipeline_run_until(fx.pl, pipeline_next_event(fx.pl));
			pop_all();
		}
		cr_assert_eq(rc, 0, "%s", err.msg);
	}
	pfx_drain();
	pop_all();
}

static void gen_setup(struct both *b, uint64_t n)
{
	struct nic_params np = { .profile = key_profile_default(), .depth = 64,
				 .n_ports = 4, .n_vpids = 16, .out = fn_out,
				 .event = fn_event, .hold_frames = FN_HOLD_SLOTS };
	struct nic_cmd_sink sink = { both_submit, b };
	struct pnic_error err;

	cr_assert_eq(nic_create(&np, &b->nic, &err), 0, "%s", err.msg);
	fn_setup(n);
	fx.p.profile = key_profile_default();
	fx.p.clock_hz = 150000000;
	fx.p.bounds.ingress_bytes = 32 << 20;
	fx.p.bounds.ingress_frames = 1 << 18;
	fx.p.bounds.hold_frames = FN_HOLD_SLOTS;
	pfx_make();
	gen_tables(&sink);
}

/* n generated packets through both, compared packet by packet and in
 * their drop and hold books; the pipeline's datapath counters (the
 * pipeline lives until the fixture's teardown). */
static const struct datapath_stats *gen_compare(uint64_t n, bool holds)
{
	struct both b;

	gen_holds = holds;
	gen_setup(&b, n);
	gen_run(n, &b);
	gen_holds = false;
	compare_all(n);
	same_holds(b.nic);
	cr_assert_eq(memcmp(datapath_stats(pipeline_datapath(fx.pl))->drop_reason,
			    datapath_stats(nic_datapath(b.nic))->drop_reason,
			    sizeof datapath_stats(nic_datapath(b.nic))->drop_reason), 0);
	nic_destroy(b.nic);
	fn_teardown();
	return datapath_stats(pipeline_datapath(fx.pl));
}

Test(pipeline, same_decisions_and_bytes_as_the_functional_nic_on_120k_packets)
{
	const struct datapath_stats *a = gen_compare(120000, false);

	cr_assert_gt(a->misses, 10000);
	cr_assert_gt(a->mirrors, 1000);
	cr_assert_gt(a->edited, 10000);
	cr_assert_gt(a->parse_errors, 1000);
	cr_assert_gt(a->drop_reason[DP_DROP_EDIT], 100);
}

/* The same with entries that hold: every sixth entry's hits wait in the
 * hold buffer, and every 97 packets one of those entries is released,
 * re-marked, overwritten with or without hold, or invalidated, so that
 * packets wait, leave by a release with the new word (any kind of action:
 * forwarded, edited, mirrored, dropped, to the host, to an unmapped VPID),
 * go to the host as hold_cancelled, or find the buffer full; the runs
 * must agree on every packet, every marker and the hold books. */
Test(pipeline, same_decisions_as_the_functional_nic_with_entries_that_hold)
{
	const struct datapath_stats *a = gen_compare(40000, true);

	cr_assert_gt(a->held, 1000);
	cr_assert_gt(a->released, 300);
	cr_assert_gt(a->hold_cancelled, 300);
	cr_assert_gt(a->markers, 100);
	cr_assert_gt(a->drop_reason[DP_DROP_HOLD_FULL], 10);
	cr_assert_gt(a->mirrors, 1000);
}

/* ---- determinism ---------------------------------------------------------- */

static uint64_t digest(uint64_t n)
{
	uint64_t h = 0;
	struct pipeline_stats st = pfx_stats();

	for (uint64_t k = 0; k < n; k++) {
		h = h * 31 + pfx_sum((const uint8_t *)&fx.rec[k], sizeof fx.rec[k]);
		h = h * 31 + pfx_sum((const uint8_t *)&fx.tx[k], sizeof fx.tx[k]);
		h = h * 31 + pfx_sum((const uint8_t *)&fx.mir[k], sizeof fx.mir[k]);
	}
	return h * 31 + pfx_sum((const uint8_t *)&st, sizeof st);
}

Test(pipeline, same_input_same_results)
{
	struct both b;
	uint64_t d[2];

	for (int i = 0; i < 2; i++) {
		pfx_teardown();
		pfx_setup();
		gen_setup(&b, 20000);
		gen_run(20000, &b);
		d[i] = digest(20000);
		nic_destroy(b.nic);
		fn_teardown();
	}
	cr_assert_eq(d[0], d[1]);
}

/* ---- anything a caller may throw at it ------------------------------------ */

/* Random frames (random bytes, lengths 0..2000, some claiming more than
 * they hold), random ports and times, random commands (many refused),
 * random runs and pops, small queues: nothing crashes, every refusal is a
 * return code, and the books balance after every run. */
Test(pipeline, random_use_keeps_the_books)
{
	static uint8_t f[2048];
	uint64_t s = 99, t = 0;
	struct pipeline_upcall u;
	struct pipeline_stats st;
	struct pnic_error err;

	fx.p.bounds = (struct pipeline_bounds){
		.ingress_bytes = 3000, .ingress_frames = 8, .egress_bytes = 2000,
		.egress_frames = 4, .to_host_bytes = 4000, .to_host_frames = 4,
		.cfg_commands = 3, .wire_bytes = 20000, .wire_frames = 16,
		.max_frame = 1514,
	};
	fx.p.egress = NULL;     /* the logs hold 1024 packet-outs */
	fx.p.record = NULL;
	pfx_make();
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t r = rnd(&s);
		uint32_t len = (uint32_t)(r % 2001), cap = (uint32_t)(rnd(&s) % (len + 1));
		struct nic_cmd c = pfx_entry((uint32_t)(r % 80), (uint16_t)(r % 5),
					     (struct pnic_action){ .kind = (uint8_t)(r % 3),
								   .vpid = (uint16_t)(r % 6) });

		for (uint32_t k = 0; k < cap; k += 8)
			memcpy(f + k, &r, 8);
		if (r % 7 == 0)
			c = (struct nic_cmd){ .op = NIC_OP_MAP_SET,
					      .map = { (uint32_t)(r % 20), (uint32_t)(r % 6) } };
		if (r % 11 == 0)
			c = (struct nic_cmd){ .op = NIC_OP_PACKET_OUT,
					      .packet = { (uint32_t)(r % 5), len, f } };
		t += rnd(&s) % 8;
		pipeline_arrive(fx.pl, (uint32_t)(r % 5), f, cap, len, t, &err);
		pipeline_apply(fx.pl, &c, NULL, &err);
		if (r % 3 == 0)
			pipeline_run_until(fx.pl, t);
		if (r % 5 == 0)
			pipeline_to_host_pop(fx.pl, &u);
		t = pl_max(t, pipeline_now(fx.pl));
		if (i % 1000 == 0)
			pfx_conserved();
	}
	pfx_drain();
	st = pfx_stats();
	cr_assert_gt(st.arrivals, 3000);
	cr_assert_gt(st.departed, 0);
	cr_assert_gt(st.to_host, 0);
	cr_assert_gt(st.dropped[PL_DROP_OVERSIZE], 0);
	cr_assert_gt(st.dropped[PL_DROP_EGRESS_FULL], 0);
	cr_assert_gt(st.dropped[PL_DROP_PACKET_OUT_FULL], 0);
}
