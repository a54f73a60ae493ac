/* The reports of `pnicsim replay`: summary.json (deterministic), the
 * readable summary and timing.json (the host's figures). */
#include <string.h>

#include "tools/pnicsim/replay.h"
#include "io/stop.h"

/* ---- summary.json ------------------------------------------------------ */

static json_t *reasons_json(const uint64_t *v, unsigned n,
			    const char *(*name)(unsigned))
{
	json_t *o = json_object();

	for (unsigned i = 0; i < n; i++)
		json_object_set_new(o, name(i), json_integer((json_int_t)v[i]));
	return o;
}

static const char *drop_name(unsigned i) { return datapath_drop_reason_name(i); }
static const char *host_name(unsigned i) { return datapath_host_reason_name(i); }
/* Status 0 is "ok" for both; reports list the failures only. */
static const char *parse_name_from1(unsigned i) { return parser_status_name(i + 1); }
static const char *edit_name_from1(unsigned i) { return editor_status_name(i + 1); }
static const char *op_name(unsigned i) { return editor_op_name(i); }

static void set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

static json_t *scenario_json(const struct replay *r)
{
	const struct scenario *c = r->cfg;
	json_t *j = json_object();

	json_object_set_new(j, "scenario", json_string(c->file));
	json_object_set_new(j, "key_profile", json_string(c->profile->name));
	set_int(j, "key_bits", c->profile->key_bits);
	set_int(j, "tcam_depth", c->tcam_depth);
	set_int(j, "tcam_entries", tcam_used(lookup_tcam(r->lk)));
	set_int(j, "tcam_masks", tcam_mask_count(lookup_tcam(r->lk)));
	json_object_set_new(j, "miss_policy", json_string(datapath_miss_policy_name(c->miss)));
	json_object_set_new(j, "parse_error_policy",
			    json_string(datapath_parse_error_policy_name(c->parse_errors)));
	json_object_set_new(j, "unmapped_vpid_policy",
			    json_string(datapath_unmapped_policy_name(c->unmapped)));
	json_object_set_new(j, "interrupted", json_boolean(r->signal != 0));
	json_object_set_new(j, "signal", r->signal ? json_string(stop_signal_name(r->signal)) : json_null());
	return j;
}

static json_t *inputs_json(const struct replay *r, uint64_t *read)
{
	json_t *a = json_array();

	*read = 0;
	for (uint32_t i = 0; i < r->n_inputs; i++) {
		const struct replay_input_result *res = &r->results[i];
		json_t *o = json_object();

		json_object_set_new(o, "pcap", json_string(r->inputs[i].path));
		set_int(o, "in_port", r->inputs[i].in_port);
		set_int(o, "loops", r->inputs[i].loops);
		set_int(o, "packets", res->packets);
		json_object_set_new(o, "link_type",
				    res->linktype_name ? json_string(res->linktype_name) : json_null());
		json_object_set_new(o, "refused", json_boolean(res->refused));
		json_object_set_new(o, "interrupted", json_boolean(res->interrupted));
		json_object_set_new(o, "error", res->error[0] ? json_string(res->error) : json_null());
		json_array_append_new(a, o);
		*read += res->packets;
	}
	return a;
}

static void counters_json(json_t *j, const struct datapath_stats *s)
{
	json_t *o, *r;

	set_int(j, "packets", s->packets);
	set_int(j, "bytes", s->bytes);
	set_int(j, "hits", s->hits);
	set_int(j, "misses", s->misses);
	set_int(j, "egress", s->egress);
	set_int(j, "mirrors", s->mirrors);
	set_int(j, "edited", s->edited);
	set_int(j, "flow_end_events", s->flow_end_events);
	set_int(j, "aged_events", s->aged_events);
	/* Hits on holding entries waiting at the end are reported, never
	 * lost silently (no host releases them in a replay). */
	set_int(j, "held", s->held);
	set_int(j, "held_now", s->held_now);

	o = json_object();
	set_int(o, "packets", s->to_host);
	set_int(o, "bytes", s->to_host_bytes);
	json_object_set_new(o, "reasons", reasons_json(s->host_reason, DP_HOST_REASON_COUNT, host_name));
	json_object_set_new(j, "to_host", o);

	o = json_object();
	set_int(o, "packets", s->drops);
	r = reasons_json(s->drop_reason, DP_DROP_REASON_COUNT, drop_name);
	json_object_set_new(o, "reasons", r);
	json_object_set_new(j, "drops", o);

	o = json_object();
	set_int(o, "packets", s->parse_errors);
	json_object_set_new(o, "reasons", reasons_json(s->parse_status + 1, PARSE_STATUS_COUNT - 1, parse_name_from1));
	json_object_set_new(j, "parse_errors", o);

	o = json_object();
	set_int(o, "frames", s->edit.frames);
	json_object_set_new(o, "ops", reasons_json(s->edit.ops, EDIT_OP_COUNT, op_name));
	json_object_set_new(o, "refused", reasons_json(s->edit.refused + 1, EDIT_STATUS_COUNT - 1, edit_name_from1));
	json_object_set_new(j, "editor", o);
}

