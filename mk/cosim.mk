# Lockstep cosim of the lookup core RTL against the C model (rtl/cosim/,
# docs/cosim.md).
#
#   build/cosim/<Depth>x<KeyWidth>[v<NumVpids>]/cosim   one binary per configuration
#   build/cosim/<...>-cov/cosim              the same with --coverage
#   build/mutants/<name>/cosim               rtl/ with rtl/mutants/<name>.patch
#   make cosim                               the long run (>= 10 M cycles)
#
# The harness (rtl/cosim/*.cpp but dut_verilated.cpp) and the Verilator
# runtime are compiled once and linked into every configuration;
# Verilator's generated make (the only sub-make) builds each model.
# KeyWidth is any width the RTL takes (1..KeyMaxBits).  NumVpids is the
# RTL's default, pnic_cfg_pkg::LookupCoreDefaultVpids (the harness takes
# the same number from model/lookup_core.h), unless the name says
# otherwise: 64x372v1024 is a map RAM of 1024 VPIDs.  The RTL refuses a
# Depth, KeyWidth or NumVpids outside the package's limits.  `pnicsim
# cosim` builds a missing configuration on demand with the same targets.

COSIM_DIR      := build/cosim
COSIM_PKG      ?= build/gen/pnic_cfg_pkg.sv
COSIM_RTL_SV   ?= $(sort $(wildcard rtl/*.sv))
COSIM_CXX_SRC  := $(filter-out rtl/cosim/dut_verilated.cpp,$(sort $(wildcard rtl/cosim/*.cpp)))
COSIM_CXX_OBJ  := $(patsubst rtl/cosim/%.cpp,$(COSIM_DIR)/obj/%.o,$(COSIM_CXX_SRC))
COSIM_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -I.
VERILATOR_ROOT ?= $(shell verilator --getenv VERILATOR_ROOT 2>/dev/null)
COSIM_VINC     := -I$(VERILATOR_ROOT)/include -I$(VERILATOR_ROOT)/include/vltstd
# The Verilator runtime does not depend on the design or on VM_TRACE /
# VM_COVERAGE, so it is compiled once for every configuration.
COSIM_VLRT     := $(patsubst %,$(COSIM_DIR)/vlrt/%.o,verilated verilated_vcd_c verilated_threads verilated_cov)
# Small configurations (these depths) and mutants exist to find bugs and to
# run short scenarios, not to run fast: their model is compiled at -O1,
# which halves the compile time.
COSIM_SMALL_DEPTHS ?= 16 32 64 128 256
cosim_opt       = $(if $(filter $(call cosim_depth,$1),$(COSIM_SMALL_DEPTHS)),-O1,-O3)

# A configuration's name, less -cov: <Depth>x<KeyWidth>[v<NumVpids>].
cosim_cfg   = $(subst x, ,$(subst v, v,$(subst -cov,,$1)))
cosim_depth = $(word 1,$(call cosim_cfg,$1))
cosim_kbits = $(word 2,$(call cosim_cfg,$1))
cosim_vpids = $(patsubst v%,%,$(word 3,$(call cosim_cfg,$1)))
# Verilator's -G and the Dut's -D for a NumVpids other than the default.
cosim_vflag = $(if $(call cosim_vpids,$1),-GNumVpids=$(call cosim_vpids,$1))
cosim_vdef  = $(if $(call cosim_vpids,$1),-DCOSIM_NUM_VPIDS=$(call cosim_vpids,$1))

$(COSIM_DIR)/obj/%.o: rtl/cosim/%.cpp
	@mkdir -p $(@D)
	$(call show,CXX,$@)$(CXX) $(COSIM_CXXFLAGS) -MMD -MP -c $< -o $@

$(COSIM_DIR)/vlrt/%.o:
	@mkdir -p $(@D)
	$(call show,CXX,$@)$(CXX) -std=c++17 -O2 -faligned-new $(COSIM_VINC) -c $(VERILATOR_ROOT)/include/$*.cpp -o $@

# A model compiled at -O1 is compiled as one file (Verilator's
# VM_PARALLEL_BUILDS=0): its ten-odd files each parse the Verilator
# headers again, which is most of their time, so one file takes a third of
# the CPU time (7 s against 20 s for a mutant).  -O3 models stay split:
# one -O3 file takes longer than the split files on two cores.
#
# A configuration is built in three steps, so that each redoes only what
# changed: the Verilated model library (from the RTL only), the Dut
# adapter (its header dependencies come from -MMD) and the link (harness,
# runtime, libpnic).  Editing a C header or model/*.c never re-Verilates.
#
# COSIM_MODEL: $1 = Mdir, $2 = Depth, $3 = KeyWidth, $4 = RTL sources,
# $5 = extra Verilator flags, $6 = C++ optimisation of the model.
define COSIM_MODEL
	@mkdir -p $1
	$(call show,VERILATE,$1)verilator --cc --top-module lookup_core --prefix Vlookup_core \
	  -O3 --assert --trace --x-assign unique --x-initial unique $5 \
	  -GDepth=$2 -GKeyWidth=$3 -Mdir $1 $4 \
	  >$1/build.log 2>&1 || { cat $1/build.log; echo "cosim: Verilator failed on $4"; exit 1; }
	+$(call show,VMAKE,$1/Vlookup_core__ALL.a)$(MAKE) --no-print-directory -C $1 -f Vlookup_core.mk Vlookup_core__ALL.a \
	  OPT_FAST=$6 OPT_SLOW=$(if $(filter -O0,$6),-O0,-O1) OPT_GLOBAL=$(if $(filter -O0,$6),-O0,-O1) $(if $(filter -O0 -O1,$6),VM_PARALLEL_BUILDS=0) >>$1/build.log 2>&1 \
	  || { tail -n 30 $1/build.log; echo "cosim: compiling the model in $1 failed"; exit 1; }
endef

# COSIM_DUT: $1 = Mdir, $2 = Depth, $3 = KeyWidth, $4 = coverage (0/1),
# $5 = extra defines (COSIM_NUM_VPIDS).
define COSIM_DUT
	$(call show,CXX,$1/dut_verilated.o)$(CXX) -std=c++17 -O2 -faligned-new -Wall -Wextra -Werror -I. -isystem $1 $(subst -I,-isystem ,$(COSIM_VINC)) \
	  -DVM_TRACE=1 -DVM_COVERAGE=$4 \
	  -DCOSIM_DEPTH=$2 -DCOSIM_KEY_BITS=$3 $5 \
	  -MMD -MP -c rtl/cosim/dut_verilated.cpp -o $1/dut_verilated.o
endef

COSIM_LINK_DEPS := $(COSIM_CXX_OBJ) $(COSIM_VLRT) build/libpnicio.a build/libpnic.a
define COSIM_LINK
	$(call show,LD,$@)$(CXX) -o $@ $(filter %.o %.a,$^) $(LDLIBS_IO) -pthread -latomic
endef

# The generated package is remade whenever kpgen is relinked (any change
# to libpnic); Verilate from a copy that only changes with its content.
COSIM_PKG_COPY := $(COSIM_DIR)/pnic_cfg_pkg.sv
$(COSIM_PKG_COPY): $(COSIM_PKG)
	@mkdir -p $(@D)
	@cmp -s $< $@ || cp $< $@

# All three steps in one recipe, for other fragments that build a variant
# of the core (rtl/rtl.mk: the value/mask TCAM).  $1 = binary, $2 = Mdir,
# $3 = Depth, $4 = KeyWidth, $5 = RTL sources, $6 = extra Verilator flags,
# $7 = C++ optimisation of the model; prerequisites: $(COSIM_DEPS).
define COSIM_VERILATE
$(call COSIM_MODEL,$2,$3,$4,$5,$6,$7)
$(call COSIM_DUT,$2,$3,$4,0)
	$(call show,LD,$1)$(CXX) -o $1 $2/dut_verilated.o $2/Vlookup_core__ALL.a $(COSIM_LINK_DEPS) $(LDLIBS_IO) -pthread -latomic
endef
COSIM_DEPS := $(COSIM_PKG) $(COSIM_RTL_SV) rtl/cosim/dut_verilated.cpp $(COSIM_LINK_DEPS)

$(COSIM_DIR)/%/obj/Vlookup_core__ALL.a: $(COSIM_PKG_COPY) $(COSIM_RTL_SV)
	$(call COSIM_MODEL,$(@D),$(call cosim_depth,$*),$(call cosim_kbits,$*),$(COSIM_PKG_COPY) $(COSIM_RTL_SV),$(if $(findstring -cov,$*),--coverage) $(call cosim_vflag,$*),$(call cosim_opt,$*))

$(COSIM_DIR)/%/obj/dut_verilated.o: rtl/cosim/dut_verilated.cpp $(COSIM_DIR)/%/obj/Vlookup_core__ALL.a
	$(call COSIM_DUT,$(@D),$(call cosim_depth,$*),$(call cosim_kbits,$*),$(if $(findstring -cov,$*),1,0),$(call cosim_vdef,$*))

$(COSIM_DIR)/%/cosim: $(COSIM_DIR)/%/obj/dut_verilated.o $(COSIM_DIR)/%/obj/Vlookup_core__ALL.a $(COSIM_LINK_DEPS)
	$(COSIM_LINK)

# ---- broken RTL: each rtl/mutants/<name>.patch applied to a copy of rtl/ --
# The patch must apply cleanly (no fuzz): a stale patch stops the build
# here, loudly, instead of silently testing nothing.  A mutant only has to
# be caught, in a few thousand cycles: its model is compiled at -O0
# (6.6 s a mutant against 9.2 s at -O1; eight of them in every make test).
COSIM_MUTANTS  := $(patsubst rtl/mutants/%.patch,%,$(sort $(wildcard rtl/mutants/*.patch)))
COSIM_MUT_CFG  ?= 64x128
COSIM_MUT_D    := $(call cosim_depth,$(COSIM_MUT_CFG))
COSIM_MUT_K    := $(call cosim_kbits,$(COSIM_MUT_CFG))
COSIM_MUT_BINS := $(patsubst %,build/mutants/%/cosim,$(COSIM_MUTANTS))

build/mutants/%/obj/Vlookup_core__ALL.a: rtl/mutants/%.patch $(COSIM_PKG_COPY) $(COSIM_RTL_SV)
	@rm -rf build/mutants/$*/src && mkdir -p build/mutants/$*/src/rtl
	$(call show,PATCH,build/mutants/$*/src)cp $(COSIM_RTL_SV) build/mutants/$*/src/rtl/
	@patch -s -p1 -F0 -N -d build/mutants/$*/src <$< \
	  || { echo "cosim: mutant $< no longer applies to rtl/; refresh it with tests/cosim/regen-mutants.sh (docs/cosim.md)"; exit 1; }
	$(call COSIM_MODEL,$(@D),$(COSIM_MUT_D),$(COSIM_MUT_K),$(COSIM_PKG_COPY) $(addprefix build/mutants/$*/src/,$(COSIM_RTL_SV)),-Wno-fatal,-O0)

build/mutants/%/obj/dut_verilated.o: rtl/cosim/dut_verilated.cpp build/mutants/%/obj/Vlookup_core__ALL.a
	$(call COSIM_DUT,$(@D),$(COSIM_MUT_D),$(COSIM_MUT_K),0)

build/mutants/%/cosim: build/mutants/%/obj/dut_verilated.o build/mutants/%/obj/Vlookup_core__ALL.a $(COSIM_LINK_DEPS)
	$(COSIM_LINK)

# ---- make test: short sweeps over (Depth, KeyWidth), and every mutant ---
# (only once the RTL exists, so that the C side can land first)
ifneq ($(wildcard rtl/lookup_core.sv),)
COSIM_TEST_CFGS   ?= 16x104 64x128 256x372
COSIM_TEST_CYCLES ?= 100K
TEST_EXTRA_BUILD  += $(patsubst %,$(COSIM_DIR)/%/cosim,$(COSIM_TEST_CFGS)) $(COSIM_MUT_BINS)
TEST_EXTRA += $(foreach c,$(COSIM_TEST_CFGS),\
	"cosim $c random, $(COSIM_TEST_CYCLES) cycles :: $(COSIM_DIR)/$c/cosim --quiet --mode random --seed 1 --cycles $(COSIM_TEST_CYCLES) --vcd-file $(COSIM_DIR)/$c/fail.vcd" \
	"cosim $c directed :: $(COSIM_DIR)/$c/cosim --quiet --mode directed --seed 2 --cycles 0 --vcd-file $(COSIM_DIR)/$c/fail.vcd")
TEST_EXTRA += "tests/cosim/cmd-cosim.sh $(BIN)/pnicsim $(firstword $(COSIM_TEST_CFGS))"
TEST_EXTRA += "tests/cosim/traffic.sh $(COSIM_DIR)/64x128/cosim 0 1"
# A user's scenario: the demo's and tracegen's configuration is built
# here; the 80-bit one (16x80v512) is removed and built on demand by the
# test itself, every time (about 10 s).
TEST_EXTRA_BUILD += $(COSIM_DIR)/64x372/cosim $(BIN)/tracegen
TEST_EXTRA += "cosim --scenario: demo, on-demand build, tracegen, refusals, a mutant (tests/cosim/scenario.sh) :: tests/cosim/scenario.sh $(BIN)/pnicsim $(BIN)/tracegen build/mutants/prio_highest/cosim"
TEST_EXTRA += "tests/cosim/vcd-on-mismatch.sh build/mutants/map_stale/cosim"
TEST_EXTRA += "cosim command line (tests/cosim/options.sh) :: tests/cosim/options.sh $(COSIM_DIR)/$(firstword $(COSIM_TEST_CFGS))/cosim build/mutants/map_stale/cosim $(BIN)/pnicsim"
TEST_EXTRA_BUILD += $(BIN)/cbgen
TEST_EXTRA += $(foreach m,$(COSIM_MUTANTS),"mutant $m: the cosim reports it :: tests/cosim/expect-mismatch.sh $m build/mutants/$m/cosim")
endif

# ---- make cosim: the long run at 1K x 128 --------------------------------
COSIM_LONG_CFG ?= 1024x128
.PHONY: cosim
cosim: deps $(COSIM_DIR)/$(COSIM_LONG_CFG)/cosim
	tests/cosim/long-run.sh $(COSIM_DIR)/$(COSIM_LONG_CFG)/cosim

BENCH_BUILD += $(COSIM_DIR)/1024x128/cosim $(COSIM_DIR)/4096x128/cosim
