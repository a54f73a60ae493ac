// A user's scenario on the lookup core (pnicsim cosim --scenario FILE).
//
// The scenario's tables reach the RTL as the commands pnicsim replay
// applies to the C NIC (scenario_program): the VPID map and the entries
// go through the harness's command sink (CfgPortSink) as config-port
// beats; the encap templates stay out, since the template store is the
// editor's, after the core, and the action words carry the template ids
// as written.  The captures become lookups: every input's packets, on the
// input's in_port and as many times as its loops, through the parser and
// the key builder under the scenario's own key profile (any width), looked
// up back to back with some backpressure, as traffic mode does.
//
// Before the run, the functional NIC the same scenario makes (what pnicsim
// replay runs) decides every packet; the datapath's output carries its
// lookup result.  Every response the RTL gives is then checked against
// that decision (hit, index, action word, PPID, mapped), on top of the
// cycle-by-cycle comparison with the C model of the core, so that the RTL
// answers what a user reads in replay's results.  A packet the datapath
// does not look up (a parse error under the drop or to_host policy) is not
// sent to the core either.  The miss, unmapped-VPID and parse-error
// policies act on the core's answer in the datapath; they are reported,
// not run.
#include <cinttypes>
#include <deque>
#include <memory>
#include <vector>

extern "C" {
#include "io/pcap_in.h"
#include "io/scenario.h"
#include "model/key_builder.h"
#include "model/nic.h"
#include "model/parser.h"
}

#include "rtl/cosim/stim_common.h"

namespace {

// One packet that is looked up: the key the harness builds for the core
// and the lookup result the NIC's datapath had for it.
struct Packet {
	pnic_key key;
	lookup_result want;
	uint64_t number;             // in its capture file, from 1
};

struct Input {
	const scenario_input *in;
	std::vector<Packet> pkts;
	uint64_t packets = 0;        // read, looked up or not
	uint32_t loops = 0;          // a damaged file is run once, as replay does
	std::string note;            // why the file was cut short, or ""
};

// What the scenario becomes before any cycle runs; the same for the run
// and its VCD re-run, so it is made once.
struct Prepared {
	scenario *c = nullptr;
	std::vector<Input> inputs;
	uint64_t pass = 0;           // lookups in one pass over every input
	uint64_t not_looked_up = 0;  // parse errors under drop / to_host

