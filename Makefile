# pnicsim — non-recursive build.  Each folder contributes a fragment
# (mk/*.mk, rtl/rtl.mk); sources are found by wildcard so that a new block
# is one .c, one .h and one test file, with no Makefile edit.
#
#   make          library, tools
#   make test     every test, plain and under ASan+UBSan
#   make demo     replay the bundled trace through the bundled config
#   make bench    benchmarks -> bench/results.json
#   make lint     C linters (+ Verilator lint)
#   make fuzz     libFuzzer targets (clang)
#   make V=1 ...  show every command in full

.DEFAULT_GOAL := all
SHELL := /bin/bash

# Each step prints one short line, `CC obj/model/tcam.o` (its target, less
# the leading build/), as the Linux and DPDK builds do; `make V=1` prints
# the commands instead.  Errors and warnings show in full either way.
# Recipes start with $(call show,TAG,TARGET) before the command, or with
# $(Q) for a command that prints its own line.
ifeq ($(V),1)
Q    :=
show  =
else
Q    := @
show  = @printf '  %-8s %s\n' '$1' '$(patsubst build/%,%,$2)';
endif

CC      ?= cc
CXX     ?= c++
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CPPFLAGS_ALL := -I. -MMD -MP
CFLAGS_ALL   := $(CSTD) $(OPT) -g $(WARN) $(CPPFLAGS_ALL)
LDLIBS_IO    := -lpcap -lyaml -ljansson -lm
# The sanitizer build is there to find bugs, not to run fast: -O1 keeps
# ASan's reports readable and compiles in two thirds of -O2's time.
SAN_FLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
# Test code is compiled at -O0 in both builds (the code under test keeps
# its own flags): Criterion's assertion macros make -O2 spend two to four
# times as long compiling tests/ as the whole simulator, and the tests
# spend their time in the code they test.
TEST_OPT     := -O0

# ---- sources ---------------------------------------------------------------
CORE_SRC    := $(sort $(wildcard model/*.c host/*.c))
IO_SRC      := $(sort $(wildcard io/*.c))
PNICSIM_SRC := $(sort $(wildcard tools/pnicsim/*.c))
TOOL_MAINS  := $(sort $(wildcard tools/*.c))
TEST_SRC    := $(sort $(wildcard tests/model/test_*.c tests/host/test_*.c tests/io/test_*.c \
                                 tests/tools/test_*.c tests/tools/*/test_*.c))

include mk/deps.mk

# ---- one build variant: $1 = output dir, $2 = extra compile/link flags ------
define VARIANT
$1/obj/%.o: %.c
	@mkdir -p $$(@D)
	$$(call show,CC,$$@)$$(CC) $$(CFLAGS_ALL) $2 -c $$< -o $$@

$1/obj/tests/%.o: tests/%.c
	@mkdir -p $$(@D)
	$$(call show,CC,$$@)$$(CC) $$(CFLAGS_ALL) $2 $$(TEST_OPT) -c $$< -o $$@

$1/libpnic.a: $$(patsubst %.c,$1/obj/%.o,$$(CORE_SRC))
	@mkdir -p $$(@D)
	$$(call show,AR,$$@)rm -f $$@ && ar rcs $$@ $$^

$1/libpnicio.a: $$(patsubst %.c,$1/obj/%.o,$$(IO_SRC))
	@mkdir -p $$(@D)
	$$(call show,AR,$$@)rm -f $$@ && ar rcs $$@ $$^

# pnicsim runs the SystemC system (`pnicsim run`): it links the C++
# library of model/sc/ (mk/sc.mk), libsystemc and the C++ runtime.
$1/bin/pnicsim: $$(patsubst %.c,$1/obj/%.o,$$(PNICSIM_SRC)) $1/libpnicsc.a $1/libpnicio.a $1/libpnic.a
	@mkdir -p $$(@D)
	$$(call show,LD,$$@)$$(CXX) $2 -o $$@ $$^ $$(LDLIBS_IO) $$(LDLIBS_SC)

$1/bin/%: $1/obj/tools/%.o $1/libpnicio.a $1/libpnic.a
	@mkdir -p $$(@D)
	$$(call show,LD,$$@)$$(CC) $2 -o $$@ $$^ $$(LDLIBS_IO)

$1/tests/%: $1/obj/tests/%.o $1/libpnicio.a $1/libpnic.a
	@mkdir -p $$(@D)
	$$(call show,LD,$$@)$$(CC) $2 -o $$@ $$^ -lcriterion $$(LDLIBS_IO)

$1/TOOLS := $1/bin/pnicsim $$(patsubst tools/%.c,$1/bin/%,$$(TOOL_MAINS))
$1/TESTS := $$(patsubst tests/%.c,$1/tests/%,$$(TEST_SRC))
endef

$(eval $(call VARIANT,build,))
$(eval $(call VARIANT,build/asan,$(SAN_FLAGS)))
.SECONDARY:

# Our own dependency files only: Verilator's (Vlookup_core*.d, in each
# model's folder) belong to its generated make, and its __ver.d would have
# this make regenerate the RTL package whenever it reads them.
-include $(shell find build -name '*.d' ! -name 'Vlookup_core*' 2>/dev/null)

BIN := build/bin

.PHONY: all tools tests test test-unit test-asan demo bench lint fuzz clean
all: $(build/TOOLS)
tools: $(build/TOOLS)
tests: $(build/TESTS) $(build/asan/TESTS)

# One fragment per concern (mk/*.mk) and per folder that needs its own
# rules (rtl/rtl.mk).  Fragments add checks to `make test` through
# TEST_EXTRA (shell commands, one test each) and TEST_EXTRA_BUILD (targets).
include $(filter-out mk/deps.mk,$(sort $(wildcard mk/*.mk)))
-include rtl/rtl.mk

# What `make test` builds before it runs anything, as one goal: a target
# named twice, or already made for another goal, would have make say that
# it is up to date.  Here, after every fragment has added to the list.
.PHONY: test-build
test-build: all $(build/asan/TOOLS) $(build/TESTS) $(build/asan/TESTS) $(TEST_EXTRA_BUILD)
	@:

clean:
	rm -rf build
