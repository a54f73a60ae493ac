/* fpagbench: rule-update revision time of the FPAG (host/fpag) over a
 * ClassBench-shaped rule set with many offloaded entries, against
 * re-checking every entry (the way Open vSwitch's revalidators do).
 *
 *   fpagbench --rules FILE [--flows N] [--updates N] [--baseline N]
 *             [--deny PCT] [--seed S] [--name PREFIX]
 *
 * The rules (a ClassBench file, e.g. `cbgen rules 10000`) become the
 * firewall in file order, PCT% of them deny (drawn per rule), the rest
 * allow; allowed packets go up the uplink (the default route).  V VNICs
 * (VMs) sit on one PPID, each with an address drawn under the source
 * prefix of a random rule, its rule.  N flows leave them, each from a
 * random VNIC (its address: an exact entry pins the VNIC's source) with
 * the rest of the header drawn inside the VNIC's rule (random bits
 * under its destination prefix, ports uniform in its ranges), so that
 * the rule or one above it decides the flow, and miss: the FPAG
 * decides and offloads each as an exact entry into a NIC in process
 * (model/nic, its commands through nic_sink, as tests/host/test_fpag.c
 * does).  Then the updates, each drawn at random: add a rule (another
 * of the file's, a random verdict) at a random position, remove a
 * random rule, or change one (another of the file's rules and verdict).
 * Each is timed on the wall clock from the call to its return, the
 * NIC's commands applied; the rule set's checks and the entries
 * rewritten, invalidated and left alone are counted.
 *
 * The baseline: after the updates, every flow's header classified again
 * against the whole rule set and its decision compared with the one
 * before (what a revalidator does for each flow on any change), timed
 * --baseline times.
 *
 * Then the check: every flow's frame goes through the NIC; a hit must
 * do what the slow path decides now (forward to the VNIC's port, or
 * drop), a miss is fine (its entry was removed to be re-derived).  A
 * wrong one stops the program with exit status 1.
 *
 * Prints the figures and, for bench/run.sh, "BENCH <PREFIX>_<figure>
 * <value>" lines (docs/fpag.md, "Speed").
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/fpag.h"
#include "io/classbench.h"
#include "io/cli.h"
#include "io/num.h"
#include "model/frame.h"
#include "model/nic.h"
#include "model/tcam.h"
#include "tools/splitmix.h"

#define PROG "fpagbench"
#define FRAME_LEN 64
#define VNIC_MAC 0x020000000000ull   /* + the VNIC's number */
#define GW_MAC 0x0200000000ffull     /* where VMs send off-host frames */
#define VNIC_PPID 0u
#define UPLINK_PPID 1u

struct opts {
	const char *rules, *name;
	uint64_t flows, updates, baseline, deny, seed, vnics;
};

enum { OP_ADD, OP_REMOVE, OP_CHANGE, OP_COUNT };
static const char *const op_name[OP_COUNT] = { "add", "remove", "change" };

struct bench {
	struct opts o;
	struct classbench_rules cb;
	struct ruleset *rs;
	struct nic *nic;
	struct fpag *fp;
	struct fpag_vnic *vnic;         /* --vnics of them, on VNIC_PPID */
	uint32_t *vnic_rule;            /* the file rule each VNIC's address is under */
	uint32_t *ids, n_ids;           /* live rule ids */
	struct ruleset_hdr *hdr;        /* per flow, as the FPAG sees it */
	struct ruleset_decision *dec;   /* per flow, for the baseline */
	uint8_t (*frame)[FRAME_LEN];
	uint64_t rng;
	/* the NIC's verdict on the last frame: 0 none (dropped), 1 out by
	 * PPID out_ppid, 2 to the host */
	int out_kind;
	uint32_t out_ppid;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: fpagbench --rules FILE [options]\n"
"\n"
"Rule-update revision time of the FPAG over a ClassBench rule set with\n"
"offloaded entries, against re-checking every entry.\n"
"\n"
"options:\n"
"  --rules FILE    ClassBench rules (cbgen rules N), the firewall in order\n"
"  --flows N       flows offloaded first, 1..131072 (default 100000)\n"
"  --vnics V       VMs the flows leave from, 1..16384 (default 1024)\n"
"  --updates N     rule adds, removes and changes timed (default 1000)\n"
"  --baseline N    full re-checks timed (default 3; 0: none)\n"
"  --deny PCT      rules that deny, 0..100 (default 25)\n"
"  --seed S        random seed (default 1)\n"
"  --name PREFIX   figure names (default fpag_rule_update)\n"
"  -h, --help      this text\n");
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, const struct pnic_error *err)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, what, err ? err->msg : "");
	exit(1);
}