	~Prepared() { scenario_destroy(c); }
};

// What the datapath did with the packet just processed.
struct Decision {
	bool looked_up = false;
	lookup_result res{};
};

void on_output(void *ctx, const datapath_out *o, const uint8_t *, uint32_t, uint32_t)
{
	Decision *d = static_cast<Decision *>(ctx);

	// A mirror copy carries the same lookup; the packet's own output is
	// the one that says whether it was looked up.
	if (o->mirror)
		return;
	d->looked_up = o->lookup != nullptr;
	if (o->lookup)
		d->res = *o->lookup;
}

nic *make_nic(const scenario *c, Decision *d, std::string *err)
{
	nic_params np = {};

	np.profile = c->profile;
	np.depth = c->tcam_depth;
	np.n_ports = c->n_ppids;
	np.n_vpids = c->n_vpids;
	np.policy = scenario_policy(c);
	np.out = on_output;
	np.ctx = d;
	nic *n = nullptr;
	nic_cmd_sink sink;
	pnic_error perr;

	if (nic_create(&np, &n, &perr)) {
		*err = std::string("scenario: the NIC: ") + perr.msg;
		return nullptr;
	}
	sink = nic_sink(n);
	if (scenario_program(c, &sink, &perr)) {
		*err = perr.msg;
		nic_destroy(n);
		return nullptr;
	}
	return n;
}

// One pass over one capture: the NIC decides each packet, and the ones it
// looks up are kept with their key.  The tables do not change during a
// run, so every loop of the file is decided as the first one is.
void read_input(nic *n, const scenario *c, Decision *d, Input *inp)
{
	pcap_in *pin = nullptr;
	pcap_in_pkt pkt;
	pnic_error perr;
	int rc;

	inp->loops = inp->in->loops;
	if (pcap_in_open(inp->in->path, &pin, &perr)) {
		inp->note = perr.msg;
		return;
	}
	while ((rc = pcap_in_next(pin, &pkt, &perr)) == 1) {
		uint32_t len = pkt.len < pkt.caplen ? pkt.caplen : pkt.len;
		Packet p;
		parser_result pr;

		inp->packets++;
		*d = Decision();
		nic_process(n, inp->in->in_port, pkt.frame, pkt.caplen, pkt.len, pkt.ts_ns);
		if (!d->looked_up)
			continue;
		parser_parse(pkt.frame, pkt.caplen, len, &pr);
		key_builder_build(c->profile, &pr, (uint16_t)inp->in->in_port, &p.key);
		p.want = d->res;
		p.number = pkt.number;
		inp->pkts.push_back(p);
	}
	if (rc < 0) {
		inp->note = perr.msg;
		inp->loops = 1;
	}
	pcap_in_close(pin);
}

std::shared_ptr<Prepared> prepare(const std::string &path, const DutConfig &b,
				  std::string *err)
{
	auto prep = std::make_shared<Prepared>();
	struct lookup_core_params lp = { b.depth, b.key_bits, b.n_vpids };
	pnic_error perr;
	char msg[512];
	Decision d;

	pnic_error_clear(&perr);
	if (scenario_load(path.c_str(), &prep->c, &perr) ||
	    scenario_core_check(prep->c, &lp, &perr)) {
		*err = pnic_error_str(&perr, msg, sizeof msg);
		if (prep->c)
			*err += "; 'pnicsim cosim --scenario " + path +
				"' picks or builds a configuration that holds it";
		return nullptr;
	}
	nic *n = make_nic(prep->c, &d, err);
	if (!n)
		return nullptr;
	for (uint32_t i = 0; i < prep->c->n_inputs; i++) {
		Input inp;

		inp.in = &prep->c->inputs[i];
		read_input(n, prep->c, &d, &inp);
		prep->pass += inp.pkts.size() * inp.loops;
		prep->not_looked_up += (inp.packets - inp.pkts.size()) * inp.loops;
		prep->inputs.push_back(std::move(inp));
	}
	nic_destroy(n);
	if (!prep->pass) {
		*err = path + ": its captures give no packets to look up";
		return nullptr;
	}
	return prep;
}

void print_setup(const Prepared &p, const DutConfig &b)
{
	const scenario *c = p.c;

	printf("scenario %s: key profile %s (%u bits), tcam depth %u, %u VPIDs, %u ports\n",
	       c->file, c->profile->name, c->profile->key_bits, c->tcam_depth,
	       c->n_vpids, c->n_ports);
	if (c->tcam_depth > b.depth)
		printf("  this build has %u entries: every entry sits below %u, and a "
		       "TCAM's lookups do not depend on entries never written\n",
		       b.depth, scenario_entries_end(c));
	printf("  config port: %u map_set, %u entry_write (the commands pnicsim replay "
	       "programs its NIC with)\n", c->n_maps, c->n_flows);
	printf("  not the lookup core's: %u encap template(s) (the editor's store, "
	       "after the core; action words carry the template id as written); "
	       "the policies miss %s, unmapped %s, parse_errors %s (the datapath's, "
	       "applied to the core's answer)\n", c->n_templates,
	       datapath_miss_policy_name(c->miss), datapath_unmapped_policy_name(c->unmapped),
	       datapath_parse_error_policy_name(c->parse_errors));
	for (size_t i = 0; i < p.inputs.size(); i++) {
		const Input &in = p.inputs[i];

		printf("  input %zu: %s on PPID %u x%u: %" PRIu64 " packets, %zu looked up%s%s\n",
		       i + 1, in.in->path, in.in->in_port, in.loops, in.packets,
		       in.pkts.size(), in.note.empty() ? "" : "; ", in.note.c_str());
	}
	if (p.not_looked_up)
		printf("  %" PRIu64 " packets not looked up: parse errors under "
		       "parse_errors %s, as the datapath does\n", p.not_looked_up,
		       datapath_parse_error_policy_name(c->parse_errors));
}

// One lookup on its way: which packet, of which input, in which loop.
struct Pending {
	const Packet *pkt;
	uint32_t input, loop;
};

class ScenarioStim final : public Stimulus {
public:
	ScenarioStim(const StimParams &p, std::shared_ptr<const Prepared> prep)
		: r_(p.seed * 0x9e3779b97f4a7c15ull + 5), prep_(std::move(prep)),
		  port_(p, &q_)
	{
	}

	// The scenario's command list onto the config port: queued first, so
	// every beat is taken before the first lookup.
	bool program(std::string *err)
	{
		nic_cmd_sink s = { submit, this };
		pnic_error perr;

		if (scenario_program(prep_->c, &s, &perr)) {
			*err = perr.msg;
			return false;
		}
		return true;
	}

	void next(lookup_core_in *in, bool *reset) override
	{
		if (q_.empty())
			refill();
		q_.next(in, reset);
	}

	void accepted(bool cfg, bool req) override
	{
		q_.accepted(cfg, req);
		if (req) {
			inflight_.push_back(offered_.front());
			offered_.pop_front();
		}
	}

