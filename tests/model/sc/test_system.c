/* The SystemC system (model/sc/system.cpp): each run in its own child
 * process (tests/model/sc/sc_rig.h). */
#include <criterion/criterion.h>

#include "tests/model/sc/sc_rig.h"

#define DEMO "scenarios/demo.yaml"

static void show(const struct sc_out *o)
{
	const struct system_result *r = &o->res;

	cr_log_info("rc %d %s: arrivals %llu departed %llu to_host %llu misses_out %llu "
		    "events %llu trips %llu installs %llu packet_outs %llu sim %llu ps "
		    "epochs %llu wall %.3f s kernel %.1f %%",
		    o->rc, o->msg, (unsigned long long)r->pipeline.arrivals,
		    (unsigned long long)r->pipeline.departed,
		    (unsigned long long)r->pipeline.to_host,
		    (unsigned long long)r->misses_out,
		    (unsigned long long)r->dev.events[MBOX_EV_MISS],
		    (unsigned long long)r->miss_trips,
		    (unsigned long long)r->prog.installed,
		    (unsigned long long)r->prog.packet_outs,
		    (unsigned long long)r->sim_ps, (unsigned long long)r->epochs,
		    r->wall_s, 100 * r->kernel_share);
}

Test(system, demo_conserves_and_closes_the_miss_loop)
{
	struct sc_out o;

	sc_run(DEMO, NULL, NULL, &o);
	show(&o);
	cr_assert_eq(o.rc, 0, "%s", o.msg);
	cr_assert_eq(o.res.pipeline.arrivals, 400);
	cr_assert_gt(o.res.misses_out, 0);
	cr_assert_eq(o.res.misses_out, o.res.dev.events[MBOX_EV_MISS]);
	cr_assert_eq(o.res.prog.misses + o.res.prog.to_host, o.res.misses_out);
	cr_assert_gt(o.res.prog.misses, 0);
	cr_assert_eq(o.res.prog.installed, o.res.prog.misses);
	cr_assert_eq(o.res.pipeline.packet_outs, o.res.prog.packet_outs);
	cr_assert_eq(o.res.miss_trips, o.res.prog.misses);
}
