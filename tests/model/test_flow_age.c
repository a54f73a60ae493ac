#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/flow_age.h"
#include "tools/splitmix.h"

#define S 1000u      /* sweep period, ns */

static struct flow_age *make(uint32_t depth, uint8_t mode)
{
	struct flow_age_config c;
	struct flow_age *a;
	struct pnic_error err;

	cr_assert_eq(flow_age_create(depth, &a, &err), 0, "%s", err.msg);
	flow_age_config_default(&c);
	c.mode = mode;
	c.timeout_ns[1] = 5000;
	c.timeout_ns[2] = 20000;
	c.timeout_ns[3] = 1500;
	c.sweep_ns = S;
	cr_assert_eq(flow_age_config_validate(&c, &err), 0, "%s", err.msg);
	flow_age_configure(a, &c);
	return a;
}

Test(flow_age, config_is_checked)
{
	struct flow_age_config c;
	struct pnic_error err;
	struct flow_age *a = (struct flow_age *)1;

	flow_age_config_default(&c);
	cr_assert_eq(flow_age_config_validate(&c, &err), 0);
	c.mode = 3;
	cr_assert_eq(flow_age_config_validate(&c, &err), -EINVAL);
	cr_assert(strstr(err.msg, "aging mode 3"), "%s", err.msg);
	c.mode = FLOW_AGE_NOTIFY;
	c.timeout_ns[0] = 1;
	cr_assert_eq(flow_age_config_validate(&c, &err), -EINVAL);
	cr_assert(strstr(err.msg, "class 0"), "%s", err.msg);
	c.timeout_ns[0] = 0;
	c.timeout_ns[2] = 0;
	cr_assert_eq(flow_age_config_validate(&c, &err), -EINVAL);
	cr_assert(strstr(err.msg, "class 2"), "%s", err.msg);
	c.timeout_ns[2] = FLOW_AGE_MAX_NS + 1;
	cr_assert_eq(flow_age_config_validate(&c, &err), -EINVAL);
	c.timeout_ns[2] = 1;
	c.sweep_ns = 0;
	cr_assert_eq(flow_age_config_validate(&c, &err), -EINVAL);
	cr_assert(strstr(err.msg, "sweep"), "%s", err.msg);
	cr_assert_eq(flow_age_create(0, &a, &err), -EINVAL);
	cr_assert_null(a);
	flow_age_destroy(NULL);
}

Test(flow_age, idle_entry_is_found_at_the_first_sweep_after_its_deadline)
{
	struct flow_age *a = make(16, FLOW_AGE_NOTIFY);
	struct flow_age_found f[4];

	flow_age_write(a, 3, 1, 2300);          /* deadline 7300: sweep 8000 */
	cr_assert_eq(flow_age_next(a), 8000);
	cr_assert_eq(flow_age_expire(a, 7999, f, 4), 0);
	cr_assert_eq(flow_age_expire(a, 8000, f, 4), 1);
	cr_assert_eq(f[0].index, 3);
	cr_assert_eq(f[0].last, 2300);
	cr_assert_eq(f[0].at, 8000);
	cr_assert_eq(f[0].gen, flow_age_gen(a, 3));
	/* reported once */
	cr_assert_eq(flow_age_expire(a, 1000000, f, 4), 0);
	cr_assert_eq(flow_age_next(a), UINT64_MAX);
	/* a hit makes it age anew (notify mode) */
	flow_age_hit(a, 3, 50000);
	cr_assert_eq(flow_age_expire(a, 60000, f, 4), 1);
	cr_assert_eq(f[0].at, 55000);
	flow_age_destroy(a);
}

/* An entry found but not reported (no room for its event) is found again
 * at the first sweep after the retry, not at the same one; a hit before
 * then moves it on as any hit does. */
Test(flow_age, a_retried_entry_is_found_at_the_next_sweep)
{
	struct flow_age *a = make(16, FLOW_AGE_DELETE);
	struct flow_age_found f[4];

	flow_age_write(a, 3, 1, 2300);          /* deadline 7300: sweep 8000 */
	flow_age_write(a, 4, 1, 2300);
	cr_assert_eq(flow_age_expire(a, 8000, f, 4), 2);
	flow_age_retry(a, 3, 8000);
	flow_age_retry(a, 4, 8000);
	flow_age_retry(a, 4, 8000);             /* armed already: nothing */
	cr_assert_eq(flow_age_expire(a, 8000, f, 4), 0, "not at the same sweep");
	cr_assert_eq(flow_age_next(a), 9000);
	flow_age_hit(a, 4, 8500);               /* 4 moves on to 13500 -> 14000 */
	cr_assert_eq(flow_age_expire(a, 9000, f, 4), 1);
	cr_assert_eq(f[0].index, 3);
	cr_assert_eq(f[0].last, 2300, "its last activity unchanged");
	cr_assert_eq(flow_age_expire(a, 13999, f, 4), 0);
	cr_assert_eq(flow_age_expire(a, 14000, f, 4), 1);
	cr_assert_eq(f[0].index, 4);
	cr_assert_eq(flow_age_stats(a)->retried, 2);
	flow_age_retry(a, 99, 0);               /* out of range: nothing */
	flow_age_destroy(a);
}

