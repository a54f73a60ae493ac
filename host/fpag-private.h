/* FPAG internals shared by its files (host/fpag*.c); not for users of
 * host/fpag.h.  The FPAG is one object: fpag.c has the commands' books,
 * the entries, the miss path and the events; the other files one job
 * each (fpag_create.c, fpag_lru.c, fpag_vxlan.c, fpag_order.c,
 * fpag_topo.c, fpag_rules.c, fpag_stats.c). */
#ifndef PNIC_FPAG_PRIVATE_H
#define PNIC_FPAG_PRIVATE_H

#include "host/fpag.h"
#include "host/flow_table.h"
#include "host/vpid.h"
#include "model/action.h"
#include "model/action_ram.h"
#include "model/editor.h"
#include "model/encap.h"
#include "model/mbox.h"
#include "model/parser.h"

/* What the FPAG knows of one placed entry, by tcam_place handle. */
struct fpag_rec {
	bool live;
	uint32_t dest;            /* endpoint forwarded to, FPAG_NONE: drop */
	uint32_t vpid;            /* VPID named, FPAG_NONE: drop */
	uint32_t rs_entry;        /* ruleset registration, FPAG_NONE: none */
	uint32_t conn;            /* conntrack record, CT_NONE: none */
	bool reply;               /* the connection's reply direction */
	uint32_t src;             /* endpoint its key pins, FPAG_NONE: any */
	uint32_t ingress;         /* endpoint whose miss installed it */
	bool tunnel;              /* matches a VXLAN frame's inner headers */
	uint64_t serial;          /* install number: tells reused handles apart */
	uint64_t packets, bytes, last_hit;
};

/* A tracked connection: its two endpoints and entries (by direction),
 * and its opening packet, registered in the rule set so that a rule
 * update names the connections it denies. */
struct fpag_conn {
	uint32_t ep[2];           /* originator's, then the destination's */
	uint32_t handle[2];       /* TP_NONE: no entry in that direction */
	uint32_t rs_entry;        /* the opening packet's exact match */
	bool pending;             /* queued for a check after a rule update */
	struct ruleset_hdr hdr;   /* the opening packet */
};

/* Per TCAM index: the NIC's write generation as the host knows it, and
 * the counter bookkeeping (the NIC never clears a counter). */
struct fpag_slot {
	uint32_t gen;             /* writes to the index the NIC has taken */
	uint32_t vgen;            /* gen of the latest that set validity */
	bool dirty;               /* its entry left; counters unread since */
	uint32_t handle;          /* the entry there (or that left), TP_NONE */
	uint64_t serial;
	uint32_t src, dest;       /* who its hits are counted to */
	uint64_t base_packets, base_bytes;  /* the counter as last read */
};

extern const struct fpag_conn fpag_conn_none;

/* A miss waiting for its entry's landed marker. */
struct fpag_qpkt {
	uint32_t next;            /* the entry's next, or the next free */
	uint32_t dest;
	uint32_t caplen;
	uint64_t at;              /* when it was queued */
	uint64_t tag;             /* the caller's (fpag_set_tag) */
};

#define Q_NONE UINT32_MAX

#define OWN_NONE UINT32_MAX
#define OWN_CONN 0x80000000u  /* a rule-set entry registered for a connection */

struct fpag {
	struct fpag_params p;
	struct nic_cmd_sink sink; /* fpag_submit: the flow table's commands */
	struct fpag_vnic *vnics;  /* nv slots */
	bool *present;
	uint32_t nv, nv_used;
	struct fpag_uplink *uplinks;
	uint32_t n_ep;
	uint32_t *ep_vpid;        /* VPID mode: each endpoint's VPID */
	uint32_t n_levels;
	uint32_t depth;
	struct fpag_rec *rec;     /* depth, by handle */
	struct fpag_slot *slot;   /* depth, by index */
	struct fpag_conn *conn;   /* max_conns, by conntrack record */
	uint32_t max_conns;
	uint32_t conn_used;       /* conn[] written below this (ct_open) */
	uint32_t *pend, n_pend;   /* connections to check after an update */
	uint32_t *rs_owner;       /* by rule-set entry: handle, OWN_CONN | conn */
	uint32_t rs_cap;
	struct fpag_totals *tot;  /* n_ep + 1: the last is nobody's */
	bool own_lru;             /* evict_lru by the FPAG's own last hits */
	uint32_t *lru, *lru_pos;  /* a min-heap of handles by last_hit */
	uint32_t n_lru;
	struct flow_counter *ctr; /* batch */
	uint32_t batch;
	uint64_t serial;
	uint64_t now;             /* the latest time given */
	uint64_t next_poll;
	int upd_rc;               /* a rule update's first command error */
	struct pnic_error *upd_err;
	struct flow_table *ft;
	struct tcam_place *tp;
	struct conntrack *ct;
	struct vpid_alloc *va;
	/* the ordering guarantee: misses queued per entry handle, in slots
	 * of NIC_PACKET_OUT_MAX_LEN bytes */
	struct fpag_qpkt *q;      /* order_frames */
	uint8_t *q_mem;
	uint32_t q_n, q_free;
	uint32_t *q_head, *q_tail;  /* depth, by handle */
	uint32_t *rearm, n_rearm;   /* holding entries the insert moved */
	uint64_t tag;             /* the next miss's, for order_out */
	uint64_t out_tag;         /* the PACKET_OUT in the sink's hands: its
				   * miss's tag (fpag_out_tag) */
	struct fpag_stats st;
	/* VXLAN uplinks */
	bool vxlan;               /* an uplink has a VTEP */
	uint32_t rv0;             /* the first remote VM's endpoint */
	struct fpag_remote_host *rhosts;
	struct fpag_remote_vm *rvms;
	uint32_t *ep_tpl;         /* n_ep: the template an endpoint's entries
				   * encapsulate with, FPAG_NONE: none */
	uint32_t *ep_host;        /* nv: the remote host a moved VNIC is
				   * behind, FPAG_NONE: local */
	struct encap_template *tpl;  /* ACTION_RAM_MAX_TEMPLATES, by id */
	uint32_t *tpl_key;        /* 2 per template: host, VNI */
	uint32_t n_tpl;
	uint8_t *obuf;            /* a packet-out being edited */
};

