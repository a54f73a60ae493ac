// Real traffic: lookup keys from packets and entries from a rule set.
//
// Keys: every frame of the pcap files named by --pcap (a file, or a
// directory whose *.pcap / *.pcapng files are all read) through the parser
// and the key builder under the build's key profile (the built-in profile
// whose width is KeyWidth), plus the headers of a ClassBench trace
// (--trace).  Entries: a ClassBench rule set (--rules) compiled by
// host/acl (port ranges expanded, rules placed in priority order); as many
// leading rules as fit in Depth.  Without --rules the entries are the
// packets' own keys, exact, with a catch-all entry at the bottom, the shape
// of per-flow entries a host installs after a miss.
//
// The entries and the VPID map are installed by host code, as on a NIC in
// process: host/flow_table adds, rewrites, withdraws and restores entries
// and the run submits map commands, all into a command sink that turns
// each command into a config-port beat (CfgPortSink).  The keys are then
// looked up back to back (looping), with the updates a running system
// makes meanwhile: an action rewritten, a rule's entry withdrawn and
// restored, a VPID moved to another PPID (one map write, a VM migration)
// or unmapped, and some backpressure.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <vector>

extern "C" {
#include "host/acl.h"
#include "host/flow_table.h"
#include "model/key_builder.h"
#include "model/parser.h"
#include "io/classbench.h"
#include "io/pcap_in.h"
}

#include "rtl/cosim/stim_common.h"

namespace {

constexpr uint32_t kVpidPool = 16;

const key_profile *profile_of_width(unsigned bits)
{
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		if (key_profile_builtin_at(i)->key_bits == bits)
			return key_profile_builtin_at(i);
	return nullptr;
}

bool read_pcap(const std::string &path, const key_profile *prof,
	       std::vector<pnic_key> *keys, std::string *err)
{
	struct pcap_in *in = nullptr;
	struct pcap_in_pkt pkt;
	pnic_error perr;
	int rc;

	if (pcap_in_open(path.c_str(), &in, &perr)) {
		*err = perr.msg;
		return false;
	}
	while ((rc = pcap_in_next(in, &pkt, &perr)) == 1) {
		parser_result r;
		pnic_key k;

		parser_parse(pkt.frame, pkt.caplen,
			    pkt.len < pkt.caplen ? pkt.caplen : pkt.len, &r);
		key_builder_build(prof, &r, (uint16_t)(pkt.number % 4), &k);
		keys->push_back(k);
	}
	pcap_in_close(in);
	// A file damaged part-way still gave its first packets; keep them.
	(void)rc;
	return true;
}

// A file, or every capture under a directory (recursively, in name
// order).  Files that libpcap refuses
// (the corpus holds deliberately broken ones) are skipped and counted.
bool read_pcaps(const std::string &path, const key_profile *prof,
		std::vector<pnic_key> *keys, unsigned *refused, std::string *err)
{
	struct stat st;

	if (stat(path.c_str(), &st)) {
		*err = "cannot read " + path + ": " + strerror(errno);
		return false;
	}
	if (!S_ISDIR(st.st_mode))
		return read_pcap(path, prof, keys, err);

	std::vector<std::string> files, dirs;
	DIR *d = opendir(path.c_str());
	if (!d) {
		*err = "cannot list " + path + ": " + strerror(errno);
		return false;
	}
	while (dirent *e = readdir(d)) {
		std::string n = e->d_name;
		struct stat es;

		if (n[0] == '.')
			continue;
		if (!stat((path + "/" + n).c_str(), &es) && S_ISDIR(es.st_mode))
			dirs.push_back(path + "/" + n);
		else if ((n.size() > 5 && n.compare(n.size() - 5, 5, ".pcap") == 0) ||
		    (n.size() > 7 && n.compare(n.size() - 7, 7, ".pcapng") == 0))
			files.push_back(path + "/" + n);
	}
	closedir(d);
	std::sort(files.begin(), files.end());
	std::sort(dirs.begin(), dirs.end());
	for (const auto &sd : dirs)
		if (!read_pcaps(sd, prof, keys, refused, err))
			return false;
	for (const auto &f : files) {
		std::string e;

		if (!read_pcap(f, prof, keys, &e))
			(*refused)++;
	}
	return true;
}

// The entries a rule set compiles into, in priority order, with the rule
// each was made from; empty for per-flow entries.
struct RuleEntries {
	std::vector<pnic_key> values, masks;
	std::vector<uint32_t> rule;
};

class TrafficStim final : public Stimulus {
public:
	TrafficStim(const StimParams &p, std::vector<pnic_key> keys)
		: p_(p), r_(p.seed * 0x51afd7ed558ccd1dull + 3),
		  keys_(std::move(keys)), port_(p, &q_)
	{
	}

	~TrafficStim() override { flow_table_destroy(ft_); }

