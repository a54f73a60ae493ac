#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "host/conntrack.h"
#include "model/proto.h"

#define S (1000000000ull)

static struct conntrack *make(uint32_t cap)
{
	struct conntrack_params p = { .max_conns = cap };
	struct pnic_error err;
	struct conntrack *ct;

	cr_assert_eq(conntrack_create(&p, &ct, &err), 0, "%s", err.msg);
	return ct;
}

/* Client 10.0.0.1:1234 -> server 10.0.0.2:80, and the way back. */
static struct conntrack_pkt tcp(bool reply, uint8_t flags)
{
	struct conntrack_pkt p = { .src_ip = ruleset_ip_v4(0x0a000001),
				   .dst_ip = ruleset_ip_v4(0x0a000002),
				   .sport = 1234, .dport = 80, .proto = 6,
				   .tcp_flags = flags };

	if (reply) {
		p.src_ip = ruleset_ip_v4(0x0a000002);
		p.dst_ip = ruleset_ip_v4(0x0a000001);
		p.sport = 80;
		p.dport = 1234;
	}
	return p;
}

static struct conntrack_pkt seq(struct conntrack_pkt p, uint32_t s, uint32_t a,
				uint32_t len)
{
	p.has_seq = true;
	p.seq = s;
	p.ack = a;
	p.len = len;
	p.win = 8192;
	return p;
}

static struct conntrack_result track(struct conntrack *ct,
				     struct conntrack_pkt p, uint64_t now)
{
	struct conntrack_result r;

	conntrack_track(ct, &p, now, &r);
	return r;
}

static uint32_t open_syn(struct conntrack *ct, struct conntrack_pkt syn,
			 uint64_t now)
{
	struct conntrack_result r = track(ct, syn, now);
	struct pnic_error err;

	cr_assert_eq(r.info, CT_NEW);
	cr_assert_eq(r.conn, CT_NONE, "track never creates");
	cr_assert_eq(conntrack_commit(ct, &syn, now, &r, &err), 0, "%s", err.msg);
	return r.conn;
}

static void expect(struct conntrack_result r, enum conntrack_info info,
		   enum conntrack_state st)
{
	cr_assert_eq(r.info, info, "info %d, want %d", r.info, info);
	cr_assert_eq(r.state, st, "state %s, want %s", conntrack_state_name(r.state),
		     conntrack_state_name(st));
}

/* Open a connection up to ESTABLISHED; returns its id. */
static uint32_t established(struct conntrack *ct, uint64_t now)
{
	uint32_t c = open_syn(ct, tcp(false, PROTO_TCP_SYN), now);

	expect(track(ct, tcp(true, PROTO_TCP_SYN | PROTO_TCP_ACK), now), CT_ESTABLISHED,
	       CT_TCP_SYN_RECV);
	expect(track(ct, tcp(false, PROTO_TCP_ACK), now), CT_ESTABLISHED,
	       CT_TCP_ESTABLISHED);
	return c;
}

Test(conntrack, handshake_and_close_both_directions)
{
	struct conntrack *ct = make(0);
	uint32_t c = open_syn(ct, tcp(false, PROTO_TCP_SYN), 0), out[4];
	struct conntrack_result r;
	uint64_t dl;

	cr_assert_eq(conntrack_get(ct, c, NULL, &dl), 0);
	cr_assert_eq(dl, 120 * S);
	r = track(ct, tcp(true, PROTO_TCP_SYN | PROTO_TCP_ACK), 1);
	expect(r, CT_ESTABLISHED, CT_TCP_SYN_RECV);
	cr_assert_eq(r.conn, c);
	cr_assert(r.reply);
	expect(track(ct, tcp(false, PROTO_TCP_ACK), 2), CT_ESTABLISHED, CT_TCP_ESTABLISHED);
	expect(track(ct, tcp(true, PROTO_TCP_ACK | PROTO_TCP_PSH), 3), CT_ESTABLISHED,
	       CT_TCP_ESTABLISHED);
	expect(track(ct, tcp(false, PROTO_TCP_FIN | PROTO_TCP_ACK), 4), CT_ESTABLISHED,
	       CT_TCP_FIN_WAIT);
	expect(track(ct, tcp(true, PROTO_TCP_ACK), 5), CT_ESTABLISHED, CT_TCP_CLOSE_WAIT);
	expect(track(ct, tcp(true, PROTO_TCP_FIN | PROTO_TCP_ACK), 6), CT_ESTABLISHED,
	       CT_TCP_LAST_ACK);
	expect(track(ct, tcp(false, PROTO_TCP_ACK), 7), CT_ESTABLISHED, CT_TCP_TIME_WAIT);
	cr_assert_eq(conntrack_expire(ct, 7 + 120 * S - 1, out, 4), 0);
	cr_assert_eq(conntrack_expire(ct, 7 + 120 * S, out, 4), 1);
	cr_assert_eq(out[0], c);
	cr_assert_eq(conntrack_count(ct), 0);
	cr_assert_eq(conntrack_stats(ct)->expired, 1);
	conntrack_destroy(ct);
}

