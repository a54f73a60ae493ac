/* The host's flow table: every change is a command, on a NIC in process
 * (what the NIC then matches) and on a recording sink (what is sent). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "host/flow_table.h"
#include "model/nic.h"

#define DEPTH 16

static struct nic *nic;
static struct flow_table *ft;

static void setup(void)
{
	struct nic_params np = { .profile = key_profile_ipv4_5tuple(),
				 .depth = DEPTH, .n_ports = 4, .n_vpids = 8 };
	struct flow_table_params fp = { .depth = DEPTH };
	struct pnic_error err;

	cr_assert_eq(nic_create(&np, &nic, &err), 0, "%s", err.msg);
	fp.sink = nic_sink(nic);
	cr_assert_eq(flow_table_create(&fp, &ft, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	flow_table_destroy(ft);
	nic_destroy(nic);
}

TestSuite(flow_table, .init = setup, .fini = teardown);

static struct pnic_key key_of(uint64_t v)
{
	struct pnic_key k;

	key_zero(&k);
	k.w[0] = v;
	return k;
}

static struct action_word to_vpid(uint16_t vpid)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = vpid };
	struct action_word w;

	action_pack(&a, &w);
	return w;
}

/* What the NIC answers for key k: the index hit and the word's VPID. */
static int32_t nic_index(uint64_t k, uint16_t *vpid)
{
	struct lookup_result r;
	struct pnic_key key = key_of(k);

	lookup_run(nic_lookup(nic), &key, &r);
	if (vpid)
		*vpid = lookup_action_vpid(&r.action);
	return r.hit ? (int32_t)r.index : -1;
}

Test(flow_table, create_refuses_bad_params)
{
	struct flow_table_params p = { .depth = 0, .sink = nic_sink(nic) };
	struct flow_table *t = (struct flow_table *)1;
	struct pnic_error err;

	cr_assert_eq(flow_table_create(&p, &t, &err), -EINVAL);
	cr_assert_null(t);
	p.depth = 4;
	p.sink.submit = NULL;
	cr_assert_eq(flow_table_create(&p, &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, "sink"), "%s", err.msg);
	flow_table_destroy(NULL);
}

