#include "io/num.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

static uint64_t suffix_scale(char c, unsigned flags)
{
	uint64_t k = flags & NUM_BIN ? 1024 : 1000;

	if (!(flags & (NUM_SI | NUM_BIN)))
		return 0;
	switch (c) {
	case 'k': case 'K': return k;
	case 'm': case 'M': return k * k;
	case 'g': case 'G': return k * k * k;
	default:            return 0;
	}
}

int num_parse_u64(const char *s, uint64_t min, uint64_t max, unsigned flags,
		  uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0, scale = 1;
	bool overflow = false;
	const char *p = s;

	if (!s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (digit_value(*p, base) < 0)
		return -EINVAL;
	for (int d; (d = digit_value(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		v = v * base + (uint64_t)d;
	}
	if (*p && base == 10 && (scale = suffix_scale(*p, flags)))
		p++;
	if (*p)
		return -EINVAL;
	if (!scale)
		scale = 1;
	if (overflow || v > UINT64_MAX / scale)
		return -ERANGE;
	v *= scale;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *num_range_str(uint64_t min, uint64_t max, char *buf, unsigned len)
{
	if (max == UINT64_MAX)
		snprintf(buf, len, "%llu..2^64-1", (unsigned long long)min);
	else
		snprintf(buf, len, "%llu..%llu", (unsigned long long)min,
			 (unsigned long long)max);
	return buf;
}

bool num_option(const char *prog, const char *opt, const char *s,
		uint64_t min, uint64_t max, unsigned flags, uint64_t *out)
{
	char range[64];
	int rc = num_parse_u64(s, min, max, flags, out);

	if (!rc)
		return true;
	num_range_str(min, max, range, sizeof range);
	if (rc == -ERANGE)
		fprintf(stderr, "%s: %s: '%s' is out of range %s\n", prog, opt,
			s ? s : "", range);
	else
		fprintf(stderr, "%s: %s: '%s' is not a number (want %s, decimal "
			"or 0x hex%s)\n", prog, opt, s ? s : "", range,
			flags & (NUM_SI | NUM_BIN) ? ", K/M/G suffix allowed" : "");
	return false;
}

int num_parse_positive(const char *s, double max, double *out)
{
	char *end;
	double v;

	/* Only what a person writes for a time or a rate gets as far as
	 * strtod(), which would also take "inf", "nan", "0x1p3", signs
	 * and leading spaces. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.') ||
	    s[strspn(s, "0123456789.eE+-")])
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || !(v > 0) || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

bool num_option_positive(const char *prog, const char *opt, const char *s,
			 double max, double *out)
{
	char range[64];
	int rc = num_parse_positive(s, max, out);

	if (!rc)
		return true;
	if (max < DBL_MAX)
		snprintf(range, sizeof range, "a number > 0 and <= %g", max);
	else
		snprintf(range, sizeof range, "a number > 0");
	if (rc == -ERANGE)
		fprintf(stderr, "%s: %s: '%s' is out of range (want %s)\n",
			prog, opt, s ? s : "", range);
	else
		fprintf(stderr, "%s: %s: '%s' is not a number (want %s, "
			"e.g. 0.5 or 1e-3)\n", prog, opt, s ? s : "", range);
	return false;
}