Test(conntrack, simultaneous_open_and_close)
{
	struct conntrack *ct = make(0);

	open_syn(ct, tcp(false, PROTO_TCP_SYN), 0);
	expect(track(ct, tcp(true, PROTO_TCP_SYN), 1), CT_ESTABLISHED, CT_TCP_SYN_SENT2);
	expect(track(ct, tcp(false, PROTO_TCP_SYN | PROTO_TCP_ACK), 2), CT_ESTABLISHED,
	       CT_TCP_SYN_RECV);
	expect(track(ct, tcp(true, PROTO_TCP_SYN | PROTO_TCP_ACK), 3), CT_ESTABLISHED,
	       CT_TCP_SYN_RECV);
	cr_assert_eq(conntrack_stats(ct)->ignored, 1);
	expect(track(ct, tcp(false, PROTO_TCP_ACK), 4), CT_ESTABLISHED, CT_TCP_ESTABLISHED);
	/* both send FIN before either ACKs */
	expect(track(ct, tcp(false, PROTO_TCP_FIN | PROTO_TCP_ACK), 5), CT_ESTABLISHED,
	       CT_TCP_FIN_WAIT);
	expect(track(ct, tcp(true, PROTO_TCP_FIN | PROTO_TCP_ACK), 6), CT_ESTABLISHED,
	       CT_TCP_LAST_ACK);
	expect(track(ct, tcp(false, PROTO_TCP_ACK), 7), CT_ESTABLISHED, CT_TCP_TIME_WAIT);
	/* a new SYN from the client reopens the closed connection */
	expect(track(ct, tcp(false, PROTO_TCP_SYN), 8), CT_NEW, CT_TCP_SYN_SENT);
	conntrack_destroy(ct);
}

/* RST from either side closes from every state, with CLOSE's 10 s. */
Test(conntrack, rst_in_each_state)
{
	static const uint8_t path[][2] = {
		{ 0, PROTO_TCP_SYN | PROTO_TCP_ACK }, { 1, PROTO_TCP_ACK }, { 0, PROTO_TCP_FIN | PROTO_TCP_ACK },
		{ 1, PROTO_TCP_ACK }, { 1, PROTO_TCP_FIN | PROTO_TCP_ACK }, { 0, PROTO_TCP_ACK },
	};

	for (unsigned steps = 0; steps <= 6; steps++)
		for (int from_reply = 0; from_reply < 2; from_reply++) {
			struct conntrack *ct = make(0);
			uint32_t c = open_syn(ct, tcp(false, PROTO_TCP_SYN), 0), out[2];
			enum conntrack_state before, st;
			uint64_t dl;

			for (unsigned k = 0; k < steps; k++)
				track(ct, tcp(!path[k][0], path[k][1]), 0);
			conntrack_get(ct, c, &before, NULL);
			expect(track(ct, tcp(from_reply, PROTO_TCP_RST), 100),
			       steps || from_reply ? CT_ESTABLISHED : CT_NEW,
			       CT_TCP_CLOSE);
			cr_assert_eq(conntrack_get(ct, c, &st, &dl), 0);
			cr_assert_eq(dl, 100 + 10 * S, "from %s",
				     conntrack_state_name(before));
			cr_assert_eq(conntrack_expire(ct, 100 + 10 * S, out, 2), 1);
			conntrack_destroy(ct);
		}
}

