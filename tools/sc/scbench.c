/* scbench: time one run of the SystemC system (model/sc/system.h) on a
 * scenario and print what bench/parts/50-run.sh reports: packets per
 * wall second with per-packet accounting on (every record and every
 * egress frame handed to a callback that folds it into a checksum),
 * simulated cycles per wall second, and the SystemC kernel's share; and
 * packets per second of the run's CPU time (programming included), the
 * steadier figure on a machine shared with other work.
 *
 *   scbench SCENARIO [--host irq|poll|off] [--name NAME] [--quantum PS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/scenario.h"
#include "model/sc/system.h"

struct acct {
	uint64_t records, egress, sum;
};

static void on_record(void *ctx, const struct pipeline_record *r)
{
	struct acct *a = ctx;

	a->records++;
	a->sum += r->id ^ r->departure ^ ((uint64_t)r->path << 56);
}

static void on_egress(void *ctx, const struct pipeline_egress *e,
		      uint64_t dep_ns)
{
	struct acct *a = ctx;

	a->egress++;
	a->sum += dep_ns ^ e->len;
}

static int usage(void)
{
	fprintf(stderr, "usage: scbench SCENARIO [--host irq|poll|off] [--name NAME] [--quantum PS]\n");
	return 2;
}

static int options(int argc, char **argv, struct system_params *p,
		   const char **name)
{
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--host")) {
			const char *m = argv[++i];

			p->host.enabled = strcmp(m, "off") != 0;
			p->host.mode = strcmp(m, "poll") ? SYSTEM_HOST_IRQ
							 : SYSTEM_HOST_POLL;
		} else if (!strcmp(argv[i], "--name")) {
			*name = argv[++i];
		} else if (!strcmp(argv[i], "--quantum")) {
			p->quantum_ps = strtoull(argv[++i], NULL, 0);
		} else {
			return -1;
		}
	}
	return 0;
}

/* Process CPU time in seconds: on a machine shared with other work the
 * wall clock counts the time others had the core too. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void report(const char *name, const struct system_result *r,
		   const struct acct *a, uint64_t clock_hz, double cpu)
{
	printf("%s: %llu packets (%llu records, %llu frames out, checksum %llx), %llu cycles, sim %.6f s, wall %.3f s (traffic %.3f s), %llu epochs, kernel %.2f %%\n",
	       name, (unsigned long long)r->pipeline.arrivals,
	       (unsigned long long)a->records, (unsigned long long)a->egress,
	       (unsigned long long)a->sum, (unsigned long long)r->cycles,
	       r->sim_ps * 1e-12, r->wall_s, r->traffic_wall_s,
	       (unsigned long long)r->epochs, 100 * r->kernel_share);
	printf("BENCH %s_mpps %.3f\n", name,
	       r->pipeline.arrivals / r->traffic_wall_s / 1e6);
	printf("BENCH %s_mcycles_per_s %.1f\n", name,
	       (r->cycles - r->setup_ps * 1e-12 * clock_hz) / r->traffic_wall_s / 1e6);
	printf("BENCH %s_kernel_share_pct %.2f\n", name, 100 * r->kernel_share);
	/* The whole run's CPU time, setup (the programming) included. */
	printf("BENCH %s_cpu_mpps %.3f\n", name, r->pipeline.arrivals / cpu / 1e6);
}

int main(int argc, char **argv)
{
	struct scenario *sc;
	struct system_params p;
	static struct system_result r;
	struct pnic_error err = { 0 };
	struct acct a = { 0 };
	const char *name = "run";
	double cpu;
	int rc;

	if (argc < 2)
		return usage();
	if (scenario_load(argv[1], &sc, &err) < 0) {
		fprintf(stderr, "scbench: %s\n", err.msg);
		return 1;
	}
	system_params_default(&p);
	p.scenario = sc;
	p.record = on_record;
	p.egress = on_egress;
	p.ctx = &a;
	if (options(argc, argv, &p, &name) < 0)
		return usage();
	cpu = cpu_s();
	rc = system_run(&p, &r, &err);
	cpu = cpu_s() - cpu;
	if (rc < 0) {
		fprintf(stderr, "scbench: %s\n", err.msg);
		return 1;
	}
	report(name, &r, &a, p.clock_hz, cpu);
	scenario_destroy(sc);
	return 0;
}
