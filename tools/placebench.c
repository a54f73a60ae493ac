/* placebench: TCAM placement cost, moves and writes per insert, for the
 * placement strategies of host/tcam_place.h on random and adversarial
 * insert sequences (docs/fpag_tables.md has the figures and what they
 * mean).
 *
 *   placebench [--depth N] [--levels L] [--inserts N] [--seed S]
 *
 * Workloads: "random" inserts entries at uniformly random priority
 * levels into an empty table; "skewed" does the same with most entries
 * in the highest levels (level L * u^3); "descending" cycles the levels from the
 * lowest priority to the highest, so that every insert lands above
 * entries of every level it has not reached yet (the worst case of a
 * table packed from the top); "churn" fills the table with random
 * inserts, then times as many rounds of one random delete and one
 * random insert (a steady state with holes).  Strategies: the naive
 * shift with the free space at the bottom, and PLO with the free space
 * at the bottom, in the middle and between levels.
 *
 * Commands go to a sink that takes them and does nothing (the counts are
 * the figures, not the NIC).  Prints a line per case (moves per insert,
 * the worst insert, commands per insert, CPU time) and, for bench/run.sh,
 *   BENCH place_<workload>_<strategy>_writes <commands per insert>
 * (ENTRY_WRITE and ENTRY_INVALIDATE: 1 + 2 x moves, always > 0; deletes'
 * own invalidates not counted).
 * The placement's order is checked after every run: a wrong table stops
 * the program with exit status 1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/tcam_place.h"
#include "io/cli.h"
#include "io/num.h"
#include "model/tcam.h"
#include "tools/splitmix.h"

#define PROG "placebench"

struct opts {
	uint64_t depth, levels, inserts, seed;
};

struct strategy {
	const char *name;
	enum tcam_place_algo algo;
	enum tcam_place_layout layout;
};

static const struct strategy strategies[] = {
	{ "naive_top", TP_ALGO_NAIVE, TP_LAYOUT_TOP },
	{ "plo_top", TP_ALGO_PLO, TP_LAYOUT_TOP },
	{ "plo_middle", TP_ALGO_PLO, TP_LAYOUT_MIDDLE },
	{ "plo_spread", TP_ALGO_PLO, TP_LAYOUT_SPREAD },
};

enum workload { WL_RANDOM, WL_SKEWED, WL_DESCENDING, WL_CHURN, WL_COUNT };

static const char *const workload_name[WL_COUNT] = {
	"random", "skewed", "descending", "churn",
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int take(void *ctx, const struct nic_cmd *c, struct nic_cmd_result *res,
		struct pnic_error *err)
{
	(void)ctx;
	(void)c;
	(void)res;
	(void)err;
	return 0;
}

struct run {
	struct flow_table *ft;
	struct tcam_place *tp;
	uint32_t *handles;           /* live handles, for random deletes */
	uint32_t n_live;
	uint64_t rng;
};

static void die(const char *what, const struct pnic_error *err)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, what, err ? err->msg : "");
	exit(1);
}

static void insert(struct run *r, uint32_t level)
{
	struct tcam_place_entry e;
	struct tcam_place_result res;
	struct pnic_error err;

	memset(&e, 0, sizeof e);
	e.value.w[0] = splitmix64(&r->rng);
	e.mask.w[0] = ~0ull;
	e.level = level;
	if (tcam_place_insert(r->tp, &e, &res, &err))
		die("insert", &err);
	r->handles[r->n_live++] = res.handle;
}

static void delete_random(struct run *r)
{
	uint32_t k = (uint32_t)(splitmix64(&r->rng) % r->n_live);
	struct pnic_error err;

	if (tcam_place_delete(r->tp, r->handles[k], &err))
		die("delete", &err);
	r->handles[k] = r->handles[--r->n_live];
}

static void open_run(struct run *r, const struct opts *o,
		     const struct strategy *s)
{
	struct flow_table_params fp = { .depth = (uint32_t)o->depth,
					.sink = { .submit = take } };
	struct tcam_place_params tp = { .n_levels = (uint32_t)o->levels,
					.algo = s->algo, .layout = s->layout };
	struct pnic_error err;

	memset(r, 0, sizeof *r);
	r->rng = o->seed;
	r->handles = calloc(o->depth, sizeof *r->handles);
	if (!r->handles || flow_table_create(&fp, &r->ft, &err))
		die("flow table", r->handles ? &err : NULL);
	tp.table = r->ft;
	if (tcam_place_create(&tp, &r->tp, &err))
		die("placement", &err);
}

static void close_run(struct run *r)
{
	tcam_place_destroy(r->tp);
	flow_table_destroy(r->ft);
	free(r->handles);
}

/* Levels never decrease with the index. */
static void check_order(const struct run *r, uint64_t depth)
{
	uint32_t prev = 0;

	for (uint32_t i = 0; i < depth; i++) {
		uint32_t l = tcam_place_level_at(r->tp, i);

		if (l == TP_NONE)
			continue;
		if (l < prev)
			die("the placed table is out of order", NULL);
		prev = l;
	}
}

/* Level L * u^3 for u uniform in [0, 1): the top levels hold most of
 * the entries (with 32 levels, level 0 about 31 %), far beyond the share
 * an even spread gives them. */
