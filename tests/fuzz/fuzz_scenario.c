/* Fuzz the scenario reader: the input bytes are a YAML scenario.
 * Checked: no crash or leak (ASan), and the contract that a scenario is
 * either refused with a message, its place in the file and no result (a
 * refusal of what the file says always has a line), or accepted whole and
 * consistent (depth within the TCAM's bounds, entries within the depth,
 * VPIDs below n_vpids, PPIDs declared, values inside their masks, inputs
 * regular files). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/scenario.h"

static int declared(const struct scenario *c, uint32_t ppid)
{
	for (uint32_t i = 0; i < c->n_ports; i++)
		if (c->ports[i].ppid == ppid)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *c;
	struct pnic_error err;

	/* Relative input paths resolve against scenarios/, as the seeds'
	 * (../traces/demo.pcap) do when run from the repository root. */
	int rc = scenario_parse((const char *)data, size,
				     "scenarios/fuzz.yaml", &c, &err);

	if (rc) {
		if (c || !err.msg[0] || (rc == -EINVAL && err.line == 0))
			abort();
		return 0;
	}
	if (c->tcam_depth < TCAM_MIN_DEPTH || c->tcam_depth > TCAM_MAX_DEPTH ||
	    c->n_flows > c->tcam_depth || c->n_ports == 0)
		abort();
	for (uint32_t i = 0; i < c->n_flows; i++) {
		const struct scenario_flow *f = &c->flows[i];

		if (f->index >= c->tcam_depth)
			abort();
		if (f->action.kind == ACT_FORWARD && f->action.vpid >= c->n_vpids)
			abort();
		if (f->action.mirror && f->action.mirror_vpid >= c->n_vpids)
			abort();
		for (unsigned w = 0; w < PNIC_KEY_WORDS; w++)
			if (f->value.w[w] & ~f->mask.w[w])
				abort();
	}
	for (uint32_t i = 0; i < c->n_maps; i++)
		if (c->maps[i].vpid >= c->n_vpids || !declared(c, c->maps[i].ppid))
			abort();
	for (uint32_t i = 0; i < c->n_inputs; i++) {
		struct stat st;

		if (!declared(c, c->inputs[i].in_port) ||
		    stat(c->inputs[i].path, &st) || !S_ISREG(st.st_mode))
			abort();
	}
	scenario_destroy(c);
	return 0;
}
