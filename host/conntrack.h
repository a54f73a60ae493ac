/* Connection tracking for the FPAG's stateful firewall.
 *
 * A connection is keyed by its 5-tuple in either direction: the reply
 * (addresses and ports swapped) finds the record its original direction
 * made.  TCP follows Linux nf_conntrack's state machine
 * (net/netfilter/nf_conntrack_proto_tcp.c: SYN_SENT, SYN_RECV,
 * ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE,
 * SYN_SENT2 for a simultaneous open), its flag validity (Linux's
 * tcp_valid_flags) and, when the caller gives sequence numbers, a
 * simplified version of its window check (bounds I-IV of tcp_in_window,
 * without window scaling or SACK).  UDP and ICMP echo are
 * pseudo-connections: NEW until a reply is seen, ESTABLISHED after.  An
 * ICMP error quoting the header of a tracked connection is RELATED.
 *
 * Answers per packet, as iptables' ctstate: NEW (the original direction
 * before any reply), ESTABLISHED, RELATED or INVALID, and the TCP state.
 * conntrack_track() never creates: a packet of no connection is NEW (or
 * INVALID, e.g. a lone ACK, as with nf_conntrack_tcp_loose = 0) and the
 * caller, once its rules allow it, calls conntrack_commit().
 *
 * Time: every call that looks at time takes `now` in ns from the caller;
 * there is no clock here.  Each state has a timeout (defaults from Linux:
 * conntrack_default_timeouts(), each with its source in docs/fpag_policy.md);
 * a packet sets the deadline to now + timeout(state).  Records live on one
 * list per timeout class, appended on each refresh: with non-decreasing
 * `now` each list is ordered by deadline, so conntrack_expire() pops list
 * heads and never scans.  A `now` earlier than one already seen is taken as
 * the latest seen (time does not run back).  Offloaded connections (the NIC
 * holds an entry) are on no list: the NIC's aging ends them, and its FIN/RST
 * reports put them back on the list of their closing state.
 *
 * Capacity is fixed at create: a full table refuses a new connection
 * (-ENOSPC, counted), never overwrites one.  Tracking, lookups and
 * expiry allocate nothing.
 */
#ifndef PNIC_CONNTRACK_H
#define PNIC_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "host/ruleset.h"
#include "model/error.h"

#define CT_NONE UINT32_MAX

enum conntrack_info {
	CT_NEW,
	CT_ESTABLISHED,
	CT_RELATED,
	CT_INVALID,
};

enum conntrack_state {
	CT_TCP_NONE,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,
	CT_UDP_UNREPLIED,
	CT_UDP_REPLIED,
	CT_ICMP,
	CT_STATE_COUNT
};

struct conntrack_pkt {
	struct ruleset_ip src_ip, dst_ip;
	uint16_t sport, dport;      /* ICMP: type, code */
	uint8_t proto;              /* PROTO_IP_TCP, _UDP, _ICMP, _ICMPV6 */
	uint8_t tcp_flags;          /* PROTO_TCP_FIN ... (model/proto.h) */
	uint16_t icmp_id;           /* echo identifier */
	bool has_seq;               /* seq/ack/win/len given: check the window */
	uint32_t seq, ack, win, len;
	const struct conntrack_pkt *inner; /* ICMP error: the quoted header */
};

struct conntrack_result {
	enum conntrack_info info;
	enum conntrack_state state;  /* after the packet */
	uint32_t conn;               /* record id, CT_NONE if none */
	bool reply;                  /* the packet runs in the reply direction */
};

struct conntrack_stats {
	uint64_t created, expired, removed, torn_down;
	uint64_t refused_full;       /* commit on a full table */
	uint64_t invalid_flags;      /* flag combination TCP never sends */
	uint64_t invalid_state;      /* transition the state machine refuses */
	uint64_t out_of_window;
	uint64_t no_connection;      /* non-opening packet of no connection */
	uint64_t ignored;            /* Linux's "ignore": state unchanged */
	uint64_t related;
};

struct conntrack_params {
	uint32_t max_conns;          /* 0: 65536 */
	uint64_t timeout_ns[CT_STATE_COUNT]; /* 0 entries: the defaults */
};

struct conntrack;

/* Linux's defaults, in ns, per state. */
void conntrack_default_timeouts(uint64_t out[CT_STATE_COUNT]);
const char *conntrack_state_name(enum conntrack_state s);

int conntrack_create(const struct conntrack_params *params,
		     struct conntrack **out, struct pnic_error *err);
void conntrack_destroy(struct conntrack *ct);

/* Classify a packet and advance its connection, if any. */
void conntrack_track(struct conntrack *ct, const struct conntrack_pkt *p,
		     uint64_t now, struct conntrack_result *r);
/* Make the connection p opens (p: a NEW answer of conntrack_track).
 * -ENOSPC when full (counted), -EINVAL if p cannot open one (a TCP packet
 * but a SYN, an ICMP message but an echo request), -EEXIST if tracked. */
int conntrack_commit(struct conntrack *ct, const struct conntrack_pkt *p,
		     uint64_t now, struct conntrack_result *r,
		     struct pnic_error *err);

/* The NIC holds (or no longer holds) an entry for conn: off the timers
 * while held; back on them, from now, when released. */
int conntrack_set_offloaded(struct conntrack *ct, uint32_t conn, bool on,
			    uint64_t now);
/* A FIN or RST the NIC saw on conn (reply: in the reply direction).
 * *done is set when the teardown is complete (RST, or FIN both ways): the
 * caller removes the NIC entries, and the record stays, back on the
 * timers in its closing state (LAST_ACK, TIME_WAIT, CLOSE), so that the
 * last ACK and late retransmits are still ESTABLISHED; its state's
 * timeout removes it (conntrack_expire), as nf_conntrack's does. */
int conntrack_nic_flags(struct conntrack *ct, uint32_t conn, bool reply,
			uint8_t tcp_flags, uint64_t now, bool *done);
/* Whether a TCP connection's teardown is complete (FIN both ways, or
 * TIME_WAIT or CLOSE): its late packets pass, but nothing is offloaded. */
bool conntrack_closing(const struct conntrack *ct, uint32_t conn);
int conntrack_remove(struct conntrack *ct, uint32_t conn);

/* Remove connections whose deadline is at or before now; their ids go to
 * out[0..cap) and the count is returned (call again while it equals cap). */
uint32_t conntrack_expire(struct conntrack *ct, uint64_t now, uint32_t *out,
			  uint32_t cap);

/* The earliest deadline of a connection on the timers (UINT64_MAX: none),
 * O(states): when conntrack_expire() next has work. */
uint64_t conntrack_next_deadline(const struct conntrack *ct);
uint32_t conntrack_count(const struct conntrack *ct);
const struct conntrack_stats *conntrack_stats(const struct conntrack *ct);
/* State and deadline of a record; -ENOENT if not live. */
int conntrack_get(const struct conntrack *ct, uint32_t conn,
		  enum conntrack_state *state, uint64_t *deadline);

#endif
