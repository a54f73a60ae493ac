/* The FPAG over a NIC in process: rule updates (host/fpag_rules.c): exactly the entries whose decision
 * changed, against a classification oracle and against revalidating
 * every entry. */
#include "tests/host/fpag_rig.h"

/* ---- rule updates ------------------------------------------------------------ */

Test(fpag_rules, deny_tears_down_connections, .fini = teardown_all)
{
	struct ruleset_rule r;
	const struct fpag_stats *st;
	struct pnic_error err;

	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	r = *ruleset_rule_get(rs, 1);
	st = fpag_stats(fp);
	send(0, 1, TCP, 40000, 80, SYN);
	send(1, 0, TCP, 80, 40000, SYN | ACK);
	send(0, 1, UDP, 1000, 5001, 0);
	cr_assert_eq(st->entries_live, 3);
	r.dport_hi = 81;   /* still allows the connection */
	cr_assert_eq(fpag_rule_change(fp, 1, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(st->rule_conns_torn, 0);
	cr_assert_eq(st->entries_live, 3);
	r.verdict = RULESET_DENY;
	r.stateful = false;
	cr_assert_eq(fpag_rule_change(fp, 1, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(st->rule_conns_torn, 1);
	cr_assert_eq(st->entries_live, 1, "both directions went; the UDP flow stayed");
	cr_assert_eq(st->rule_rewritten + st->rule_invalidated, 0,
		     "the UDP entry's decision did not change");
	send(0, 1, TCP, 40000, 80, ACK);
	cr_assert_eq(egress[1], 2, "the ACK is not forwarded");
	cr_assert_eq(st->ct_established, 1, "no connection any more");
}

/* A denied packet installs a wide drop entry; a stateful rule added
 * after it allows connections whose replies that entry takes in: it
 * goes, and a connection's SYN-ACK reaches the client. */
Test(fpag_rules, a_new_stateful_rule_removes_drop_entries_taking_its_replies,
     .fini = teardown_all)
{
	struct ruleset_rule web = {
		.verdict = RULESET_ALLOW, .stateful = true, .sport_hi = 65535,
		.dport_lo = 8080, .dport_hi = 8080, .proto = TCP, .proto_mask = 0xff,
	};
	const struct fpag_stats *st;
	struct pnic_error err;
	uint32_t id;

	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	st = fpag_stats(fp);
	send(1, 0, TCP, 8080, 40000, ACK);     /* default deny */
	cr_assert_eq(st->drop_entries, 1);
	cr_assert_eq(fpag_rule_add(fp, 0, &web, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(st->rule_reply_drops, 1);
	send(0, 1, TCP, 40001, 8080, SYN);
	cr_assert_eq(egress[1], 1, "the SYN is allowed");
	send(1, 0, TCP, 8080, 40001, SYN | ACK);
	cr_assert_eq(egress[0], 1, "the SYN-ACK reaches the client");
}

/* A denied packet shaped like a reply a stateful rule may allow later
 * (from a web server's port) gets an exact drop entry, the reply of one
 * connection only; when that connection opens, the entry goes, and its
 * SYN-ACK reaches the client. */
Test(fpag_rules, a_connection_opening_removes_the_drop_entry_of_its_reply,
     .fini = teardown_all)
{
	const struct fpag_stats *st;

	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	st = fpag_stats(fp);
	send(1, 0, TCP, 80, 40000, ACK);       /* no connection: denied */
	cr_assert_eq(st->denied, 1);
	cr_assert_eq(st->drop_entries, 1);
	send(1, 0, TCP, 80, 40000, ACK);
	cr_assert_eq(st->denied, 1, "dropped on the NIC");
	send(0, 1, TCP, 40001, 80, SYN);       /* another connection */
	cr_assert_eq(st->reply_drops_removed, 0);
	send(0, 1, TCP, 40000, 80, SYN);
	cr_assert_eq(st->reply_drops_removed, 1);
	send(1, 0, TCP, 80, 40000, SYN | ACK);
	cr_assert_eq(egress[0], 1, "the SYN-ACK reaches the client");
}

Test(fpag_rules, bad_updates_change_nothing, .fini = teardown_all)
{
	struct ruleset_rule r = udp_5000s;
	struct pnic_error err;

	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	cr_assert_eq(fpag_rule_remove(fp, 99, &err), -ENOENT);
	r.src_len = 200;
	cr_assert_eq(fpag_rule_add(fp, 0, &r, NULL, &err), -EINVAL);
	cr_assert_eq(fpag_rule_change(fp, 99, &udp_5000s, &err), -ENOENT);
	cr_assert_eq(fpag_stats(fp)->rule_updates, 0);
}

/* Random rule sets: global rules over a small universe of headers (the
 * three VNICs' addresses and four more, ports 1000-1007 and 5000-5007),
 * UDP. */
#define U_SPORT 1000
#define U_DPORT 5000
#define U_PORTS 8

static uint32_t live_ids[256];
static unsigned n_live;

static void rand_prefix(struct ruleset_ip *ip, uint8_t *len)
{
	static const uint8_t lens[] = { 0, 29, 30, 31, 32 };
	uint8_t l = lens[rnd() % 5];

	*ip = ruleset_ip_v4(IP(10, 0, 0, rnd() % 8));
	*len = l ? (uint8_t)(96 + l) : 0;
}

static void rand_range(uint16_t base, uint16_t *lo, uint16_t *hi)
{
	uint16_t a = (uint16_t)(base + rnd() % U_PORTS);
	uint16_t b = (uint16_t)(base + rnd() % U_PORTS);

	if (rnd() % 3 == 0) {
		*lo = 0;
		*hi = 65535;
		return;
	}
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

static void rand_rule(struct ruleset_rule *r)
{
	memset(r, 0, sizeof *r);
	r->verdict = rnd() % 2 ? RULESET_ALLOW : RULESET_DENY;
	rand_prefix(&r->src_ip, &r->src_len);
	rand_prefix(&r->dst_ip, &r->dst_len);
	rand_range(U_SPORT, &r->sport_lo, &r->sport_hi);
	rand_range(U_DPORT, &r->dport_lo, &r->dport_hi);
	if (rnd() % 2) {
		r->proto = UDP;
		r->proto_mask = 0xff;
	}
}

static void random_rules(void)
{
	struct ruleset_params rp = { .fw_default_allow = rnd() % 2 };
	struct ruleset_rule r;
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_create(&rp, &rs, &err), 0, "%s", err.msg);
	n_live = 0;
	for (int i = 0; i < 20; i++) {
		rand_rule(&r);
		cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &r, &id, NULL, NULL, NULL, &err),
			     0, "%s", err.msg);
		live_ids[n_live++] = id;
	}
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(ruleset_l3_add(rs, ruleset_ip_v4(vnics[i].ipv4), 128, i,
					    &id, NULL, NULL, NULL, &err), 0, "%s", err.msg);
}

/* The IPv4 header checksum, after the tests poke an address (the UDP
 * checksum is left stale: nothing here reads it). */
static void ip_csum(uint8_t *b)
{
	uint32_t sum = 0;

	b[24] = b[25] = 0;
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	b[24] = (uint8_t)(~sum >> 8);
	b[25] = (uint8_t)~sum;
}

/* A UDP frame from VNIC s to 10.0.0.dst. */
static void send_to(unsigned s, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t b[FMAX];
	uint32_t n = frame(b, s, 0, UDP, sport, dport, 0);
	struct pnic_error err;

	put32(b + 30, dst);
	ip_csum(b);
	now += 1000;
	nic_process(nic, at[s], b, n, n, now);
	for (unsigned i = 0; i < nq; i++)
		cr_assert_eq(fpag_miss(fp, q[i].in_port, q[i].b, q[i].len, q[i].len,
				       now, &err), 0, "%s", err.msg);
	nq = 0;
}

static void u_hdr(unsigned s, uint32_t dst, uint16_t sp, uint16_t dp,
		  struct ruleset_hdr *h)
{
	memset(h, 0, sizeof *h);
	h->vnic = s;
	h->src_ip = ruleset_ip_v4(vnics[s].ipv4);
	h->dst_ip = ruleset_ip_v4(dst);
	h->sport = sp;
	h->dport = dp;
	h->proto = UDP;
}

static void hdr_key(const struct ruleset_hdr *h, uint32_t in_port,
		    struct pnic_key *k)
{
	struct key_profile_fields f;

	memset(&f, 0, sizeof f);
	f.hi[KP_SRC_IP] = h->src_ip.hi;
	f.lo[KP_SRC_IP] = h->src_ip.lo;
	f.hi[KP_DST_IP] = h->dst_ip.hi;
	f.lo[KP_DST_IP] = h->dst_ip.lo;
	key_profile_set(&f, KP_L4_SRC, h->sport);
	key_profile_set(&f, KP_L4_DST, h->dport);
	key_profile_set(&f, KP_IP_PROTO, h->proto);
	key_profile_set(&f, KP_ETHERTYPE, 0x0800);
	key_profile_set(&f, KP_IN_PORT, in_port);
	key_profile_pack(key_profile_default(), &f, k);
}

/* The VPID a decision's action names, or -1 for a drop. */
static int32_t want_vpid(const struct ruleset_decision *d)
{
	return d->verdict == RULESET_ALLOW ? (int32_t)fpag_endpoint_vpid(fp, d->dest) : -1;
}

static int32_t word_vpid(const struct action_word *w)
{
	struct pnic_action a;

	action_unpack(w, &a);
	return a.kind == ACT_FORWARD ? a.vpid : -1;
}

/* The oracle: every header of the universe that hits an entry gets the
 * direct classification's decision from it.  Returns the hits checked. */
static unsigned check_universe(void)
{
	const struct lookup *lk = nic_lookup(nic);
	unsigned hits = 0;

	for (unsigned s = 0; s < 3; s++)
		for (uint32_t d = 0; d < 8; d++)
			for (uint16_t sp = 0; sp < U_PORTS; sp++)
				for (uint16_t dp = 0; dp < U_PORTS; dp++) {
					struct ruleset_hdr h;
					struct ruleset_decision dec;
					struct lookup_result r;
					struct pnic_key k;

					u_hdr(s, IP(10, 0, 0, d), (uint16_t)(U_SPORT + sp),
					      (uint16_t)(U_DPORT + dp), &h);
					hdr_key(&h, at[s], &k);
					lookup_run(lk, &k, &r);
					if (!r.hit)
						continue;
					hits++;
					ruleset_classify(rs, &h, &dec, NULL);
					cr_assert_eq(word_vpid(&r.action), want_vpid(&dec),
						     "VNIC %u to 10.0.0.%u, %u -> %u: entry %u",
						     s, d, h.sport, h.dport, r.index);
				}
	return hits;
}

struct snap {
	bool live;
	struct ruleset_match m;
	int32_t vpid;
};

/* The NIC's live entries as rule-set matches (global rules: no VNIC,
 * no MAC) with the VPID they name. */
static void snapshot(struct snap *sn, uint32_t depth)
{
	const struct lookup *lk = nic_lookup(nic);

	for (uint32_t i = 0; i < depth; i++) {
		struct key_profile_fields v, m;
		struct lookup_result r = { .hit = true, .index = i };
		struct pnic_key kv, km;

		sn[i].live = tcam_read(lookup_tcam(lk), i, &kv, &km);
		if (!sn[i].live)
			continue;
		key_profile_unpack(key_profile_default(), &kv, &v);
		key_profile_unpack(key_profile_default(), &km, &m);
		memset(&sn[i].m, 0, sizeof sn[i].m);
		sn[i].m.value.src_ip = (struct ruleset_ip){ v.hi[KP_SRC_IP], v.lo[KP_SRC_IP] };
		sn[i].m.mask.src_ip = (struct ruleset_ip){ m.hi[KP_SRC_IP], m.lo[KP_SRC_IP] };
		sn[i].m.value.dst_ip = (struct ruleset_ip){ v.hi[KP_DST_IP], v.lo[KP_DST_IP] };
		sn[i].m.mask.dst_ip = (struct ruleset_ip){ m.hi[KP_DST_IP], m.lo[KP_DST_IP] };
		sn[i].m.value.sport = (uint16_t)v.lo[KP_L4_SRC];
		sn[i].m.mask.sport = (uint16_t)m.lo[KP_L4_SRC];
		sn[i].m.value.dport = (uint16_t)v.lo[KP_L4_DST];
		sn[i].m.mask.dport = (uint16_t)m.lo[KP_L4_DST];
		sn[i].m.value.proto = (uint8_t)v.lo[KP_IP_PROTO];
		sn[i].m.mask.proto = (uint8_t)m.lo[KP_IP_PROTO];
		sn[i].m.value.tcp_flags = (uint8_t)v.lo[KP_TCP_FLAGS];
		sn[i].m.mask.tcp_flags = (uint8_t)m.lo[KP_TCP_FLAGS];
		lookup_stage_action(lk, &r);
		sn[i].vpid = word_vpid(&r.action);
	}
}

/* Entries of the snapshot whose decision the current rules change: no
 * longer uniform, or another action. */
static unsigned changed(const struct snap *sn, uint32_t depth)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < depth; i++) {
		struct ruleset_decision d;

		if (!sn[i].live)
			continue;
		if (ruleset_match_decide(rs, &sn[i].m, &d, NULL) == -EAGAIN ||
		    want_vpid(&d) != sn[i].vpid)
			n++;
	}
	return n;
}

static void random_update(struct ruleset_update_stats *us)
{
	struct ruleset_rule r;
	struct pnic_error err;
	unsigned op = n_live < 4 ? 0 : rnd() % 3, j = rnd() % (n_live ? n_live : 1);
	uint32_t id;

	(void)us;
	rand_rule(&r);
	if (op == 0) {
		cr_assert_eq(fpag_rule_add(fp, rnd() % (n_live + 1), &r, &id, &err), 0, "%s", err.msg);
		live_ids[n_live++] = id;
	} else if (op == 1) {
		cr_assert_eq(fpag_rule_remove(fp, live_ids[j], &err), 0, "%s", err.msg);
		live_ids[j] = live_ids[--n_live];
	} else {
		cr_assert_eq(fpag_rule_change(fp, live_ids[j], &r, &err), 0, "%s", err.msg);
	}
}

#define R_DEPTH 512

static void random_traffic(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		send_to(rnd() % 3, IP(10, 0, 0, rnd() % 8),
			(uint16_t)(U_SPORT + rnd() % U_PORTS),
			(uint16_t)(U_DPORT + rnd() % U_PORTS));
}

/* After every random add, remove or change: the NIC decides every
 * header that hits as the rules do, and the entries the FPAG touched
 * (rewritten or invalidated) are exactly those whose decision changed. */
Test(fpag_rules, random_updates_match_the_oracle, .fini = teardown_all)
{
	static struct snap sn[R_DEPTH];
	uint64_t touched = 0, untouched = 0, live_sum = 0, hits = 0;
	const struct fpag_stats *st;

	for (uint64_t seed = 1; seed <= 6; seed++) {
		rng_state = seed;
		fdepth = R_DEPTH;
		rules_fn = random_rules;
		setup(FPAG_DEST_VPID, rnd() % 4 ? FPAG_SHAPE_MEGAFLOW : FPAG_SHAPE_EXACT);
		st = fpag_stats(fp);
		random_traffic(150);
		for (int u = 0; u < 40; u++) {
			uint64_t before = st->rule_rewritten + st->rule_invalidated;
			unsigned want;

			snapshot(sn, R_DEPTH);
			live_sum += st->entries_live;
			random_update(NULL);
			want = changed(sn, R_DEPTH);
			cr_assert_eq(st->rule_rewritten + st->rule_invalidated - before, want,
				     "seed %llu update %d: touched %llu, changed %u",
				     (unsigned long long)seed, u,
				     (unsigned long long)(st->rule_rewritten +
							  st->rule_invalidated - before), want);
			hits += check_universe();
			random_traffic(20);
			hits += check_universe();
		}
		touched += st->rule_rewritten + st->rule_invalidated;
		untouched += st->rule_untouched;
		cr_assert_eq(st->entries_live, ruleset_entry_count(rs),
			     "every live entry is registered, and only those");
		teardown_all();
	}
	cr_assert_gt(touched, 50, "the updates changed decisions");
	cr_assert_gt(hits, 10000);
	cr_log_info("rule updates: 240 updates over %llu live entries in all: "
		    "%llu touched, %llu reported with the same action; %llu oracle hits",
		    (unsigned long long)live_sum, (unsigned long long)touched,
		    (unsigned long long)untouched, (unsigned long long)hits);
}

/* ---- rule updates at scale: against revalidating every entry ---------------- */

#define BIG_DEPTH 16384
#define BIG_RULES 1000
#define BIG_FLOWS 10000

static void big_prefix(struct ruleset_ip *ip, uint8_t *len)
{
	uint8_t l = (uint8_t)(8 + rnd() % 17);   /* /8 .. /24 inside 10/8 */

	*ip = ruleset_ip_v4(IP(10, 0, 0, 0) | (rnd() & 0xffff));
	*len = (uint8_t)(96 + l);
}

static void big_range(uint16_t *lo, uint16_t *hi)
{
	uint16_t a = (uint16_t)rnd(), b = (uint16_t)rnd();

	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

static void big_rule(struct ruleset_rule *r)
{
	memset(r, 0, sizeof *r);
	r->verdict = rnd() % 2 ? RULESET_ALLOW : RULESET_DENY;
	/* Sources: VNIC 0 (exact entries name it), so half the rules take
	 * any source and half a prefix around its address. */
	if (rnd() % 2) {
		r->src_len = (uint8_t)(96 + 8 + rnd() % 25);
		r->src_ip = ruleset_ip_v4(vnics[0].ipv4);
	}
	big_prefix(&r->dst_ip, &r->dst_len);
	big_range(&r->sport_lo, &r->sport_hi);
	big_range(&r->dport_lo, &r->dport_hi);
	r->proto = UDP;
	r->proto_mask = rnd() % 2 ? 0xff : 0;
}

static void big_rules(void)
{
	struct ruleset_params rp = { .fw_default_allow = false };
	struct ruleset_rule r;
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_create(&rp, &rs, &err), 0, "%s", err.msg);
	n_live = 0;
	for (int i = 0; i < BIG_RULES; i++) {
		big_rule(&r);
		cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &r, &id, NULL, NULL, NULL, &err), 0);
		if (n_live < 256)
			live_ids[n_live++] = id;
	}
	cr_assert_eq(ruleset_l3_add(rs, ruleset_ip_v4(IP(10, 0, 0, 0)), 104, 1, &id,
				    NULL, NULL, NULL, &err), 0, "%s", err.msg);
}

