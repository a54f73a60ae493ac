/* TCAM placement: the order kept, the moves counted, the full-table
 * policies, and "traffic running": after every command a NIC in process
 * takes (and on every cycle of the lookup core while the commands land),
 * random and adversarial keys get a decision that the table before or
 * after the update gives. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/tcam_place.h"
#include "model/nic.h"
#include "tests/host/core_rig.h"
#include "tests/sanitize.h"

#define MAX_DEPTH 64
#define MAX_ENTS 4096

/* ---- the logical table: the oracle -------------------------------------- */

struct ent {
	struct tcam_place_entry e;
	bool before, after;          /* live before / after the update */
	uint32_t handle;
	uint64_t last_hit;
};

struct world {
	struct nic *nic;             /* the in-process target, or NULL */
	struct core_rig *rig;        /* the cycle-level target, or NULL */
	struct flow_table *ft;
	struct tcam_place *tp;
	struct ent ents[MAX_ENTS];
	uint32_t n_ents;
	uint32_t ent_at[MAX_DEPTH];  /* which ent sits at an index (moved cb) */
	struct pnic_key probes[4 * MAX_DEPTH + 64];
	uint32_t n_probes, next_probe;
	uint64_t seed;
	uint64_t checks, commands;
	uint32_t moved_calls;
	int32_t victim;              /* the ent an insert evicts, or -1 */
};

static struct world W;

/* The tables an update may show: before it, after it, and, when the
 * insert evicts, between the eviction (a delete) and the insert. */
enum phase { BEFORE, AFTER, EVICTED };

/* Whether the table of that phase may answer `key` with (hit, action). */
static bool allowed(const struct pnic_key *key, enum phase ph, bool hit,
		    const struct action_word *a)
{
	uint32_t best = UINT32_MAX;
	bool ok = false;

	for (uint32_t i = 0; i < W.n_ents; i++) {
		const struct ent *e = &W.ents[i];
		bool live = ph == AFTER ? e->after :
			    e->before && !(ph == EVICTED && (int32_t)i == W.victim);
		bool match = true;

		if (!live)
			continue;
		for (unsigned w = 0; w < 2; w++)
			match &= ((key->w[w] & e->e.mask.w[w]) == e->e.value.w[w]);
		if (!match || e->e.level > best)
			continue;
		if (e->e.level < best)
			ok = false;
		best = e->e.level;
		ok |= hit && a->w[0] == e->e.action.w[0] && a->w[1] == e->e.action.w[1];
	}
	return best == UINT32_MAX ? !hit : ok;
}

static void check_decision(const struct pnic_key *key, const struct lookup_result *r)
{
	W.checks++;
	cr_assert(allowed(key, BEFORE, r->hit, &r->action) ||
		  allowed(key, AFTER, r->hit, &r->action) ||
		  (W.victim >= 0 && allowed(key, EVICTED, r->hit, &r->action)),
		  "key %#lx: the NIC answered %s entry %u (vpid %u), which "
		  "neither the table before nor after the update gives",
		  (unsigned long)key->w[0], r->hit ? "hit" : "miss", r->index,
		  lookup_action_vpid(&r->action));
}

/* Keys that hit every entry of either table exactly, or by its
 * don't-care bits, plus random ones. */
static void make_probes(void)
{
	W.n_probes = 0;
	for (uint32_t i = 0; i < W.n_ents; i++) {
		const struct ent *e = &W.ents[i];
		struct pnic_key k = e->e.value;

		if (!e->before && !e->after)
			continue;
		W.probes[W.n_probes++] = k;
		k.w[0] |= ~e->e.mask.w[0] & (uint64_t)core_rig_rand(&W.seed) & 0xfff;
		W.probes[W.n_probes++] = k;
	}
	for (unsigned i = 0; i < 24; i++) {
		key_zero(&W.probes[W.n_probes]);
		W.probes[W.n_probes++].w[0] = (uint64_t)core_rig_rand(&W.seed) & 0xfff;
	}
}

/* The in-process sink: apply, then run every probe through the NIC. */
static int nic_check_submit(void *ctx, const struct nic_cmd *c,
			    struct nic_cmd_result *res, struct pnic_error *err)
{
	int rc = nic_apply(ctx, c, res, err);
	struct lookup_result r;

