/* VPID->PPID map RAM.
 *
 * Flow entries name virtual port ids (VPIDs, assigned by the host's FPAG);
 * this RAM translates a VPID to the physical port id (PPID) on every
 * lookup, so moving a VNIC is one map write.  A VPID is either mapped to a
 * PPID or unmapped.  The map is a RAM and nothing else: what an unmapped
 * VPID does to a packet (the vpid_unmapped_policy below) and how often it
 * happens are the datapath's to apply and count (datapath.h), since only
 * the datapath knows whether a read was for a forward, a mirror or
 * neither.
 *
 * Function only: the lookup (lookup.h) reads it, and the lookup core
 * decides when reads and writes happen.
 */
#ifndef PNIC_VPID_MAP_H
#define PNIC_VPID_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"

#define VPID_MAP_MAX_VPIDS 65536
#define VPID_MAP_MAX_PPIDS 65535
#define VPID_UNMAPPED 0xffffu   /* never a valid PPID */

/* What the datapath does with a packet forwarded to an unmapped VPID. */
enum vpid_unmapped_policy {
	VPID_UNMAPPED_DROP,
	VPID_UNMAPPED_TO_HOST,
};

struct vpid_map;

struct vpid_map_params {
	uint32_t n_vpids;   /* 1..VPID_MAP_MAX_VPIDS; VPIDs are 0..n_vpids-1 */
	uint32_t n_ppids;   /* 1..VPID_MAP_MAX_PPIDS; PPIDs are 0..n_ppids-1 */
};

int vpid_map_create(const struct vpid_map_params *p, struct vpid_map **out,
		    struct pnic_error *err);
void vpid_map_destroy(struct vpid_map *m);

int vpid_map_set(struct vpid_map *m, uint32_t vpid, uint32_t ppid,
		 struct pnic_error *err);
int vpid_map_clear(struct vpid_map *m, uint32_t vpid, struct pnic_error *err);
/* The PPID, or VPID_UNMAPPED (also for a VPID out of range). */
uint32_t vpid_map_read(const struct vpid_map *m, uint32_t vpid);

uint64_t vpid_map_writes(const struct vpid_map *m);
uint32_t vpid_map_n_vpids(const struct vpid_map *m);
uint32_t vpid_map_n_ppids(const struct vpid_map *m);

#endif
