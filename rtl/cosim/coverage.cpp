// Summary of a Verilator coverage.dat: points and points hit, per kind
// (line, branch, toggle, user assertions/cover properties).
//
// Each data line is `C '<key/value pairs>' <count>`, the pairs separated by
// \001 and key from value by \002; the "page" pair names the kind as
// v_<kind>/<module>.
#include <cinttypes>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "rtl/cosim/cosim.h"

namespace {

constexpr unsigned kListMissed = 10;

// The value of key `k` in a data line's pairs, or "".
std::string field(const std::string &pairs, const char *k)
{
	std::string tag = std::string("\001") + k + "\002";
	size_t p = pairs.find(tag);

	if (p == std::string::npos)
		return "";
	p += tag.size();
	return pairs.substr(p, pairs.find('\001', p) - p);
}

}  // namespace

bool cosim_coverage_summary(FILE *f, const std::string &path)
{
	std::ifstream in(path);
	std::map<std::string, std::pair<uint64_t, uint64_t>> kinds;
	std::string line;
	uint64_t total = 0, hit = 0;
	std::vector<std::string> missed;

	if (!in)
		return false;
	while (std::getline(in, line)) {
		size_t q1, q2, p;
		std::string kind = "other";

		if (line.size() < 4 || line[0] != 'C')
			continue;
		q1 = line.find('\'');
		q2 = line.rfind('\'');
		if (q1 == std::string::npos || q2 <= q1)
			continue;
		p = line.find("\001page\002", q1);
		if (p != std::string::npos && p < q2) {
			size_t s = p + 6, e = line.find_first_of("/\001", s);

			kind = line.substr(s, e - s);
			if (kind.compare(0, 2, "v_") == 0)
				kind = kind.substr(2);
		}
		uint64_t count = std::stoull(line.substr(q2 + 1));
		if (!count && missed.size() < kListMissed) {
			std::string pairs = line.substr(q1, q2 - q1);

			missed.push_back(field(pairs, "f") + ":" + field(pairs, "l") +
					 " " + kind + " " + field(pairs, "o") + " (" +
					 field(pairs, "h") + ")");
		}
		auto &k = kinds[kind];
		k.first++;
		k.second += count > 0;
		total++;
		hit += count > 0;
	}
	fprintf(f, "coverage (%s):\n", path.c_str());
	for (const auto &k : kinds)
		fprintf(f, "  %-8s %6" PRIu64 " / %6" PRIu64 " points hit (%.1f%%)\n",
			k.first.c_str(), k.second.second, k.second.first,
			k.second.first ? 100.0 * k.second.second / k.second.first : 0.0);
	fprintf(f, "  %-8s %6" PRIu64 " / %6" PRIu64 " points hit (%.1f%%)\n",
		"all", hit, total, total ? 100.0 * hit / total : 0.0);
	if (!missed.empty())
		fprintf(f, "  first points never hit (verilator_coverage --annotate DIR %s lists all):\n",
			path.c_str());
	for (const auto &m : missed)
		fprintf(f, "    %s\n", m.c_str());
	return true;
}
