/* ClassBench rule files and header traces (edge I/O for host/acl.h).
 *
 * Rule file: one filter per line, first line = highest priority:
 *   @SA/len  DA/len  splo : sphi  dplo : dphi  0xPP/0xMM  0xFFFF/0xMMMM
 * Fields are separated by tabs or spaces (any mix; trailing whitespace and
 * CR are ignored).  A source or destination address may have host bits set
 * beyond its prefix length; they are ignored.  Blank lines and lines
 * starting with '#' are skipped.  Errors give file:line:column, the field
 * and what was expected.
 *
 * The last field (ClassBench's 16-bit "flags" value/mask) is optional: it is
 * checked for syntax, kept in classbench_rules.flags as the one 32-bit word that
 * trace_generator makes of it, and ignored for matching.  It is not the TCP
 * flags byte (it is 16 bits wide and ClassBench's seeds define no meaning
 * for it), the ipv4_5tuple key has no room for it, and ClassBench's header
 * traces carry no packet value to match it against (see the trace's flags
 * column below).  classbench_rules counts the rules whose flags mask was non-zero
 * so a tool can say it ignored them.
 *
 * Trace file: one header per line, decimal numbers separated by tabs or
 * spaces:  src_ip dst_ip src_port dst_port proto [[flags] filter_id]
 * This is what ClassBench's trace_generator writes (hlist::print: the
 * header fields, then the filter number): 7 numbers for a rule file with
 * flags fields, 6 for one without, where the sixth is then the filter id;
 * 5 numbers are a header with neither.
 *   flags      32 bits: trace_generator's value of the generating rule's
 *              flags field, which it treats as a range over
 *              (value << 16 | mask): exactly that word when the rule's
 *              flags mask is non-zero (0x1000/0x1000 -> 268439552,
 *              0x0000/0x0200 -> 512), else one end of [0, 4294967295] at
 *              random.  It is a copy of rule syntax, not a packet field:
 *              kept in classbench_header.flags, never matched, and the header's
 *              TCP flags are 0.
 *   filter_id  the 0-based index, in file order, of the rule the header
 *              was drawn from (trace_generator's RandFilt, 0..n-1).  The
 *              header sits at a corner of that rule, so that rule matches
 *              it and the first matching rule is at or before it; an
 *              earlier rule may match too, so it is not the answer.  -1
 *              means none (cbgen's random headers); absent is -1 too.
 * Rule indexes are 0-based in file order everywhere in pnicsim.  Older
 * traces distributed with HiCuts/HyperCuts/RFC code (6 numbers) carry the
 * 1-based index of the first matching rule instead, 0 for none.
 */
#ifndef PNIC_IO_CLASSBENCH_H
#define PNIC_IO_CLASSBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/acl.h"
#include "model/error.h"

struct classbench_rules {
	struct acl_rule *rules;   /* action = the rule's 0-based line order */
	uint32_t *flags;          /* per rule: flags value << 16 | mask, 0 if absent */
	uint32_t n;
	uint32_t flags_ignored;   /* rules with a non-zero flags mask */
};

struct classbench_header {
	struct acl_header h;      /* h.tcp_flags = 0: a trace carries none */
	uint32_t flags;           /* the flags column as written, 0 if absent */
	int64_t filter_id;        /* -1 if the trace has no filter id column */
};

struct classbench_trace {
	struct classbench_header *hdrs;
	size_t n;
};

/* Parse rules from memory; `name` is the file name used in errors. */
int classbench_rules_parse(const char *name, const char *buf, size_t len,
		   struct classbench_rules *out, struct pnic_error *err);
int classbench_rules_load(const char *path, struct classbench_rules *out,
		  struct pnic_error *err);
void classbench_rules_free(struct classbench_rules *r);

int classbench_trace_parse(const char *name, const char *buf, size_t len,
		   struct classbench_trace *out, struct pnic_error *err);
int classbench_trace_load(const char *path, struct classbench_trace *out,
		  struct pnic_error *err);
void classbench_trace_free(struct classbench_trace *t);

/* Write one rule / header line in the format above, tab-separated as
 * ClassBench's db_generator and trace_generator write them: a rule with a
 * trailing tab after its flags field, a header with all 7 numbers. */
void classbench_write_rule(FILE *f, const struct acl_rule *r, uint16_t flags,
		   uint16_t flags_mask);
void classbench_write_header(FILE *f, const struct classbench_header *h);

#endif
