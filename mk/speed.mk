# `make release`: pnicsim and scbench built for speed, into build/release/bin:
# the same sources as build/bin at -O3 with link-time optimisation.  A
# packet's way through the pipeline crosses a dozen files (the stages call
# the parser, the key build, the lookup core, the datapath and the ports'
# queues in other units); only the linker can inline across them.  It is
# a build of its own and not the default: LTO would have every test's
# link redo the code generation.  `make bench` measures both builds
# (bench/parts/50-run.sh); they compute the same (the scenario regressions
# can run either pnicsim: tests/scenarios/check.sh takes it as an argument).
# GCC's profile-guided build was tried on top and gained nothing the noise
# of this machine could show (docs/system.md), so it is not here.
REL       := build/release
REL_FLAGS := -O3 -flto=auto

$(eval $(call VARIANT,$(REL),$(REL_FLAGS)))
$(eval $(call SC_VARIANT,$(REL),$(REL_FLAGS)))

$(REL)/bin/scbench: $(REL)/obj/tools/sc/scbench.o $(REL)/libpnicsc.a $(REL)/libpnicio.a $(REL)/libpnic.a
	@mkdir -p $(@D)
	$(call show,LD,$@)$(CXX) $(REL_FLAGS) -o $@ $^ $(LDLIBS_IO) $(LDLIBS_SC)

.PHONY: release
release: deps $(REL)/bin/pnicsim $(REL)/bin/scbench
	@echo "release: $(REL)/bin/pnicsim and $(REL)/bin/scbench (-O3, link-time optimisation)"
