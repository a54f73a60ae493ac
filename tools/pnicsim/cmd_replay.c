/* pnicsim replay: run capture files through the functional datapath.
 *
 * Reads the YAML config (tools/io/replay_config), fills the TCAM, action
 * RAM and VPID map from it, runs every input through model/datapath and
 * writes one pcap per egress PPID, one for the host, one for drops, and
 * summary.json.  Packets are read in batches into an arena so that the
 * datapath loop can be timed on its own (the figure `pnicsim replay`
 * reports as core packets/s), without the file reading in it.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model/action_ram.h"
#include "model/datapath.h"
#include "model/tcam.h"
#include "model/vpid_map.h"
#include "tools/io/pcap_in.h"
#include "tools/io/pcap_out.h"
#include "tools/io/replay_config.h"
#include "tools/pnicsim/commands.h"

#define BATCH_PKTS 65536
#define BATCH_BYTES (32u << 20)

struct input_result {
	uint64_t packets;
	int linktype;
	const char *linktype_name;
	bool refused;              /* could not be opened / link type refused */
	char error[512];           /* "" if none */
};

struct replay {
	struct replay_config *cfg;
	const char *out_dir;
	bool write_pcaps;
	struct tcam *tcam;
	struct action_ram *actions;
	struct vpid_map *vpids;
	struct datapath *dp;
	struct pcap_out **egress;   /* n_ppids, NULL for undeclared PPIDs */
	struct pcap_out *host, *drops;
	struct input_result *results;
	struct dp_pkt *pkts;        /* frames point into bytes */
	uint8_t *bytes;
	double core_s, wall_s;
	int file_errors;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: pnicsim replay CONFIG.yaml [--out DIR] [--json] [--no-pcap]\n"
"\n"
"Replay capture files through the functional pNIC datapath: parse -> key\n"
"build -> TCAM lookup -> action RAM -> VPID map -> editor -> egress, to-host\n"
"or drop.  CONFIG names the key profile, TCAM depth and miss policy, ports,\n"
"VPID map, encap templates, flow entries and input captures (docs/config.md).\n"
"The whole config is validated before anything runs; an error names the\n"
"file, line, column and field.\n"
"\n"
"options:\n"
"  --out DIR    output folder (default: the config's `output`, else\n"
"               out/<config name>); created if missing\n"
"  --json       print summary.json to stdout instead of the readable summary\n"
"  --no-pcap    do not write the pcap outputs (summary only; for benchmarks)\n"
"  -h, --help   this text\n"
"\n"
"outputs in DIR:\n"
"  egress-ppid<N>.pcap  frames sent out of PPID N (incl. mirror copies),\n"
"                       as edited\n"
"  to-host.pcap         frames sent to the host (misses, to_host actions,\n"
"                       unmapped VPIDs under the to_host policy), unedited\n"
"  drops.pcap           dropped frames (every reason), as received\n"
"  summary.json         every counter: per-port packets/bytes, hits and\n"
"                       misses, per-entry hits, drops and host sends by\n"
"                       reason, parse errors by reason, editor operations\n"
"                       and refusals, per-input packet counts and file\n"
"                       errors, and the datapath's packets/s\n"
"\n"
"Capture files may be pcap or pcapng with Ethernet, raw IPv4/IPv6, BSD\n"
"loopback or Linux cooked link types (others are refused and reported).  A\n"
"file damaged part-way is replayed up to the damage and reported.\n"
"\n"
"exit status: 0 all inputs read cleanly; 1 an input was refused or damaged\n"
"(everything readable was still replayed and counted); 2 bad usage, bad\n"
"config or an output that could not be written.\n");
}

/* ---- outputs ----------------------------------------------------------- */

static void on_output(void *ctx, const struct dp_out *o, const uint8_t *frame,
		      uint32_t caplen, uint32_t len)
{
	struct replay *r = ctx;
	struct pcap_out *w;

	switch (o->kind) {
	case DP_OUT_EGRESS:
		w = r->egress[o->ppid];
		break;
	case DP_OUT_TO_HOST:
		w = r->host;
		break;
	default:
		w = r->drops;
		break;
	}
	if (w)
		pcap_out_write(w, frame, caplen, len, o->ts_ns);
}

