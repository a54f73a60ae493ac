#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/flow_counters.h"

static struct flow_counters *make(uint32_t depth)
{
	struct flow_counters_params p = { .depth = depth };
	struct flow_counters *c;
	struct pnic_error err;

	cr_assert_eq(flow_counters_create(&p, &c, &err), 0, "%s", err.msg);
	return c;
}

Test(flow_counters, create_refuses_bad_depth)
{
	struct flow_counters_params p = { .depth = 0 };
	struct flow_counters *c = (struct flow_counters *)1;
	struct pnic_error err;

	cr_assert_eq(flow_counters_create(&p, &c, &err), -EINVAL);
	cr_assert_null(c);
	cr_assert(strstr(err.msg, "depth 0"), "%s", err.msg);
	flow_counters_destroy(NULL);
}

Test(flow_counters, hits_accumulate_per_entry)
{
	struct flow_counters *c = make(64);
	struct flow_counter e;
	struct flow_counters_totals t;

	cr_assert_eq(flow_counters_depth(c), 64);
	flow_counters_read(c, 5, &e);
	cr_assert_eq(e.packets | e.bytes | e.last_hit, 0);
	flow_counters_hit(c, 5, 64, 100);
	flow_counters_hit(c, 5, 1500, 250);
	flow_counters_hit(c, 63, 9000, 300);
	flow_counters_read(c, 5, &e);
	cr_assert_eq(e.packets, 2);
	cr_assert_eq(e.bytes, 1564);
	cr_assert_eq(e.last_hit, 250);
	flow_counters_read(c, 63, &e);
	cr_assert_eq(e.packets, 1);
	cr_assert_eq(e.bytes, 9000);
	cr_assert_eq(e.last_hit, 300);
	flow_counters_read(c, 6, &e);
	cr_assert_eq(e.packets | e.bytes | e.last_hit, 0);
	flow_counters_totals(c, &t);
	cr_assert_eq(t.packets, 3);
	cr_assert_eq(t.bytes, 10564);
	cr_assert_eq(t.stray, 0);
	flow_counters_destroy(c);
}

Test(flow_counters, clear_one_entry_keeps_totals)
{
	struct flow_counters *c = make(16);
	struct flow_counter e;
	struct flow_counters_totals t;
	struct pnic_error err;

	flow_counters_hit(c, 1, 100, 10);
	flow_counters_hit(c, 2, 200, 20);
	cr_assert_eq(flow_counters_clear(c, 1, &err), 0);
	flow_counters_read(c, 1, &e);
	cr_assert_eq(e.packets | e.bytes | e.last_hit, 0);
	flow_counters_read(c, 2, &e);
	cr_assert_eq(e.packets, 1);
	flow_counters_totals(c, &t);
	cr_assert_eq(t.packets, 2);
	cr_assert_eq(t.bytes, 300);
	cr_assert_eq(t.clears, 1);
	cr_assert_eq(flow_counters_clear(c, 16, &err), -ERANGE);
	cr_assert(strstr(err.msg, "index 16"), "%s", err.msg);
	flow_counters_totals(c, &t);
	cr_assert_eq(t.clears, 1);
	flow_counters_destroy(c);
}

Test(flow_counters, out_of_range_is_stray)
{
	struct flow_counters *c = make(16);
	struct flow_counter e = { 1, 1, 1 };
	struct flow_counters_totals t;

	flow_counters_hit(c, 16, 100, 5);
	flow_counters_hit(c, 0xffffffffu, 100, 5);
	flow_counters_totals(c, &t);
	cr_assert_eq(t.stray, 2);
	cr_assert_eq(t.packets, 0);
	cr_assert_eq(t.bytes, 0);
	flow_counters_read(c, 16, &e);
	cr_assert_eq(e.packets | e.bytes | e.last_hit, 0);
	flow_counters_destroy(c);
}

/* Against a trivial oracle: per-entry sums over a random hit stream. */
Test(flow_counters, random_against_oracle)
{
	enum { D = 128, N = 100000 };
	static uint64_t pk[D], by[D], last[D];
	struct flow_counters *c = make(D);
	uint64_t s = 12345, tp = 0, tb = 0;
	struct flow_counters_totals t;

	for (uint64_t now = 1; now <= N; now++) {
		uint32_t i, b;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		i = (uint32_t)(s >> 33) % D;
		b = 60 + (uint32_t)(s >> 20) % 9000;
		flow_counters_hit(c, i, b, now * 7);
		pk[i]++; by[i] += b; last[i] = now * 7;
		tp++; tb += b;
		if ((s >> 50) % 1000 == 0) {
			cr_assert_eq(flow_counters_clear(c, i, NULL), 0);
			pk[i] = by[i] = last[i] = 0;
		}
	}
	for (uint32_t i = 0; i < D; i++) {
		struct flow_counter e;

		flow_counters_read(c, i, &e);
		cr_assert_eq(e.packets, pk[i], "entry %u", i);
		cr_assert_eq(e.bytes, by[i], "entry %u", i);
		cr_assert_eq(e.last_hit, last[i], "entry %u", i);
	}
	flow_counters_totals(c, &t);
	cr_assert_eq(t.packets, tp);
	cr_assert_eq(t.bytes, tb);
	flow_counters_destroy(c);
}