Test(conntrack, retransmissions_and_window)
{
	struct conntrack *ct = make(0);
	uint32_t c = open_syn(ct, seq(tcp(false, PROTO_TCP_SYN), 1000, 0, 0), 0);
	const struct conntrack_stats *st = conntrack_stats(ct);

	expect(track(ct, seq(tcp(false, PROTO_TCP_SYN), 1000, 0, 0), 1), CT_NEW,
	       CT_TCP_SYN_SENT);
	expect(track(ct, seq(tcp(true, PROTO_TCP_SYN | PROTO_TCP_ACK), 5000, 1001, 0), 2),
	       CT_ESTABLISHED, CT_TCP_SYN_RECV);
	expect(track(ct, seq(tcp(false, PROTO_TCP_ACK), 1001, 5001, 0), 3),
	       CT_ESTABLISHED, CT_TCP_ESTABLISHED);
	expect(track(ct, seq(tcp(false, PROTO_TCP_ACK), 1001, 5001, 500), 4),
	       CT_ESTABLISHED, CT_TCP_ESTABLISHED);
	/* the same segment again: a retransmission, in window */
	expect(track(ct, seq(tcp(false, PROTO_TCP_ACK), 1001, 5001, 500), 5),
	       CT_ESTABLISHED, CT_TCP_ESTABLISHED);
	cr_assert_eq(st->out_of_window, 0);
	/* far beyond what the server allowed */
	expect(track(ct, seq(tcp(false, PROTO_TCP_ACK), 1001 + 100000, 5001, 10), 6),
	       CT_INVALID, CT_TCP_ESTABLISHED);
	/* acknowledging data the client never sent */
	expect(track(ct, seq(tcp(true, PROTO_TCP_ACK), 5001, 1501 + 70000, 0), 7),
	       CT_INVALID, CT_TCP_ESTABLISHED);
	cr_assert_eq(st->out_of_window, 2);
	/* an out-of-window FIN changes nothing */
	expect(track(ct, seq(tcp(true, PROTO_TCP_FIN | PROTO_TCP_ACK), 5001 + 200000, 1501, 0), 8),
	       CT_INVALID, CT_TCP_ESTABLISHED);
	cr_assert_eq(st->out_of_window, 3);
	cr_assert_eq(conntrack_get(ct, c, NULL, NULL), 0);
	conntrack_destroy(ct);
}

Test(conntrack, invalid_flags_and_transitions_counted)
{
	struct conntrack *ct = make(0);
	const struct conntrack_stats *st = conntrack_stats(ct);
	struct pnic_error err;
	struct conntrack_pkt p;

	expect(track(ct, tcp(false, PROTO_TCP_SYN | PROTO_TCP_FIN), 0), CT_INVALID, CT_TCP_NONE);
	expect(track(ct, tcp(false, PROTO_TCP_FIN), 0), CT_INVALID, CT_TCP_NONE);
	expect(track(ct, tcp(false, 0), 0), CT_INVALID, CT_TCP_NONE);
	expect(track(ct, tcp(false, PROTO_TCP_SYN | PROTO_TCP_RST), 0), CT_INVALID, CT_TCP_NONE);
	cr_assert_eq(st->invalid_flags, 4);
	/* a lone ACK opens nothing (strict pickup) */
	expect(track(ct, tcp(false, PROTO_TCP_ACK), 0), CT_INVALID, CT_TCP_NONE);
	cr_assert_eq(st->no_connection, 1);
	p = tcp(false, PROTO_TCP_ACK);
	cr_assert_eq(conntrack_commit(ct, &p, 0, NULL, &err), -EINVAL);
	open_syn(ct, tcp(false, PROTO_TCP_SYN), 0);
	/* the client cannot FIN before the SYN-ACK; the server cannot SYN-ACK
	 * an established connection into anything */
	expect(track(ct, tcp(false, PROTO_TCP_FIN | PROTO_TCP_ACK), 1), CT_INVALID,
	       CT_TCP_SYN_SENT);
	expect(track(ct, tcp(false, PROTO_TCP_SYN | PROTO_TCP_ACK), 1), CT_INVALID,
	       CT_TCP_SYN_SENT);
	cr_assert_eq(st->invalid_state, 2);
	p = tcp(false, PROTO_TCP_SYN);
	cr_assert_eq(conntrack_commit(ct, &p, 0, NULL, &err), -EEXIST);
	conntrack_destroy(ct);
}

