/* The VPID allocator: map commands, the entry count that holds a released
 * VPID back, and traffic through a NIC in process (and through the
 * cycle-level lookup core) showing that a stale entry never delivers to
 * the VPID's next owner. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/flow_table.h"
#include "host/vpid.h"
#include "model/nic.h"
#include "tests/host/core_rig.h"
#include "tests/model/frames.h"

#define DEPTH 16
#define N_PORTS 32
#define N_VPIDS 64

static struct nic *nic;
static struct flow_table *ft;
static struct vpid_alloc *va;
static uint32_t ops[64];              /* commands the NIC took, in order */
static unsigned n_ops;
static struct datapath_out last;      /* the last packet's fate */
static unsigned n_out;

static void record(void *ctx, const struct datapath_out *o,
		   const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	(void)ctx;
	(void)frame;
	(void)caplen;
	(void)len;
	last = *o;
	n_out++;
}

static int rec_submit(void *ctx, const struct nic_cmd *c,
		      struct nic_cmd_result *res, struct pnic_error *err)
{
	int rc = nic_apply(ctx, c, res, err);

	if (!rc)
		ops[n_ops++ % 64] = c->op;
	return rc;
}

static void make(uint32_t first, uint32_t count)
{
	struct nic_params np = { .profile = key_profile_ipv4_5tuple(),
				 .depth = DEPTH, .n_ports = N_PORTS,
				 .n_vpids = N_VPIDS, .out = record,
				 .policy.unmapped = VPID_UNMAPPED_TO_HOST };
	struct pnic_error err;
	struct nic_cmd_sink sink;

	cr_assert_eq(nic_create(&np, &nic, &err), 0, "%s", err.msg);
	sink = (struct nic_cmd_sink){ .submit = rec_submit, .ctx = nic };
	cr_assert_eq(flow_table_create(&(struct flow_table_params){
			     .depth = DEPTH, .sink = sink }, &ft, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(vpid_create(&(struct vpid_params){
			     .first = first, .count = count, .sink = sink },
			     &va, &err), 0, "%s", err.msg);
	n_ops = 0;
}

static void teardown(void)
{
	vpid_destroy(va);
	flow_table_destroy(ft);
	nic_destroy(nic);
	va = NULL;
	ft = NULL;
	nic = NULL;
}

TestSuite(vpid, .fini = teardown);

static struct action_word to_vpid(uint32_t vpid)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = (uint16_t)vpid };
	struct action_word w;

	action_pack(&a, &w);
	return w;
}

