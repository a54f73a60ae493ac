// Real traffic: not built yet (needs the parser and key builder).
#include "rtl/cosim/cosim.h"

std::unique_ptr<Stimulus> stim_traffic(const StimParams &p, const CosimOpts &o,
				       std::string *err)
{
	(void)p;
	(void)o;
	*err = "traffic mode is not available in this build";
	return nullptr;
}
