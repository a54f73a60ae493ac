/* The FPAG over a NIC in process: evict_lru (host/fpag_lru.c): a full table evicts the entry least
 * recently hit, by the callback or by the FPAG's own heap of polled last
 * hits, against a scan. */
#include "tests/host/fpag_rig.h"

Test(fpag_lru, table_full_evicts_lru, .fini = teardown_all)
{
	fdepth = 2;
	full = TP_FULL_EVICT_LRU;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	for (uint16_t i = 0; i < 3; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	cr_assert_eq(fpag_stats(fp)->installs, 3);
	cr_assert_eq(fpag_stats(fp)->evictions, 1);
	cr_assert_eq(fpag_stats(fp)->entries_live, 2);
	cr_assert_eq(fpag_stats(fp)->table_full, 0);
	send(0, 1, UDP, 1002, 5001, 0);
	cr_assert_eq(dps()->hits, 1, "the newest flow hits");
	cr_assert_eq(egress[1], 4);
}

static void tune_lru(struct nic_params *np, struct fpag_params *fpp)
{
	(void)np;
	fpp->count = true;
	fpp->stats_ns = 10000;
	fpp->last_hit = NULL;
}

/* evict_lru without a callback: the FPAG's own last hits, from its polls
 * (fpag_tick polls every stats_ns). */
Test(fpag_lru, eviction_by_polled_last_hits, .fini = teardown_all)
{
	struct pnic_error err;
	uint64_t misses;

	fdepth = 3;
	full = TP_FULL_EVICT_LRU;
	tune = tune_lru;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	cr_assert_eq(fpag_next_deadline(fp), 10000);
	for (uint16_t i = 0; i < 3; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	send(0, 1, UDP, 1000, 5001, 0);   /* flows 0 and 2 hit, 1 does not */
	send(0, 1, UDP, 1002, 5001, 0);
	cr_assert_eq(fpag_tick(fp, now, &err), 0);
	cr_assert_eq(fpag_stats(fp)->counter_polls, 0, "not due");
	now = 10000;
	cr_assert_eq(fpag_tick(fp, now, &err), 0);
	cr_assert_eq(fpag_stats(fp)->counter_polls, 1);
	cr_assert_eq(fpag_next_deadline(fp), 20000);
	send(0, 1, UDP, 1003, 5001, 0);
	cr_assert_eq(fpag_stats(fp)->evictions, 1);
	misses = dps()->misses;
	send(0, 1, UDP, 1000, 5001, 0);
	send(0, 1, UDP, 1002, 5001, 0);
	cr_assert_eq(dps()->misses, misses, "the flows hit lately stayed");
	send(0, 1, UDP, 1001, 5001, 0);
	cr_assert_eq(dps()->misses, misses + 1, "the idle one was evicted");
}

/* The FPAG's own LRU index (a heap) against the scan it replaces: every
 * eviction, among 64 entries hit and polled at random, takes an entry
 * with the least last hit. */
Test(fpag_lru, heap_evicts_the_least_recently_hit, .fini = teardown_all)
{
	static uint64_t before[64];
	struct fpag_flow_totals t;
	struct pnic_error err;
	unsigned checked = 0;

	fdepth = 64;
	full = TP_FULL_EVICT_LRU;
	tune = tune_lru;
	rng_state = 3;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	for (int step = 0; step < 1500; step++) {
		uint64_t ev = fpag_stats(fp)->evictions, least = UINT64_MAX;
		uint32_t victim = UINT32_MAX;

		if (rnd() % 8 == 0)
			cr_assert_eq(fpag_counters_poll(fp, now, &err), 0);
		for (uint32_t i = 0; i < 64; i++) {
			before[i] = fpag_entry_totals(fp, i, &t) == 0 ? t.last_hit : UINT64_MAX;
			if (before[i] < least)
				least = before[i];
		}
		send(0, 1, UDP, (uint16_t)(1000 + rnd() % 96), 5001, 0);
		if (fpag_stats(fp)->evictions == ev)
			continue;
		for (uint32_t i = 0; i < 64; i++)
			if (fpag_entry_totals(fp, i, &t) == 0 && t.last_hit != before[i]) {
				cr_assert_eq(victim, UINT32_MAX, "one entry replaced");
				victim = i;
			}
		cr_assert_neq(victim, UINT32_MAX);
		cr_assert_eq(before[victim], least, "step %d: evicted last hit %llu, least %llu",
			     step, (unsigned long long)before[victim], (unsigned long long)least);
		checked++;
	}
	cr_assert_gt(checked, 200);
}