	// The host's installs, queued as beats: the VPID pool mapped, then
	// the rule set's entries, or one exact entry per distinct key and a
	// catch-all last.
	bool install(const RuleEntries &rules, std::string *err)
	{
		flow_table_params fp = { p_.depth, port_.sink() };
		pnic_error perr;
		int rc = flow_table_create(&fp, &ft_, &perr);

		for (uint32_t v = 0; !rc && v < kVpidPool && v < p_.n_vpids; v++)
			rc = map_set(v, 100 + v, &perr);
		if (!rc && !rules.values.empty())
			rc = install_rules(rules, &perr);
		else if (!rc)
			rc = install_flows(&perr);
		if (rc)
			*err = std::string("traffic mode: installing the entries: ") + perr.msg;
		return !rc;
	}

	size_t entries() const { return rule_.size(); }

	void next(lookup_core_in *in, bool *reset) override
	{
		if (q_.empty())
			refill();
		q_.next(in, reset);
	}

	void accepted(bool cfg, bool req) override { q_.accepted(cfg, req); }
	bool done() const override { return looked_ >= keys_.size(); }
	const char *name() const override { return "traffic"; }

private:
	// A forward to the rule's VPID, the rest random but decodable, so a
	// NIC would take it as the RTL does.
	action_word action_of(uint32_t entry)
	{
		action_word a = action_random(r_, (uint16_t)(rule_[entry] % kVpidPool));
		const uint64_t tunnel = 3ull << ACTW_TUNNEL_OP_OFF;

		a.w[0] = (a.w[0] & ~3ull) | ACT_FORWARD;
		if ((a.w[0] & tunnel) == tunnel)
			a.w[0] &= ~tunnel;
		return a;
	}

	int map_set(uint32_t vpid, uint32_t ppid, pnic_error *err)
	{
		nic_cmd c = {};
		nic_cmd_sink s = port_.sink();

		c.op = NIC_OP_MAP_SET;
		c.map = { vpid, ppid };
		return nic_cmd_submit(&s, &c, nullptr, err);
	}

	int map_clear(uint32_t vpid, pnic_error *err)
	{
		nic_cmd c = {};
		nic_cmd_sink s = port_.sink();

		c.op = NIC_OP_MAP_CLEAR;
		c.map = { vpid, 0 };
		return nic_cmd_submit(&s, &c, nullptr, err);
	}

	// The next entry's rule and action; the entry goes at `index`, or at
	// the next unused index when index is negative.
	int place(int64_t index, const pnic_key &value, const pnic_key &mask,
		  uint32_t rule, pnic_error *err)
	{
		uint32_t at;

		rule_.push_back(rule);
		action_word a = action_of((uint32_t)rule_.size() - 1);
		if (index < 0)
			return flow_table_add(ft_, &value, &mask, &a, &at, err);
		return flow_table_write(ft_, (uint32_t)index, &value, &mask, &a, err);
	}

	// A rule set's entries at their positions: entry e is the e-th in
	// priority order.
	int install_rules(const RuleEntries &rules, pnic_error *err)
	{
		int rc = 0;

		for (size_t e = 0; !rc && e < rules.values.size(); e++)
			rc = place((int64_t)e, rules.values[e], rules.masks[e],
				   rules.rule[e], err);
		return rc;
	}

	// Per-flow entries: each distinct key exact, a catch-all last.
	int install_flows(pnic_error *err)
	{
		pnic_key ones, zero;
		int rc = 0;

		key_zero(&zero);
		key_zero(&ones);
		key_set_range(&ones, 0, p_.key_bits);
		for (size_t i = 0; !rc && i < keys_.size(); i++) {
			if (flow_table_used(ft_) + 1 >= p_.depth)
				break;
			if (flow_table_find(ft_, &keys_[i], &ones) < 0)
				rc = place(-1, keys_[i], ones, (uint32_t)rule_.size(), err);
		}
		return rc ? rc : place(-1, zero, zero, (uint32_t)rule_.size(), err);
	}

	// A host update the harness cannot refuse: failing one is a bug here.
	static void must(int rc, const pnic_error &err)
	{
		if (rc) {
			fprintf(stderr, "cosim: traffic host update refused: %s\n", err.msg);
			std::abort();
		}
	}

