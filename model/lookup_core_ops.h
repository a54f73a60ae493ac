/* Lookup core config-port op codes and fixed port widths.
 *
 * Shared by the C model of the lookup core, the untimed lookup's table
 * writes (lookup.h), the cosim harness and the RTL (tools/kpgen exports
 * them into the generated SystemVerilog package), so an op code or a port
 * width is written down once.  The meaning of each op is in
 * docs/lookup_core_contract.md; they are the NIC's table commands
 * (nic_cmd.h, whose op table maps each command to its code here).  Codes
 * 0, 6 and 7 are no-ops.
 */
#ifndef PNIC_LOOKUP_CORE_OPS_H
#define PNIC_LOOKUP_CORE_OPS_H

enum lookup_core_op {
	LC_OP_NOP             = 0,
	LC_OP_TCAM_WRITE      = 1,  /* value & mask, mask, valid=1; action RAM too */
	LC_OP_TCAM_INVALIDATE = 2,  /* valid=0 */
	LC_OP_ACTION_WRITE    = 3,  /* action RAM only */
	LC_OP_MAP_WRITE       = 4,  /* map[vpid] <- ppid, mapped=1 */
	LC_OP_MAP_CLEAR       = 5,  /* mapped=0 */
};

#define LC_OP_BITS     3   /* cfg_op_i */
#define LC_INDEX_BITS 18   /* cfg_index_i: entry index or VPID (the TCAM's 256K) */
#define LC_PPID_BITS  16   /* cfg_ppid_i, rsp_ppid_o */
#define LC_TAG_BITS    8   /* req_tag_i, rsp_tag_o */

#endif
