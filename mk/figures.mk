# `make figures`: docs/figures/*.svg from real runs (docs/fpag.md,
# docs/fpag_tables.md and docs/run.md show them).  The scenarios run into
# build/figures/<run>/ (pnicsim run, no plots of its own), the placement
# bench's default case (bench/parts/45-place.sh) into
# build/figures/place.txt, and a gnuplot script of tools/figures/ draws
# each figure from those outputs (no figure typed in).  Not in `make
# test`; tests/scenarios/figures.sh runs the scripts on a small run so
# that they cannot rot.  docs/figures/migration-cost.svg is made
# elsewhere (bench/parts/6x).
FIG_OUT := build/figures
FIG_GP  := tools/figures
# Each run: its scenario (scenarios/<FIG_SCN_run or run>.yaml) and its
# --set overrides.
FIG_RUNS := migration-vpid migration-ppid rule-update table-overflow \
	    table-overflow-lru aging aging-delete aging-short classbench
FIG_SCN_migration-vpid     := migration
FIG_SCN_migration-ppid     := migration
FIG_SET_migration-ppid     := --set fpag.flow_dest=ppid
FIG_SCN_table-overflow-lru := table-overflow
FIG_SET_table-overflow-lru := --set fpag.table_full=evict_lru
FIG_SCN_aging-delete       := aging
FIG_SET_aging-delete       := --set aging.mode=delete
# A tenth of the file's timeouts (UDP and stateless 0.1 ms, TCP 0.3 ms).
FIG_SCN_aging-short        := aging
FIG_SET_aging-short        := --set aging.timeouts_ns.0=100000 --set aging.timeouts_ns.1=300000
fig_yaml = scenarios/$(or $(FIG_SCN_$1),$1).yaml
# gnuplot draws into a hidden temporary (its suffix picks the terminal)
# renamed into place: a failed or interrupted draw leaves the figure as
# it was, never a half-written one.
fig_tmp = $(@D)/.$(basename $(@F)).tmp$(suffix $(@F))
fig_draw = gnuplot -e "$1; out='$(fig_tmp)'" $< && mv $(fig_tmp) $@ || { rm -f $(fig_tmp); exit 1; }

FIGURES := $(addprefix docs/figures/,hitrate-migration.svg hitrate-rule-update.svg \
	     hitrate-table-overflow.svg hitrate-aging.svg latency.svg placement.svg)

# The runs first, then the figures: under the Makefile's .SECONDARY a
# missing run is an intermediate file that make may skip when the figure
# looks newer than the rest.
FIG_DATA := $(foreach r,$(FIG_RUNS),$(FIG_OUT)/$r/summary.json) $(FIG_OUT)/place.txt

.PHONY: figures
figures:
	@$(MAKE) -s --no-print-directory $(FIG_DATA)
	@$(MAKE) -s --no-print-directory $(FIGURES)

define FIG_RUN
$(FIG_OUT)/$1/summary.json: $(call fig_yaml,$1) $(BIN)/pnicsim
	$$(call show,RUN,$$(@D))$(BIN)/pnicsim run $$< $(FIG_SET_$1) --out $$(@D) --quiet --no-plots
endef
$(foreach r,$(FIG_RUNS),$(eval $(call FIG_RUN,$r)))

$(FIG_OUT)/place.txt: bench/parts/45-place.sh tools/placebench.c $(BIN)/placebench
	@mkdir -p $(@D)
	+$(call show,BENCH,$@)bench/parts/45-place.sh > $@.tmp && mv $@.tmp $@

# $1 figure, $2 runs, $3 titles (a word each, _ for a space), $4 title
define FIG_HITRATE
docs/figures/$1.svg: $(FIG_GP)/hitrate.gp $(FIG_GP)/common.gp $(foreach r,$2,$(FIG_OUT)/$r/summary.json)
	@mkdir -p $$(@D)
	$$(call show,GNUPLOT,$$@)$$(call fig_draw,runs='$(addprefix $(FIG_OUT)/,$2)'; titles='$3'; name='$4')
endef
$(eval $(call FIG_HITRATE,hitrate-migration,migration-vpid migration-ppid,flow_dest:_vpid flow_dest:_ppid,VM migration under traffic (scenarios/migration.yaml)))
$(eval $(call FIG_HITRATE,hitrate-rule-update,rule-update,rule-update,Rule add / change / remove under traffic (scenarios/rule-update.yaml)))
$(eval $(call FIG_HITRATE,hitrate-table-overflow,table-overflow table-overflow-lru,table_full:_refuse table_full:_evict_lru,Table flood (scenarios/table-overflow.yaml)))
$(eval $(call FIG_HITRATE,hitrate-aging,aging aging-delete aging-short,mode:_notify mode:_delete notify_with_a_tenth_of_the_timeouts,Entries aging out (scenarios/aging.yaml)))

FIG_LAT_RUNS := migration-vpid table-overflow classbench
docs/figures/latency.svg: $(FIG_GP)/latency.gp $(FIG_GP)/common.gp $(foreach r,$(FIG_LAT_RUNS),$(FIG_OUT)/$r/summary.json)
	@mkdir -p $(@D)
	$(call show,GNUPLOT,$@)$(call fig_draw,runs='$(addprefix $(FIG_OUT)/,$(FIG_LAT_RUNS))'; titles='migration table-overflow classbench')

docs/figures/placement.svg: $(FIG_GP)/placement.gp $(FIG_GP)/common.gp $(FIG_OUT)/place.txt
	@mkdir -p $(@D)
	$(call show,GNUPLOT,$@)$(call fig_draw,bench='$(FIG_OUT)/place.txt')

# The scripts on a small run (tests/scenarios/figures.sh).
TEST_EXTRA += 'tests/scenarios/figures.sh'
TEST_EXTRA_BUILD += $(BIN)/pnicsim $(BIN)/placebench
