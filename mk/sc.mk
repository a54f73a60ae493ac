# The SystemC system (model/sc/): C++17, the C headers through extern "C"
# (system.h guards itself; the others are plain C that C++ reads).  One
# library per variant, build/libpnicsc.a; what links it links libsystemc
# and the C++ runtime, with $(CXX).  Tests of the system are in
# tests/model/sc/ (C, Criterion: each test in its own process, as SystemC
# elaborates once per process).
SC_SRC      := $(sort $(wildcard model/sc/*.cpp))
SC_TEST_SRC := $(sort $(wildcard tests/model/sc/test_*.c))
CXXFLAGS_SC := -std=c++17 $(OPT) -g $(WARN) $(CPPFLAGS_ALL) -D_POSIX_C_SOURCE=200809L
# libsystemc.so wants an sc_main(); ours (never called) is in system.o,
# pulled from the archive even by a program that has no use for the
# system yet.
LDLIBS_SC   := -Wl,-u,sc_main $(shell pkg-config --libs systemc 2>/dev/null || echo -lsystemc)

define SC_VARIANT
$1/obj/model/sc/%.o: model/sc/%.cpp
	@mkdir -p $$(@D)
	$$(call show,CXX,$$@)$$(CXX) $$(CXXFLAGS_SC) $2 -c $$< -o $$@

$1/libpnicsc.a: $$(patsubst %.cpp,$1/obj/%.o,$$(SC_SRC))
	@mkdir -p $$(@D)
	$$(call show,AR,$$@)rm -f $$@ && ar rcs $$@ $$^

$1/tests/model/sc/%: $1/obj/tests/model/sc/%.o $1/libpnicsc.a $1/libpnicio.a $1/libpnic.a
	@mkdir -p $$(@D)
	$$(call show,LD,$$@)$$(CXX) $2 -o $$@ $$^ -lcriterion $$(LDLIBS_IO) $$(LDLIBS_SC)

$1/TESTS += $$(patsubst tests/%.c,$1/tests/%,$$(SC_TEST_SRC))
endef

$(eval $(call SC_VARIANT,build,))
$(eval $(call SC_VARIANT,build/asan,$(SAN_FLAGS)))

# scbench: one timed run of the system (bench/parts/50-run.sh).
build/bin/scbench: build/obj/tools/sc/scbench.o build/libpnicsc.a build/libpnicio.a build/libpnic.a
	@mkdir -p $(@D)
	$(call show,LD,$@)$(CXX) -o $@ $^ $(LDLIBS_IO) $(LDLIBS_SC)

all: build/bin/scbench