static json_t *ports_json(const struct replay *r)
{
	const struct scenario *c = r->cfg;
	json_t *a = json_array();

	for (uint32_t i = 0; i < c->n_ports; i++) {
		uint32_t ppid = c->ports[i].ppid;
		struct datapath_port_stats ps = datapath_port_stats(r->dp, ppid);
		json_t *o = json_object();

		set_int(o, "ppid", ppid);
		json_object_set_new(o, "name", json_string(c->ports[i].name));
		set_int(o, "rx_packets", ps.rx_packets);
		set_int(o, "rx_bytes", ps.rx_bytes);
		set_int(o, "tx_packets", ps.tx_packets);
		set_int(o, "tx_bytes", ps.tx_bytes);
		json_array_append_new(a, o);
	}
	return a;
}

/* A VPID's PPID as a number, or null when unmapped. */
static json_t *ppid_json(const struct replay *r, uint32_t vpid)
{
	uint32_t ppid = lookup_map_read(r->lk, vpid);

	return ppid == VPID_UNMAPPED ? json_null() : json_integer(ppid);
}

static json_t *entry_json(const struct replay *r, const struct scenario_flow *f)
{
	const struct pnic_action *a = &f->action;
	json_t *o = json_object();
	struct flow_counter fc;
	uint64_t pk, by;
	char text[512];

	datapath_entry_stats(r->dp, f->index, &pk, &by);
	set_int(o, "index", f->index);
	set_int(o, "line", f->line);
	replay_describe_match(r->cfg, f, text, sizeof text);
	json_object_set_new(o, "match", json_string(text));
	json_object_set_new(o, "action", json_string(action_kind_name(a->kind)));
	replay_describe_action(r, a, text, sizeof text);
	json_object_set_new(o, "action_text", json_string(text));
	if (a->kind == ACT_FORWARD) {
		set_int(o, "vpid", a->vpid);
		json_object_set_new(o, "ppid", ppid_json(r, a->vpid));
	}
	if (a->mirror) {
		set_int(o, "mirror_vpid", a->mirror_vpid);
		json_object_set_new(o, "mirror_ppid", ppid_json(r, a->mirror_vpid));
	}
	set_int(o, "hits", pk);
	set_int(o, "bytes", by);
	if (a->count) {
		flow_counters_read(datapath_counters(r->dp), f->index, &fc);
		set_int(o, "counter_packets", fc.packets);
		set_int(o, "counter_bytes", fc.bytes);
	}
	return o;
}

static json_t *vpid_map_json(const struct replay *r)
{
	const struct scenario *c = r->cfg;
	json_t *o = json_object(), *a = json_array();

	set_int(o, "n_vpids", c->n_vpids);
	set_int(o, "mapped", c->n_maps);
	set_int(o, "unmapped_hits", datapath_stats(r->dp)->unmapped_hits);
	for (uint32_t i = 0; i < c->n_maps; i++) {
		json_t *m = json_object();

		set_int(m, "vpid", c->maps[i].vpid);
		json_object_set_new(m, "name", c->maps[i].name[0] ?
				    json_string(c->maps[i].name) : json_null());
		set_int(m, "ppid", c->maps[i].ppid);
		json_object_set_new(m, "port", json_string(scenario_port_name(c, c->maps[i].ppid)));
		json_array_append_new(a, m);
	}
	json_object_set_new(o, "map", a);
	return o;
}

