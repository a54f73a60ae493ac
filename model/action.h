/* Actions: what a flow entry does to a packet that hits it.
 *
 * An action forwards to a VPID, drops, or sends the packet to the host;
 * optionally mirrors a copy to a second VPID; and may edit the packet
 * (VLAN push/pop/rewrite, VXLAN decap or encap from a template, TTL /
 * hop-limit decrement, DSCP rewrite).  `count` enables the entry's
 * counters.  Two fields are for the host's bookkeeping of offloaded
 * flows: `age_class` picks the idle timeout after which the NIC ages the
 * entry (datapath.h, aging), `notify_end` asks for an event when a TCP
 * FIN or RST hits the entry.  `hold` makes the entry's hits wait in
 * the NIC's hold buffer until a write without it releases them (the
 * ordering guarantee of a newly offloaded flow, docs/fpag.md): the word
 * carries the final action too, which the released packets follow
 * unless the release writes another.  They live in the word because the action
 * stage reads the word on every hit anyway: per-entry data, no other RAM.
 *
 * The action RAM holds actions as fixed-width words, the form the RTL
 * stores; action_pack()/action_unpack() convert, and the layout below is
 * the single source of truth for both (tools/kpgen exports it to the RTL).
 * Bits [1:0] hold the kind and [17:2] the VPID so the lookup core can
 * index the VPID map without decoding the rest.
 */
#ifndef PNIC_ACTION_H
#define PNIC_ACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"

enum action_kind {
	ACT_DROP    = 0,
	ACT_FORWARD = 1,
	ACT_TO_HOST = 2,
};

enum action_vlan_op {
	VLAN_OP_NONE = 0,
	VLAN_OP_PUSH = 1,     /* push 802.1Q tag vlan_tci */
	VLAN_OP_POP = 2,      /* pop the outermost tag */
	VLAN_OP_REWRITE = 3,  /* replace the outermost tag's TCI */
};

enum action_tunnel_op {
	TUNNEL_OP_NONE = 0,
	TUNNEL_OP_VXLAN_DECAP = 1,
	TUNNEL_OP_VXLAN_ENCAP = 2,  /* from encap template encap_id */
};

struct pnic_action {
	uint8_t kind;          /* enum action_kind */
	uint16_t vpid;         /* ACT_FORWARD target */
	bool mirror;
	uint16_t mirror_vpid;
	uint8_t vlan_op;       /* enum action_vlan_op */
	uint16_t vlan_tci;     /* PCP:3 DEI:1 VID:12 */
	uint8_t tunnel_op;     /* enum action_tunnel_op */
	uint8_t encap_id;
	bool dec_ttl;
	bool set_dscp;
	uint8_t dscp;          /* 0..63 */
	bool count;
	uint8_t age_class;     /* 0: never ages; 1..3: a timeout class */
	bool notify_end;       /* report TCP FIN/RST seen on a hit */
	bool hold;             /* hits wait in the hold buffer (datapath.h,
				* "Hold, landed marker, release") */
};

/* Action word layout: bit offsets and widths. */
#define ACTW_KIND_OFF        0
#define ACTW_KIND_W          2
#define ACTW_VPID_OFF        2
#define ACTW_VPID_W         16
#define ACTW_MIRROR_OFF     18
#define ACTW_MIRROR_VPID_OFF 19
#define ACTW_VLAN_OP_OFF    35
#define ACTW_VLAN_TCI_OFF   37
#define ACTW_TUNNEL_OP_OFF  53
#define ACTW_ENCAP_ID_OFF   55
#define ACTW_DEC_TTL_OFF    63
#define ACTW_SET_DSCP_OFF   64
#define ACTW_DSCP_OFF       65
#define ACTW_COUNT_OFF      71
#define ACTW_AGE_CLASS_OFF  72
#define ACTW_NOTIFY_END_OFF 74
#define ACTW_HOLD_OFF       75
#define ACTION_WORD_BITS    76

/* Aging classes an entry may name (class 0 never ages). */
#define ACTION_AGE_CLASSES 4

struct action_word {
	uint64_t w[2];   /* bit i is bit (i % 64) of w[i / 64] */
};

void action_pack(const struct pnic_action *a, struct action_word *out);
void action_unpack(const struct action_word *w, struct pnic_action *out);
/* Refuse values that do not fit their fields (kind 3, dscp > 63 ...). */
int action_validate(const struct pnic_action *a, struct pnic_error *err);
const char *action_kind_name(enum action_kind k);

#endif