static uint64_t below(struct bench *b, uint64_t n)
{
	return splitmix64(&b->rng) % n;
}

static void out_cb(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	struct bench *b = ctx;

	(void)frame;
	(void)caplen;
	(void)len;
	if (o->kind == DP_OUT_EGRESS) {
		b->out_kind = 1;
		b->out_ppid = o->ppid;
	} else if (o->kind == DP_OUT_TO_HOST) {
		b->out_kind = 2;
	}
}

/* A file rule as the firewall's, with a drawn verdict. */
static void file_rule(struct bench *b, uint32_t i, struct ruleset_rule *r)
{
	bool deny = below(b, 100) < b->o.deny;

	ruleset_rule_from_acl(&b->cb.rules[i], deny ? RULESET_DENY : RULESET_ALLOW, r);
}

static void make_rules(struct bench *b)
{
	struct ruleset_params rp = {
		.fw_default_allow = true, .fwd_default_forward = true,
		/* the uplink: the endpoint after the VNICs */
		.default_dest = (uint32_t)b->o.vnics, .max_entries = (uint32_t)b->o.flows,
	};
	struct pnic_error err;
	struct ruleset_rule r;

	if (ruleset_create(&rp, &b->rs, &err))
		die("rule set", &err);
	b->ids = malloc((b->cb.n + b->o.updates) * sizeof *b->ids);
	if (!b->ids)
		die("out of memory", NULL);
	for (uint32_t i = 0; i < b->cb.n; i++) {
		file_rule(b, i, &r);
		if (ruleset_rule_add(b->rs, RULESET_END, &r, &b->ids[b->n_ids++], NULL,
				     NULL, NULL, &err))
			die("rule", &err);
	}
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = TCAM_MIN_DEPTH;

	while (p < n)
		p *= 2;
	return p;
}

static uint32_t in_prefix(struct bench *b, uint32_t ip, uint8_t len);

static void make_fpag(struct bench *b)
{
	static const struct fpag_uplink up = { .id = 1, .ppid = UPLINK_PPID };
	/* Room to spare: with thousands of priority levels a fuller table
	 * costs placement moves on every insert (docs/fpag_tables.md). */
	uint32_t depth = pow2_at_least(2 * b->o.flows);
	struct nic_params np = {
		.profile = key_profile_default(), .depth = depth, .n_ports = 2,
		.n_vpids = (uint32_t)b->o.vnics + 1, .out = out_cb, .ctx = b,
	};
	struct fpag_params fpp = {
		.profile = key_profile_default(), .depth = depth, .n_ports = 2,
		.n_vnics = (uint32_t)b->o.vnics, .uplinks = &up, .n_uplinks = 1,
		.rules = b->rs, .flow_dest = FPAG_DEST_VPID, .shape = FPAG_SHAPE_EXACT,
		.full = TP_FULL_REFUSE,
		.max_rules = (uint32_t)(b->cb.n + b->o.updates),
	};
	struct pnic_error err;

	b->vnic = calloc(b->o.vnics, sizeof *b->vnic);
	b->vnic_rule = calloc(b->o.vnics, sizeof *b->vnic_rule);
	if (!b->vnic || !b->vnic_rule)
		die("out of memory", NULL);
	for (uint32_t j = 0; j < b->o.vnics; j++) {
		const struct acl_rule *r = &b->cb.rules[b->vnic_rule[j] = (uint32_t)below(b, b->cb.n)];

		b->vnic[j] = (struct fpag_vnic){
			.id = j, .mac = VNIC_MAC + j, .has_ipv4 = true,
			.ipv4 = in_prefix(b, r->src_ip, r->src_len), .ppid = VNIC_PPID,
		};
	}
	fpp.vnics = b->vnic;
	if (nic_create(&np, &b->nic, &err))
		die("NIC", &err);
	fpp.sink = nic_sink(b->nic);
	fpag_costs_default(&fpp.costs);
	if (fpag_create(&fpp, &b->fp, &err))
		die("FPAG", &err);
}

/* A value inside [lo, hi]. */
static uint16_t in_range(struct bench *b, uint16_t lo, uint16_t hi)
{
	return (uint16_t)(lo + below(b, (uint64_t)hi - lo + 1));
}

/* An address under the prefix, the bits past it random. */
static uint32_t in_prefix(struct bench *b, uint32_t ip, uint8_t len)
{
	uint32_t host = len >= 32 ? 0 : (uint32_t)splitmix64(&b->rng) >> len;

	return (len ? ip & ~(uint32_t)0 << (32 - len) : 0) | host;
}

