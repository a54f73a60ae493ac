/* The FPAG tests' rig: an FPAG over a NIC in process.  The NIC's
 * to-host packets feed fpag_miss, its events fpag_event, the FPAG's
 * commands go back through nic_sink; three VNICs (a fourth for
 * fpag_vnic_add), a rule set, and send() for one packet from a VNIC to
 * another.  Shared by tests/host/test_fpag*.c, one per host/fpag*.c. */
#ifndef PNIC_TESTS_FPAG_RIG_H
#define PNIC_TESTS_FPAG_RIG_H

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "host/fpag.h"
#include "model/frame.h"
#include "model/nic.h"
#include "model/parser.h"
#include "tests/rng.h"
#include "tests/host/vm_frames.h"

#define DEPTH 32
#define PORTS 4
#define QMAX 16
#define FMAX 128


enum { TCP = 6, UDP = 17 };
enum { FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10 };

struct host_pkt {
	uint32_t in_port, len;
	uint8_t b[FMAX];
};

static struct nic *nic;
static struct ruleset *rs;
static struct fpag *fp;
static struct host_pkt q[QMAX];
static struct host_pkt last_out[PORTS];  /* the last frame out of each PPID */
static struct datapath_event evq[QMAX];
static unsigned q_after_ev[QMAX];  /* events the NIC gave before q[i] */
static unsigned nq, nev, egress[PORTS];
static uint64_t now, spent;
static uint32_t fdepth = DEPTH;  /* entries the FPAG owns */
static enum tcam_place_full full = TP_FULL_REFUSE;
static uint32_t at[4];           /* each VNIC's PPID now */
/* Set before setup() by a test that needs other parameters. */
static void (*tune)(struct nic_params *np, struct fpag_params *fpp);
static void (*rules_fn)(void);

/* The FPAG starts with the first three; the fourth arrives in tests of
 * fpag_vnic_add. */
static const struct fpag_vnic vnics[4] = {
	{ .id = 10, .mac = MAC(0), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 1), .ppid = 0 },
	{ .id = 11, .mac = MAC(1), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 2), .ppid = 1 },
	{ .id = 12, .mac = MAC(2), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 3), .ppid = 1 },
	{ .id = 13, .mac = MAC(3), .has_ipv4 = true, .ipv4 = IP(10, 0, 0, 4), .ppid = 3 },
};

/* The payload byte the ordering tests number packets by, and what left
 * by PPID 1 in order. */
#define SEQ_AT 60
static uint8_t eg_seq[64];
static unsigned n_eg_seq;

static inline void out_cb(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	(void)ctx;
	(void)len;
	if (o->kind == DP_OUT_EGRESS && o->ppid < PORTS) {
		egress[o->ppid]++;
		last_out[o->ppid].len = caplen < FMAX ? caplen : FMAX;
		memcpy(last_out[o->ppid].b, frame, last_out[o->ppid].len);
	}
	if (o->kind == DP_OUT_EGRESS && o->ppid == 1 && caplen > SEQ_AT &&
	    n_eg_seq < sizeof eg_seq)
		eg_seq[n_eg_seq++] = frame[SEQ_AT];
	if (o->kind != DP_OUT_TO_HOST)
		return;
	cr_assert(nq < QMAX && caplen <= FMAX);
	q_after_ev[nq] = nev;
	q[nq].in_port = o->in_port;
	q[nq].len = caplen;
	memcpy(q[nq++].b, frame, caplen);
}

static inline void ev_cb(void *ctx, const struct datapath_event *ev)
{
	(void)ctx;
	cr_assert(nev < QMAX);
	evq[nev++] = *ev;
}

static inline void spend_cb(void *ctx, uint64_t ns)
{
	(void)ctx;
	spent += ns;
}

/* Entry i was last hit at i: index 0 is the least recently used. */
static inline uint64_t last_hit_cb(void *ctx, uint32_t index)
{
	(void)ctx;
	return index;
}

static inline void rule(enum ruleset_verdict v, bool stateful, uint8_t proto,
		 uint16_t dlo, uint16_t dhi)
{
	struct ruleset_rule r = {
		.verdict = v, .stateful = stateful, .sport_hi = 65535,
		.dport_lo = dlo, .dport_hi = dhi, .proto = proto,
		.proto_mask = 0xff,
	};
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &r, &id, NULL, NULL, NULL, &err), 0,
		     "%s", err.msg);
}

static const struct ruleset_rule vnic0_7000 = {
	.verdict = RULESET_ALLOW, .scoped = true, .vnic = 0, .sport_hi = 65535,
	.dport_lo = 7000, .dport_hi = 7000, .proto = UDP, .proto_mask = 0xff,
};

