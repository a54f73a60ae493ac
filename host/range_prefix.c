#include "host/range_prefix.h"

#include <errno.h>
#include <stddef.h>

unsigned range_prefix_max(unsigned width)
{
	return width <= 1 ? 1 : 2 * width - 2;
}

/* Largest aligned block starting at lo that stays within hi: its size is
 * limited by lo's lowest set bit (alignment) and by the room left.  64-bit
 * arithmetic so that [0, 2^32 - 1] needs no special case. */
static unsigned block_bits(uint64_t lo, uint64_t hi, unsigned width)
{
	unsigned k = 0;

	while (k < width && !(lo & (1ull << k)) &&
	       lo + (2ull << k) - 1 <= hi)
		k++;
	return k;
}

static int check_args(uint32_t lo, uint32_t hi, unsigned width,
		      struct pnic_error *err)
{
	if (width < 1 || width > 32)
		return pnic_err(err, EINVAL,
				"range field width %u is outside 1..32 bits",
				width);
	if (lo > hi)
		return pnic_err(err, EINVAL,
				"range [%u, %u] is empty: low end above high end",
				lo, hi);
	if (width < 32 && hi >> width)
		return pnic_err(err, EINVAL,
				"range end %u does not fit in a %u-bit field",
				hi, width);
	return 0;
}

unsigned range_prefix_count(uint32_t lo, uint32_t hi, unsigned width)
{
	uint64_t l = lo;
	unsigned n = 0;

	if (check_args(lo, hi, width, NULL))
		return 0;
	while (l <= hi) {
		l += 1ull << block_bits(l, hi, width);
		n++;
	}
	return n;
}

int range_prefix_expand(uint32_t lo, uint32_t hi, unsigned width,
			struct range_prefix *out, unsigned cap,
			struct pnic_error *err)
{
	uint64_t field = width >= 32 ? 0xffffffffull : (1ull << width) - 1;
	uint64_t l = lo;
	unsigned n = 0;
	int rc;

	rc = check_args(lo, hi, width, err);
	if (rc)
		return rc;
	while (l <= hi) {
		unsigned k = block_bits(l, hi, width);

		if (n == cap)
			return pnic_err(err, ENOSPC,
					"range [%u, %u] needs more than %u prefixes",
					lo, hi, cap);
		out[n].mask = (uint32_t)(field & ~((1ull << k) - 1));
		out[n].value = (uint32_t)l;
		n++;
		l += 1ull << k;
	}
	return (int)n;
}
