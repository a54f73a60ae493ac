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
 * checked for syntax and then ignored for matching.  It is not the TCP flags
 * byte (it is 16 bits wide and ClassBench's seeds define no meaning for it),
 * the ipv4_5tuple key has no room for it, and headers of ClassBench traces
 * come without a matching value in most published sets.  cb_rules counts
 * the rules whose flags mask was non-zero so a tool can say it ignored them.
 *
 * Trace file: one header per line, decimal numbers separated by tabs or
 * spaces:  src_ip dst_ip src_port dst_port proto [flags [filter_id]]
 * With 6 numbers the sixth is the filter id (original ClassBench
 * trace_generator output); with 7 it is flags then filter id.  filter_id is
 * the rule the header was generated from, not necessarily its first match;
 * it is -1 when absent, and a trace may write -1 for "none".  Rule indexes are 0-based in file order everywhere
 * in pnicsim; cbgen writes 0-based filter ids.
 */
#ifndef PNIC_IO_CLASSBENCH_H
#define PNIC_IO_CLASSBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/acl.h"
#include "model/error.h"

struct cb_rules {
	struct acl_rule *rules;   /* action = the rule's 0-based line order */
	uint32_t n;
	uint32_t flags_ignored;   /* rules with a non-zero flags mask */
};

struct cb_header {
	struct acl_header h;      /* h.tcp_flags = low byte of flags */
	uint16_t flags;
	int64_t filter_id;        /* -1 if the trace has no filter id column */
};

struct cb_trace {
	struct cb_header *hdrs;
	size_t n;
};

/* Parse rules from memory; `name` is the file name used in errors. */
int cb_rules_parse(const char *name, const char *buf, size_t len,
		   struct cb_rules *out, struct pnic_error *err);
int cb_rules_load(const char *path, struct cb_rules *out,
		  struct pnic_error *err);
void cb_rules_free(struct cb_rules *r);

int cb_trace_parse(const char *name, const char *buf, size_t len,
		   struct cb_trace *out, struct pnic_error *err);
int cb_trace_load(const char *path, struct cb_trace *out,
		  struct pnic_error *err);
void cb_trace_free(struct cb_trace *t);

/* Write one rule / header line in the format above (tab-separated, with a
 * trailing tab after the flags field as ClassBench does). */
void cb_write_rule(FILE *f, const struct acl_rule *r, uint16_t flags,
		   uint16_t flags_mask);
void cb_write_header(FILE *f, const struct cb_header *h);

#endif
