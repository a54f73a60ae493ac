#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/range_prefix.h"

/* The oracle: walk the binary trie over [0, 2^w) and count the nodes that
 * lie inside [lo, hi] while their parent does not.  Those nodes are the
 * unique minimal prefix cover, found here without any of the alignment
 * arithmetic the code under test uses. */
static unsigned trie_cover(uint64_t a, uint64_t b, uint64_t lo, uint64_t hi)
{
	if (b < lo || a > hi)
		return 0;
	if (lo <= a && b <= hi)
		return 1;
	uint64_t mid = a + (b - a) / 2;

	return trie_cover(a, mid, lo, hi) + trie_cover(mid + 1, b, lo, hi);
}

static unsigned optimum(uint32_t lo, uint32_t hi, unsigned w)
{
	return trie_cover(0, (1ull << w) - 1, lo, hi);
}

/* Disjoint, exact and of optimal size; every value of the 16-bit field is
 * checked when `full` is set, otherwise the ends and their neighbours. */
static void check_range(uint32_t lo, uint32_t hi, unsigned w, bool full)
{
	struct range_prefix p[RANGE_PREFIX_MAX];
	struct pnic_error err;
	int n = range_prefix_expand(lo, hi, w, p, RANGE_PREFIX_MAX, &err);

	cr_assert_gt(n, 0, "[%u,%u]/%u: %s", lo, hi, w, err.msg);
	cr_assert_leq((unsigned)n, range_prefix_max(w), "[%u,%u] gives %d", lo, hi, n);
	cr_assert_eq((unsigned)n, optimum(lo, hi, w), "[%u,%u]/%u: %d prefixes, optimum %u",
		     lo, hi, w, n, optimum(lo, hi, w));
	cr_assert_eq((unsigned)n, range_prefix_count(lo, hi, w));

	uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		cr_assert_eq(p[i].value & p[i].mask, p[i].value);
		if (w < 32)
			cr_assert_eq(p[i].mask >> w, 0);
		/* the mask is a prefix: ones then zeros over w bits */
		uint64_t inv = (~(uint64_t)p[i].mask) & ((1ull << w) - 1);

		cr_assert_eq(inv & (inv + 1), 0, "mask %#x is not a prefix", p[i].mask);
		total += inv + 1;
		/* sorted, disjoint and inside the range */
		cr_assert_geq(p[i].value, lo);
		cr_assert_leq((uint64_t)p[i].value + inv, hi);
		if (i)
			cr_assert_gt(p[i].value, (uint64_t)p[i - 1].value +
				     ((~(uint64_t)p[i - 1].mask) & ((1ull << w) - 1)));
	}
	cr_assert_eq(total, (uint64_t)hi - lo + 1, "[%u,%u]: cover size %llu",
		     lo, hi, (unsigned long long)total);

	if (!full)
		return;
	for (uint32_t x = 0; x < (1u << w); x++) {
		int hits = 0;

		for (int i = 0; i < n; i++)
			hits += (x & p[i].mask) == p[i].value;
		cr_assert_eq(hits, (lo <= x && x <= hi) ? 1 : 0,
			     "[%u,%u]: value %u matched %d prefixes", lo, hi, x, hits);
	}
}

Test(range_prefix, edge_ranges_16bit)
{
	static const uint32_t r[][2] = {
		{ 0, 65535 }, { 0, 0 }, { 65535, 65535 }, { 1, 65534 },
		{ 80, 80 }, { 0, 1023 }, { 1024, 65535 }, { 1023, 1024 },
		{ 1, 65535 }, { 0, 65534 }, { 32767, 32768 }, { 32768, 65535 },
		{ 0, 32767 }, { 6000, 6063 }, { 1, 1 },
	};

	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		check_range(r[i][0], r[i][1], 16, true);
	cr_assert_eq(range_prefix_count(1, 65534, 16), 30);
	cr_assert_eq(range_prefix_count(0, 65535, 16), 1);
	cr_assert_eq(range_prefix_count(1024, 65535, 16), 6);
}

Test(range_prefix, powers_of_two_plus_minus_one)
{
	for (unsigned k = 0; k <= 16; k++) {
		uint32_t p = 1u << k;
		uint32_t c[] = { p - 1, p, p + 1 };

		for (int i = 0; i < 3; i++) {
			if (c[i] > 65535)
				continue;
			check_range(0, c[i], 16, k % 4 == 0);
			check_range(c[i], 65535, 16, k % 4 == 1);
			check_range(c[i], c[i], 16, false);
			for (int j = 0; j < 3; j++)
				if (c[j] >= c[i] && c[j] <= 65535)
					check_range(c[i], c[j], 16, false);
		}
	}
}

Test(range_prefix, random_ranges_16bit)
{
	srand(12345);
	for (int i = 0; i < 20000; i++) {
		uint32_t a = rand() & 0xffff, b = rand() & 0xffff;

		if (i % 3 == 0)
			b = a + (rand() % 64 < 63 ? rand() % 300 : 0);
		if (b > 65535)
			b = 65535;
		check_range(a < b ? a : b, a < b ? b : a, 16, i < 60);
	}
}

Test(range_prefix, other_widths)
{
	srand(777);
	for (unsigned w = 1; w <= 32; w++) {
		uint64_t top = (1ull << w) - 1;

		check_range(0, (uint32_t)top, w, false);
		check_range(0, 0, w, false);
		check_range((uint32_t)top, (uint32_t)top, w, false);
		if (w >= 2) {
			check_range(1, (uint32_t)(top - 1), w, false);
			cr_assert_eq(range_prefix_count(1, (uint32_t)(top - 1), w), 2 * w - 2);
		}
		for (int i = 0; i < 300; i++) {
			uint32_t a = (uint32_t)(((uint64_t)rand() << 16 ^ rand()) & top);
			uint32_t b = (uint32_t)(((uint64_t)rand() << 16 ^ rand()) & top);

			check_range(a < b ? a : b, a < b ? b : a, w, false);
		}
	}
	check_range(0, 0xffffffffu, 32, false);
	cr_assert_eq(range_prefix_count(0, 0xffffffffu, 32), 1);
	cr_assert_eq(range_prefix_max(32), RANGE_PREFIX_MAX);
}

Test(range_prefix, refuses_bad_arguments)
{
	struct range_prefix p[RANGE_PREFIX_MAX];
	struct pnic_error err;

	cr_assert_eq(range_prefix_expand(5, 4, 16, p, RANGE_PREFIX_MAX, &err), -EINVAL);
	cr_assert(strstr(err.msg, "empty"), "%s", err.msg);
	cr_assert_eq(range_prefix_expand(0, 65536, 16, p, RANGE_PREFIX_MAX, &err), -EINVAL);
	cr_assert(strstr(err.msg, "16-bit"), "%s", err.msg);
	cr_assert_eq(range_prefix_expand(0, 1, 0, p, RANGE_PREFIX_MAX, &err), -EINVAL);
	cr_assert_eq(range_prefix_expand(0, 1, 33, p, RANGE_PREFIX_MAX, NULL), -EINVAL);
	cr_assert_eq(range_prefix_expand(1, 65534, 16, p, 29, &err), -ENOSPC);
	cr_assert_eq(range_prefix_expand(1, 65534, 16, p, 30, &err), 30);
	cr_assert_eq(range_prefix_count(5, 4, 16), 0);
}