static int join(char *buf, size_t n, const char *dir, const char *name)
{
	int k = snprintf(buf, n, "%s/%s", dir, name);

	return k < 0 || (size_t)k >= n ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof tmp)
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_outputs(struct replay *r, struct pnic_error *err)
{
	const struct replay_config *c = r->cfg;
	char path[4096];
	int rc;

	r->egress = calloc(c->n_ppids, sizeof *r->egress);
	if (!r->egress)
		return pnic_err(err, ENOMEM, "out of memory");
	if (!r->write_pcaps)
		return 0;
	for (uint32_t i = 0; i < c->n_ports; i++) {
		char name[64];
		uint32_t ppid = c->ports[i].ppid;

		snprintf(name, sizeof name, "egress-ppid%u.pcap", ppid);
		if ((rc = join(path, sizeof path, r->out_dir, name)) ||
		    (rc = pcap_out_open(path, &r->egress[ppid], err)))
			return rc;
	}
	if ((rc = join(path, sizeof path, r->out_dir, "to-host.pcap")) ||
	    (rc = pcap_out_open(path, &r->host, err)) ||
	    (rc = join(path, sizeof path, r->out_dir, "drops.pcap")) ||
	    (rc = pcap_out_open(path, &r->drops, err)))
		return rc;
	return 0;
}

static int close_outputs(struct replay *r, struct pnic_error *err)
{
	int rc = 0, k;

	for (uint32_t i = 0; r->egress && i < r->cfg->n_ppids; i++) {
		k = pcap_out_close(r->egress[i], err);
		rc = rc ? rc : k;
	}
	free(r->egress);
	r->egress = NULL;
	k = pcap_out_close(r->host, err);
	rc = rc ? rc : k;
	k = pcap_out_close(r->drops, err);
	r->host = r->drops = NULL;
	return rc ? rc : k;
}

/* ---- the NIC ----------------------------------------------------------- */

static int build_nic(struct replay *r, struct pnic_error *err)
{
	const struct replay_config *c = r->cfg;
	struct tcam_params tp = { .depth = c->tcam_depth,
				  .key_bits = c->profile->key_bits };
	struct action_ram_params ap = { .depth = c->tcam_depth };
	struct vpid_map_params vp = { .n_vpids = c->n_vpids,
				      .n_ppids = c->n_ppids,
				      .unmapped = c->unmapped };
	struct datapath_params dpp = {
		.profile = c->profile, .miss = c->miss,
		.parse_errors = c->parse_errors, .out = on_output, .ctx = r,
	};
	int rc;

	if ((rc = tcam_create(&tp, &r->tcam, err)) ||
	    (rc = action_ram_create(&ap, &r->actions, err)) ||
	    (rc = vpid_map_create(&vp, &r->vpids, err)))
		return rc;
	for (uint32_t i = 0; i < c->n_maps; i++)
		if ((rc = vpid_map_set(r->vpids, c->maps[i].vpid,
				       c->maps[i].ppid, err)))
			return rc;
	for (uint32_t i = 0; i < c->n_templates; i++)
		if ((rc = action_ram_set_template(r->actions, c->templates[i].id,
						  &c->templates[i].t, err))) {
			char m[sizeof err->msg];

			memcpy(m, err->msg, sizeof m);
			return pnic_err(err, -rc, "%s: encap template %u: %s",
					c->file, c->templates[i].id, m);
		}
	for (uint32_t i = 0; i < c->n_flows; i++) {
		const struct rc_flow *f = &c->flows[i];
		struct action_word w;

		if ((rc = action_validate(&f->action, err)))
			return rc;
		action_pack(&f->action, &w);
		if ((rc = tcam_write(r->tcam, f->index, &f->value, &f->mask, err)) ||
		    (rc = action_ram_write(r->actions, f->index, &w, err)))
			return rc;
	}
	dpp.tcam = r->tcam;
	dpp.actions = r->actions;
	dpp.vpids = r->vpids;
	return datapath_create(&dpp, &r->dp, err);
}