/* Flows added in arrival order, a catch-all last: earlier flows win. */
Test(flow_table, add_places_in_order_and_find_dedupes)
{
	struct pnic_key ones = key_of(0xffff), zero = key_of(0);
	struct pnic_key noisy = key_of(0xf000b);
	struct action_word w = to_vpid(1);
	struct pnic_error err;
	uint32_t idx;
	uint16_t vpid;

	for (uint64_t k = 10; k < 13; k++) {
		struct pnic_key key = key_of(k);

		cr_assert_eq(flow_table_find(ft, &key, &ones), -1);
		cr_assert_eq(flow_table_add(ft, &key, &ones, &w, &idx, &err), 0, "%s", err.msg);
		cr_assert_eq(idx, k - 10);
		cr_assert_eq(flow_table_find(ft, &key, &ones), (int32_t)idx);
	}
	w = to_vpid(2);
	cr_assert_eq(flow_table_add(ft, &zero, &zero, &w, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_used(ft), 4);
	cr_assert_eq(nic_index(11, &vpid), 1);
	cr_assert_eq(vpid, 1);
	cr_assert_eq(nic_index(99, &vpid), 3);
	cr_assert_eq(vpid, 2, "the catch-all");
	/* the match is value & mask: a value with don't-care bits finds it */
	cr_assert_eq(flow_table_find(ft, &noisy, &ones), 1);
}

Test(flow_table, set_action_withdraw_restore)
{
	struct pnic_key key = key_of(5), ones = key_of(0xff);
	struct action_word w = to_vpid(3), w2 = to_vpid(4);
	struct pnic_error err;
	uint16_t vpid;

	cr_assert_eq(flow_table_write(ft, 7, &key, &ones, &w, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_used(ft), 8);
	cr_assert_eq(flow_table_set_action(ft, 7, &w2, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_index(5, &vpid), 7);
	cr_assert_eq(vpid, 4);
	cr_assert_eq(flow_table_withdraw(ft, 7, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_index(5, NULL), -1);
	cr_assert_eq(flow_table_find(ft, &key, &ones), -1, "a withdrawn entry is not live");
	cr_assert_eq(flow_table_set_action(ft, 7, &w, &err), -ENOENT);
	cr_assert(strstr(err.msg, "withdrawn"), "%s", err.msg);
	cr_assert_eq(flow_table_withdraw(ft, 7, &err), -ENOENT);
	cr_assert_eq(flow_table_restore(ft, 7, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_index(5, &vpid), 7);
	cr_assert_eq(vpid, 4, "restored as it was, the rewritten action included");
	cr_assert_eq(flow_table_restore(ft, 7, &err), -ENOENT);
	cr_assert_eq(flow_table_restore(ft, 2, &err), -ENOENT);
	cr_assert(strstr(err.msg, "unused"), "%s", err.msg);
	cr_assert_eq(flow_table_withdraw(ft, DEPTH, &err), -ERANGE);
}

/* The NIC refuses: the copy stays as it was. */
Test(flow_table, refusals_leave_the_copy_alone)
{
	struct pnic_key key = key_of(5), ones = key_of(0xff);
	struct action_word w = to_vpid(3), bad = to_vpid(3);
	struct pnic_error err;
	uint32_t idx;

	bad.w[0] |= 3;
	cr_assert_eq(flow_table_write(ft, 0, &key, &ones, &bad, &err), -EINVAL);
	cr_assert(strstr(err.msg, "action kind 3"), "%s", err.msg);
	cr_assert_eq(flow_table_used(ft), 0);
	cr_assert_eq(flow_table_find(ft, &key, &ones), -1);
	cr_assert_eq(flow_table_write(ft, DEPTH, &key, &ones, &w, &err), -ERANGE);
	cr_assert_eq(flow_table_write(ft, 0, &key, &ones, &w, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_set_action(ft, 0, &bad, &err), -EINVAL);
	cr_assert_eq(flow_table_withdraw(ft, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_restore(ft, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_index(5, NULL), 0);
	for (uint32_t i = 1; i < DEPTH; i++)
		cr_assert_eq(flow_table_add(ft, &key, &ones, &w, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_add(ft, &key, &ones, &w, &idx, &err), -ENOSPC);
}

/* What goes to the sink: one command per change, nothing for a refusal
 * the table makes itself. */
struct recorder {
	unsigned n;
	struct nic_cmd cmds[8];
};

static int record(void *ctx, const struct nic_cmd *c, struct nic_cmd_result *res,
		  struct pnic_error *err)
{
	struct recorder *r = ctx;

	(void)res;
	(void)err;
	cr_assert_lt(r->n, 8);
	r->cmds[r->n++] = *c;
	return 0;
}

Test(flow_table, commands_sent)
{
	static struct recorder rec;
	struct flow_table_params p = { .depth = 4, .sink = { record, &rec } };
	struct pnic_key key = key_of(0x1ff), mask = key_of(0xf0);
	struct action_word w = to_vpid(2);
	struct flow_table *t;
	struct pnic_error err;
	uint32_t idx;

	cr_assert_eq(flow_table_create(&p, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_add(t, &key, &mask, &w, &idx, &err), 0);
	cr_assert_eq(flow_table_set_action(t, 0, &w, &err), 0);
	cr_assert_eq(flow_table_withdraw(t, 0, &err), 0);
	cr_assert_eq(flow_table_withdraw(t, 0, &err), -ENOENT);
	cr_assert_eq(flow_table_restore(t, 0, &err), 0);
	cr_assert_eq(flow_table_write(t, 9, &key, &mask, &w, &err), -ERANGE,
		     "checked before the sink");
	cr_assert_eq(rec.n, 4);
	cr_assert_eq(rec.cmds[0].op, NIC_OP_ENTRY_WRITE);
	cr_assert_eq(rec.cmds[0].entry.value.w[0], 0xf0, "value & mask");
	cr_assert_eq(rec.cmds[1].op, NIC_OP_ACTION_WRITE);
	cr_assert_eq(rec.cmds[2].op, NIC_OP_ENTRY_INVALIDATE);
	cr_assert_eq(rec.cmds[2].index, 0);
	cr_assert_eq(rec.cmds[3].op, NIC_OP_ENTRY_WRITE);
	cr_assert_eq(rec.cmds[3].entry.mask.w[0], 0xf0);
	flow_table_destroy(t);
}

Test(flow_table, get_returns_the_live_copy)
{
	struct pnic_key key = key_of(0x1234), ones = key_of(0xff), v, m;
	struct action_word w = to_vpid(3), a;
	struct pnic_error err;

	cr_assert_eq(flow_table_depth(ft), DEPTH);
	cr_assert_eq(flow_table_get(ft, 2, &v, &m, &a), -ENOENT);
	cr_assert_eq(flow_table_get(ft, DEPTH, &v, &m, &a), -ERANGE);
	cr_assert_eq(flow_table_write(ft, 2, &key, &ones, &w, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_get(ft, 2, &v, &m, &a), 0);
	cr_assert_eq(v.w[0], 0x34, "the value as written: value & mask");
	cr_assert_eq(m.w[0], 0xff);
	cr_assert_eq(a.w[0], w.w[0]);
	cr_assert_eq(flow_table_withdraw(ft, 2, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_get(ft, 2, &v, &m, &a), -ENOENT);
}

/* The NIC removed the entry itself: the copy withdraws it without a
 * command (the NIC here, which removed nothing, still matches it). */
Test(flow_table, forget_sends_nothing)
{
	struct pnic_key key = key_of(5), ones = key_of(0xff);
	struct action_word w = to_vpid(3);
	struct pnic_error err;

	cr_assert_eq(flow_table_write(ft, 7, &key, &ones, &w, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_forget(ft, 7, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_find(ft, &key, &ones), -1);
	cr_assert_eq(nic_index(5, NULL), 7, "no invalidate was sent");
	cr_assert_eq(flow_table_forget(ft, 7, &err), -ENOENT);
	cr_assert_eq(flow_table_forget(ft, DEPTH, &err), -ERANGE);
	cr_assert_eq(flow_table_restore(ft, 7, &err), 0, "%s", err.msg);
	cr_assert_eq(flow_table_find(ft, &key, &ones), 7);
}

/* The hashed find against the scan, over random writes, overwrites,
 * withdrawals, forgets and restores of a few keys and masks (so that
 * chains collide and duplicates occur). */
Test(flow_table, find_matches_the_linear_scan)
{
	struct pnic_error err;
	uint32_t x = 12345;
	unsigned found = 0;

	for (int step = 0; step < 4000; step++) {
		uint32_t i, op;
		struct pnic_key v, m;
		struct action_word w = to_vpid(1);
		int32_t a, b;

		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		i = x % DEPTH;
		op = (x >> 8) % 4;
		v = key_of((x >> 12) % 8);
		m = key_of(op == 0 ? 0xff : 0x7);
		if (op < 2)
			cr_assert_eq(flow_table_write(ft, i, &v, &m, &w, &err), 0, "%s", err.msg);
		else if (op == 2)
			(void)((x >> 20) % 2 ? flow_table_withdraw(ft, i, &err)
					     : flow_table_forget(ft, i, &err));
		else
			(void)flow_table_restore(ft, i, &err);
		for (uint64_t k = 0; k < 8; k++)
			for (int mm = 0; mm < 2; mm++) {
				struct pnic_key kv = key_of(k), km = key_of(mm ? 0xff : 0x7);
				struct pnic_key gv, gm;

				a = flow_table_find(ft, &kv, &km);
				b = flow_table_find_linear(ft, &kv, &km);
				cr_assert_eq(a < 0, b < 0, "step %d key %llu", step,
					     (unsigned long long)k);
				if (a < 0)
					continue;
				found++;
				cr_assert_eq(flow_table_get(ft, (uint32_t)a, &gv, &gm, &w), 0);
				cr_assert(key_equal(&gm, &km, PNIC_KEY_WORDS));
				cr_assert_eq(gv.w[0], k & km.w[0]);
			}
	}
	cr_assert_gt(found, 10000);
}