static uint32_t skewed_level(struct run *r, uint32_t levels)
{
	double u = (double)(splitmix64(&r->rng) >> 11) * 0x1p-53;

	return (uint32_t)(levels * u * u * u);
}

/* The counted phase of a workload; returns the inserts counted. */
static uint64_t drive(struct run *r, const struct opts *o, enum workload w,
		      struct tcam_place_stats *before)
{
	uint32_t levels = (uint32_t)o->levels;

	if (w == WL_CHURN) {
		for (uint64_t i = 0; i < o->inserts; i++)
			insert(r, (uint32_t)(splitmix64(&r->rng) % levels));
		*before = *tcam_place_stats(r->tp);
		for (uint64_t i = 0; i < o->inserts; i++) {
			delete_random(r);
			insert(r, (uint32_t)(splitmix64(&r->rng) % levels));
		}
		return o->inserts;
	}
	memset(before, 0, sizeof *before);
	for (uint64_t i = 0; i < o->inserts; i++)
		insert(r, w == WL_RANDOM ? (uint32_t)(splitmix64(&r->rng) % levels)
			  : w == WL_SKEWED ? skewed_level(r, levels)
			  : levels - 1 - (uint32_t)(i % levels));
	return o->inserts;
}

static void bench_case(const struct opts *o, enum workload w,
		       const struct strategy *s)
{
	struct tcam_place_stats b;
	const struct tcam_place_stats *a;
	struct run r;
	uint64_t n;
	double t0, el, moves, writes;

	open_run(&r, o, s);
	t0 = cpu_now();
	n = drive(&r, o, w, &b);
	el = cpu_now() - t0;
	a = tcam_place_stats(r.tp);
	check_order(&r, o->depth);
	moves = (double)(a->moves - b.moves) / (double)n;
	writes = (double)(a->writes - b.writes - (a->deletes - b.deletes)) /
		 (double)n;
	printf("%-10s %-10s moves/insert %8.3f (max %5lu), writes/insert %8.3f, "
	       "%7.2f us/insert\n", workload_name[w], s->name, moves,
	       (unsigned long)a->max_moves, writes, el * 1e6 / (double)n);
	printf("BENCH place_%s_%s_writes %.4f\n", workload_name[w], s->name, writes);
	close_run(&r);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: placebench [--depth N] [--levels L] [--inserts N] [--seed S]\n"
"\n"
"Moves and writes per insert of the TCAM placement strategies (naive shift,\n"
"PLO with free space at the bottom, in the middle, between levels) on random,\n"
"skewed, descending-priority and churn (delete + insert) sequences.\n"
"\n"
"  --depth N     TCAM entries, %u..%u, k = 1024 (default 16k)\n"
"  --levels L    priority levels, 1..%u (default 32)\n"
"  --inserts N   inserts per run, 1..depth (default 10000)\n"
"  --seed S      random seed, 0..2^64-1 (default 1)\n",
		(unsigned)TCAM_MIN_DEPTH, (unsigned)TCAM_MAX_DEPTH, TP_MAX_LEVELS);
}

/* Option a with value v (NULL: none was given). */
static int set_option(struct opts *o, const char *a, const char *v)
{
	static const char *const valued[] = {
		"--depth", "--levels", "--inserts", "--seed",
	};
	bool ok = false;

	for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
		ok |= !strcmp(a, valued[k]);
	if (!ok)
		return cli_usage_error(PROG, a[0] == '-' ? "unknown option '%s'"
				       : "unexpected argument '%s'", a);
	if (!v)
		return cli_usage_error(PROG, "option '%s' needs a value", a);
	if (!strcmp(a, "--depth"))
		ok = num_option(PROG, a, v, TCAM_MIN_DEPTH, TCAM_MAX_DEPTH,
				NUM_BIN, &o->depth);
	else if (!strcmp(a, "--levels"))
		ok = num_option(PROG, a, v, 1, TP_MAX_LEVELS, 0, &o->levels);
	else if (!strcmp(a, "--inserts"))
		ok = num_option(PROG, a, v, 1, TCAM_MAX_DEPTH, NUM_SI, &o->inserts);
	else
		ok = num_option(PROG, a, v, 0, UINT64_MAX, 0, &o->seed);
	return ok ? 0 : cli_try_help(PROG);
}

/* 0 to run, 1 after the help (exit 0), or 2 after a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		}
		if (i + 1 >= argc)
			return set_option(o, a, NULL);
		if ((rc = set_option(o, a, argv[++i])))
			return rc;
	}
	if (o->inserts > o->depth)
		return cli_usage_error(PROG, "--inserts %lu is more than the "
				       "depth %lu", (unsigned long)o->inserts,
				       (unsigned long)o->depth);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .depth = 16384, .levels = 32, .inserts = 10000,
			  .seed = 1 };
	int rc;

	if ((rc = parse_args(argc, argv, &o)))
		return rc == 1 ? 0 : rc;
	printf("placement: depth %lu, %lu levels, %lu inserts per run, seed %lu\n",
	       (unsigned long)o.depth, (unsigned long)o.levels,
	       (unsigned long)o.inserts, (unsigned long)o.seed);
	for (int w = 0; w < WL_COUNT; w++)
		for (size_t s = 0; s < sizeof strategies / sizeof strategies[0]; s++)
			bench_case(&o, (enum workload)w, &strategies[s]);
	return 0;
}
