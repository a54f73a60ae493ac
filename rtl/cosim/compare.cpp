// Comparing the outputs of one cycle, and the mismatch report.
#include <cinttypes>
#include <cstring>

#include "rtl/cosim/cosim.h"

bool cosim_outputs_equal(const lookup_core_out &e, const lookup_core_out &a,
			 uint32_t key_bits)
{
	(void)key_bits;
	if (e.cfg_ready != a.cfg_ready || e.req_ready != a.req_ready ||
	    e.rsp.valid != a.rsp.valid)
		return false;
	// The response's fields are only defined while rsp_valid_o is high.
	if (!e.rsp.valid)
		return true;
	return e.rsp.tag == a.rsp.tag && e.rsp.res.hit == a.rsp.res.hit &&
	       e.rsp.res.index == a.rsp.res.index &&
	       e.rsp.res.action.w[0] == a.rsp.res.action.w[0] &&
	       e.rsp.res.action.w[1] == a.rsp.res.action.w[1] &&
	       e.rsp.res.ppid == a.rsp.res.ppid && e.rsp.res.mapped == a.rsp.res.mapped;
}

static void print_key(FILE *f, const pnic_key &k, unsigned bits)
{
	fprintf(f, "%u'h", bits);
	for (int i = (int)key_words(bits) - 1; i >= 0; i--) {
		unsigned top = bits - (unsigned)i * 64;

		if (i == (int)key_words(bits) - 1 && top < 64)
			fprintf(f, "%0*" PRIx64, (int)((top + 3) / 4), k.w[i]);
		else
			fprintf(f, "%016" PRIx64, k.w[i]);
		if (i)
			fputc('_', f);
	}
}

static const char *op_name(uint8_t op)
{
	static const char *const names[8] = {
		"nop", "tcam_write", "tcam_invalidate", "action_write",
		"map_write", "map_clear", "nop(6)", "nop(7)",
	};
	return names[op & 7];
}

void cosim_print_in(FILE *f, const lookup_core_in &in, uint16_t key_bits)
{
	fprintf(f, "  cfg_valid=%d op=%u(%s) index=%u ppid=%u\n", in.cfg_valid,
		in.op & 7u, op_name(in.op), in.index, in.ppid);
	fprintf(f, "    value=");
	print_key(f, in.value, key_bits);
	fprintf(f, "\n    mask =");
	print_key(f, in.mask, key_bits);
	fprintf(f, "\n    action=72'h%02" PRIx64 "_%016" PRIx64 " (vpid %u)\n",
		in.action.w[1] & 0xff, in.action.w[0],
		lookup_action_vpid(&in.action));
	fprintf(f, "  req_valid=%d tag=0x%02x key=", in.req_valid, in.tag);
	print_key(f, in.key, key_bits);
	fprintf(f, "\n  rsp_ready=%d\n", in.rsp_ready);
}

static void row(FILE *f, const char *name, uint64_t e, uint64_t a, bool show)
{
	if (!show)
		return;
	fprintf(f, "  %-12s %18" PRIx64 " %18" PRIx64 "%s\n", name, e, a,
		e != a ? "   <-- differs" : "");
}

void cosim_print_mismatch(FILE *f, uint64_t cycle, const lookup_core_in &in,
			  const lookup_core_out &e, const lookup_core_out &a,
			  uint16_t key_bits)
{
	bool v = e.rsp.valid || a.rsp.valid;

	fprintf(f, "MISMATCH at cycle %" PRIu64 " (cycles counted from the end of reset)\n",
		cycle);
	fprintf(f, "inputs this cycle:\n");
	cosim_print_in(f, in, key_bits);
	fprintf(f, "outputs:       %18s %18s\n", "expected (C model)", "actual (RTL)");
	row(f, "cfg_ready", e.cfg_ready, a.cfg_ready, true);
	row(f, "req_ready", e.req_ready, a.req_ready, true);
	row(f, "rsp_valid", e.rsp.valid, a.rsp.valid, true);
	row(f, "rsp_tag", e.rsp.tag, a.rsp.tag, v);
	row(f, "rsp_hit", e.rsp.res.hit, a.rsp.res.hit, v);
	row(f, "rsp_index", e.rsp.res.index, a.rsp.res.index, v);
	row(f, "rsp_action.hi", e.rsp.res.action.w[1], a.rsp.res.action.w[1], v);
	row(f, "rsp_action.lo", e.rsp.res.action.w[0], a.rsp.res.action.w[0], v);
	row(f, "rsp_ppid", e.rsp.res.ppid, a.rsp.res.ppid, v);
	row(f, "rsp_mapped", e.rsp.res.mapped, a.rsp.res.mapped, v);
}
