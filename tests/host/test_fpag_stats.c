/* The FPAG over a NIC in process: statistics (host/fpag_stats.c): counter polls in batches, hits folded
 * into totals per flow and per endpoint. */
#include "tests/host/fpag_rig.h"

/* ---- statistics ----------------------------------------------------------------- */

static void tune_count(struct nic_params *np, struct fpag_params *fpp)
{
	(void)np;
	fpp->count = true;
	fpp->counter_batch = 4;
}

static struct fpag_totals totals(uint32_t ep)
{
	struct fpag_totals t;

	cr_assert_eq(fpag_vnic_totals(fp, ep, &t), 0);
	return t;
}

/* The entry index that forwards to endpoint d (exactly one). */
static uint32_t index_to(uint32_t d)
{
	struct fpag_flow_totals t;
	uint32_t found = UINT32_MAX;

	for (uint32_t i = 0; i < fdepth; i++)
		if (fpag_entry_totals(fp, i, &t) == 0 && t.dest == d) {
			cr_assert_eq(found, UINT32_MAX);
			found = i;
		}
	cr_assert_neq(found, UINT32_MAX);
	return found;
}

/* Hits go to the entry that had them, also when its index is taken by
 * another flow before the next poll. */
Test(fpag_stats, polls_fold_hits_into_totals, .fini = teardown_all)
{
	const struct fpag_stats *st;
	struct fpag_flow_totals t;
	struct pnic_error err;
	uint32_t i1;

	tune = tune_count;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	for (int r = 0; r < 3; r++)
		send(0, 1, UDP, 1000, 5001, 0);
	for (int r = 0; r < 2; r++)
		send(0, 2, UDP, 1001, 5001, 0);
	cr_assert_eq(fpag_counters_poll(fp, now, &err), 0, "%s", err.msg);
	cr_assert_eq(totals(1).rx_packets, 2, "the misses went by packet-out");
	cr_assert_eq(totals(1).rx_bytes, 128);
	cr_assert_eq(totals(2).rx_packets, 1);
	cr_assert_eq(totals(0).tx_packets, 3, "exact entries pin the source");
	i1 = index_to(1);
	cr_assert_eq(fpag_entry_totals(fp, i1, &t), 0);
	cr_assert_eq(t.packets, 2);
	cr_assert_eq(t.src, 0);
	cr_assert_gt(st->counter_reads, 0);
	send(0, 1, UDP, 1000, 5001, 0);   /* a hit no poll has read */
	cr_assert_eq(fpag_vnic_remove(fp, 1, &err), 0, "%s", err.msg);
	send(0, 2, UDP, 1002, 5001, 0);   /* a new flow, at VNIC 1's old index */
	cr_assert_eq(fpag_entry_totals(fp, i1, &t), 0);
	cr_assert_eq(t.dest, 2, "the new flow took the index");
	send(0, 2, UDP, 1002, 5001, 0);
	cr_assert_eq(fpag_counters_poll(fp, now, &err), 0, "%s", err.msg);
	cr_assert_eq(totals(1).rx_packets, 3, "VNIC 1 keeps its last hit");
	cr_assert_eq(totals(2).rx_packets, 2);
	cr_assert_eq(fpag_entry_totals(fp, i1, &t), 0);
	cr_assert_eq(t.packets, 1, "the new flow's own hit only");
	cr_assert_eq(st->ctr_packets, 5);
	cr_assert_eq(totals(FPAG_NONE).rx_packets, 0);
	cr_assert_eq(fpag_vnic_totals(fp, 99, &(struct fpag_totals){ 0 }), -ENOENT);
}

/* Counters in batches of 4 over 32 entries: with entries at both ends
 * of the table, one read per run. */
Test(fpag_stats, batches_and_the_poll_period, .fini = teardown_all)
{
	struct pnic_error err;
	uint64_t reads, before, cpu, cost;

	tune = tune_count;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	cr_assert_eq(fpag_counters_poll(fp, 1, &err), 0);
	cr_assert_eq(fpag_stats(fp)->counter_reads, 0, "nothing to read");
	for (uint16_t i = 0; i < 6; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	before = spent;
	cpu = fpag_stats(fp)->cpu_ns;
	cr_assert_eq(fpag_counters_poll(fp, now, &err), 0);
	reads = fpag_stats(fp)->counter_reads;
	cr_assert_geq(reads, 2, "6 entries, 4 records a read");
	cr_assert_leq(fpag_stats(fp)->counter_records, 4 * reads);
	/* The poll's cost: per COUNTER_READ, and per record it returned. */
	cost = 500 * reads + 20 * fpag_stats(fp)->counter_records;
	cr_assert_eq(spent - before, cost, "spent %llu, want %llu",
		     (unsigned long long)(spent - before), (unsigned long long)cost);
	cr_assert_eq(fpag_stats(fp)->cpu_ns - cpu, cost, "and counted in cpu_ns");
	cr_assert_eq(fpag_stats(fp)->counter_cpu_ns, cost);
	cr_assert_eq(fpag_next_deadline(fp), UINT64_MAX, "no stats_ns: no timed poll");
}
