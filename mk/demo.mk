# `make demo`: the functional replay of the bundled trace (scenarios/
# demo.yaml -> out/demo), the whole system in simulated time on the same
# trace (scenarios/demo-run.yaml -> out/demo-run), then the FPAG's VM
# migration (scenarios/migration.yaml) with flow entries naming VPIDs and
# naming ports, printed side by side.
MIGRATION_FIGURES := \
	"commands for the move|.events[0].commands" \
	"fast path correct again after (ns)|.events[0].repair_ns" \
	"  the same in NIC cycles|.events[0].repair_cycles" \
	"packets out of the old port after the move|.events[0].misdelivered" \
	"packets missed during the move|.events[0].missed_during" \
	"packets dropped during the move|.events[0].dropped_during" \
	"misses the FPAG handled (whole run)|.fpag.misses" \
	"flow entries installed (whole run)|.fpag.installs"

demo: deps
	@$(MAKE) --no-print-directory $(BIN)/pnicsim
	$(BIN)/pnicsim replay scenarios/demo.yaml --out out/demo
	$(BIN)/pnicsim run scenarios/demo-run.yaml --out out/demo-run
	$(BIN)/pnicsim run scenarios/migration.yaml --out out/migration-vpid --quiet
	$(BIN)/pnicsim run scenarios/migration.yaml --set fpag.flow_dest=ppid --out out/migration-ppid --quiet
	@echo
	@echo "VM server0 moves from vf1 to vf2 at 7.5 ms under traffic (scenarios/migration.yaml):"
	@printf '  %-46s %16s %16s\n' "" "flow_dest: vpid" "flow_dest: ppid"
	@for f in $(MIGRATION_FIGURES); do \
	  printf '  %-46s %16s %16s\n' "$${f%%|*}" \
	    "$$(jq -r "$${f#*|}" out/migration-vpid/summary.json)" \
	    "$$(jq -r "$${f#*|}" out/migration-ppid/summary.json)"; \
	done
	@echo
	@echo "demo: the functional replay's results are in out/demo/ (summary.json, pcaps);"
	@echo "demo: the timed run's are in out/demo-run/: summary.json (counters, latency"
	@echo "demo: per path, the miss round trip), packets.csv, timeseries.csv, egress pcaps,"
	@echo "demo: latency-cdf.png and timeseries.png (docs/run.md describes every file);"
	@echo "demo: the migration's in out/migration-vpid/ and out/migration-ppid/."