Test(flow_age, hits_move_the_deadline_and_class_zero_never_ages)
{
	struct flow_age *a = make(16, FLOW_AGE_DELETE);
	struct flow_age_found f[4];

	flow_age_write(a, 1, 1, 0);
	flow_age_write(a, 2, 0, 0);
	for (uint64_t t = 1000; t < 100000; t += 4000)
		flow_age_hit(a, 1, t);
	cr_assert_eq(flow_age_expire(a, 100000, f, 4), 0);
	cr_assert_eq(flow_age_expire(a, 102000, f, 4), 1);  /* 97000 + 5000 */
	cr_assert_eq(f[0].index, 1);
	cr_assert_eq(f[0].at, 102000);
	cr_assert_gt(flow_age_stats(a)->refreshed, 0);
	flow_age_destroy(a);
}

Test(flow_age, off_finds_nothing_until_turned_on)
{
	struct flow_age *a = make(8, FLOW_AGE_OFF);
	struct flow_age_config c = *flow_age_get_config(a);
	struct flow_age_found f[8];

	flow_age_write(a, 0, 1, 0);
	flow_age_write(a, 5, 3, 100);
	cr_assert_eq(flow_age_expire(a, 1000000, f, 8), 0);
	c.mode = FLOW_AGE_NOTIFY;
	flow_age_configure(a, &c);
	cr_assert_eq(flow_age_expire(a, 1000000, f, 8), 2);
	cr_assert_eq(f[0].index, 5);
	cr_assert_eq(f[0].at, 2000);
	cr_assert_eq(f[1].index, 0);
	cr_assert_eq(f[1].at, 5000);
	/* found by one sweep: in index order, as an engine walks the table */
	flow_age_write(a, 7, 1, 2000000);
	flow_age_write(a, 2, 1, 2000000);
	cr_assert_eq(flow_age_expire(a, 3000000, f, 1), 1);
	cr_assert_eq(f[0].index, 2);
	cr_assert_eq(flow_age_expire(a, 3000000, f, 8), 1);
	cr_assert_eq(f[0].index, 7);
	flow_age_destroy(a);
}

/* The oracle: a sweep engine that visits every entry at every sweep. */
struct ref_entry {
	uint64_t last;
	unsigned cls;
	bool reported;
	uint32_t gen;
};

static unsigned ref_sweep(struct ref_entry *r, uint32_t depth, uint64_t at,
			  const struct flow_age_config *c,
			  struct flow_age_found *out)
{
	unsigned k = 0;

	for (uint32_t i = 0; i < depth; i++)
		if (r[i].cls && !r[i].reported &&
		    r[i].last + c->timeout_ns[r[i].cls] <= at) {
			r[i].reported = true;
			out[k++] = (struct flow_age_found){ i, r[i].last, at, r[i].gen };
		}
	return k;
}

Test(flow_age, equals_a_full_sweep_every_period)
{
	enum { D = 64 };
	struct flow_age *a = make(D, FLOW_AGE_NOTIFY);
	const struct flow_age_config *c = flow_age_get_config(a);
	struct ref_entry r[D];
	struct flow_age_found got[D * 4], want[D];
	uint64_t seed = 7, now = 0, swept = 0, found = 0;

	memset(r, 0, sizeof r);
	for (int step = 0; step < 200000; step++) {
		uint32_t i = splitmix64(&seed) % D;
		unsigned n, m = 0;

		now += splitmix64(&seed) % 700;
		/* the oracle sweeps every period up to now; the block hands
		 * out what those sweeps found, in the same order */
		n = flow_age_expire(a, now, got, D * 4);
		for (; swept + S <= now; swept += S)
			m += ref_sweep(r, D, swept + S, c, want + m);
		cr_assert_eq(n, m, "step %d: %u found, sweeps found %u", step, n, m);
		for (unsigned k = 0; k < n; k++)
			cr_assert(!memcmp(&got[k], &want[k], sizeof got[k]),
				  "step %d found %u: entry %u at %llu vs %u at %llu",
				  step, k, got[k].index, (unsigned long long)got[k].at,
				  want[k].index, (unsigned long long)want[k].at);
		found += n;
		if (splitmix64(&seed) % 8 == 0) {
			unsigned cls = splitmix64(&seed) % ACTION_AGE_CLASSES;

			flow_age_write(a, i, cls, now);
			r[i] = (struct ref_entry){ now, cls, false, r[i].gen + 1 };
		} else {
			flow_age_hit(a, i, now);
			r[i].last = now;
			r[i].reported = false;
		}
	}
	cr_assert_gt(found, 1000, "the test ages too little to mean much");
	flow_age_destroy(a);
}