	// The next stretch of traffic: a burst of lookups, then maybe one
	// update.
	void refill()
	{
		unsigned burst = 16 + r_.below(48);
		pnic_error err;

		for (unsigned i = 0; i < burst; i++) {
			lookup_core_in in = in_req(keys_[next_key_], (uint8_t)tag_++);

			next_key_ = (next_key_ + 1) % keys_.size();
			looked_++;
			in.rsp_ready = !r_.chance(50);
			q_.push(in);
		}
		uint32_t n = (uint32_t)rule_.size();
		uint32_t x = r_.below(100);

		if (x < 25 && n) {
			uint32_t e = r_.below(n);
			action_word a = action_of(e);

			must(flow_table_set_action(ft_, e, &a, &err), err);
		} else if (x < 40 && n) {
			uint32_t e = r_.below(n);

			must(flow_table_withdraw(ft_, e, &err), err);
			for (unsigned i = 0; i < 4; i++)
				q_.push(in_req(keys_[r_.below((uint32_t)keys_.size())],
					       (uint8_t)tag_++));
			must(flow_table_restore(ft_, e, &err), err);
		} else if (x < 65) {
			uint32_t v = r_.below(kVpidPool);

			must(map_set(v, r_.below(0xffff), &err), err);
		} else if (x < 70) {
			must(map_clear(r_.below(kVpidPool), &err), err);
		}
	}

	StimParams p_;
	Rng r_;
	ScriptQueue q_;
	std::vector<pnic_key> keys_;
	CfgPortSink port_;
	flow_table *ft_ = nullptr;
	std::vector<uint32_t> rule_;     // per entry index
	size_t next_key_ = 0;
	uint64_t looked_ = 0;
	unsigned tag_ = 0;
};

}  // namespace

std::unique_ptr<Stimulus> stim_traffic(const StimParams &p, const CosimOpts &o,
				       std::string *err)
{
	const key_profile *prof = profile_of_width(p.key_bits);
	std::vector<pnic_key> keys;
	RuleEntries rules_in;
	unsigned refused = 0;
	pnic_error perr;

	if (!prof) {
		*err = "traffic mode: no built-in key profile is " +
		       std::to_string(p.key_bits) + " bits wide (traffic mode "
		       "builds keys with one; a scenario with its own key_profile "
		       "runs any width: pnicsim cosim --scenario FILE)";
		return nullptr;
	}
	if (o.pcap.empty() && o.trace.empty()) {
		*err = "traffic mode needs packets: --pcap FILE|DIR and/or --trace FILE";
		return nullptr;
	}
	if (!o.pcap.empty() && !read_pcaps(o.pcap, prof, &keys, &refused, err))
		return nullptr;

	struct acl *acl = nullptr;
	struct classbench_rules rules = {};
	if (!o.rules.empty()) {
		struct acl_params ap = { prof, p.depth };
		uint32_t n = 0, need = 0;

		if (classbench_rules_load(o.rules.c_str(), &rules, &perr)) {
			*err = perr.msg;
			return nullptr;
		}
		// As many leading rules as fit: the set is refused whole otherwise.
		while (n < rules.n && need + acl_rule_entries(&rules.rules[n]) <= p.depth)
			need += acl_rule_entries(&rules.rules[n++]);
		if (acl_compile(&ap, rules.rules, n, &acl, &perr)) {
			*err = std::string("rules ") + o.rules + ": " + perr.msg;
			classbench_rules_free(&rules);
			return nullptr;
		}
		for (uint32_t e = 0; e < acl_entry_count(acl); e++) {
			pnic_key v, m;

			acl_entry_get(acl, e, &v, &m);
			rules_in.values.push_back(v);
			rules_in.masks.push_back(m);
			rules_in.rule.push_back(acl_entry_rule(acl, e));
		}
	}
	if (!o.trace.empty()) {
		struct classbench_trace tr = {};
		struct acl_params ap = { prof, p.depth };
		struct acl *keyer = acl;

		if (classbench_trace_load(o.trace.c_str(), &tr, &perr)) {
			*err = perr.msg;
			acl_destroy(acl);
			classbench_rules_free(&rules);
			return nullptr;
		}
		// acl_header_key() only needs a compiled set for its profile.
		if (!keyer && acl_compile(&ap, nullptr, 0, &keyer, &perr)) {
			*err = perr.msg;
			classbench_trace_free(&tr);
			return nullptr;
		}
		for (size_t i = 0; i < tr.n; i++) {
			pnic_key k;

			acl_header_key(keyer, &tr.hdrs[i].h, &k);
			keys.push_back(k);
		}
		if (keyer != acl)
			acl_destroy(keyer);
		classbench_trace_free(&tr);
	}
	acl_destroy(acl);
	classbench_rules_free(&rules);
	if (keys.empty()) {
		*err = "traffic mode: no packets could be read from " + o.pcap +
		       (refused ? " (" + std::to_string(refused) + " files refused)" : "");
		return nullptr;
	}
	size_t keys_n = keys.size();
	auto stim = std::make_unique<TrafficStim>(p, std::move(keys));
	if (!stim->install(rules_in, err))
		return nullptr;
	if (!o.quiet)
		printf("traffic: %zu keys (%u capture files refused), %zu entries\n",
		       keys_n, refused, stim->entries());
	return stim;
}
