/* Fuzz the ClassBench readers.  The first byte picks rules or trace; the
 * rest is the file.  Checked: a refusal carries a message and a place; an
 * accepted rule set is non-empty, every rule passes acl_rule_validate(), and
 * writing the rules back out and reading them again gives the same rules
 * (host bits dropped, protocol value under its mask); an accepted trace
 * has filter ids of -1 or 32 bits and no TCP flags (its flags column is
 * rule syntax, not a packet field). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/classbench.h"

static void rules_case(const char *buf, size_t len)
{
	struct classbench_rules r, again;
	struct pnic_error err;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;

	if (classbench_rules_parse("fuzz", buf, len, &r, &err)) {
		if (!err.msg[0] || r.rules || r.n)
			abort();
		return;
	}
	if (!r.n)
		abort();
	f = open_memstream(&out, &out_len);
	if (!f)
		abort();
	for (uint32_t i = 0; i < r.n; i++) {
		if (acl_rule_validate(&r.rules[i], NULL))
			abort();
		classbench_write_rule(f, &r.rules[i], 0, 0);
	}
	fclose(f);
	if (classbench_rules_parse("again", out, out_len, &again, &err) || again.n != r.n)
		abort();
	for (uint32_t i = 0; i < r.n; i++) {
		const struct acl_rule *a = &r.rules[i], *b = &again.rules[i];

		if (a->src_ip != b->src_ip || a->src_len != b->src_len ||
		    a->dst_ip != b->dst_ip || a->dst_len != b->dst_len ||
		    a->sport_lo != b->sport_lo || a->sport_hi != b->sport_hi ||
		    a->dport_lo != b->dport_lo || a->dport_hi != b->dport_hi ||
		    a->proto != b->proto || a->proto_mask != b->proto_mask)
			abort();
	}
	classbench_rules_free(&again);
	classbench_rules_free(&r);
	free(out);
}

static void trace_case(const char *buf, size_t len)
{
	struct classbench_trace t;
	struct pnic_error err;

	if (classbench_trace_parse("fuzz", buf, len, &t, &err)) {
		if (!err.msg[0] || t.hdrs || t.n)
			abort();
		return;
	}
	if (!t.n)
		abort();
	for (size_t i = 0; i < t.n; i++)
		if (t.hdrs[i].filter_id < -1 ||
		    t.hdrs[i].filter_id > (int64_t)UINT32_MAX ||
		    t.hdrs[i].h.tcp_flags)
			abort();
	classbench_trace_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		trace_case((const char *)data + 1, size - 1);
	else
		rules_case((const char *)data + 1, size - 1);
	return 0;
}