	if (rc)
		return rc;
	W.commands++;
	for (uint32_t i = 0; i < W.n_probes; i++) {
		lookup_run(nic_lookup(W.nic), &W.probes[i], &r);
		check_decision(&W.probes[i], &r);
	}
	return 0;
}

static void rig_probe(void *ctx, struct pnic_key *key)
{
	(void)ctx;
	*key = W.n_probes ? W.probes[W.next_probe++ % W.n_probes]
			  : (struct pnic_key){ { 0 } };
}

static void rig_check(void *ctx, const struct pnic_key *key,
		      const struct lookup_result *r)
{
	(void)ctx;
	check_decision(key, r);
}

static uint64_t last_hit(void *ctx, uint32_t index)
{
	(void)ctx;
	return W.ents[W.ent_at[index]].last_hit;
}

static void moved(void *ctx, uint32_t handle, uint32_t from, uint32_t to)
{
	(void)ctx;
	cr_assert_eq(W.ents[W.ent_at[from]].handle, handle);
	W.ent_at[to] = W.ent_at[from];
	W.moved_calls++;
}

static void world_make(uint32_t depth, bool cycle_level,
		       const struct tcam_place_params *tpp)
{
	struct nic_params np = { .profile = key_profile_ipv4_5tuple(),
				 .depth = depth, .n_ports = 4, .n_vpids = 8 };
	struct tcam_place_params p = *tpp;
	struct nic_cmd_sink sink;
	struct pnic_error err;

	memset(&W, 0, sizeof W);
	W.seed = 7;
	W.victim = -1;
	if (cycle_level) {
		W.rig = core_rig_new(depth, 8);
		W.rig->probe = rig_probe;
		W.rig->check = rig_check;
		W.rig->gap_max = 2;
		sink = core_rig_sink(W.rig);
	} else {
		cr_assert_eq(nic_create(&np, &W.nic, &err), 0, "%s", err.msg);
		sink = (struct nic_cmd_sink){ .submit = nic_check_submit,
					      .ctx = W.nic };
	}
	cr_assert_eq(flow_table_create(&(struct flow_table_params){
			     .depth = depth, .sink = sink }, &W.ft, &err), 0,
		     "%s", err.msg);
	p.table = W.ft;
	p.last_hit = last_hit;
	p.moved = moved;
	cr_assert_eq(tcam_place_create(&p, &W.tp, &err), 0, "%s", err.msg);
}

static void world_free(void)
{
	tcam_place_destroy(W.tp);
	flow_table_destroy(W.ft);
	nic_destroy(W.nic);
	core_rig_free(W.rig);
	W.tp = NULL;
	W.ft = NULL;
	W.nic = NULL;
	W.rig = NULL;
}

TestSuite(tcam_place, .fini = world_free);

/* ---- one update under the oracle ---------------------------------------- */

static struct tcam_place_entry entry(uint32_t id, uint32_t level,
				     uint64_t value, uint64_t mask)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = (uint16_t)id };
	struct tcam_place_entry e;

	memset(&e, 0, sizeof e);
	e.value.w[0] = value & mask;
	e.mask.w[0] = mask;
	e.level = level;
	action_pack(&a, &e.action);
	return e;
}

/* The entry a full table under LRU gives up: the oldest last hit. */
static int32_t lru_victim(void)
{
	int32_t v = -1;

	for (uint32_t i = 0; i < W.n_ents; i++)
		if (W.ents[i].before &&
		    (v < 0 || W.ents[i].last_hit < W.ents[v].last_hit))
			v = (int32_t)i;
	return v;
}

/* The update is over: on the cycle-level target, once its beats have
 * landed under traffic. */
static void settle(void)
{
	if (W.rig)
		core_rig_run(W.rig);
	for (uint32_t i = 0; i < W.n_ents; i++)
		W.ents[i].before = W.ents[i].after;
}

