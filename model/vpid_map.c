#include "model/vpid_map.h"

#include <errno.h>
#include <stdlib.h>

/* One uint16_t per VPID holding the PPID or VPID_UNMAPPED: the "mapped" bit
 * of the RTL's map RAM is folded into the reserved value 0xffff, which
 * VPID_MAP_MAX_PPIDS keeps out of the PPID range. */
struct vpid_map {
	uint32_t n_vpids;
	uint32_t n_ppids;
	uint64_t writes;
	uint16_t *ppid;
};

_Static_assert(VPID_MAP_MAX_PPIDS <= VPID_UNMAPPED,
	       "VPID_UNMAPPED must never be a valid PPID");

int vpid_map_create(const struct vpid_map_params *p, struct vpid_map **out,
		    struct pnic_error *err)
{
	struct vpid_map *m;

	*out = NULL;
	if (p->n_vpids == 0 || p->n_vpids > VPID_MAP_MAX_VPIDS)
		return pnic_err(err, EINVAL,
				"VPID map size %u is outside 1..%u VPIDs",
				p->n_vpids, VPID_MAP_MAX_VPIDS);
	if (p->n_ppids == 0 || p->n_ppids > VPID_MAP_MAX_PPIDS)
		return pnic_err(err, EINVAL,
				"VPID map: %u PPIDs is outside 1..%u",
				p->n_ppids, VPID_MAP_MAX_PPIDS);
	m = calloc(1, sizeof *m);
	if (!m)
		goto err_alloc;
	m->ppid = malloc(p->n_vpids * sizeof *m->ppid);
	if (!m->ppid)
		goto err_table;
	for (uint32_t v = 0; v < p->n_vpids; v++)
		m->ppid[v] = VPID_UNMAPPED;
	m->n_vpids = p->n_vpids;
	m->n_ppids = p->n_ppids;
	*out = m;
	return 0;

err_table:
	free(m);
err_alloc:
	return pnic_err(err, ENOMEM, "out of memory for a VPID map of %u VPIDs",
			p->n_vpids);
}

void vpid_map_destroy(struct vpid_map *m)
{
	if (!m)
		return;
	free(m->ppid);
	free(m);
}

int vpid_map_set(struct vpid_map *m, uint32_t vpid, uint32_t ppid,
		 struct pnic_error *err)
{
	if (vpid >= m->n_vpids)
		return pnic_err(err, ERANGE,
				"VPID %u is out of range (the map holds VPIDs 0..%u)",
				vpid, m->n_vpids - 1);
	if (ppid >= m->n_ppids)
		return pnic_err(err, ERANGE,
				"PPID %u for VPID %u is out of range (ports are 0..%u)",
				ppid, vpid, m->n_ppids - 1);
	m->ppid[vpid] = (uint16_t)ppid;
	m->writes++;
	return 0;
}

int vpid_map_clear(struct vpid_map *m, uint32_t vpid, struct pnic_error *err)
{
	if (vpid >= m->n_vpids)
		return pnic_err(err, ERANGE,
				"VPID %u is out of range (the map holds VPIDs 0..%u)",
				vpid, m->n_vpids - 1);
	/* Clearing an unmapped VPID is still a write to the RAM, as the RTL's
	 * MAP_CLEAR is, so it counts. */
	m->ppid[vpid] = VPID_UNMAPPED;
	m->writes++;
	return 0;
}

uint32_t vpid_map_read(const struct vpid_map *m, uint32_t vpid)
{
	return vpid < m->n_vpids ? m->ppid[vpid] : VPID_UNMAPPED;
}

uint64_t vpid_map_writes(const struct vpid_map *m)
{
	return m->writes;
}

uint32_t vpid_map_n_vpids(const struct vpid_map *m)
{
	return m->n_vpids;
}

uint32_t vpid_map_n_ppids(const struct vpid_map *m)
{
	return m->n_ppids;
}
