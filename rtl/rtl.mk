# Lookup core RTL (rtl/*.sv).  Widths come from a SystemVerilog package that
# tools/kpgen generates from the C headers; every RTL consumer (lint, synth,
# the cosim harness) lists $(RTL_SRC), which starts with that package.
#
#   make lint-rtl   Verilator -Wall lint over a parameter sweep (part of `make lint`)
#   make synth      Yosys generic synthesis at two sizes -> build/synth/*.txt

RTL_PKG := build/gen/pnic_cfg_pkg.sv
RTL_MODS := $(sort $(wildcard rtl/*.sv))
RTL_SRC := $(RTL_PKG) $(RTL_MODS)

$(RTL_PKG): $(BIN)/kpgen
	@mkdir -p $(@D)
	$(BIN)/kpgen -o $@

.PHONY: rtl-pkg lint-rtl
rtl-pkg: $(RTL_PKG)

lint: lint-rtl
lint-rtl: $(RTL_SRC) rtl/lint.sh
	rtl/lint.sh $(RTL_PKG)

# `make test`: quick lint and the illegal-parameter checks.
TEST_EXTRA_BUILD += $(RTL_PKG)
TEST_EXTRA += "rtl/lint.sh --quick $(RTL_PKG)"

# The cosim harness brings its own fragment.
-include rtl/cosim/cosim.mk