Test(conntrack, timeouts_per_state)
{
	static const struct { uint8_t reply, flags; enum conntrack_state st; uint64_t s; } path[] = {
		{ 1, PROTO_TCP_SYN | PROTO_TCP_ACK, CT_TCP_SYN_RECV, 60 },
		{ 0, PROTO_TCP_ACK, CT_TCP_ESTABLISHED, 432000 },
		{ 0, PROTO_TCP_FIN | PROTO_TCP_ACK, CT_TCP_FIN_WAIT, 120 },
		{ 1, PROTO_TCP_ACK, CT_TCP_CLOSE_WAIT, 60 },
		{ 1, PROTO_TCP_FIN | PROTO_TCP_ACK, CT_TCP_LAST_ACK, 30 },
		{ 0, PROTO_TCP_ACK, CT_TCP_TIME_WAIT, 120 },
	};
	struct conntrack *ct = make(0);
	uint32_t c = open_syn(ct, tcp(false, PROTO_TCP_SYN), 5);
	uint64_t dl, t = 5;
	enum conntrack_state st;

	for (unsigned i = 0; i < sizeof path / sizeof path[0]; i++) {
		t += 1000;
		track(ct, tcp(path[i].reply, path[i].flags), t);
		cr_assert_eq(conntrack_get(ct, c, &st, &dl), 0);
		cr_assert_eq(st, path[i].st);
		cr_assert_eq(dl, t + path[i].s * S, "%s", conntrack_state_name(st));
	}
	conntrack_destroy(ct);
}

static struct conntrack_pkt udp(uint32_t client, bool reply)
{
	struct conntrack_pkt p = { .src_ip = ruleset_ip_v4(client),
				   .dst_ip = ruleset_ip_v4(0x08080808),
				   .sport = 5353, .dport = 53, .proto = 17 };

	if (reply) {
		p.dst_ip = p.src_ip;
		p.src_ip = ruleset_ip_v4(0x08080808);
		p.sport = 53;
		p.dport = 5353;
	}
	return p;
}

Test(conntrack, udp_pseudo_connection)
{
	struct conntrack *ct = make(0);
	uint32_t c = open_syn(ct, udp(1, false), 0), out[2];
	uint64_t dl;

	expect(track(ct, udp(1, false), 1), CT_NEW, CT_UDP_UNREPLIED);
	cr_assert_eq(conntrack_get(ct, c, NULL, &dl), 0);
	cr_assert_eq(dl, 1 + 30 * S);
	expect(track(ct, udp(1, true), 2), CT_ESTABLISHED, CT_UDP_REPLIED);
	expect(track(ct, udp(1, false), 3), CT_ESTABLISHED, CT_UDP_REPLIED);
	cr_assert_eq(conntrack_get(ct, c, NULL, &dl), 0);
	cr_assert_eq(dl, 3 + 120 * S);
	/* an unreplied one goes after 30 s, the replied one lives on */
	open_syn(ct, udp(2, false), 10);
	cr_assert_eq(conntrack_expire(ct, 10 + 30 * S, out, 2), 1);
	cr_assert_neq(out[0], c);
	cr_assert_eq(conntrack_count(ct), 1);
	conntrack_destroy(ct);
}

Test(conntrack, icmp_echo_and_related_errors)
{
	struct conntrack *ct = make(0);
	struct conntrack_pkt req = { .src_ip = ruleset_ip_v4(1), .dst_ip = ruleset_ip_v4(2),
				     .sport = 8, .proto = 1, .icmp_id = 77 };
	struct conntrack_pkt rep = req, err_pkt = { .src_ip = ruleset_ip_v4(9),
		.dst_ip = ruleset_ip_v4(0x0a000001), .sport = 3, .dport = 1, .proto = 1 };
	struct conntrack_pkt inner = tcp(false, PROTO_TCP_SYN), stranger = tcp(false, PROTO_TCP_SYN);
	struct conntrack_result r;
	uint32_t c, t;

	rep.src_ip = req.dst_ip;
	rep.dst_ip = req.src_ip;
	rep.sport = 0;
	expect(track(ct, rep, 0), CT_INVALID, CT_TCP_NONE);   /* orphan reply */
	c = open_syn(ct, req, 0);
	expect(track(ct, rep, 1), CT_ESTABLISHED, CT_ICMP);
	cr_assert_eq(track(ct, rep, 1).conn, c);

	t = established(ct, 2);
	err_pkt.inner = &inner;                 /* unreachable quoting the SYN */
	r = track(ct, err_pkt, 3);
	cr_assert_eq(r.info, CT_RELATED);
	cr_assert_eq(r.conn, t);
	stranger.sport = 999;
	err_pkt.inner = &stranger;
	expect(track(ct, err_pkt, 3), CT_INVALID, CT_TCP_NONE);
	cr_assert_eq(conntrack_stats(ct)->related, 1);
	conntrack_destroy(ct);
}