static void destroy_nic(struct replay *r)
{
	datapath_destroy(r->dp);
	vpid_map_destroy(r->vpids);
	action_ram_destroy(r->actions);
	tcam_destroy(r->tcam);
}

/* ---- running the inputs ------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The datapath loop is timed in this thread's CPU time, so that other
 * processes sharing the machine do not count against it. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_batch(struct replay *r, uint32_t in_port, uint32_t n)
{
	double t0 = cpu_s();

	datapath_process_burst(r->dp, in_port, r->pkts, n);
	r->core_s += cpu_s() - t0;
}

static void run_input(struct replay *r, const struct rc_input *inp,
		      struct input_result *res)
{
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	uint32_t n = 0;
	uint64_t used = 0;
	int rc;

	if (pcap_in_open(inp->path, &in, &err)) {
		res->refused = true;
		snprintf(res->error, sizeof res->error, "%s", err.msg);
		r->file_errors++;
		return;
	}
	res->linktype = pcap_in_linktype(in);
	res->linktype_name = pcap_in_linktype_name(in);
	for (;;) {
		rc = pcap_in_next(in, &pkt, &err);
		if (rc == 1 && (n == BATCH_PKTS ||
				used + pkt.caplen > BATCH_BYTES)) {
			run_batch(r, inp->in_port, n);
			n = 0;
			used = 0;
		}
		if (rc != 1)
			break;
		if (pkt.caplen > BATCH_BYTES) {
			/* Larger than the arena: run it straight from libpcap. */
			double t0 = cpu_s();

			datapath_process(r->dp, inp->in_port, pkt.frame,
					 pkt.caplen, pkt.len, pkt.ts_ns);
			r->core_s += cpu_s() - t0;
		} else {
			r->pkts[n] = (struct dp_pkt){ r->bytes + used, pkt.caplen,
						      pkt.len, pkt.ts_ns };
			memcpy(r->bytes + used, pkt.frame, pkt.caplen);
			used += pkt.caplen;
			n++;
		}
		res->packets++;
	}
	run_batch(r, inp->in_port, n);
	if (rc < 0) {
		snprintf(res->error, sizeof res->error, "%s", err.msg);
		r->file_errors++;
	}
	pcap_in_close(in);
}

/* ---- reports ----------------------------------------------------------- */

static json_t *reasons_json(const uint64_t *v, unsigned n,
			    const char *(*name)(unsigned))
{
	json_t *o = json_object();

	for (unsigned i = 0; i < n; i++)
		json_object_set_new(o, name(i), json_integer((json_int_t)v[i]));
	return o;
}

static const char *drop_name(unsigned i) { return dp_drop_reason_name(i); }
static const char *host_name(unsigned i) { return dp_host_reason_name(i); }
/* Status 0 is "ok" for both; reports list the failures only. */
static const char *parse_name_from1(unsigned i) { return parse_status_name(i + 1); }
static const char *edit_name_from1(unsigned i) { return editor_status_name(i + 1); }
static const char *op_name(unsigned i) { return editor_op_name(i); }

