/* The FPAG over a NIC in process: the ordering guarantee (host/fpag_order.c): hold, landed marker,
 * release; a flow's packets never overtaken, each sent once. */
#include "tests/host/fpag_rig.h"

/* ---- the ordering guarantee ------------------------------------------------ */

static enum fpag_ordering ordering_mode;

static void tune_ordering(struct nic_params *np, struct fpag_params *fpp)
{
	(void)np;
	fpp->ordering = ordering_mode;
}

/* Packet seq of the UDP flow VNIC 0 -> VNIC 1 into the NIC, nothing
 * handled on the host. */
static void wire(uint8_t seq)
{
	uint8_t b[FMAX];
	uint32_t n = frame(b, 0, 1, UDP, 1000, 5001, 0);

	b[SEQ_AT] = seq;
	now += 1000;
	nic_process(nic, at[0], b, n, n, now);
}

static void host_miss(unsigned i)
{
	struct pnic_error err;

	cr_assert_lt(i, nq);
	cr_assert_eq(fpag_miss(fp, q[i].in_port, q[i].b, q[i].len, q[i].len, now, &err),
		     0, "%s", err.msg);
}

static void host_events(void)
{
	struct pnic_error err;

	for (unsigned i = 0; i < nev; i++)
		cr_assert_eq(fpag_event(fp, &evq[i], now, &err), 0, "%s", err.msg);
	nev = 0;
}

/* Packets 1 and 2 miss back to back; the host installs on 1, packet 3
 * hits the new entry before the host has seen 2; then 4.  What leaves by
 * VNIC 1's PPID, in order. */
static void round_trip_race(enum fpag_ordering mode)
{
	ordering_mode = mode;
	tune = tune_ordering;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	wire(1);
	wire(2);
	cr_assert_eq(nq, 2);
	host_miss(0);
	wire(3);
	host_miss(1);
	host_events();
	wire(4);
	host_events();
}

Test(fpag_order, hold_keeps_arrival_order_each_packet_once, .fini = teardown_all)
{
	round_trip_race(FPAG_ORDER_HOLD);
	cr_assert_eq(n_eg_seq, 4, "each packet once");
	for (unsigned k = 0; k < 4; k++)
		cr_assert_eq(eg_seq[k], k + 1, "position %u: packet %u", k, eg_seq[k]);
	cr_assert_eq(fpag_stats(fp)->installs, 1, "two misses, one install");
	cr_assert_eq(fpag_stats(fp)->order_queued, 2);
	cr_assert_eq(fpag_stats(fp)->order_sent, 2);
	cr_assert_eq(fpag_stats(fp)->markers, 1);
	cr_assert_eq(fpag_stats(fp)->releases, 1);
	cr_assert_eq(dps()->held, 1);
	cr_assert_eq(dps()->released, 1);
	cr_assert_eq(dps()->held_now, 0);
	cr_assert_eq(dps()->hits, 2);
}

Test(fpag_order, none_lets_the_fast_path_overtake, .fini = teardown_all)
{
	static const uint8_t want[4] = { 1, 3, 2, 4 };

	round_trip_race(FPAG_ORDER_NONE);
	cr_assert_eq(n_eg_seq, 4);
	cr_assert_arr_eq(eg_seq, want, 4, "packet 3 overtakes packet 2");
	cr_assert_eq(fpag_stats(fp)->markers, 0);
}

/* The entry leaves while misses wait for it: they go at once, and the
 * packets the NIC held come up (hold cancelled) after them. */