Test(conntrack, ipv6_reply_finds_the_record)
{
	struct conntrack *ct = make(0);
	struct conntrack_pkt p = { .src_ip = { 0x20010db800000000ull, 1 },
				   .dst_ip = { 0x20010db800000000ull, 2 },
				   .sport = 40000, .dport = 443, .proto = 6,
				   .tcp_flags = PROTO_TCP_SYN }, q = p;
	uint32_t c = open_syn(ct, p, 0);

	q.src_ip = p.dst_ip;
	q.dst_ip = p.src_ip;
	q.sport = 443;
	q.dport = 40000;
	q.tcp_flags = PROTO_TCP_SYN | PROTO_TCP_ACK;
	cr_assert_eq(track(ct, q, 1).conn, c);
	/* the same ports with the addresses of an IPv4-mapped twin: another */
	q.src_ip.hi = 0;
	cr_assert_eq(track(ct, q, 1).conn, CT_NONE);
	conntrack_destroy(ct);
}

Test(conntrack, full_table_refuses_and_counts)
{
	struct conntrack *ct = make(4);
	struct pnic_error err;
	struct conntrack_pkt p;
	uint32_t out[4];

	for (uint32_t i = 0; i < 4; i++)
		open_syn(ct, udp(100 + i, false), i);
	p = udp(200, false);
	cr_assert_eq(track(ct, p, 5).info, CT_NEW);
	cr_assert_eq(conntrack_commit(ct, &p, 5, NULL, &err), -ENOSPC);
	cr_assert(strstr(err.msg, "full"), "%s", err.msg);
	cr_assert_eq(conntrack_stats(ct)->refused_full, 1);
	/* nothing was overwritten */
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_neq(track(ct, udp(100 + i, false), 6).conn, CT_NONE);
	cr_assert_eq(conntrack_expire(ct, 6 + 30 * S, out, 4), 4);
	cr_assert_eq(conntrack_commit(ct, &p, 7 + 30 * S, NULL, &err), 0);
	conntrack_destroy(ct);
}

Test(conntrack, offloaded_connections_end_by_nic_reports)
{
	struct conntrack *ct = make(0);
	uint32_t a = established(ct, 0), out[2];
	struct conntrack_pkt q = tcp(false, PROTO_TCP_SYN);
	uint32_t b;
	bool done;
	uint64_t dl;
	enum conntrack_state st;
	struct conntrack_result r;

	q.sport = 4321;
	b = open_syn(ct, q, 0);
	cr_assert_eq(conntrack_set_offloaded(ct, a, true, 0), 0);
	cr_assert_eq(conntrack_get(ct, a, NULL, &dl), 0);
	cr_assert_eq(dl, UINT64_MAX);
	/* six days on: the NIC holds it, the timers do not end it */
	cr_assert_eq(conntrack_expire(ct, 6 * 86400 * S, out, 2), 1);
	cr_assert_eq(out[0], b);
	cr_assert_eq(conntrack_nic_flags(ct, a, false, PROTO_TCP_FIN | PROTO_TCP_ACK, 1, &done), 0);
	cr_assert_not(done);
	cr_assert_eq(conntrack_nic_flags(ct, a, true, PROTO_TCP_FIN | PROTO_TCP_ACK, 2, &done), 0);
	cr_assert(done, "FIN both ways: the teardown is complete");
	cr_assert_eq(conntrack_stats(ct)->torn_down, 1);
	/* The record stays, on the timers in LAST_ACK, for the closing ACK. */
	cr_assert_eq(conntrack_get(ct, a, &st, &dl), 0);
	cr_assert_eq(st, CT_TCP_LAST_ACK);
	cr_assert_eq(dl, 6 * 86400 * S + 30 * S);
	cr_assert(conntrack_closing(ct, a));
	r = track(ct, tcp(false, PROTO_TCP_ACK), 6 * 86400 * S + 1);
	cr_assert_eq(r.info, CT_ESTABLISHED, "the last ACK is the connection's");
	cr_assert_eq(r.conn, a);
	cr_assert_eq(r.state, CT_TCP_TIME_WAIT);
	cr_assert_eq(conntrack_expire(ct, 6 * 86400 * S + 119 * S, out, 2), 0);
	cr_assert_eq(conntrack_expire(ct, 6 * 86400 * S + 121 * S, out, 2), 1);
	cr_assert_eq(out[0], a);
	cr_assert_eq(conntrack_get(ct, a, NULL, NULL), -ENOENT);

	a = established(ct, 7 * 86400 * S);
	cr_assert_eq(conntrack_set_offloaded(ct, a, true, 0), 0);
	cr_assert_not(conntrack_closing(ct, a));
	cr_assert_eq(conntrack_nic_flags(ct, a, true, PROTO_TCP_RST, 3, &done), 0);
	cr_assert(done);
	cr_assert_eq(conntrack_get(ct, a, &st, &dl), 0);
	cr_assert_eq(st, CT_TCP_CLOSE, "an RST: CLOSE's 10 s");
	cr_assert_eq(dl, 7 * 86400 * S + 10 * S);
	cr_assert_eq(conntrack_nic_flags(ct, a, true, PROTO_TCP_RST, 3, &done), 0);
	cr_assert_not(done, "a second RST tears down nothing more");
	cr_assert_eq(conntrack_stats(ct)->torn_down, 2);
	cr_assert_eq(conntrack_remove(ct, a), 0);
	cr_assert_eq(conntrack_nic_flags(ct, a, true, PROTO_TCP_RST, 3, &done), -ENOENT);
	/* released from the NIC, it is back on the timers from then */
	a = established(ct, 8 * 86400 * S);
	conntrack_set_offloaded(ct, a, true, 8 * 86400 * S);
	conntrack_set_offloaded(ct, a, false, 9 * 86400 * S);
	cr_assert_eq(conntrack_get(ct, a, NULL, &dl), 0);
	cr_assert_eq(dl, 9 * 86400 * S + 432000 * S);
	cr_assert_eq(conntrack_remove(ct, a), 0);
	cr_assert_eq(conntrack_remove(ct, a), -ENOENT);
	conntrack_destroy(ct);
}