/* A UDP frame from VNIC 0 to any address. */
static void send_any(uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t b[FMAX];
	uint32_t n = frame(b, 0, 1, UDP, sport, dport, 0);
	struct pnic_error err;

	put32(b + 30, dst);
	ip_csum(b);
	now += 1000;
	nic_process(nic, at[0], b, n, n, now);
	for (unsigned i = 0; i < nq; i++)
		cr_assert_eq(fpag_miss(fp, q[i].in_port, q[i].b, q[i].len, q[i].len,
				       now, &err), 0, "%s", err.msg);
	nq = 0;
}

static uint64_t wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The baseline (Open vSwitch's revalidators): decide every entry again.
 * Returns the entries whose decision changed; *checks gets its work. */
static unsigned revalidate_all(const struct snap *sn, uint64_t *checks)
{
	unsigned n = 0;

	*checks = 0;
	for (uint32_t i = 0; i < BIG_DEPTH; i++) {
		struct ruleset_decision d;
		struct ruleset_cost c = { 0, 0, 0 };

		if (!sn[i].live)
			continue;
		if (ruleset_match_decide(rs, &sn[i].m, &d, &c) == -EAGAIN ||
		    want_vpid(&d) != sn[i].vpid)
			n++;
		*checks += c.rules_evaluated + c.fwd_probed;
	}
	return n;
}

/* 1000 rules, 10 000 exact entries, 10 random updates: the entries the
 * FPAG touches are exactly those the baseline finds changed, for a
 * fraction of its work. */
Test(fpag_rules, scale_against_revalidating_everything, .fini = teardown_all, .timeout = 120)
{
	static struct snap sn[BIG_DEPTH];
	uint64_t ours_checks = 0, base_checks = 0, ours_ns = 0, base_ns = 0;
	uint64_t touched = 0, reported = 0, live = 0;
	const struct fpag_stats *st;

	rng_state = 7;
	fdepth = BIG_DEPTH;
	rules_fn = big_rules;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	for (int i = 0; i < BIG_FLOWS; i++)
		send_any(IP(10, 0, 0, 0) | (rnd() & 0xffff), (uint16_t)rnd(), (uint16_t)rnd());
	cr_assert_gt(st->entries_live, BIG_FLOWS * 9 / 10, "%llu live of %llu misses",
		     (unsigned long long)st->entries_live, (unsigned long long)st->misses);
	for (int u = 0; u < 10; u++) {
		uint64_t t0, c0 = st->rule_checks, k0 = st->rule_rewritten + st->rule_invalidated;
		uint64_t r0 = k0 + st->rule_untouched, bc;
		struct ruleset_rule r;
		struct pnic_error err;
		unsigned want;
		uint32_t id;

		snapshot(sn, BIG_DEPTH);
		live += st->entries_live;
		big_rule(&r);
		t0 = wall_ns();
		if (u % 2)
			cr_assert_eq(fpag_rule_change(fp, live_ids[rnd() % n_live], &r, &err), 0);
		else
			cr_assert_eq(fpag_rule_add(fp, rnd() % BIG_RULES, &r, &id, &err), 0);
		ours_ns += wall_ns() - t0;
		t0 = wall_ns();
		want = revalidate_all(sn, &bc);
		base_ns += wall_ns() - t0;
		cr_assert_eq(st->rule_rewritten + st->rule_invalidated - k0, want, "update %d", u);
		ours_checks += st->rule_checks - c0;
		base_checks += bc;
		touched += want;
		reported += st->rule_rewritten + st->rule_invalidated + st->rule_untouched - r0;
	}
	cr_assert_lt(ours_checks * 5, base_checks);
	cr_log_info("rule updates, %d rules, %llu entries on average, 10 updates: "
		    "touched %llu (reported %llu) vs %llu re-decided by revalidation; "
		    "checks %llu vs %llu; wall %llu us vs %llu us (the FPAG's includes its NIC commands)",
		    BIG_RULES, (unsigned long long)(live / 10), (unsigned long long)touched,
		    (unsigned long long)reported, (unsigned long long)live,
		    (unsigned long long)ours_checks, (unsigned long long)base_checks,
		    (unsigned long long)(ours_ns / 1000), (unsigned long long)(base_ns / 1000));
}
