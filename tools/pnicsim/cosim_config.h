/* cosim_config: which RTL configuration pnicsim cosim runs.  Private to
 * tools/pnicsim/.
 *
 * The Verilated lookup core is compiled per configuration: Depth, KeyWidth
 * and NumVpids are Verilog parameters, fixed when Verilator runs, so each
 * configuration is its own binary, build/cosim/<name>/cosim (mk/cosim.mk).
 * Its name is <Depth>x<KeyWidth>, then v<NumVpids> when the map RAM is not
 * the RTL's default size (LOOKUP_CORE_DEFAULT_VPIDS), then -cov for the
 * coverage build: 64x372, 16x80v512-cov.
 *
 * For a scenario the configuration is the smallest that holds it, so that
 * scenarios of similar sizes share one build: Depth the scenario's
 * tcam.depth rounded up to a power of two within the RTL's depths
 * (TCAM_MIN_DEPTH..LOOKUP_CORE_RTL_MAX_DEPTH), KeyWidth its key profile's
 * width (any, 1..PNIC_KEY_MAX_BITS), NumVpids the default unless the
 * scenario's map is larger, then its size rounded up to a power of two.
 * A core that is shallower than tcam.depth or whose map is larger than
 * vpid_map.n_vpids answers every lookup as the scenario's own would: a
 * TCAM entry never written matches nothing, and the scenario loader
 * refuses an action naming a VPID beyond n_vpids.
 */
#ifndef PNICSIM_COSIM_CONFIG_H
#define PNICSIM_COSIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/scenario.h"
#include "model/error.h"

/* A name is at most "4096x512v65536-cov". */
#define COSIM_CONFIG_NAME_MAX 32

struct cosim_config {
	uint32_t depth;
	uint32_t key_bits;
	uint32_t n_vpids;      /* the map RAM's VPIDs; 0 = the RTL's default */
	bool coverage;
};

/* The configuration's name, as mk/cosim.mk and the harness spell it. */
void cosim_config_name(const struct cosim_config *c,
		       char buf[COSIM_CONFIG_NAME_MAX]);

/* The smallest configuration that holds the scenario; 0, or a negative
 * errno and err naming the scenario file and the field that does not fit
 * the RTL (scenario_core_check's reasons, and the RTL's depth limit). */
int cosim_config_for_scenario(const struct scenario *s, bool coverage,
			      struct cosim_config *c, struct pnic_error *err);

#endif