/* A header from VNIC j inside file rule i but for the source; no ports
 * but for TCP and UDP (the parser reads ICMP's type and code as ports:
 * both 0 here). */
static void draw_header(struct bench *b, uint32_t j, uint32_t i,
			struct acl_header *h)
{
	const struct acl_rule *r = &b->cb.rules[i];
	static const uint8_t any[] = { 6, 6, 17, 1 };

	memset(h, 0, sizeof *h);
	h->src_ip = b->vnic[j].ipv4;
	h->dst_ip = in_prefix(b, r->dst_ip, r->dst_len);
	h->proto = r->proto_mask ? r->proto : any[below(b, 4)];
	if (h->proto == 6 || h->proto == 17) {
		h->sport = in_range(b, r->sport_lo, r->sport_hi);
		h->dport = in_range(b, r->dport_lo, r->dport_hi);
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_mac(uint8_t *p, uint64_t mac)
{
	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(mac >> (40 - 8 * i));
}

/* The header as an Ethernet frame from VNIC j, 64 bytes. */
static void make_frame(const struct acl_header *h, uint32_t j, uint8_t *buf)
{
	struct frame_ipv4 ip = { .ttl = 64, .proto = h->proto };
	struct frame_buf f;
	uint8_t dm[6], sm[6];
	uint32_t l3, l4 = 0;

	put_mac(dm, GW_MAC);
	put_mac(sm, VNIC_MAC + j);
	put32(ip.src, h->src_ip);
	put32(ip.dst, h->dst_ip);
	frame_init(&f, buf, FRAME_LEN);
	frame_eth(&f, dm, sm, 0x0800);
	l3 = frame_ipv4(&f, &ip);
	if (h->proto == 6)
		l4 = frame_tcp(&f, &(struct frame_tcp){ .sport = h->sport, .dport = h->dport,
						       .flags = 0x10, .window = 8192 });
	else if (h->proto == 17)
		l4 = frame_udp(&f, h->sport, h->dport);
	frame_fill(&f, 0, FRAME_LEN - f.n);
	if (h->proto == 17)
		frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
	if (h->proto == 6 || h->proto == 17)
		frame_l4_csum(&f, l3, l4);
}

/* Every flow misses once and is offloaded; returns the wall seconds. */
static double populate(struct bench *b)
{
	uint64_t n = b->o.flows;
	struct pnic_error err;
	double t0;

	b->hdr = calloc(n, sizeof *b->hdr);
	b->dec = calloc(n, sizeof *b->dec);
	b->frame = calloc(n, sizeof *b->frame);
	if (!b->hdr || !b->dec || !b->frame)
		die("out of memory", NULL);
	for (uint64_t i = 0; i < n; i++) {
		struct acl_header h;
		uint32_t j = (uint32_t)below(b, b->o.vnics);

		draw_header(b, j, b->vnic_rule[j], &h);
		make_frame(&h, j, b->frame[i]);
		ruleset_hdr_from_acl(&h, &b->hdr[i]);
		b->hdr[i].vnic = j;
		b->hdr[i].dst_mac = GW_MAC;
	}
	t0 = wall_now();
	for (uint64_t i = 0; i < n; i++)
		if (fpag_miss(b->fp, VNIC_PPID, b->frame[i], FRAME_LEN, FRAME_LEN,
			      1000 * (i + 1), &err))
			die("miss", &err);
	return wall_now() - t0;
}

/* One random update; its wall seconds. */
static double update(struct bench *b, int op)
{
	struct ruleset_rule r;
	struct pnic_error err;
	uint32_t k = (uint32_t)below(b, b->n_ids), id;
	double t0;
	int rc;

	file_rule(b, (uint32_t)below(b, b->cb.n), &r);
	t0 = wall_now();
	if (op == OP_ADD)
		rc = fpag_rule_add(b->fp, (uint32_t)below(b, b->n_ids + 1), &r, &id, &err);
	else if (op == OP_REMOVE)
		rc = fpag_rule_remove(b->fp, b->ids[k], &err);
	else
		rc = fpag_rule_change(b->fp, b->ids[k], &r, &err);
	t0 = wall_now() - t0;
	if (rc)
		die(op_name[op], &err);
	if (op == OP_ADD)
		b->ids[b->n_ids++] = id;
	else if (op == OP_REMOVE)
		b->ids[k] = b->ids[--b->n_ids];
	return t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank of sorted v[0..n-1]. */
static double pct(const double *v, uint64_t n, double p)
{
	uint64_t k = (uint64_t)(p / 100 * n + 0.999999);

	return v[k ? k - 1 : 0];
}

/* Every flow classified again and compared: the revalidator's pass.
 * Returns the wall seconds; *changed the flows whose decision moved. */
static double revalidate_all(struct bench *b, uint64_t *changed)
{
	double t0 = wall_now();

	*changed = 0;
	for (uint64_t i = 0; i < b->o.flows; i++) {
		struct ruleset_decision d;

		ruleset_classify(b->rs, &b->hdr[i], &d, NULL);
		*changed += d.verdict != b->dec[i].verdict || d.dest != b->dec[i].dest;
		b->dec[i] = d;
	}
	return wall_now() - t0;
}

/* Every flow's frame through the NIC: a hit does what the slow path
 * decides now.  Returns the hits. */
static uint64_t check(struct bench *b)
{
	uint64_t hits = 0;

	for (uint64_t i = 0; i < b->o.flows; i++) {
		struct ruleset_decision d;
		bool ok;

		ruleset_classify(b->rs, &b->hdr[i], &d, NULL);
		b->out_kind = 0;
		nic_process(b->nic, VNIC_PPID, b->frame[i], FRAME_LEN, FRAME_LEN, 0);
		if (b->out_kind == 2)
			continue;
		hits++;
		ok = d.verdict == RULESET_ALLOW ? b->out_kind == 1 && b->out_ppid == UPLINK_PPID
			: b->out_kind == 0;
		if (!ok) {
			fprintf(stderr, "%s: flow %llu: the NIC %s, the rules %s\n", PROG,
				(unsigned long long)i, b->out_kind ? "forwarded" : "dropped",
				d.verdict == RULESET_ALLOW ? "allow" : "deny");
			exit(1);
		}
	}
	return hits;
}

struct upd_sums {
	double *t;                      /* per update, seconds */
	double sum;
	uint64_t checks, rewritten, invalidated, untouched, torn;
	uint64_t n_op[OP_COUNT];
	double t_op[OP_COUNT];
};

static void run_updates(struct bench *b, struct upd_sums *u)
{
	const struct fpag_stats *st = fpag_stats(b->fp);
	struct fpag_stats s0 = *st;

	u->t = malloc((b->o.updates ? b->o.updates : 1) * sizeof *u->t);
	if (!u->t)
		die("out of memory", NULL);
	for (uint64_t i = 0; i < b->o.updates; i++) {
		int op = (int)below(b, OP_COUNT);

		if (op == OP_REMOVE && b->n_ids < 2)
			op = OP_ADD;
		u->t[i] = update(b, op);
		u->sum += u->t[i];
		u->n_op[op]++;
		u->t_op[op] += u->t[i];
	}
	u->checks = st->rule_checks - s0.rule_checks;
	u->rewritten = st->rule_rewritten - s0.rule_rewritten;
	u->invalidated = st->rule_invalidated - s0.rule_invalidated;
	u->untouched = st->rule_untouched - s0.rule_untouched;
	u->torn = st->rule_conns_torn - s0.rule_conns_torn;
	qsort(u->t, b->o.updates, sizeof *u->t, cmp_double);
}

static void report(struct bench *b, const struct upd_sums *u, double base_s)
{
	double n = (double)(b->o.updates ? b->o.updates : 1), mean = u->sum / n;
	const char *p = b->o.name;

	for (int op = 0; op < OP_COUNT; op++)
		printf("  %-6s %6llu updates, mean %.2f us\n", op_name[op],
		       (unsigned long long)u->n_op[op],
		       u->n_op[op] ? u->t_op[op] / u->n_op[op] * 1e6 : 0);
	printf("BENCH %s_p50_us %.3f\n", p, pct(u->t, b->o.updates, 50) * 1e6);
	printf("BENCH %s_p99_us %.3f\n", p, pct(u->t, b->o.updates, 99) * 1e6);
	printf("BENCH %s_mean_us %.3f\n", p, mean * 1e6);
	printf("BENCH %s_max_us %.3f\n", p, u->t[b->o.updates - 1] * 1e6);
	printf("BENCH %s_checks_per_update %.1f\n", p, u->checks / n);
	printf("BENCH %s_rewritten_per_update %.3f\n", p, u->rewritten / n);
	printf("BENCH %s_invalidated_per_update %.3f\n", p, u->invalidated / n);
	printf("BENCH %s_untouched_per_update %.3f\n", p, u->untouched / n);
	if (base_s > 0) {
		printf("BENCH %s_recheck_all_ms %.3f\n", p, base_s * 1e3);
		printf("BENCH %s_speedup_mean %.1f\n", p, base_s / mean);
	}
}

enum { O_RULES = 256, O_FLOWS, O_VNICS, O_UPDATES, O_BASELINE, O_DENY, O_SEED, O_NAME };

static const struct option long_opts[] = {
	{ "rules", required_argument, NULL, O_RULES },
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "vnics", required_argument, NULL, O_VNICS },
	{ "updates", required_argument, NULL, O_UPDATES },
	{ "baseline", required_argument, NULL, O_BASELINE },
	{ "deny", required_argument, NULL, O_DENY },
	{ "seed", required_argument, NULL, O_SEED },
	{ "name", required_argument, NULL, O_NAME },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option's value into *o; false once the fault is reported. */
static bool set_option(int c, const char *v, struct opts *o)
{
	switch (c) {
	case O_RULES: o->rules = v; return true;
	case O_NAME: o->name = v; return true;
	case O_FLOWS:
		return num_option(PROG, "--flows", v, 1, TCAM_MAX_DEPTH / 2, NUM_SI, &o->flows);
	case O_VNICS: return num_option(PROG, "--vnics", v, 1, 16384, NUM_SI, &o->vnics);
	case O_UPDATES:
		return num_option(PROG, "--updates", v, 1, 10000000, NUM_SI, &o->updates);
	case O_BASELINE: return num_option(PROG, "--baseline", v, 0, 1000, 0, &o->baseline);
	case O_DENY: return num_option(PROG, "--deny", v, 0, 100, 0, &o->deny);
	default: return num_option(PROG, "--seed", v, 0, UINT64_MAX, 0, &o->seed);
	}
}

/* 0 to run, 1 after the help (exit 0), or 2 after a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return cli_getopt_error(PROG, c, argv);
		if (!set_option(c, optarg, o))
			return cli_try_help(PROG);
	}
	if (optind != argc)
		return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
	if (!o->rules)
		return cli_usage_error(PROG, "--rules FILE is required");
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = { .o = { .flows = 100000, .updates = 1000, .baseline = 3,
				  .vnics = 1024,
				  .deny = 25, .seed = 1, .name = "fpag_rule_update" } };
	struct upd_sums u = { 0 };
	struct pnic_error err;
	double fill_s, base_s = 0;
	uint64_t changed = 0;
	int rc;

	if ((rc = parse_args(argc, argv, &b.o)))
		return rc == 1 ? 0 : rc;
	b.rng = b.o.seed;
	if (classbench_rules_load(b.o.rules, &b.cb, &err))
		die("rules", &err);
	make_rules(&b);
	make_fpag(&b);
	fill_s = populate(&b);
	revalidate_all(&b, &changed);    /* the decisions before */
	printf("%u rules (%llu%% deny), %llu flows: %llu entries offloaded in %.3f s "
	       "(%.0f installs/s)\n", b.cb.n, (unsigned long long)b.o.deny,
	       (unsigned long long)b.o.flows,
	       (unsigned long long)fpag_stats(b.fp)->entries_live, fill_s,
	       fpag_stats(b.fp)->installs / fill_s);
	printf("BENCH %s_entries %llu\n", b.o.name,
	       (unsigned long long)fpag_stats(b.fp)->entries_live);
	run_updates(&b, &u);
	for (uint64_t i = 0; i < b.o.baseline; i++) {
		double s = revalidate_all(&b, &changed);

		base_s = i == 0 || s < base_s ? s : base_s;
	}
	printf("%llu updates: %llu entries rewritten, %llu invalidated, %llu reported "
	       "unchanged; re-checking all %llu flows: %.3f ms (best of %llu)\n",
	       (unsigned long long)b.o.updates, (unsigned long long)u.rewritten,
	       (unsigned long long)u.invalidated, (unsigned long long)u.untouched,
	       (unsigned long long)b.o.flows, base_s * 1e3,
	       (unsigned long long)b.o.baseline);
	report(&b, &u, base_s);
	printf("check: %llu of %llu flows hit an entry, each as the rules decide\n",
	       (unsigned long long)check(&b), (unsigned long long)b.o.flows);
	fpag_destroy(b.fp);
	nic_destroy(b.nic);
	ruleset_destroy(b.rs);
	classbench_rules_free(&b.cb);
	free(u.t);
	free(b.ids);
	free(b.hdr);
	free(b.dec);
	free(b.frame);
	free(b.vnic);
	free(b.vnic_rule);
	return 0;
}