static json_t *summary_json(const struct replay *r)
{
	const struct replay_config *c = r->cfg;
	const struct dp_stats *s = datapath_stats(r->dp);
	json_t *j = json_object(), *a, *o;
	uint64_t in_packets = 0;

	json_object_set_new(j, "config", json_string(c->file));
	json_object_set_new(j, "key_profile", json_string(c->profile->name));
	json_object_set_new(j, "key_bits", json_integer(c->profile->key_bits));
	json_object_set_new(j, "tcam_depth", json_integer(c->tcam_depth));
	json_object_set_new(j, "tcam_entries", json_integer(tcam_used(r->tcam)));
	json_object_set_new(j, "tcam_masks", json_integer(tcam_mask_count(r->tcam)));
	json_object_set_new(j, "miss_policy", json_string(dp_miss_policy_name(c->miss)));
	json_object_set_new(j, "parse_error_policy",
			    json_string(dp_parse_error_policy_name(c->parse_errors)));
	json_object_set_new(j, "unmapped_vpid_policy",
			    json_string(c->unmapped == VPID_UNMAPPED_TO_HOST ? "to_host" : "drop"));

	a = json_array();
	for (uint32_t i = 0; i < c->n_inputs; i++) {
		const struct input_result *res = &r->results[i];

		o = json_object();
		json_object_set_new(o, "pcap", json_string(c->inputs[i].path));
		json_object_set_new(o, "in_port", json_integer(c->inputs[i].in_port));
		json_object_set_new(o, "loops", json_integer(c->inputs[i].loops));
		json_object_set_new(o, "packets", json_integer((json_int_t)res->packets));
		json_object_set_new(o, "link_type",
				    res->linktype_name ? json_string(res->linktype_name) : json_null());
		json_object_set_new(o, "refused", json_boolean(res->refused));
		json_object_set_new(o, "error", res->error[0] ? json_string(res->error) : json_null());
		json_array_append_new(a, o);
		in_packets += res->packets;
	}
	json_object_set_new(j, "inputs", a);
	json_object_set_new(j, "file_errors", json_integer(r->file_errors));
	json_object_set_new(j, "packets_read", json_integer((json_int_t)in_packets));

	json_object_set_new(j, "packets", json_integer((json_int_t)s->packets));
	json_object_set_new(j, "bytes", json_integer((json_int_t)s->bytes));
	json_object_set_new(j, "hits", json_integer((json_int_t)s->hits));
	json_object_set_new(j, "misses", json_integer((json_int_t)s->misses));
	json_object_set_new(j, "egress", json_integer((json_int_t)s->egress));
	json_object_set_new(j, "mirrors", json_integer((json_int_t)s->mirrors));
	json_object_set_new(j, "edited", json_integer((json_int_t)s->edited));

	o = json_object();
	json_object_set_new(o, "packets", json_integer((json_int_t)s->to_host));
	json_object_set_new(o, "bytes", json_integer((json_int_t)s->to_host_bytes));
	json_object_set_new(o, "reasons", reasons_json(s->host_reason, DP_HOST_REASON_COUNT, host_name));
	json_object_set_new(j, "to_host", o);

	o = json_object();
	json_object_set_new(o, "packets", json_integer((json_int_t)s->drops));
	json_object_set_new(o, "reasons", reasons_json(s->drop_reason, DP_DROP_REASON_COUNT, drop_name));
	json_object_set_new(j, "drops", o);

	o = json_object();
	json_object_set_new(o, "packets", json_integer((json_int_t)s->parse_errors));
	json_object_set_new(o, "reasons", reasons_json(s->parse_status + 1, PARSE_STATUS_COUNT - 1, parse_name_from1));
	json_object_set_new(j, "parse_errors", o);

	o = json_object();
	json_object_set_new(o, "frames", json_integer((json_int_t)s->edit.frames));
	json_object_set_new(o, "ops", reasons_json(s->edit.ops, EDIT_OP_COUNT, op_name));
	json_object_set_new(o, "refused", reasons_json(s->edit.refused + 1, EDIT_STATUS_COUNT - 1, edit_name_from1));
	json_object_set_new(j, "editor", o);

	a = json_array();
	for (uint32_t i = 0; i < c->n_ports; i++) {
		uint32_t ppid = c->ports[i].ppid;
		struct dp_port_stats ps = datapath_port_stats(r->dp, ppid);

		o = json_object();
		json_object_set_new(o, "ppid", json_integer(ppid));
		json_object_set_new(o, "name", json_string(c->ports[i].name));
		json_object_set_new(o, "rx_packets", json_integer((json_int_t)ps.rx_packets));
		json_object_set_new(o, "rx_bytes", json_integer((json_int_t)ps.rx_bytes));
		json_object_set_new(o, "tx_packets", json_integer((json_int_t)ps.tx_packets));
		json_object_set_new(o, "tx_bytes", json_integer((json_int_t)ps.tx_bytes));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "ports", a);

	a = json_array();
	for (uint32_t i = 0; i < c->n_flows; i++) {
		const struct rc_flow *f = &c->flows[i];
		struct flow_counter fc;
		uint64_t pk, by;

		datapath_entry_stats(r->dp, f->index, &pk, &by);
		flow_counters_read(datapath_counters(r->dp), f->index, &fc);
		o = json_object();
		json_object_set_new(o, "index", json_integer(f->index));
		json_object_set_new(o, "line", json_integer(f->line));
		json_object_set_new(o, "action", json_string(action_kind_name(f->action.kind)));
		json_object_set_new(o, "hits", json_integer((json_int_t)pk));
		json_object_set_new(o, "bytes", json_integer((json_int_t)by));
		if (f->action.count) {
			json_object_set_new(o, "counter_packets", json_integer((json_int_t)fc.packets));
			json_object_set_new(o, "counter_bytes", json_integer((json_int_t)fc.bytes));
		}
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "entries", a);

	o = json_object();
	json_object_set_new(o, "n_vpids", json_integer(c->n_vpids));
	json_object_set_new(o, "mapped", json_integer(c->n_maps));
	json_object_set_new(o, "unmapped_hits", json_integer((json_int_t)vpid_map_unmapped_hits(r->vpids)));
	json_object_set_new(j, "vpid_map", o);

	/* Timing varies run to run; regressions compare everything else. */
	o = json_object();
	json_object_set_new(o, "core_seconds", json_real(r->core_s));
	json_object_set_new(o, "core_pps", json_real(r->core_s > 0 ? (double)s->packets / r->core_s : 0));
	json_object_set_new(o, "wall_seconds", json_real(r->wall_s));
	json_object_set_new(j, "performance", o);
	return j;
}

