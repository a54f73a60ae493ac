# Lookup core RTL (rtl/*.sv).  Widths come from a SystemVerilog package that
# tools/kpgen generates from the C headers; every RTL consumer (lint, synth,
# the cosim harness) lists $(RTL_SRC), which starts with that package.
#
#   make lint-rtl   Verilator -Wall lint over a parameter sweep (part of `make lint`)
#   make synth      Yosys generic synthesis (SYNTH_CFGS) -> build/synth/*.txt

RTL_PKG := build/gen/pnic_cfg_pkg.sv
RTL_MODS := $(sort $(wildcard rtl/*.sv))
RTL_SRC := $(RTL_PKG) $(RTL_MODS)

$(RTL_PKG): $(BIN)/kpgen
	@mkdir -p $(@D)
	$(BIN)/kpgen -o $@

.PHONY: rtl-pkg lint-rtl synth
rtl-pkg: $(RTL_PKG)

lint: lint-rtl
lint-rtl: $(RTL_SRC) rtl/lint.sh
	rtl/lint.sh $(RTL_PKG)

# <Depth>x<KeyWidth>-plain|xpose (rtl/synth.sh).  Yosys time grows fast
# with the TCAM's size (docs/lookup_core.md has the figures), hence the
# modest sizes.
SYNTH_CFGS ?= 64x128-plain 256x128-plain
synth: deps $(RTL_SRC) rtl/synth.sh
	rtl/synth.sh $(RTL_PKG) build/synth $(SYNTH_CFGS)

# `make test`: quick lint, Yosys elaboration, and both refusing illegal
# parameters.
TEST_EXTRA_BUILD += $(RTL_PKG)
TEST_EXTRA += "rtl/lint.sh --quick $(RTL_PKG)" "rtl/synth.sh --elab $(RTL_PKG)"
