# Lockstep cosim of the lookup core RTL against the C model (rtl/cosim/,
# docs/cosim.md).
#
#   build/cosim/<Depth>x<KeyWidth>/cosim      one binary per configuration
#   build/cosim/<Depth>x<KeyWidth>-cov/cosim  the same with --coverage
#   build/mutants/<name>/cosim               rtl/ with rtl/mutants/<name>.patch
#   make cosim                               the long run (>= 10 M cycles)
#
# The harness (rtl/cosim/*.cpp but dut_verilated.cpp) is compiled once and
# linked into every configuration; Verilator's generated make (the only
# sub-make) builds the rest.  KeyWidth must be a built-in profile's width.

COSIM_DIR      := build/cosim
COSIM_PKG      ?= build/gen/pnic_cfg_pkg.sv
COSIM_RTL_SV   ?= $(sort $(wildcard rtl/*.sv))
COSIM_VPIDS    ?= 256
COSIM_HDRS     := $(wildcard rtl/cosim/*.h) $(wildcard model/*.h)
COSIM_CXX_SRC  := $(filter-out rtl/cosim/dut_verilated.cpp,$(sort $(wildcard rtl/cosim/*.cpp)))
COSIM_CXX_OBJ  := $(patsubst rtl/cosim/%.cpp,$(COSIM_DIR)/obj/%.o,$(COSIM_CXX_SRC))
COSIM_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -I.
VERILATOR_ROOT ?= $(shell verilator --getenv VERILATOR_ROOT 2>/dev/null)
COSIM_VINC     := -I$(VERILATOR_ROOT)/include -I$(VERILATOR_ROOT)/include/vltstd
# The Verilator runtime does not depend on the design or on VM_TRACE /
# VM_COVERAGE, so it is compiled once for every configuration.
COSIM_VLRT     := $(patsubst %,$(COSIM_DIR)/vlrt/%.o,verilated verilated_vcd_c verilated_threads verilated_cov)
# Small configurations and mutants exist to find bugs, not to run fast:
# their model is compiled at -O1, which halves the compile time.
COSIM_SMALL    ?= 16x104 64x128 256x372
cosim_opt       = $(if $(filter $1,$(COSIM_SMALL)),-O1,-O3)

cosim_depth = $(word 1,$(subst x, ,$(subst -cov,,$1)))
cosim_kbits = $(word 2,$(subst x, ,$(subst -cov,,$1)))

$(COSIM_DIR)/obj/%.o: rtl/cosim/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(COSIM_CXXFLAGS) -MMD -MP -c $< -o $@

$(COSIM_DIR)/vlrt/%.o:
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -faligned-new $(COSIM_VINC) -c $(VERILATOR_ROOT)/include/$*.cpp -o $@

# One configuration: Verilate (--cc), build the model library with
# Verilator's generated make, compile the Dut adapter, link.
# $1 = binary, $2 = Mdir, $3 = Depth, $4 = KeyWidth, $5 = RTL sources,
# $6 = extra Verilator flags, $7 = C++ optimisation of the model.
define COSIM_VERILATE
	@mkdir -p $2
	verilator --cc --top-module lookup_core --prefix Vlookup_core \
	  -O3 --assert --trace --x-assign unique --x-initial unique $6 \
	  -GDepth=$3 -GKeyWidth=$4 -GNumVpids=$(COSIM_VPIDS) -Mdir $2 $5 \
	  >$2/build.log 2>&1 || { cat $2/build.log; echo "cosim: Verilator failed on $5"; exit 1; }
	+$(MAKE) --no-print-directory -C $2 -f Vlookup_core.mk Vlookup_core__ALL.a \
	  OPT_FAST=$7 OPT_SLOW=-O1 OPT_GLOBAL=-O1 >>$2/build.log 2>&1 \
	  || { tail -n 30 $2/build.log; echo "cosim: compiling the model in $2 failed"; exit 1; }
	$(CXX) -std=c++17 -O2 -faligned-new -I. -I$2 $(COSIM_VINC) \
	  -DVM_TRACE=1 -DVM_COVERAGE=$(if $(findstring coverage,$6),1,0) \
	  -DCOSIM_DEPTH=$3 -DCOSIM_KEY_BITS=$4 -DCOSIM_NUM_VPIDS=$(COSIM_VPIDS) \
	  -c rtl/cosim/dut_verilated.cpp -o $2/dut_verilated.o
	$(CXX) -o $1 $2/dut_verilated.o $(COSIM_CXX_OBJ) $2/Vlookup_core__ALL.a \
	  $(COSIM_VLRT) build/libpnicio.a build/libpnic.a $(LDLIBS_IO) -pthread -latomic
endef

COSIM_DEPS := $(COSIM_PKG) $(COSIM_RTL_SV) rtl/cosim/dut_verilated.cpp \
	$(COSIM_CXX_OBJ) $(COSIM_VLRT) build/libpnicio.a build/libpnic.a $(COSIM_HDRS)

$(COSIM_DIR)/%/cosim: $(COSIM_DEPS)
	$(call COSIM_VERILATE,$@,$(COSIM_DIR)/$*/obj,$(call cosim_depth,$*),$(call cosim_kbits,$*),$(COSIM_PKG) $(COSIM_RTL_SV),$(if $(findstring -cov,$*),--coverage),$(call cosim_opt,$*))

# ---- broken RTL: each rtl/mutants/<name>.patch applied to a copy of rtl/ --
# The patch must apply cleanly (no fuzz): a stale patch stops the build
# here, loudly, instead of silently testing nothing.
COSIM_MUTANTS  := $(patsubst rtl/mutants/%.patch,%,$(sort $(wildcard rtl/mutants/*.patch)))
COSIM_MUT_CFG  ?= 64x128
COSIM_MUT_D    := $(call cosim_depth,$(COSIM_MUT_CFG))
COSIM_MUT_K    := $(call cosim_kbits,$(COSIM_MUT_CFG))
COSIM_MUT_BINS := $(patsubst %,build/mutants/%/cosim,$(COSIM_MUTANTS))

build/mutants/%/cosim: rtl/mutants/%.patch $(COSIM_DEPS)
	@rm -rf build/mutants/$*/src && mkdir -p build/mutants/$*/src/rtl
	cp $(COSIM_RTL_SV) build/mutants/$*/src/rtl/
	@patch -s -p1 -F0 -N -d build/mutants/$*/src <$< \
	  || { echo "cosim: mutant $< no longer applies to rtl/; regenerate it (docs/cosim.md)"; exit 1; }
	$(call COSIM_VERILATE,$@,build/mutants/$*/obj,$(COSIM_MUT_D),$(COSIM_MUT_K),$(COSIM_PKG) $(addprefix build/mutants/$*/src/,$(COSIM_RTL_SV)),-Wno-fatal,-O1)

# ---- make test: short sweeps over (Depth, KeyWidth), and every mutant ---
# (only once the RTL exists, so that the C side can land first)
ifneq ($(wildcard rtl/lookup_core.sv),)
COSIM_TEST_CFGS   ?= 16x104 64x128 256x372
COSIM_TEST_CYCLES ?= 100K
TEST_EXTRA_BUILD  += $(patsubst %,$(COSIM_DIR)/%/cosim,$(COSIM_TEST_CFGS)) $(COSIM_MUT_BINS)
TEST_EXTRA += $(foreach c,$(COSIM_TEST_CFGS),\
	"$(COSIM_DIR)/$c/cosim --quiet --mode random --seed 1 --cycles $(COSIM_TEST_CYCLES) --vcd-file $(COSIM_DIR)/$c/fail.vcd" \
	"$(COSIM_DIR)/$c/cosim --quiet --mode directed --seed 2 --cycles 0 --vcd-file $(COSIM_DIR)/$c/fail.vcd")
TEST_EXTRA += "tests/cosim/cmd-cosim.sh $(BIN)/pnicsim $(firstword $(COSIM_TEST_CFGS))"
TEST_EXTRA += "tests/cosim/traffic.sh $(COSIM_DIR)/64x128/cosim 0 1"
TEST_EXTRA_BUILD += $(BIN)/cbgen
TEST_EXTRA += $(foreach m,$(COSIM_MUTANTS),"tests/cosim/expect-mismatch.sh $m build/mutants/$m/cosim")
endif

# ---- make cosim: the long run at 1K x 128 --------------------------------
COSIM_LONG_CFG ?= 1024x128
.PHONY: cosim
cosim: deps $(COSIM_DIR)/$(COSIM_LONG_CFG)/cosim
	tests/cosim/long-run.sh $(COSIM_DIR)/$(COSIM_LONG_CFG)/cosim

BENCH_BUILD += $(COSIM_DIR)/1024x128/cosim $(COSIM_DIR)/4096x128/cosim
