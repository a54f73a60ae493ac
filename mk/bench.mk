BENCH_EXTRA ?=
bench: deps
	@$(MAKE) --no-print-directory $(BIN)/pnicbench $(BENCH_EXTRA_BUILD)
	@mkdir -p bench
	$(BIN)/pnicbench --json bench/results.json $(BENCH_EXTRA)