/* Many connections, refreshed at random: expiry hands back exactly those
 * past their deadline, by popping list heads. */
Test(conntrack, expiry_matches_deadlines)
{
	enum { N = 3000 };
	static uint64_t last[N];
	static uint32_t id[N], out[N];
	struct conntrack *ct = make(N);
	uint32_t x = 99, n;
	uint64_t now = 0, alive = 0;

	for (uint32_t i = 0; i < N; i++) {
		id[i] = open_syn(ct, udp(1000 + i, false), now);
		last[i] = now;
		now += 1000;
	}
	for (uint32_t k = 0; k < 20000; k++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		now += 3000000;                 /* 3 ms a step: 60 s in all */
		track(ct, udp(1000 + x % N, false), now);
		last[x % N] = now;
	}
	n = conntrack_expire(ct, now, out, N);
	for (uint32_t i = 0; i < N; i++)
		alive += last[i] + 30 * S > now;
	cr_assert_eq(conntrack_count(ct), alive);
	cr_assert_eq(n, N - alive);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = 0;

		while (id[j] != out[i])
			j++;
		cr_assert_leq(last[j] + 30 * S, now);
	}
	cr_assert_gt(n, 0);
	cr_assert_gt(alive, 0);
	conntrack_destroy(ct);
}

Test(conntrack, time_never_runs_back_and_bad_params)
{
	struct conntrack_params p = { .max_conns = (1u << 30) + 1 };
	struct conntrack *ct = make(0);
	struct pnic_error err;
	uint32_t c = open_syn(ct, udp(1, false), 100 * S);
	uint64_t dl;

	track(ct, udp(1, false), 5 * S);        /* earlier: taken as 100 s */
	cr_assert_eq(conntrack_get(ct, c, NULL, &dl), 0);
	cr_assert_eq(dl, 130 * S);
	conntrack_destroy(ct);
	cr_assert_eq(conntrack_create(&p, &ct, &err), -EINVAL);
	cr_assert_null(ct);
	conntrack_destroy(NULL);
}

/* The next deadline is the earliest on the timers; offloaded records are
 * on none. */
Test(conntrack, next_deadline)
{
	struct conntrack *ct = make(0);
	uint32_t a, b;

	cr_assert_eq(conntrack_next_deadline(ct), UINT64_MAX);
	a = open_syn(ct, udp(1, false), 5);
	b = open_syn(ct, tcp(false, PROTO_TCP_SYN), 7);
	cr_assert_eq(conntrack_next_deadline(ct), 5 + 30 * S, "UDP unreplied: 30 s");
	cr_assert_eq(conntrack_set_offloaded(ct, a, true, 9), 0);
	cr_assert_eq(conntrack_next_deadline(ct), 7 + 120 * S, "SYN_SENT: 120 s");
	cr_assert_eq(conntrack_set_offloaded(ct, b, true, 9), 0);
	cr_assert_eq(conntrack_next_deadline(ct), UINT64_MAX);
	conntrack_destroy(ct);
}
