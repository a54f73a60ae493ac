#include "host/conntrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/proto.h"

#define NS_PER_S 1000000000ull
#define MAXACKWIN 66000u   /* Linux's MAXACKWINCONST */
#define TCP_URG 0x20       /* flag bits model/proto.h leaves out */
#define TCP_ECE 0x40
#define TCP_CWR 0x80

enum { DIR_ORIG, DIR_REPLY };
enum { EV_SYN, EV_SYNACK, EV_FIN, EV_ACK, EV_RST, EV_NONE, EV_COUNT };

/* One side's window tracking (Linux's ip_ct_tcp_state, without scaling). */
struct side {
	uint32_t end, maxend, maxwin;
	bool init;
};

struct ep {
	uint64_t hi, lo;
	uint16_t port;
};

struct conn {
	struct ep a, b;           /* a: the original sender */
	uint8_t proto;
	uint8_t state;
	uint8_t fin_seen;         /* bit per direction */
	bool seen_reply, offloaded, live;
	struct side win[2];
	uint64_t deadline;
	uint32_t hnext;           /* hash chain; free list when not live */
	uint32_t tprev, tnext;    /* timer list of its state */
};

struct tlist {
	uint32_t head, tail;
};

struct conntrack {
	uint32_t cap, n, free;
	uint32_t fresh;           /* records ever used: those from here on
				   * are free and untouched (no free list
				   * through them, so a big table costs
				   * nothing until it fills) */
	uint32_t mask;            /* buckets - 1 */
	uint32_t *bucket;
	struct conn *c;
	struct tlist timer[CT_STATE_COUNT];
	uint64_t timeout[CT_STATE_COUNT];
	uint64_t now;             /* latest time seen */
	struct conntrack_stats st;
};

/* ---- states, timeouts ----------------------------------------------------- */

void conntrack_default_timeouts(uint64_t out[CT_STATE_COUNT])
{
	/* Linux tcp_timeouts[] (nf_conntrack_proto_tcp.c), udp_timeouts[]
	 * (nf_conntrack_proto_udp.c: nf_conntrack_udp_timeout and
	 * _timeout_stream), nf_conntrack_icmp_timeout; see
	 * docs/fpag_policy.md. */
	static const uint32_t s[CT_STATE_COUNT] = {
		[CT_TCP_NONE] = 0,
		[CT_TCP_SYN_SENT] = 120, [CT_TCP_SYN_RECV] = 60,
		[CT_TCP_ESTABLISHED] = 5 * 24 * 3600, [CT_TCP_FIN_WAIT] = 120,
		[CT_TCP_CLOSE_WAIT] = 60, [CT_TCP_LAST_ACK] = 30,
		[CT_TCP_TIME_WAIT] = 120, [CT_TCP_CLOSE] = 10,
		[CT_TCP_SYN_SENT2] = 120,
		[CT_UDP_UNREPLIED] = 30, [CT_UDP_REPLIED] = 120,
		[CT_ICMP] = 30,
	};

	for (int i = 0; i < CT_STATE_COUNT; i++)
		out[i] = s[i] * NS_PER_S;
}

const char *conntrack_state_name(enum conntrack_state s)
{
	static const char *const n[CT_STATE_COUNT] = {
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
		"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
		"UDP_UNREPLIED", "UDP_REPLIED", "ICMP",
	};

	return (unsigned)s < CT_STATE_COUNT ? n[s] : "?";
}

/* The TCP state machine of Linux nf_conntrack, per direction and event,
 * indexed by the current state (NONE .. SYN_SENT2).  IV: invalid, IG:
 * ignored (state kept). */
#define NO CT_TCP_NONE
#define SS CT_TCP_SYN_SENT
#define SR CT_TCP_SYN_RECV
#define ES CT_TCP_ESTABLISHED
#define FW CT_TCP_FIN_WAIT
#define CW CT_TCP_CLOSE_WAIT
#define LA CT_TCP_LAST_ACK
#define TW CT_TCP_TIME_WAIT
#define CL CT_TCP_CLOSE
#define S2 CT_TCP_SYN_SENT2
#define IV 100
#define IG 101

