/* hist: exact below 128, within 1/64 above, nearest-rank percentiles,
 * checked against sorting. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "model/hist.h"

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank quantile of sorted v[0..n). */
static uint64_t exact(const uint64_t *v, uint64_t n, uint64_t num, uint64_t den)
{
	uint64_t rank = (num * n + den - 1) / den;

	return v[(rank ? rank : 1) - 1];
}

Test(hist, small_values_are_exact)
{
	static struct hist h;

	hist_clear(&h);
	for (uint64_t v = 1; v <= 100; v++)
		hist_add(&h, v);
	cr_assert_eq(hist_quantile(&h, 0.5), 50);
	cr_assert_eq(hist_quantile(&h, 0.99), 99);
	cr_assert_eq(hist_quantile(&h, 0.999), 100);
	cr_assert_eq(hist_quantile(&h, 1.0), 100);
	cr_assert_eq(hist_min(&h), 1);
	cr_assert_eq(hist_max(&h), 100);
	cr_assert_float_eq(hist_mean(&h), 50.5, 1e-12);
}

Test(hist, empty_is_zero)
{
	static struct hist h;

	hist_clear(&h);
	cr_assert_eq(hist_quantile(&h, 0.5), 0);
	cr_assert_eq(hist_max(&h), 0);
	cr_assert_eq(hist_mean(&h), 0.0);
}

/* Random values over the whole 64-bit range and a long tail: every
 * percentile is never below the true one and at most 1/64 above it. */
Test(hist, within_a_sixty_fourth_of_sorting)
{
	enum { N = 200000 };
	static const double qs[] = { 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1 };
	static const uint64_t num[] = { 1, 100, 500, 900, 990, 999, 9999, 1 };
	static const uint64_t den[] = { 1000, 1000, 1000, 1000, 1000, 1000, 10000, 1 };
	static struct hist h;
	uint64_t *v = malloc(N * sizeof *v), x = 88172645463325252ull;

	hist_clear(&h);
	for (unsigned i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i] = x >> (x % 64);          /* every magnitude */
		hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof *v, cmp);
	for (unsigned k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		uint64_t want = exact(v, N, num[k], den[k]);
		uint64_t got = hist_quantile(&h, qs[k]);

		cr_assert_geq(got, want, "q %g", qs[k]);
		cr_assert_leq((double)(got - want), (double)want / 64.0, "q %g: %lu vs %lu",
			      qs[k], (unsigned long)got, (unsigned long)want);
	}
	cr_assert_eq(hist_min(&h), v[0]);
	cr_assert_eq(hist_max(&h), v[N - 1]);
	cr_assert_eq(hist_quantile(&h, 1.0), v[N - 1]);
	free(v);
}

Test(hist, merge_is_adding_both)
{
	static struct hist a, b, c;

	hist_clear(&a);
	hist_clear(&b);
	hist_clear(&c);
	for (uint64_t v = 0; v < 5000; v += 3) {
		hist_add(v % 2 ? &a : &b, v * 77);
		hist_add(&c, v * 77);
	}
	hist_merge(&a, &b);
	cr_assert_eq(a.count, c.count);
	cr_assert_eq(hist_min(&a), hist_min(&c));
	cr_assert_eq(hist_max(&a), hist_max(&c));
	cr_assert_eq(hist_quantile(&a, 0.99), hist_quantile(&c, 0.99));
	cr_assert_float_eq(hist_mean(&a), hist_mean(&c), 1e-9);
}
