/* The FPAG over a NIC in process: where VNICs are (host/fpag_topo.c): a migration repairs the fast
 * path with one command (VPID) or one per entry (PPID); VNICs that come
 * and go, and a reused VPID that never gets the old flows. */
#include "tests/host/fpag_rig.h"

/* Three flows to VNIC 1 and one to VNIC 2 (both on PPID 1), then VNIC 1
 * moves to PPID 2. */
static uint32_t migrate_run(enum fpag_flow_dest dest)
{
	struct pnic_error err;
	uint32_t cmds = 99;

	setup(dest, FPAG_SHAPE_EXACT);
	for (uint16_t i = 0; i < 3; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	send(0, 2, UDP, 1000, 5001, 0);
	cr_assert_eq(fpag_stats(fp)->installs, 4);
	cr_assert_eq(fpag_migrate(fp, 1, 2, &cmds, &err), 0, "%s", err.msg);
	at[1] = 2;
	memset(egress, 0, sizeof egress);
	for (uint16_t i = 0; i < 3; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	send(0, 2, UDP, 1000, 5001, 0);
	cr_assert_eq(egress[2], 3, "VNIC 1's packets reach its new PPID");
	cr_assert_eq(egress[1], 1, "VNIC 2 stayed on PPID 1");
	cr_assert_eq(dps()->misses, 4, "the fast path needed no miss");
	cr_assert_eq(fpag_stats(fp)->migrations, 1);
	cr_assert_eq(fpag_stats(fp)->migration_cmds, cmds);
	send(1, 0, UDP, 1000, 5001, 0);
	cr_assert_eq(fpag_stats(fp)->unknown_source, 0, "VNIC 1 is known on its new PPID");
	cr_assert_eq(egress[0], 1);
	return cmds;
}

Test(fpag, migration_vpid_mode_one_command, .fini = teardown_all)
{
	cr_assert_eq(migrate_run(FPAG_DEST_VPID), 1);
	cr_assert_eq(fpag_endpoint_vpid(fp, 1), 1);
}

Test(fpag, migration_ppid_mode_one_command_per_entry, .fini = teardown_all)
{
	cr_assert_eq(migrate_run(FPAG_DEST_PPID), 3);
	cr_assert_eq(fpag_endpoint_vpid(fp, 1), 2, "the identity VPID of PPID 2");
}

/* 100 flows toward the moving VNIC: VPID mode still one command, PPID
 * mode one per entry, and every packet after the move reaches the new
 * PPID by the fast path. */
static uint32_t migrate_many(enum fpag_flow_dest dest)
{
	struct pnic_error err;
	uint32_t cmds = 0;
	uint64_t misses;

	fdepth = 128;
	setup(dest, FPAG_SHAPE_EXACT);
	for (uint16_t i = 0; i < 100; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	cr_assert_eq(fpag_stats(fp)->entries_live, 100);
	misses = dps()->misses;
	cr_assert_eq(fpag_migrate(fp, 1, 3, &cmds, &err), 0, "%s", err.msg);
	memset(egress, 0, sizeof egress);
	for (uint16_t i = 0; i < 100; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	cr_assert_eq(egress[3], 100);
	cr_assert_eq(dps()->misses, misses);
	cr_log_info("migration, %s mode, 100 entries: %u commands; host CPU %llu ns for 100 misses",
		    dest == FPAG_DEST_VPID ? "vpid" : "ppid", cmds,
		    (unsigned long long)fpag_stats(fp)->cpu_ns);
	return cmds;
}

Test(fpag, migration_100_entries_vpid_mode, .fini = teardown_all)
{
	cr_assert_eq(migrate_many(FPAG_DEST_VPID), 1);
}

Test(fpag, migration_100_entries_ppid_mode, .fini = teardown_all)
{
	cr_assert_eq(migrate_many(FPAG_DEST_PPID), 100);
}

Test(fpag, migration_bad_arguments, .fini = teardown_all)
{
	struct pnic_error err;

	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	cr_assert_eq(fpag_migrate(fp, 7, 2, NULL, &err), -ENOENT);
	cr_assert_eq(fpag_migrate(fp, 1, PORTS, NULL, &err), -ERANGE);
	cr_assert_eq(fpag_stats(fp)->migrations, 0);
}
/* ---- VNICs -------------------------------------------------------------------- */

/* As many VPIDs as the three VNICs: a fourth VNIC can only get a
 * removed one's. */
static void tune_vnics(struct nic_params *np, struct fpag_params *fpp)
{
	(void)np;
	fpp->max_vnics = 4;
	fpp->n_vpids = 3;
}

Test(fpag_vnics, reused_vpid_never_gets_the_old_flows, .fini = teardown_all)
{
	const struct fpag_stats *st;
	struct pnic_error err;
	uint32_t v1, idx, id;

	tune = tune_vnics;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	for (uint16_t i = 0; i < 3; i++)
		send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	send(1, 0, UDP, 1000, 5001, 0);
	cr_assert_eq(st->entries_live, 4);
	v1 = fpag_endpoint_vpid(fp, 1);
	cr_assert_eq(fpag_vnic_add(fp, &vnics[3], &idx, &err), -ENOSPC,
		     "no VPID is free while VNIC 1 holds its own");
	cr_assert_eq(fpag_vnic_remove(fp, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(st->vnic_entries_removed, 4, "to it and from it");
	cr_assert_eq(st->entries_live, 0);
	cr_assert(!fpag_vnic_present(fp, 1));
	cr_assert_eq(fpag_vnic_remove(fp, 1, &err), -ENOENT);
	cr_assert_eq(fpag_vnic_add(fp, &vnics[3], &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(idx, 3);
	cr_assert_eq(fpag_endpoint_vpid(fp, 3), v1, "VNIC 1's VPID, reused");
	cr_assert_eq(ruleset_l3_add(rs, ruleset_ip_v4(vnics[3].ipv4), 128, 3, &id,
				    NULL, NULL, NULL, &err), 0, "%s", err.msg);
	memset(egress, 0, sizeof egress);
	for (int r = 0; r < 2; r++)
		for (uint16_t i = 0; i < 3; i++)
			send(0, 1, UDP, (uint16_t)(1000 + i), 5001, 0);
	cr_assert_eq(egress[3], 0, "the new owner's port got none of the old flows");
	cr_assert_eq(egress[1], 0);
	cr_assert_eq(st->no_dest, 6, "decided to a removed VNIC: dropped, no entry");
	send(1, 0, UDP, 1000, 5001, 0);
	cr_assert_eq(st->unknown_source, 1, "the removed VNIC sends no more");
	send(0, 3, UDP, 1000, 5001, 0);
	send(0, 3, UDP, 1000, 5001, 0);
	cr_assert_eq(egress[3], 2, "the new VNIC is reachable");
	cr_assert_eq(fpag_vnic_add(fp, &vnics[3], &idx, &err), -ENOSPC, "four slots used");
}

/* VNIC 2 is declared but arrives later (a vm_add event): its slot, and
 * so the endpoint its route names, is 2 from the start. */
static struct fpag_vnic later_vnics[3];

static void tune_later(struct nic_params *np, struct fpag_params *fpp)
{
	(void)np;
	memcpy(later_vnics, vnics, sizeof later_vnics);
	later_vnics[2].later = true;
	fpp->vnics = later_vnics;
}

Test(fpag_vnics, declared_vnic_starts_later, .fini = teardown_all)
{
	const struct fpag_stats *st;
	struct pnic_error err;

	tune = tune_later;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	cr_assert(!fpag_vnic_present(fp, 2));
	cr_assert_eq(fpag_endpoint_vpid(fp, 2), FPAG_NONE, "no VPID before it starts");
	send(0, 2, UDP, 1000, 5001, 0);
	cr_assert_eq(st->no_dest, 1, "decided to a VNIC not up yet: dropped, no entry");
	cr_assert_eq(egress[1], 0);
	send(2, 0, UDP, 1000, 5001, 0);
	cr_assert_eq(st->unknown_source, 1, "it sends nothing the FPAG takes");
	cr_assert_eq(fpag_vnic_start(fp, 2, &err), 0, "%s", err.msg);
	cr_assert(fpag_vnic_present(fp, 2));
	cr_assert_neq(fpag_endpoint_vpid(fp, 2), FPAG_NONE);
	cr_assert_eq(st->vnic_adds, 1);
	send(0, 2, UDP, 1000, 5001, 0);
	send(0, 2, UDP, 1000, 5001, 0);
	cr_assert_eq(egress[1], 2, "reachable, the second packet on the fast path");
	cr_assert_eq(dps()->hits, 1);
	cr_assert_eq(fpag_vnic_start(fp, 2, &err), -EEXIST);
	cr_assert_eq(fpag_vnic_start(fp, 3, &err), -ENOENT);
	/* removed, it may come back (a VM stopped and started again) */
	cr_assert_eq(fpag_vnic_remove(fp, 2, &err), 0, "%s", err.msg);
	cr_assert_eq(fpag_vnic_start(fp, 2, &err), 0, "%s", err.msg);
	send(0, 2, UDP, 1001, 5001, 0);
	cr_assert_eq(egress[1], 3);
}

/* A removed VNIC's connections go with it. */
Test(fpag_vnics, remove_ends_connections, .fini = teardown_all)
{
	struct pnic_error err;

	setup(FPAG_DEST_VPID, FPAG_SHAPE_MEGAFLOW);
	send(0, 1, TCP, 40000, 80, SYN);
	send(1, 0, TCP, 80, 40000, SYN | ACK);
	send(0, 2, UDP, 1000, 5001, 0);
	cr_assert_eq(fpag_stats(fp)->entries_live, 3);
	cr_assert_eq(fpag_vnic_remove(fp, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(fpag_stats(fp)->vnic_conns_removed, 1);
	cr_assert_eq(fpag_stats(fp)->entries_live, 1, "VNIC 2's flow stays");
	cr_assert_eq(fpag_migrate(fp, 1, 2, NULL, &err), -ENOENT);
}
