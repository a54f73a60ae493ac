/* NIC commands: everything the host asks of the pNIC's tables and
 * configuration, as plain data.
 *
 * A command is one fixed-size struct, the shape a mailbox descriptor will
 * carry over PCIe: no pointer in it except COUNTER_READ's `out`, where
 * results come back (over the mailbox, a DMA address in host memory).
 * The largest command, ENTRY_WRITE with two 512-bit keys, fits a 256-byte
 * descriptor (asserted below).  The table ops (ENTRY_WRITE ... MAP_CLEAR)
 * are exactly what the lookup core's config port carries; one table in
 * nic_cmd.c names each op and the config-port op it goes out as, and
 * nic_cmd_table_write() makes the port's beat (a struct lookup_write) from
 * a command, for the NIC and for the RTL harness alike.
 *
 * nic_cmd_validate() checks a command against a NIC's sizes without
 * touching any NIC: ranges, widths, and that an action word decodes
 * (action_validate: kind 3 and tunnel op 3 are refused), so no checked
 * path ever writes an undecodable word.  The NIC (nic.h) validates, then
 * applies.  docs/nic.md has the command set as a table.
 *
 * Host code does not hold a NIC: it submits commands to a sink (struct
 * nic_cmd_sink), which may apply them to a NIC in this process (nic.h),
 * turn them into config-port beats (the RTL cosim), or, later, post them
 * to the mailbox.
 */
#ifndef PNIC_NIC_CMD_H
#define PNIC_NIC_CMD_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/action_ram.h"
#include "model/datapath.h"
#include "model/error.h"
#include "model/flow_counters.h"
#include "model/key.h"
#include "model/lookup.h"

enum nic_op {
	NIC_OP_ENTRY_WRITE = 1,    /* value, mask and action of one entry */
	NIC_OP_ENTRY_INVALIDATE,   /* the entry stops matching */
	NIC_OP_ACTION_WRITE,       /* the action word of one entry only */
	NIC_OP_MAP_SET,            /* VPID -> PPID */
	NIC_OP_MAP_CLEAR,          /* VPID unmapped */
	NIC_OP_COUNTER_READ,       /* flow counters of a run of entries */
	NIC_OP_TEMPLATE_SET,       /* one VXLAN encap template */
	NIC_OP_CONFIG,             /* the datapath's policies */
	NIC_OP_END
};

struct nic_cmd_entry {
	uint32_t index;
	struct pnic_key value;       /* bits under a zero mask bit are ignored */
	struct pnic_key mask;
	struct action_word action;
};

struct nic_cmd_action {
	uint32_t index;
	struct action_word action;
};

struct nic_cmd_map {
	uint32_t vpid;
	uint32_t ppid;               /* MAP_SET only */
};

struct nic_cmd_counters {
	uint32_t first;              /* entries first .. first + count - 1 */
	uint32_t count;
	struct flow_counter *out;    /* count records, filled by the NIC */
};

struct nic_cmd_template {
	uint8_t id;
	struct encap_template tpl;
};

struct nic_cmd {
	uint32_t op;                          /* enum nic_op */
	union {
		struct nic_cmd_entry entry;       /* ENTRY_WRITE */
		uint32_t index;                   /* ENTRY_INVALIDATE */
		struct nic_cmd_action action;     /* ACTION_WRITE */
		struct nic_cmd_map map;           /* MAP_SET, MAP_CLEAR */
		struct nic_cmd_counters counters; /* COUNTER_READ */
		struct nic_cmd_template tpl;      /* TEMPLATE_SET */
		struct datapath_policy config;          /* CONFIG */
	};
};

#define NIC_CMD_DESC_BYTES 256
static_assert(sizeof(struct nic_cmd) <= NIC_CMD_DESC_BYTES,
	      "a command fits one mailbox descriptor");

/* What comes back besides the counters COUNTER_READ writes to `out`: the
 * status (0 or a negative errno, as returned) and how many records were
 * written. */
struct nic_cmd_result {
	int32_t status;
	uint32_t count;
};

/* "entry_write", ... ("?" for an unknown op). */
const char *nic_cmd_op_name(uint32_t op);

/* The config-port beat of a table op: true and *w filled, or false for an
 * op the config port does not carry.  Fields are copied as they are (a
 * beat is only as good as the command: validate first). */
bool nic_cmd_table_write(const struct nic_cmd *c, struct lookup_write *w);

/* Whether a NIC of these sizes takes c (see above).  0, or -EINVAL,
 * -ERANGE with the op named in the message. */
int nic_cmd_validate(const struct nic_cmd *c, const struct lookup_params *p,
		     struct pnic_error *err);

/* Where host code sends commands.  submit() returns 0 or a negative errno
 * with err filled; res may be NULL.  A sink decides when a command takes
 * effect: an in-process NIC applies it before returning, a config-port
 * sink when the port accepts the beat (a posted write). */
struct nic_cmd_sink {
	int (*submit)(void *ctx, const struct nic_cmd *c,
		      struct nic_cmd_result *res, struct pnic_error *err);
	void *ctx;
};

static inline int nic_cmd_submit(const struct nic_cmd_sink *s,
				 const struct nic_cmd *c,
				 struct nic_cmd_result *res,
				 struct pnic_error *err)
{
	return s->submit(s->ctx, c, res, err);
}

#endif