/* The order invariant and the NIC's copy, after an update. */
static void check_table(void)
{
	uint32_t depth = flow_table_depth(W.ft), prev = 0, live = 0;

	for (uint32_t i = 0; i < depth; i++) {
		uint32_t l = tcam_place_level_at(W.tp, i);

		if (l == TP_NONE) {
			cr_assert_eq(tcam_place_handle_at(W.tp, i), TP_NONE);
			continue;
		}
		cr_assert_eq(tcam_place_index(W.tp, tcam_place_handle_at(W.tp, i)), i);
		cr_assert_geq(l, prev, "index %u holds level %u after level %u", i, l, prev);
		prev = l;
		live++;
	}
	cr_assert_eq(live, tcam_place_live(W.tp));
	for (uint32_t i = 0; i < W.n_ents; i++)
		if (W.ents[i].after) {
			uint32_t at = tcam_place_index(W.tp, W.ents[i].handle);

			cr_assert_neq(at, TP_NONE);
			cr_assert_eq(W.ent_at[at], i, "the moved callback lost entry %u", i);
		}
}

/* Insert under the oracle; returns the insert's rc. */
static int do_insert(uint32_t level, uint64_t value, uint64_t mask,
		     struct tcam_place_result *r)
{
	uint32_t id = W.n_ents++;
	struct ent *e = &W.ents[id];
	int32_t victim = -1;
	struct pnic_error err;
	int rc;

	cr_assert_lt(id, MAX_ENTS);
	e->e = entry(id, level, value, mask);
	e->after = true;
	e->last_hit = ((uint64_t)core_rig_rand(&W.seed) << 16) | id;
	if (tcam_place_live(W.tp) == flow_table_depth(W.ft) &&
	    (victim = lru_victim()) >= 0)
		W.ents[victim].after = false;
	W.victim = victim;
	make_probes();
	rc = tcam_place_insert(W.tp, &e->e, r, &err);
	if (rc) {
		e->after = false;
		if (victim >= 0)
			W.ents[victim].after = true;
	} else {
		e->handle = r->handle;
		W.ent_at[r->index] = id;
		if (victim >= 0)
			cr_assert_eq(r->victim, W.ents[victim].handle);
		else
			cr_assert_eq(r->victim, TP_NONE);
	}
	settle();
	W.victim = -1;
	check_table();
	return rc;
}

