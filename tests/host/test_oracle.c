/* The correctness oracle over a NIC in process: the NIC's outputs and the
 * FPAG's packet-outs are told to the oracle as pnicsim run tells them
 * (arrival ids, event numbers, the packet-out's tag), and the oracle's
 * decider runs the same rules alone.  A run as built agrees packet for
 * packet; a NIC whose VPID map is corrupted behind the FPAG's back is
 * caught (each wrong departure a mismatch), except inside a window given
 * for it; a byte edited on the way is caught with its offset; capacity
 * drops and packets with no final decision are counted apart; bad
 * parameters are refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "host/oracle.h"
#include "model/frame.h"
#include "model/nic.h"
#include "tests/host/vm_frames.h"

#define DEPTH 32
#define PORTS 4
#define FMAX 128

static const struct fpag_vnic vnics[2] = {
	{ .id = 10, .mac = MAC(0), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 1), .ppid = 0 },
	{ .id = 11, .mac = MAC(1), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 2), .ppid = 1 },
};

/* One mark action (nothing for the FPAG) whose window a test may give. */
static const struct fpag_prog_action mark = { .at_ns = 0, .op = FPAG_PROG_MARK };

static struct nic *nic;
static struct ruleset *rs, *ors;      /* the FPAG's and the oracle's */
static struct fpag *fp;
static struct oracle *orc;
static uint64_t next_id, now;
static uint32_t next_seq;
static bool in_host;                  /* the FPAG is at work: its
				       * packet-outs are not arrivals' */

static void out_cb(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	struct pnic_error err;
	uint64_t id = next_id - 1;
	uint32_t seq;

	(void)ctx;
	if (in_host)
		return;
	if (o->kind == DP_OUT_EGRESS) {
		cr_assert_eq(oracle_forwarded(orc, id, o->ppid, frame, caplen, &err), 0);
	} else if (o->kind == DP_OUT_DROP) {
		oracle_dropped(orc, id, false);
	} else if (o->kind == DP_OUT_TO_HOST) {
		seq = next_seq++;
		cr_assert_eq(oracle_to_host(orc, id, seq, true, &err), 0);
		in_host = true;
		fpag_set_tag(fp, seq);
		cr_assert_eq(fpag_miss(fp, o->in_port, frame, caplen, len, now, &err), 0,
			     "%s", err.msg);
		in_host = false;
		oracle_host_handled(orc, seq, now, false);
	}
}

/* The FPAG's sink: what it sends for a miss goes to the oracle, then to
 * the NIC. */
static int sink_cb(void *ctx, const struct nic_cmd *c, struct nic_cmd_result *res,
		   struct pnic_error *err)
{
	struct nic_cmd_sink s = nic_sink(nic);

	(void)ctx;
	if (c->op == NIC_OP_PACKET_OUT)
		cr_assert_eq(oracle_host_sent(orc, (uint32_t)fpag_out_tag(fp), c->packet.ppid,
					      c->packet.frame, c->packet.len, err), 0);
	return nic_cmd_submit(&s, c, res, err);
}

/* Allow UDP 5000-5999, default deny; each VNIC's /32 routed to it. */
static struct ruleset *make_rules(void)
{
	struct ruleset_params rp = { .fw_default_allow = false };
	struct ruleset_rule r = {
		.verdict = RULESET_ALLOW, .sport_hi = 65535, .dport_lo = 5000,
		.dport_hi = 5999, .proto = 17, .proto_mask = 0xff,
	};
	struct ruleset *set;
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_create(&rp, &set, &err), 0, "%s", err.msg);
	cr_assert_eq(ruleset_rule_add(set, RULESET_END, &r, &id, NULL, NULL, NULL, &err), 0);
	for (uint32_t i = 0; i < 2; i++)
		cr_assert_eq(ruleset_l3_add(set, ruleset_ip_v4(vnics[i].ipv4), 128, i,
					    &id, NULL, NULL, NULL, &err), 0, "%s", err.msg);
	return set;
}