json_t *replay_summary_json(const struct replay *r)
{
	json_t *j = scenario_json(r), *a;
	uint64_t read;

	json_object_set_new(j, "inputs", inputs_json(r, &read));
	json_object_set_new(j, "file_errors", json_integer(r->file_errors));
	set_int(j, "packets_read", read);
	counters_json(j, datapath_stats(r->dp));
	json_object_set_new(j, "ports", ports_json(r));
	a = json_array();
	for (uint32_t i = 0; i < r->cfg->n_flows; i++)
		json_array_append_new(a, entry_json(r, &r->cfg->flows[i]));
	json_object_set_new(j, "entries", a);
	json_object_set_new(j, "vpid_map", vpid_map_json(r));
	return j;
}

json_t *replay_timing_json(const struct replay *r)
{
	const struct datapath_stats *s = datapath_stats(r->dp);
	json_t *o = json_object();

	set_int(o, "packets", s->packets);
	json_object_set_new(o, "core_seconds", json_real(r->core_s));
	json_object_set_new(o, "core_pps", json_real(r->core_s > 0 ? (double)s->packets / r->core_s : 0));
	json_object_set_new(o, "wall_seconds", json_real(r->wall_s));
	if (r->out && r->write_pcaps) {
		set_int(o, "pcaps_open_max", outdir_max_open(r->out));
		set_int(o, "pcaps_open_budget", outdir_open_budget(r->out));
	}
	return o;
}

/* ---- the readable summary ---------------------------------------------- */

static void print_inputs(FILE *f, const struct replay *r)
{
	fprintf(f, "\ninputs\n");
	for (uint32_t i = 0; i < r->n_inputs; i++) {
		const struct replay_input_result *res = &r->results[i];
		uint32_t port = r->inputs[i].in_port;

		fprintf(f, "  %-40s port %u %-8s %8llu packets  %s%s%s\n",
			r->inputs[i].path, port,
			scenario_port_name(r->cfg, port),
			(unsigned long long)res->packets,
			res->linktype_name ? res->linktype_name : "-",
			res->refused ? "  REFUSED" : res->error[0] ? "  DAMAGED" : "",
			res->interrupted ? "  INTERRUPTED" : "");
		if (res->error[0])
			fprintf(f, "      %s\n", res->error);
	}
}

