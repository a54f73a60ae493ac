# `make demo`: the functional replay of the bundled trace (scenarios/
# demo.yaml -> out/demo) and the whole system in simulated time on the
# same trace (scenarios/demo-run.yaml -> out/demo-run), then where to look.
demo: deps
	@$(MAKE) --no-print-directory $(BIN)/pnicsim
	$(BIN)/pnicsim replay scenarios/demo.yaml --out out/demo
	$(BIN)/pnicsim run scenarios/demo-run.yaml --out out/demo-run
	@echo
	@echo "demo: the functional replay's results are in out/demo/ (summary.json, pcaps);"
	@echo "demo: the timed run's are in out/demo-run/: summary.json (counters, latency"
	@echo "demo: per path, the miss round trip), packets.csv, timeseries.csv, egress pcaps,"
	@echo "demo: latency-cdf.png and timeseries.png (docs/run.md describes every file)."
