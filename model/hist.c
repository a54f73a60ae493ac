/* hist: log-linear latency histogram (see hist.h). */
#include "model/hist.h"

#include <math.h>
#include <string.h>

#define HALF (1u << (HIST_SUB_BITS - 1))   /* buckets per power of two */

static unsigned index_of(uint64_t v)
{
	unsigned e, shift;

	if (v < (1u << HIST_SUB_BITS))
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	shift = e - (HIST_SUB_BITS - 1);
	return (e - HIST_SUB_BITS) * HALF + (unsigned)(v >> shift) + HALF;
}

/* The largest value bucket i holds. */
static uint64_t upper_of(unsigned i)
{
	unsigned e, sub, shift;

	if (i < (1u << HIST_SUB_BITS))
		return i;
	e = (i - HALF) / HALF + HIST_SUB_BITS - 1;
	sub = HALF + (i - HALF) % HALF;
	shift = e - (HIST_SUB_BITS - 1);
	return (((uint64_t)sub + 1) << shift) - 1;
}

void hist_clear(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

void hist_add(struct hist *h, uint64_t v)
{
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->bucket[index_of(v)]++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

uint64_t hist_min(const struct hist *h)
{
	return h->min;
}

uint64_t hist_max(const struct hist *h)
{
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	/* nearest rank; the epsilon keeps 0.999 * 1000 from becoming 1000 */
	uint64_t rank = (uint64_t)ceil(q * (double)h->count - 1e-9), seen = 0;

	if (!h->count)
		return 0;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t u = upper_of(i);

			return u < h->max ? u : h->max;
		}
	}
	return h->max;
}