static void do_delete(uint32_t id)
{
	struct pnic_error err;
	uint64_t writes = tcam_place_stats(W.tp)->writes;

	W.ents[id].after = false;
	make_probes();
	cr_assert_eq(tcam_place_delete(W.tp, W.ents[id].handle, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_place_stats(W.tp)->writes, writes + 1, "a delete is one command");
	settle();
	check_table();
}

/* ---- unit cases ---------------------------------------------------------- */

Test(tcam_place, create_refuses_bad_params)
{
	struct tcam_place_params p = { .n_levels = 4 };
	struct tcam_place *tp = (struct tcam_place *)1;
	struct pnic_error err;

	world_make(16, false, &p);
	cr_assert_eq(tcam_place_create(&p, &tp, &err), -EINVAL);
	cr_assert_null(tp);
	p.table = W.ft;
	p.n_levels = 0;
	cr_assert_eq(tcam_place_create(&p, &tp, &err), -ERANGE);
	p.n_levels = 4;
	p.full = TP_FULL_EVICT_LRU;
	cr_assert_eq(tcam_place_create(&p, &tp, &err), -EINVAL);
	cr_assert(strstr(err.msg, "last-hit"), "%s", err.msg);
	p.full = 7;
	cr_assert_eq(tcam_place_create(&p, &tp, &err), -EINVAL);
	p.full = TP_FULL_REFUSE;
	p.table = W.ft;
	cr_assert_eq(do_insert(0, 1, 0xfff, &(struct tcam_place_result){ 0 }), 0);
	cr_assert_eq(tcam_place_create(&p, &tp, &err), -EINVAL, "a table in use");
	cr_assert(strstr(err.msg, "nothing has been written"), "%s", err.msg);
	tcam_place_destroy(NULL);
}

/* Lowest levels last, one entry per level: each insert crosses every
 * level below it; PLO moves one per level, naive every entry. */
static uint32_t moves_for(enum tcam_place_algo algo)
{
	struct tcam_place_result r;

	world_make(16, false, &(struct tcam_place_params){ .n_levels = 4,
							   .algo = algo });
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(do_insert(3, 0x100 + i, 0xfff, &r), 0);
	cr_assert_eq(do_insert(2, 0x200, 0xfff, &r), 0);
	cr_assert_eq(r.index, 0);
	cr_assert_eq(r.writes, 1 + 2 * r.moves, "a move is a write and an invalidate");
	cr_assert_eq(do_insert(0, 0, 0, &r), 0, "a catch-all at the top");
	cr_assert_eq(r.index, 0);
	return (uint32_t)tcam_place_stats(W.tp)->moves;
}

Test(tcam_place, plo_moves_one_entry_per_level)
{
	cr_assert_eq(moves_for(TP_ALGO_PLO), 1 + 2);
	cr_assert_eq(W.moved_calls, 3);
	cr_assert_eq(tcam_place_stats(W.tp)->max_moves, 2);
	world_free();
	cr_assert_eq(moves_for(TP_ALGO_NAIVE), 3 + 4);
}

Test(tcam_place, layouts_put_free_space_where_they_say)
{
	struct tcam_place_result r;

	world_make(16, false, &(struct tcam_place_params){
			   .n_levels = 4, .layout = TP_LAYOUT_MIDDLE });
	cr_assert_eq(do_insert(3, 1, 0xfff, &r), 0);
	cr_assert_eq(r.index, 15, "the lower half packs from the bottom");
	cr_assert_eq(do_insert(0, 2, 0xfff, &r), 0);
	cr_assert_eq(r.index, 0);
	cr_assert_eq(do_insert(2, 3, 0xfff, &r), 0);
	cr_assert_eq(r.index, 14);
	world_free();
	world_make(16, false, &(struct tcam_place_params){
			   .n_levels = 4, .layout = TP_LAYOUT_SPREAD });
	cr_assert_eq(do_insert(3, 1, 0xfff, &r), 0);
	cr_assert_eq(r.index, 14, "level 3's share is 12..15");
	cr_assert_eq(do_insert(1, 2, 0xfff, &r), 0);
	cr_assert_eq(r.index, 6);
	cr_assert_eq(do_insert(1, 3, 0xfff, &r), 0);
	cr_assert(r.index == 5 || r.index == 7, "next to its level: %u", r.index);
	cr_assert_eq(tcam_place_stats(W.tp)->moves, 0);
}

Test(tcam_place, full_table_refuses_or_evicts_the_least_recently_hit)
{
	struct tcam_place_result r;
	struct pnic_error err;

	world_make(16, false, &(struct tcam_place_params){ .n_levels = 4 });
	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(do_insert(i % 4, i, 0xfff, &r), 0);
	cr_assert_eq(do_insert(1, 99, 0xfff, &r), -ENOSPC);
	cr_assert_eq(tcam_place_stats(W.tp)->refused_full, 1);
	cr_assert_eq(tcam_place_live(W.tp), 16);
	world_free();

	world_make(16, false, &(struct tcam_place_params){
			   .n_levels = 4, .full = TP_FULL_EVICT_LRU });
	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(do_insert(i % 4, i, 0xfff, &r), 0);
	W.ents[5].last_hit = 1;
	cr_assert_eq(do_insert(0, 99, 0xfff, &r), 0);
	cr_assert_eq(r.victim, W.ents[5].handle);
	cr_assert_eq(tcam_place_stats(W.tp)->evictions, 1);
	for (uint32_t i = 0; i < W.n_ents; i++)
		if (W.ents[i].after)
			W.ents[i].last_hit = UINT64_MAX;
	cr_assert_eq(tcam_place_insert(W.tp, &W.ents[0].e, &r, &err), -ENOSPC);
	cr_assert(strstr(err.msg, "pinned"), "%s", err.msg);
}

Test(tcam_place, delete_and_bad_input)
{
	struct tcam_place_result r;
	struct tcam_place_entry e = entry(0, 4, 0, 0);
	struct pnic_error err;

	world_make(16, false, &(struct tcam_place_params){ .n_levels = 4 });
	cr_assert_eq(tcam_place_insert(W.tp, &e, &r, &err), -ERANGE);
	cr_assert_eq(tcam_place_delete(W.tp, 3, &err), -ENOENT);
	cr_assert_eq(tcam_place_delete(W.tp, 99, &err), -ENOENT);
	cr_assert_eq(do_insert(2, 1, 0xfff, &r), 0);
	do_delete(0);
	cr_assert_eq(tcam_place_live(W.tp), 0);
	cr_assert_eq(tcam_place_index(W.tp, W.ents[0].handle), TP_NONE);
	cr_assert_eq(tcam_place_level_at(W.tp, 99), TP_NONE);
	cr_assert_eq(tcam_place_handle_at(W.tp, 99), TP_NONE);
	cr_assert_eq(tcam_place_stats(W.tp)->deletes, 1);
}

/* ---- traffic running ----------------------------------------------------- */

/* Random inserts (overlapping wildcards, random levels) and deletes, or
 * an adversarial run (each insert one level above all before it, so
 * every insert crosses every level), under the oracle. */
static void churn(unsigned ops, uint32_t n_levels, bool adversarial)
{
	struct tcam_place_result r;
	uint32_t level = n_levels;

	for (unsigned op = 0; op < ops; op++) {
		uint32_t pick = (uint32_t)core_rig_rand(&W.seed) % (W.n_ents + 1);

		if (core_rig_rand(&W.seed) % 3 == 0 && pick < W.n_ents && W.ents[pick].after) {
			do_delete(pick);
			continue;
		}
		level = adversarial ? (level ? level - 1 : n_levels - 1)
				    : (uint32_t)core_rig_rand(&W.seed) % n_levels;
		do_insert(level, (uint64_t)core_rig_rand(&W.seed),
			  (uint64_t)core_rig_rand(&W.seed) & 0xfff, &r);
	}
}

static void traffic(enum tcam_place_algo algo, enum tcam_place_layout layout,
		    enum tcam_place_full full, bool cycle_level)
{
	for (unsigned adv = 0; adv < 2; adv++) {
		world_make(MAX_DEPTH, cycle_level, &(struct tcam_place_params){
				   .n_levels = 8, .algo = algo,
				   .layout = layout, .full = full });
		churn(TEST_ROUNDS(700), 8, adv);
		cr_assert_gt(tcam_place_stats(W.tp)->moves, TEST_ROUNDS(100));
		cr_assert_gt(W.checks, TEST_ROUNDS(cycle_level ? 4000 : 40000), "%lu checks",
			     (unsigned long)W.checks);
		world_free();
	}
}

Test(tcam_place, traffic_plo_top_refuse) { traffic(TP_ALGO_PLO, TP_LAYOUT_TOP, TP_FULL_REFUSE, false); }
Test(tcam_place, traffic_plo_middle_evict) { traffic(TP_ALGO_PLO, TP_LAYOUT_MIDDLE, TP_FULL_EVICT_LRU, false); }
Test(tcam_place, traffic_plo_spread_evict) { traffic(TP_ALGO_PLO, TP_LAYOUT_SPREAD, TP_FULL_EVICT_LRU, false); }
Test(tcam_place, traffic_naive_top_evict) { traffic(TP_ALGO_NAIVE, TP_LAYOUT_TOP, TP_FULL_EVICT_LRU, false); }
Test(tcam_place, traffic_cycle_level_plo) { traffic(TP_ALGO_PLO, TP_LAYOUT_SPREAD, TP_FULL_EVICT_LRU, true); }
Test(tcam_place, traffic_cycle_level_naive) { traffic(TP_ALGO_NAIVE, TP_LAYOUT_TOP, TP_FULL_REFUSE, true); }

/* The NIC removed the entry itself: the slot is free with no command
 * sent, and the next insert of its level may take it. */
Test(tcam_place, forget_frees_without_a_command)
{
	struct tcam_place_result r, r2;
	struct tcam_place_entry e = entry(0, 1, 0, 0);
	struct pnic_error err;
	uint64_t writes;

	world_make(16, false, &(struct tcam_place_params){ .n_levels = 4 });
	cr_assert_eq(tcam_place_insert(W.tp, &e, &r, &err), 0, "%s", err.msg);
	writes = tcam_place_stats(W.tp)->writes;
	cr_assert_eq(tcam_place_forget(W.tp, r.handle, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_place_stats(W.tp)->writes, writes);
	cr_assert_eq(tcam_place_stats(W.tp)->forgotten, 1);
	cr_assert_eq(tcam_place_stats(W.tp)->deletes, 0);
	cr_assert_eq(tcam_place_live(W.tp), 0);
	cr_assert_eq(tcam_place_handle_at(W.tp, r.index), TP_NONE);
	cr_assert_eq(tcam_place_forget(W.tp, r.handle, &err), -ENOENT);
	cr_assert_eq(tcam_place_insert(W.tp, &e, &r2, &err), 0, "%s", err.msg);
	cr_assert_eq(r2.index, r.index);
	cr_assert_eq(r2.moves, 0);
}