/* Why an entry is forgotten: it decides what becomes of its connection
 * when it was the last entry. */
enum fpag_gone {
	GONE_REMOVED,             /* back on conntrack's timers */
	GONE_EVICTED,             /* the same */
	GONE_AGED,                /* the connection ends */
};

/* One packet in the slow path. */
struct fpag_pkt {
	struct parser_result pr;
	const struct pkt_hdrs *h;
	uint32_t ep;              /* ingress endpoint */
	struct ruleset_hdr hdr;
	struct ruleset_decision d;
	struct ruleset_match m;
	uint32_t level;
	bool tracked;             /* the entry belongs to a connection */
	bool tunnel;              /* a VXLAN frame from an uplink: h is the
				   * inner headers */
	struct conntrack_result cr;
};

/* fpag.c */
void fpag_spend(struct fpag *f, uint64_t ns);
uint32_t fpag_ep_ppid(const struct fpag *f, uint32_t ep);
bool fpag_dest_ok(const struct fpag *f, uint32_t ep);
void fpag_note_time(struct fpag *f, uint64_t now);
void fpag_moved_cb(void *ctx, uint32_t handle, uint32_t from, uint32_t to);
int fpag_read_run(struct fpag *f, uint32_t first, uint32_t n,
		  struct pnic_error *err);
int fpag_submit(void *ctx, const struct nic_cmd *c,
		struct nic_cmd_result *res, struct pnic_error *err);
void fpag_own_clear(struct fpag *f, uint32_t rs_entry);
int fpag_remove_entry(struct fpag *f, uint32_t handle, enum fpag_gone why,
		      struct pnic_error *err);
int fpag_conn_end(struct fpag *f, uint32_t conn, struct pnic_error *err);
int fpag_install(struct fpag *f, const struct fpag_pkt *k, uint32_t dest,
		 uint32_t *at, struct pnic_error *err);
uint32_t fpag_find_source(const struct fpag *f, uint32_t ppid,
			  const uint8_t *frame, const struct pkt_hdrs *h);
void fpag_conn_register(struct fpag *f, uint32_t conn);
int fpag_packet_out(struct fpag *f, uint32_t dest, const uint8_t *frame,
		    uint32_t caplen, uint64_t tag, struct pnic_error *err);

/* fpag_lru.c */
uint32_t fpag_own_victim(void *ctx);
uint64_t fpag_own_last_hit(void *ctx, uint32_t index);
void fpag_lru_add(struct fpag *f, uint32_t h);
void fpag_lru_del(struct fpag *f, uint32_t h);
void fpag_lru_later(struct fpag *f, uint32_t h);

/* fpag_order.c */
bool fpag_meets_replies(const struct ruleset_rule *r,
			const struct ruleset_match *m);
void fpag_order_left(struct fpag *f, uint32_t handle);
void fpag_order_moved(struct fpag *f, uint32_t handle, uint32_t to);
int fpag_order_rearm(struct fpag *f, struct pnic_error *err);
int fpag_miss_in_order(struct fpag *f, const struct fpag_pkt *k,
		       uint32_t dest, bool entry, const uint8_t *frame,
		       uint32_t caplen, struct pnic_error *err);
int fpag_landed(struct fpag *f, const struct datapath_event *ev,
		struct pnic_error *err);

/* fpag_vxlan.c */
int fpag_check_remotes(const struct fpag_params *p, struct pnic_error *err);
int fpag_alloc_vxlan(struct fpag *f, struct pnic_error *err);
int fpag_tpl_for(struct fpag *f, uint32_t host, uint32_t vni, uint32_t *id,
		 uint32_t *cmds, struct pnic_error *err);
int fpag_make_remotes(struct fpag *f, struct pnic_error *err);
void fpag_tunnel_key(const struct fpag_pkt *k, struct key_profile_fields *v,
		     struct key_profile_fields *mk);
void fpag_tunnel_action(const struct fpag *f, bool tunnel, uint32_t dest,
			struct action_word *w);
int fpag_ingress(struct fpag *f, uint32_t ppid, const uint8_t *frame,
		 struct fpag_pkt *k);
const uint8_t *fpag_onward(struct fpag *f, uint32_t dest, const uint8_t *frame,
			   uint32_t *caplen, const struct fpag_pkt *k, bool *entry);

#endif