static const uint8_t tcp_next[2][EV_COUNT][10] = {
	[DIR_ORIG] = {
		/*          NO  SS  SR  ES  FW  CW  LA  TW  CL  S2 */
		[EV_SYN]    = { SS, SS, IG, IG, IG, IG, IG, SS, SS, S2 },
		[EV_SYNACK] = { IV, IV, IG, IG, IG, IG, IG, IG, IG, SR },
		[EV_FIN]    = { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
		[EV_ACK]    = { ES, IV, ES, ES, CW, CW, TW, TW, CL, IV },
		[EV_RST]    = { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[EV_NONE]   = { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
	[DIR_REPLY] = {
		[EV_SYN]    = { IV, S2, IV, IV, IV, IV, IV, IV, IV, S2 },
		[EV_SYNACK] = { IV, SR, IG, IG, IG, IG, IG, IG, IG, SR },
		[EV_FIN]    = { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
		[EV_ACK]    = { IV, IG, SR, ES, CW, CW, TW, TW, CL, IG },
		[EV_RST]    = { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[EV_NONE]   = { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
};

static int tcp_event(uint8_t f)
{
	if (f & PROTO_TCP_RST)
		return EV_RST;
	if (f & PROTO_TCP_SYN)
		return f & PROTO_TCP_ACK ? EV_SYNACK : EV_SYN;
	if (f & PROTO_TCP_FIN)
		return EV_FIN;
	return f & PROTO_TCP_ACK ? EV_ACK : EV_NONE;
}

/* Linux's tcp_valid_flags: the combinations TCP sends, PSH, ECE and CWR
 * aside. */
static bool tcp_flags_valid(uint8_t f)
{
	static const uint8_t ok[] = {
		PROTO_TCP_SYN, PROTO_TCP_SYN | TCP_URG,
		PROTO_TCP_SYN | PROTO_TCP_ACK,
		PROTO_TCP_RST, PROTO_TCP_RST | PROTO_TCP_ACK,
		PROTO_TCP_FIN | PROTO_TCP_ACK,
		PROTO_TCP_FIN | PROTO_TCP_ACK | TCP_URG,
		PROTO_TCP_ACK, PROTO_TCP_ACK | TCP_URG,
	};

	f &= (uint8_t)~(PROTO_TCP_PSH | TCP_ECE | TCP_CWR);
	for (size_t i = 0; i < sizeof ok; i++)
		if (f == ok[i])
			return true;
	return false;
}

/* A SYN without ACK or RST: the only TCP segment that opens a connection. */
static bool tcp_opens(uint8_t f)
{
	return (f & (PROTO_TCP_SYN | PROTO_TCP_ACK | PROTO_TCP_RST)) == PROTO_TCP_SYN;
}

/* ---- ICMP ------------------------------------------------------------------- */

static bool is_icmp(uint8_t proto)
{
	return proto == PROTO_IP_ICMP || proto == PROTO_IP_ICMPV6;
}

static bool echo_request(const struct conntrack_pkt *p)
{
	return p->sport == (p->proto == PROTO_IP_ICMP ? 8 : 128);
}

static bool echo_reply(const struct conntrack_pkt *p)
{
	return p->sport == (p->proto == PROTO_IP_ICMP ? 0 : 129);
}

static bool icmp_error(const struct conntrack_pkt *p)
{
	uint16_t t = p->sport;

	if (p->proto == PROTO_IP_ICMP)
		return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
	return t >= 1 && t <= 4;
}

/* ---- table -------------------------------------------------------------------- */

static void endpoints(const struct conntrack_pkt *p, struct ep *s, struct ep *d)
{
	bool icmp = is_icmp(p->proto);

	*s = (struct ep){ p->src_ip.hi, p->src_ip.lo, icmp ? p->icmp_id : p->sport };
	*d = (struct ep){ p->dst_ip.hi, p->dst_ip.lo, icmp ? p->icmp_id : p->dport };
}

static bool ep_eq(const struct ep *x, const struct ep *y)
{
	return x->hi == y->hi && x->lo == y->lo && x->port == y->port;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

/* Symmetric in the two endpoints, so both directions hash alike. */
static uint32_t hash(const struct ep *x, const struct ep *y, uint8_t proto)
{
	uint64_t hx = mix(mix(mix(1, x->hi), x->lo), x->port);
	uint64_t hy = mix(mix(mix(1, y->hi), y->lo), y->port);
	uint64_t h = mix(hx ^ hy, (hx + hy) ^ proto);

	return (uint32_t)(h ^ h >> 32);
}

/* The record of p's connection and the direction p runs in. */
static uint32_t find(const struct conntrack *ct, const struct conntrack_pkt *p,
		     int *dir)
{
	struct ep s, d;

	endpoints(p, &s, &d);
	for (uint32_t i = ct->bucket[hash(&s, &d, p->proto) & ct->mask];
	     i != CT_NONE; i = ct->c[i].hnext) {
		const struct conn *c = &ct->c[i];

		if (c->proto != p->proto)
			continue;
		if (ep_eq(&c->a, &s) && ep_eq(&c->b, &d)) {
			*dir = DIR_ORIG;
			return i;
		}
		if (ep_eq(&c->a, &d) && ep_eq(&c->b, &s)) {
			*dir = DIR_REPLY;
			return i;
		}
	}
	return CT_NONE;
}

static void timer_unlink(struct conntrack *ct, uint32_t i)
{
	struct conn *c = &ct->c[i];
	struct tlist *l = &ct->timer[c->state];

	if (c->tprev == CT_NONE && l->head != i)
		return;                 /* on no list */
	if (c->tprev != CT_NONE)
		ct->c[c->tprev].tnext = c->tnext;
	else
		l->head = c->tnext;
	if (c->tnext != CT_NONE)
		ct->c[c->tnext].tprev = c->tprev;
	else
		l->tail = c->tprev;
	c->tprev = c->tnext = CT_NONE;
}

/* Each list holds one state, hence one timeout: appending keeps it in
 * deadline order. */
static void timer_append(struct conntrack *ct, uint32_t i)
{
	struct conn *c = &ct->c[i];
	struct tlist *l = &ct->timer[c->state];

	c->deadline = ct->now + ct->timeout[c->state];
	c->tnext = CT_NONE;
	c->tprev = l->tail;
	if (l->tail != CT_NONE)
		ct->c[l->tail].tnext = i;
	else
		l->head = i;
	l->tail = i;
}

/* Move conn i to a state (the list follows the state) and refresh it. */
static void set_state(struct conntrack *ct, uint32_t i, uint8_t state)
{
	timer_unlink(ct, i);
	ct->c[i].state = state;
	if (!ct->c[i].offloaded)
		timer_append(ct, i);
}

static void unhash(struct conntrack *ct, uint32_t i)
{
	struct conn *c = &ct->c[i];
	uint32_t *pp = &ct->bucket[hash(&c->a, &c->b, c->proto) & ct->mask];

	while (*pp != i)
		pp = &ct->c[*pp].hnext;
	*pp = c->hnext;
}

static void drop(struct conntrack *ct, uint32_t i)
{
	timer_unlink(ct, i);
	unhash(ct, i);
	ct->c[i].live = false;
	ct->c[i].hnext = ct->free;
	ct->free = i;
	ct->n--;
}

static void clock_to(struct conntrack *ct, uint64_t now)
{
	if (now > ct->now)
		ct->now = now;
}

static void set_timeouts(struct conntrack *ct,
			 const struct conntrack_params *params)
{
	conntrack_default_timeouts(ct->timeout);
	if (!params)
		return;
	for (int s = 0; s < CT_STATE_COUNT; s++)
		if (params->timeout_ns[s])
			ct->timeout[s] = params->timeout_ns[s];
}

int conntrack_create(const struct conntrack_params *params,
		     struct conntrack **out, struct pnic_error *err)
{
	uint32_t cap = params && params->max_conns ? params->max_conns : 65536;
	uint32_t nb = 1;
	struct conntrack *ct;

	*out = NULL;
	if (cap > (1u << 30))
		return pnic_err(err, EINVAL,
				"max_conns %u is above 2^30", cap);
	while (nb < cap)
		nb <<= 1;
	ct = calloc(1, sizeof *ct);
	if (!ct)
		goto nomem;
	ct->c = calloc(cap, sizeof *ct->c);
	ct->bucket = malloc(nb * sizeof *ct->bucket);
	if (!ct->c || !ct->bucket)
		goto free_ct;
	ct->cap = cap;
	ct->mask = nb - 1;
	memset(ct->bucket, 0xff, nb * sizeof *ct->bucket);
	ct->free = CT_NONE;
	for (int s = 0; s < CT_STATE_COUNT; s++)
		ct->timer[s] = (struct tlist){ CT_NONE, CT_NONE };
	set_timeouts(ct, params);
	*out = ct;
	return 0;

free_ct:
	conntrack_destroy(ct);
nomem:
	return pnic_err(err, ENOMEM, "out of memory for %u connections", cap);
}

void conntrack_destroy(struct conntrack *ct)
{
	if (!ct)
		return;
	free(ct->c);
	free(ct->bucket);
	free(ct);
}

/* ---- TCP ------------------------------------------------------------------------ */

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void side_init(struct side *s, uint32_t end, uint32_t win)
{
	s->init = true;
	s->end = s->maxend = end;
	s->maxwin = win;
}

/* Linux's tcp_in_window bounds I-IV, no scaling or SACK: the segment
 * starts at most at the sender's maximum end and ends no earlier than a
 * receiver window before the sender's end; the ACK acknowledges nothing
 * unsent and lies within a window of the receiver's end. */
static bool bounds_ok(const struct side *s, const struct side *r, uint32_t seq,
		      uint32_t end, uint32_t ack, bool rst)
{
	uint32_t maxack = s->maxwin > MAXACKWIN ? s->maxwin : MAXACKWIN;

	if (seq == end && !rst)
		seq = end = s->end;   /* no data: only the ACK counts */
	return !seq_after(seq, s->maxend) && !seq_after(s->end - r->maxwin, end) &&
	       !seq_after(ack, r->end) && !seq_after(r->end - maxack, ack);
}

static bool in_window(struct conn *c, int dir, const struct conntrack_pkt *p)
{
	struct side *s = &c->win[dir], *r = &c->win[!dir];
	uint8_t f = p->tcp_flags;
	uint32_t end = p->seq + p->len + !!(f & PROTO_TCP_SYN) + !!(f & PROTO_TCP_FIN);
	uint32_t win = p->win ? p->win : 1;
	uint32_t ack = f & PROTO_TCP_ACK ? p->ack : r->end;

	if (!p->has_seq)
		return true;
	if (!s->init)
		side_init(s, end, win);
	else if (r->init && !bounds_ok(s, r, p->seq, end, ack, f & PROTO_TCP_RST))
		return false;
	if (seq_after(end, s->end))
		s->end = end;
	if (win > s->maxwin)
		s->maxwin = win;
	if ((f & PROTO_TCP_ACK) && r->init && seq_after(ack + win, r->maxend))
		r->maxend = ack + win;
	return true;
}

static enum conntrack_info info_of(const struct conn *c)
{
	return c->seen_reply ? CT_ESTABLISHED : CT_NEW;
}

/* An original-direction SYN on a closed connection opens it again
 * (Linux: TIME_WAIT/CLOSE -> SYN_SENT, RFC 1122). */
static void reopen(struct conn *c)
{
	c->seen_reply = false;
	c->fin_seen = 0;
	memset(c->win, 0, sizeof c->win);
}

static enum conntrack_info tcp_packet(struct conntrack *ct, uint32_t i, int dir,
				      const struct conntrack_pkt *p)
{
	struct conn *c = &ct->c[i];
	uint8_t next = tcp_next[dir][tcp_event(p->tcp_flags)][c->state];

	if (next == IV) {
		ct->st.invalid_state++;
		return CT_INVALID;
	}
	if (next == IG) {
		ct->st.ignored++;
		return info_of(c);
	}
	if (dir == DIR_ORIG && next == SS &&
	    (c->state == CT_TCP_TIME_WAIT || c->state == CT_TCP_CLOSE))
		reopen(c);
	if (!in_window(c, dir, p)) {
		ct->st.out_of_window++;
		return CT_INVALID;
	}
	if (dir == DIR_REPLY)
		c->seen_reply = true;
	if (p->tcp_flags & PROTO_TCP_FIN)
		c->fin_seen |= (uint8_t)(1u << dir);
	set_state(ct, i, next);
	return info_of(c);
}

/* ---- tracking ------------------------------------------------------------------- */

static void other_packet(struct conntrack *ct, uint32_t i, int dir,
			 const struct conntrack_pkt *p,
			 struct conntrack_result *r)
{
	struct conn *c = &ct->c[i];

	if (is_icmp(p->proto) && (dir == DIR_ORIG ? !echo_request(p) :
				  !echo_reply(p) && !echo_request(p))) {
		ct->st.invalid_state++;
		r->info = CT_INVALID;
		return;
	}
	if (dir == DIR_REPLY)
		c->seen_reply = true;
	set_state(ct, i, p->proto == PROTO_IP_TCP ? c->state :
		  is_icmp(p->proto) ? CT_ICMP :
		  c->seen_reply ? CT_UDP_REPLIED : CT_UDP_UNREPLIED);
	r->info = info_of(c);
}

/* A packet of no connection: what it may be. */
static enum conntrack_info untracked(struct conntrack *ct,
				     const struct conntrack_pkt *p)
{
	if (p->proto == PROTO_IP_TCP && tcp_opens(p->tcp_flags))
		return CT_NEW;
	if (is_icmp(p->proto) ? echo_request(p) : p->proto != PROTO_IP_TCP)
		return CT_NEW;
	ct->st.no_connection++;
	return CT_INVALID;
}

static void related(struct conntrack *ct, const struct conntrack_pkt *p,
		    struct conntrack_result *r)
{
	int dir;
	uint32_t i = p->inner ? find(ct, p->inner, &dir) : CT_NONE;

	if (i == CT_NONE) {
		ct->st.no_connection++;
		r->info = CT_INVALID;
		return;
	}
	ct->st.related++;
	r->info = CT_RELATED;
	r->conn = i;
	r->state = ct->c[i].state;
	r->reply = dir == DIR_REPLY;
}

void conntrack_track(struct conntrack *ct, const struct conntrack_pkt *p,
		     uint64_t now, struct conntrack_result *r)
{
	int dir = DIR_ORIG;
	uint32_t i;

	clock_to(ct, now);
	*r = (struct conntrack_result){ CT_INVALID, CT_TCP_NONE, CT_NONE, false };
	if (is_icmp(p->proto) && icmp_error(p)) {
		related(ct, p, r);
		return;
	}
	if (p->proto == PROTO_IP_TCP && !tcp_flags_valid(p->tcp_flags)) {
		ct->st.invalid_flags++;
		return;
	}
	i = find(ct, p, &dir);
	if (i == CT_NONE) {
		r->info = untracked(ct, p);
		return;
	}
	r->conn = i;
	r->reply = dir == DIR_REPLY;
	if (p->proto == PROTO_IP_TCP)
		r->info = tcp_packet(ct, i, dir, p);
	else
		other_packet(ct, i, dir, p, r);
	r->state = ct->c[i].state;
}

/* A record for p's connection, hashed, in the state before p. */
static uint32_t conn_new(struct conntrack *ct, const struct conntrack_pkt *p)
{
	uint32_t i = ct->free != CT_NONE ? ct->free : ct->fresh++, *b;
	struct conn *c = &ct->c[i];

	if (i == ct->free)
		ct->free = c->hnext;
	memset(c, 0, sizeof *c);
	endpoints(p, &c->a, &c->b);
	c->proto = p->proto;
	c->live = true;
	c->tprev = c->tnext = CT_NONE;
	c->state = p->proto == PROTO_IP_TCP ? CT_TCP_NONE :
		   is_icmp(p->proto) ? CT_ICMP : CT_UDP_UNREPLIED;
	b = &ct->bucket[hash(&c->a, &c->b, c->proto) & ct->mask];
	c->hnext = *b;
	*b = i;
	ct->n++;
	ct->st.created++;
	return i;
}

int conntrack_commit(struct conntrack *ct, const struct conntrack_pkt *p,
		     uint64_t now, struct conntrack_result *r,
		     struct pnic_error *err)
{
	bool tcp = p->proto == PROTO_IP_TCP;
	int dir;
	uint32_t i;
	struct conn *c;

	clock_to(ct, now);
	if (tcp ? !tcp_opens(p->tcp_flags) || !tcp_flags_valid(p->tcp_flags) :
	    is_icmp(p->proto) && !echo_request(p))
		return pnic_err(err, EINVAL,
				"only a TCP SYN, an ICMP echo request or another protocol's packet opens a connection");
	if (find(ct, p, &dir) != CT_NONE)
		return pnic_err(err, EEXIST, "the connection is tracked already");
	if (ct->free == CT_NONE && ct->fresh == ct->cap) {
		ct->st.refused_full++;
		return pnic_err(err, ENOSPC,
				"connection table full (%u): new connection refused",
				ct->cap);
	}
	i = conn_new(ct, p);
	c = &ct->c[i];
	if (tcp)
		tcp_packet(ct, i, DIR_ORIG, p);
	else
		set_state(ct, i, c->state);
	if (r)
		*r = (struct conntrack_result){ CT_NEW, c->state, i, false };
	return 0;
}

/* ---- offload, teardown, expiry ------------------------------------------------ */

static struct conn *live(const struct conntrack *ct, uint32_t i)
{
	return i < ct->cap && ct->c[i].live ? &ct->c[i] : NULL;
}

int conntrack_set_offloaded(struct conntrack *ct, uint32_t conn, bool on,
			    uint64_t now)
{
	struct conn *c = live(ct, conn);

	if (!c)
		return -ENOENT;
	clock_to(ct, now);
	c->offloaded = on;
	set_state(ct, conn, c->state);
	return 0;
}

bool conntrack_closing(const struct conntrack *ct, uint32_t conn)
{
	const struct conn *c = live(ct, conn);

	return c && c->proto == PROTO_IP_TCP &&
	       (c->state == CT_TCP_TIME_WAIT || c->state == CT_TCP_CLOSE ||
		c->fin_seen == 3);
}

int conntrack_nic_flags(struct conntrack *ct, uint32_t conn, bool reply,
			uint8_t tcp_flags, uint64_t now, bool *done)
{
	struct conn *c = live(ct, conn);
	int dir = reply ? DIR_REPLY : DIR_ORIG;
	uint8_t next;
	bool was;

	*done = false;
	if (!c)
		return -ENOENT;
	if (c->proto != PROTO_IP_TCP)
		return -EINVAL;
	clock_to(ct, now);
	was = conntrack_closing(ct, conn);
	next = tcp_next[dir][tcp_event(tcp_flags)][c->state];
	if (tcp_flags & PROTO_TCP_FIN)
		c->fin_seen |= (uint8_t)(1u << dir);
	if (next < IV)
		set_state(ct, conn, next);
	if (!was && ((tcp_flags & PROTO_TCP_RST) || c->fin_seen == 3)) {
		/* The record outlives the NIC's entries, as a stateful
		 * firewall's does: the closing ACK and retransmits that follow
		 * the FINs (or an RST) still find it, in LAST_ACK, TIME_WAIT
		 * or CLOSE, until that state's timeout ends it. */
		*done = true;
		ct->st.torn_down++;
		c->offloaded = false;
		set_state(ct, conn, c->state);
	}
	return 0;
}


int conntrack_remove(struct conntrack *ct, uint32_t conn)
{
	if (!live(ct, conn))
		return -ENOENT;
	ct->st.removed++;
	drop(ct, conn);
	return 0;
}

uint32_t conntrack_expire(struct conntrack *ct, uint64_t now, uint32_t *out,
			  uint32_t cap)
{
	uint32_t n = 0;

	clock_to(ct, now);
	for (int s = 0; s < CT_STATE_COUNT; s++) {
		uint32_t i;

		while (n < cap && (i = ct->timer[s].head) != CT_NONE &&
		       ct->c[i].deadline <= ct->now) {
			out[n++] = i;
			ct->st.expired++;
			drop(ct, i);
		}
	}
	return n;
}

uint64_t conntrack_next_deadline(const struct conntrack *ct)
{
	uint64_t d = UINT64_MAX;

	/* Each list is in deadline order: its head is its earliest. */
	for (int s = 0; s < CT_STATE_COUNT; s++) {
		uint32_t i = ct->timer[s].head;

		if (i != CT_NONE && ct->c[i].deadline < d)
			d = ct->c[i].deadline;
	}
	return d;
}

uint32_t conntrack_count(const struct conntrack *ct)
{
	return ct->n;
}

const struct conntrack_stats *conntrack_stats(const struct conntrack *ct)
{
	return &ct->st;
}

int conntrack_get(const struct conntrack *ct, uint32_t conn,
		  enum conntrack_state *state, uint64_t *deadline)
{
	const struct conn *c = live(ct, conn);

	if (!c)
		return -ENOENT;
	if (state)
		*state = (enum conntrack_state)c->state;
	if (deadline)
		*deadline = c->offloaded ? UINT64_MAX : c->deadline;
	return 0;
}