static void print_reasons(FILE *f, const struct datapath_stats *s)
{
	fprintf(f, "\nto host by reason:");
	for (unsigned i = 0; i < DP_HOST_REASON_COUNT; i++)
		if (s->host_reason[i])
			fprintf(f, " %s %llu", datapath_host_reason_name(i),
				(unsigned long long)s->host_reason[i]);
	fprintf(f, "%s\ndrops by reason:", s->to_host ? "" : " none");
	for (unsigned i = 0; i < DP_DROP_REASON_COUNT; i++)
		if (s->drop_reason[i])
			fprintf(f, " %s %llu", datapath_drop_reason_name(i),
				(unsigned long long)s->drop_reason[i]);
	fprintf(f, "%s\nparse errors by reason:", s->drops ? "" : " none");
	for (unsigned i = 1; i < PARSE_STATUS_COUNT; i++)
		if (s->parse_status[i])
			fprintf(f, " %s %llu", parser_status_name(i),
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
}

static void print_ports(FILE *f, const struct replay *r)
{
	const struct scenario *c = r->cfg;

	fprintf(f, "\nports (ppid)   %12s %12s %12s %12s\n", "rx pkts",
		"rx bytes", "tx pkts", "tx bytes");
	for (uint32_t i = 0; i < c->n_ports; i++) {
		struct datapath_port_stats ps = datapath_port_stats(r->dp, c->ports[i].ppid);

		fprintf(f, "  %3u %-10s %12llu %12llu %12llu %12llu\n",
			c->ports[i].ppid, c->ports[i].name,
			(unsigned long long)ps.rx_packets, (unsigned long long)ps.rx_bytes,
			(unsigned long long)ps.tx_packets, (unsigned long long)ps.tx_bytes);
	}
}

#define PRINT_MAX 64

static void print_vpid_map(FILE *f, const struct replay *r)
{
	const struct scenario *c = r->cfg;

	fprintf(f, "\nvpid map: %u VPIDs, %u mapped, unmapped -> %s (%llu hits)\n",
		c->n_vpids, c->n_maps,
		c->unmapped == VPID_UNMAPPED_TO_HOST ? "to host" : "drop",
		(unsigned long long)datapath_stats(r->dp)->unmapped_hits);
	for (uint32_t i = 0; i < c->n_maps && i < PRINT_MAX; i++)
		fprintf(f, "  vpid %-5u %-12s -> ppid %-3u %s\n", c->maps[i].vpid,
			c->maps[i].name, c->maps[i].ppid,
			scenario_port_name(c, c->maps[i].ppid));
	if (c->n_maps > PRINT_MAX)
		fprintf(f, "  ... %u more in summary.json\n", c->n_maps - PRINT_MAX);
}

static void print_entries(FILE *f, const struct replay *r)
{
	const struct scenario *c = r->cfg;

	fprintf(f, "\nflow entries        %10s %10s  match -> action\n", "hits", "bytes");
	for (uint32_t i = 0; i < c->n_flows && i < PRINT_MAX; i++) {
		const struct scenario_flow *e = &c->flows[i];
		char match[512], action[512];
		uint64_t pk, by;

		datapath_entry_stats(r->dp, e->index, &pk, &by);
		replay_describe_match(c, e, match, sizeof match);
		replay_describe_action(r, &e->action, action, sizeof action);
		fprintf(f, "  [%4u] line %-5u %10llu %10llu  %s\n", e->index, e->line,
			(unsigned long long)pk, (unsigned long long)by, match);
		fprintf(f, "%43s-> %s\n", "", action);
	}
	fprintf(f, "  %-20s %10llu\n", "misses (no entry)",
		(unsigned long long)datapath_stats(r->dp)->misses);
	if (c->n_flows > PRINT_MAX)
		fprintf(f, "  ... %u more in summary.json\n", c->n_flows - PRINT_MAX);
}

void replay_summary_print(FILE *f, const struct replay *r)
{
	const struct scenario *c = r->cfg;
	const struct datapath_stats *s = datapath_stats(r->dp);

	fprintf(f, "replay %s: key profile %s (%u bits), TCAM %u/%u entries, miss -> %s\n",
		c->file, c->profile->name, c->profile->key_bits,
		tcam_used(lookup_tcam(r->lk)), c->tcam_depth, datapath_miss_policy_name(c->miss));
	if (r->signal)
		fprintf(f, "INTERRUPTED by %s: the counts and outputs cover the packets processed before it\n",
			stop_signal_name(r->signal));
	print_inputs(f, r);
	fprintf(f, "\npackets %llu (%llu bytes): %llu hits, %llu misses (hit rate %.1f%%)\n",
		(unsigned long long)s->packets, (unsigned long long)s->bytes,
		(unsigned long long)s->hits, (unsigned long long)s->misses,
		s->packets ? 100.0 * (double)s->hits / (double)s->packets : 0.0);
	fprintf(f, "  forwarded %llu (%llu edited), mirror copies %llu, to host %llu, dropped %llu\n",
		(unsigned long long)s->egress, (unsigned long long)s->edited,
		(unsigned long long)s->mirrors, (unsigned long long)s->to_host,
		(unsigned long long)s->drops);
	if (s->flow_end_events || s->aged_events || c->aging.mode != FLOW_AGE_OFF)
		fprintf(f, "  flow-end events %llu, aged entries %llu (aging %s)\n",
			(unsigned long long)s->flow_end_events,
			(unsigned long long)s->aged_events,
			c->aging.mode == FLOW_AGE_DELETE ? "delete" :
			c->aging.mode == FLOW_AGE_NOTIFY ? "notify" : "off");
	print_ports(f, r);
	print_vpid_map(f, r);
	print_reasons(f, s);
	print_entries(f, r);
	fprintf(f, "\noutputs in %s%s\n", r->out_dir,
		r->write_pcaps ? "" : " (summary.json only: --no-pcap)");
	if (r->file_errors)
		fprintf(f, "%d input file(s) refused or damaged (see above)\n",
			r->file_errors);
	if (r->signal)
		fprintf(f, "interrupted by %s\n", stop_signal_name(r->signal));
}