/* Rules: deny TCP 22; allow TCP 80 statefully; allow UDP 5000-5999;
 * allow UDP 7000 from VNIC 0 only; default deny.  Routes: each VNIC's /32. */
static inline void make_rules(void)
{
	struct ruleset_params rp = { .fw_default_allow = false };
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_create(&rp, &rs, &err), 0, "%s", err.msg);
	rule(RULESET_DENY, false, TCP, 22, 22);
	rule(RULESET_ALLOW, true, TCP, 80, 80);
	rule(RULESET_ALLOW, false, UDP, 5000, 5999);
	cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &vnic0_7000, &id, NULL, NULL,
				      NULL, &err), 0, "%s", err.msg);
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(ruleset_l3_add(rs, ruleset_ip_v4(vnics[i].ipv4), 128, i,
					    &id, NULL, NULL, NULL, &err), 0, "%s", err.msg);
}

static inline void setup(enum fpag_flow_dest dest, enum fpag_shape shape)
{
	struct nic_params np = {
		.profile = key_profile_default(), .depth = fdepth > DEPTH ? fdepth : DEPTH,
		.n_ports = PORTS, .n_vpids = 16, .out = out_cb, .event = ev_cb,
	};
	struct fpag_params fpp = {
		.profile = key_profile_default(), .depth = fdepth, .n_ports = PORTS,
		.vnics = vnics, .n_vnics = 3, .flow_dest = dest, .shape = shape,
		.spend = spend_cb, .full = full, .last_hit = last_hit_cb,
	};
	struct pnic_error err;

	nq = nev = n_eg_seq = 0;
	for (int i = 0; i < 4; i++)
		at[i] = vnics[i].ppid;
	now = spent = 0;
	memset(egress, 0, sizeof egress);
	if (tune)
		tune(&np, &fpp);
	cr_assert_eq(nic_create(&np, &nic, &err), 0, "%s", err.msg);
	(rules_fn ? rules_fn : make_rules)();
	fpp.rules = rs;
	fpp.sink = nic_sink(nic);
	fpag_costs_default(&fpp.costs);
	cr_assert_eq(fpag_create(&fpp, &fp, &err), 0, "%s", err.msg);
}

static inline void teardown_all(void)
{
	fpag_destroy(fp);
	ruleset_destroy(rs);
	nic_destroy(nic);
	fp = NULL;
	rs = NULL;
	nic = NULL;
	fdepth = DEPTH;
	full = TP_FULL_REFUSE;
	tune = NULL;
	rules_fn = NULL;
}

/* Ethernet from VNIC s to VNIC d, IPv4, then TCP, UDP or (any other
 * proto) an ICMP echo request; 64 bytes, the IP, TCP and UDP checksums
 * right (the ICMP one 0: nothing here reads it).  Offsets the
 * tests poke: source MAC 6..11, ethertype 12, destination IP 30. */
static inline uint32_t frame(uint8_t *b, unsigned s, unsigned d, uint8_t proto,
			     uint16_t sport, uint16_t dport, uint8_t flags)
{
	return vm_frame(b, s, d, vnics[s].ipv4, vnics[d].ipv4, proto, sport, dport,
			flags);
}

/* One packet into the NIC on its VNIC's PPID; the host's work follows. */
static inline void send(unsigned s, unsigned d, uint8_t proto, uint16_t sport,
		 uint16_t dport, uint8_t flags)
{
	uint8_t b[FMAX];
	uint32_t n = frame(b, s, d, proto, sport, dport, flags);
	struct pnic_error err;

	now += 1000;
	nic_process(nic, at[s], b, n, n, now);
	for (unsigned i = 0; i < nev; i++)
		cr_assert_eq(fpag_event(fp, &evq[i], now, &err), 0, "%s", err.msg);
	nev = 0;
	for (unsigned i = 0; i < nq; i++)
		cr_assert_eq(fpag_miss(fp, q[i].in_port, q[i].b, q[i].len, q[i].len,
				       now, &err), 0, "%s", err.msg);
	nq = 0;
}

static inline const struct datapath_stats *dps(void)
{
	return datapath_stats(nic_datapath(nic));
}

/* The rule set's third rule (make_rules), for the tests that change it. */
static const struct ruleset_rule udp_5000s = {
	.verdict = RULESET_ALLOW, .sport_hi = 65535, .dport_lo = 5000,
	.dport_hi = 5999, .proto = UDP, .proto_mask = 0xff,
};

#endif
