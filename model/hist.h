/* hist: a latency histogram that answers percentiles of any number of
 * samples in bounded memory, with a bounded error.
 *
 * Log-linear buckets, as HdrHistogram lays them out: values below 2^SUB
 * (SUB = HIST_SUB_BITS) each have a bucket of their own, so they are
 * exact; above, every power of two is split into 2^(SUB-1) equal buckets,
 * so a bucket is at most 1/2^(SUB-1) of the values it holds wide.  A
 * percentile is reported as the highest value of its bucket (never below
 * the true sample, at most 1.6 % above it with SUB = 7) and never above
 * the largest sample; min, max, count and mean are exact.  The whole
 * 64-bit range fits in (64 - SUB + 2) * 2^(SUB-1) buckets of 8 bytes
 * (3.8 KB), so one histogram per path and per queue costs little.
 *
 * Percentiles are nearest-rank: the smallest value v with at least
 * ceil(q * count) samples <= v, as the p50/p99/p99.9 mean.
 * Deterministic: the same samples in any order give the same answers.
 * No allocation after create; add is a few instructions.
 */
#ifndef PNIC_HIST_H
#define PNIC_HIST_H

#include <stdint.h>

#include "model/error.h"

#define HIST_SUB_BITS 7
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 2) << (HIST_SUB_BITS - 1))

struct hist {
	uint64_t count;
	uint64_t min, max;
	unsigned __int128 sum;
	uint64_t bucket[HIST_BUCKETS];
};

/* A histogram is plain data: zero it to start (hist_clear). */
void hist_clear(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
/* Every sample of src added to dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* 0 when empty. */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
double hist_mean(const struct hist *h);
/* The q-quantile, 0 < q <= 1 (0.5, 0.99, 0.999); 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