static void fpag_params_of(struct ruleset *set, struct fpag_params *p)
{
	*p = (struct fpag_params){
		.profile = key_profile_default(), .depth = DEPTH, .n_ports = PORTS,
		.vnics = vnics, .n_vnics = 2, .rules = set,
		.sink = { sink_cb, NULL },
	};
	fpag_costs_default(&p->costs);
}

static void setup(void)
{
	struct nic_params np = {
		.profile = key_profile_default(), .depth = DEPTH, .n_ports = PORTS,
		.n_vpids = 16, .out = out_cb,
	};
	struct oracle_params op = { .actions = &mark, .n_actions = 1 };
	struct fpag_params fpp;
	struct pnic_error err;

	next_id = now = 0;
	next_seq = 0;
	cr_assert_eq(nic_create(&np, &nic, &err), 0, "%s", err.msg);
	rs = make_rules();
	ors = make_rules();
	fpag_params_of(rs, &fpp);
	cr_assert_eq(fpag_create(&fpp, &fp, &err), 0, "%s", err.msg);
	fpag_params_of(ors, &op.fpag);
	cr_assert_eq(oracle_create(&op, &orc, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	oracle_destroy(orc);
	fpag_destroy(fp);
	ruleset_destroy(rs);
	ruleset_destroy(ors);
	nic_destroy(nic);
	orc = NULL;
	fp = NULL;
}

/* A 64-byte UDP frame from VNIC s to VNIC d. */
static uint32_t udp_frame(uint8_t *b, unsigned s, unsigned d, uint16_t dport)
{
	return vm_frame(b, s, d, vnics[s].ipv4, vnics[d].ipv4, 17, 40000, dport, 0);
}

/* One arrival from VNIC s, told to the oracle, then through the NIC. */
static void send(unsigned s, unsigned d, uint16_t dport)
{
	uint8_t b[FMAX];
	uint32_t n = udp_frame(b, s, d, dport);
	struct pnic_error err;

	now += 1000;
	cr_assert_eq(oracle_arrival(orc, next_id++, vnics[s].ppid, now, b, n, n, &err), 0);
	nic_process(nic, vnics[s].ppid, b, n, n, now);
}

static const struct oracle_stats *finish(void)
{
	struct pnic_error err;

	cr_assert_eq(oracle_finish(orc, &err), 0, "%s", err.msg);
	return oracle_stats(orc);
}

/* Points VNIC 1's VPID at PPID 3 behind the FPAG's back: the NIC now
 * sends VNIC 1's traffic out of the wrong port. */
static void corrupt_map(void)
{
	struct nic_cmd c = { .op = NIC_OP_MAP_SET };
	struct pnic_error err;

	c.map.vpid = fpag_endpoint_vpid(fp, 1);
	c.map.ppid = 3;
	cr_assert_eq(nic_apply(nic, &c, NULL, &err), 0, "%s", err.msg);
}

Test(oracle, agrees_with_the_slow_path, .init = setup, .fini = teardown)
{
	const struct oracle_stats *st;

	for (int i = 0; i < 4; i++)
		send(0, 1, 5001);      /* a miss, then hits */
	send(0, 1, 22);                /* denied: a drop entry */
	send(0, 1, 22);
	send(1, 0, 5002);
	st = finish();
	cr_assert_eq(st->arrivals, 7);
	cr_assert_eq(st->compared, 7);
	cr_assert_eq(st->matched, 7);
	cr_assert_eq(st->mismatches, 0);
	cr_assert_eq(st->drops, 2);
	cr_assert_eq(st->forwards, 5);
	cr_assert_eq(datapath_stats(nic_datapath(nic))->hits, 4,
		     "most packets were the NIC's own decisions");
}

Test(oracle, corrupted_nic_decisions_are_caught, .init = setup, .fini = teardown)
{
	const struct oracle_stats *st;
	const struct oracle_mismatch *m;
	uint32_t n;

	send(0, 1, 5001);
	send(0, 1, 5001);
	corrupt_map();
	send(0, 1, 5001);
	send(0, 1, 5001);
	send(1, 0, 5002);              /* toward VNIC 0: untouched */
	st = finish();
	cr_assert_eq(st->compared, 5);
	cr_assert_eq(st->mismatches, 2);
	cr_assert_eq(st->matched, 3);
	m = oracle_mismatches(orc, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(m[0].id, 2);
	cr_assert_eq(m[0].expected.v, ORACLE_FORWARD);
	cr_assert_eq(m[0].expected.ppid, 1);
	cr_assert_eq(m[0].got.ppid, 3);
	cr_assert_eq(m[0].at_ns, 3000);
}

Test(oracle, windows_excuse_only_their_span, .init = setup, .fini = teardown)
{
	const struct oracle_stats *st;

	send(0, 1, 5001);
	corrupt_map();
	send(0, 1, 5001);              /* at 2000: inside the window */
	send(0, 1, 5001);              /* at 3000: after it */
	oracle_window(orc, 0, 1500, 2500);
	st = finish();
	cr_assert_eq(st->in_window, 1);
	cr_assert_eq(st->in_window_kind[FPAG_PROG_MARK], 1);
	cr_assert_eq(st->mismatches, 1);
	cr_assert_eq(st->windows, 1);
}

Test(oracle, edited_bytes_are_caught, .init = setup, .fini = teardown)
{
	uint8_t b[FMAX];
	uint32_t n = udp_frame(b, 0, 1, 5001), k;
	const struct oracle_mismatch *m;
	struct pnic_error err;

	cr_assert_eq(oracle_arrival(orc, 0, 0, 10, b, n, n, &err), 0);
	b[40] ^= 1;
	cr_assert_eq(oracle_forwarded(orc, 0, 1, b, n, &err), 0);
	cr_assert_eq(finish()->mismatches, 1);
	m = oracle_mismatches(orc, &k);
	cr_assert_eq(k, 1);
	cr_assert_eq(m[0].byte, 40);
}

Test(oracle, capacity_and_undecided_are_apart, .init = setup, .fini = teardown)
{
	uint8_t b[FMAX];
	uint32_t n = udp_frame(b, 0, 1, 5001);
	const struct oracle_stats *st;
	struct pnic_error err;

	for (uint64_t id = 0; id < 4; id++)
		cr_assert_eq(oracle_arrival(orc, id, 0, 10 + id, b, n, n, &err), 0);
	oracle_dropped(orc, 0, true);                        /* a full queue */
	cr_assert_eq(oracle_to_host(orc, 1, 7, true, &err), 0);   /* never handled */
	cr_assert_eq(oracle_to_host(orc, 2, 8, true, &err), 0);
	oracle_host_handled(orc, 8, 20, true);               /* queued, never sent */
	cr_assert_eq(oracle_to_host(orc, 3, 9, false, &err), 0);  /* the host drops */
	cr_assert_eq(oracle_forwarded(orc, 99, 1, b, n, &err), 0, "an unknown id is ignored");
	st = finish();
	cr_assert_eq(st->capacity, 1);
	cr_assert_eq(st->unresolved, 2);
	cr_assert_eq(st->compared, 1);
	cr_assert_eq(st->mismatches, 1, "the slow path forwards it");
	cr_assert_eq(st->arrivals, st->compared + st->capacity + st->unresolved);
	cr_assert_eq(oracle_finish(orc, &err), -EALREADY);
}

Test(oracle, refuses_bad_params)
{
	struct oracle_params op = { .n_actions = 1 };
	struct oracle *o = (struct oracle *)1;
	struct pnic_error err;

	cr_assert_eq(oracle_create(&op, &o, &err), -EINVAL, "no rule set");
	cr_assert_null(o);
	rs = make_rules();
	fpag_params_of(rs, &op.fpag);
	cr_assert_eq(oracle_create(&op, &o, &err), -EINVAL, "actions without an array");
	op.n_actions = 0;
	cr_assert_eq(oracle_create(&op, &o, &err), 0, "%s", err.msg);
	oracle_destroy(o);
	oracle_destroy(NULL);
	ruleset_destroy(rs);
}