/* "forward 3 mirror 4 dec_ttl ..." for the readable summary. */
static void describe_action(const struct pnic_action *a, char *buf, size_t n)
{
	size_t k = 0;

#define ADD(...) \
	do { \
		int w_ = snprintf(buf + k, n - k, __VA_ARGS__); \
		if (w_ > 0 && (size_t)w_ < n - k) \
			k += (size_t)w_; \
	} while (0)
	if (a->kind == ACT_FORWARD)
		ADD("forward %u", a->vpid);
	else
		ADD("%s", action_kind_name(a->kind));
	if (a->mirror)
		ADD(" mirror %u", a->mirror_vpid);
	if (a->tunnel_op == TUNNEL_OP_VXLAN_DECAP)
		ADD(" vxlan_decap");
	if (a->dec_ttl)
		ADD(" dec_ttl");
	if (a->set_dscp)
		ADD(" dscp %u", a->dscp);
	if (a->vlan_op == VLAN_OP_PUSH)
		ADD(" vlan_push %u", (unsigned)(a->vlan_tci & 0xfff));
	else if (a->vlan_op == VLAN_OP_POP)
		ADD(" vlan_pop");
	else if (a->vlan_op == VLAN_OP_REWRITE)
		ADD(" vlan_rewrite %u", (unsigned)(a->vlan_tci & 0xfff));
	if (a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP)
		ADD(" vxlan_encap %u", a->encap_id);
	if (a->count)
		ADD(" count");
#undef ADD
}