	bool done() const override { return checked_ >= prep_->pass; }
	bool response(const lookup_core_rsp &rsp, std::string *why) override;
	std::string summary() const override;
	const char *name() const override { return "scenario"; }

private:
	// The template store is not the core's: a TEMPLATE_SET is kept out of
	// the port (and counted in the setup lines), every other command goes
	// to the port as its beat.
	static int submit(void *ctx, const nic_cmd *c, nic_cmd_result *res,
			  pnic_error *err)
	{
		ScenarioStim *s = static_cast<ScenarioStim *>(ctx);
		nic_cmd_sink port = s->port_.sink();

		if (c->op != NIC_OP_TEMPLATE_SET)
			return nic_cmd_submit(&port, c, res, err);
		if (res)
			*res = { 0, 0 };
		return 0;
	}

	// The next packet in pass order: each input, its loops, its packets.
	Pending next_packet()
	{
		for (;;) {
			const Input &in = prep_->inputs[input_];

			if (pos_ < in.pkts.size() && loop_ < in.loops)
				return { &in.pkts[pos_++], input_, loop_ };
			pos_ = 0;
			if (++loop_ < in.loops)
				continue;
			loop_ = 0;
			input_ = (input_ + 1) % (uint32_t)prep_->inputs.size();
		}
	}

	// A burst of lookups back to back, the consumer stalling now and then.
	void refill()
	{
		unsigned burst = 16 + r_.below(48);

		for (unsigned i = 0; i < burst; i++) {
			Pending pk = next_packet();
			lookup_core_in in = in_req(pk.pkt->key, (uint8_t)tag_++);

			in.rsp_ready = !r_.chance(50);
			q_.push(in);
			offered_.push_back(pk);
		}
	}

	std::string describe(const Pending &pk, const lookup_result &got) const;

	Rng r_;
	std::shared_ptr<const Prepared> prep_;
	ScriptQueue q_;
	CfgPortSink port_;
	std::deque<Pending> offered_, inflight_;
	uint32_t input_ = 0, loop_ = 0;
	size_t pos_ = 0;
	unsigned tag_ = 0;
	uint64_t checked_ = 0, hits_ = 0, mapped_ = 0;
};

bool same_result(const lookup_result &a, const lookup_result &b)
{
	return a.hit == b.hit && a.index == b.index &&
	       a.action.w[0] == b.action.w[0] && a.action.w[1] == b.action.w[1] &&
	       a.ppid == b.ppid && a.mapped == b.mapped;
}

bool ScenarioStim::response(const lookup_core_rsp &rsp, std::string *why)
{
	Pending pk = inflight_.front();

	inflight_.pop_front();
	checked_++;
	hits_ += rsp.res.hit;
	mapped_ += rsp.res.hit && rsp.res.mapped;
	if (same_result(rsp.res, pk.pkt->want))
		return true;
	*why = describe(pk, rsp.res);
	return false;
}

std::string ScenarioStim::describe(const Pending &pk, const lookup_result &got) const
{
	const Input &in = prep_->inputs[pk.input];
	const lookup_result &w = pk.pkt->want;
	char buf[1024];

	snprintf(buf, sizeof buf,
		 "the RTL's answer to packet %" PRIu64 " of %s (input %u, loop %u) "
		 "is not what pnicsim replay decided\n"
		 "               %22s %22s\n"
		 "  hit          %22u %22u\n"
		 "  index        %22u %22u\n"
		 "  action       %6" PRIx64 "_%016" PRIx64 " %6" PRIx64 "_%016" PRIx64 "\n"
		 "  ppid         %22u %22u\n"
		 "  mapped       %22u %22u\n",
		 pk.pkt->number, in.in->path, pk.input + 1, pk.loop + 1,
		 "RTL", "pnicsim replay", got.hit, w.hit, got.index, w.index,
		 got.action.w[1], got.action.w[0], w.action.w[1], w.action.w[0],
		 got.ppid, w.ppid, got.mapped, w.mapped);
	return buf;
}

std::string ScenarioStim::summary() const
{
	char buf[512];

	snprintf(buf, sizeof buf,
		 "scenario %s: %" PRIu64 " lookups, %" PRIu64 " hits, %" PRIu64
		 " misses; of the hits %" PRIu64 " mapped, %" PRIu64 " unmapped; "
		 "every answer equals pnicsim replay's (hit, index, action word, PPID)",
		 prep_->c->file, checked_, hits_, checked_ - hits_, mapped_,
		 hits_ - mapped_);
	return buf;
}

}  // namespace

std::unique_ptr<Stimulus> stim_scenario(const StimParams &p, const CosimOpts &o,
					std::string *err)
{
	// Made once: the VCD re-run of a mismatch replays the same packets.
	static std::shared_ptr<const Prepared> prep;
	DutConfig b = { p.depth, p.key_bits, p.n_vpids, false };

	if (!prep) {
		if (!(prep = prepare(o.scenario, b, err)))
			return nullptr;
		if (!o.quiet)
			print_setup(*prep, b);
	}
	auto stim = std::make_unique<ScenarioStim>(p, prep);
	if (!stim->program(err))
		return nullptr;
	return stim;
}
