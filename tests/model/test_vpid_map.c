#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/vpid_map.h"

static struct vpid_map *make_map(uint32_t nv, uint32_t np)
{
	struct vpid_map_params p = { .n_vpids = nv, .n_ppids = np };
	struct vpid_map *m;
	struct pnic_error err;

	cr_assert_eq(vpid_map_create(&p, &m, &err), 0, "%s", err.msg);
	return m;
}

Test(vpid_map, create_refuses_bad_sizes)
{
	struct vpid_map_params p = { .n_vpids = 0, .n_ppids = 4 };
	struct vpid_map *m = (struct vpid_map *)1;
	struct pnic_error err;

	cr_assert_eq(vpid_map_create(&p, &m, &err), -EINVAL);
	cr_assert_null(m);
	cr_assert(strstr(err.msg, "size 0"), "%s", err.msg);
	p = (struct vpid_map_params){ .n_vpids = VPID_MAP_MAX_VPIDS + 1, .n_ppids = 4 };
	cr_assert_eq(vpid_map_create(&p, &m, &err), -EINVAL);
	p = (struct vpid_map_params){ .n_vpids = 4, .n_ppids = 0 };
	cr_assert_eq(vpid_map_create(&p, &m, &err), -EINVAL);
	p = (struct vpid_map_params){ .n_vpids = 4, .n_ppids = 65536 };
	cr_assert_eq(vpid_map_create(&p, &m, &err), -EINVAL);
	cr_assert(strstr(err.msg, "65536 PPIDs"), "%s", err.msg);
	vpid_map_destroy(NULL);
}

Test(vpid_map, starts_unmapped)
{
	struct vpid_map *m = make_map(256, 8);

	cr_assert_eq(vpid_map_n_vpids(m), 256);
	cr_assert_eq(vpid_map_n_ppids(m), 8);
	for (uint32_t v = 0; v < 256; v++)
		cr_assert_eq(vpid_map_read(m, v), VPID_UNMAPPED);
	cr_assert_eq(vpid_map_writes(m), 0);
	vpid_map_destroy(m);
}

Test(vpid_map, mapped_unmapped_and_writes)
{
	struct vpid_map *m = make_map(16, 4);
	struct pnic_error err;

	cr_assert_eq(vpid_map_set(m, 3, 2, &err), 0, "%s", err.msg);
	cr_assert_eq(vpid_map_set(m, 15, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(vpid_map_read(m, 3), 2);
	cr_assert_eq(vpid_map_read(m, 15), 0);
	cr_assert_eq(vpid_map_read(m, 4), VPID_UNMAPPED);
	/* out of range: unmapped */
	cr_assert_eq(vpid_map_read(m, 16), VPID_UNMAPPED);
	cr_assert_eq(vpid_map_read(m, 0xffff), VPID_UNMAPPED);
	cr_assert_eq(vpid_map_read(m, 0xffffffffu), VPID_UNMAPPED);
	/* a move is one write */
	cr_assert_eq(vpid_map_writes(m), 2);
	cr_assert_eq(vpid_map_set(m, 3, 1, &err), 0);
	cr_assert_eq(vpid_map_writes(m), 3);
	cr_assert_eq(vpid_map_read(m, 3), 1);
	cr_assert_eq(vpid_map_clear(m, 3, &err), 0);
	cr_assert_eq(vpid_map_writes(m), 4);
	cr_assert_eq(vpid_map_read(m, 3), VPID_UNMAPPED);
	cr_assert_eq(vpid_map_clear(m, 3, &err), 0);
	cr_assert_eq(vpid_map_writes(m), 5, "MAP_CLEAR of an unmapped VPID is a write");
	vpid_map_destroy(m);
}

Test(vpid_map, refused_writes)
{
	struct vpid_map *m = make_map(16, 4);
	struct pnic_error err;

	cr_assert_eq(vpid_map_set(m, 16, 0, &err), -ERANGE);
	cr_assert(strstr(err.msg, "VPID 16"), "%s", err.msg);
	cr_assert_eq(vpid_map_set(m, 2, 4, &err), -ERANGE);
	cr_assert(strstr(err.msg, "PPID 4"), "%s", err.msg);
	cr_assert_eq(vpid_map_set(m, 2, VPID_UNMAPPED, NULL), -ERANGE);
	cr_assert_eq(vpid_map_clear(m, 99, &err), -ERANGE);
	cr_assert_eq(vpid_map_writes(m), 0, "refused writes are not writes");
	cr_assert_eq(vpid_map_read(m, 2), VPID_UNMAPPED);
	vpid_map_destroy(m);
}

Test(vpid_map, full_size)
{
	struct vpid_map *m = make_map(VPID_MAP_MAX_VPIDS, VPID_MAP_MAX_PPIDS);

	cr_assert_eq(vpid_map_set(m, 65535, 65534, NULL), 0);
	cr_assert_eq(vpid_map_read(m, 65535), 65534);
	cr_assert_eq(vpid_map_read(m, 65536), VPID_UNMAPPED);
	vpid_map_destroy(m);
}
