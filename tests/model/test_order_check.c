/* The order check: a flow's departures against its arrival order, with
 * packet-outs found by their bytes among the frames sent to the host. */
#include <criterion/criterion.h>
#include <errno.h>

#include "model/order_check.h"
#include "tests/model/frames.h"

static struct order_check *oc;

static void make(void)
{
	struct order_check_params p = { .to_host_slots = 16, .flow_slots = 16 };
	struct pnic_error err;

	cr_assert_eq(order_check_create(&p, &oc, &err), 0, "%s", err.msg);
	order_check_watch(oc);   /* the cases below follow a packet sent up */
}

static void done(void)
{
	order_check_destroy(oc);
	oc = NULL;
}

TestSuite(order_check, .init = make, .fini = done);

static uint32_t udp(uint8_t *f, uint16_t sport, uint8_t seq)
{
	return fb_udp64(f, sport, 53, seq);
}

Test(order_check, a_packet_out_behind_a_later_hit_is_reordered)
{
	uint8_t f[3][64];
	uint32_t n = 0;

	for (uint8_t k = 0; k < 3; k++)
		n = udp(f[k], 1000, k);
	order_check_to_host(oc, 0, f[0], n);
	order_check_to_host(oc, 1, f[1], n);
	order_check_depart(oc, ORDER_CHECK_NO_ID, f[0], n);   /* id 0 */
	order_check_depart(oc, 2, f[2], n);                   /* a hit */
	order_check_depart(oc, ORDER_CHECK_NO_ID, f[1], n);   /* id 1: late */
	cr_assert_eq(order_check_stats(oc)->reordered, 1);
	cr_assert_eq(order_check_stats(oc)->in_order, 2);
	cr_assert_eq(order_check_stats(oc)->unmatched, 0);
}

Test(order_check, flows_are_apart_and_in_order_is_counted)
{
	uint8_t a[64], b[64];
	uint32_t n = udp(a, 1000, 0);

	udp(b, 2000, 0);
	order_check_depart(oc, 5, a, n);
	order_check_depart(oc, 3, b, n);     /* another flow: not behind 5 */
	order_check_depart(oc, 6, a, n);
	cr_assert_eq(order_check_stats(oc)->reordered, 0);
	cr_assert_eq(order_check_stats(oc)->in_order, 3);
	cr_assert_eq(order_check_stats(oc)->departures, 3);
}

Test(order_check, unknown_packet_outs_and_full_tables_are_counted)
{
	uint8_t f[64];
	uint32_t n = udp(f, 1000, 9);
	const struct order_check_stats *s = order_check_stats(oc);

	order_check_depart(oc, ORDER_CHECK_NO_ID, f, n);
	cr_assert_eq(s->unmatched, 1);
	for (uint8_t k = 0; k < 20; k++) {
		udp(f, 1000, k);
		order_check_to_host(oc, k, f, n);
	}
	cr_assert_eq(s->to_host, 12, "three quarters of 16 slots");
	cr_assert_eq(s->to_host_dropped, 8);
	/* Identical frames: the earliest arrival goes first; deletes keep
	 * the others findable. */
	for (uint8_t k = 0; k < 12; k++) {
		udp(f, 1000, k);
		order_check_depart(oc, ORDER_CHECK_NO_ID, f, n);
	}
	cr_assert_eq(s->in_order, 12);
	cr_assert_eq(s->unmatched, 1);
	cr_assert_eq(s->departures, s->in_order + s->reordered + s->unmatched + s->untracked);
}

/* Before any packet heads to the host nothing can be overtaken, so
 * forwarded departures are counted in order unread (a garbled frame
 * too); once one does, the same departures are looked at. */
Test(order_check, departures_are_read_only_once_a_packet_went_up)
{
	struct order_check_params p = { .to_host_slots = 16, .flow_slots = 16 };
	const struct order_check_stats *s;
	struct order_check *fresh;
	struct pnic_error err;
	uint8_t f[64], junk[8] = { 0 };
	uint32_t n = udp(f, 1000, 0);

	cr_assert_eq(order_check_create(&p, &fresh, &err), 0, "%s", err.msg);
	s = order_check_stats(fresh);
	order_check_depart(fresh, 7, f, n);
	order_check_depart(fresh, 4, f, n);
	order_check_depart(fresh, 5, junk, sizeof junk);
	cr_assert_eq(s->in_order, 3);
	cr_assert_eq(s->reordered + s->untracked, 0);
	order_check_watch(fresh);
	order_check_depart(fresh, 9, f, n);
	order_check_depart(fresh, 8, f, n);
	order_check_depart(fresh, 10, junk, sizeof junk);
	cr_assert_eq(s->reordered, 1);
	cr_assert_eq(s->untracked, 1);
	cr_assert_eq(s->departures, s->in_order + s->reordered + s->unmatched + s->untracked);
	order_check_destroy(fresh);
}

Test(order_check, bad_sizes_refused)
{
	struct order_check_params p = { .to_host_slots = 12 };
	struct order_check *x = NULL;
	struct pnic_error err;

	cr_assert_eq(order_check_create(&p, &x, &err), -EINVAL);
	cr_assert_null(x);
}

/* More flows than the table holds (16 slots: 12 a generation): none goes
 * untracked; a flow seen in the last generation keeps its latest
 * departure across the turn, so its packet-out behind a later hit is
 * still reordered; one silent for two generations is forgotten. */
Test(order_check, flows_turn_over_in_generations)
{
	const struct order_check_stats *s = order_check_stats(oc);
	uint8_t f[64], a[64];
	uint32_t n = 0, na = udp(a, 7, 0);

	order_check_depart(oc, 50, a, na);               /* flow 7's hit */
	for (uint16_t k = 0; k < 12; k++) {
		n = udp(f, (uint16_t)(100 + k), 0);
		order_check_depart(oc, 100 + k, f, n);
	}
	cr_assert_eq(s->flow_generations, 1);
	order_check_depart(oc, 40, a, na);               /* from the old one */
	cr_assert_eq(s->reordered, 1, "flow 7's latest departure kept");
	for (uint16_t k = 0; k < 24; k++) {
		n = udp(f, (uint16_t)(200 + k), 0);
		order_check_depart(oc, 200 + k, f, n);
	}
	cr_assert_eq(s->flow_generations, 3);
	order_check_depart(oc, 30, a, na);
	cr_assert_eq(s->reordered, 1, "silent for two generations: forgotten");
	cr_assert_eq(s->untracked, 0);
	cr_assert_eq(s->departures, s->in_order + s->reordered + s->unmatched + s->untracked);
}