static void print_summary(FILE *f, const struct replay *r)
{
	const struct replay_config *c = r->cfg;
	const struct dp_stats *s = datapath_stats(r->dp);

	fprintf(f, "replay %s: key profile %s (%u bits), TCAM %u/%u entries, miss -> %s\n",
		c->file, c->profile->name, c->profile->key_bits,
		tcam_used(r->tcam), c->tcam_depth, dp_miss_policy_name(c->miss));
	fprintf(f, "\ninputs\n");
	for (uint32_t i = 0; i < c->n_inputs; i++) {
		const struct input_result *res = &r->results[i];

		fprintf(f, "  %-40s port %-3u %8llu packets  %s%s\n",
			c->inputs[i].path, c->inputs[i].in_port,
			(unsigned long long)res->packets,
			res->linktype_name ? res->linktype_name : "-",
			res->refused ? "  REFUSED" : res->error[0] ? "  DAMAGED" : "");
		if (res->error[0])
			fprintf(f, "      %s\n", res->error);
	}
	fprintf(f, "\npackets %llu (%llu bytes): %llu hits, %llu misses (hit rate %.1f%%)\n",
		(unsigned long long)s->packets, (unsigned long long)s->bytes,
		(unsigned long long)s->hits, (unsigned long long)s->misses,
		s->packets ? 100.0 * (double)s->hits / (double)s->packets : 0.0);
	fprintf(f, "  forwarded %llu (%llu edited), mirror copies %llu, to host %llu, dropped %llu\n",
		(unsigned long long)s->egress, (unsigned long long)s->edited,
		(unsigned long long)s->mirrors, (unsigned long long)s->to_host,
		(unsigned long long)s->drops);

	fprintf(f, "\nports           %12s %12s %12s %12s\n", "rx pkts", "rx bytes",
		"tx pkts", "tx bytes");
	for (uint32_t i = 0; i < c->n_ports; i++) {
		struct dp_port_stats ps = datapath_port_stats(r->dp, c->ports[i].ppid);

		fprintf(f, "  %3u %-10s %12llu %12llu %12llu %12llu\n",
			c->ports[i].ppid, c->ports[i].name,
			(unsigned long long)ps.rx_packets, (unsigned long long)ps.rx_bytes,
			(unsigned long long)ps.tx_packets, (unsigned long long)ps.tx_bytes);
	}
	fprintf(f, "\nto host by reason:");
	for (unsigned i = 0; i < DP_HOST_REASON_COUNT; i++)
		if (s->host_reason[i])
			fprintf(f, " %s %llu", dp_host_reason_name(i),
				(unsigned long long)s->host_reason[i]);
	fprintf(f, "%s\ndrops by reason:", s->to_host ? "" : " none");
	for (unsigned i = 0; i < DP_DROP_REASON_COUNT; i++)
		if (s->drop_reason[i])
			fprintf(f, " %s %llu", dp_drop_reason_name(i),
				(unsigned long long)s->drop_reason[i]);
	fprintf(f, "%s\nparse errors by reason:", s->drops ? "" : " none");
	for (unsigned i = 1; i < PARSE_STATUS_COUNT; i++)
		if (s->parse_status[i])
			fprintf(f, " %s %llu", parse_status_name(i),
				(unsigned long long)s->parse_status[i]);
	fprintf(f, "%s\nedits:", s->parse_errors ? "" : " none");
	for (unsigned i = 0; i < EDIT_OP_COUNT; i++)
		if (s->edit.ops[i])
			fprintf(f, " %s %llu", editor_op_name(i),
				(unsigned long long)s->edit.ops[i]);
	for (unsigned i = 1; i < EDIT_STATUS_COUNT; i++)
		if (s->edit.refused[i])
			fprintf(f, " refused:%s %llu", editor_status_name(i),
				(unsigned long long)s->edit.refused[i]);
	fprintf(f, "%s\n", s->edit.frames || s->drop_reason[DP_DROP_EDIT] ? "" : " none");

	fprintf(f, "\nflow entries       %-40s %10s %10s\n", "action", "hits", "bytes");
	for (uint32_t i = 0; i < c->n_flows && i < 64; i++) {
		uint64_t pk, by;
		char desc[128];

		datapath_entry_stats(r->dp, c->flows[i].index, &pk, &by);
		describe_action(&c->flows[i].action, desc, sizeof desc);
		fprintf(f, "  [%4u] line %-4u %-40s %10llu %10llu\n",
			c->flows[i].index, c->flows[i].line, desc,
			(unsigned long long)pk, (unsigned long long)by);
	}
	fprintf(f, "  %-57s %10llu\n", "misses (no entry)",
		(unsigned long long)s->misses);
	if (c->n_flows > 64)
		fprintf(f, "  ... %u more in summary.json\n", c->n_flows - 64);
	fprintf(f, "\noutputs in %s%s\n", r->out_dir,
		r->write_pcaps ? "" : " (summary.json only: --no-pcap)");
	if (r->file_errors)
		fprintf(f, "%d input file(s) refused or damaged (see above)\n",
			r->file_errors);
}

/* ---- main -------------------------------------------------------------- */

