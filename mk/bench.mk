# `make bench`: every bench/parts/*.sh in order.  Each part prints lines
# "BENCH <figure-name> <number>" (plus any prose); bench/run.sh shows them
# and writes bench/results.json, one object figure -> number
# (bench/run.sh PART... runs some parts and updates only their figures).
BENCH_BUILD ?=
bench: deps
	@$(MAKE) --no-print-directory bench-deps || \
	  echo "bench: $(BENCH_DEB_PACKAGES) missing: the DPDK figures will be skipped"
	@$(MAKE) --no-print-directory all $(BENCH_BUILD)
	@bench/run.sh
