/* num: the one reading of a number a user typed, for every program, option
 * and config field.
 *
 * A number is decimal, or hexadecimal after "0x"/"0X".  A leading zero is
 * still decimal ("0443" is 443, as in YAML 1.2's core schema and as
 * docs/scenario.md says), never octal.  No sign, no spaces, no empty string:
 * "-1" is refused rather than wrapped to 2^64-1.  With NUM_SI a decimal
 * number may end in k/K (x1000), m/M (x10^6) or g/G (x10^9); with NUM_BIN
 * in k/K (x1024), m/M (x2^20) or g/G (x2^30).  A value that does not fit
 * in 64 bits, before or after its suffix, is out of range.
 *
 * A time, rate or exponent is a positive fraction instead: digits with an
 * optional point and exponent ("0.5", ".25", "2", "1e-3"), finite and
 * greater than zero; "nan", "inf", hex floats, signs and spaces, all of
 * which strtod() alone would take, are refused.
 *
 * Pure functions, no allocation; edge code shared by tools/, the config
 * reader and the RTL harness.
 */
#ifndef PNICSIM_NUM_H
#define PNICSIM_NUM_H

#include <stdbool.h>
#include <stdint.h>

enum num_flags {
	NUM_SI  = 1u << 0,    /* k/m/g suffixes are powers of 1000 */
	NUM_BIN = 1u << 1,    /* k/m/g suffixes are powers of 1024 */
};

/* 0 and *out set; -EINVAL when s is not a number as described above;
 * -ERANGE when it is one but lies outside min..max (or 64 bits).  *out is
 * untouched on failure. */
int num_parse_u64(const char *s, uint64_t min, uint64_t max, unsigned flags,
		  uint64_t *out);

/* The same for a program's option: on failure prints
 * "PROG: OPT: 'S' is not a number" or "... is out of range MIN..MAX"
 * to stderr and returns false. */
bool num_option(const char *prog, const char *opt, const char *s,
		uint64_t min, uint64_t max, unsigned flags, uint64_t *out);

/* 0 and *out set when s is a positive fraction as described above, at
 * most max; -EINVAL when it is not one; -ERANGE when it is zero, above
 * max, or too large or too small for a double.  *out is untouched on
 * failure. */
int num_parse_positive(const char *s, double max, double *out);

/* The same for a program's option: on failure prints
 * "PROG: OPT: 'S' is not a number ..." or "... is out of range (0, MAX]"
 * to stderr and returns false. */
bool num_option_positive(const char *prog, const char *opt, const char *s,
			 double max, double *out);

/* "MIN..MAX" for messages, with 2^64-1 spelt out; returns buf. */
const char *num_range_str(uint64_t min, uint64_t max, char *buf, unsigned len);

#endif
