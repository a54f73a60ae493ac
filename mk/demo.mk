demo: deps
	@$(MAKE) --no-print-directory $(BIN)/pnicsim
	$(BIN)/pnicsim replay scenarios/demo.yaml --out out/demo