Test(fpag_order, an_entry_removed_while_holding_sends_its_queue, .fini = teardown_all)
{
	struct ruleset_rule deny = {
		.verdict = RULESET_DENY, .sport_hi = 65535, .dport_lo = 5001,
		.dport_hi = 5001, .proto = UDP, .proto_mask = 0xff,
	};
	struct pnic_error err;
	uint32_t id;

	ordering_mode = FPAG_ORDER_HOLD;
	tune = tune_ordering;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	wire(1);
	host_miss(0);
	wire(2);                      /* held */
	nq = 0;
	/* A rule update denies the flow before the marker is read: the
	 * entry is invalidated, packet 1 goes out, packet 2 comes up. */
	cr_assert_eq(fpag_rule_add(fp, 0, &deny, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(fpag_stats(fp)->order_flushed, 1);
	cr_assert_eq(n_eg_seq, 1);
	cr_assert_eq(eg_seq[0], 1);
	cr_assert_eq(dps()->hold_cancelled, 1);
	cr_assert_eq(nq, 1, "the held packet is the host's again");
	host_events();
	cr_assert_eq(fpag_stats(fp)->markers_stale, 1, "the marker names a write since overtaken");
	cr_assert_eq(dps()->held_now, 0);
}

/* UDP packet seq of VNIC 0 -> VNIC 1 to port dport into the NIC. */
static void wire_to(uint16_t dport, uint8_t seq)
{
	uint8_t b[FMAX];
	uint32_t n = frame(b, 0, 1, UDP, 1000, dport, 0);

	b[SEQ_AT] = seq;
	now += 1000;
	nic_process(nic, at[0], b, n, n, now);
}

/* The host reads what the NIC gave it from misses q[first..] on and the
 * events, in the order the NIC gave them (its to-host path is FIFO), as
 * the mailbox would deliver them. */
static void host_in_nic_order(unsigned first)
{
	struct pnic_error err;
	unsigned e = 0;

	for (unsigned i = first; i < nq; i++) {
		while (e < q_after_ev[i])
			cr_assert_eq(fpag_event(fp, &evq[e++], now, &err), 0, "%s", err.msg);
		host_miss(i);
	}
	while (e < nev)
		cr_assert_eq(fpag_event(fp, &evq[e++], now, &err), 0, "%s", err.msg);
	nq = nev = 0;
}

/* An insert moves a holding entry: the copy is written (holding) at its
 * new index, whose marker comes up at once, then the old index is
 * invalidated and the packet it held comes up cancelled, behind that
 * marker.  Released on the copy's marker, the new index would let a
 * later packet out ahead of the cancelled one; the FPAG writes the hold
 * again after the move and releases on that write's marker instead. */
static void tune_upper_levels(struct nic_params *np, struct fpag_params *fpp)
{
	(void)np;
	fpp->ordering = FPAG_ORDER_HOLD;
	fpp->max_rules = 16;   /* the rules' levels in the upper half: packed
				* from index 0, so a higher one moves them */
}

Test(fpag_order, a_holding_entry_moved_by_an_insert_keeps_order, .fini = teardown_all)
{
	tune = tune_upper_levels;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	wire_to(7000, 1);             /* misses: UDP 7000's rule, level 4 */
	host_miss(0);                 /* installs, holding; 1 queued */
	wire_to(7000, 2);             /* held */
	wire_to(5001, 9);             /* another flow: UDP 5000s, level 3 */
	host_miss(1);                 /* its insert moves 7000's entry down */
	cr_assert_eq(fpag_stats(fp)->order_rearms, 1);
	cr_assert_eq(dps()->hold_cancelled, 1, "the old index's held packet");
	wire_to(7000, 3);             /* held at the new index */
	host_in_nic_order(2);
	cr_assert_geq(fpag_stats(fp)->markers_stale, 1, "the copy's marker");
	cr_assert_eq(dps()->held_now, 0);
	cr_assert_eq(n_eg_seq, 4, "each packet once");
	for (unsigned k = 0, want = 1; k < n_eg_seq; k++) {
		if (eg_seq[k] == 9)
			continue;
		cr_assert_eq(eg_seq[k], want++, "flow 7000, position %u: packet %u",
			     k, eg_seq[k]);
	}
}

static int null_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	(void)ctx;
	(void)c;
	(void)res;
	(void)err;
	return 0;
}

/* The marker is lost (the event ring was full): the gap releases the
 * holding entry, its queued misses first, and nothing stays held. */
Test(fpag_order, a_lost_marker_is_released_on_the_gap, .fini = teardown_all)
{
	struct pnic_error err;

	ordering_mode = FPAG_ORDER_HOLD;
	tune = tune_ordering;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	wire(1);
	wire(2);
	host_miss(0);
	wire(3);                   /* hits the entry: held */
	host_miss(1);              /* queued behind its marker */
	nev = 0;                   /* the marker is lost */
	cr_assert_eq(n_eg_seq, 0, "all waiting");
	cr_assert_eq(dps()->held_now, 1);
	cr_assert_eq(fpag_events_lost(fp, now, &err), 0, "%s", err.msg);
	cr_assert_eq(fpag_stats(fp)->gap_releases, 1);
	cr_assert_eq(dps()->held_now, 0, "nothing stays held");
	cr_assert_eq(n_eg_seq, 3);
	for (unsigned k = 0; k < 3; k++)
		cr_assert_eq(eg_seq[k], k + 1, "position %u: packet %u", k, eg_seq[k]);
	cr_assert_eq(fpag_events_lost(fp, now, &err), 0, "%s", err.msg);
	cr_assert_eq(fpag_stats(fp)->gap_releases, 1, "a released entry is left alone");
}

Test(fpag_order, bad_ordering_params_refused)
{
	struct fpag_params p = {
		.profile = key_profile_default(), .depth = 8, .n_ports = 2,
		.ordering = (enum fpag_ordering)7,
	};
	struct ruleset_params rp = { .fw_default_allow = false };
	struct pnic_error err;
	struct fpag *f = NULL;

	cr_assert_eq(ruleset_create(&rp, &rs, &err), 0, "%s", err.msg);
	p.rules = rs;
	p.sink = (struct nic_cmd_sink){ .submit = null_submit };
	cr_assert_eq(fpag_create(&p, &f, &err), -ERANGE);
	cr_assert(strstr(err.msg, "ordering"), "%s", err.msg);
	cr_assert_null(f);
	p.ordering = FPAG_ORDER_HOLD;
	p.order_frames = FPAG_ORDER_FRAMES_MAX + 1;
	cr_assert_eq(fpag_create(&p, &f, &err), -ERANGE);
	cr_assert_null(f);
	ruleset_destroy(rs);
	rs = NULL;
}
