/* NIC commands: the op table, the config-port beat of a table op, and
 * validation (see nic_cmd.h). */
#include "model/nic_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Every op once: its name and, for the ops the lookup core's config port
 * carries, the port's op code (LC_OP_NOP for the others). */
static const struct {
	const char *name;
	uint8_t cfg_op;
} ops[NIC_OP_END] = {
	[NIC_OP_ENTRY_WRITE]      = { "entry_write", LC_OP_TCAM_WRITE },
	[NIC_OP_ENTRY_INVALIDATE] = { "entry_invalidate", LC_OP_TCAM_INVALIDATE },
	[NIC_OP_ACTION_WRITE]     = { "action_write", LC_OP_ACTION_WRITE },
	[NIC_OP_MAP_SET]          = { "map_set", LC_OP_MAP_WRITE },
	[NIC_OP_MAP_CLEAR]        = { "map_clear", LC_OP_MAP_CLEAR },
	[NIC_OP_COUNTER_READ]     = { "counter_read", LC_OP_NOP },
	[NIC_OP_TEMPLATE_SET]     = { "template_set", LC_OP_NOP },
	[NIC_OP_CONFIG]           = { "config", LC_OP_NOP },
};

static bool op_known(uint32_t op)
{
	return op < NIC_OP_END && ops[op].name;
}

const char *nic_cmd_op_name(uint32_t op)
{
	return op_known(op) ? ops[op].name : "?";
}

bool nic_cmd_table_write(const struct nic_cmd *c, struct lookup_write *w)
{
	if (!op_known(c->op) || ops[c->op].cfg_op == LC_OP_NOP)
		return false;
	memset(w, 0, sizeof *w);
	w->op = ops[c->op].cfg_op;
	switch (c->op) {
	case NIC_OP_ENTRY_WRITE:
		w->index = c->entry.index;
		w->value = c->entry.value;
		w->mask = c->entry.mask;
		w->action = c->entry.action;
		break;
	case NIC_OP_ENTRY_INVALIDATE:
		w->index = c->index;
		break;
	case NIC_OP_ACTION_WRITE:
		w->index = c->action.index;
		w->action = c->action.action;
		break;
	case NIC_OP_MAP_SET:
	case NIC_OP_MAP_CLEAR:
		/* A PPID past the port's 16 bits must not wrap to a valid
		 * one, so it becomes the reserved value. */
		w->index = c->map.vpid;
		w->ppid = c->map.ppid > VPID_UNMAPPED ? VPID_UNMAPPED
						      : (uint16_t)c->map.ppid;
		break;
	}
	return true;
}

/* An action word that decodes: kind 0..2, tunnel op 0..2 (the other
 * fields cannot hold a bad value in their widths). */
static int check_decodes(const struct action_word *w, struct pnic_error *err)
{
	struct pnic_action a;

	action_unpack(w, &a);
	return action_validate(&a, err);
}

static int check_counters(const struct nic_cmd_counters *c,
			  const struct lookup_params *p, struct pnic_error *err)
{
	if (!c->out)
		return pnic_err(err, EINVAL, "no buffer for the counters");
	if (c->count == 0)
		return pnic_err(err, EINVAL, "count is 0; read at least one entry");
	if (c->first >= p->depth || c->count > p->depth - c->first)
		return pnic_err(err, ERANGE,
				"%u entries from %u run past the last entry, %u",
				c->count, c->first, p->depth - 1);
	return 0;
}

/* What a table op must hold besides the lookup's range and width checks. */
static int check_table(const struct nic_cmd *c, const struct lookup_params *p,
		       struct pnic_error *err)
{
	struct lookup_write w;
	int rc;

	nic_cmd_table_write(c, &w);
	if (c->op == NIC_OP_ENTRY_WRITE &&
	    (rc = check_decodes(&c->entry.action, err)))
		return rc;
	if (c->op == NIC_OP_ACTION_WRITE &&
	    (rc = check_decodes(&c->action.action, err)))
		return rc;
	if (c->op == NIC_OP_MAP_SET && c->map.ppid > VPID_UNMAPPED)
		return pnic_err(err, ERANGE,
				"PPID %u does not fit in 16 bits", c->map.ppid);
	return lookup_write_check(p, &w, err);
}

/* Prefix err's message with what the command was about. */
static int name_fault(int rc, struct pnic_error *err, const char *what)
{
	char msg[sizeof err->msg];

	if (rc && err) {
		memcpy(msg, err->msg, sizeof msg);
		pnic_err(err, -rc, "%s: %.200s", what, msg);
	}
	return rc;
}

static int check_template(const struct nic_cmd_template *t,
			  struct pnic_error *err)
{
	struct encap_layout lay;
	char what[16];

	snprintf(what, sizeof what, "template %u", t->id);
	return name_fault(encap_template_layout(&t->tpl, &lay, err), err, what);
}

static int check_one(const struct nic_cmd *c, const struct lookup_params *p,
		     struct pnic_error *err)
{
	switch (c->op) {
	case NIC_OP_COUNTER_READ:
		return check_counters(&c->counters, p, err);
	case NIC_OP_TEMPLATE_SET:
		return check_template(&c->tpl, err);
	case NIC_OP_CONFIG:
		return datapath_policy_validate(&c->config, err);
	default:
		return check_table(c, p, err);
	}
}

int nic_cmd_validate(const struct nic_cmd *c, const struct lookup_params *p,
		     struct pnic_error *err)
{
	int rc;

	if (!op_known(c->op))
		return pnic_err(err, EINVAL,
				"command op %u is not one of 1..%u (entry_write ... config)",
				c->op, NIC_OP_END - 1);
	rc = check_one(c, p, err);
	return name_fault(rc, err, ops[c->op].name);
}
