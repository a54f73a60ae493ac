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
	$(call show,GEN,$@)$(BIN)/kpgen -o $@

.PHONY: rtl-pkg lint-rtl synth
rtl-pkg: $(RTL_PKG)

lint: lint-rtl
lint-rtl: $(RTL_SRC) rtl/lint.sh
	$(Q)rtl/lint.sh $(RTL_PKG)

# <Depth>x<KeyWidth>-plain|xpose (rtl/synth.sh).  About 15 minutes and
# 3.5 GB here, nearly all of it for 1024 entries (docs/lookup_core.md has
# the figures).
SYNTH_CFGS ?= 256x128-plain 1024x128-plain
synth: deps $(RTL_SRC) rtl/synth.sh
	$(Q)rtl/synth.sh $(RTL_PKG) build/synth $(SYNTH_CFGS)

# `make test`: quick lint, Yosys elaboration, and both refusing illegal
# parameters.
TEST_EXTRA_BUILD += $(RTL_PKG)
TEST_EXTRA += "rtl/lint.sh --quick $(RTL_PKG)" "rtl/synth.sh --elab $(RTL_PKG)"

# The value/mask TCAM (TcamTransposed=0) is the simple oracle for the
# transposed one: the cosim harness (mk/cosim.mk) runs it against the C
# model too, at one small size, so both RTL TCAMs are held to the contract.
ifneq ($(value COSIM_VERILATE),)
RTL_PLAIN_COSIM := build/cosim-plain/64x128/cosim
$(RTL_PLAIN_COSIM): $(COSIM_DEPS)
	$(call COSIM_VERILATE,$@,$(@D)/obj,64,128,$(COSIM_PKG) $(COSIM_RTL_SV),-GTcamTransposed=0,-O1)
TEST_EXTRA_BUILD += $(RTL_PLAIN_COSIM)
TEST_EXTRA += "cosim 64x128, value/mask TCAM, random, 100K cycles :: $(RTL_PLAIN_COSIM) --quiet --mode random --seed 3 --cycles 100K --vcd-file build/cosim-plain/64x128/fail.vcd" \
	"cosim 64x128, value/mask TCAM, directed :: $(RTL_PLAIN_COSIM) --quiet --mode directed --seed 4 --cycles 0 --vcd-file build/cosim-plain/64x128/fail.vcd"
endif
