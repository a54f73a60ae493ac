# `make bench`: every bench/parts/*.sh in order.  Each part prints lines
# "BENCH <figure-name> <number>" (plus any prose); bench/run.sh shows them
# and writes bench/results.json, one object figure -> number.
BENCH_BUILD ?=
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BUILD)
	@bench/run.sh