/* Entry `index`: UDP/TCP destination port dport, forward to vpid. */
static void install(uint32_t index, uint16_t dport, uint32_t vpid)
{
	struct key_profile_fields v, m;
	struct pnic_key value, mask;
	struct action_word w = to_vpid(vpid);
	struct pnic_error err;

	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set(&v, KP_L4_DST, dport);
	key_profile_set(&m, KP_L4_DST, 0xffff);
	key_profile_pack(key_profile_ipv4_5tuple(), &v, &value);
	key_profile_pack(key_profile_ipv4_5tuple(), &m, &mask);
	cr_assert_eq(vpid_entry_added(va, vpid, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_write(ft, index, &value, &mask, &w, &err), 0,
		     "%s", err.msg);
}

static void uninstall(uint32_t index, uint32_t vpid)
{
	struct pnic_error err;

	cr_assert_eq(flow_table_withdraw(ft, index, &err), 0, "%s", err.msg);
	cr_assert_eq(vpid_entry_removed(va, vpid, &err), 0, "%s", err.msg);
}

/* Send one frame to dport; its fate is in `last`. */
static void send(uint16_t dport)
{
	uint8_t f[64];
	unsigned len = udp_frame(f, 1000, dport);

	n_out = 0;
	nic_process(nic, 0, f, len, len, 0);
	cr_assert_eq(n_out, 1);
}

static uint32_t alloc(uint32_t ppid)
{
	struct pnic_error err;
	uint32_t v;

	cr_assert_eq(vpid_alloc(va, ppid, &v, &err), 0, "%s", err.msg);
	return v;
}

Test(vpid, create_refuses_bad_params)
{
	struct vpid_params p = { .first = 0, .count = 0 };
	struct vpid_alloc *a = (struct vpid_alloc *)1;
	struct pnic_error err;

	cr_assert_eq(vpid_create(&p, &a, &err), -ERANGE);
	cr_assert_null(a);
	p.first = VPID_MAP_MAX_VPIDS - 2;
	p.count = 3;
	cr_assert_eq(vpid_create(&p, &a, &err), -ERANGE);
	cr_assert(strstr(err.msg, "VPID range"), "%s", err.msg);
	p.count = 2;
	cr_assert_eq(vpid_create(&p, &a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "sink"), "%s", err.msg);
	vpid_destroy(NULL);
}

/* Alloc is MAP_SET, move one MAP_SET, release MAP_CLEAR; the NIC agrees. */
Test(vpid, alloc_move_release_program_the_map)
{
	const struct lookup *lk;
	uint32_t v;

	make(4, 3);
	lk = nic_lookup(nic);
	v = alloc(7);
	cr_assert_eq(v, 4);
	cr_assert_eq(vpid_state(va, v), VPID_BOUND);
	cr_assert_eq(vpid_ppid(va, v), 7);
	cr_assert_eq(lookup_map_read(lk, v), 7);
	cr_assert_eq(vpid_move(va, v, 9, NULL), 0);
	cr_assert_eq(lookup_map_read(lk, v), 9);
	cr_assert_eq(vpid_release(va, v, NULL), 0);
	cr_assert_eq(lookup_map_read(lk, v), VPID_UNMAPPED);
	cr_assert_eq(vpid_state(va, v), VPID_FREE);
	cr_assert_eq(n_ops, 3);
	cr_assert_eq(ops[0], NIC_OP_MAP_SET);
	cr_assert_eq(ops[1], NIC_OP_MAP_SET);
	cr_assert_eq(ops[2], NIC_OP_MAP_CLEAR);
	cr_assert_eq(vpid_stats(va)->moves, 1);
	cr_assert_eq(vpid_stats(va)->map_sets, 2);
	cr_assert_eq(vpid_stats(va)->map_clears, 1);
}

/* Oldest freed first, and a reused VPID is fenced: MAP_CLEAR, MAP_SET. */
Test(vpid, reuse_is_fifo_and_fenced)
{
	uint32_t a, b, c;

	make(0, 3);
	a = alloc(1);
	b = alloc(2);
	c = alloc(3);
	cr_assert_eq(vpid_alloc(va, 4, &(uint32_t){ 0 }, NULL), -ENOSPC);
	cr_assert_eq(vpid_stats(va)->exhausted, 1);
	cr_assert_eq(vpid_release(va, b, NULL), 0);
	cr_assert_eq(vpid_release(va, a, NULL), 0);
	cr_assert_eq(vpid_release(va, c, NULL), 0);
	n_ops = 0;
	cr_assert_eq(alloc(5), b, "freed first, handed out first");
	cr_assert_eq(n_ops, 2);
	cr_assert_eq(ops[0], NIC_OP_MAP_CLEAR, "the fence");
	cr_assert_eq(ops[1], NIC_OP_MAP_SET);
	cr_assert_eq(alloc(5), a);
	cr_assert_eq(alloc(5), c);
	cr_assert_eq(vpid_stats(va)->reuses, 3);
	cr_assert_eq(vpid_stats(va)->fences, 3);
}

/* The case: a flow entry names VPID v; v's VNIC goes away while
 * the entry is still on the NIC; a new VNIC comes.  Its traffic must
 * never be delivered to the new VNIC's port, before or after v is
 * reused. */
Test(vpid, stale_entry_never_reaches_the_new_owner)
{
	struct pnic_error err;
	uint32_t v, w, x;

	make(1, 2);
	v = alloc(1);
	install(0, 80, v);
	send(80);
	cr_assert_eq(last.kind, DP_OUT_EGRESS);
	cr_assert_eq(last.ppid, 1);

	cr_assert_eq(vpid_release(va, v, &err), 0, "%s", err.msg);
	cr_assert_eq(vpid_state(va, v), VPID_DRAINING);
	send(80);
	cr_assert_eq(last.kind, DP_OUT_TO_HOST, "unmapped: the host sees it");
	cr_assert_eq(last.host, DP_HOST_UNMAPPED_VPID);

	w = alloc(2);
	cr_assert_neq(w, v, "v is still named by an entry");
	cr_assert_eq(vpid_alloc(va, 2, &x, &err), -ENOSPC);
	cr_assert(strstr(err.msg, "1 still named"), "%s", err.msg);
	cr_assert_eq(vpid_entry_added(va, v, &err), -ESTALE);
	cr_assert_eq(vpid_stats(va)->stale_refused, 1);
	send(80);
	cr_assert_eq(last.kind, DP_OUT_TO_HOST);

	uninstall(0, v);
	cr_assert_eq(vpid_state(va, v), VPID_FREE);
	cr_assert_eq(vpid_stats(va)->drained, 1);
	x = alloc(2);
	cr_assert_eq(x, v, "purged: v is handed out again");
	send(80);
	cr_assert_eq(last.kind, DP_OUT_TO_HOST);
	cr_assert_eq(last.host, DP_HOST_MISS, "the stale entry is gone");
}

Test(vpid, refusals_change_nothing)
{
	struct pnic_error err;
	uint32_t v;

	make(2, 2);
	cr_assert_eq(vpid_alloc(va, N_PORTS, &v, &err), -ERANGE, "the NIC refuses");
	cr_assert_eq(vpid_free_count(va), 2);
	cr_assert_eq(vpid_stats(va)->allocs, 0);
	v = alloc(1);
	cr_assert_eq(v, 2, "the refused VPID is still first in line");
	cr_assert_eq(vpid_move(va, v, N_PORTS, &err), -ERANGE);
	cr_assert_eq(vpid_ppid(va, v), 1);
	cr_assert_eq(vpid_move(va, 3, 1, &err), -ENOENT);
	cr_assert(strstr(err.msg, "free"), "%s", err.msg);
	cr_assert_eq(vpid_release(va, 3, &err), -ENOENT);
	cr_assert_eq(vpid_release(va, 9, &err), -ERANGE);
	cr_assert_eq(vpid_entry_added(va, 9, &err), -ERANGE);
	cr_assert_eq(vpid_entry_removed(va, v, &err), -ENOENT);
	cr_assert_eq(vpid_entry_added(va, 3, &err), -ESTALE);
	cr_assert_eq(vpid_state(va, 99), VPID_FREE);
	cr_assert_eq(vpid_entries(va, 99), 0);
	cr_assert_eq(vpid_ppid(va, 99), VPID_UNMAPPED);
}

/* ---- random VNICs coming, moving and going, traffic after every step ---- */

#define SOAK_VNICS 6
#define SOAK_FLOWS DEPTH

struct soak {
	uint32_t vpid[SOAK_VNICS];       /* TP_NONE-like: UINT32_MAX if absent */
	uint32_t ppid[SOAK_VNICS];
	uint32_t serial[SOAK_VNICS];     /* which incarnation of the VNIC */
	uint32_t flow_vnic[SOAK_FLOWS];  /* entry index -> VNIC slot, or none */
	uint32_t flow_serial[SOAK_FLOWS];
	uint32_t flow_vpid[SOAK_FLOWS];
	bool ppid_used[N_PORTS];
	uint32_t next_serial;
	uint64_t seed;
	uint64_t delivered;
};

static uint32_t free_ppid(struct soak *s)
{
	uint32_t p;

	do
		p = 1 + (uint32_t)core_rig_rand(&s->seed) % (N_PORTS - 1);
	while (s->ppid_used[p]);
	s->ppid_used[p] = true;
	return p;
}

/* Every flow's packet: delivered only to its own VNIC incarnation. */
static void soak_traffic(struct soak *s)
{
	for (uint32_t i = 0; i < SOAK_FLOWS; i++) {
		uint32_t k = s->flow_vnic[i];

		if (k == UINT32_MAX)
			continue;
		send((uint16_t)(100 + i));
		if (last.kind != DP_OUT_EGRESS)
			continue;
		cr_assert_eq(last.entry, (int32_t)i);
		cr_assert(s->vpid[k] == s->flow_vpid[i] &&
			  s->serial[k] == s->flow_serial[i] &&
			  last.ppid == s->ppid[k],
			  "flow %u of VNIC %u (incarnation %u) reached PPID %u",
			  i, k, s->flow_serial[i], last.ppid);
		s->delivered++;
	}
}

static void soak_vnic(struct soak *s, uint32_t k)
{
	struct pnic_error err;

	if (s->vpid[k] == UINT32_MAX) {
		s->ppid[k] = free_ppid(s);
		if (vpid_alloc(va, s->ppid[k], &s->vpid[k], &err)) {
			s->ppid_used[s->ppid[k]] = false;
			s->vpid[k] = UINT32_MAX;
			return;
		}
		s->serial[k] = s->next_serial++;
	} else if (core_rig_rand(&s->seed) % 2) {
		s->ppid_used[s->ppid[k]] = false;
		s->ppid[k] = free_ppid(s);
		cr_assert_eq(vpid_move(va, s->vpid[k], s->ppid[k], &err), 0, "%s", err.msg);
	} else {
		cr_assert_eq(vpid_release(va, s->vpid[k], &err), 0, "%s", err.msg);
		s->ppid_used[s->ppid[k]] = false;
		s->vpid[k] = UINT32_MAX;
	}
}

static void soak_flow(struct soak *s, uint32_t i)
{
	uint32_t k = (uint32_t)core_rig_rand(&s->seed) % SOAK_VNICS;

	if (s->flow_vnic[i] != UINT32_MAX) {
		uninstall(i, s->flow_vpid[i]);
		s->flow_vnic[i] = UINT32_MAX;
	} else if (s->vpid[k] != UINT32_MAX) {
		install(i, (uint16_t)(100 + i), s->vpid[k]);
		s->flow_vnic[i] = k;
		s->flow_serial[i] = s->serial[k];
		s->flow_vpid[i] = s->vpid[k];
	}
}

Test(vpid, soak_no_flow_reaches_another_vnic)
{
	struct soak s;

	memset(&s, 0xff, sizeof s);
	memset(s.ppid_used, 0, sizeof s.ppid_used);
	s.next_serial = 0;
	s.seed = 42;
	s.delivered = 0;
	make(0, 4);       /* fewer VPIDs than VNICs: reuse is constant */
	for (unsigned step = 0; step < 4000; step++) {
		if (core_rig_rand(&s.seed) % 3 == 0)
			soak_vnic(&s, (uint32_t)core_rig_rand(&s.seed) % SOAK_VNICS);
		else
			soak_flow(&s, (uint32_t)core_rig_rand(&s.seed) % SOAK_FLOWS);
		soak_traffic(&s);
	}
	cr_assert_gt(vpid_stats(va)->reuses, 100);
	cr_assert_gt(vpid_stats(va)->drained, 20);
	cr_assert_gt(s.delivered, 1000);
}

/* ---- the fence, cycle by cycle ------------------------------------------ */

struct fence_ctx {
	struct pnic_key key;
	uint32_t bad_ppid;
	unsigned hits, to_bad;
};

static void fence_probe(void *ctx, struct pnic_key *key)
{
	*key = ((struct fence_ctx *)ctx)->key;
}

static void fence_check(void *ctx, const struct pnic_key *key,
			const struct lookup_result *r)
{
	struct fence_ctx *f = ctx;

	(void)key;
	f->hits += r->hit;
	f->to_bad += r->hit && r->mapped && r->ppid == f->bad_ppid;
}

/* A lookup accepted one edge before the stale entry's invalidate matches
 * it and reads the map two edges after it: the new owner's MAP_SET must
 * come later than that, whatever the command spacing.  Beats back to
 * back, the worst spacing. */
Test(vpid, fence_keeps_in_flight_lookups_off_the_new_owner)
{
	struct core_rig *rig = core_rig_new(DEPTH, N_VPIDS);
	struct nic_cmd_sink sink = core_rig_sink(rig);
	struct fence_ctx f = { .bad_ppid = 2 };
	struct pnic_key mask;
	struct action_word w;
	struct pnic_error err;
	uint32_t v, x;

	key_zero(&f.key);
	key_zero(&mask);
	f.key.w[0] = 0x50;
	mask.w[0] = 0xff;
	rig->probe = fence_probe;
	rig->check = fence_check;
	rig->ctx = &f;
	cr_assert_eq(vpid_create(&(struct vpid_params){ .first = 5, .count = 1,
						       .sink = sink }, &va, &err), 0);
	cr_assert_eq(flow_table_create(&(struct flow_table_params){
			     .depth = DEPTH, .sink = sink }, &ft, &err), 0);
	cr_assert_eq(vpid_alloc(va, 1, &v, &err), 0, "%s", err.msg);
	w = to_vpid(v);
	cr_assert_eq(vpid_entry_added(va, v, &err), 0);
	cr_assert_eq(flow_table_write(ft, 3, &f.key, &mask, &w, &err), 0);
	cr_assert_eq(vpid_release(va, v, &err), 0);
	core_rig_run(rig);
	cr_assert_gt(f.hits, 0, "the stale entry is hit while draining");

	/* Purge and reuse, all queued before the core sees any of it. */
	cr_assert_eq(flow_table_withdraw(ft, 3, &err), 0);
	cr_assert_eq(vpid_entry_removed(va, v, &err), 0);
	cr_assert_eq(vpid_alloc(va, f.bad_ppid, &x, &err), 0, "%s", err.msg);
	cr_assert_eq(x, v);
	f.hits = 0;
	core_rig_run(rig);
	cr_assert_gt(f.hits, 0, "a lookup in flight matched the stale entry");
	cr_assert_eq(f.to_bad, 0, "%u lookups reached the new owner", f.to_bad);
	core_rig_free(rig);
}
