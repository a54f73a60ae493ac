/* A scenario onto a NIC: the command list that programs it, and whether a
 * lookup core of given sizes holds it.
 *
 * pnicsim replay submits the list to the C NIC (nic_sink) and pnicsim
 * cosim to the lookup core RTL's config port (the harness's CfgPortSink),
 * so both are programmed by the same commands in the same order, as a
 * host's driver would program a NIC: the VPID map first, then the encap
 * templates the actions name, then the entries, so that no entry is live
 * before what it points at.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io/scenario.h"

/* Submit one command; a refusal names the scenario and what it was for.
 * The scenario checked every field already, so a refusal here is a sink
 * whose sizes are not the scenario's, or a second line of defence. */
static int submit(const struct scenario *c, const struct nic_cmd_sink *sink,
		  const struct nic_cmd *cmd, const char *what,
		  struct pnic_error *err)
{
	int rc = nic_cmd_submit(sink, cmd, NULL, err);

	if (rc && err) {
		char m[sizeof err->msg];

		memcpy(m, err->msg, sizeof m);
		pnic_err(err, -rc, "%s: %s: %.180s", c->file, what, m);
	}
	return rc;
}

static int program_maps(const struct scenario *c,
			const struct nic_cmd_sink *sink, struct pnic_error *err)
{
	char what[64];
	int rc = 0;

	for (uint32_t i = 0; i < c->n_maps && !rc; i++) {
		struct nic_cmd cmd = { .op = NIC_OP_MAP_SET,
				       .map = { c->maps[i].vpid, c->maps[i].ppid } };

		snprintf(what, sizeof what, "vpid %u", c->maps[i].vpid);
		rc = submit(c, sink, &cmd, what, err);
	}
	return rc;
}

static int program_templates(const struct scenario *c,
			     const struct nic_cmd_sink *sink,
			     struct pnic_error *err)
{
	char what[64];
	int rc = 0;

	for (uint32_t i = 0; i < c->n_templates && !rc; i++) {
		struct nic_cmd cmd = { .op = NIC_OP_TEMPLATE_SET,
				       .tpl = { c->templates[i].id, c->templates[i].t } };

		snprintf(what, sizeof what, "encap template '%s'",
			 c->templates[i].name);
		rc = submit(c, sink, &cmd, what, err);
	}
	return rc;
}

static int program_entries(const struct scenario *c,
			   const struct nic_cmd_sink *sink,
			   struct pnic_error *err)
{
	char what[64];
	int rc = 0;

	for (uint32_t i = 0; i < c->n_flows && !rc; i++) {
		const struct scenario_flow *f = &c->flows[i];
		struct nic_cmd cmd = { .op = NIC_OP_ENTRY_WRITE,
				       .entry = { .index = f->index, .value = f->value,
						  .mask = f->mask } };

		action_pack(&f->action, &cmd.entry.action);
		snprintf(what, sizeof what, "flow at line %u", f->line);
		rc = submit(c, sink, &cmd, what, err);
	}
	return rc;
}

int scenario_program(const struct scenario *c, const struct nic_cmd_sink *sink,
		     struct pnic_error *err)
{
	int rc = program_maps(c, sink, err);

	if (!rc)
		rc = program_templates(c, sink, err);
	return rc ? rc : program_entries(c, sink, err);
}

/* The first flow (in list order) at or beyond `depth`, or NULL. */
static const struct scenario_flow *flow_beyond(const struct scenario *c,
					       uint32_t depth, uint32_t *pos)
{
	for (uint32_t i = 0; i < c->n_flows; i++)
		if (c->flows[i].index >= depth) {
			*pos = i;
			return &c->flows[i];
		}
	return NULL;
}

uint32_t scenario_entries_end(const struct scenario *c)
{
	uint32_t end = 0;

	for (uint32_t i = 0; i < c->n_flows; i++)
		if (c->flows[i].index >= end)
			end = c->flows[i].index + 1;
	return end;
}

int scenario_core_check(const struct scenario *c,
			const struct lookup_core_params *p,
			struct pnic_error *err)
{
	const struct scenario_flow *f;
	uint32_t n_vpids = p->n_vpids ? p->n_vpids : LOOKUP_CORE_DEFAULT_VPIDS;
	char field[32];
	uint32_t pos;

	if (c->profile->key_bits != p->key_bits)
		return pnic_err_at(err, EINVAL, c->file, 0, 0, "key_profile",
				   "the key of profile '%s' is %u bits; the lookup core's KeyWidth is %u",
				   c->profile->name, c->profile->key_bits, p->key_bits);
	if (c->n_vpids > n_vpids)
		return pnic_err_at(err, ERANGE, c->file, 0, 0, "vpid_map.n_vpids",
				   "%u VPIDs are more than the lookup core's NumVpids, %u",
				   c->n_vpids, n_vpids);
	if (!(f = flow_beyond(c, p->depth, &pos)))
		return 0;
	snprintf(field, sizeof field, "flows[%u]", pos);
	return pnic_err_at(err, ERANGE, c->file, f->line, 0, field,
			   "entry index %u is beyond the lookup core's %u entries",
			   f->index, p->depth);
}