static char *default_out(const char *cfg)
{
	const char *base = strrchr(cfg, '/');
	char *out;
	size_t n;

	base = base ? base + 1 : cfg;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".yaml"))
		n -= 5;
	else if (n > 4 && !strcmp(base + n - 4, ".yml"))
		n -= 4;
	out = malloc(n + 5);
	if (out)
		snprintf(out, n + 5, "out/%.*s", (int)n, base);
	return out;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-pcap", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay r = { .write_pcaps = true };
	const char *out_opt = NULL;
	char *out_default = NULL;
	struct pnic_error err;
	char msg[1024], path[4096];
	bool json_out = false;
	json_t *summary = NULL;
	double t0;
	int c, rc, status = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:jnh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_opt = optarg; break;
		case 'j': json_out = true; break;
		case 'n': r.write_pcaps = false; break;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "pnicsim replay: expected one CONFIG.yaml\n\n");
		usage(stderr);
		return 2;
	}
	pnic_error_clear(&err);
	if (replay_config_load(argv[optind], &r.cfg, &err)) {
		fprintf(stderr, "pnicsim replay: %s\n",
			pnic_error_str(&err, msg, sizeof msg));
		return 2;
	}
	r.out_dir = out_opt ? out_opt : r.cfg->out_dir;
	if (!r.out_dir)
		r.out_dir = out_default = default_out(argv[optind]);
	r.results = calloc(r.cfg->n_inputs, sizeof *r.results);
	r.pkts = malloc(BATCH_PKTS * sizeof *r.pkts);
	r.bytes = malloc(BATCH_BYTES);
	if (!r.out_dir || !r.results || !r.pkts || !r.bytes) {
		fprintf(stderr, "pnicsim replay: out of memory\n");
		goto free_all;
	}
	if ((rc = mkdir_p(r.out_dir))) {
		fprintf(stderr, "pnicsim replay: cannot create output folder %s: %s\n",
			r.out_dir, strerror(-rc));
		goto free_all;
	}
	if (build_nic(&r, &err) || open_outputs(&r, &err)) {
		fprintf(stderr, "pnicsim replay: %s\n",
			pnic_error_str(&err, msg, sizeof msg));
		goto close_all;
	}

	t0 = now_s();
	for (uint32_t i = 0; i < r.cfg->n_inputs; i++)
		for (uint32_t l = 0; l < r.cfg->inputs[i].loops; l++) {
			struct input_result one = { 0 };

			run_input(&r, &r.cfg->inputs[i], &one);
			r.results[i].packets += one.packets;
			r.results[i].linktype = one.linktype;
			r.results[i].linktype_name = one.linktype_name;
			r.results[i].refused = one.refused;
			if (one.error[0])
				memcpy(r.results[i].error, one.error, sizeof one.error);
			/* A damaged file is not looped again: once is reported. */
			if (one.refused || one.error[0])
				break;
		}
	r.wall_s = now_s() - t0;

	if (close_outputs(&r, &err)) {
		fprintf(stderr, "pnicsim replay: %s\n",
			pnic_error_str(&err, msg, sizeof msg));
		goto close_all;
	}
	summary = summary_json(&r);
	if (join(path, sizeof path, r.out_dir, "summary.json") ||
	    json_dump_file(summary, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "pnicsim replay: cannot write %s/summary.json\n",
			r.out_dir);
		goto close_all;
	}
	if (json_out) {
		json_dumpf(summary, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else {
		print_summary(stdout, &r);
	}
	fflush(stdout);
	{
		const struct dp_stats *s = datapath_stats(r.dp);

		fprintf(stderr, "replay: %llu packets, datapath core %.3f s (%.2f M packets/s), wall %.3f s\n",
			(unsigned long long)s->packets, r.core_s,
			r.core_s > 0 ? (double)s->packets / r.core_s / 1e6 : 0.0,
			r.wall_s);
	}
	status = r.file_errors ? 1 : 0;

close_all:
	close_outputs(&r, NULL);
	destroy_nic(&r);
free_all:
	json_decref(summary);
	free(r.bytes);
	free(r.pkts);
	free(r.results);
	free(out_default);
	replay_config_destroy(r.cfg);
	return status;
}
